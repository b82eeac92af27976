"""Per-shot cost: full pipeline + BeamAnalyzer on a 1024x1024 16-bit shot, against PNG decode.

Prints the median time to decode the shot from PNG (a bare Pillow decode, the
unit of the goals, and the library's own reader) and the median time to run
the whole processing pipeline and BeamAnalyzer on the decoded image, measured
in the same run, and their ratio (target: analysis / Pillow decode < 1). Memory is
kept for reuse as in the worker processes (``keep_freed_memory``).

    python benchmarks/image_pipeline.py [--repeats 30] [--size 1024]
"""

from __future__ import annotations

import argparse
import tempfile
import tracemalloc
from pathlib import Path

import numpy as np
from _timing import median_time, pillow_decode

from scan_analysis.data.demo import beam_truth, encode_png, render_beam_image
from scan_analysis.data.readers import read_shot
from scan_analysis.executors import keep_freed_memory
from scan_analysis.image import BeamAnalyzer

CONFIG = {
    "bit_depth": 16,
    "background": {"method": "constant", "constant_level": 100},
    "crosshair_masking": {
        "crosshairs": [{"center": [768, 256], "width": 130, "height": 130, "thickness": 3}]
    },
    "roi": {"x_min": 112, "x_max": 912, "y_min": 112, "y_max": 912},
    "thresholding": {"method": "absolute", "value": 20, "mode": "to_zero"},
    "filtering": {"median_kernel_size": 3, "gaussian_sigma": 1.0},
    "transforms": {"flip_vertical": True},
    "metadata": {"spatial_calibration": 2.5e-5},
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--size", type=int, default=1024)
    args = parser.parse_args()
    keep_freed_memory()  # as in the worker processes that analyse shots
    shape = (args.size, args.size)
    image = render_beam_image(beam_truth(0.5, shape), shape, np.random.default_rng(0))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "UC_TopView_3861020001.000.png"
        path.write_bytes(encode_png(image))  # as a GEECS camera writes it
        analyzer = BeamAnalyzer(CONFIG)
        full_frame = BeamAnalyzer({key: value for key, value in CONFIG.items() if key != "roi"})
        decoded = read_shot(path)
        analyzer.analyze_image(decoded)  # warm-up
        full_frame.analyze_image(decoded)
        decode = median_time(lambda: pillow_decode(path), args.repeats)
        library_decode = median_time(lambda: read_shot(path), args.repeats)
        analyse = median_time(lambda: analyzer.analyze_image(decoded), args.repeats)
        analyse_full = median_time(lambda: full_frame.analyze_image(decoded), args.repeats)
        tracemalloc.start()
        analyzer.analyze_image(decoded)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    print(f"shot: {shape[1]}x{shape[0]} uint16 PNG, {args.repeats} repeats, medians")
    print(f"decode PNG (bare Pillow):              {decode * 1e3:7.2f} ms")
    print(f"decode PNG (the library's read_shot):  {library_decode * 1e3:7.2f} ms")
    print(f"pipeline + BeamAnalyzer (800x800 ROI): {analyse * 1e3:7.2f} ms")
    print(f"same without the ROI (full frame):     {analyse_full * 1e3:7.2f} ms")
    print(f"ratio full-frame analysis / decode:    {analyse_full / decode:7.2f}   (target < 1)")
    print(f"peak extra memory per shot (ROI):      {peak / 2**20:7.1f} MiB")
    print(f"ratio analysis / decode:               {analyse / decode:7.2f}   (target < 1)")


if __name__ == "__main__":
    main()

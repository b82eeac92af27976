"""Cost of the per-shot saturation check on a 1024x1024 16-bit frame, against PNG decode.

Every camera shot of every scan is checked (``ImageAnalyzer.saturated_pixels``
on the raw frame), so it must cost little next to reading the shot. Prints, in
the same run, the median time to decode the frame from PNG, to run the
pipeline and BeamAnalyzer on it, and to count its saturated pixels for: a
frame with nothing at the level (the usual case), a saturated spot, and the
worst case of hot pixels spread over the whole sensor.

    python benchmarks/saturation_check.py [--repeats 30] [--size 1024]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np
from _timing import median_time
from PIL import Image

from scan_analysis.data.demo import beam_truth, render_beam_image
from scan_analysis.data.readers import read_shot
from scan_analysis.image import BeamAnalyzer
from scan_analysis.image.saturation import count_saturated_pixels

LEVEL = 65535
PIPELINE = {
    "bit_depth": 16,
    "background": {"method": "constant", "constant_level": 100},
    "roi": {"x_min": 112, "x_max": 912, "y_min": 112, "y_max": 912},
    "thresholding": {"method": "absolute", "value": 20, "mode": "to_zero"},
    "filtering": {"median_kernel_size": 3},
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--size", type=int, default=1024)
    args = parser.parse_args()
    shape = (args.size, args.size)
    clean = render_beam_image(beam_truth(0.5, shape), shape, np.random.default_rng(0))
    spot = clean.copy()
    centre = args.size // 2
    spot[centre - 25 : centre + 25, centre - 20 : centre + 20] = LEVEL  # 2000 pixels
    spread = clean.copy()
    rng = np.random.default_rng(1)
    spread[rng.integers(0, args.size, 200), rng.integers(0, args.size, 200)] = LEVEL
    spread[:3, :3] = spread[-3:, -3:] = LEVEL  # corners: the box is the whole sensor
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "UC_TopView_3861020001.000.png"
        Image.fromarray(clean).save(path, compress_level=1)
        decode = median_time(lambda: read_shot(path), args.repeats, warm_up=True)
    analyzer = BeamAnalyzer(PIPELINE)
    analyse = median_time(lambda: analyzer.analyze_image(clean), args.repeats, warm_up=True)
    frames = (
        ("nothing saturated", clean),
        ("a saturated spot", spot),
        ("hot pixels everywhere", spread),
    )
    counts = {
        name: median_time(
            lambda f=frame: count_saturated_pixels(f, level=LEVEL), args.repeats, warm_up=True
        )
        for name, frame in frames
    }
    print(f"frame: {shape[1]}x{shape[0]} uint16, {args.repeats} repeats, medians")
    print(f"decode PNG:                          {decode * 1e3:7.2f} ms")
    print(f"pipeline + BeamAnalyzer (800x800):   {analyse * 1e3:7.2f} ms")
    for name, seconds in counts.items():
        print(
            f"saturation check, {name + ':':22s}{seconds * 1e3:7.3f} ms  "
            f"({seconds / decode:.3f} of a decode, {seconds / analyse:.3f} of the analysis)"
        )
    print(
        "counted:",
        {n: count_saturated_pixels(f, level=LEVEL) for n, f in (("spot", spot), ("hot", spread))},
    )


if __name__ == "__main__":
    main()

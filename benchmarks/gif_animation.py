"""Cost of a no-scan's GIF animation per 100 shots, against drawing each frame with matplotlib.

``renderer_kwargs: {animation: true}`` makes Array2DScanAnalyzer write the
shots of a no-scan as a GIF. Measured in the same run, on the same shots
(512x512 16-bit PNGs of a demo beam, BeamAnalyzer pipeline with an ROI):

- ours: every shot read and processed again in the worker pool
  (``encode_frames``: colour-table indices, no figure), then ``save_gif``;
  with the process pool (2 workers, started before timing) and serially;
- baseline, the original toolkit's way: one matplotlib figure per frame
  (``imshow`` + colour bar at the same size), drawn to RGB, then written as a
  GIF by Pillow, starting from frames already processed and in memory
  (so the baseline does less work than ours: no reading, no processing).

    python benchmarks/gif_animation.py [--shots 100] [--size 512] [--repeats 3]
"""

from __future__ import annotations

import argparse
import io
import tempfile
from pathlib import Path

import numpy as np
from _timing import median_time
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

from scan_analysis.data.demo import beam_truth, render_beam_image
from scan_analysis.executors import SerialExecutor, make_executor
from scan_analysis.image import BeamAnalyzer
from scan_analysis.render.animation import (
    FrameJob,
    encode_frames,
    frame_shape,
    palette_indices,
    save_gif,
)

CONFIG = {
    "bit_depth": 16,
    "background": {"method": "constant", "constant_level": 100},
    "roi": {"x_min": 56, "x_max": 456, "y_min": 56, "y_max": 456},
    "thresholding": {"method": "absolute", "value": 20, "mode": "to_zero"},
}
SIDE = 440  # 4 in at 110 dpi, the defaults


def write_shots(folder: Path, count: int, size: int) -> list[Path]:
    rng = np.random.default_rng(0)
    paths = []
    for shot in range(count):
        image = render_beam_image(
            beam_truth(0.3 + 0.4 * shot / count, (size, size)), (size, size), rng
        )
        path = folder / f"UC_TopView_{shot:03d}.png"
        Image.fromarray(image).save(path, compress_level=1)
        paths.append(path)
    return paths


def ours(analyzer: BeamAnalyzer, paths: list[Path], executor, out: Path) -> None:
    items = list(enumerate(paths))
    per_job = max(1, -(-len(items) // 8))
    jobs = [
        FrameJob(analyzer, items[i : i + per_job], 0.0, 2000.0, SIDE)
        for i in range(0, len(items), per_job)
    ]
    frames: dict[int, np.ndarray] = {}
    for encoded in executor.map_unordered(encode_frames, jobs):
        frames.update((index, frame) for index, frame in encoded if frame is not None)
    save_gif(
        [frames[i] for i in sorted(frames)],
        out,
        cmap="viridis",
        duration=100,
        labels=[f"shot {i + 1}" for i in sorted(frames)],
    )


def baseline(processed: list[np.ndarray], out: Path) -> None:
    rgb_frames = []
    for shot, image in enumerate(processed):
        figure = Figure(figsize=(4, 4), dpi=110)
        axes = figure.add_subplot()
        shown = axes.imshow(image, cmap="viridis", vmin=0, vmax=2000)
        figure.colorbar(shown, ax=axes)
        axes.set_title(f"shot {shot + 1}", fontsize=10)
        canvas = FigureCanvasAgg(figure)
        canvas.draw()
        rgba = np.asarray(canvas.buffer_rgba())
        rgb_frames.append(Image.fromarray(rgba[:, :, :3].copy()))
    stream = io.BytesIO()
    rgb_frames[0].save(
        stream, format="GIF", save_all=True, append_images=rgb_frames[1:], duration=100, loop=0
    )
    out.write_bytes(stream.getvalue())


def ours_from_memory(processed: list[np.ndarray], out: Path) -> None:
    """The same work as the baseline: frames already processed, only encoding and writing."""
    frames = []
    for image in processed:
        indices = palette_indices(image, vmin=0.0, vmax=2000.0)
        size = frame_shape(indices.shape, SIDE)
        frames.append(np.asarray(Image.fromarray(indices).resize(size, Image.Resampling.NEAREST)))
    save_gif(
        frames, out, cmap="viridis", duration=100, labels=[f"shot {i}" for i in range(len(frames))]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shots", type=int, default=100)
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    analyzer = BeamAnalyzer(CONFIG)
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        paths = write_shots(folder, args.shots, args.size)
        processed = [analyzer.process(analyzer.load(p)).data for p in paths]
        pool = make_executor("processes")
        list(pool.map_unordered(encode_frames, [FrameJob(analyzer, [], 0, 1, SIDE)] * 2))  # start
        serial = SerialExecutor()
        per_100 = 100 / args.shots
        t_pool = median_time(lambda: ours(analyzer, paths, pool, folder / "ours.gif"), args.repeats)
        t_serial = median_time(
            lambda: ours(analyzer, paths, serial, folder / "s.gif"), args.repeats
        )
        t_memory = median_time(lambda: ours_from_memory(processed, folder / "m.gif"), args.repeats)
        t_base = median_time(
            lambda: baseline(processed, folder / "base.gif"), max(1, args.repeats // 3)
        )
        pool.close()
        size_ours = (folder / "ours.gif").stat().st_size / 1e6
        size_base = (folder / "base.gif").stat().st_size / 1e6
    print(f"{args.shots} shots of {args.size}x{args.size}, frames {SIDE} px, per 100 shots:")
    print(f"  ours, process pool (read + process + encode + write): {t_pool * per_100:.2f} s")
    print(f"  ours, serial:                                        {t_serial * per_100:.2f} s")
    print(f"  ours, frames in memory (encode + write only):        {t_memory * per_100:.2f} s")
    print(f"  baseline, matplotlib frame per shot (drawing only):  {t_base * per_100:.2f} s")
    print(
        f"  ratio pool / baseline: {t_pool / t_base:.3f}; "
        f"serial / baseline: {t_serial / t_base:.3f}; in memory / baseline: {t_memory / t_base:.3f}"
    )
    print(f"  GIF size: ours {size_ours:.1f} MB, baseline {size_base:.1f} MB")


if __name__ == "__main__":
    main()

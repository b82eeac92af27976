"""What a no-scan's GIF animation costs the user, per 100 shots, against the original's way.

``renderer_kwargs: {animation: true}`` makes Array2DScanAnalyzer write the
shots of a no-scan as a GIF; the frames come back from the analysis pass with
each shot's results, so no shot is read twice. Measured in the same run, on a
generated no-scan (16-bit PNGs of a demo beam, BeamAnalyzer pipeline with an
ROI, frames 440 px on the long side: 4 in at 110 dpi, the defaults):

- the run as a user meets it: ``Array2DScanAnalyzer(...).run_analysis(tag)``
  with and without ``animation: true`` on the same started process pool
  (2 workers), alternately; the difference of the medians is the animation's
  cost (frames in the workers, colour mapping and GIF writing in the parent);
- the former way, for reference: after the analysis, every chosen shot read
  and processed again in the pool to make its frame (what the GIF cost before
  the frames came with the analysis; same pool, same shots);
- baseline, the original toolkit's way: one matplotlib figure per frame
  (``imshow`` + colour bar at the same size), drawn to RGB and written as a GIF
  by Pillow, from frames already processed and in memory (less work than a
  real run: no reading, no processing).

    python benchmarks/gif_animation.py [--shots 100] [--size 512] [--repeats 5]
"""

from __future__ import annotations

import argparse
import io
import os
import tempfile
import time
from pathlib import Path

import numpy as np
from _timing import median_time
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

from scan_analysis import ScanTag
from scan_analysis.analyzers.common import Array2DScanAnalyzer
from scan_analysis.data.demo import write_demo_scan
from scan_analysis.data.scan_paths import day_dir_for
from scan_analysis.executors import make_executor
from scan_analysis.image import BeamAnalyzer
from scan_analysis.image.animation_frames import shrink_to_frame

DATE = "2026-05-08"
EXPERIMENT = "Bench"
SIDE = 440  # 4 in at 110 dpi, the defaults


def beam_config(size: int) -> dict:
    margin = size // 8
    return {
        "bit_depth": 16,
        "background": {"method": "constant", "constant_level": 100},
        "roi": {"x_min": margin, "x_max": size - margin, "y_min": margin, "y_max": size - margin},
        "thresholding": {"method": "absolute", "value": 20, "mode": "to_zero"},
    }


def run_noscan(root: Path, config: dict, executor, *, animation: bool) -> list[Path]:
    analyzer = Array2DScanAnalyzer(
        "UC_TopView",
        image_analyzer=BeamAnalyzer(config),
        analyzer_id="gif" if animation else "plain",
        renderer_kwargs={"animation": animation},
        executor=executor,
        progress=False,
    )
    tag = ScanTag.from_date(DATE, number=1, experiment=EXPERIMENT)
    files = analyzer.run_analysis(tag, data_root=root)
    assert analyzer.last_outcome.status == "done", analyzer.last_outcome.message
    assert any(f.suffix == ".gif" for f in files) == animation
    return files


def reread_frames(job: tuple[BeamAnalyzer, list[Path]]) -> list[np.ndarray]:
    """The former way, in a worker: read and process the shots again to make their frames."""
    analyzer, paths = job
    return [shrink_to_frame(analyzer.process(analyzer.load(p)).data, SIDE) for p in paths]


def former_frames(config: dict, paths: list[Path], executor) -> None:
    analyzer = BeamAnalyzer(config)
    per_job = max(1, -(-len(paths) // 8))
    jobs = [(analyzer, paths[i : i + per_job]) for i in range(0, len(paths), per_job)]
    for _ in executor.map_unordered(reread_frames, jobs):
        pass


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shots", type=int, default=100)
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    config = beam_config(args.size)
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        day_dir = day_dir_for(root, EXPERIMENT, DATE)
        write_demo_scan(
            day_dir,
            1,
            "noscan",
            rng=np.random.default_rng(0),
            image_shape=(args.size, args.size),
            noscan_shots=args.shots,
        )
        paths = sorted((day_dir / "scans" / "Scan001" / "UC_TopView").glob("*.png"))
        assert len(paths) == args.shots, len(paths)
        analyzer = BeamAnalyzer(config)
        processed = [analyzer.process(analyzer.load(p)).data for p in paths]
        with make_executor("processes") as pool:
            for animation in (False, True):  # workers started and warm before the clock
                run_noscan(root, config, pool, animation=animation)
            plain: list[float] = []
            animated: list[float] = []
            for _ in range(args.repeats):  # alternately, so both see the same machine
                for animation, times in ((False, plain), (True, animated)):
                    started = time.perf_counter()
                    run_noscan(root, config, pool, animation=animation)
                    times.append(time.perf_counter() - started)
            t_former = median_time(lambda: former_frames(config, paths, pool), args.repeats)
        gif = day_dir / "analysis" / "Scan001" / "gif" / "gif_shots.gif"
        size_ours = gif.stat().st_size / 1e6
        with Image.open(gif) as movie:
            frames = movie.n_frames
        t_base = median_time(lambda: baseline(processed, root / "base.gif"), 1)
        size_base = (root / "base.gif").stat().st_size / 1e6
    load_after = os.getloadavg()
    per_100 = 100 / args.shots
    t_plain, t_animated = float(np.median(plain)), float(np.median(animated))
    cost = t_animated - t_plain
    print(f"no-scan of {args.shots} shots of {args.size}x{args.size}, {frames} frames of {SIDE} px")
    print(f"load average {load_before[0]:.1f} before, {load_after[0]:.1f} after; per 100 shots:")
    print(f"  run without animation:                     {t_plain * per_100:.2f} s")
    print(f"  run with animation: true:                  {t_animated * per_100:.2f} s")
    print(f"  the animation's cost (difference):         {cost * per_100:.2f} s")
    print(f"  former way, frames re-read after the run:  {t_former * per_100:.2f} s (that pass)")
    print(f"  baseline, matplotlib frame per shot:       {t_base * per_100:.2f} s")
    print(
        f"  ratio animation cost / baseline: {cost / t_base:.3f}; "
        f"former pass / baseline: {t_former / t_base:.3f}"
    )
    spread = f"without {np.ptp(plain) * per_100:.2f} s, with {np.ptp(animated) * per_100:.2f} s"
    print(f"  spread (max - min of the repeats): {spread}")
    print(f"  GIF size: ours {size_ours:.1f} MB, baseline {size_base:.1f} MB")


if __name__ == "__main__":
    main()

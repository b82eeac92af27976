"""renderer_kwargs as the original's users write them, honoured by the scan analyzers."""

from __future__ import annotations

import textwrap

import numpy as np
import pytest
from PIL import Image

from scan_analysis.analyzers import create_diagnostic_analyzer
from scan_analysis.analyzers.common import Array1DScanAnalyzer, Array2DScanAnalyzer
from scan_analysis.config import ConfigTree
from scan_analysis.image import BeamAnalyzer
from scan_analysis.render.animation import colour_table, palette_indices
from scan_analysis.render.style import colour_limits


@pytest.mark.parametrize("executor", ["serial", "processes"])
def test_a_noscan_renders_a_gif_of_its_shots(fresh_demo_day, tmp_path, executor):
    day = fresh_demo_day
    root = tmp_path / "configs"
    (root / "analyzers").mkdir(parents=True)
    (root / "analyzers" / "UC_TopView.yaml").write_text(
        textwrap.dedent(
            """\
            name: UC_TopView
            image_analyzer: scan_analysis.image.beam_analyzer.BeamAnalyzer
            image:
              background: {method: constant, constant_level: 100}
              roi: {x_min: 8, x_max: 88, y_min: 8, y_max: 72}
            scan:
              renderer_kwargs:
                colormap: magma
                animation: true
                duration: 50
                figsize_inches: 2
                dpi: 60
                max_frames: 8
            """
        )
    )
    analyzer = create_diagnostic_analyzer(
        ConfigTree(root).resolve_analyzer("UC_TopView"), executor=executor, progress=False
    )
    try:
        files = analyzer.run_analysis(day.tag(1), data_root=day.data_root)
    finally:
        analyzer.close()
    assert analyzer.last_outcome.status == "done", analyzer.last_outcome.message
    [gif] = [f for f in files if f.suffix == ".gif"]
    assert gif.name == "UC_TopView_shots.gif" and gif.parent.name == "UC_TopView"
    with Image.open(gif) as movie:
        assert movie.n_frames == 8  # 20 shots, bounded to max_frames, evenly spaced
        assert movie.info["duration"] == 50 and movie.info.get("loop") == 0
        assert movie.size == (120, 96)  # ROI 80x64, longer side 2 in x 60 dpi
        first = np.asarray(movie.convert("RGB"))
        movie.seek(4)
        middle = np.asarray(movie.convert("RGB"))
    assert first.std() > 0 and not np.array_equal(first, middle)  # shots, not one still
    # frames are the processed shots on the magma scale: the corner (dark) is magma's black end
    assert first[-1, -1].max() < 40


def test_mode_grid_replaces_waterfall_and_overlay_for_a_trace_scan(fresh_demo_day):
    day = fresh_demo_day
    analyzer = Array1DScanAnalyzer(
        "UC_Spectrometer",
        directory_suffix="-interpSpec",
        renderer_kwargs={"mode": "grid", "xlabel": "wavelength (nm)"},
        executor="serial",
        progress=False,
    )
    files = analyzer.run_analysis(day.tag(3), data_root=day.data_root)
    names = [f.name.removeprefix(f"{analyzer.analyzer_id}_") for f in files]
    assert names == ["grid.png", "scalars_vs_parameter.png"]
    only_overlay = Array1DScanAnalyzer(
        "UC_Spectrometer",
        directory_suffix="-interpSpec",
        renderer_kwargs={"mode": "overlay"},
        executor="serial",
        progress=False,
        save=True,
    )
    files = only_overlay.run_analysis(day.tag(3), data_root=day.data_root)
    assert [f.name.rsplit("_", 1)[-1] for f in files] == ["overlay.png", "parameter.png"]


def test_an_unknown_renderer_option_is_refused_at_construction():
    with pytest.raises(
        ValueError,
        match=r"unknown key 'renderer_kwargs.color_mode' \(did you mean 'colormap_mode'\?\)",
    ):
        Array2DScanAnalyzer("UC_TopView", renderer_kwargs={"color_mode": "auto"})


def test_a_configs_renderer_options_can_be_passed_on_as_renderer_kwargs():
    """What the basic_usage notebooks do: renderer_kwargs=config.scan.renderer_kwargs."""
    from scan_analysis.config.diagnostic_models import load_diagnostic_config

    config = load_diagnostic_config(
        {"name": "UC_TopView", "scan": {"renderer_kwargs": {"cmap": "gray", "dpi": 50}}}
    )
    analyzer = Array2DScanAnalyzer("UC_TopView", renderer_kwargs=config.scan.renderer_kwargs)
    assert analyzer.given_settings["renderer_kwargs"] == {"cmap": "gray", "dpi": 50}
    assert (analyzer.render_options.cmap, analyzer.render_options.dpi) == ("gray", 50)


class CountingBeamAnalyzer(BeamAnalyzer):
    """A BeamAnalyzer that notes every shot file it reads (serial executor: same object)."""

    def __init__(self, config):
        super().__init__(config)
        self.read: list = []

    def load(self, path):
        self.read.append(path)
        return super().load(path)


@pytest.mark.parametrize("mode", ["per_shot", "per_bin"])
def test_the_gif_frames_come_with_the_analysis_each_shot_read_once(fresh_demo_day, mode):
    """Item 6's speed goal: the animation re-reads no shot, and looks as it did when it did."""
    day = fresh_demo_day
    config = {
        "background": {"method": "constant", "constant_level": 100},
        "roi": {"x_min": 8, "x_max": 88, "y_min": 8, "y_max": 72},
    }
    image_analyzer = CountingBeamAnalyzer(config)
    analyzer = Array2DScanAnalyzer(
        "UC_TopView",
        image_analyzer=image_analyzer,
        analyzer_id="UC_TopView",
        mode=mode,
        renderer_kwargs={"animation": True, "max_frames": 8, "figsize_inches": 2, "dpi": 60},
        executor="serial",
        progress=False,
    )
    files = analyzer.run_analysis(day.tag(1), data_root=day.data_root)
    shot_files = sorted((day.day_dir / "scans" / "Scan001" / "UC_TopView").glob("*.png"))
    assert len(shot_files) == 20
    assert sorted(image_analyzer.read) == shot_files  # each shot read exactly once
    [gif] = [f for f in files if f.suffix == ".gif"]

    # the GIF as it was made before: every chosen shot read and processed again, mapped to the
    # average image's colour scale (1st to 99.9th percentile), then shrunk (nearest neighbour)
    processed = [image_analyzer.process(image_analyzer.load(p)).data for p in shot_files]
    vmin, vmax = colour_limits([np.mean(processed, axis=0)], analyzer.render_options)
    chosen = np.linspace(0, 19, 8).round().astype(int)
    table = np.array(colour_table(analyzer.render_options.cmap), dtype=int).reshape(256, 3)
    with Image.open(gif) as movie:
        assert movie.n_frames == 8 and movie.size == (120, 96)
        for number, index in enumerate(chosen):
            movie.seek(number)
            shown = np.asarray(movie.convert("RGB"), dtype=int)
            indices = palette_indices(processed[index], vmin=vmin, vmax=vmax)
            indices = np.asarray(Image.fromarray(indices).resize((120, 96), Image.NEAREST))
            expected = table[indices]
            below_label = (slice(16, None), slice(None))  # the shot number is drawn at the top
            differs = np.any(shown[below_label] != expected[below_label], axis=-1)
            # colours equal, within the rounding of a colour scale computed in another precision
            assert differs.mean() < 0.01, (number, differs.mean())
            assert np.abs(shown - expected)[below_label].max() <= 8

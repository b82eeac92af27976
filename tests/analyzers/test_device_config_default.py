"""``Array2DScanAnalyzer(device_name=...)`` uses the device's own config (issue 19 part 1).

On the demo day: the README's one-liner gives what the configured group gives,
says which config it used, falls back to the basic analyzer (under its own id)
when the device has none, and refuses to guess between several.
"""

import logging
import shutil

import numpy as np
import pandas as pd
import pytest
import yaml

from scan_analysis.analyzers import create_diagnostic_analyzer
from scan_analysis.analyzers.common import Array1DScanAnalyzer, Array2DScanAnalyzer
from scan_analysis.config import ConfigTree
from scan_analysis.data.demo import build_demo_day
from scan_analysis.data.scan_paths import SOURCE_CONFIG_DIR
from scan_analysis.data.sfile import read_sfile
from scan_analysis.errors import ConfigError
from scan_analysis.image import BeamAnalyzer

SMALL = {"image_shape": (96, 96), "n_bins": 5, "shots_per_bin": 4}
SHIPPED_TOPVIEW = SOURCE_CONFIG_DIR / "analyzers" / "Undulator" / "UC_TopView.yaml"


def columns(day, number, prefix):
    frame = read_sfile(day.day_dir / "analysis" / f"s{number}.txt").set_index("Shotnumber")
    return frame[[c for c in frame.columns if c.startswith(prefix)]]


def outputs(day, number, analyzer_id):
    folder = day.day_dir / "analysis" / f"Scan{number:03d}" / analyzer_id
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


def run_configured(day, number):
    """UC_TopView as the demo group runs it (what the live runner and `scan-analysis run` do)."""
    (item,) = [i for i in ConfigTree().resolve_group("demo") if i.name == "UC_TopView"]
    analyzer = create_diagnostic_analyzer(item, executor="serial", progress=False)
    analyzer.run_analysis(day.tag(number), data_root=day.data_root)
    assert analyzer.last_outcome.status == "done", analyzer.last_outcome.message
    return analyzer


def one_liner(**kwargs):
    return Array2DScanAnalyzer(
        device_name="UC_TopView", executor="serial", progress=False, **kwargs
    )


@pytest.fixture
def config_root(tmp_path):
    """A writable copy of the shipped config root."""
    root = tmp_path / "configs"
    shutil.copytree(SOURCE_CONFIG_DIR, root)
    return root


def test_the_one_liner_gives_the_configured_groups_scalars_and_names_its_config(
    fresh_demo_day, tmp_path, caplog
):
    grouped_day = fresh_demo_day
    configured = run_configured(grouped_day, 2)
    alone_day = build_demo_day(tmp_path / "alone", **SMALL)  # the same day, analysed alone
    analyzer = one_liner()
    with caplog.at_level(logging.INFO, logger="scan_analysis"):
        shown = analyzer.run_analysis(alone_day.tag(2), data_root=alone_day.data_root)
    assert analyzer.last_outcome.status == "done", analyzer.last_outcome.message
    assert isinstance(analyzer.image_analyzer, BeamAnalyzer)
    assert analyzer.analyzer_id == "UC_TopView" and analyzer.config_source == SHIPPED_TOPVIEW
    alone = columns(alone_day, 2, "UC_TopView_")
    assert "UC_TopView_x_CoM" in alone and "UC_TopView_saturated_pixels" in alone
    pd.testing.assert_frame_equal(alone, columns(grouped_day, 2, "UC_TopView_"))
    assert analyzer.last_outcome.scalars.keys() == configured.last_outcome.scalars.keys()
    assert np.allclose(
        list(analyzer.last_outcome.scalars.values()),
        list(configured.last_outcome.scalars.values()),
        equal_nan=True,
    )
    assert [f.name for f in shown] == [
        "UC_TopView_montage.png",
        "UC_TopView_scalars_vs_parameter.png",
    ]
    said = [r.getMessage() for r in caplog.records if "using the device's config" in r.getMessage()]
    assert len(said) == 1 and str(SHIPPED_TOPVIEW) in said[0] and "BeamAnalyzer" in said[0]


def test_a_line_device_takes_its_folder_suffix_from_its_config(fresh_demo_day):
    analyzer = Array1DScanAnalyzer("UC_Spectrometer", save=False, executor="serial", progress=False)
    analyzer.run_analysis(fresh_demo_day.tag(3), data_root=fresh_demo_day.data_root)
    assert analyzer.last_outcome.status == "done", analyzer.last_outcome.message
    assert analyzer.directory_suffix == "-interpSpec" and analyzer.analyzer_id == "UC_Spectrometer"
    assert columns(fresh_demo_day, 3, "UC_Spectrometer_")["UC_Spectrometer_CoM"].notna().all()


def test_without_a_config_the_basic_analyzer_runs_under_its_own_id(
    fresh_demo_day, config_root, caplog
):
    """No config: basic analysis, said with where it looked, never over the configured results."""
    day = fresh_demo_day
    run_configured(day, 2)
    configured_columns, configured_files = (
        columns(day, 2, "UC_TopView_"),
        outputs(day, 2, "UC_TopView"),
    )
    (config_root / "analyzers" / "Undulator" / "UC_TopView.yaml").unlink()
    analyzer = one_liner()
    with caplog.at_level(logging.WARNING, logger="scan_analysis"):
        shown = analyzer.run_analysis(day.tag(2), data_root=day.data_root, config_dir=config_root)
    assert analyzer.last_outcome.status == "done", analyzer.last_outcome.message
    assert analyzer.analyzer_id == "UC_TopView_basic" and analyzer.config_source is None
    assert [f.parent.name for f in shown] == ["UC_TopView_basic", "UC_TopView_basic"]
    (said,) = [r.getMessage() for r in caplog.records if "no camera config" in r.getMessage()]
    assert str(config_root / "analyzers") in said and "BasicImageAnalyzer" in said
    assert "'UC_TopView_basic'" in said and "config=" in said
    basic = columns(day, 2, "UC_TopView_basic_")
    assert {"UC_TopView_basic_mean", "UC_TopView_basic_std"} <= set(basic)
    # the configured analyzer's columns and figures are exactly as it left them
    after = columns(day, 2, "UC_TopView_")
    pd.testing.assert_frame_equal(after[configured_columns.columns], configured_columns)
    assert outputs(day, 2, "UC_TopView") == configured_files


def test_several_configs_for_the_device_stop_the_run_until_one_is_chosen(
    fresh_demo_day, config_root
):
    day = fresh_demo_day
    second = config_root / "analyzers" / "Undulator" / "UC_TopView_HighRes.yaml"
    text = SHIPPED_TOPVIEW.read_text().replace("name: UC_TopView", "name: UC_TopView_HighRes")
    second.write_text(text.replace("scan:\n", "scan:\n  device: UC_TopView\n", 1))
    sfile = day.day_dir / "analysis" / "s2.txt"
    before = sfile.read_bytes()
    analyzer = one_liner()
    assert analyzer.run_analysis(day.tag(2), data_root=day.data_root, config_dir=config_root) == []
    outcome = analyzer.last_outcome
    assert outcome.status == "failed"
    assert "2 camera configs are for device 'UC_TopView'" in outcome.message
    assert str(second) in outcome.message and "UC_TopView.yaml" in outcome.message
    assert "config='UC_TopView'" in outcome.message and "image_analyzer=" in outcome.message
    assert sfile.read_bytes() == before
    with pytest.raises(ConfigError, match="2 camera configs"):
        one_liner(raise_errors=True).run_analysis(
            day.tag(2), data_root=day.data_root, config_dir=config_root
        )
    # config= chooses (by name or by path); the chosen config's name is the id
    chosen = one_liner(config="UC_TopView_HighRes", save=False)  # figures: not what is tested
    chosen.run_analysis(day.tag(2), data_root=day.data_root, config_dir=config_root)
    assert chosen.last_outcome.status == "done" and chosen.analyzer_id == "UC_TopView_HighRes"
    by_path = one_liner(config=second, save=False)
    by_path.run_analysis(day.tag(2), data_root=day.data_root, config_dir=config_root)
    assert by_path.config_source == second and by_path.analyzer_id == "UC_TopView_HighRes"
    # image_analyzer= wins over both: no lookup, and an id of its own
    own = one_liner(image_analyzer=BeamAnalyzer(), save=False)
    own.run_analysis(day.tag(2), data_root=day.data_root, config_dir=config_root)
    assert own.last_outcome.status == "done" and own.analyzer_id == "UC_TopView_BeamAnalyzer"
    assert "UC_TopView_BeamAnalyzer_x_CoM" in columns(day, 2, "UC_TopView_BeamAnalyzer_")


def test_a_keyword_that_changes_the_configs_output_gives_the_run_its_own_id(fresh_demo_day):
    day = fresh_demo_day
    same = one_liner(save=False)  # changes nothing written: still the config's run
    same.run_analysis(day.tag(2), data_root=day.data_root)
    assert same.analyzer_id == "UC_TopView" and same.render_options.cmap == "viridis"
    grey = one_liner(renderer_kwargs={"cmap": "gray"})
    shown = grey.run_analysis(day.tag(2), data_root=day.data_root)
    assert grey.analyzer_id == "UC_TopView_custom"
    assert grey.render_options.cmap == "gray" and grey.render_options.dpi == 110  # merged
    assert shown[0].name == "UC_TopView_custom_montage.png"
    named = one_liner(renderer_kwargs={"cmap": "gray"}, analyzer_id="mine", save=False)
    named.run_analysis(day.tag(2), data_root=day.data_root)
    assert named.analyzer_id == "mine"


def test_a_chosen_config_of_the_wrong_kind_or_device_fails_clearly(fresh_demo_day):
    day = fresh_demo_day
    wrong_kind = one_liner(config="UC_Spectrometer")
    wrong_kind.run_analysis(day.tag(2), data_root=day.data_root)
    assert wrong_kind.last_outcome.status == "failed"
    assert "is a line config" in wrong_kind.last_outcome.message
    assert "Array1DScanAnalyzer" in wrong_kind.last_outcome.message
    other_device = Array2DScanAnalyzer(
        "UC_Other", config="UC_TopView", executor="serial", progress=False
    )
    other_device.run_analysis(day.tag(2), data_root=day.data_root)
    assert "is for device 'UC_TopView', not 'UC_Other'" in other_device.last_outcome.message


def test_a_loaded_config_is_used_as_it_is_with_keywords_laid_over_its_scan_block(tmp_path):
    """``config=`` also takes the validated config object: no lookup, its scan block in force."""
    resolved = ConfigTree().resolve_analyzer("UC_TopView")
    analyzer = Array2DScanAnalyzer(
        "UC_TopView", config=resolved, mode="per_bin", executor="serial", progress=False
    )
    # settled by the constructor: the config's id, analyzer and file, before any run
    assert analyzer.config_source == resolved.source
    assert type(analyzer.image_analyzer) is BeamAnalyzer
    assert analyzer.image_analyzer.config == resolved.config.image
    assert analyzer.analyzer_id == "UC_TopView_custom"  # mode changes what is written
    # one validated object: the config's scan block, the keyword over it
    assert analyzer.scan_config == resolved.config.scan.model_copy(update={"mode": "per_bin"})
    assert analyzer.mode == "per_bin" and analyzer.given_settings == {"mode": "per_bin"}


def test_a_bad_keyword_value_is_refused_by_the_constructor():
    with pytest.raises(ValueError, match="per_shot"):
        one_liner(mode="per_scan")
    with pytest.raises(ValueError, match="directory_suffix"):
        one_liner(directory_suffix=3)


def test_columns_are_output_name_or_device_then_scalar_then_metric_suffix(tmp_path):
    """Issue 14 item 3: s-file columns as the original names them, by hand and live alike."""
    day = build_demo_day(tmp_path / "data", **SMALL)
    configs = tmp_path / "configs"
    (configs / "analyzers").mkdir(parents=True)
    shipped = yaml.safe_load(SHIPPED_TOPVIEW.read_text())
    beam = {**shipped, "name": "TopViewBeam", "scan": {**shipped["scan"], "device": "UC_TopView"}}
    left = {**beam, "name": "TopViewLeft", "output_name": "TopCam", "metric_suffix": "_v2"}
    for config in (beam, left):
        (configs / "analyzers" / f"{config['name']}.yaml").write_text(yaml.safe_dump(config))
    for choice in ("TopViewBeam", "TopViewLeft"):
        with Array2DScanAnalyzer("UC_TopView", config=choice, executor="serial") as analyzer:
            analyzer.run_analysis(day.tag(1), data_root=day.data_root, config_dir=configs)
    frame = read_sfile(day.day_dir / "analysis" / "s1.txt")
    assert {"UC_TopView_x_CoM", "UC_TopView_y_45_fwhm", "UC_TopView_image_total"} <= set(frame)
    assert {"TopCam_x_CoM_v2", "TopCam_image_peak_value_v2"} <= set(frame)
    assert not [c for c in frame if c.startswith(("TopViewBeam", "TopViewLeft"))]
    np.testing.assert_allclose(frame["TopCam_x_CoM_v2"], frame["UC_TopView_x_CoM"])
    live = create_diagnostic_analyzer(ConfigTree(configs).resolve_analyzer("TopViewLeft"))
    assert (live.column_prefix, live.metric_suffix) == ("TopCam", "_v2")

"""preview_shot: one shot of the demo day through a config, exactly as a scan run does it."""

from __future__ import annotations

import numpy as np
import pytest

from scan_analysis.config import ConfigTree, load_diagnostic_config
from scan_analysis.errors import ConfigError
from scan_analysis.image.beam_analyzer import BeamAnalyzer
from scan_analysis.shot_preview import ShotNotFoundError, preview_shot, shot_files


def _files_under(root):
    return sorted(p for p in root.rglob("*") if p.is_file())


def test_a_camera_shot_is_processed_with_the_configs_pipeline(demo_day):
    config = ConfigTree().load_analyzer("UC_TopView")
    tag = demo_day.tag(2)
    files = shot_files(config, tag, data_root=demo_day.data_root)
    shot = sorted(files)[4]
    preview = preview_shot(config, tag, shot, data_root=demo_day.data_root)
    assert preview.kind == "2d" and preview.path == files[shot]
    assert preview.raw.shape == (256, 256)
    assert preview.processed.shape == (240, 240)  # ROI 8..248
    assert preview.offset == (8, 8)
    expected = BeamAnalyzer(config.image).analyze_image_file(files[shot])
    np.testing.assert_allclose(preview.processed, expected.processed)
    assert preview.scalars == pytest.approx(expected.scalars)
    assert {"total_counts", "centroid_x", "fwhm_y"} <= set(preview.scalars)


def test_a_trace_shot_uses_the_directory_suffix(demo_day):
    config = ConfigTree().load_analyzer("UC_Spectrometer")
    preview = preview_shot(config, demo_day.tag(3), data_root=demo_day.data_root)
    assert preview.kind == "1d" and preview.shot == 1
    assert preview.path.parent.name == "UC_Spectrometer-interpSpec"
    assert preview.processed[0].min() >= 720 and preview.processed[0].max() <= 880  # ROI in nm
    assert preview.image_config.metadata.x_units == "nm"


def test_missing_shots_and_devices_say_which_shots_exist(demo_day):
    config = ConfigTree().load_analyzer("UC_TopView")
    files = shot_files(config, demo_day.tag(2), data_root=demo_day.data_root)
    missing = next(n for n in range(1, 101) if n not in files)
    with pytest.raises(ShotNotFoundError, match=rf"shot {missing} .* shots with a file: 1-"):
        preview_shot(config, demo_day.tag(2), missing, data_root=demo_day.data_root)
    with pytest.raises(ShotNotFoundError, match="UC_TopView .*does not exist.*scan.device"):
        preview_shot(config, demo_day.tag(6), data_root=demo_day.data_root)


def test_a_scan_analyzer_has_no_shot_to_preview(demo_day):
    config = ConfigTree().load_analyzer("BeamChargeCorrelation")
    with pytest.raises(ConfigError, match="no per-shot analysis"):
        preview_shot(config, demo_day.tag(2), data_root=demo_day.data_root)


def test_a_dynamic_background_is_computed_but_never_saved(fresh_demo_day, tmp_path):
    config = load_diagnostic_config(
        {
            "name": "UC_TopView",
            "image": {
                "background": {
                    "method": "constant",
                    "auto_save_path": "{analysis_dir}/bg.npy",
                    "dynamic_computation": {
                        "enabled": True,
                        "percentile": 5,
                        "auto_save_path": str(tmp_path / "saved" / "bg.npy"),
                    },
                }
            },
        }
    )
    before = _files_under(fresh_demo_day.data_root)
    preview = preview_shot(config, fresh_demo_day.tag(2), data_root=fresh_demo_day.data_root)
    assert preview.processed.mean() < preview.raw.mean()  # the background was subtracted
    assert _files_under(fresh_demo_day.data_root) == before
    assert not (tmp_path / "saved").exists()
    assert config.image.background.dynamic_computation.auto_save_path  # caller's config intact


def test_a_background_source_is_subtracted_as_in_a_scan_run(fresh_demo_day):
    from scan_analysis.data.readers import read_shot
    from scan_analysis.data.shot_files import list_device_files

    day = fresh_demo_day
    config = load_diagnostic_config(
        {
            "name": "UC_TopView",
            "image": {"background": {"method": "constant", "constant_level": 100}},
            "scan": {"background_source": {"scan_number": 1}},
        }
    )
    preview = preview_shot(config, day.tag(2), data_root=day.data_root)
    dark = [
        read_shot(p) for p in list_device_files(day.day_dir / "scans" / "Scan001", "UC_TopView")
    ]
    expected = preview.raw.astype(np.float64) - np.mean(np.stack(dark).astype(np.float64), axis=0)
    np.testing.assert_allclose(preview.processed, expected, rtol=1e-5, atol=1e-2)
    missing = config.model_copy(deep=True)
    missing.scan.background_source.scan_number = 9
    with pytest.raises(ConfigError, match=r"Scan009/UC_TopView not found"):
        preview_shot(missing, day.tag(2), data_root=day.data_root)

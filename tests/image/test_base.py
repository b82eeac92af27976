"""ImageAnalyzer: user subclasses, reading shot files, per-scan preparation."""

import logging
import pickle

import numpy as np
import pytest
from PIL import Image

from scan_analysis.errors import ConfigError, ShotReadError
from scan_analysis.image import (
    BeamAnalyzer,
    CameraConfig,
    ImageAnalyzer,
    ImageAnalyzerResult,
    LineAnalyzer,
    LineConfig,
)
from scan_analysis.image.base import is_inside_raw_scan


class SpotCounter(ImageAnalyzer):
    """A user's analyzer: one small subclass."""

    def analyze_image(self, image, auxiliary=None):
        processed = self.preprocess(image)
        threshold = self.options.get("threshold", 100)
        return ImageAnalyzerResult(
            processed, {"bright_pixels": float((processed > threshold).sum())}
        )


def write_png(path, image):
    Image.fromarray(image).save(path)
    return path


def test_user_subclass_gets_config_pipeline_and_options():
    analyzer = SpotCounter({"background": {"constant_level": 50}}, threshold=10)
    image = np.array([[50, 55, 70, 200]], dtype=np.uint16)
    result = analyzer.analyze_image(image)
    assert result.scalars == {"bright_pixels": 2.0}
    np.testing.assert_array_equal(result.processed, [[0, 5, 20, 150]])
    assert result.lineouts == {} and result.overlays == {}


def test_base_class_needs_analyze_image():
    with pytest.raises(NotImplementedError, match="must implement analyze_image"):
        ImageAnalyzer().analyze_image(np.zeros((2, 2)))


def test_config_forms_and_defaults():
    assert isinstance(BeamAnalyzer().config, CameraConfig)
    assert isinstance(LineAnalyzer({"roi": {"x_min": 1}}).config, LineConfig)  # dict as a line
    assert LineAnalyzer().kind == "1d" and BeamAnalyzer().kind == "2d"
    with pytest.raises(ConfigError, match="got a str as config"):
        BeamAnalyzer("UC_TopView.yaml")


def test_analyzers_survive_pickling_for_worker_processes():
    analyzer = BeamAnalyzer({"roi": {"x_min": 2}, "metadata": {"spatial_calibration": 1e-5}})
    clone = pickle.loads(pickle.dumps(analyzer))
    assert clone.config == analyzer.config and clone.calibration == 1e-5


def test_analyze_image_file_reads_png_and_honours_bit_depth(tmp_path):
    image = np.zeros((8, 8), dtype=np.uint16)
    image[3, 5] = 1000
    path = write_png(tmp_path / "UC_Cam_001.png", image << 4)  # 12-bit data stored shifted up
    result = BeamAnalyzer({"bit_depth": 12}).analyze_image_file(path)
    assert result.scalars["image_peak_value"] == 1000.0
    assert (result.scalars["x_CoM"], result.scalars["y_CoM"]) == (5.0, 3.0)


def test_analyze_image_file_of_a_corrupt_shot_names_it(tmp_path):
    path = tmp_path / "UC_Cam_002.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n truncated")
    with pytest.raises(ShotReadError, match="UC_Cam_002.png"):
        BeamAnalyzer().analyze_image_file(path)


def scan_of_moving_spots(scan_dir, n=12):
    scan_dir.mkdir(parents=True)
    paths = []
    for shot in range(n):
        frame = np.full((16, 20), 100, dtype=np.uint16)
        frame[8, shot + 2] = 3000  # the beam moves; the dark level does not
        frame[2, 3] = 700  # a static bright pixel belongs to the background
        paths.append(write_png(scan_dir / f"UC_Cam_{shot + 1:03d}.png", frame))
    return paths


def dynamic_config(save_to):
    return {
        "background": {
            "method": "constant",
            "constant_level": 0,
            "dynamic_computation": {
                "enabled": True,
                "method": "percentile_dataset",
                "percentile": 20,
                "auto_save_path": save_to,
            },
        }
    }


def test_prepare_scan_builds_a_percentile_background_and_saves_it(tmp_path):
    scan_dir = tmp_path / "scans" / "Scan004"
    analysis_dir = tmp_path / "analysis" / "Scan004"
    paths = scan_of_moving_spots(scan_dir)
    analyzer = BeamAnalyzer(dynamic_config("{analysis_dir}/UC_Cam_background.npy"))
    analyzer.prepare_scan(paths, scan_dir=scan_dir, analysis_dir=analysis_dir)

    expected = np.full((16, 20), 100.0)
    expected[2, 3] = 700
    np.testing.assert_array_equal(analyzer.context.background, expected)
    np.testing.assert_array_equal(np.load(analysis_dir / "UC_Cam_background.npy"), expected)
    result = analyzer.analyze_image_file(paths[5])
    assert result.scalars["image_total"] == 2900.0  # only the beam is left
    assert (result.scalars["x_peak_location"], result.scalars["y_peak_location"]) == (7.0, 8.0)


def test_prepare_scan_never_writes_into_the_raw_scan_folder(tmp_path, caplog):
    scan_dir = tmp_path / "scans" / "Scan004"
    paths = scan_of_moving_spots(scan_dir)
    before = sorted(scan_dir.iterdir())
    analyzer = BeamAnalyzer(dynamic_config("{scan_dir}/background.npy"))
    with caplog.at_level(logging.ERROR):
        analyzer.prepare_scan(paths, scan_dir=scan_dir, analysis_dir=tmp_path / "analysis")
    assert sorted(scan_dir.iterdir()) == before
    assert "inside a raw scan folder" in caplog.text and "{analysis_dir}" in caplog.text
    assert analyzer.context.background is not None  # still used for this scan


def test_prepare_scan_skips_unreadable_shots(tmp_path, caplog):
    paths = scan_of_moving_spots(tmp_path / "scans" / "Scan001", n=5)
    paths[1].write_bytes(b"not a png")
    analyzer = BeamAnalyzer(dynamic_config(None))
    with caplog.at_level(logging.WARNING):
        analyzer.prepare_scan([*paths, tmp_path / "missing.png"])
    assert "skipping" in caplog.text and analyzer.context.background.shape == (16, 20)


def test_prepare_scan_without_dynamic_background_only_sets_folders(tmp_path):
    analyzer = BeamAnalyzer({"background": {"constant_level": 3}})
    analyzer.prepare_scan([], scan_dir=tmp_path / "scan")
    assert analyzer.context.scan_dir == tmp_path / "scan"
    assert analyzer.context.background is None


def test_is_inside_raw_scan(tmp_path):
    day = tmp_path / "Y2026" / "05-May" / "26_0508"
    assert is_inside_raw_scan(day / "scans" / "Scan012" / "bg.npy")
    assert not is_inside_raw_scan(day / "analysis" / "Scan012" / "bg.npy")
    assert is_inside_raw_scan(day / "raw" / "bg.npy", scan_dir=day / "raw")


class UserCropper(ImageAnalyzer):
    """A user's analyzer as the ImageAnalyzer docstring shows it: self.preprocess, no offset."""

    def analyze_image(self, image, auxiliary=None):
        processed = self.preprocess(image)
        return ImageAnalyzerResult(processed, {"bright_pixels": float((processed > 50).sum())})


def test_analyze_shot_gives_each_thread_its_own_offset():
    """Issue 10 item 1: the offset reaches the scan layer with the result, not via the analyzer."""
    from concurrent.futures import ThreadPoolExecutor

    analyzer = UserCropper(
        {
            "filtering": {"gaussian_sigma": 1.0},
            "roi": {"x_min": 40, "y_min": 30},
            "pipeline": {"steps": ["filtering", "roi"]},
        }
    )
    frame = np.zeros((160, 200), dtype=np.uint16)
    frame[60:70, 90:100] = 1000
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(analyzer.analyze_shot, [frame] * 400))
    assert [r.offset for r in results] == [(40, 30)] * 400
    assert all(r.processed.shape == (130, 160) for r in results)
    # without an ROI the offset is the origin, and one given by the analyzer is kept
    assert UserCropper().analyze_shot(frame).offset == (0, 0)

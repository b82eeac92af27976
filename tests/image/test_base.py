import numpy as np
import pytest
from PIL import Image

from scan_analysis.image import BeamAnalyzer, ImageAnalyzer, ImageAnalyzerResult, LineAnalyzer
from scan_analysis.image.pipeline import PipelineContext, process_image


class BrightPixels(ImageAnalyzer):
    """The documented pattern: a user's analyzer is one small subclass."""

    def analyze_image(self, image, auxiliary=None):
        processed = self.preprocess(image)
        threshold = self.options.get("threshold", 100)
        return ImageAnalyzerResult(
            processed, {"bright_pixels": float((processed > threshold).sum())}
        )


def write_png(path, image):
    Image.fromarray(image.astype(np.uint16)).save(path)
    return path


def test_user_subclass_with_options_and_config(tmp_path):
    image = np.zeros((10, 10), dtype=np.uint16)
    image[2:4, 2:4] = 500
    path = write_png(tmp_path / "shot.png", image)
    analyzer = BrightPixels({"roi": {"x_min": 3}}, threshold=200)
    assert analyzer.analyze_image_file(path).scalars == {"bright_pixels": 2.0}


def test_bit_depth_from_config_applies_when_reading(tmp_path):
    path = write_png(tmp_path / "shot.png", np.full((4, 4), 100 << 4))
    assert BeamAnalyzer({"bit_depth": 12}).load(path).max() == 100


def test_line_file_with_data_loading(tmp_path):
    path = tmp_path / "spec.csv"
    path.write_text("x,a,b\n1,0,5\n2,0,9\n3,0,5\n")
    result = LineAnalyzer(
        {"data_loading": {"data_type": "csv", "y_column": "b"}}
    ).analyze_image_file(path)
    assert result.scalars["peak_position"] == 2.0


def test_pipeline_order_is_honoured():
    image = np.zeros((6, 6), dtype=np.float32)
    image[0, 0] = 10
    config_roi_first = {
        "pipeline": {"steps": ["roi", "transforms"]},
        "roi": {"x_min": 0, "x_max": 3},
        "transforms": {"flip_horizontal": True},
    }
    config_flip_first = {**config_roi_first, "pipeline": {"steps": ["transforms", "roi"]}}
    from scan_analysis.image.config import load_image_config

    a = process_image(image, load_image_config(config_roi_first))
    b = process_image(image, load_image_config(config_flip_first))
    assert a[0, 2] == 10 and b.sum() == 0


def test_background_from_file_with_scan_dir_and_fallback(tmp_path, caplog):
    scan_dir = tmp_path / "Scan003"
    scan_dir.mkdir()
    np.save(tmp_path / "bg.npy", np.full((4, 4), 7.0))
    config = {
        "background": {
            "method": "from_file",
            "file_path": "{scan_dir}/../bg.npy",
            "fallback": {"level": 3},
        }
    }
    analyzer = BeamAnalyzer(config)
    analyzer.prepare_scan([], scan_dir=scan_dir)
    assert analyzer.preprocess(np.full((4, 4), 10.0)).max() == 3.0
    missing = BeamAnalyzer(
        {**config, "background": {**config["background"], "file_path": "{scan_dir}/none.npy"}}
    )
    missing.prepare_scan([], scan_dir=scan_dir)
    assert missing.preprocess(np.full((4, 4), 10.0)).max() == 7.0
    assert "none.npy" in caplog.text and "fallback" in caplog.text


def test_dynamic_percentile_background_saved_outside_the_scan(tmp_path):
    scan_dir, analysis_dir = tmp_path / "scans" / "Scan001", tmp_path / "analysis" / "Scan001"
    scan_dir.mkdir(parents=True)
    paths = []
    for value in range(10):
        image = np.full((8, 8), 100 + value, dtype=np.uint16)
        paths.append(write_png(scan_dir / f"s{value}.png", image))
    config = {
        "background": {
            "dynamic_computation": {
                "enabled": True,
                "percentile": 0,
                "auto_save_path": "{analysis_dir}/bg.npy",
            }
        }
    }
    analyzer = BeamAnalyzer(config)
    analyzer.prepare_scan(paths, scan_dir=scan_dir, analysis_dir=analysis_dir)
    assert np.load(analysis_dir / "bg.npy").max() == 100
    assert analyzer.analyze_image_file(paths[5]).scalars["total_counts"] == pytest.approx(5 * 64)


def test_background_never_saved_inside_the_raw_scan_folder(tmp_path, caplog):
    scan_dir = tmp_path / "Scan001"
    scan_dir.mkdir()
    path = write_png(scan_dir / "s.png", np.ones((4, 4)))
    config = {
        "background": {
            "dynamic_computation": {"enabled": True, "auto_save_path": "{scan_dir}/bg.npy"}
        }
    }
    BeamAnalyzer(config).prepare_scan([path], scan_dir=scan_dir)
    assert sorted(p.name for p in scan_dir.iterdir()) == ["s.png"]
    assert "inside the raw scan folder" in caplog.text


def test_roi_offset_reported_in_camera_pixels():
    context = PipelineContext()
    from scan_analysis.image.config import load_image_config

    process_image(
        np.ones((10, 10)), load_image_config({"roi": {"x_min": 3, "y_min": 2}}), context=context
    )
    assert context.offset == (3, 2)


def test_base_class_requires_analyze_image():
    with pytest.raises(NotImplementedError, match="analyze_image"):
        ImageAnalyzer().analyze_image(np.ones((2, 2)))

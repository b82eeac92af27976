from pathlib import Path

import pytest
import yaml

from scan_analysis.errors import ConfigError
from scan_analysis.image.config import CameraConfig, LineConfig, load_image_config

FIXTURES = sorted((Path(__file__).parent / "fixtures").glob("*.yaml"))


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.stem)
def test_lab_configs_load_unchanged_and_round_trip(path):
    raw = yaml.safe_load(path.read_text())
    config = load_image_config(raw, source=path)
    dumped = config.to_yaml_dict()
    again = load_image_config(yaml.safe_load(yaml.safe_dump(dumped)), source=path)
    assert again == config
    assert set(dumped) == set(raw)  # nothing dropped, nothing invented


def test_camera_vs_line():
    assert isinstance(load_image_config({"data_loading": {"data_type": "tsv"}}), LineConfig)
    assert isinstance(load_image_config({"type": "line"}), LineConfig)
    assert isinstance(load_image_config({"roi": {"x_min": 1}}), CameraConfig)
    assert isinstance(load_image_config(None), CameraConfig)


def test_both_spellings():
    assert load_image_config({"background": {"constant_level": 7}}).background.constant == 7
    assert load_image_config({"background": {"constant_value": 8}}).background.constant == 8
    assert load_image_config({"thresholding": {"value": 3}}).thresholding.threshold == 3
    assert load_image_config({"thresholding": {"threshold_value": 4}}).thresholding.threshold == 4


def test_null_means_off():
    config = load_image_config({"roi": None, "filtering": None, "crosshair_masking": None})
    assert config.roi is None and config.filtering is None and config.crosshair_masking is None


@pytest.mark.parametrize(
    ("data", "fragments"),
    [
        (
            {"backgroud": {}},
            ["cams/UC.yaml", "unknown key 'backgroud'", "valid keys here", "background"],
        ),
        ({"roi": {"xmin": 1}}, ["unknown key 'roi.xmin'", "x_min"]),
        (
            {"crosshair_masking": {"crosshairs": [{"center": [1, 2], "widht": 3}]}},
            ["crosshair_masking.crosshairs.0.widht", "width"],
        ),
        ({"thresholding": {"mode": "zero"}}, ["'thresholding.mode'", "to_zero"]),
        ({"roi": {"x_min": 10, "x_max": 5}}, ["x_min (10.0) must be less than x_max"]),
        ({"pipeline": {"steps": ["background", "blur"]}}, ["pipeline.steps.1"]),
        ({"metadata": {"spatial_calibration": -1}}, ["spatial_calibration"]),
    ],
)
def test_invalid_configs_name_file_and_key(data, fragments):
    with pytest.raises(ConfigError) as error:
        load_image_config(data, source="cams/UC.yaml")
    message = str(error.value)
    for fragment in fragments:
        assert fragment in message
    assert error.value.problems and str(error.value.path) == "cams/UC.yaml"


def test_schema_has_descriptions():
    schema = CameraConfig.model_json_schema()
    assert schema["properties"]["bit_depth"]["description"]
    assert "BackgroundConfig" in schema["$defs"]

"""The image: block models: lab files load unchanged, bad keys are named, YAML round-trips."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from scan_analysis.errors import ConfigError
from scan_analysis.image.config import CameraConfig, LineConfig, load_image_config

FIXTURES = Path(__file__).parents[1] / "fixtures"
LAB_FILES = sorted(FIXTURES.glob("*.yaml"))


def load_fixture(name: str):
    path = FIXTURES / name
    return load_image_config(yaml.safe_load(path.read_text()), source=path)


@pytest.mark.parametrize("path", LAB_FILES, ids=lambda p: p.stem)
def test_lab_files_load_and_round_trip_through_yaml(path):
    raw = yaml.safe_load(path.read_text())
    config = load_image_config(raw, source=path)
    dumped = config.to_yaml_dict()
    assert dumped == raw  # nothing dropped, nothing added
    assert load_image_config(yaml.safe_load(yaml.safe_dump(dumped)), source=path) == config


def test_camera_file_keeps_every_section():
    config = load_fixture("UC_ALineEBeam3.yaml")
    assert isinstance(config, CameraConfig)
    assert config.background.method == "from_file"
    assert config.background.fallback.level == 95
    assert config.background.file_path.startswith("{scan_dir}")
    assert [c.angle for c in config.crosshair_masking.crosshairs] == [0, 45]
    assert config.thresholding.threshold == 12  # older spelling threshold_value
    assert config.metadata.spatial_calibration == pytest.approx(2.4e-5)
    assert config.steps[:3] == ["background", "crosshair_masking", "roi"]


def test_line_files_are_recognised_by_type_or_data_loading():
    assert isinstance(load_fixture("U_FROG_Scope.yaml"), LineConfig)  # type: line
    spectrometer = load_fixture("UC_Spectrometer_csv.yaml")  # data_loading only
    assert isinstance(spectrometer, LineConfig)
    assert spectrometer.background.constant == 20  # older spelling constant_value
    assert spectrometer.data_loading.delimiter == ","


def test_null_switches_a_section_off():
    config = load_image_config({"crosshair_masking": None, "thresholding": None, "roi": None})
    assert config.crosshair_masking is None and config.thresholding is None
    assert config.to_yaml_dict() == {"crosshair_masking": None, "thresholding": None, "roi": None}


@pytest.mark.parametrize(
    ("spelling", "value"), [("constant_level", 7), ("constant_value", 7), ("level", 7)]
)
def test_background_constant_spellings(spelling, value):
    assert load_image_config({"background": {spelling: value}}).background.constant == 7


def test_threshold_spellings_and_clip_below():
    assert load_image_config({"thresholding": {"value": 3}}).thresholding.threshold == 3
    config = load_image_config({"thresholding": {"threshold_value": 4, "clip_below": 0}})
    assert config.thresholding.threshold == 4
    assert config.thresholding.clip_below == 0


def test_unknown_key_names_file_path_and_valid_keys():
    with pytest.raises(ConfigError) as caught:
        load_image_config(
            {"roi": {"x_min": 1, "xmax": 3}}, source="configs/UC_X.yaml", key_prefix="image."
        )
    message = str(caught.value)
    assert "configs/UC_X.yaml" in message
    assert "image.roi.xmax" in message
    assert "did you mean 'x_max'" in message
    assert "x_min, x_max, y_min, y_max" in message
    assert caught.value.path == Path("configs/UC_X.yaml")
    assert len(caught.value.problems) == 1


def test_unknown_key_inside_a_crosshair_list_item():
    data = {"crosshair_masking": {"crosshairs": [{"center": [1, 2], "widht": 3}]}}
    with pytest.raises(ConfigError, match=r"crosshair_masking\.crosshairs\.0\.widht"):
        load_image_config(data, source="x.yaml")


def test_every_problem_is_reported_at_once():
    data = {"backgrund": {}, "thresholding": {"mode": "sideways"}, "bit_depth": 99}
    with pytest.raises(ConfigError) as caught:
        load_image_config(data, source="x.yaml")
    problems = "\n".join(caught.value.problems)
    assert len(caught.value.problems) == 3
    assert "'backgrund' (did you mean 'background'?)" in problems
    assert "thresholding.mode" in problems and "sideways" in problems
    assert "bit_depth" in problems


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"roi": {"x_min": 5, "x_max": 3}}, "x_min (5.0) must be less than x_max (3.0)"),
        ({"pipeline": {"steps": ["background", "blur"]}}, "'blur'"),
        ({"normalization": {"method": "constant"}}, "needs a non-zero constant_value"),
        ({"filtering": {"method": "gaussian"}}, "unknown key 'filtering.method'"),
        ({"type": "line", "crosshair_masking": {}}, "unknown key 'crosshair_masking'"),
        ({"crosshair_masking": {"crosshairs": [{"width": 3}]}}, "center"),
        ({"metadata": {"spatial_calibration": -1}}, "metadata.spatial_calibration"),
    ],
)
def test_invalid_values_are_explained(data, expected):
    with pytest.raises(ConfigError, match="x.yaml") as caught:
        load_image_config(data, source="x.yaml")
    assert expected in str(caught.value)


def test_non_mapping_block_is_an_error():
    with pytest.raises(ConfigError, match="must be a mapping"):
        load_image_config(["roi"], source="x.yaml")


def test_default_model_applies_when_the_mapping_does_not_say():
    assert isinstance(load_image_config({"roi": {"x_min": 2}}, default=LineConfig), LineConfig)
    assert isinstance(load_image_config({"type": "camera"}, default=LineConfig), CameraConfig)


def test_every_field_has_a_description_for_the_editor():
    def walk(model, seen):
        if model in seen:
            return
        seen.add(model)
        for name, field in model.model_fields.items():
            assert field.description, f"{model.__name__}.{name} has no description"
            for inner in _models_in(field.annotation):
                walk(inner, seen)

    for model in (CameraConfig, LineConfig):
        walk(model, set())
        assert model.model_json_schema()["additionalProperties"] is False


def _models_in(annotation):
    import typing

    from pydantic import BaseModel

    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
    for argument in typing.get_args(annotation):
        yield from _models_in(argument)


@pytest.mark.parametrize(
    ("data", "key", "expected"),
    [
        (
            {"thresholding": {"method": "percentage_max", "value": 150}},
            "image.thresholding.value",
            "between 0 and 100",
        ),
        (
            {"thresholding": {"method": "percentile", "threshold_value": -5}},
            "image.thresholding.threshold_value",
            "between 0 and 100",
        ),
        ({"filtering": {"median_kernel_size": 4}}, "image.filtering.median_kernel_size", "odd"),
        (
            {"type": "line", "filtering": {"method": "median", "kernel_size": 6}},
            "image.filtering.kernel_size",
            "odd",
        ),
        (
            {"type": "line", "filtering": {"median_kernel_size": 2}},
            "image.filtering.median_kernel_size",
            "odd",
        ),
    ],
)
def test_out_of_range_settings_name_the_file_and_key(data, key, expected):
    with pytest.raises(ConfigError) as caught:
        load_image_config(data, source="configs/UC_X.yaml", key_prefix="image.")
    (problem,) = caught.value.problems
    assert problem.startswith(f"configs/UC_X.yaml: '{key}'")
    assert expected in problem


def test_in_range_settings_are_accepted():
    config = load_image_config(
        {
            "thresholding": {"method": "percentage_max", "value": 100},
            "filtering": {"median_kernel_size": 5},
        }
    )
    assert config.thresholding.threshold == 100 and config.filtering.median_kernel_size == 5
    # an absolute threshold is counts, not a percentage: any value goes
    assert load_image_config({"thresholding": {"value": 4000}}).thresholding.threshold == 4000


def test_switching_the_method_to_a_percentage_rechecks_the_value():
    config = load_image_config({"thresholding": {"method": "constant", "value": 150}})
    with pytest.raises(ValueError, match="between 0 and 100"):
        config.thresholding.method = "percentage_max"

"""Diagnostic and group models: validation, messages, lab image blocks, round trip."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from scan_analysis.config import (
    AnalysisGroupConfig,
    AnalyzerRef,
    DiagnosticAnalysisConfig,
    load_diagnostic_config,
    load_group_config,
)
from scan_analysis.config.yaml_io import dump_yaml, load_yaml
from scan_analysis.errors import ConfigError
from scan_analysis.image.config.models import CameraConfig, LineConfig

REPO_CONFIGS = Path(__file__).parents[2] / "scan_analysis_configs"
LAB_IMAGE_CONFIGS = Path(__file__).parent / "fixtures" / "lab_image_configs"
SHIPPED_ANALYZERS = sorted((REPO_CONFIGS / "analyzers").rglob("*.yaml"))
SHIPPED_GROUPS = sorted((REPO_CONFIGS / "groups").rglob("*.yaml"))
LAB_FILES = sorted(LAB_IMAGE_CONFIGS.glob("*.yaml"))


def problems_of(loader, data, source) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        loader(data, source=source)
    assert caught.value.path == Path(source)
    return caught.value.problems


# --- scan block and defaults ------------------------------------------------------------------
def test_defaults_of_a_minimal_diagnostic():
    config = load_diagnostic_config({"name": "UC_TopView"}, source="a/UC_TopView.yaml")
    assert config.device == "UC_TopView"
    assert config.image is None and config.image_analyzer is None
    scan = config.scan
    assert (scan.priority, scan.mode, scan.directory_suffix, scan.save) == (
        100,
        "per_shot",
        "",
        True,
    )
    assert scan.file_tail is None and scan.gdoc_slot is None
    assert scan.renderer_kwargs.model_fields_set == set()  # every figure option at its default


def test_scan_block_and_class_spec_are_read():
    config = load_diagnostic_config(
        {
            "name": "Spec",
            "image_analyzer": {"class": "my_lab.analyzers.MyAnalyzer", "kwargs": {"order": 2}},
            "scan": {
                "device": "UC_Spectrometer",
                "directory_suffix": "-interpSpec",
                "gdoc_slot": 3,
            },
        }
    )
    assert config.device == "UC_Spectrometer"
    assert config.scan.directory_suffix == "-interpSpec"
    assert config.image_analyzer.class_path == "my_lab.analyzers.MyAnalyzer"
    assert config.image_analyzer.kwargs == {"order": 2}


# --- every problem at once, naming file and dotted key ------------------------------------------
def test_unknown_keys_name_file_dotted_key_valid_keys_and_close_match():
    problems = problems_of(
        load_diagnostic_config,
        {
            "name": "Cam",
            "colour": "red",
            "scan": {"priorty": 3},
            "image": {"roi": {"x_min": 1, "y_mni": 2}},
        },
        "cfg/Cam.yaml",
    )
    assert len(problems) == 3
    by_key = {
        key: next(p for p in problems if f"'{key}'" in p)
        for key in ("colour", "scan.priorty", "image.roi.y_mni")
    }
    assert all(p.startswith("cfg/Cam.yaml: unknown key") for p in by_key.values())
    assert (
        "valid keys here: name, image_analyzer, scan_analyzer, image, output_name, metric_suffix, "
        "scan" in by_key["colour"]
    )
    assert "did you mean 'priority'?" in by_key["scan.priorty"]
    assert "directory_suffix" in by_key["scan.priorty"]
    assert "did you mean 'y_min'?" in by_key["image.roi.y_mni"]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"scan": {"priority": -1}}, "'scan.priority': Input should be greater than or equal to 0"),
        ({"scan": {"gdoc_slot": 4}}, "'scan.gdoc_slot': Input should be less than or equal to 3"),
        ({"scan": {"mode": "per_scan"}}, "'scan.mode'"),
        ({"image_analyzer": {"class": "BeamAnalyzer"}}, "is not an import path"),
        ({"image_analyzer": {"kwargs": {}}}, "missing required key 'image_analyzer.class'"),
        ({"image": {"roi": {"x_min": 50, "x_max": 10}}}, "x_min (50.0) must be less than x_max"),
        ({"name": "Other"}, "name 'Other' differs from the file name 'Cam'"),
        ({"name": "a/b"}, "is not an analyzer name"),
    ],
)
def test_bad_values_are_reported_with_file_and_key(data, expected):
    problems = problems_of(load_diagnostic_config, {"name": "Cam", **data}, "cfg/Cam.yaml")
    assert any(expected in p and p.startswith("cfg/Cam.yaml") for p in problems), problems


def test_missing_name_is_reported():
    problems = problems_of(load_diagnostic_config, {"scan": {}}, "cfg/Cam.yaml")
    assert problems == ["cfg/Cam.yaml: missing required key 'name'"]


# --- lab image blocks ----------------------------------------------------------------------------
@pytest.mark.parametrize("lab_file", LAB_FILES, ids=lambda p: p.stem)
def test_existing_lab_configs_load_as_image_blocks(tmp_path, lab_file):
    image = load_yaml(lab_file)
    source = tmp_path / "Diag.yaml"
    source.write_text(dump_yaml({"name": "Diag", "image": image}))
    config = load_diagnostic_config(load_yaml(source), source=source)
    expected_kind = (
        LineConfig if ("data_loading" in image or image.get("type") == "line") else CameraConfig
    )
    assert isinstance(config.image, expected_kind)
    assert config.is_line == (expected_kind is LineConfig)
    assert config.to_yaml_dict()["image"] == image


def test_lab_camera_block_values_reach_the_model():
    config = load_diagnostic_config(
        {"name": "X", "image": load_yaml(LAB_IMAGE_CONFIGS / "UC_ALineEbeam1.yaml")}
    )
    image = config.image
    assert image.bit_depth == 12
    assert image.background.method == "from_file"
    assert image.background.fallback.level == 40
    assert [c.center for c in image.crosshair_masking.crosshairs] == [(612, 480), (300, 210)]
    assert image.thresholding.threshold == 15  # older spelling threshold_value
    assert image.steps == [
        "background",
        "crosshair_masking",
        "roi",
        "thresholding",
        "filtering",
        "transforms",
    ]


def test_lab_line_block_values_reach_the_model():
    config = load_diagnostic_config(
        {"name": "X", "image": load_yaml(LAB_IMAGE_CONFIGS / "U_HasoLift_csv.yaml")}
    )
    loading = config.image.data_loading
    assert (loading.data_type, loading.delimiter, loading.x_column, loading.y_column) == (
        "csv",
        ",",
        "position_mm",
        "phase_um",
    )
    assert config.image.thresholding is None  # null switches a section off


def test_line_analyzer_class_makes_a_block_without_data_loading_a_line():
    config = load_diagnostic_config(
        {
            "name": "Spec",
            "image_analyzer": {"class": "scan_analysis.image.line_analyzer.LineAnalyzer"},
            "image": {"roi": {"x_min": 720, "x_max": 880}},
        }
    )
    assert isinstance(config.image, LineConfig)


def test_unknown_key_inside_a_lab_block_names_the_image_key(tmp_path):
    image = load_yaml(LAB_IMAGE_CONFIGS / "UC_HiResMagCam.yaml")
    image["vignette"]["full_widht"] = 10
    problems = problems_of(load_diagnostic_config, {"name": "Cam", "image": image}, "cfg/Cam.yaml")
    assert len(problems) == 1
    assert "unknown key 'image.vignette.full_widht'" in problems[0]
    assert "did you mean 'full_width'?" in problems[0]


# --- groups ---------------------------------------------------------------------------------------
def test_group_accepts_bare_names_and_override_mappings():
    group = load_group_config(
        {
            "name": "HTU_baseline",
            "upload_to_scan-log": True,
            "analyzers": [
                "Amp4Input",
                {"ref": "GaiaMode", "priority": 5},
                {"ref": "Amp3Input", "enabled": False},
            ],
        }
    )
    assert group.upload_to_scan_log is True
    assert [(r.ref, r.priority, r.enabled) for r in group.analyzers] == [
        ("Amp4Input", None, True),
        ("GaiaMode", 5, True),
        ("Amp3Input", None, False),
    ]
    assert all(isinstance(r, AnalyzerRef) for r in group.refs)


def test_group_upload_switch_defaults_off_and_misspelling_is_named():
    assert load_group_config({"name": "g", "analyzers": ["A"]}).upload_to_scan_log is False
    problems = problems_of(
        load_group_config, {"name": "g", "upload_to_scan_logs": True, "analyzers": ["A"]}, "g.yaml"
    )
    assert problems == [
        "g.yaml: unknown key 'upload_to_scan_logs' (did you mean 'upload_to_scan-log'?); "
        "valid keys here: name, description, upload_to_scan-log, analyzers"
    ]


@pytest.mark.parametrize("value", [True, False])
def test_upload_to_scanlog_is_the_originals_spelling_of_the_upload_switch(value):
    """The original's group key, with its meaning: upload the group's outputs to the scan log."""
    group = load_group_config({"name": "g", "upload_to_scanlog": value, "analyzers": ["A"]})
    assert group.upload_to_scan_log is value
    both = {
        "name": "g",
        "upload_to_scanlog": value,
        "upload_to_scan-log": value,
        "analyzers": ["A"],
    }
    assert load_group_config(both).upload_to_scan_log is value  # agreeing: fine


def test_upload_to_scanlog_and_upload_to_scan_log_that_disagree_are_refused_naming_the_file():
    data = {"name": "g", "upload_to_scanlog": False, "upload_to_scan-log": True, "analyzers": ["A"]}
    [problem] = problems_of(load_group_config, data, "groups/g.yaml")
    assert problem.startswith("groups/g.yaml: ")
    assert "upload_to_scanlog: false and upload_to_scan-log: true disagree" in problem
    [problem] = problems_of(
        load_group_config, {"name": "g", "upload_to_scanlog": "yes", "analyzers": ["A"]}, "g.yaml"
    )
    assert "upload_to_scanlog is true or false, not 'yes'" in problem


@pytest.mark.parametrize(
    ("analyzers", "expected"),
    [
        ([], "'analyzers'"),
        (["A", 5], "an analyzer entry is a name (UC_TopView) or a mapping"),
        (
            ["A", {"ref": "B", "priorty": 1}],
            "unknown key 'analyzers.1.priorty' (did you mean 'priority'?)",
        ),
        ([{"ref": "B", "priority": -2}], "'analyzers.0.priority'"),
        (["A", {"ref": "A", "priority": 1}], "A listed more than once"),
    ],
)
def test_bad_group_entries_are_reported(analyzers, expected):
    problems = problems_of(load_group_config, {"name": "g", "analyzers": analyzers}, "g.yaml")
    assert any(expected in p for p in problems), problems


# --- round trip -----------------------------------------------------------------------------------
@pytest.mark.parametrize("path", SHIPPED_ANALYZERS, ids=lambda p: p.stem)
def test_shipped_analyzer_round_trips_to_the_same_content(path):
    data = load_yaml(path)
    config = load_diagnostic_config(data, source=path)
    again = yaml.safe_load(dump_yaml(config.to_yaml_dict()))
    assert again == data
    assert load_diagnostic_config(again, source=path) == config


@pytest.mark.parametrize("path", SHIPPED_GROUPS, ids=lambda p: p.stem)
def test_shipped_group_round_trips_to_the_same_content(path):
    data = load_yaml(path)
    assert yaml.safe_load(dump_yaml(load_group_config(data, source=path).to_yaml_dict())) == data


CANONICAL_DIAGNOSTIC = """\
name: UC_Canonical
image_analyzer:
  class: scan_analysis.image.beam_analyzer.BeamAnalyzer
  kwargs:
    min_image_total: 1000
image:
  description: written in canonical order
  bit_depth: 16
  background:
    method: constant
    constant_level: 100.0
  crosshair_masking:
    crosshairs:
    - center:
      - 192.0
      - 64.0
      width: 36.0
  roi:
    x_min: 8.0
    x_max: 248.0
  thresholding:
    method: absolute
    value: 30.0
  filtering:
    median_kernel_size: 3
  metadata:
    spatial_calibration: 2.5e-05
  pipeline:
    steps:
    - background
    - roi
scan:
  priority: 10
  directory_suffix: -interpSpec
  gdoc_slot: 0
  renderer_kwargs:
    cmap: viridis
"""

CANONICAL_GROUP = """\
name: HTU_baseline
description: standard HTU shift analysis
upload_to_scan-log: true
analyzers:
- Amp4Input
- ref: GaiaMode
  priority: 5
- ref: Amp3Input
  enabled: false
"""


def test_canonical_files_round_trip_to_identical_text(tmp_path):
    diagnostic = tmp_path / "UC_Canonical.yaml"
    diagnostic.write_text(CANONICAL_DIAGNOSTIC)
    config = load_diagnostic_config(load_yaml(diagnostic), source=diagnostic)
    assert dump_yaml(config.to_yaml_dict()) == CANONICAL_DIAGNOSTIC
    group = load_group_config(yaml.safe_load(CANONICAL_GROUP))
    assert dump_yaml(group.to_yaml_dict()) == CANONICAL_GROUP


def test_defaults_are_not_written_back():
    config = load_diagnostic_config({"name": "Cam", "scan": {"priority": 5}})
    assert config.to_yaml_dict() == {"name": "Cam", "scan": {"priority": 5}}


# --- JSON Schema ----------------------------------------------------------------------------------
def test_json_schema_uses_the_keys_written_in_files():
    diagnostic = DiagnosticAnalysisConfig.model_json_schema(by_alias=True)
    group = AnalysisGroupConfig.model_json_schema(by_alias=True)
    assert set(diagnostic["properties"]) == {
        "name",
        "image_analyzer",
        "scan_analyzer",
        "image",
        "output_name",
        "metric_suffix",
        "scan",
    }
    # a mapping with the key class, or the original's bare string
    assert "class" in diagnostic["$defs"]["ImageAnalyzerSpec"]["anyOf"][1]["properties"]
    assert diagnostic["$defs"]["ScanRuntimeConfig"]["additionalProperties"] is False
    assert "upload_to_scan-log" in group["properties"]
    entry = group["$defs"]["AnalyzerRef"]["anyOf"]
    assert {"type": "string", "description": "analyzer name"} in entry
    json.dumps(diagnostic)  # serialisable for editors


# --- the original toolkit's spellings (issue 14 item 4) ------------------------------------------
@pytest.mark.parametrize(
    "written",
    [
        "image_analyzer: scan_analysis.image.beam_analyzer.BeamAnalyzer\n",
        "image_analyzer:\n  class_path: scan_analysis.image.beam_analyzer.BeamAnalyzer\n"
        "  kwargs: {}\n",
        "image_analyzer:\n  class: scan_analysis.image.beam_analyzer.BeamAnalyzer\n",
    ],
    ids=["bare string", "class_path", "class"],
)
def test_image_analyzer_in_each_form_the_original_accepts(written, make_tree):
    from scan_analysis.analyzers import create_diagnostic_analyzer
    from scan_analysis.config import ConfigTree

    root = make_tree({"analyzers/UC_TopView.yaml": "name: UC_TopView\n" + written})
    tree = ConfigTree(root)
    config = tree.load_analyzer("UC_TopView")
    assert config.image_analyzer.class_path == "scan_analysis.image.beam_analyzer.BeamAnalyzer"
    analyzer = create_diagnostic_analyzer(tree.resolve_analyzer("UC_TopView"))
    assert type(analyzer.image_analyzer).__name__ == "BeamAnalyzer"
    assert tree.check() == []
    schema = DiagnosticAnalysisConfig.model_json_schema(by_alias=True)["$defs"]
    assert {"type": "string"}.items() <= schema["ImageAnalyzerSpec"]["anyOf"][0].items()


def test_a_line_analyzer_named_by_bare_string_makes_a_line_config(make_tree):
    from scan_analysis.config import ConfigTree

    root = make_tree(
        {
            "analyzers/Spec.yaml": "name: Spec\n"
            "image_analyzer: scan_analysis.image.line_analyzer.LineAnalyzer\n"
            "image: {roi: {x_min: 1}}\n"
        }
    )
    assert ConfigTree(root).load_analyzer("Spec").shot_kind == "1d"


def test_class_and_class_path_together_are_refused_naming_the_file(make_tree):
    from scan_analysis.config import ConfigTree

    root = make_tree(
        {"analyzers/D.yaml": "name: D\nimage_analyzer: {class: a.B, class_path: a.B}\n"}
    )
    with pytest.raises(
        ConfigError, match=r"D\.yaml:2:1: 'image_analyzer': give the class path once"
    ):
        ConfigTree(root).load_analyzer("D")


def test_analysis_mode_is_the_original_spelling_of_mode():
    config = load_diagnostic_config({"name": "D", "scan": {"analysis_mode": "per_bin"}})
    assert config.scan.mode == "per_bin"
    with pytest.raises(ConfigError, match="mode or analysis_mode"):
        load_diagnostic_config(
            {"name": "D", "scan": {"analysis_mode": "per_bin", "mode": "per_shot"}}
        )
    with pytest.raises(ConfigError, match="scan.mode"):
        load_diagnostic_config({"name": "D", "scan": {"analysis_mode": "per_frame"}})


def test_is_active_false_switches_an_analyzer_off_in_its_groups(make_tree, caplog):
    from scan_analysis.config import ConfigTree

    root = make_tree(
        {
            "analyzers/Kept.yaml": "name: Kept\n",
            "analyzers/Spare.yaml": "name: Spare\nscan:\n  is_active: false\n",
            "groups/g.yaml": "name: g\nanalyzers: [Kept, Spare]\n",
        }
    )
    tree = ConfigTree(root)
    with caplog.at_level("INFO"):
        assert [item.name for item in tree.resolve_group("g")] == ["Kept"]
    assert "Spare has scan.is_active: false" in caplog.text
    from scan_analysis.config.diagnostic_models import ScanRuntimeConfig

    assert "is_active" in ScanRuntimeConfig.model_json_schema()["properties"]

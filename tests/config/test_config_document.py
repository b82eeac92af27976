"""ConfigDocument: field-level problems, saves that change only the edited value, refusals."""

from __future__ import annotations

import difflib

import pytest

from scan_analysis.config import ConfigTree
from scan_analysis.config.config_document import (
    ConfigChangedOnDiskError,
    ConfigDocument,
    FieldProblem,
    field_problem,
)
from scan_analysis.config.diagnostic_models import image_model_for, load_diagnostic_config
from scan_analysis.errors import ConfigError


def _changed_lines(before: bytes, after: bytes) -> list[str]:
    diff = difflib.ndiff(before.decode().splitlines(), after.decode().splitlines())
    return [line for line in diff if line[:2] in ("- ", "+ ")]


def test_a_bad_value_is_reported_on_its_key_and_never_saved(repo_configs):
    document = ConfigDocument.open(ConfigTree(repo_configs), "UC_TopView")
    before = document.path.read_bytes()
    data = document.copy_data()
    data["image"]["roi"]["x_min"] = "left edge"
    data["scan"]["gdoc_slot"] = 9
    problems = document.problems(data)
    assert {problem.key for problem in problems} == {"image.roi.x_min", "scan.gdoc_slot"}
    assert all(str(document.path) not in problem.message for problem in problems)
    with pytest.raises(ConfigError, match="not saved") as caught:
        document.save(data)
    assert len(caught.value.problems) == 2
    assert document.path.read_bytes() == before


def test_saving_a_good_value_changes_only_its_line_and_keeps_comments(repo_configs):
    document = ConfigDocument.open(ConfigTree(repo_configs), "UC_TopView")
    before = document.path.read_bytes()
    data = document.copy_data()
    data["image"]["background"]["constant_level"] = 120
    assert document.problems(data) == []
    assert document.save(data) is True
    after = document.path.read_bytes()
    assert _changed_lines(before, after) == [
        "-     constant_level: 100        # camera pedestal, counts",
        "+     constant_level: 120        # camera pedestal, counts",
    ]
    assert document.text == after.decode() and not document.changed_on_disk()
    assert load_diagnostic_config(document.data).image.background.constant == 120


def test_saving_unchanged_values_writes_nothing(repo_configs):
    document = ConfigDocument.open(ConfigTree(repo_configs), "UC_Spectrometer")
    stat = document.path.stat()
    data = document.copy_data()
    data["scan"]["priority"] = 20.0  # the same number, typed as a float by a form
    assert document.save(data) is False
    assert document.path.stat().st_mtime_ns == stat.st_mtime_ns


def test_a_file_changed_on_disk_since_it_was_opened_is_not_overwritten(repo_configs):
    document = ConfigDocument.open(ConfigTree(repo_configs), "UC_TopView")
    theirs = document.text.replace("priority: 10", "priority: 11")
    document.path.write_text(theirs, encoding="utf-8")  # another editor saves first
    data = document.copy_data()
    data["image"]["bit_depth"] = 12
    with pytest.raises(ConfigChangedOnDiskError, match="changed on disk.*Reload"):
        document.save(data)
    assert document.path.read_text(encoding="utf-8") == theirs
    document.reload()
    assert document.data["scan"]["priority"] == 11


def test_crlf_line_endings_survive_an_edit(repo_configs):
    path = repo_configs / "analyzers" / "HTU" / "Amp3Input.yaml"
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    document = ConfigDocument.open(ConfigTree(repo_configs), "Amp3Input")
    data = document.copy_data()
    data["image"]["bit_depth"] = 14
    document.save(data)
    assert path.read_bytes() == (
        b"name: Amp3Input\r\nimage:\r\n  bit_depth: 14\r\n"
        b"  background: {method: constant, constant_value: 50}\r\nscan:\r\n"
        b"  device: UC_Amp3_IR_input\r\n"
    )


def test_a_yaml_syntax_error_opens_with_its_line_and_the_text_can_be_fixed(repo_configs):
    path = repo_configs / "analyzers" / "HTU" / "Amp3Input.yaml"
    broken = "name: Amp3Input\nimage:\n  bit_depth: 12\n   background: {method: constant\n"
    path.write_text(broken, encoding="utf-8")
    document = ConfigDocument.open(ConfigTree(repo_configs), "Amp3Input")
    assert document.load_error is not None
    assert f"{path}:4:" in str(document.load_error)
    assert document.data == {}
    with pytest.raises(ConfigError, match="fix its text first"):
        document.render({"name": "Amp3Input"})
    with pytest.raises(ConfigError, match="malformed YAML"):
        document.save_text(broken + "  oops: [\n")
    assert path.read_text(encoding="utf-8") == broken
    fixed = "name: Amp3Input\nimage:\n  bit_depth: 12\n"
    assert document.save_text(fixed) is True
    assert document.load_error is None and document.data["image"]["bit_depth"] == 12


def test_name_and_class_problems_are_keyed(repo_configs):
    document = ConfigDocument.open(ConfigTree(repo_configs), "UC_TopView")
    data = document.copy_data()
    data["name"] = "UC_Top"
    assert [p.key for p in document.problems(data)] == ["name"]
    data["name"] = "UC_TopView"
    data["image_analyzer"]["class"] = "scan_analysis.image.beam_analyzer.BeamAnalyser"
    (problem,) = document.problems(data)
    assert problem.key == "image_analyzer.class"
    assert "did you mean 'BeamAnalyzer'" in problem.message


def test_group_problems_point_at_the_entry(repo_configs):
    document = ConfigDocument.open(ConfigTree(repo_configs), "HTU/baseline")
    assert document.kind == "group"
    data = document.copy_data()
    data["analyzers"].append("Amp5Input")
    data["analyzers"][1]["priority"] = -3
    problems = document.problems(data)
    assert [p.key for p in problems] == ["analyzers.1.priority"]
    data["analyzers"][1]["priority"] = 3
    (unknown,) = document.problems(data)
    assert unknown.key == "analyzers.3"
    assert "unknown analyzer 'Amp5Input'" in unknown.message
    assert "did you mean 'Amp4Input'" in unknown.message


def test_group_edits_round_trip(repo_configs):
    document = ConfigDocument.open(ConfigTree(repo_configs), "groups/HTU/baseline.yaml")
    data = document.copy_data()
    data["analyzers"] = [
        {"ref": "GaiaMode", "priority": 5},
        "Amp4Input",
        {"ref": "Amp3Input", "enabled": True, "priority": 1},
        "UC_TopView",
    ]
    data["upload_to_scan-log"] = False
    document.save(data)
    assert document.path.read_text(encoding="utf-8") == (
        "name: HTU_baseline\n"
        "description: standard HTU shift analysis\n"
        "upload_to_scan-log: false\n"
        "analyzers:\n"
        "  - {ref: GaiaMode, priority: 5}\n"
        "  - Amp4Input\n"
        "  - {ref: Amp3Input, enabled: true, priority: 1}\n"
        "  - UC_TopView\n"
    )
    resolved = ConfigTree(repo_configs).resolve_group("HTU/baseline")
    assert [(r.name, r.priority) for r in resolved] == [
        ("Amp3Input", 1),
        ("GaiaMode", 5),
        ("UC_TopView", 10),
        ("Amp4Input", 40),
    ]


def test_the_form_model_is_the_one_the_loader_uses(repo_configs):
    tree = ConfigTree(repo_configs)
    for name in tree.analyzers:
        document = ConfigDocument.open(tree, name)
        config = load_diagnostic_config(document.data)
        if config.image is not None:
            assert image_model_for(document.data) is type(config.image), name


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("f.yaml: unknown key 'scan.priorty' (did you mean 'priority'?)", "scan.priorty"),
        ("f.yaml: missing required key 'name'", "name"),
        ("f.yaml: 'image.roi': x_min (300.0) must be less than x_max (248.0)", "image.roi"),
        ("f.yaml: the top level must be a mapping of keys, not list", None),
    ],
)
def test_problem_lines_are_split_into_key_and_message(line, expected):
    problem = field_problem(line, "f.yaml")
    assert problem == FieldProblem(expected, line.removeprefix("f.yaml: "))

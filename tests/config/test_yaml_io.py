"""Config YAML reading (errors with file and line) and atomic writing."""

from __future__ import annotations

import pytest
import yaml

from scan_analysis.config.analysis_group_loader import ConfigTree
from scan_analysis.config.yaml_io import dump_yaml, load_yaml, write_yaml
from scan_analysis.errors import ConfigError

# YAML that PyYAML's safe loader reads; the strict loader must read it the same way
SAFE_YAML = {
    "merge key, local key overrides": (
        "defaults: &defaults {priority: 10, mode: per_shot}\n"
        "scan:\n  <<: *defaults\n  priority: 5\n"
    ),
    "merge of several mappings, earlier wins": (
        "a: &a {x: 1, y: 1}\nb: &b {y: 2, z: 2}\nc:\n  <<: [*a, *b]\n  z: 3\n"
    ),
    "merge of an inline mapping": "scan:\n  <<: {priority: 1, save: false}\n  save: true\n",
    "nested merges": (
        "base: &base {cmap: viridis, dpi: 100}\n"
        "mid: &mid {<<: *base, dpi: 120}\n"
        "top: {<<: *mid, vmin: 0}\n"
    ),
    "aliased sequence": "steps: &steps [roi, filtering]\nother: *steps\n",
    "plain = key": "=: 1\nb: 2\n",
    "set and ordered map": "s: !!set {a, b}\no: !!omap [a: 1, b: 2]\n",
}


@pytest.mark.parametrize("text", SAFE_YAML.values(), ids=SAFE_YAML.keys())
def test_reads_what_the_safe_loader_reads(tmp_path, text):
    path = tmp_path / "A.yaml"
    path.write_text(text)
    assert load_yaml(path) == yaml.safe_load(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("d: &d {a: 1}\ns:\n  <<: *d\n  b: 1\n  b: 2\n", r":5:3: .*'b' appears twice .*4 and 5"),
        ("s:\n  <<: {a: 1, a: 2}\n", r":2:14: .*'a' appears twice"),
        ("d: &d {a: 1, a: 2}\ns: {<<: *d}\n", r":1:14: .*'a' appears twice"),
    ],
)
def test_duplicates_beside_or_inside_a_merge_are_still_errors(tmp_path, text, expected):
    path = tmp_path / "A.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=rf"A\.yaml{expected}"):
        load_yaml(path)


def test_a_group_can_share_entries_through_anchors(make_tree):
    analyzer = "name: {0}\nimage_analyzer: {{class: scan_analysis.image.BasicImageAnalyzer}}\n"
    root = make_tree(
        {
            "analyzers/CamA.yaml": analyzer.format("CamA"),
            "analyzers/CamB.yaml": analyzer.format("CamB"),
            "groups/shift.yaml": """
                name: shift
                analyzers:
                  - &early {ref: CamA, priority: 5}
                  - {<<: *early, ref: CamB}
            """,
        }
    )
    resolved = ConfigTree(root).resolve_group("shift")
    assert [(item.config.name, item.priority) for item in resolved] == [("CamA", 5), ("CamB", 5)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("name: A\nscan:\n  priority: 1\n   mode: x\n", ":4:"),
        ("name: A\nscan: {priority: 1\n", ":3:"),
        ("name: A\n\tscan: 1\n", ":2:"),
    ],
)
def test_malformed_yaml_names_file_line_and_column(tmp_path, text, expected):
    path = tmp_path / "A.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_yaml(path)
    assert str(caught.value).startswith(f"{path}{expected}")
    assert "malformed YAML" in str(caught.value)
    assert caught.value.problems == [str(caught.value)]
    assert caught.value.path == path


def test_a_key_written_twice_is_an_error_with_both_lines(tmp_path):
    path = tmp_path / "A.yaml"
    path.write_text("name: A\nscan:\n  priority: 1\n  priority: 2\n")
    with pytest.raises(
        ConfigError, match=r"A\.yaml:4:3: .*'priority' appears twice .*lines 3 and 4"
    ):
        load_yaml(path)


def test_top_level_must_be_a_mapping_and_empty_is_empty(tmp_path):
    path = tmp_path / "A.yaml"
    path.write_text("- a\n- b\n")
    with pytest.raises(ConfigError, match="top level must be a mapping of keys, not a list"):
        load_yaml(path)
    path.write_text("# only a comment\n")
    assert load_yaml(path) == {}


def test_unreadable_file_is_named(tmp_path):
    with pytest.raises(ConfigError, match="cannot read the config file"):
        load_yaml(tmp_path / "missing.yaml")


def test_write_yaml_keeps_key_order_and_reads_back(tmp_path):
    data = {
        "name": "g",
        "upload_to_scan-log": True,
        "analyzers": ["B", {"ref": "A", "priority": 1}],
    }
    (tmp_path / "sub").mkdir()
    path = write_yaml(tmp_path / "sub" / "g.yaml", data)
    assert path.read_text() == dump_yaml(data)
    assert list(load_yaml(path)) == ["name", "upload_to_scan-log", "analyzers"]
    assert load_yaml(path) == data
    assert [p.name for p in path.parent.iterdir()] == ["g.yaml"]  # no temp file left behind

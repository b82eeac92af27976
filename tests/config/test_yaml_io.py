"""Config YAML reading (errors with file and line) and atomic writing."""

from __future__ import annotations

import pytest

from scan_analysis.config.yaml_io import dump_yaml, load_yaml, write_yaml
from scan_analysis.errors import ConfigError


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

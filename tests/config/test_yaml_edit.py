"""Editing YAML text in place: only what changed differs, byte for byte."""

from __future__ import annotations

import copy
import difflib
import os
import re
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scan_analysis.config.yaml_edit import YamlEditError, edit_yaml_text, same_data

REPO = Path(__file__).resolve().parents[2]
CONFIG_FILES = sorted(
    [
        *(REPO / "scan_analysis_configs").rglob("*.yaml"),
        *(REPO / "tests" / "config" / "fixtures").rglob("*.yaml"),
    ]
)
UC_TOPVIEW = REPO / "scan_analysis_configs" / "analyzers" / "Undulator" / "UC_TopView.yaml"
BASELINE = REPO / "scan_analysis_configs" / "groups" / "HTU" / "baseline.yaml"


def _leaves(data, path=()):
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _leaves(value, (*path, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from _leaves(value, (*path, index))
    else:
        yield path, data


def _set(data, path, value):
    for part in path[:-1]:
        data = data[part]
    data[path[-1]] = value


def _changed(value):
    if isinstance(value, bool):
        return not value
    if isinstance(value, int | float):
        return value * 2 + 1
    if isinstance(value, str):
        return value + "_new"
    return 7  # null


def _changed_lines(before: str, after: str) -> tuple[list[str], list[str]]:
    diff = list(difflib.ndiff(before.splitlines(), after.splitlines()))
    return [d[2:] for d in diff if d.startswith("- ")], [d[2:] for d in diff if d.startswith("+ ")]


@pytest.mark.parametrize("path", CONFIG_FILES, ids=lambda p: p.relative_to(REPO).as_posix())
def test_changing_any_value_of_a_real_config_changes_only_its_line(path):
    text = path.read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    assert edit_yaml_text(text, copy.deepcopy(data)) == text
    for location, value in _leaves(data):
        wanted = copy.deepcopy(data)
        _set(wanted, location, _changed(value))
        edited = edit_yaml_text(text, wanted)
        removed, added = _changed_lines(text, edited)
        assert len(removed) == len(added) == 1, (location, removed, added)
        assert same_data(yaml.safe_load(edited), wanted)
        # the rest of the line (key, comment) is kept: only the value's characters differ
        old_line, new_line = removed[0], added[0]
        prefix = len(os.path.commonprefix([old_line, new_line]))
        suffix = len(os.path.commonprefix([old_line[::-1], new_line[::-1]]))
        key = re.match(r"^\s*(- +)?([\w-]+:)?", old_line).end()
        assert prefix >= key, (old_line, new_line)
        if "  #" in old_line:
            assert suffix >= len(old_line) - old_line.index("  #"), (old_line, new_line)


def test_a_removed_section_takes_its_lines_and_nothing_else():
    text = UC_TOPVIEW.read_text(encoding="utf-8")
    wanted = yaml.safe_load(text)
    del wanted["image"]["roi"]
    removed, added = _changed_lines(text, edit_yaml_text(text, wanted))
    assert added == []
    assert [line.strip() for line in removed] == [
        "roi:                         # drop the sensor's edge rows and columns",
        "x_min: 8",
        "x_max: 248",
        "y_min: 8",
        "y_max: 248",
    ]


def test_switching_a_section_off_keeps_the_comment_on_its_key_line():
    text = UC_TOPVIEW.read_text(encoding="utf-8")
    wanted = yaml.safe_load(text)
    wanted["image"]["roi"] = None
    removed, added = _changed_lines(text, edit_yaml_text(text, wanted))
    assert added == [
        "  roi: null                         # drop the sensor's edge rows and columns"
    ]
    assert len(removed) == 5


def test_a_new_key_is_inserted_after_its_neighbour_in_the_sections_style():
    text = UC_TOPVIEW.read_text(encoding="utf-8")
    wanted = yaml.safe_load(text)
    items = list(wanted["image"].items())
    items.insert(items.index(("roi", wanted["image"]["roi"])) + 1, ("transforms", None))
    wanted["image"] = dict(items)
    wanted["image"]["transforms"] = {"rotation_angle": 90.0, "flip_horizontal": True}
    edited = edit_yaml_text(text, wanted)
    removed, added = _changed_lines(text, edited)
    assert removed == []
    assert added == ["  transforms: {rotation_angle: 90.0, flip_horizontal: true}"]
    lines = edited.splitlines()
    assert lines[lines.index(added[0]) - 1].strip() == "y_max: 248"


def test_a_crosshair_row_added_and_removed_in_block_style():
    text = UC_TOPVIEW.read_text(encoding="utf-8")
    wanted = yaml.safe_load(text)
    second = {"center": [10.0, 20.0], "width": 5.0, "height": 5.0, "thickness": 1.0, "angle": 45.0}
    wanted["image"]["crosshair_masking"]["crosshairs"].append(second)
    with_two = edit_yaml_text(text, wanted)
    removed, added = _changed_lines(text, with_two)
    assert removed == []
    assert added == [
        "      - center: [10.0, 20.0]",
        "        width: 5.0",
        "        height: 5.0",
        "        thickness: 1.0",
        "        angle: 45.0",
    ]
    wanted["image"]["crosshair_masking"]["crosshairs"].pop(0)
    removed, _ = _changed_lines(with_two, edit_yaml_text(with_two, wanted))
    assert [line.strip() for line in removed] == [
        "- center: [192, 64]",
        "width: 36",
        "height: 36",
        "thickness: 3",
        "angle: 0",
    ]


def test_group_entries_reordered_disabled_and_overridden_keep_their_flow_style():
    text = BASELINE.read_text(encoding="utf-8")
    wanted = yaml.safe_load(text)
    entries = wanted["analyzers"]
    entries[0], entries[1] = entries[1], entries[0]
    entries[0] = {"ref": "GaiaMode", "priority": 7}
    entries[1] = {"ref": "Amp4Input", "enabled": False}
    entries.append("UC_TopView")
    edited = edit_yaml_text(text, wanted)
    assert edited.splitlines()[4:] == [
        "  - {ref: GaiaMode, priority: 7}",
        "  - {ref: Amp4Input, enabled: false}",
        "  - {ref: Amp3Input, enabled: false}",
        "  - UC_TopView",
    ]
    assert edited.splitlines()[:4] == text.splitlines()[:4]


@pytest.mark.parametrize(
    ("text", "wanted", "expected"),
    [
        ("a: 'x'  # q\nb: \"y\"\n", {"a": "z", "b": "y"}, "a: 'z'  # q\nb: \"y\"\n"),
        (
            "a: 1\r\nb:\r\n  c: 2\r\n",
            {"a": 1, "b": {"c": 2, "d": 3}},
            "a: 1\r\nb:\r\n  c: 2\r\n  d: 3\r\n",
        ),
        ("a:\n- 1\n- 2\n", {"a": [1, 2, 3]}, "a:\n- 1\n- 2\n- 3\n"),
        ("a:\n    b: 1\n", {"a": {"b": 1, "c": {"d": 2}}}, "a:\n    b: 1\n    c: {d: 2}\n"),
        ("a:\nb: 2\n", {"a": 5, "b": 2}, "a: 5\nb: 2\n"),
        ("# only a comment\n", {"name": "x"}, "# only a comment\nname: x\n"),
        ("k: {a: 1, b: 2, c: 3}\n", {"k": {"a": 1}}, "k: {a: 1}\n"),
        ("k: [1, 2, 3, 4]\n", {"k": [1, 4]}, "k: [1, 4]\n"),
        ("x: 100\n", {"x": 100.0}, "x: 100\n"),
        ("x: 1\n", {"x": True}, "x: true\n"),
        ("x: [1, 2]\n", {"x": (3, 2)}, "x: [3, 2]\n"),
    ],
)
def test_edits_in_each_style(text, wanted, expected):
    assert edit_yaml_text(text, wanted) == expected


def test_text_that_is_not_yaml_is_refused():
    with pytest.raises(YamlEditError, match="not valid YAML"):
        edit_yaml_text("a: [1, 2\n", {"a": [1]})


# --- any data, any layout -----------------------------------------------------------------------
_keys = st.sampled_from(["a", "b", "c", "d", "name", "roi"])
_scalars = (
    st.none()
    | st.booleans()
    | st.integers(-1000, 1000)
    | st.floats(allow_nan=False, allow_infinity=False, width=32)
    | st.text(st.sampled_from("ab :#'\"-{}[],x1"), max_size=6)
)
_values = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_keys, inner, max_size=4),
    max_leaves=12,
)
_documents = st.dictionaries(_keys, _values, min_size=1, max_size=5)


@st.composite
def _layouts(draw, data):
    text = yaml.safe_dump(
        data,
        sort_keys=False,
        default_flow_style=draw(st.sampled_from([False, None])),
        indent=draw(st.sampled_from([2, 4])),
        width=10_000,
    )
    if draw(st.booleans()):  # comment lines and trailing comments everywhere they are legal
        lines = []
        for line in text.splitlines():
            lines.append(line if "'" in line or '"' in line else line + "  # note")
            lines.append("# between")
        text = "\n".join(lines) + "\n"
    return text


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), before=_documents, after=_documents)
def test_any_edit_loads_as_the_wanted_data(data, before, after):
    text = data.draw(_layouts(before))
    assert same_data(yaml.safe_load(text), before)
    edited = edit_yaml_text(text, after)
    assert same_data(yaml.safe_load(edited), after)
    if same_data(before, after):
        assert edited == text

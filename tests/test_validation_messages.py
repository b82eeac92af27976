"""Validation messages: one line per problem, naming file, line:column, key and the fix."""

import pytest
import yaml
from pydantic import ValidationError

from scan_analysis.config import ConfigTree
from scan_analysis.errors import ConfigError
from scan_analysis.task_queue import TaskStatus
from scan_analysis.validation_messages import describe_validation_error, describe_yaml_error

ANALYZER = """\
name: Cam
image:
  bit_depth: 16
  roi:
    x_mn: 8
    x_max: 200
scan:
  priorty: 5
"""


def write_analyzer(tmp_path, text):
    path = tmp_path / "configs" / "analyzers" / "Cam.yaml"
    path.parent.mkdir(parents=True)
    path.write_text(text)
    return path


def test_unknown_keys_give_the_line_and_column_like_syntax_errors(tmp_path):
    path = write_analyzer(tmp_path, ANALYZER)
    with pytest.raises(ConfigError) as caught:
        ConfigTree(tmp_path / "configs").load_analyzer("Cam")
    roi, scan = sorted(caught.value.problems)
    assert roi == (
        f"{path}:5:5: unknown key 'image.roi.x_mn' (did you mean 'x_min'?); "
        "valid keys here: x_min, x_max, y_min, y_max"
    )
    assert scan.startswith(f"{path}:8:3: unknown key 'scan.priorty' (did you mean 'priority'?)")
    path.write_text(ANALYZER.replace("  bit_depth: 16", "  bit_depth: [16"))
    with pytest.raises(ConfigError) as caught:
        ConfigTree(tmp_path / "configs").load_analyzer("Cam")
    (problem,) = caught.value.problems
    assert problem.startswith(f"{path}:4:") and "malformed YAML" in problem


def test_a_bad_value_names_its_line_and_what_was_given(tmp_path):
    path = write_analyzer(tmp_path, ANALYZER.replace("x_mn: 8", "x_min: left"))
    path.write_text(path.read_text().replace("  priorty: 5\n", "  priority: -1\n"))
    with pytest.raises(ConfigError) as caught:
        ConfigTree(tmp_path / "configs").load_analyzer("Cam")
    problems = sorted(caught.value.problems)
    assert (
        problems[0].startswith(f"{path}:5:5: 'image.roi.x_min': ") and "(got 'left')" in problems[0]
    )
    assert problems[1].startswith(f"{path}:8:3: 'scan.priority': ") and "(got -1)" in problems[1]


def test_without_a_file_the_message_has_no_location():
    with pytest.raises(ValidationError) as caught:
        TaskStatus.model_validate({"scan": 1, "analyzer": "A", "state": "dreaming"})
    problems = describe_validation_error(caught.value, TaskStatus)
    assert len(problems) == 1 and problems[0].startswith("'state': ")
    assert "dreaming" in problems[0] and "pydantic" not in problems[0]


def test_yaml_errors_read_the_same_with_and_without_a_file():
    with pytest.raises(yaml.YAMLError) as caught:
        yaml.safe_load("a: 1\nb: [2\n")
    assert describe_yaml_error(caught.value, source="g.yaml").startswith(
        "g.yaml:3:1: malformed YAML: "
    )
    assert describe_yaml_error(caught.value).startswith("line 3, column 1: malformed YAML: ")

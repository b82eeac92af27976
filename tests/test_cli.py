"""What the ``scan-analysis`` command prints when a value or a setting is wrong.

The command line names options (``--scan``, ``--data-root``) and the
environment variable; Python names keywords (``data_root=``). Both come from
one error: the command line words it for itself.
"""

from __future__ import annotations

import subprocess

import pytest

from scan_analysis.data.scan_paths import ScanPaths, resolve_config_dir
from scan_analysis.data.scan_tag import ScanTag
from scan_analysis.errors import DataRootError

DAY = ["--experiment", "Undulator", "--date", "2026-05-08"]


def run_cli(console_script, env, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(console_script), *args], capture_output=True, text=True, env=env, timeout=300
    )


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            ["run", *DAY, "--scan", "foo", "--group", "demo"],
            "scan-analysis run: error: argument --scan: cannot read 'foo' as a scan number: "
            "write it as 42 or Scan042 (see 'scan-analysis run --help')",
        ),
        (
            ["run", "--experiment", "Undulator", "--date", "2026-13-08", "--scan", "2",
             "--group", "demo"],
            "scan-analysis run: error: argument --date: cannot read '2026-13-08' as a date: "
            "write it as YYYY-MM-DD, for example 2026-05-08 (see 'scan-analysis run --help')",
        ),
        (
            ["watch", *DAY, "--group", "demo", "--start-scan", "0"],
            "scan-analysis watch: error: argument --start-scan: scan numbers start at 1, got 0 "
            "(see 'scan-analysis watch --help')",
        ),
    ],
)  # fmt: skip
def test_a_bad_value_is_one_line_naming_the_option(console_script, subprocess_env, args, expected):
    result = run_cli(console_script, subprocess_env, *args)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [expected]
    assert "pydantic" not in result.stderr and "validation error" not in result.stderr


def test_no_data_root_names_the_option_and_the_environment_variable(console_script, subprocess_env):
    result = run_cli(console_script, subprocess_env, "run", *DAY, "--scan", "2", "--group", "demo")
    assert result.returncode == 1
    (line,) = result.stderr.splitlines()
    assert line.startswith("error: no data root is set (looked at --data-root, ")
    assert line.endswith(
        "pass --data-root DIR, set the environment variable SCAN_ANALYSIS_DATA_ROOT, or set "
        "[Paths] GEECS_DATA_LOCAL_BASE_PATH in ~/.config/geecs_python_api/config.ini"
    )
    assert "data_root=" not in line


def test_a_missing_folder_given_on_the_command_line_is_named_by_its_option(
    tmp_path, console_script, subprocess_env
):
    missing = tmp_path / "nowhere"
    result = run_cli(
        console_script, subprocess_env, "run", *DAY, "--scan", "2", "--group", "demo",
        "--data-root", str(missing),
    )  # fmt: skip
    assert result.returncode == 1
    assert (
        f"error: data root {missing} (from --data-root) does not exist: pass --data-root DIR"
        in (result.stderr)
    )
    result = run_cli(
        console_script, subprocess_env, "configs", "check", "--config-dir", str(missing)
    )
    assert (
        f"error: config folder {missing} (from --config-dir) does not exist: pass --config-dir"
        in (result.stderr)
    )


def test_python_names_the_keyword(tmp_path):
    tag = ScanTag.from_date("2026-05-08", number=2, experiment="Undulator")
    with pytest.raises(DataRootError) as caught:
        ScanPaths(tag)
    message = str(caught.value)
    assert message.startswith("no data root is set (looked at the data_root argument, ")
    assert "pass data_root=..., set the environment variable SCAN_ANALYSIS_DATA_ROOT" in message
    assert "--data-root" not in message
    with pytest.raises(DataRootError) as caught:
        resolve_config_dir(tmp_path / "nowhere")
    assert str(caught.value).startswith(
        f"config folder {tmp_path / 'nowhere'} (from the config_dir argument) does not exist: "
        "pass config_dir=..., set the environment variable SCAN_ANALYSIS_CONFIG_DIR"
    )


def every_help() -> dict[str, str]:
    """``scan-analysis [COMMAND [ACTION]] --help`` text of every command, by command."""
    import argparse

    from scan_analysis.cli import build_parser

    helps = {}

    def collect(parser: argparse.ArgumentParser, name: str) -> None:
        helps[name] = parser.format_help()
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for sub_name, sub_parser in action.choices.items():
                    collect(sub_parser, f"{name} {sub_name}".strip())

    collect(build_parser(), "")
    return helps


def help_examples(text: str) -> list[str]:
    """The example commands of a help text, continuation lines joined, comments dropped."""
    lines, examples = text.splitlines(), []
    for index, line in enumerate(lines):
        if not line.strip().startswith("scan-analysis "):
            continue
        command = line
        while command.rstrip().endswith("\\") and index + 1 < len(lines):
            index += 1
            command = command.rstrip()[:-1].rstrip() + " " + lines[index].strip()
        for end in ("  #", " > ", " | "):  # a comment, a shell redirection
            command = command.split(end)[0]
        examples.append(command.strip())
    return examples


def test_every_help_text_is_plain_words_and_its_examples_run_as_printed():
    helps = every_help()
    assert {"run", "watch", "demo", "configs check", "elog export", "reprocess"} <= set(helps)
    examples = [example for text in helps.values() for example in help_examples(text)]
    assert len(examples) > 15
    parser = __import__("scan_analysis.cli", fromlist=["build_parser"]).build_parser()
    for name, text in helps.items():
        assert "``" not in text, f"'scan-analysis {name} --help' shows reST markup:\n{text}"
        assert "(default: resolved)" not in text, f"'{name} --help' says 'resolved':\n{text}"
    for example in examples:
        # a line continuation lost in the help's source runs two lines into one
        assert "   " not in example, f"an example runs two lines together: {example!r}"
        parser.parse_args(example.split()[1:])  # exits (a failure here) on a wrong option

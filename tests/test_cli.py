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

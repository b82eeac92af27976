"""``scan-analysis run`` on a demo day, run as the real console script."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from scan_analysis.data.demo import DemoDay, build_demo_day
from scan_analysis.data.sfile import read_sfile

REPO_CONFIGS = Path(__file__).parents[2] / "scan_analysis_configs"
DAY = ["--experiment", "Undulator", "--date", "2026-05-08"]


@pytest.fixture(scope="module")
def run_day(tmp_path_factory) -> DemoDay:
    """A full-size demo day these tests analyse (each test uses its own scan or analyzer)."""
    return build_demo_day(tmp_path_factory.mktemp("run_day"))


def run_cli(console_script, env, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(console_script), *args], capture_output=True, text=True, env=env, timeout=300
    )


def printed_paths(stdout: str) -> list[Path]:
    return [Path(line.strip()) for line in stdout.splitlines() if line.startswith("    /")]


def test_help_explains_run_with_an_example(console_script, subprocess_env):
    result = run_cli(console_script, subprocess_env, "run", "--help")
    assert result.returncode == 0
    assert "scan-analysis run --experiment Undulator --date 2026-05-08 --scan 2 --group demo" in (
        result.stdout
    )


def test_demo_group_analyses_the_jet_scan(run_day, console_script, subprocess_env):
    result = run_cli(
        console_script,
        subprocess_env,
        "run",
        *DAY,
        "--scan",
        "2",
        "--group",
        "demo",
        "--data-root",
        str(run_day.data_root),
        "--executor",
        "serial",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert out.startswith("Undulator 2026-05-08 Scan002: 3 analyzer(s) from")
    # priority order (UC_TopView 10, UC_Spectrometer 20), each with its outcome
    assert out.index("- UC_TopView (priority 10)") < out.index("- UC_Spectrometer (priority 20)")
    assert "UC_TopView: done in" in out and "UC_Spectrometer: done in" in out
    assert "1 unreadable, 3 without files" in out  # the corrupt PNG and the missing shots
    files = printed_paths(out)
    scan_analysis_dir = run_day.day_dir / "analysis" / "Scan002"
    assert {path.parent.name for path in files} >= {"UC_TopView", "UC_Spectrometer"}
    assert all(path.is_file() and scan_analysis_dir in path.parents for path in files)
    assert "finished Undulator 2026-05-08 Scan002: 3 done, 0 no data, 0 failed" in out
    sfile = read_sfile(run_day.day_dir / "analysis" / "s2.txt")
    assert sfile["UC_TopView_x_CoM"].notna().sum() == 95


def test_single_analyzer_without_data_is_no_data_not_failure(
    run_day, console_script, subprocess_env
):
    result = run_cli(
        console_script,
        subprocess_env,
        "run",
        *DAY,
        "--scan",
        "Scan006",
        "--analyzer",
        "UC_TopView",
        "--data-root",
        str(run_day.data_root),
        "--executor",
        "serial",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "UC_TopView: no data in" in result.stdout
    assert "0 done, 1 no data, 0 failed" in result.stdout
    # issue 15 item 17: why there is no data is said once, not in the log and again on stdout
    said = "no UC_TopView data in Undulator 2026-05-08 Scan006"
    assert (result.stdout + result.stderr).count(said) == 1


def test_a_failing_analyzer_fails_the_command_but_not_the_others(
    run_day, tmp_path, console_script, subprocess_env
):
    configs = tmp_path / "configs"
    (configs / "analyzers").mkdir(parents=True)
    (configs / "groups").mkdir()
    shutil.copy(REPO_CONFIGS / "analyzers/Undulator/UC_Spectrometer.yaml", configs / "analyzers")
    (configs / "analyzers" / "OffSensor.yaml").write_text(
        "name: OffSensor\n"
        "image: {roi: {x_min: 5000, x_max: 6000}}\n"
        "scan: {device: UC_TopView, priority: 1}\n"
    )
    (configs / "groups" / "mixed.yaml").write_text(
        "name: mixed\nanalyzers: [UC_Spectrometer, OffSensor]\n"
    )
    env = {**subprocess_env, "SCAN_ANALYSIS_DATA_ROOT": str(run_day.data_root)}
    result = run_cli(
        console_script,
        env,
        "run",
        *DAY,
        "--scan",
        "1",
        "--group",
        "mixed",
        "--config-dir",
        str(configs),
        "--executor",
        "threads",
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "OffSensor: failed in" in result.stdout
    assert "UC_Spectrometer: done in" in result.stdout
    assert "1 done, 0 no data, 1 failed" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--scan", "9", "--group", "demo"], "no scan folder"),
        (["--scan", "2", "--group", "dmeo"], "no group 'dmeo'"),
        (["--scan", "2", "--analyzer", "UC_TopVeiw"], "did you mean 'UC_TopView'?"),
    ],
)
def test_bad_scan_group_or_analyzer_stops_before_any_analysis(
    run_day, console_script, subprocess_env, args, message
):
    before = sorted((run_day.day_dir / "analysis").rglob("*"))
    result = run_cli(
        console_script, subprocess_env, "run", *DAY, *args, "--data-root", str(run_day.data_root)
    )
    assert result.returncode == 1
    assert result.stderr.startswith("error: ") and message in result.stderr
    assert sorted((run_day.day_dir / "analysis").rglob("*")) == before


def test_unknown_scan_lists_the_scans_of_the_day(run_day, console_script, subprocess_env):
    result = run_cli(
        console_script,
        subprocess_env,
        "run",
        *DAY,
        "--scan",
        "9",
        "--analyzer",
        "UC_TopView",
        "--data-root",
        str(run_day.data_root),
    )
    assert "the day has scans 1, 2, 3, 4, 5, 6" in result.stderr


def test_group_and_analyzer_are_exclusive(console_script, subprocess_env):
    result = run_cli(
        console_script, subprocess_env, "run", *DAY, "--scan", "2", "--group", "demo",
        "--analyzer", "UC_TopView",
    )  # fmt: skip
    assert result.returncode == 2
    assert "not allowed with argument" in result.stderr


def test_a_partial_scan_is_refused_unless_allowed(fresh_demo_day, console_script, subprocess_env):
    from partial_scans import cut_sfile_after_bin

    cut_sfile_after_bin(fresh_demo_day.day_dir, 2, 2)  # 2 of the ini's 5 bins
    sfile = fresh_demo_day.day_dir / "analysis" / "s2.txt"
    before = sfile.read_bytes()
    common = [*DAY, "--scan", "2", "--analyzer", "UC_TopView"]
    common += ["--data-root", str(fresh_demo_day.data_root), "--executor", "serial"]
    refused = run_cli(console_script, subprocess_env, "run", *common)
    assert refused.returncode == 2
    assert "partial: 2 of 5 bins" in refused.stderr and "--allow-partial" in refused.stderr
    assert sfile.read_bytes() == before  # nothing analysed, nothing written
    allowed = run_cli(console_script, subprocess_env, "run", *common, "--allow-partial")
    assert allowed.returncode == 0, allowed.stdout + allowed.stderr
    assert "UC_TopView: done" in allowed.stdout and "partial: 2 of 5 bins" in allowed.stdout


def test_a_read_only_analysis_folder_is_said_once_before_any_analysis(
    fresh_demo_day, console_script, subprocess_env
):
    """Issue 15 item 14: which folder, that it is read-only, what to do; no traceback."""
    analysis = fresh_demo_day.day_dir / "analysis"
    sfile_bytes = (analysis / "s2.txt").read_bytes()
    analysis.chmod(0o555)
    try:
        result = run_cli(
            console_script, subprocess_env, "run", *DAY, "--scan", "2", "--group", "demo",
            "--data-root", str(fresh_demo_day.data_root), "--executor", "serial",
        )  # fmt: skip
    finally:
        analysis.chmod(0o755)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"error: the analysis folder {analysis} is read-only, so the figures and s-file columns "
        "of Undulator 2026-05-08 Scan002 cannot be written there; nothing was analysed or "
        f"changed. Make it writable (chmod u+w {analysis}, or ask the account that owns it), or "
        "analyse a copy of the day under a data root you can write to"
    ]
    assert result.stdout == ""
    assert (analysis / "s2.txt").read_bytes() == sfile_bytes
    assert not (analysis / "Scan002").exists()


def test_run_reports_every_bad_class_path_as_configs_check_does(
    tmp_path, run_day, console_script, subprocess_env
):
    """Issue 15 item 16: both bad class paths, the same lines in ``run`` and ``configs check``."""
    configs = tmp_path / "configs"
    shutil.copytree(REPO_CONFIGS, configs)
    for name, good, bad in (
        ("UC_TopView", "beam_analyzer.BeamAnalyzer", "beam_analyzer.BeamAnalyzr"),
        ("UC_Spectrometer", "line_analyzer.LineAnalyzer", "line_analyzer.LineAnalyser"),
    ):
        path = configs / "analyzers" / "Undulator" / f"{name}.yaml"
        path.write_text(path.read_text().replace(good, bad))
    check = run_cli(console_script, subprocess_env, "configs", "check", str(configs))
    run = run_cli(
        console_script, subprocess_env, "run", *DAY, "--scan", "2", "--group", "demo",
        "--data-root", str(run_day.data_root), "--config-dir", str(configs),
    )  # fmt: skip
    assert check.returncode == 1 and run.returncode == 1
    assert check.stdout.splitlines()[0] == f"2 problem(s) in {configs}:"
    assert run.stderr.splitlines()[0] == "error: group demo cannot run: 2 problem(s):"
    checked = sorted(check.stdout.splitlines()[1:])
    assert sorted(run.stderr.splitlines()[1:]) == checked
    assert checked[1] == (
        f"  - {configs}/analyzers/Undulator/UC_TopView.yaml: module "
        "'scan_analysis.image.beam_analyzer' has no class 'BeamAnalyzr' "
        "(did you mean 'BeamAnalyzer'?)"
    )
    assert "LineAnalyser" in checked[0]
    assert run.stdout == ""  # nothing ran


def test_restore_scalars_puts_the_derived_columns_back_into_a_regenerated_sfile(
    fresh_demo_day, console_script, subprocess_env
):
    """The CLI twin of run_analysis(tag, restore_scalars=True): nothing analysed, columns back."""
    day = fresh_demo_day
    sfile = day.day_dir / "analysis" / "s1.txt"
    as_the_daq_wrote_it = sfile.read_text()
    where = [*DAY, "--scan", "1", "--group", "demo", "--data-root", str(day.data_root)]
    analysed = run_cli(console_script, subprocess_env, "run", *where, "--executor", "serial")
    assert analysed.returncode == 0, analysed.stdout + analysed.stderr
    with_derived = read_sfile(sfile)
    daq_columns = as_the_daq_wrote_it.splitlines()[0].split("\t")
    derived = [c for c in with_derived.columns if c not in daq_columns]
    assert any(c.startswith("UC_TopView_") for c in derived)
    assert any(c.startswith("UC_Spectrometer_") for c in derived)
    figures = sorted(printed_paths(analysed.stdout))

    sfile.write_text(as_the_daq_wrote_it)  # the DAQ writes the s-file again
    restored = run_cli(console_script, subprocess_env, "run", *where, "--restore-scalars")
    assert restored.returncode == 0, restored.stdout + restored.stderr
    out = restored.stdout
    assert out.count("; restored ") == 3 and "3 done, 0 no data, 0 failed" in out  # per analyzer
    assert "UC_TopView: done in" in out and "scalars.csv" in out
    assert sorted(printed_paths(restored.stdout)) == figures  # the last run's figures, listed
    back = read_sfile(sfile)
    pd.testing.assert_frame_equal(back[derived], with_derived[derived])  # values exactly
    # the DAQ's columns keep their bytes, cell by cell
    daq_rows = [line.split("\t") for line in as_the_daq_wrote_it.splitlines()]
    rows = [line.split("\t") for line in sfile.read_text().splitlines()]
    assert rows[0][: len(daq_columns)] == daq_columns
    assert [row[: len(daq_columns)] for row in rows] == daq_rows


def test_restore_scalars_is_explained_in_the_help(console_script, subprocess_env):
    result = run_cli(console_script, subprocess_env, "run", "--help")
    assert result.returncode == 0
    help_text = " ".join(result.stdout.split())
    assert "--restore-scalars do not analyse" in help_text
    assert "the DAQ wrote the s-file again" in help_text

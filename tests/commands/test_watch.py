import subprocess

from scan_analysis.data.demo import build_demo_day


def test_watch_runs_the_day_and_exits_when_idle(tmp_path, console_script, subprocess_env):
    day = build_demo_day(tmp_path / "data", image_shape=(48, 48), n_bins=2, shots_per_bin=2)
    result = subprocess.run(
        [
            str(console_script),
            "watch",
            "--experiment",
            "Undulator",
            "--date",
            "2026-05-08",
            "--group",
            "demo",
            "--data-root",
            str(day.data_root),
            "--exit-when-idle",
            "0.5",
            "--executor",
            "serial",
            "--rerun-failed",
        ],
        capture_output=True,
        text=True,
        env=subprocess_env,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "requeued 0 failed task(s)" in result.stdout
    assert "day totals: done 12, no_data 6" in result.stdout
    assert "e-log:" in result.stdout and (day.day_dir / "analysis" / "elog").is_dir()


def test_watch_help_has_an_example(console_script, subprocess_env):
    result = subprocess.run(
        [str(console_script), "watch", "--help"], capture_output=True, text=True, env=subprocess_env
    )
    assert result.returncode == 0 and "scan-analysis watch --experiment Undulator" in result.stdout

import subprocess


def test_demo_data_command_builds_the_day(tmp_path, console_script, subprocess_env):
    result = subprocess.run(
        [
            str(console_script),
            "demo-data",
            "--root",
            str(tmp_path),
            "--bins",
            "3",
            "--shots-per-bin",
            "2",
        ],
        capture_output=True,
        text=True,
        env=subprocess_env,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    day = tmp_path / "Undulator" / "Y2026" / "05-May" / "26_0508"
    assert str(day) in result.stdout
    assert "Scan002  jet_scan" in result.stdout
    assert (day / "analysis" / "s2.txt").is_file()


def test_help_has_an_example(console_script, subprocess_env):
    result = subprocess.run(
        [str(console_script), "demo-data", "--help"],
        capture_output=True,
        text=True,
        env=subprocess_env,
    )
    assert result.returncode == 0 and "scan-analysis demo-data --root" in result.stdout


def test_rejects_a_size_below_one_naming_the_option(tmp_path, console_script, subprocess_env):
    result = subprocess.run(
        [str(console_script), "demo-data", "--root", str(tmp_path), "--bins", "0"],
        capture_output=True,
        text=True,
        env=subprocess_env,
    )
    assert result.returncode == 2 and "--bins" in result.stderr
    assert not (tmp_path / "Undulator").exists()

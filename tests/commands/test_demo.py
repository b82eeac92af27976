import subprocess
from pathlib import Path


def test_demo_builds_the_day_and_runs_the_main_job(tmp_path, console_script, subprocess_env):
    result = subprocess.run(
        [str(console_script), "demo", "--root", str(tmp_path / "demo"), "--no-serve"],
        capture_output=True,
        text=True,
        env=subprocess_env,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    out = result.stdout
    assert "demo day built" in out and "12 done, 6 no data, 0 failed" in out
    page = next(
        line.split(": ", 1)[1] for line in out.splitlines() if line.startswith("e-log page: ")
    )
    text = Path(page).read_text()
    assert "Scan 002" in text and "data:image/png;base64," in text

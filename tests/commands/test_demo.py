import subprocess
from pathlib import Path

import pandas as pd
import pytest

from scan_analysis.data.demo import DEMO_MARKER, build_demo_day
from scan_analysis.data.sfile import merge_columns, read_sfile
from scan_analysis.elog import standalone_page


def run_demo(console_script, env, root: Path, *options: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(console_script), "demo", "--root", str(root), "--no-serve", *options],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )


def test_demo_rebuilds_its_own_folder_and_runs_the_main_job(
    tmp_path, console_script, subprocess_env
):
    root = tmp_path / "demo"
    earlier = build_demo_day(root, image_shape=(32, 32), n_bins=2, shots_per_bin=2)
    leftover = earlier.day_dir / "analysis" / "leftover_from_an_earlier_run.txt"
    leftover.write_text("stale")
    result = run_demo(console_script, subprocess_env, root)
    assert result.returncode == 0, result.stderr[-3000:]
    out = result.stdout
    assert "demo day built" in out and "12 done, 6 no data, 0 failed" in out
    # issue 15 item 18: what was reset is said
    assert f"rebuilding the demo folder {root} from scratch: the earlier scans, s-files, " in out
    assert "18 task(s) run now; day totals: 12 done, 6 no data, 0 failed" in out
    assert not leftover.exists() and (root / DEMO_MARKER).is_file()
    page = next(
        line.split(": ", 1)[1] for line in out.splitlines() if line.startswith("e-log page: ")
    )
    text = standalone_page(page)  # the page links its figures; the export embeds them
    assert "Scan 002" in text and "data:image/png;base64," in text
    # without a terminal, the progress of the analysis goes to the log
    assert "progress: 6 scans · 18/18 tasks finished (12 done, 6 no data, 0 failed)" in (
        result.stderr
    )


def test_keep_keeps_the_scans_s_files_and_derived_columns(tmp_path, console_script, subprocess_env):
    """Issue 15 item 18: --keep rewrites nothing; the report says what was kept and what ran."""
    root = tmp_path / "demo"
    earlier = build_demo_day(root, image_shape=(32, 32), n_bins=2, shots_per_bin=2)
    sfile = earlier.day_dir / "analysis" / "s2.txt"
    merge_columns(sfile, pd.DataFrame({"Shotnumber": [1], "Earlier_result": [4.5]}))
    raw_file = next((earlier.day_dir / "scans" / "Scan002" / "UC_TopView").iterdir())
    raw_bytes = raw_file.read_bytes()
    result = run_demo(console_script, subprocess_env, root, "--keep")
    assert result.returncode == 0, result.stderr[-3000:]
    out = result.stdout
    assert f"kept the demo day built earlier: {earlier.day_dir} (scans 1, 2, 3, 4, 5, 6)" in out
    assert "demo day built in" not in out and "rebuilding" not in out
    assert raw_file.read_bytes() == raw_bytes  # the small scans were not regenerated
    assert read_sfile(sfile).loc[0, "Earlier_result"] == 4.5
    assert "18 task(s) run now; day totals: 12 done, 6 no data, 0 failed" in out


@pytest.mark.parametrize("options", [[], ["--keep"]])
def test_demo_refuses_a_folder_it_did_not_make(tmp_path, console_script, subprocess_env, options):
    root = tmp_path / "my_data"
    (root / "Undulator").mkdir(parents=True)
    notes = root / "notes.txt"
    notes.write_text("beam time notes")
    result = run_demo(console_script, subprocess_env, root, *options)
    assert result.returncode == 1
    message = result.stderr
    assert f"--root {root} already exists and is not a demo folder" in message
    assert DEMO_MARKER in message and "Pass a new or empty folder as --root" in message
    assert notes.read_text() == "beam time notes"
    assert sorted(path.name for path in root.rglob("*")) == ["Undulator", "notes.txt"]
    assert "Traceback" not in message

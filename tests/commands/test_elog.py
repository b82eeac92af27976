"""``scan-analysis elog export``: the day's e-log as one self-contained file."""

import re
import subprocess

import numpy as np
from PIL import Image

from scan_analysis.data.scan_paths import day_dir_for
from scan_analysis.elog import ElogEntry, LocalElog


def export(console_script, env, *options, cwd=None):
    return subprocess.run(
        [str(console_script), "elog", "export", "--experiment", "Undulator", *options],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        cwd=cwd,
    )


def write_day_elog(data_root) -> LocalElog:
    """An e-log of two scans on 2026-05-08, each with one figure."""
    day_dir = day_dir_for(data_root, "Undulator", "2026-05-08")
    figure = day_dir / "analysis" / "Scan001" / "cam" / "average.png"
    figure.parent.mkdir(parents=True)
    Image.fromarray(np.full((8, 8), 7, dtype=np.uint8)).save(figure)
    elog = LocalElog(day_dir / "analysis" / "elog", experiment="Undulator", date="2026-05-08")
    for scan in (1, 2):
        entry = ElogEntry("Undulator", "2026-05-08", scan, description=f"scan number {scan}")
        entry.add_outcome("cam", "done", display_files=[str(figure)], slot=0)
        elog.write_entry(entry)
    return elog


def test_export_writes_one_file_with_every_figure_embedded(
    tmp_path, console_script, subprocess_env
):
    elog = write_day_elog(tmp_path / "data")
    output = tmp_path / "out" / "day.html"
    result = export(
        console_script,
        subprocess_env,
        *("--date", "2026-05-08", "--data-root", str(tmp_path / "data"), "--output", str(output)),
    )
    assert result.returncode == 0, result.stderr
    assert str(output) in result.stdout
    text = output.read_text()
    assert re.findall(r'<section id="scan(\d+)">', text) == ["2", "1"]
    assert text.count('src="data:image/png;base64,') == 2 and "<script" not in text
    assert elog.page.read_text().count("<script src=") == 2  # the day's own page is untouched


def test_export_of_a_day_without_an_elog_says_what_to_check(
    tmp_path, console_script, subprocess_env
):
    (tmp_path / "data").mkdir()
    result = export(
        console_script,
        subprocess_env,
        *("--date", "2026-05-09", "--data-root", str(tmp_path / "data"), "--output", "x.html"),
    )
    assert result.returncode == 1
    assert "no e-log for Undulator 2026-05-09" in result.stderr
    assert "check --experiment, --date and --data-root" in result.stderr
    assert "Traceback" not in result.stderr


def test_export_without_output_says_the_full_path_of_the_file_it_wrote(
    tmp_path, console_script, subprocess_env
):
    write_day_elog(tmp_path / "data")
    here = tmp_path / "here"
    here.mkdir()
    result = export(
        console_script,
        subprocess_env,
        *("--date", "2026-05-08", "--data-root", str(tmp_path / "data")),
        cwd=here,
    )
    assert result.returncode == 0, result.stderr
    written = here / "Undulator_2026-05-08.html"
    assert written.is_file()
    assert f"written to {written} (" in result.stdout  # where to find it, from any folder

"""LocalElog: one self-contained page per day, entries replaced not duplicated, safe updates."""

import base64
import json
import re
import subprocess
import sys
import textwrap

import numpy as np
from PIL import Image

from scan_analysis.data.scan_info import ScanInfo
from scan_analysis.elog import ElogEntry, LocalElog

INI = textwrap.dedent(
    """\
    [Scan Info]
    Scan No = "12"
    ScanStartInfo = "jet scan <after> realignment & cleaning"
    Scan Parameter = "U_ESP_JetXYZ:Position.Axis 1"
    Start = "4.0"
    End = "6.0"
    Step size = "0.5"
    Shots per step = "10"
    ScanEndInfo = "stopped by operator"
    """
)


def make_png(path, value):
    Image.fromarray(np.full((8, 8), value, dtype=np.uint8)).save(path)
    return path


def entry_with_figures(tmp_path, scan=12, description_suffix=""):
    ini = tmp_path / f"ScanInfoScan{scan:03d}.ini"
    ini.write_text(INI.replace("realignment", "realignment" + description_suffix))
    entry = ElogEntry.from_scan(
        experiment="Undulator", date="2026-05-08", scan=scan, info=ScanInfo.from_file(ini)
    )
    figures = {name: make_png(tmp_path / f"{name}.png", v) for v, name in enumerate("ABCE")}
    entry.add_outcome(
        "TopView",
        "done",
        display_files=[figures["A"], figures["E"]],
        slot=3,
        scalars={"centroid_x": 1.25, "fwhm": 3.5},
    )
    entry.add_outcome("Spectrometer", "done", display_files=[figures["B"]], slot=0)
    entry.add_outcome("Charge", "done", display_files=[figures["C"]], slot=None)
    entry.add_outcome("Profile", "no_data", message="no Profile folder")
    return entry, figures


def sections(page_text):
    return re.findall(r'<section id="scan(\d+)">', page_text)


def test_page_shows_the_ini_facts_grid_scalars_and_outcomes(tmp_path):
    entry, figures = entry_with_figures(tmp_path)
    elog = LocalElog(tmp_path / "elog", experiment="Undulator", date="2026-05-08")
    page = elog.write_entry(entry)
    text = page.read_text()
    assert page.name == "Undulator_2026-05-08.html"
    assert "jet scan &lt;after&gt; realignment &amp; cleaning" in text  # escaped
    assert "U_ESP_JetXYZ:Position.Axis 1 from 4 to 6 in steps of 0.5" in text
    assert "10 shots per step" in text and "stopped by operator" in text
    assert "centroid_x" in text and "1.25" in text
    assert "no Profile folder" in text

    grid = text.split('<div class="grid">', 1)[1].split('<div class="more">', 1)[0]
    cells = re.findall(r'<img alt="([^"]+)"|<div class="empty">', grid)
    assert [c or "empty" for c in cells] == [
        "Spectrometer: B.png",
        "empty",
        "empty",
        "TopView: A.png",
    ]
    after = text.split('<div class="more">', 1)[1]
    assert after.index("TopView: E.png") >= 0 and "Charge: C.png" in after


def test_page_is_self_contained(tmp_path):
    entry, figures = entry_with_figures(tmp_path)
    page = LocalElog(tmp_path / "elog", experiment="Undulator", date="2026-05-08").write_entry(
        entry
    )
    text = page.read_text()
    for path in figures.values():
        path.unlink()  # the page must not depend on the analysis folder any more
    sources = re.findall(r'src="([^"]+)"', text)
    assert len(sources) == len(figures) and all(
        s.startswith("data:image/png;base64,") for s in sources
    )
    decoded = base64.b64decode(sources[0].split(",", 1)[1])
    assert decoded.startswith(b"\x89PNG")
    assert "<style>" in text and "http" not in text.split("<body>", 1)[1]


def test_rewriting_a_scan_replaces_its_entry(tmp_path):
    elog = LocalElog(tmp_path / "elog", experiment="Undulator", date="2026-05-08")
    first, _ = entry_with_figures(tmp_path, scan=12)
    elog.write_entry(first)
    elog.write_entry(entry_with_figures(tmp_path, scan=13)[0])
    rerun, _ = entry_with_figures(tmp_path, scan=12, description_suffix=" (rerun)")
    text = elog.write_entry(rerun).read_text()
    assert sorted(sections(text)) == ["12", "13"]
    assert "(rerun)" in text
    assert set(json.loads(elog.store.read_text())) == {"12", "13"}


def test_a_damaged_store_is_reported_and_the_page_rebuilt(tmp_path, caplog):
    elog = LocalElog(tmp_path / "elog", experiment="Undulator", date="2026-05-08")
    elog.folder.mkdir(parents=True)
    elog.store.write_text("{not json")
    entry, _ = entry_with_figures(tmp_path)
    text = elog.write_entry(entry).read_text()
    assert sections(text) == ["12"]
    assert str(elog.store) in caplog.text


WRITER = textwrap.dedent(
    """\
    import sys
    from scan_analysis.elog import ElogEntry, LocalElog
    folder, first, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    elog = LocalElog(folder, experiment="Undulator", date="2026-05-08")
    print("ready", flush=True)
    sys.stdin.readline()
    for scan in range(first, first + count):
        elog.write_entry(ElogEntry(experiment="Undulator", date="2026-05-08", scan=scan,
                                   description=f"scan {scan}"))
    """
)


def test_several_processes_updating_the_page_lose_no_entry(tmp_path, subprocess_env):
    script = tmp_path / "writer.py"
    script.write_text(WRITER)
    folder = tmp_path / "elog"
    writers = [
        subprocess.Popen(
            [sys.executable, str(script), str(folder), str(1 + 10 * i), "10"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=subprocess_env,
        )
        for i in range(3)
    ]
    for writer in writers:
        assert writer.stdout.readline().strip() == "ready"
    for writer in writers:
        writer.stdin.write("go\n")
        writer.stdin.flush()
    for writer in writers:
        writer.communicate(timeout=120)
        assert writer.returncode == 0
    page = LocalElog(folder, experiment="Undulator", date="2026-05-08").page
    assert sorted(map(int, sections(page.read_text()))) == list(range(1, 31))
    assert not list(folder.glob(".*.tmp")) and not list(folder.glob("*.lock"))


SATURATED = (
    "18 of 20 shots analysed, saturated pixels in 3 of 18 shots (JetX = 5.5; up to 30 per shot)"
)


def test_a_scan_with_saturated_shots_says_so_in_a_red_line_of_its_own(tmp_path):
    """Issue 19: the e-log entry says which analyzer saturated, how often and where."""
    entry, _ = entry_with_figures(tmp_path)
    entry.add_outcome("TopView", "done", message=SATURATED, slot=3)
    elog = LocalElog(tmp_path / "elog", experiment="Undulator", date="2026-05-08")
    text = elog.write_entry(entry).read_text()
    (line,) = re.findall(r'<p class="saturated">(.*?)</p>', text)
    assert line == (
        "&#9888; TopView: saturated pixels in 3 of 18 shots (JetX = 5.5; up to 30 per shot): "
        "peaks, sizes and charges of those shots are unreliable"
    )
    stored = json.loads(elog.store.read_text())["12"]
    assert stored["saturation"] == {"TopView": SATURATED.split(", ", 1)[1]}
    del stored["saturation"]  # a store written before issue 19 still loads
    assert ElogEntry.from_dict(stored).saturation == {}
    entry.add_outcome("TopView", "done", message="20 of 20 shots analysed")  # a clean re-run
    assert 'class="saturated"' not in elog.write_entry(entry).read_text().split("<body>")[1]

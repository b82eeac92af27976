"""LocalElog: a day's page assembled from one fragment per scan, entries replaced not
duplicated, the cost of an entry independent of the day, safe updates, a self-contained export."""

import base64
import json
import re
import shutil
import subprocess
import sys
import textwrap
import urllib.parse

import numpy as np
import pytest
from file_access import FileAccess
from PIL import Image

from scan_analysis.data.scan_info import ScanInfo
from scan_analysis.elog import ElogEntry, LocalElog, standalone_page

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
    tmp_path.mkdir(parents=True, exist_ok=True)
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
        scalars={"x_CoM": 1.25, "fwhm": 3.5},
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
    text = standalone_page(page)
    assert page.name == "Undulator_2026-05-08.html"
    assert "jet scan &lt;after&gt; realignment &amp; cleaning" in text  # escaped
    assert "U_ESP_JetXYZ:Position.Axis 1 from 4 to 6 in steps of 0.5" in text
    assert "10 shots per step" in text and "stopped by operator" in text
    assert "x_CoM" in text and "1.25" in text
    assert "no Profile folder" in text

    grid = text.split('<div class="grid">', 1)[1].split('<div class="more">', 1)[0]
    cells = re.findall(r'<img alt="([^"]+)"|<div class="empty">', grid)
    # slot order, and the two empty slots closed rather than drawn as empty boxes
    assert [c or "empty" for c in cells] == ["Spectrometer: B.png", "TopView: A.png"]
    after = text.split('<div class="more">', 1)[1]
    assert after.index("TopView: E.png") >= 0 and "Charge: C.png" in after


def test_the_export_is_self_contained(tmp_path):
    entry, figures = entry_with_figures(tmp_path)
    elog = LocalElog(tmp_path / "elog", experiment="Undulator", date="2026-05-08")
    elog.write_entry(entry)
    exported = elog.export(tmp_path / "mail" / "day.html")
    text = exported.read_text()
    for path in figures.values():
        path.unlink()  # the export must not depend on the analysis folder any more
    sources = re.findall(r'src="([^"]+)"', text)
    assert len(sources) == len(figures) and all(
        s.startswith("data:image/png;base64,") for s in sources
    )
    decoded = base64.b64decode(sources[0].split(",", 1)[1])
    assert decoded.startswith(b"\x89PNG")
    assert "<style>" in text and "http" not in text.split("<body>", 1)[1]
    assert "<script" not in text


def test_the_page_links_figures_relative_to_itself_and_embeds_none(tmp_path):
    entry, figures = entry_with_figures(tmp_path)
    elog = LocalElog(tmp_path / "elog", experiment="Undulator", date="2026-05-08")
    page = elog.write_entry(entry)
    fragment = (elog.fragments / "Scan012.js").read_text()
    assert "data:image" not in fragment and "data:image" not in page.read_text()
    section = json.loads(fragment.split("scanLog(12, ", 1)[1].rsplit(");", 1)[0])
    sources = re.findall(r'src="([^"]+)"', section)
    assert len(sources) == len(figures)
    for source in sources:
        assert not source.startswith(("/", "file:"))
        assert (page.parent / urllib.parse.unquote(source)).resolve().is_file()
    assert '<script src="Undulator_2026-05-08/Scan012.js"></script>' in page.read_text()


def test_rewriting_a_scan_replaces_its_entry(tmp_path):
    elog = LocalElog(tmp_path / "elog", experiment="Undulator", date="2026-05-08")
    first, _ = entry_with_figures(tmp_path, scan=12)
    elog.write_entry(first)
    elog.write_entry(entry_with_figures(tmp_path, scan=13)[0])
    rerun, _ = entry_with_figures(tmp_path, scan=12, description_suffix=" (rerun)")
    text = standalone_page(elog.write_entry(rerun))
    assert sorted(sections(text)) == ["12", "13"]
    assert "(rerun)" in text
    assert sorted(p.name for p in elog.fragments.glob("*.json")) == ["Scan012.json", "Scan013.json"]
    assert elog.page.read_text().count("<script src=") == 2


def test_an_entry_reads_and_writes_only_its_own_scan_on_a_long_day(tmp_path):
    """The cost of an entry does not grow with the day: no other scan's entry or figure is read."""
    elog = LocalElog(tmp_path / "elog", experiment="Undulator", date="2026-05-08")
    for scan in range(1, 41):
        entry, _ = entry_with_figures(tmp_path / f"s{scan}", scan=scan)
        elog.write_entry(entry)
    page_before = elog.page.stat().st_mtime_ns
    others = {p: p.stat().st_mtime_ns for p in elog.fragments.iterdir() if "Scan012" not in p.name}

    update, _ = entry_with_figures(tmp_path / "s12", scan=12, description_suffix=" (rerun)")
    with FileAccess() as access:
        elog.write_entry(update)
    assert elog.page.stat().st_mtime_ns == page_before, "an update leaves the page alone"
    assert {p: p.stat().st_mtime_ns for p in others} == others
    assert not [p for p in access.opens if p.suffix == ".png"], "figures are linked, not read"
    touched = {p.name for p in access.opened_under(elog.fragments) if p != elog.fragments}
    assert all(name.startswith((".Scan012", "Scan012")) for name in touched), touched

    new, _ = entry_with_figures(tmp_path / "s41", scan=41)
    with FileAccess() as access:
        elog.write_entry(new)
    touched = {p.name for p in access.opened_under(elog.fragments) if p != elog.fragments}
    assert all(name.startswith((".Scan041", "Scan041")) for name in touched), touched
    assert elog.page.read_text().count("<script src=") == 41  # a new scan joins the page


def test_a_day_of_an_earlier_version_is_carried_over_at_the_first_new_entry(tmp_path):
    elog = LocalElog(tmp_path / "elog", experiment="Undulator", date="2026-05-08")
    elog.folder.mkdir(parents=True)
    old = {
        str(n): ElogEntry("Undulator", "2026-05-08", n, description=f"old {n}").to_dict()
        for n in (1, 2)
    }
    elog.legacy_store.write_text(json.dumps(old))
    elog.page.write_text("<html><body>the old self-contained page</body></html>")
    assert "old 2" in standalone_page(elog.page)  # readable before any new entry
    entry, _ = entry_with_figures(tmp_path, scan=3)
    text = standalone_page(elog.write_entry(entry))
    assert sorted(sections(text)) == ["1", "2", "3"] and "old 1" in text
    assert not elog.legacy_store.exists()
    assert elog.page.read_text().count("<script src=") == 3


def test_a_damaged_store_of_an_earlier_version_is_reported_and_the_page_rebuilt(tmp_path, caplog):
    elog = LocalElog(tmp_path / "elog", experiment="Undulator", date="2026-05-08")
    elog.folder.mkdir(parents=True)
    elog.legacy_store.write_text("{not json")
    entry, _ = entry_with_figures(tmp_path)
    text = standalone_page(elog.write_entry(entry))
    assert sections(text) == ["12"]
    assert str(elog.legacy_store) in caplog.text


def test_a_damaged_fragment_is_left_out_of_the_export_with_a_warning(tmp_path, caplog):
    elog = LocalElog(tmp_path / "elog", experiment="Undulator", date="2026-05-08")
    for scan in (1, 2):
        elog.write_entry(ElogEntry("Undulator", "2026-05-08", scan))
    (elog.fragments / "Scan001.json").write_text("{truncated")
    assert sections(standalone_page(elog.page)) == ["2"]
    assert "Scan001.json" in caplog.text


def test_the_export_can_keep_only_the_newest_scans(tmp_path):
    elog = LocalElog(tmp_path / "elog", experiment="Undulator", date="2026-05-08")
    for scan in range(1, 6):
        elog.write_entry(ElogEntry("Undulator", "2026-05-08", scan))
    text = standalone_page(elog.page, newest=2)
    assert sections(text) == ["5", "4"]
    assert "The 2 newest of 5 scans are shown" in text


def test_a_day_without_an_elog_is_a_clear_error(tmp_path):
    elog = LocalElog(tmp_path / "elog", experiment="Undulator", date="2026-05-08")
    with pytest.raises(FileNotFoundError, match="no e-log for Undulator 2026-05-08"):
        elog.standalone_html()


@pytest.mark.slow
def test_a_browser_shows_every_scan_with_its_figures_even_in_a_copy_of_the_day(
    tmp_path, browser_page
):
    day = tmp_path / "day"
    analysis = day / "analysis"
    elog = LocalElog(analysis / "elog", experiment="Undulator", date="2026-05-08")
    for scan in (1, 2, 3):
        entry, _ = entry_with_figures(analysis / f"Scan{scan:03d}", scan=scan)
        elog.write_entry(entry)
    copy = tmp_path / "copied" / "day"
    shutil.copytree(day, copy)
    shutil.rmtree(day)  # the copy must stand on its own
    browser_page.goto((copy / "analysis" / "elog" / elog.page.name).as_uri())
    browser_page.wait_for_function("document.querySelectorAll('section').length === 3")
    order = browser_page.eval_on_selector_all("section", "s => s.map(e => e.id)")
    assert order == ["scan3", "scan2", "scan1"]
    browser_page.wait_for_function(
        "[...document.images].length === 12 && [...document.images].every("
        "i => i.complete && i.naturalWidth === 8)"
    )


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
    assert sorted(map(int, sections(standalone_page(page)))) == list(range(1, 31))
    assert page.read_text().count("<script src=") == 30  # the page lists every scan
    assert not list(folder.rglob(".*.tmp")) and not list(folder.glob("*.lock"))


SATURATED = (
    "18 of 20 shots analysed, saturated pixels in 3 of 18 shots (JetX = 5.5; up to 30 per shot)"
)


def test_a_scan_with_saturated_shots_says_so_in_a_red_line_of_its_own(tmp_path):
    """Issue 19: the e-log entry says which analyzer saturated, how often and where."""
    entry, _ = entry_with_figures(tmp_path)
    entry.add_outcome("TopView", "done", message=SATURATED, slot=3)
    elog = LocalElog(tmp_path / "elog", experiment="Undulator", date="2026-05-08")
    text = standalone_page(elog.write_entry(entry))
    (line,) = re.findall(r'<p class="saturated">(.*?)</p>', text)
    assert line == (
        "&#9888; TopView: saturated pixels in 3 of 18 shots (JetX = 5.5; up to 30 per shot): "
        "peaks, sizes and charges of those shots are unreliable"
    )
    stored = json.loads((elog.fragments / "Scan012.json").read_text())
    assert stored["saturation"] == {"TopView": SATURATED.split(", ", 1)[1]}
    del stored["saturation"]  # a store written before issue 19 still loads
    assert ElogEntry.from_dict(stored).saturation == {}
    entry.add_outcome("TopView", "done", message="20 of 20 shots analysed")  # a clean re-run
    assert 'class="saturated"' not in standalone_page(elog.write_entry(entry)).split("<body>")[1]

"""ElogView: the day's e-log shown inline on request."""

import html
import re

from scan_analysis_widgets.elog_view import ElogView


def test_no_page_says_so_and_shows_nothing(tmp_path):
    view = ElogView()
    view.show_page(None)
    view.button.value = True
    assert "no e-log" in view.note.value and view.frame.value == ""


def test_the_page_is_read_only_when_shown_and_kept_in_its_own_frame(tmp_path):
    page = tmp_path / "Undulator_2026-05-08.html"
    page.write_text("<html><body><h1>Undulator scan log</h1><a href='x'>Scan 002</a></body></html>")
    view = ElogView()
    view.show_page(page)
    assert view.frame.value == "" and page.name in view.note.value
    view.button.value = True
    assert view.frame.value.startswith("<iframe") and "srcdoc=" in view.frame.value
    assert "&lt;h1&gt;Undulator scan log&lt;/h1&gt;" in view.frame.value  # escaped into srcdoc
    view.button.value = False
    assert view.frame.value == ""


def test_an_unreadable_page_gives_a_message_not_a_traceback(tmp_path):
    view = ElogView()
    view.show_page(tmp_path / "gone.html")
    view.button.value = True
    assert "cannot read" in view.frame.value and "gone.html" in view.frame.value


def test_a_days_elog_is_shown_self_contained_newest_scans_first(tmp_path):
    """Relative figure links would not resolve in an ``srcdoc`` frame: the figures are embedded."""
    import numpy as np
    from PIL import Image

    from scan_analysis.elog import ElogEntry, LocalElog

    figure = tmp_path / "analysis" / "Scan001" / "cam" / "average.png"
    figure.parent.mkdir(parents=True)
    Image.fromarray(np.full((8, 8), 7, dtype=np.uint8)).save(figure)
    elog = LocalElog(tmp_path / "analysis" / "elog", experiment="Undulator", date="2026-05-08")
    for scan in range(1, 5):
        entry = ElogEntry("Undulator", "2026-05-08", scan, description=f"scan number {scan}")
        entry.add_outcome("cam", "done", display_files=[str(figure)], slot=0)
        elog.write_entry(entry)
    view = ElogView(newest=3)
    view.show_page(elog.page)
    view.button.value = True
    shown = html.unescape(view.frame.value.split('srcdoc="', 1)[1].split('" style=', 1)[0])
    assert re.findall(r'<section id="scan(\d+)">', shown) == ["4", "3", "2"]
    assert shown.count('src="data:image/png;base64,') == 3 and "<script" not in shown
    assert "The 3 newest of 4 scans are shown" in shown

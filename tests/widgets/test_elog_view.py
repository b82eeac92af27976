"""ElogView: the day's e-log shown inline on request."""

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

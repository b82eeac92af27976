"""Links into the served apps: base URL resolution and the scan page of an e-log entry."""

from urllib.parse import parse_qs, urlsplit

from scan_analysis.app_links import APP_URL_ENV, app_page_url, resolve_app_url, scan_page_url


def test_the_argument_wins_over_the_environment(monkeypatch):
    monkeypatch.setenv(APP_URL_ENV, "http://from-env:8866/")
    assert resolve_app_url() == "http://from-env:8866"
    assert resolve_app_url("http://given:9000") == "http://given:9000"


def test_no_url_means_no_link(monkeypatch):
    monkeypatch.delenv(APP_URL_ENV, raising=False)
    assert resolve_app_url() is None
    monkeypatch.setenv(APP_URL_ENV, "  ")
    assert resolve_app_url() is None


def test_a_scan_page_is_the_scan_browser_with_the_scan_in_its_query():
    url = scan_page_url("http://cr:8866/", experiment="Undulator", date="2026-05-08", scan=12)
    parts = urlsplit(url)
    assert parts.path == "/voila/render/scan_browser.ipynb"
    assert parse_qs(parts.query) == {
        "experiment": ["Undulator"],
        "date": ["2026-05-08"],
        "scan": ["12"],
    }


def test_query_values_are_escaped_and_none_left_out():
    url = app_page_url("http://cr:8866", "control_room", experiment="HTU & co", group=None)
    assert url == "http://cr:8866/voila/render/control_room.ipynb?experiment=HTU+%26+co"

"""MessageArea: readable messages in the component, tracebacks in the log."""

from __future__ import annotations

import logging

import pytest
from scan_analysis_widgets.message_area import MessageArea, describe_error

from scan_analysis.errors import DataRootError


def test_info_error_and_clear_set_text_kind_and_css_classes():
    area = MessageArea()
    assert "sa-message" in area._dom_classes
    area.info("3 scans found")
    assert (area.text, area.kind) == ("3 scans found", "info")
    assert "3 scans found" in area.value and "sa-message-error" not in area._dom_classes
    area.error("no day folder: check the date")
    assert area.kind == "error" and "sa-message-error" in area._dom_classes
    area.clear()
    assert (area.text, area.kind, area.value) == ("", "", "")
    assert "sa-message-error" not in area._dom_classes


def test_text_is_escaped_not_interpreted_as_markup():
    area = MessageArea()
    area.error("column <Bin #> & friends")
    assert "<Bin #>" not in area.value
    assert "&lt;Bin #&gt; &amp; friends" in area.value


def test_show_error_shows_the_message_and_logs_the_traceback(caplog):
    area = MessageArea()
    try:
        raise DataRootError("data root /nowhere does not exist: pass data_root=...")
    except DataRootError as error:
        with caplog.at_level(logging.DEBUG, logger="scan_analysis_widgets.message_area"):
            shown = area.show_error(error, action="opening the day")
    assert shown == "opening the day: data root /nowhere does not exist: pass data_root=..."
    assert area.text == shown and "Traceback" not in area.value
    assert "Traceback" in caplog.text


def test_describe_error_prefixes_only_foreign_exceptions():
    assert describe_error(KeyError("Bin #")) == "KeyError: 'Bin #'"
    assert describe_error(DataRootError("no data root")) == "no data root"
    assert describe_error(RuntimeError()) == "RuntimeError"


def test_in_a_served_app_the_library_errors_name_the_server_option(tmp_path, monkeypatch):
    from scan_analysis.data.scan_paths import resolve_data_root

    with pytest.raises(DataRootError) as raised:
        resolve_data_root(tmp_path / "nowhere")
    assert "pass data_root=..." in describe_error(raised.value)  # a notebook's user
    monkeypatch.setenv("SERVER_SOFTWARE", "voila/0.5.13")  # what Voila tells its page's kernel
    text = describe_error(raised.value)
    where = f"data root {tmp_path / 'nowhere'} (from scan-analysis serve --data-root)"
    assert text.startswith(where), text
    assert "start the apps with scan-analysis serve --data-root DIR" in text
    assert "data_root=" not in text

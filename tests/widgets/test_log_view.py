"""LogView: the library's log, bounded, filtered by level, detached cleanly."""

from __future__ import annotations

import logging

from scan_analysis_widgets.log_view import BufferedLogHandler, LogView


def test_records_are_kept_bounded_and_filtered_by_level():
    handler = BufferedLogHandler(capacity=3)
    log = logging.getLogger("scan_analysis.test_log_view.bounded")
    log.addHandler(handler)
    log.setLevel(logging.DEBUG)
    try:
        for number in range(5):
            log.info("line %d", number)
        log.warning("careful")
    finally:
        log.removeHandler(handler)
    kept = [text for _, text in handler.lines(logging.DEBUG)]
    assert len(kept) == 3 and kept[-1].endswith("careful") and "line 2" not in kept[0]
    assert [text for _, text in handler.lines(logging.WARNING)] == [kept[-1]]


def test_the_view_collects_the_library_log_only_while_attached():
    library = logging.getLogger("scan_analysis")
    before = library.level
    view = LogView()
    view.attach()
    try:
        assert library.getEffectiveLevel() <= logging.INFO
        logging.getLogger("scan_analysis.live_task_runner").info("Scan002 UC_TopView: done")
        logging.getLogger("scan_analysis.base").warning("shot 7 <corrupt> & skipped")
        view.render()
        assert "2 of 2 messages at INFO and above" in view.text.value
        assert "Scan002 UC_TopView: done" in view.text.value
        assert "&lt;corrupt&gt; &amp; skipped" in view.text.value  # escaped, not markup
        view.level.value = "WARNING"
        assert "1 of 2 messages at WARNING and above" in view.text.value
        assert "Scan002 UC_TopView" not in view.text.value
    finally:
        view.detach()
    assert library.level == before and view.handler not in library.handlers
    logging.getLogger("scan_analysis.base").warning("after detaching")
    view.render()
    assert "after detaching" not in view.text.value
    assert (
        "sa-live-log" in view.text._dom_classes and "sa-live-log-level" in view.level._dom_classes
    )

"""StatusLine: a terminal line while a runner works, or progress lines in the log without one."""

from __future__ import annotations

import io
import logging

from scan_analysis.live_progress import LiveProgress, StatusLine


class Steps:
    """A runner's progress, moved on by the test."""

    def __init__(self) -> None:
        self.now = LiveProgress(scans=2, tasks=4)

    def __call__(self) -> LiveProgress:
        return self.now


def test_without_a_terminal_progress_goes_to_the_log_when_it_changed_and_at_the_end(caplog):
    steps = Steps()
    stream = io.StringIO()  # not a terminal
    with (
        caplog.at_level(logging.INFO, logger="scan_analysis.progress"),
        StatusLine(steps, stream=stream, refresh_interval=3600, log_interval=0) as line,
    ):
        assert not line.terminal
        line.update()
        line.update()  # unchanged: not said again
        steps.now = LiveProgress(scans=2, tasks=4, done=3, running=1, current="Scan002 B")
        line.update()
        steps.now = LiveProgress(scans=2, tasks=4, done=4)
    lines = [r.getMessage() for r in caplog.records if r.name == "scan_analysis.progress"]
    assert lines == [
        "progress: 2 scans · 0/4 tasks finished (0 done, 0 no data, 0 failed)",
        "progress: 2 scans · 3/4 tasks finished (3 done, 0 no data, 0 failed) · 1 running"
        " · now Scan002 B",
        "progress: 2 scans · 4/4 tasks finished (4 done, 0 no data, 0 failed)",
    ]
    assert stream.getvalue() == ""


def test_progress_log_lines_are_spaced_by_the_interval_but_the_last_is_always_said(caplog):
    steps = Steps()
    with (
        caplog.at_level(logging.INFO, logger="scan_analysis.progress"),
        StatusLine(steps, terminal=False, refresh_interval=3600, log_interval=3600) as line,
    ):
        line.update()
        steps.now = LiveProgress(scans=2, tasks=4, done=1)
        line.update()  # changed, but too soon after the first line
        steps.now = LiveProgress(scans=2, tasks=4, done=4)
    lines = [r.getMessage() for r in caplog.records if r.name == "scan_analysis.progress"]
    assert [line.split("·")[1].strip() for line in lines] == [
        "0/4 tasks finished (0 done, 0 no data, 0 failed)",
        "4/4 tasks finished (4 done, 0 no data, 0 failed)",
    ]


def test_on_a_terminal_one_line_is_redrawn_in_place_and_nothing_is_logged(caplog):
    steps = Steps()
    stream = io.StringIO()
    with (
        caplog.at_level(logging.INFO, logger="scan_analysis.progress"),
        StatusLine(steps, stream=stream, terminal=True, refresh_interval=3600) as line,
    ):
        steps.now = LiveProgress(scans=2, tasks=4, done=1, current="Scan001 B", shots=(3, 9))
        line.update()
        steps.now = LiveProgress(scans=2, tasks=4, done=4)
    drawn = stream.getvalue()
    assert "\r" in drawn and "\n" not in drawn.rstrip("\n")  # redrawn in place, one line
    assert "1/4 tasks finished" in drawn and "now Scan001 B 3/9 shots" in drawn
    assert (
        drawn.rstrip()
        .split("\r")[-1]
        .endswith(" 2 scans · 4/4 tasks finished (4 done, 0 no data, 0 failed)")
    )
    assert not [r for r in caplog.records if r.name == "scan_analysis.progress"]

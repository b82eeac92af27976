"""ProgressDisplay: a bar where a person watches (log lines above it), else log lines."""

from __future__ import annotations

import fcntl
import io
import logging
import os
import pty
import re
import select
import struct
import subprocess
import sys
import termios
import time

from scan_analysis.progress_display import ProgressDisplay

SCAN = ["--experiment", "Undulator", "--date", "2026-05-08", "--scan", "2"]


def progress_lines(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "scan_analysis.progress"]


def test_without_a_terminal_progress_is_logged_when_it_changed_and_at_the_end(caplog):
    stream = io.StringIO()  # not a terminal
    with (
        caplog.at_level(logging.INFO, logger="scan_analysis.progress"),
        ProgressDisplay(
            total=4, desc="Cam Scan002", unit="shot", stream=stream, log_interval=0
        ) as shown,
    ):
        assert not shown.terminal
        shown.advance()
        shown.update()  # nothing new: not said again
        shown.update(done=4, total=6, desc="Cam Scan002 (drawing figures)", unit="step")
        shown.advance(2)
    assert progress_lines(caplog) == [
        "progress: Cam Scan002: 1/4 shots",
        "progress: Cam Scan002 (drawing figures): 4/6 steps",
        "progress: Cam Scan002 (drawing figures): 6/6 steps",
    ]
    assert stream.getvalue() == ""


def test_disabled_shows_nothing(caplog):
    stream = io.StringIO()
    with (
        caplog.at_level(logging.INFO, logger="scan_analysis.progress"),
        ProgressDisplay(total=4, stream=stream, enabled=False, terminal=True) as shown,
    ):
        shown.advance(4)
    assert stream.getvalue() == "" and not progress_lines(caplog)


def run_in_terminal(command: list[str], *, timeout: float = 600) -> str:
    """Run ``command`` with a pseudo-terminal as its stdout and stderr; everything it wrote."""
    main, child = pty.openpty()
    fcntl.ioctl(child, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 200, 0, 0))  # rows, columns
    process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=child, stderr=child)
    os.close(child)
    chunks, deadline = [], time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([main], [], [], 1.0)
            if ready:
                try:
                    data = os.read(main, 65536)
                except OSError:  # the child closed the terminal
                    break
                if not data:
                    break
                chunks.append(data)
            elif process.poll() is not None:
                break
        assert process.wait(timeout=60) == 0, b"".join(chunks).decode(errors="replace")
    finally:
        if process.poll() is None:
            process.kill()
        os.close(main)
    return b"".join(chunks).decode(errors="replace")


def test_run_on_a_terminal_shows_a_bar_over_shots_and_figures_that_log_lines_never_break(
    fresh_demo_day,
):
    """`scan-analysis run` on a terminal: the scan's bar goes on over the figures; the warning
    about Scan002's corrupt shot is a whole line of its own, not glued to a bar."""
    out = run_in_terminal(
        [sys.executable, "-m", "scan_analysis.cli", "run", *SCAN, "--analyzer", "UC_TopView",
         "--data-root", str(fresh_demo_day.data_root), "--executor", "serial"]
    )  # fmt: skip
    assert "\r" in out  # a bar redrawn in place
    assert "drawing figures" in out  # still shown while the figures are drawn
    # the bar never goes back, not when the figures are counted after the shots
    shown = [int(p) for p in re.findall(r"UC_TopView Scan002[^\r\n]*?(\d+)%\|", out)]
    assert shown and shown == sorted(shown) and shown[-1] == 100, shown
    # what the terminal shows of each line: the text after its last carriage return
    lines = [line.split("\r")[-1] for line in re.split(r"\r\n|\n", out)]
    warnings = [line for line in lines if "WARNING" in line]
    assert warnings, out
    # each log line starts at the beginning of a line: no bar fragment before it
    assert all(re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ WARNING ", w) for w in warnings), out
    assert "UC_TopView: done" in out


def test_run_without_a_terminal_sends_its_progress_to_the_log(fresh_demo_day):
    result = subprocess.run(
        [sys.executable, "-m", "scan_analysis.cli", "run", *SCAN, "--analyzer", "UC_TopView",
         "--data-root", str(fresh_demo_day.data_root), "--executor", "serial"],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "\r" not in result.stderr + result.stdout  # no bar drawn into a file
    said = [line for line in result.stderr.splitlines() if "scan_analysis.progress" in line]
    assert said and re.search(r"progress: UC_TopView Scan002: 0/\d+ shots$", said[0]), said
    assert re.search(r"drawing figures (\d+)/\1\): (\d+)/\2 shots$", said[-1]), said  # at the end
    # the numbers at the end are the outcome's: shots analysed of the scan's shots (failed and
    # file-less shots are not analysed), the count over every shot of the scan
    progress = re.search(r"\((\d+) of (\d+) shots analysed, drawing figures .*: (\d+)/", said[-1])
    outcome = re.search(
        r"UC_TopView: done in [\d.]+ s; (\d+) of (\d+) shots analysed, ", result.stdout
    )
    assert progress and outcome, (said[-1], result.stdout)
    assert progress.groups() == (*outcome.groups(), outcome[2]), (said[-1], result.stdout)
    assert "unreadable" in result.stdout and outcome[1] != outcome[2]  # Scan002's corrupt shot

import fcntl
import os
import pty
import re
import signal
import struct
import subprocess
import termios
import threading
import time
from pathlib import Path

import pytest
from live_configs import make_config_dir

from scan_analysis.data.demo import build_demo_day
from scan_analysis.task_queue import TaskQueue, TaskState

SUPPORT = Path(__file__).parents[1] / "support"


def test_watch_runs_the_day_and_exits_when_idle(tmp_path, console_script, subprocess_env):
    day = build_demo_day(tmp_path / "data", image_shape=(48, 48), n_bins=2, shots_per_bin=2)
    result = subprocess.run(
        [
            str(console_script),
            "watch",
            "--experiment",
            "Undulator",
            "--date",
            "2026-05-08",
            "--group",
            "demo",
            "--data-root",
            str(day.data_root),
            "--exit-when-idle",
            "0.5",
            "--executor",
            "serial",
            "--rerun-failed",
        ],
        capture_output=True,
        text=True,
        env=subprocess_env,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "requeued 0 failed task(s)" in result.stdout
    assert "day totals: done 12, no data 6" in result.stdout
    assert "e-log:" in result.stdout and (day.day_dir / "analysis" / "elog").is_dir()
    # not a terminal: progress goes to the log, ending with the day's totals
    progress = [line for line in result.stderr.splitlines() if "progress: " in line]
    assert progress and progress[-1].endswith(
        "progress: 6 scans · 18/18 tasks finished (12 done, 6 no data, 0 failed)"
    ), result.stderr[-3000:]
    assert "\r" not in result.stderr


LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} (INFO|WARNING) ")


@pytest.mark.slow
def test_on_a_terminal_watch_shows_a_status_line_and_log_lines_stay_whole(
    tmp_path, console_script, subprocess_env
):
    day = build_demo_day(tmp_path / "data", image_shape=(32, 32), n_bins=2, shots_per_bin=2)
    controller, terminal = pty.openpty()
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 200, 0, 0))
    command = [
        str(console_script),
        *("watch", "--experiment", "Undulator", "--date", "2026-05-08", "--group", "demo"),
        *("--data-root", str(day.data_root), "--exit-when-idle", "0.5", "--executor", "serial"),
    ]
    process = subprocess.Popen(
        command, stdin=subprocess.DEVNULL, stdout=terminal, stderr=terminal, env=subprocess_env
    )
    os.close(terminal)
    chunks = []
    while True:
        try:
            chunk = os.read(controller, 65536)
        except OSError:  # EIO: the watch process closed its side of the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(controller)
    assert process.wait(timeout=60) == 0
    output = b"".join(chunks).decode("utf-8", "replace")
    assert "tasks finished" in output and "\r" in output, output[-3000:]
    drawn = [line for line in re.split(r"[\r\n]+", output) if "tasks finished" in line]
    assert drawn[-1].endswith("6 scans · 18/18 tasks finished (12 done, 6 no data, 0 failed)")
    assert "progress: " not in output  # on a terminal the line shows it, not the log
    logged = [line for line in output.splitlines() if re.search(r" (INFO|WARNING) ", line)]
    assert len(logged) >= 18, output[-3000:]  # one INFO line per task at least
    for line in logged:  # each log line starts its own line: the status line never cuts it
        assert LOG_LINE.match(line.rsplit("\r", 1)[-1]), repr(line)


def test_watch_help_has_an_example_and_says_what_ctrl_c_does(console_script, subprocess_env):
    result = subprocess.run(
        [str(console_script), "watch", "--help"], capture_output=True, text=True, env=subprocess_env
    )
    assert result.returncode == 0 and "scan-analysis watch --experiment Undulator" in result.stdout
    assert "press Ctrl-C once and the task in progress finishes" in result.stdout
    assert "Ctrl-C again to stop at once" in result.stdout


class Watch:
    """A real ``scan-analysis watch`` in its own process group, as a terminal runs it.

    Its output is read by threads, so a test can wait for a line (with a deadline).
    """

    def __init__(self, console_script, env, day, config_dir, go: Path) -> None:
        command = [
            str(console_script),
            "watch",
            "--experiment",
            "Undulator",
            "--date",
            "2026-05-08",
            "--group",
            "live",
            "--data-root",
            str(day.data_root),
            "--config-dir",
            str(config_dir),
            "--executor",
            "processes",  # pool workers exist when Ctrl-C comes: they must stay quiet
            "--no-elog",
            "--rescan-interval",
            "0.5",
        ]
        env = dict(
            env,
            PYTHONPATH=os.pathsep.join([str(SUPPORT), env.get("PYTHONPATH", "")]),
            SCAN_ANALYSIS_TEST_WAIT_FOR=str(go),
            SCAN_ANALYSIS_TEST_WAIT_SCAN="2",
        )
        self.process = subprocess.Popen(
            command,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,  # its own process group, like a terminal's foreground job
        )
        self.stdout: list[str] = []
        self.stderr: list[str] = []
        self._readers = [
            threading.Thread(target=self._read, args=(stream, lines), daemon=True)
            for stream, lines in (
                (self.process.stdout, self.stdout),
                (self.process.stderr, self.stderr),
            )
        ]
        for reader in self._readers:
            reader.start()

    @staticmethod
    def _read(stream, lines: list[str]) -> None:
        for line in stream:
            lines.append(line)

    def ctrl_c(self) -> None:
        """What a terminal does on Ctrl-C: SIGINT to the whole foreground process group."""
        os.killpg(self.process.pid, signal.SIGINT)

    def wait_for(self, condition, what: str, timeout: float = 180.0) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            assert self.process.poll() is None or condition(), (
                f"watch exited ({self.process.returncode}) before {what}:\n{self.text}"
            )
            assert time.monotonic() < deadline, f"no {what} within {timeout} s:\n{self.text}"
            time.sleep(0.05)

    def finish(self, timeout: float = 180.0) -> int:
        code = self.process.wait(timeout=timeout)
        for reader in self._readers:
            reader.join(timeout=30)
        return code

    def kill(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)

    @property
    def text(self) -> str:
        return "".join(self.stdout) + "".join(self.stderr)


@pytest.fixture
def interruptible_day(tmp_path, subprocess_env, console_script):
    """A watch over the day's backlog that waits inside scan 2's first task.

    The backlog runs by priority across scans (the quick-look ExecutionLog, priority 1,
    on every scan before the camera and spectrometer): scan 1's ExecutionLog, then
    scan 2's, which waits for ``go``.
    """
    day = build_demo_day(tmp_path / "data", image_shape=(32, 32), n_bins=2, shots_per_bin=2)
    config_dir, log = make_config_dir(tmp_path)
    go = tmp_path / "go"
    watch = Watch(console_script, subprocess_env, day, config_dir, go)
    try:
        watch.wait_for(
            lambda: log.exists() and "start ExecutionLog 2 " in log.read_text(),
            "the task of scan 2 to start",
        )
        yield watch, TaskQueue(day.day_dir / "analysis"), go
    finally:
        watch.kill()


@pytest.mark.slow
def test_first_ctrl_c_finishes_the_task_in_progress_then_exits_cleanly(interruptible_day):
    watch, queue, go = interruptible_day
    watch.ctrl_c()
    watch.wait_for(lambda: "stopping after the task in progress" in watch.text, "the notice")
    assert watch.process.poll() is None, "it must not exit before the task in progress is done"
    go.write_text("go")  # the task in progress can now finish
    assert watch.finish() == 0, watch.text
    assert queue.read_status(2, "ExecutionLog").state is TaskState.DONE
    assert {s.state for s in queue.snapshot() if s.scan == 1} == {TaskState.DONE}
    assert not [s for s in queue.snapshot() if s.scan == 2 and s.analyzer != "ExecutionLog"]
    assert not list(queue.root.rglob("*.claim"))
    assert "Traceback" not in watch.text and "KeyboardInterrupt" not in watch.text, watch.text
    assert "ran 2 task(s)" in "".join(watch.stdout)  # scan 1's and scan 2's ExecutionLog


@pytest.mark.slow
def test_second_ctrl_c_stops_at_once_and_gives_the_task_back(interruptible_day):
    watch, queue, _ = interruptible_day
    watch.ctrl_c()
    watch.wait_for(lambda: "stopping after the task in progress" in watch.text, "the notice")
    watch.ctrl_c()
    assert watch.finish() == 130, watch.text
    status = queue.read_status(2, "ExecutionLog")
    assert status.state is TaskState.QUEUED and status.attempts == 0 and status.claimant is None
    assert not list(queue.root.rglob("*.claim"))
    assert "Traceback" not in watch.text, watch.text
    assert "given back (queued)" in "".join(watch.stderr)


@pytest.mark.slow
def test_ctrl_c_after_the_process_pool_ran_ends_cleanly_and_stops_its_workers(
    tmp_path, subprocess_env, console_script
):
    """The day's backlog runs on the process pool; Ctrl-C while it waits for the next scan."""
    import psutil

    day = build_demo_day(tmp_path / "data", image_shape=(32, 32), n_bins=2, shots_per_bin=2)
    config_dir, _ = make_config_dir(tmp_path, upload=False)
    go = tmp_path / "go"
    go.write_text("go")  # no task waits
    watch = Watch(console_script, subprocess_env, day, config_dir, go)
    queue = TaskQueue(day.day_dir / "analysis")
    try:
        finished = {TaskState.DONE, TaskState.NO_DATA}
        watch.wait_for(
            lambda: (
                len(statuses := queue.snapshot()) == 18 and {s.state for s in statuses} <= finished
            ),
            "the day's 18 tasks to finish",
        )
        assert queue.read_status(2, "UC_TopView").state is TaskState.DONE  # shots on the pool
        workers = psutil.Process(watch.process.pid).children(recursive=True)
        assert workers, "the pool's workers should be alive while the runner waits"
        watch.ctrl_c()
        assert watch.finish() == 0, watch.text
    finally:
        watch.kill()
    assert "stopping after the task in progress" in watch.text
    assert "ran 18 task(s)" in "".join(watch.stdout), watch.text
    assert "Traceback" not in watch.text and "KeyboardInterrupt" not in watch.text, watch.text
    gone, alive = psutil.wait_procs(workers, timeout=30)
    assert not alive, f"pool workers left running: {alive}"
    assert not list(queue.root.rglob("*.claim"))

"""Real `scan-analysis watch` processes over one day.

Three runners, one killed mid-task: every (scan, analyzer) task ends done or
no_data, and every analyzer ran to completion exactly once per scan; the only
extra start is the killed attempt. Two runners, one stopped (SIGSTOP) past its
heartbeat timeout mid-task and resumed: the resumed one writes nothing.
"""

import os
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from live_configs import make_config_dir
from waiting import wait_until

from scan_analysis.data.demo import build_demo_day, write_demo_scan
from scan_analysis.data.sfile import read_sfile
from scan_analysis.task_queue import TaskQueue, TaskState

SUPPORT = Path(__file__).parent / "support"
ANALYZERS = ("UC_TopView", "UC_Spectrometer", "ExecutionLog")


def watch_command(console_script, day, config_dir, runner_id, *options):
    return [
        str(console_script),
        "watch",
        "--experiment",
        "Undulator",
        "--date",
        "2026-05-08",
        "--data-root",
        str(day.data_root),
        "--config-dir",
        str(config_dir),
        "--runner-id",
        runner_id,
        "--rescan-interval",
        "0.5",
        "--executor",
        "serial",
        "--no-elog",
        *options,
    ]


def watch(console_script, env, day, config_dir, runner_id):
    return subprocess.Popen(
        watch_command(
            console_script,
            day,
            config_dir,
            runner_id,
            *("--group", "live", "--exit-when-idle", "3", "--heartbeat-timeout", "5"),
        ),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


@pytest.mark.slow
def test_three_runners_one_killed_every_task_exactly_once(tmp_path, console_script, subprocess_env):
    day = build_demo_day(tmp_path / "data", image_shape=(48, 48), n_bins=3, shots_per_bin=2)
    for number in (7, 8):
        write_demo_scan(day.day_dir, number, "noscan", image_shape=(48, 48), shots_per_bin=4)
    config_dir, log = make_config_dir(tmp_path)
    env = dict(
        subprocess_env,
        PYTHONPATH=os.pathsep.join([str(SUPPORT), subprocess_env.get("PYTHONPATH", "")]),
    )

    victim = watch(
        console_script, dict(env, SCAN_ANALYSIS_TEST_HANG="1"), day, config_dir, "victim"
    )
    wait_until(
        lambda: log.exists() and f" {victim.pid}\n" in log.read_text(), "the victim to start a task"
    )
    others = [watch(console_script, env, day, config_dir, f"runner{i}") for i in (1, 2)]
    # scans that complete while the runners run
    for number in (9, 10):
        write_demo_scan(day.day_dir, number, "noscan", image_shape=(48, 48), shots_per_bin=4)
    os.kill(victim.pid, signal.SIGKILL)
    victim.wait(timeout=30)
    outputs = [p.communicate(timeout=300)[0] for p in others]
    assert [p.returncode for p in others] == [0, 0], outputs

    queue = TaskQueue(day.day_dir / "analysis")
    statuses = {(s.scan, s.analyzer): s for s in queue.snapshot()}
    assert set(statuses) == {(scan, name) for scan in range(1, 11) for name in ANALYZERS}
    assert {s.state for s in statuses.values()} <= {TaskState.DONE, TaskState.NO_DATA}
    assert statuses[(6, "UC_TopView")].state is TaskState.NO_DATA
    assert statuses[(9, "UC_TopView")].state is TaskState.DONE  # written while running

    lines = [line.split() for line in log.read_text().splitlines()]
    starts = Counter(int(scan) for word, _, scan, _ in lines if word == "start")
    ends = Counter(int(scan) for word, _, scan, _ in lines if word == "end")
    killed = [
        int(scan) for word, _, scan, pid in lines if word == "start" and int(pid) == victim.pid
    ]
    assert len(killed) == 1
    assert ends == Counter(range(1, 11)), "every scan's analyzer must complete exactly once"
    assert starts == ends + Counter(killed), "only the killed attempt may start twice"
    assert statuses[(killed[0], "ExecutionLog")].attempts == 2
    assert not list((day.day_dir / "analysis" / ".scan_analysis_tasks").rglob("*.claim"))
    assert not any("scans" in p.parts for p in (day.day_dir / "analysis").rglob("*.json"))
    assert sys.executable


@pytest.mark.slow
def test_a_runner_stalled_past_its_claim_writes_nothing_once_resumed(
    tmp_path, console_script, subprocess_env
):
    """SIGSTOP a runner mid-task past the heartbeat timeout; another takes the task over and
    writes; SIGCONT the first: it writes nothing (the s-file holds only the second's work)."""
    day = build_demo_day(tmp_path / "data", image_shape=(32, 32), n_bins=2, shots_per_bin=2)
    config_dir, log = make_config_dir(tmp_path, write_pid=True)
    go = tmp_path / "go"
    env = dict(
        subprocess_env,
        PYTHONPATH=os.pathsep.join([str(SUPPORT), subprocess_env.get("PYTHONPATH", "")]),
    )
    options = ["--group", "log_only", "--heartbeat-timeout", "2", "--exit-when-idle", "1"]

    def runner(name, extra_env):
        return subprocess.Popen(
            watch_command(console_script, day, config_dir, name, *options),
            env=dict(env, **extra_env),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )

    first = runner("first", {"SCAN_ANALYSIS_TEST_WAIT_FOR": str(go)})
    second = None
    try:
        wait_until(
            lambda: log.exists() and f"start ExecutionLog 1 {first.pid}\n" in log.read_text(),
            "the first runner to start scan 1",
        )
        os.kill(first.pid, signal.SIGSTOP)  # mid-task: its heartbeat stops with it
        second = runner("second", {})
        second_output = second.communicate(timeout=300)[0]
        assert second.returncode == 0, second_output
        assert "taking over ExecutionLog of scan 1 from first" in second_output
        os.kill(first.pid, signal.SIGCONT)
        go.write_text("go")  # the first runner's analysis now finishes and tries to write
        first_output = first.communicate(timeout=300)[0]
    finally:
        for process in (first, second):
            if process is not None and process.poll() is None:
                os.kill(process.pid, signal.SIGCONT)
                process.kill()
    assert first.returncode == 0, first_output
    assert f"end ExecutionLog 1 {first.pid}\n" in log.read_text()  # it did finish its analysis
    analysis = day.day_dir / "analysis"
    assert set(read_sfile(analysis / "s1.txt")["ExecutionLog_pid"]) == {second.pid}
    assert "lost the lease" in first_output and "not recording" in first_output
    status = TaskQueue(analysis).read_status(1, "ExecutionLog")
    assert status.state is TaskState.DONE and status.message.endswith(f"seen by {second.pid}")
    assert status.attempts == 2
    assert not list(analysis.rglob("*.claim")) and not list(analysis.rglob("*.lock"))

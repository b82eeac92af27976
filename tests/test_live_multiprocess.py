"""Three real `scan-analysis watch` processes over one day; one is killed mid-task.

Every (scan, analyzer) task ends done or no_data, and every analyzer ran to
completion exactly once per scan; the only extra start is the killed attempt.
"""

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from live_configs import make_config_dir

from scan_analysis.data.demo import build_demo_day, write_demo_scan
from scan_analysis.task_queue import TaskQueue, TaskState

SUPPORT = Path(__file__).parent / "support"
ANALYZERS = ("UC_TopView", "UC_Spectrometer", "ExecutionLog")


def watch(console_script, env, day, config_dir, runner_id):
    return subprocess.Popen(
        [
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
            "--runner-id",
            runner_id,
            "--exit-when-idle",
            "3",
            "--heartbeat-timeout",
            "5",
            "--rescan-interval",
            "0.5",
            "--executor",
            "serial",
            "--no-elog",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def wait_until(predicate, what, timeout=120.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


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
    assert not any("scans" in p.parts for p in (day.day_dir / "analysis").rglob("*.yaml"))
    assert sys.executable

"""``scan-analysis reprocess`` as real processes: killed midway and restarted; on a
separately started ``dask scheduler`` and ``dask worker`` processes, one worker
SIGKILLed during a task.

The group is CampaignProbe (logs ``start``/``end`` of every run; with a hang
marker the first run hangs until killed), UC_TopView and UC_Spectrometer.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from collections import Counter
from pathlib import Path

import psutil
import pytest
from campaign_probe import make_campaign_configs
from waiting import wait_until

from scan_analysis.data.demo import build_demo_campaign
from scan_analysis.data.sfile import read_sfile
from scan_analysis.task_queue import TASKS_FOLDER, TaskQueue, TaskState

SUPPORT = Path(__file__).parents[1] / "support"
SMALL = {"image_shape": (96, 96), "n_bins": 5, "shots_per_bin": 4}
SCANS = range(1, 7)
ANALYZERS = ("CampaignProbe", "UC_TopView", "UC_Spectrometer")


def probe_lines(log: Path) -> list[tuple[str, str, int, int]]:
    if not log.exists():
        return []
    return [
        (word, date, int(scan), int(pid))
        for word, date, scan, pid in (line.split() for line in log.read_text().splitlines())
    ]


def terminal_tasks(days) -> dict[tuple[str, int, str], str]:
    """Finished tasks and their status files' text."""
    found = {}
    for day in days:
        queue = TaskQueue(day.day_dir / "analysis")
        for status in queue.snapshot():
            if status.state.terminal:
                key = (day.date.isoformat(), status.scan, status.analyzer)
                found[key] = queue.status_path(status.scan, status.analyzer).read_text()
    return found


def running(processes: list[psutil.Process]) -> list[psutil.Process]:
    alive = []
    for process in processes:
        try:
            if process.is_running() and process.status() != psutil.STATUS_ZOMBIE:
                alive.append(process)
        except psutil.NoSuchProcess:
            pass
    return alive


def reprocess_command(console_script, days, config_dir, *extra: str) -> list[str]:
    return [
        str(console_script),
        "reprocess",
        "--experiment",
        "Undulator",
        "--from",
        days[0].date.isoformat(),
        "--to",
        days[-1].date.isoformat(),
        "--data-root",
        str(days[0].data_root),
        "--config-dir",
        str(config_dir),
        "--no-progress",
        *extra,
    ]


@pytest.fixture
def env(subprocess_env):
    """Workers import the test analyzers from tests/support."""
    return dict(
        subprocess_env,
        PYTHONPATH=os.pathsep.join([str(SUPPORT), subprocess_env.get("PYTHONPATH", "")]),
    )


@pytest.mark.slow
def test_a_run_killed_midway_and_restarted_finishes_the_rest_without_redoing(
    tmp_path, console_script, env
):
    days = build_demo_campaign(tmp_path / "data", ["2026-05-08", "2026-05-11"], **SMALL)
    marker = tmp_path / "hang.marker"
    config_dir, log = make_campaign_configs(tmp_path, hang_marker=marker, figures=False)
    command = reprocess_command(console_script, days, config_dir, "--group", "campaign")

    first = subprocess.Popen(
        [*command, "--workers", "2"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        # one task hangs (so the run cannot end by itself); kill once others are done
        wait_until(lambda: marker.exists() and len(terminal_tasks(days)) >= 6, "6 finished tasks")
        cluster = psutil.Process(first.pid).children(recursive=True)
        assert len(cluster) >= 2, "the run should have started its local cluster's workers"
    finally:
        first.send_signal(signal.SIGKILL)
        output = first.communicate(timeout=60)[0]
    assert first.returncode == -signal.SIGKILL, output
    # the killed run's local cluster goes with it (Dask workers watch their parent)
    wait_until(lambda: not running(cluster), "the killed run's worker processes to exit", 60)

    done_before = terminal_tasks(days)
    assert 6 <= len(done_before) < 36
    lines_before = probe_lines(log)
    hung = int(marker.read_text())

    second = subprocess.run(
        [*command, "--workers", "2"], env=env, capture_output=True, text=True, timeout=600
    )
    assert second.returncode == 0, second.stdout + second.stderr
    assert f"{len(done_before)} already finished" in second.stdout, second.stdout
    # the local cluster's own INFO chatter (scheduler, nannies, workers) stays out of the output
    assert " distributed." not in second.stderr, second.stderr

    # tasks finished before the kill were not touched; every task is finished now
    after = terminal_tasks(days)
    assert {key: after[key] for key in done_before} == done_before
    assert set(after) == {
        (d.date.isoformat(), s, a) for d in days for s in SCANS for a in ANALYZERS
    }
    states = {s.state for d in days for s in TaskQueue(d.day_dir / "analysis").snapshot()}
    assert states <= {TaskState.DONE, TaskState.NO_DATA}

    # CampaignProbe: the restart ran exactly the tasks not finished at the kill, each once.
    # (A task cut by the kill may have logged "end" before its result was recorded: it is
    # rightly run again, since its result had not landed.)
    finished_before = {(d, s) for (d, s, a) in done_before if a == "CampaignProbe"}
    hung_task = next((d, s) for w, d, s, p in lines_before if w == "start" and p == hung)
    assert hung_task not in finished_before
    new_lines = probe_lines(log)[len(lines_before) :]
    rest = Counter({(d.date.isoformat(), s): 1 for d in days for s in SCANS})
    for key in finished_before:
        del rest[key]
    assert Counter((d, s) for w, d, s, _ in new_lines if w == "start") == rest
    assert Counter((d, s) for w, d, s, _ in new_lines if w == "end") == rest


def start_dask_cluster(tmp_path: Path, env: dict, workers: int = 2):
    """``dask scheduler`` on 127.0.0.1 (a free port) and ``dask worker`` processes.

    Returns the scheduler's address and the processes (scheduler first); their
    logs go to ``tmp_path/dask-logs``.
    """
    dask = Path(sys.executable).with_name("dask")
    assert dask.exists(), f"{dask} missing: the dask extra is not installed ('make setup')"
    scheduler_file = tmp_path / "scheduler.json"
    logs = tmp_path / "dask-logs"
    logs.mkdir()

    def start(name: str, *arguments: str) -> subprocess.Popen:
        with (logs / f"{name}.log").open("w") as log:
            return subprocess.Popen(
                [str(dask), *arguments], env=env, stdout=subprocess.DEVNULL, stderr=log
            )

    def address() -> str | None:
        try:
            return json.loads(scheduler_file.read_text())["address"]
        except (OSError, ValueError, KeyError):
            return None  # not written yet, or half written

    processes = [
        start(
            "scheduler",
            "scheduler",
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            "--no-dashboard",
            "--scheduler-file",
            str(scheduler_file),
        )
    ]
    wait_until(lambda: address() is not None, "the scheduler's address")
    for index in range(workers):
        processes.append(
            start(
                f"worker-{index}",
                "worker",
                "--scheduler-file",
                str(scheduler_file),
                "--host",
                "127.0.0.1",
                "--nthreads",
                "1",
                "--nworkers",
                "1",
                "--no-dashboard",
                "--name",
                f"worker-{index}",
            )
        )
    return address(), processes


def stop_dask_cluster(processes: list[subprocess.Popen]) -> None:
    """Stop workers then scheduler (SIGTERM, then SIGKILL); wait until every one of them is gone."""
    family = []
    for process in processes:
        try:
            parent = psutil.Process(process.pid)
            family += [parent, *parent.children(recursive=True)]
        except psutil.NoSuchProcess:
            pass
    for process in reversed(processes):
        if process.poll() is None:
            process.terminate()
    for process in processes:
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=30)
    wait_until(lambda: not running(family), "the dask processes to exit", 60)


@pytest.mark.slow
def test_on_a_separate_scheduler_a_worker_killed_mid_task_is_retried_and_lands_once(
    tmp_path, console_script, env
):
    from distributed import Client

    (day,) = build_demo_campaign(tmp_path / "data", ["2026-05-08"], **SMALL)
    marker = tmp_path / "hang.marker"
    config_dir, log = make_campaign_configs(tmp_path, hang_marker=marker, figures=False)
    address, processes = start_dask_cluster(tmp_path, env)
    try:
        assert address.startswith("tcp://127.0.0.1:")
        with Client(address) as client:
            client.wait_for_workers(2, timeout=120)
        command = reprocess_command(
            console_script, [day], config_dir, "--group", "campaign", "--scheduler", address
        )
        run = subprocess.Popen(
            command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        # the first CampaignProbe run hangs: kill its worker process in the middle of the task
        wait_until(lambda: marker.exists() and marker.read_text().strip(), "a task to hang")
        victim = int(marker.read_text())
        wait_until(
            lambda: ("start", victim) in {(w, p) for w, _, _, p in probe_lines(log)},
            "the hung task's start line",
        )
        os.kill(victim, signal.SIGKILL)
        stdout, stderr = run.communicate(timeout=600)
        assert run.returncode == 0, stdout + stderr
        assert f"on scheduler {address}" in stdout, stdout

        queue = TaskQueue(day.day_dir / "analysis")
        (hung_scan,) = {s for w, _, s, p in probe_lines(log) if p == victim and w == "start"}
        retried = queue.read_status(hung_scan, "CampaignProbe")
        assert retried.state is TaskState.DONE and retried.attempts == 2, retried
        assert "abandoned" in (retried.error or "") or retried.error is None

        lines = probe_lines(log)
        ends = Counter(scan for word, _, scan, _ in lines if word == "end")
        starts = Counter(scan for word, _, scan, _ in lines if word == "start")
        assert ends == Counter(SCANS), "every scan's task must land exactly once"
        assert starts == ends + Counter([hung_scan])
        (finisher,) = [p for w, _, s, p in lines if w == "end" and s == hung_scan]
        assert finisher != victim
        for status in queue.snapshot():
            assert status.state in (TaskState.DONE, TaskState.NO_DATA), status
        frame = read_sfile(day.day_dir / "analysis" / f"s{hung_scan}.txt")
        assert "CampaignProbe_rows_seen" in frame.columns
        assert list(frame.columns).count("CampaignProbe_rows_seen") == 1

        # a task that fails is reported with its reason, and the exit status says so
        (day.day_dir / "analysis" / "s3.txt").write_text("not an s-file\n")
        failing = subprocess.run(
            reprocess_command(
                console_script,
                [day],
                config_dir,
                "--analyzer",
                "CampaignProbe",
                "--scheduler",
                address,
                "--force",
                "--max-attempts",
                "1",
            ),
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert failing.returncode == 1, failing.stdout + failing.stderr
        assert "FAILED 2026-05-08 Scan003 CampaignProbe (attempts 1): s-file " in failing.stdout
        assert "s3.txt" in failing.stdout
    finally:
        stop_dask_cluster(processes)


def test_dry_run_prints_the_plan_and_a_bad_scheduler_address_is_a_clear_error(
    tmp_path, console_script, env
):
    (day,) = build_demo_campaign(tmp_path / "data", ["2026-05-08"], **SMALL)
    config_dir, log = make_campaign_configs(tmp_path, figures=False)
    dry = subprocess.run(
        reprocess_command(console_script, [day], config_dir, "--group", "campaign", "--dry-run"),
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert dry.returncode == 0, dry.stdout + dry.stderr
    assert "would run 2026-05-08 Scan001 CampaignProbe (priority 1)" in dry.stdout
    assert "18 would run (dry run)" in dry.stdout
    # The table's headings say the words every other terminal line says.
    header = next(line for line in dry.stdout.splitlines() if line.startswith("analyzer"))
    assert header.split()[1:] == ["done", "no", "data", "failed", "skipped", "planned"], header
    assert "no_data" not in dry.stdout
    assert not (day.day_dir / "analysis" / TASKS_FOLDER).exists()

    # The port stays bound (never listening) until the run ends: no other test's process can
    # take it meanwhile, and a connection to it is refused.
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        address = f"tcp://127.0.0.1:{unused.getsockname()[1]}"
        bad = subprocess.run(
            reprocess_command(
                console_script, [day], config_dir, "--group", "campaign", "--scheduler", address
            ),
            env=dict(env, DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT="2s"),
            capture_output=True,
            text=True,
            timeout=300,
        )
    assert bad.returncode == 1
    assert f"cannot reach the Dask scheduler at {address}" in bad.stderr, bad.stderr
    assert not log.exists()

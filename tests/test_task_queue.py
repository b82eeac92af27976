"""TaskQueue: every state transition, exactly-once claims under thread and process races,
stale takeover, bounded retries, corrupt status files, dry runs, cleared fields."""

import dataclasses
import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from file_access import FileAccess
from waiting import wait_until

from scan_analysis.data.file_lock import LockOwner, read_owner
from scan_analysis.errors import DataRootError
from scan_analysis.task_queue import TASKS_FOLDER, TaskQueue, TaskState

WORKER = Path(__file__).with_name("task_queue_race_worker.py")


@pytest.fixture
def analysis_dir(tmp_path) -> Path:
    folder = tmp_path / "Undulator" / "Y2026" / "05-May" / "26_0508" / "analysis"
    folder.mkdir(parents=True)
    return folder


def queue_for(analysis_dir, runner="runner-a", **options) -> TaskQueue:
    return TaskQueue(analysis_dir, runner_id=runner, **options)


def raw_status(queue: TaskQueue, scan: int, analyzer: str) -> dict:
    return json.loads(queue.status_path(scan, analyzer).read_text())


def write_silent_claim(queue: TaskQueue, scan: int, analyzer: str, *, label="ghost"):
    """A claim left by a runner on another machine that stopped heartbeating (hung or gone)."""
    queue.task_dir(scan).mkdir(parents=True, exist_ok=True)
    owner = dataclasses.replace(LockOwner.new(label), host="other-machine", pid=1)
    queue.claim_path(scan, analyzer).write_text(owner.to_json())
    return owner


def write_dead_claim(queue: TaskQueue, scan: int, analyzer: str, *, label="ghost"):
    """A claim left by a runner of this machine that died (stale at once)."""
    queue.task_dir(scan).mkdir(parents=True, exist_ok=True)
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    owner = dataclasses.replace(LockOwner.new(label), pid=child.pid, started=None)
    queue.claim_path(scan, analyzer).write_text(owner.to_json())
    return owner


# --- layout and plain transitions -----------------------------------------------------------


def test_new_task_is_queued_in_a_status_file_under_analysis(analysis_dir):
    queue = queue_for(analysis_dir)
    status = queue.ensure_task(3, "UC_TopView")
    path = analysis_dir / TASKS_FOLDER / "Scan003" / "UC_TopView.json"
    assert path.is_file()
    assert status.state is TaskState.QUEUED and status.attempts == 0
    assert raw_status(queue, 3, "UC_TopView")["state"] == "queued"
    assert not (analysis_dir.parent / "scans").exists()


def test_the_queue_creates_nothing_above_analysis(tmp_path):
    day = tmp_path / "Undulator" / "Y2026" / "06-Jun" / "26_0601"  # a day that never existed
    queue = TaskQueue(day / "analysis", runner_id="r")
    with pytest.raises(DataRootError, match=r"26_0601/analysis does not exist.*never creates"):
        queue.ensure_task(1, "A")
    with pytest.raises(DataRootError, match="analysis does not exist"):
        queue.try_claim(1, "A")
    assert queue.read_status(1, "A").state is TaskState.QUEUED
    assert queue.snapshot() == []
    assert list(tmp_path.iterdir()) == [], "nothing may be created above the day's analysis/"


def test_a_queue_inside_scans_is_refused(tmp_path):
    with pytest.raises(ValueError, match="scans"):
        TaskQueue(tmp_path / "scans" / "Scan001", runner_id="r")


def test_claim_then_done_records_outputs_and_removes_the_claim(analysis_dir):
    queue = queue_for(analysis_dir)
    claim = queue.try_claim(1, "UC_TopView")
    assert claim is not None
    on_disk = raw_status(queue, 1, "UC_TopView")
    assert on_disk["state"] == "claimed" and on_disk["claimant"] == "runner-a"
    assert on_disk["attempts"] == 1
    assert read_owner(queue.claim_path(1, "UC_TopView")).label == "runner-a"

    queue.complete(claim, TaskState.DONE, display_files=[Path("/x/a.png")], scalars={"mean": 2.5})
    on_disk = raw_status(queue, 1, "UC_TopView")
    assert on_disk["state"] == "done"
    assert on_disk["display_files"] == ["/x/a.png"]
    assert on_disk["scalars"] == {"mean": 2.5}
    assert not queue.claim_path(1, "UC_TopView").exists()
    assert queue.try_claim(1, "UC_TopView") is None  # finished tasks never run again


def test_no_data_is_terminal(analysis_dir):
    queue = queue_for(analysis_dir)
    queue.complete(queue.try_claim(6, "UC_TopView"), "no_data", message="no UC_TopView folder")
    status = queue.read_status(6, "UC_TopView")
    assert status.state is TaskState.NO_DATA and status.message == "no UC_TopView folder"
    assert status.error is None
    assert queue.try_claim(6, "UC_TopView") is None


def test_completing_as_failed_is_final_and_keeps_the_error(analysis_dir):
    queue = queue_for(analysis_dir, max_attempts=5)
    queue.complete(queue.try_claim(2, "A"), TaskState.FAILED, message="every shot corrupt")
    status = queue.read_status(2, "A")
    assert status.state is TaskState.FAILED and status.error == "every shot corrupt"
    assert queue.try_claim(2, "A") is None


def test_failed_attempts_retry_until_max_attempts_then_fail_with_the_last_error(analysis_dir):
    queue = queue_for(analysis_dir, max_attempts=2)
    first = queue.fail_attempt(queue.try_claim(2, "A"), "ValueError: first")
    assert first.state is TaskState.QUEUED and first.attempts == 1
    assert raw_status(queue, 2, "A")["error"] == "ValueError: first"
    assert raw_status(queue, 2, "A")["claimant"] is None

    second = queue.fail_attempt(queue.try_claim(2, "A"), "ValueError: second")
    assert second.state is TaskState.FAILED and second.attempts == 2
    assert raw_status(queue, 2, "A")["error"] == "ValueError: second"
    assert queue.try_claim(2, "A") is None


def test_success_after_a_failure_really_clears_the_error(analysis_dir):
    queue = queue_for(analysis_dir)
    queue.fail_attempt(queue.try_claim(4, "A"), "OSError: share went away")
    queue.complete(queue.try_claim(4, "A"), TaskState.DONE, display_files=[])
    text = queue.status_path(4, "A").read_text()
    data = json.loads(text)
    assert data["state"] == "done" and data["attempts"] == 2
    assert "error" in data and data["error"] is None
    assert data["claimant"] is None
    assert "share went away" not in text


def test_requeue_resets_a_finished_task_and_rerun_failed_requeues_only_failed(analysis_dir):
    queue = queue_for(analysis_dir, max_attempts=1)
    queue.complete(queue.try_claim(1, "A"), TaskState.DONE)
    queue.fail_attempt(queue.try_claim(1, "B"), "boom")
    queue.complete(queue.try_claim(2, "B"), TaskState.NO_DATA)
    assert queue.read_status(1, "B").state is TaskState.FAILED

    assert queue.rerun_failed() == [(1, "B")]
    requeued = queue.read_status(1, "B")
    assert requeued.state is TaskState.QUEUED and requeued.attempts == 0 and requeued.error is None
    assert queue.read_status(1, "A").state is TaskState.DONE
    assert queue.read_status(2, "B").state is TaskState.NO_DATA

    assert queue.requeue(1, "A")
    assert queue.try_claim(1, "A") is not None


def test_requeue_is_refused_while_a_runner_holds_the_task(analysis_dir):
    holder = queue_for(analysis_dir, runner="holder")
    claim = holder.try_claim(1, "A")
    assert not queue_for(analysis_dir, runner="operator").requeue(1, "A")
    assert holder.read_status(1, "A").state is TaskState.CLAIMED
    holder.complete(claim, TaskState.DONE)


def test_release_gives_the_task_back_without_counting_an_attempt(analysis_dir):
    queue = queue_for(analysis_dir)
    queue.release(queue.try_claim(1, "A"))
    status = queue.read_status(1, "A")
    assert status.state is TaskState.QUEUED and status.attempts == 0
    assert status.claimant is None
    assert not queue.claim_path(1, "A").exists()


def test_a_held_claim_keeps_other_runners_out(analysis_dir):
    first = queue_for(analysis_dir, runner="a")
    claim = first.try_claim(1, "A")
    assert queue_for(analysis_dir, runner="b").try_claim(1, "A") is None
    first.complete(claim, TaskState.DONE)


def test_dry_run_records_nothing(analysis_dir):
    real = queue_for(analysis_dir, runner="real")
    real.ensure_task(1, "A")
    before = real.status_path(1, "A").read_bytes()

    dry = queue_for(analysis_dir, runner="dry", dry_run=True)
    assert dry.ensure_task(2, "A").state is TaskState.QUEUED
    assert not dry.status_path(2, "A").exists()
    claim = dry.try_claim(1, "A")
    assert claim is not None
    dry.complete(claim, TaskState.DONE, display_files=["/x.png"])
    assert real.status_path(1, "A").read_bytes() == before
    assert not real.claim_path(1, "A").exists()
    dry.release(dry.try_claim(1, "A"))
    assert real.read_status(1, "A").state is TaskState.QUEUED
    assert real.try_claim(1, "A") is not None


def test_snapshot_lists_every_task_scan_by_scan_and_skips_other_files(analysis_dir):
    queue = queue_for(analysis_dir)
    for scan in (2, 1):
        for analyzer in ("B", "A"):
            queue.ensure_task(scan, analyzer)
    queue.complete(queue.try_claim(2, "A"), TaskState.DONE)
    (queue.root / "notes.txt").write_text("operator notes")
    (queue.root / "ScanXYZ").mkdir()
    snapshot = [(s.scan, s.analyzer, s.state.value) for s in queue.snapshot()]
    assert snapshot == [
        (1, "A", "queued"),
        (1, "B", "queued"),
        (2, "A", "done"),
        (2, "B", "queued"),
    ]


# --- stale claims ---------------------------------------------------------------------------


def test_a_claim_without_heartbeat_is_taken_over_and_counts_as_an_attempt(analysis_dir, caplog):
    ghost = queue_for(analysis_dir, runner="ghost", heartbeat_timeout=0.3)
    ghost.try_claim(1, "A").lock.release()  # the runner vanished without finishing
    write_silent_claim(ghost, 1, "A")

    rescuer = queue_for(analysis_dir, runner="rescuer", heartbeat_timeout=0.3)
    started = time.monotonic()
    with caplog.at_level(logging.WARNING):
        assert rescuer.try_claim(1, "A") is None  # first sight of the silent claim
        claim = wait_until(lambda: rescuer.try_claim(1, "A"), "the takeover")
    assert time.monotonic() - started >= 0.25, "taken over before the timeout ran out here"
    status = rescuer.read_status(1, "A")
    assert status.claimant == "rescuer" and status.attempts == 2
    assert "taking over" in caplog.text and "ghost" in caplog.text
    rescuer.complete(claim, TaskState.DONE)
    assert rescuer.read_status(1, "A").state is TaskState.DONE


def test_a_fresh_claim_is_not_taken_over(analysis_dir):
    write_silent_claim(queue_for(analysis_dir), 1, "A")
    queue = queue_for(analysis_dir, runner="b", heartbeat_timeout=30.0)
    assert queue.try_claim(1, "A") is None and queue.try_claim(1, "A") is None


def test_a_stale_claim_on_its_last_attempt_becomes_failed(analysis_dir):
    ghost = queue_for(analysis_dir, runner="ghost", max_attempts=1)
    ghost.try_claim(1, "A").lock.release()
    write_silent_claim(ghost, 1, "A")
    rescuer = queue_for(analysis_dir, runner="rescuer", heartbeat_timeout=0.2, max_attempts=1)

    def failed_for_good():
        assert rescuer.try_claim(1, "A") is None
        return rescuer.read_status(1, "A").state is TaskState.FAILED

    wait_until(failed_for_good, "the abandoned last attempt to be recorded as failed")
    status = rescuer.read_status(1, "A")
    assert (
        status.state is TaskState.FAILED and "abandoned" in status.error and "ghost" in status.error
    )
    assert not rescuer.claim_path(1, "A").exists()


def test_a_runner_whose_claim_was_taken_over_does_not_overwrite_the_new_result(analysis_dir):
    slow = queue_for(analysis_dir, runner="slow", heartbeat_timeout=100.0)
    claim = slow.try_claim(1, "A")
    # its heartbeat stalled past the timeout and another runner broke the claim
    slow.claim_path(1, "A").unlink()

    fast = queue_for(analysis_dir, runner="fast", heartbeat_timeout=100.0)
    taken = fast.try_claim(1, "A")
    assert taken is not None
    fast.complete(taken, TaskState.DONE, message="by fast")

    result = slow.complete(claim, TaskState.FAILED, message="late result")
    assert result.state is TaskState.DONE and result.message == "by fast"
    assert slow.read_status(1, "A").message == "by fast"
    assert not slow.holds(claim) and claim.lock.lost


# --- races: exactly one winner --------------------------------------------------------------


def race_threads(analysis_dir, scan, analyzer, n_threads, **options) -> list[str]:
    barrier = threading.Barrier(n_threads)
    winners: list[str] = []
    errors: list[BaseException] = []

    def contend(index: int) -> None:
        queue = queue_for(analysis_dir, runner=f"t{index}", **options)
        try:
            barrier.wait()
            claim = queue.try_claim(scan, analyzer)
            if claim is not None:
                winners.append(queue.runner_id)
                queue.complete(claim, TaskState.DONE, message=queue.runner_id)
        except BaseException as error:  # surfaced below
            errors.append(error)

    threads = [threading.Thread(target=contend, args=(i,)) for i in range(n_threads)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    return winners


@pytest.mark.parametrize("scan", range(1, 9))
def test_many_threads_racing_for_a_new_task_have_exactly_one_winner(analysis_dir, scan):
    winners = race_threads(analysis_dir, scan, "A", 12)
    assert len(winners) == 1
    status = queue_for(analysis_dir).read_status(scan, "A")
    assert status.state is TaskState.DONE and status.message == winners[0]
    assert status.attempts == 1


@pytest.mark.parametrize("scan", range(1, 6))
def test_many_threads_racing_for_a_stale_claim_have_exactly_one_winner(analysis_dir, scan):
    write_dead_claim(queue_for(analysis_dir), scan, "A")
    winners = race_threads(analysis_dir, scan, "A", 12, heartbeat_timeout=10.0)
    assert len(winners) == 1
    assert os.listdir(queue_for(analysis_dir).task_dir(scan)) == ["A.json"]  # nothing left over


def start_workers(analysis_dir, scan, analyzer, count, *, timeout, mode, env):
    workers = []
    for index in range(count):
        workers.append(
            subprocess.Popen(
                [
                    sys.executable,
                    str(WORKER),
                    str(analysis_dir),
                    str(scan),
                    analyzer,
                    f"p{index}",
                    str(timeout),
                    mode,
                ],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
                env=env,
            )
        )
    for worker in workers:  # every worker imported and is waiting for the start signal
        assert worker.stdout.readline().strip() == "ready"
    for worker in workers:
        worker.stdin.write("go\n")
        worker.stdin.flush()
    return workers


def collect(workers) -> list[dict]:
    results = []
    for worker in workers:
        out, _ = worker.communicate(timeout=60)
        results.append(json.loads(out.splitlines()[0]))
        assert worker.returncode == 0
    return results


@pytest.mark.parametrize("stale", [False, True], ids=["new-task", "stale-claim"])
def test_several_processes_racing_for_one_claim_have_exactly_one_winner(
    analysis_dir, subprocess_env, stale
):
    if stale:
        write_dead_claim(queue_for(analysis_dir), 7, "A")
    workers = start_workers(
        analysis_dir, 7, "A", 4, timeout=10.0, mode="release", env=subprocess_env
    )
    results = collect(workers)
    winners = [r["runner"] for r in results if r["won"]]
    assert len(winners) == 1
    status = queue_for(analysis_dir).read_status(7, "A")
    assert status.state is TaskState.DONE and status.message == f"run by {winners[0]}"


def test_a_sigkilled_claim_holder_is_taken_over_at_once_on_the_same_machine(
    analysis_dir, subprocess_env
):
    (holder,) = start_workers(
        analysis_dir, 3, "A", 1, timeout=600.0, mode="hold", env=subprocess_env
    )
    assert json.loads(holder.stdout.readline())["won"]
    queue = queue_for(analysis_dir, runner="rescuer", heartbeat_timeout=600.0)
    assert queue.try_claim(3, "A") is None  # alive and heartbeating: hands off
    holder.send_signal(signal.SIGKILL)
    holder.wait(timeout=30)
    claim = queue.try_claim(3, "A")  # its pid is dead here: no need to wait for the timeout
    assert claim is not None
    assert queue.read_status(3, "A").attempts == 2
    queue.complete(claim, TaskState.DONE)


# --- corrupt status files -------------------------------------------------------------------

CORRUPT = {
    "garbage-bytes": b"\xff\xfe\x00\x9c garbage \x00",
    "empty": b"",
    "not-a-mapping": b"- just\n- a list\n",
    "unknown-state": b"scan: 1\nanalyzer: A\nstate: banana\nattempts: 0\n",
    "wrong-attempts": b"scan: 1\nanalyzer: A\nstate: done\nattempts: many\n",
    "wrong-scalars": b"scan: 1\nanalyzer: A\nstate: done\nattempts: 1\nscalars: [1, 2]\n",
    "other-task": b"scan: 9\nanalyzer: B\nstate: done\nattempts: 1\n",
    "bad-yaml": b"scan: [1\nanalyzer: {A\n",
}


@pytest.mark.parametrize("content", CORRUPT.values(), ids=CORRUPT.keys())
def test_a_corrupt_status_is_reported_rebuilt_and_never_crashes(analysis_dir, caplog, content):
    queue = queue_for(analysis_dir)
    queue.task_dir(1).mkdir(parents=True)
    path = queue.status_path(1, "A")
    path.write_bytes(content)
    with caplog.at_level(logging.WARNING):
        status = queue.read_status(1, "A")
        assert [s.state for s in queue.snapshot()] == [TaskState.QUEUED]
        claim = queue.try_claim(1, "A")
    assert status.state is TaskState.QUEUED
    assert str(path) in caplog.text and "corrupt" in caplog.text
    assert caplog.text.count("is corrupt") == 1  # reported once, not on every poll
    assert claim is not None
    queue.complete(claim, TaskState.DONE)
    rebuilt = raw_status(queue, 1, "A")
    assert rebuilt["state"] == "done" and rebuilt["scan"] == 1 and rebuilt["analyzer"] == "A"


def test_a_corrupt_status_of_a_held_task_is_rebuilt_as_claimed(analysis_dir):
    holder = queue_for(analysis_dir, runner="holder")
    claim = holder.try_claim(1, "A")
    holder.status_path(1, "A").write_bytes(b"\x00\x01")
    status = queue_for(analysis_dir, runner="viewer").read_status(1, "A")
    assert status.state is TaskState.CLAIMED and status.claimant == "holder"
    holder.complete(claim, TaskState.DONE)
    assert holder.read_status(1, "A").state is TaskState.DONE


def test_an_unreadable_status_folder_entry_does_not_crash_the_snapshot(analysis_dir, caplog):
    queue = queue_for(analysis_dir)
    queue.task_dir(1).mkdir(parents=True)
    queue.status_path(1, "A").mkdir()  # a folder where a file should be
    with caplog.at_level(logging.WARNING):
        assert [s.state for s in queue.snapshot()] == [TaskState.QUEUED]
    assert "unreadable" in caplog.text


def test_ensure_task_never_exposes_an_empty_status_file(analysis_dir):
    """Creation is link-based: readers racing with creators never see a half-written file."""
    barrier = threading.Barrier(6)
    seen_corrupt = threading.Event()
    queue = queue_for(analysis_dir)

    def create(index: int) -> None:
        barrier.wait()
        for scan in range(1, 30):
            queue_for(analysis_dir, runner=f"c{index}").ensure_task(scan, "A")

    def read() -> None:
        barrier.wait()
        for scan in range(1, 30):
            path = queue.status_path(scan, "A")
            try:
                if path.exists() and path.read_bytes() == b"":
                    seen_corrupt.set()
            except FileNotFoundError:
                pass

    threads = [threading.Thread(target=create, args=(i,)) for i in range(4)]
    threads += [threading.Thread(target=read) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not seen_corrupt.is_set()
    assert all(queue.read_status(scan, "A").state is TaskState.QUEUED for scan in range(1, 30))
    assert not [p for p in queue.root.rglob("*") if p.name.endswith(".new")]
    assert os.listdir(queue.task_dir(1)) == ["A.json"]


BAD_JSON = {  # content, what the warning says about it
    "not-a-mapping": ([1, 2], "Input should be an object"),
    "unknown-state": ({"scan": 1, "analyzer": "A", "state": "banana"}, "'state': Input should be"),
    "wrong-attempts": (
        {"scan": 1, "analyzer": "A", "state": "done", "attempts": "many"},
        "'attempts': Input should be a valid integer",
    ),
    "negative-attempts": (
        {"scan": 1, "analyzer": "A", "state": "done", "attempts": -1},
        "'attempts': Input should be greater than or equal to 0",
    ),
    "wrong-scalars": (
        {"scan": 1, "analyzer": "A", "state": "done", "scalars": [1, 2]},
        "'scalars': Input should be an object",
    ),
    "other-task": ({"scan": 9, "analyzer": "B", "state": "done"}, "describes 'B' of scan 9"),
    "no-analyzer": ({"scan": 1, "state": "done"}, "missing required key 'analyzer'"),
    "bad-json": ('{"scan": 1, "analyzer": ', "Invalid JSON"),
}


@pytest.mark.parametrize(("content", "said"), BAD_JSON.values(), ids=BAD_JSON.keys())
def test_a_status_the_model_refuses_is_reported_with_the_reason_and_rebuilt(
    analysis_dir, caplog, content, said
):
    queue = queue_for(analysis_dir)
    queue.task_dir(1).mkdir(parents=True)
    text = content if isinstance(content, str) else json.dumps(content)
    queue.status_path(1, "A").write_text(text)
    with caplog.at_level(logging.WARNING):
        status = queue.read_status(1, "A")
    assert status.state is TaskState.QUEUED and "status file was rebuilt" in status.error
    assert "corrupt" in caplog.text and str(queue.status_path(1, "A")) in caplog.text
    assert said in caplog.text


def test_status_files_are_json_and_a_nan_scalar_survives_the_round_trip(analysis_dir):
    queue = queue_for(analysis_dir)
    queue.complete(queue.try_claim(1, "A"), TaskState.DONE, scalars={"x": float("nan"), "y": 2})
    raw = raw_status(queue, 1, "A")
    assert raw["scalars"] == {"x": None, "y": 2.0} and "heartbeat" not in raw
    scalars = queue.read_status(1, "A").scalars
    assert scalars["x"] != scalars["x"] and scalars["y"] == 2.0


LEGACY_DONE = """\
scan: 1
analyzer: A
state: done
claimant: null
heartbeat: '2026-05-08T10:00:01.000+00:00'
attempts: 1
error: null
message: 20 rows
display_files:
- /data/analysis/Scan001/A/a.png
scalars:
  mean: 2.5
  width: null
started: '2026-05-08T10:00:01.000+00:00'
finished: '2026-05-08T10:00:03.000+00:00'
updated: '2026-05-08T10:00:03.000+00:00'
"""


def write_legacy(queue: TaskQueue, scan: int, analyzer: str, text: str) -> Path:
    queue.task_dir(scan).mkdir(parents=True, exist_ok=True)
    path = queue.legacy_status_path(scan, analyzer)
    path.write_text(
        text.replace("scan: 1", f"scan: {scan}").replace("analyzer: A", f"analyzer: {analyzer}")
    )
    return path


def test_a_yaml_status_of_an_earlier_version_is_read_as_it_was(analysis_dir):
    queue = queue_for(analysis_dir)
    write_legacy(queue, 1, "A", LEGACY_DONE)
    status = queue.read_status(1, "A")
    assert status.state is TaskState.DONE and status.attempts == 1 and status.message == "20 rows"
    assert status.display_files == ["/data/analysis/Scan001/A/a.png"]
    assert status.scalars["mean"] == 2.5 and status.scalars["width"] != status.scalars["width"]
    assert queue.ensure_task(1, "A").state is TaskState.DONE  # not recreated as queued
    assert not queue.status_path(1, "A").exists()
    assert queue.try_claim(1, "A") is None  # a finished task never runs again
    assert [(s.scan, s.analyzer, s.state) for s in queue.snapshot()] == [(1, "A", TaskState.DONE)]


def test_a_yaml_status_is_replaced_by_json_at_the_tasks_next_write(analysis_dir):
    queue = queue_for(analysis_dir)
    legacy = write_legacy(queue, 1, "A", LEGACY_DONE.replace("state: done", "state: failed"))
    write_legacy(queue, 2, "A", LEGACY_DONE.replace("state: done", "state: queued"))
    assert queue.rerun_failed() == [(1, "A")]
    assert not legacy.exists() and raw_status(queue, 1, "A")["state"] == "queued"
    claim = queue.try_claim(2, "A")
    assert claim is not None and claim.status.attempts == 2  # the attempt recorded in YAML counts
    assert not queue.legacy_status_path(2, "A").exists()
    queue.complete(claim, TaskState.DONE)
    assert sorted(os.listdir(queue.task_dir(2))) == ["A.json"]


def test_a_corrupt_yaml_status_is_reported_and_rebuilt(analysis_dir, caplog):
    queue = queue_for(analysis_dir)
    path = write_legacy(queue, 1, "A", "scan: [1\nanalyzer: {A\n")
    with caplog.at_level(logging.WARNING):
        assert queue.read_status(1, "A").state is TaskState.QUEUED
    assert str(path) in caplog.text and "corrupt" in caplog.text


# --- reading a day cheaply ------------------------------------------------------------------


def test_an_unchanged_scan_folder_is_not_read_again_and_a_change_by_another_runner_is(
    analysis_dir,
):
    ours, other = queue_for(analysis_dir, runner="ours"), queue_for(analysis_dir, runner="other")
    for scan in (1, 2):
        for name in ("A", "B"):
            ours.complete(ours.try_claim(scan, name), TaskState.DONE)
    assert set(ours.scan_statuses(1)) == set(ours.scan_statuses(2)) == {"A", "B"}
    with FileAccess() as access:
        again = [ours.scan_statuses(1), ours.scan_statuses(2), ours.snapshot()]
    assert access.opened_under(ours.root) == [], "nothing changed: no status file is read"
    assert len(access.stats_under(ours.root)) <= 4  # one stat per scan folder and call
    assert {s.state for s in again[2]} == {TaskState.DONE}

    assert other.requeue(1, "B")  # another runner (another process, in real life)
    with FileAccess() as access:
        seen = ours.scan_statuses(1)
        ours.scan_statuses(2)
    assert seen["B"].state is TaskState.QUEUED
    assert {p.name for p in access.opened_under(ours.root)} == {"A.json", "B.json"}

    ours.forget([2])
    with FileAccess() as access:
        ours.scan_statuses(2)
    assert {p.parent.name for p in access.opened_under(ours.root)} == {"Scan002"}

import dataclasses
import os
import subprocess
import sys
import threading
import time

import pytest

from scan_analysis.data.file_lock import (
    BOOT_ID,
    HOSTNAME,
    FileLock,
    LockOwner,
    break_if_stale,
    create_exclusive,
    is_stale,
    read_owner,
)
from scan_analysis.errors import LockTimeoutError


def foreign_owner(heartbeat_age: float, *, host="other-machine", pid=1) -> LockOwner:
    return LockOwner(host=host, pid=pid, token="t0k3n", heartbeat=time.time() - heartbeat_age)


def dead_local_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def wait_until(condition, what: str, timeout: float = 10.0) -> None:
    """Poll a condition the code under test will make true (bounded, fails with a reason)."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"{what} did not happen within {timeout} s"
        time.sleep(0.01)


def test_lock_is_exclusive_and_released(tmp_path):
    path = tmp_path / "s1.txt.lock"
    with FileLock(path, label="runner-A") as lock:
        assert lock.held and read_owner(path).pid == os.getpid()
        assert read_owner(path).label == "runner-A" and read_owner(path).host == HOSTNAME
        started = time.monotonic()
        with pytest.raises(LockTimeoutError) as error:
            FileLock(path, timeout=0).acquire()
        assert time.monotonic() - started < 5
    message = str(error.value)
    assert str(path) in message and f"pid {os.getpid()} (runner-A)" in message
    assert not path.exists() and not lock.held


def test_acquiring_twice_with_one_object_is_an_error(tmp_path):
    with FileLock(tmp_path / "x.lock") as lock, pytest.raises(RuntimeError, match="already held"):
        lock.acquire()


def test_threads_take_turns(tmp_path):
    counter = tmp_path / "counter"
    counter.write_text("0")

    def add_one_many_times():
        for _ in range(15):
            with FileLock(tmp_path / "counter.lock", timeout=30):
                value = int(counter.read_text())  # an unprotected read-modify-write
                counter.write_text(str(value + 1))

    threads = [threading.Thread(target=add_one_many_times) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert counter.read_text() == "60"


def test_heartbeat_keeps_a_long_holder_fresh(tmp_path):
    path = tmp_path / "x.lock"
    with FileLock(path, stale_after=0.5, heartbeat_interval=0.05):
        first = read_owner(path)
        wait_until(lambda: read_owner(path).heartbeat > first.heartbeat + 0.6, "two heartbeats")
        assert read_owner(path).token == first.token
        assert not break_if_stale(path, stale_after=0.5)
        with pytest.raises(LockTimeoutError):
            FileLock(path, timeout=0, stale_after=0.5).acquire()


def test_stale_by_heartbeat_age_on_a_foreign_host(tmp_path, caplog):
    path = tmp_path / "x.lock"
    path.write_text(foreign_owner(heartbeat_age=5).to_json())
    with pytest.raises(LockTimeoutError, match="other-machine pid 1"):
        FileLock(path, timeout=0.1, stale_after=60).acquire()
    assert read_owner(path).host == "other-machine"
    with FileLock(path, timeout=5, stale_after=1):
        assert read_owner(path).host == HOSTNAME
    assert "broke stale lock" in caplog.text and "other-machine" in caplog.text


def test_pid_is_only_checked_for_owners_on_this_machine(tmp_path):
    path = tmp_path / "x.lock"
    dead = dead_local_pid()
    foreign = foreign_owner(heartbeat_age=0, pid=dead)
    assert not is_stale(foreign, path, stale_after=60)
    assert is_stale(dataclasses.replace(foreign, host=HOSTNAME), path, stale_after=60)
    # same host name but another boot id: another machine (or before a reboot), so the
    # local pid table says nothing about it and only the heartbeat counts
    assert BOOT_ID, "this test needs a Linux boot id"
    twin = dataclasses.replace(foreign, host=HOSTNAME, boot="another-boot")
    assert not is_stale(twin, path, stale_after=60)
    assert is_stale(dataclasses.replace(twin, heartbeat=time.time() - 61), path, stale_after=60)


def test_dead_pid_on_this_host_is_stale_at_once(tmp_path):
    path = tmp_path / "x.lock"
    dead = dataclasses.replace(LockOwner.new(), pid=dead_local_pid(), started=None)
    path.write_text(dead.to_json())
    with FileLock(path, timeout=5, stale_after=3600):
        assert read_owner(path).pid == os.getpid()


def test_zombie_owner_is_dead(tmp_path):
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    try:
        os.waitid(os.P_PID, child.pid, os.WEXITED | os.WNOWAIT)  # exited, not yet reaped
        owner = dataclasses.replace(LockOwner.new(), pid=child.pid, started=None)
        assert is_stale(owner, tmp_path / "x.lock", stale_after=3600)
    finally:
        child.wait()


def test_reused_pid_is_detected_by_start_time(tmp_path):
    me = LockOwner.new()
    assert me.started is not None
    assert not is_stale(me, tmp_path / "x.lock", stale_after=3600)
    older = dataclasses.replace(me, started=me.started - 100)
    assert is_stale(older, tmp_path / "x.lock", stale_after=3600)


def test_unreadable_lock_is_stale_only_once_old(tmp_path):
    path = tmp_path / "x.lock"
    path.write_text("{half")
    assert read_owner(path) is None
    assert not break_if_stale(path, stale_after=60)
    old = time.time() - 120
    os.utime(path, (old, old))
    assert break_if_stale(path, stale_after=60)
    assert not path.exists()
    assert not is_stale(None, path, stale_after=0)  # a gone file is not stale


def test_break_file_left_by_a_crashed_breaker_is_cleared(tmp_path):
    path, breaker = tmp_path / "x.lock", tmp_path / "x.lock.break"
    path.write_text(foreign_owner(heartbeat_age=100).to_json())
    breaker.write_text(foreign_owner(heartbeat_age=1).to_json())
    assert not break_if_stale(path, stale_after=10)  # someone is breaking it right now
    assert breaker.exists() and path.exists()
    breaker.write_text(foreign_owner(heartbeat_age=60).to_json())
    assert not break_if_stale(path, stale_after=10)  # clears the crashed breaker's file
    assert not breaker.exists()
    assert break_if_stale(path, stale_after=10)
    assert not path.exists() and not breaker.exists()


def test_release_never_removes_someone_elses_lock(tmp_path, caplog):
    path = tmp_path / "x.lock"
    lock = FileLock(path, stale_after=10, heartbeat_interval=0.02)
    lock.acquire()
    path.write_text(foreign_owner(0).to_json())  # broken and re-taken elsewhere
    wait_until(lambda: lock.lost, "the holder noticing it lost the lock")
    lock.release()
    assert read_owner(path).host == "other-machine"
    assert "broken by another process" in caplog.text


def test_many_threads_race_to_break_one_stale_lock(tmp_path):
    path = tmp_path / "x.lock"
    path.write_text(foreign_owner(heartbeat_age=100).to_json())
    barrier = threading.Barrier(12)
    results = []

    def contend():
        barrier.wait()
        results.append(break_if_stale(path, stale_after=10))

    threads = [threading.Thread(target=contend) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results.count(True) == 1


RACE = """
import sys, time
from scan_analysis.data.file_lock import LockOwner, break_if_stale, create_exclusive
path = sys.argv[1]
print("ready", flush=True)
sys.stdin.readline()  # go
# the winner's new lock must outlive this short process: record a fresh foreign owner
fresh = LockOwner(host="winner", pid=1, token=str(time.time()), heartbeat=time.time())
won = break_if_stale(path, stale_after=10) and create_exclusive(path, fresh.to_json())
print("WON" if won else "lost", flush=True)
"""


@pytest.mark.slow
def test_processes_race_to_break_one_stale_lock(tmp_path):
    path = tmp_path / "x.lock"
    path.write_text(foreign_owner(heartbeat_age=100).to_json())
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", RACE, str(path)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(5)
    ]
    for process in processes:
        assert process.stdout.readline().strip() == "ready"
    for process in processes:
        process.stdin.write("go\n")
        process.stdin.flush()
    outputs = [process.communicate(timeout=60)[0].strip() for process in processes]
    assert outputs.count("WON") == 1, outputs
    assert read_owner(path).host == "winner"


def test_create_exclusive_is_exclusive(tmp_path):
    path = tmp_path / "c"
    assert create_exclusive(path, "a") and not create_exclusive(path, "b")
    assert path.read_text() == "a"


def test_owner_round_trips_through_the_file(tmp_path):
    owner = LockOwner.new(label="runner")
    assert create_exclusive(tmp_path / "o", owner.to_json())
    assert read_owner(tmp_path / "o") == owner
    assert read_owner(tmp_path / "missing") is None

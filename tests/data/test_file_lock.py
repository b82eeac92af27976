import dataclasses
import os
import signal
import subprocess
import sys
import threading
import time

import pytest
from waiting import wait_until

from scan_analysis.data.atomic_files import write_atomically
from scan_analysis.data.file_lock import (
    BOOT_ID,
    HOSTNAME,
    FileLock,
    LockOwner,
    break_if_stale,
    create_exclusive,
    ensure_guards_held,
    lease_guard,
    read_owner,
)
from scan_analysis.errors import LockLostError, LockTimeoutError


def foreign_owner(*, host="other-machine", pid=1, **fields) -> LockOwner:
    return LockOwner(host=host, pid=pid, token="t0k3n", acquired=time.time(), **fields)


def dead_local_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def dead_local_owner() -> LockOwner:
    return dataclasses.replace(LockOwner.new(), pid=dead_local_pid(), started=None)


def heartbeat_running(path) -> bool:
    return any(t.name == f"heartbeat {path.name}" for t in threading.enumerate())


def test_lock_is_exclusive_and_released(tmp_path):
    path = tmp_path / "s1.txt.lock"
    with FileLock(path, label="runner-A") as lock:
        assert lock.held and lock.check_held() and read_owner(path).pid == os.getpid()
        assert read_owner(path).label == "runner-A" and read_owner(path).host == HOSTNAME
        with pytest.raises(LockTimeoutError) as error:  # timeout=0: one try, no waiting
            FileLock(path, timeout=0).acquire()
    message = str(error.value)
    assert str(path) in message and f"pid {os.getpid()} (runner-A)" in message
    assert not path.exists() and not lock.held and not lock.check_held()
    assert os.listdir(tmp_path) == []  # nothing left beside it either


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


def test_the_heartbeat_refreshes_its_own_file_and_never_writes_by_path(tmp_path):
    """The heartbeat race: a holder must never write its lease over a new holder's.

    Writing by path (check the token, then replace the file) lets a holder whose
    lock was broken and taken again in between overwrite the new lease. Touching
    the file it created, through its own descriptor, cannot: the file keeps its
    identity while held, and once replaced, the new file is never touched.
    """
    path = tmp_path / "x.lock"
    lock = FileLock(path, stale_after=5.0, heartbeat_interval=0.02)
    lock.acquire()
    first = os.stat(path)
    wait_until(lambda: os.stat(path).st_mtime_ns != first.st_mtime_ns, "a heartbeat")
    assert os.stat(path).st_ino == first.st_ino, "the heartbeat replaced the lock file by path"

    os.unlink(path)  # broken by another process, then taken again
    path.write_text(foreign_owner().to_json())
    replaced = os.stat(path)
    wait_until(lambda: lock.lost, "the holder noticing it lost the lock")
    wait_until(lambda: not heartbeat_running(path), "the heartbeat to stop for good")
    now = os.stat(path)
    assert (now.st_ino, now.st_mtime_ns) == (replaced.st_ino, replaced.st_mtime_ns)
    assert read_owner(path).host == "other-machine"
    lock.release()
    assert read_owner(path).host == "other-machine"


def test_heartbeat_keeps_a_long_holder_fresh(tmp_path):
    path = tmp_path / "x.lock"
    with FileLock(path, stale_after=3.0, heartbeat_interval=0.05) as lock:
        beats = []

        def beat_seen():
            mtime = os.stat(path).st_mtime_ns
            if not beats or beats[-1] != mtime:
                beats.append(mtime)
            assert not break_if_stale(path, stale_after=3.0)
            return len(beats) >= 4

        wait_until(beat_seen, "three heartbeats")
        with pytest.raises(LockTimeoutError):
            FileLock(path, timeout=0, stale_after=3.0).acquire()
        assert lock.check_held()


def test_a_silent_foreign_lock_is_broken_after_the_lease_by_this_machines_clock(tmp_path, caplog):
    path = tmp_path / "x.lock"
    # its machine's clock is hours behind ours: a wall-clock comparison would break it at once
    path.write_text(dataclasses.replace(foreign_owner(), acquired=time.time() - 10_000).to_json())
    # the lease runs from the first sight: timed from there, as a pause of this process
    # between the steps below (a loaded machine) shortens what is left of it
    first_sight = time.monotonic()
    assert not break_if_stale(path, stale_after=0.3)  # first sight starts the observation
    with pytest.raises(LockTimeoutError, match="other-machine pid 1"):
        FileLock(path, timeout=0.1, stale_after=60).acquire()
    assert read_owner(path).host == "other-machine"
    with FileLock(path, timeout=10, stale_after=0.3):
        assert read_owner(path).host == HOSTNAME
    assert time.monotonic() - first_sight >= 0.3  # not before the lease has run out here
    assert "broke stale lock" in caplog.text and "other-machine" in caplog.text


def test_a_lock_that_keeps_changing_is_never_broken(tmp_path):
    path = tmp_path / "x.lock"
    path.write_text(foreign_owner().to_json())
    deadline = time.monotonic() + 0.6
    while time.monotonic() < deadline:  # a heartbeating holder on another machine
        os.utime(path)
        assert not break_if_stale(path, stale_after=0.2)
        time.sleep(0.02)
    assert read_owner(path).host == "other-machine"


def test_the_holders_longer_lease_is_honoured(tmp_path):
    path = tmp_path / "x.lock"
    path.write_text(foreign_owner(lease=3600.0).to_json())
    deadline = time.monotonic() + 0.5
    while time.monotonic() < deadline:
        assert not break_if_stale(path, stale_after=0.1)
        time.sleep(0.02)
    assert read_owner(path).lease == 3600.0


def test_pid_is_only_checked_for_owners_on_this_machine(tmp_path):
    path = tmp_path / "x.lock"
    dead = dead_local_pid()
    path.write_text(foreign_owner(pid=dead).to_json())
    assert not break_if_stale(path, stale_after=60)
    # same host name but another boot id: another machine (or before a reboot), so the
    # local pid table says nothing about it and only the heartbeat counts
    assert BOOT_ID, "this test needs a Linux boot id"
    path.write_text(foreign_owner(pid=dead, host=HOSTNAME, boot="another-boot").to_json())
    assert not break_if_stale(path, stale_after=60)
    path.write_text(foreign_owner(pid=dead, host=HOSTNAME, boot=BOOT_ID).to_json())
    assert break_if_stale(path, stale_after=60)


def test_dead_pid_on_this_host_is_stale_at_once(tmp_path):
    path = tmp_path / "x.lock"
    path.write_text(dead_local_owner().to_json())
    with FileLock(path, timeout=5, stale_after=3600):
        assert read_owner(path).pid == os.getpid()


def test_zombie_owner_is_dead(tmp_path):
    path = tmp_path / "x.lock"
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    try:
        os.waitid(os.P_PID, child.pid, os.WEXITED | os.WNOWAIT)  # exited, not yet reaped
        path.write_text(dataclasses.replace(LockOwner.new(), pid=child.pid, started=None).to_json())
        assert break_if_stale(path, stale_after=3600)
    finally:
        child.wait()


def test_reused_pid_is_detected_by_start_time(tmp_path):
    path = tmp_path / "x.lock"
    me = LockOwner.new()
    assert me.started is not None
    path.write_text(me.to_json())
    assert not break_if_stale(path, stale_after=3600)
    path.write_text(dataclasses.replace(me, started=me.started - 100).to_json())
    assert break_if_stale(path, stale_after=3600)


def test_unreadable_lock_is_broken_only_after_the_lease(tmp_path):
    path = tmp_path / "x.lock"
    path.write_text("{half")
    assert read_owner(path) is None
    assert not break_if_stale(path, stale_after=0.2)
    wait_until(lambda: break_if_stale(path, stale_after=0.2), "breaking the ownerless lock")
    assert not path.exists() and os.listdir(tmp_path) == []
    assert not break_if_stale(path, stale_after=0)  # a gone file is not stale


def test_release_never_removes_someone_elses_lock(tmp_path, caplog):
    path = tmp_path / "x.lock"
    lock = FileLock(path, stale_after=10, heartbeat_interval=0.02)
    lock.acquire()
    os.unlink(path)  # broken and re-taken elsewhere
    path.write_text(foreign_owner().to_json())
    wait_until(lambda: lock.lost, "the holder noticing it lost the lock")
    lock.release()
    assert read_owner(path).host == "other-machine"
    assert "broken by another process" in caplog.text


def test_a_lost_lease_refuses_guarded_writes(tmp_path):
    path, data = tmp_path / "x.lock", tmp_path / "data.txt"
    with FileLock(path, stale_after=10) as lock:
        with lease_guard(lock):
            ensure_guards_held()
            write_atomically(data, "mine")
        os.unlink(path)
        path.write_text(foreign_owner().to_json())
        with lease_guard(lock), pytest.raises(LockLostError, match=r"x\.lock.*nothing was written"):
            ensure_guards_held()
        with pytest.raises(LockLostError):
            lock.ensure_held()
    ensure_guards_held()  # outside the guard nothing is required
    assert data.read_text() == "mine"


def test_many_threads_race_to_break_one_stale_lock(tmp_path):
    path = tmp_path / "x.lock"
    path.write_text(dead_local_owner().to_json())
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
    assert os.listdir(tmp_path) == []


RACE = """
import sys, time
from scan_analysis.data.file_lock import LockOwner, break_if_stale, create_exclusive
path = sys.argv[1]
print("ready", flush=True)
sys.stdin.readline()  # go
# the winner's new lock must outlive this short process: record a fresh foreign owner
fresh = LockOwner(host="winner", pid=1, token=str(time.time()), acquired=time.time())
won = break_if_stale(path, stale_after=10) and create_exclusive(path, fresh.to_json())
print("WON" if won else "lost", flush=True)
"""


@pytest.mark.slow
def test_processes_race_to_break_one_stale_lock(tmp_path):
    path = tmp_path / "x.lock"
    path.write_text(dead_local_owner().to_json())
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


STALLED_HOLDER = """
import sys, time
from pathlib import Path
from scan_analysis.data.atomic_files import write_atomically
from scan_analysis.data.file_lock import FileLock, ensure_guards_held
from scan_analysis.errors import LockLostError
lock_path, data, go = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
lock = FileLock(lock_path, stale_after=1.0, heartbeat_interval=0.1)
lock.acquire()
print("held", flush=True)
while not go.exists():  # working; the test stops and resumes this process meanwhile
    time.sleep(0.01)
try:
    ensure_guards_held(lock)
    write_atomically(data, "first")
    print("wrote", flush=True)
except LockLostError as error:
    print("refused:", error, flush=True)
lock.release()
"""


@pytest.mark.slow
def test_a_holder_stalled_past_its_lease_writes_nothing_once_resumed(tmp_path, subprocess_env):
    lock_path, data, go = tmp_path / "s1.txt.lock", tmp_path / "data.txt", tmp_path / "go"
    holder = subprocess.Popen(
        [sys.executable, "-c", STALLED_HOLDER, str(lock_path), str(data), str(go)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=subprocess_env,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        os.kill(holder.pid, signal.SIGSTOP)  # its heartbeat stalls
        with FileLock(lock_path, timeout=60, stale_after=1.0, heartbeat_interval=0.1) as second:
            write_atomically(data, "second")
            os.kill(holder.pid, signal.SIGCONT)
            go.write_text("go")
            output, errors = holder.communicate(timeout=60)
            assert second.check_held(), "the resumed holder disturbed the new holder's lock"
            assert read_owner(lock_path).pid == os.getpid()
    finally:
        if holder.poll() is None:
            os.kill(holder.pid, signal.SIGCONT)
            holder.kill()
    assert data.read_text() == "second"
    assert output.startswith("refused:") and "lost the lease" in output, output + errors
    assert "broken by another process" in errors
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data.txt", "go"]


def test_create_exclusive_is_exclusive(tmp_path):
    path = tmp_path / "c"
    assert create_exclusive(path, "a") and not create_exclusive(path, "b")
    assert path.read_text() == "a"


def test_owner_round_trips_through_the_file(tmp_path):
    owner = LockOwner.new(label="runner", lease=30.0)
    assert create_exclusive(tmp_path / "o", owner.to_json())
    assert read_owner(tmp_path / "o") == owner
    assert read_owner(tmp_path / "missing") is None

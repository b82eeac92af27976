import json
import os
import subprocess
import sys
import threading
import time

import pytest

from scan_analysis.data.file_lock import (
    FileLock,
    LockOwner,
    break_if_stale,
    create_exclusive,
    read_owner,
)
from scan_analysis.errors import LockTimeoutError


def foreign_owner(heartbeat_age: float) -> str:
    owner = LockOwner(
        host="other-machine", pid=1, token="t0k3n", heartbeat=time.time() - heartbeat_age
    )
    return owner.to_json()


def test_lock_is_exclusive_and_released(tmp_path):
    path = tmp_path / "s1.txt.lock"
    with FileLock(path) as lock:
        assert lock.held and read_owner(path).pid == os.getpid()
        with pytest.raises(LockTimeoutError, match=r"s1\.txt\.lock.*held by"):
            FileLock(path, timeout=0.05).acquire()
    assert not path.exists()


def test_heartbeat_keeps_a_long_holder_fresh(tmp_path):
    path = tmp_path / "x.lock"
    lock = FileLock(path, stale_after=0.4, heartbeat_interval=0.05)
    lock.acquire()
    first = read_owner(path).heartbeat
    deadline = time.monotonic() + 10
    while read_owner(path).heartbeat == first:
        assert time.monotonic() < deadline, "heartbeat never refreshed"
        time.sleep(0.02)
    assert not break_if_stale(path, stale_after=0.4)
    lock.release()


def test_stale_foreign_lock_is_broken_fresh_one_is_not(tmp_path):
    path = tmp_path / "x.lock"
    path.write_text(foreign_owner(heartbeat_age=5))
    with pytest.raises(LockTimeoutError, match="other-machine"):
        FileLock(path, timeout=0.1, stale_after=60).acquire()
    with FileLock(path, timeout=5, stale_after=1):
        assert read_owner(path).host != "other-machine"


def test_dead_pid_on_this_host_is_stale_at_once(tmp_path):
    path = tmp_path / "x.lock"
    child = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True
    )
    dead = LockOwner.new()
    dead = LockOwner(dead.host, int(child.stdout), "dead", time.time())
    path.write_text(dead.to_json())
    with FileLock(path, timeout=5, stale_after=3600):
        assert read_owner(path).pid == os.getpid()


def test_unreadable_lock_is_stale_only_once_old(tmp_path):
    path = tmp_path / "x.lock"
    path.write_text("{half")
    assert not break_if_stale(path, stale_after=60)
    old = time.time() - 120
    os.utime(path, (old, old))
    assert break_if_stale(path, stale_after=60)
    assert not path.exists()


def test_release_never_removes_someone_elses_lock(tmp_path):
    path = tmp_path / "x.lock"
    lock = FileLock(path)
    lock.acquire()
    path.write_text(foreign_owner(0))  # the lock was broken and re-taken elsewhere
    lock.release()
    assert json.loads(path.read_text())["host"] == "other-machine"


def test_many_threads_race_to_break_one_stale_lock(tmp_path):
    path = tmp_path / "x.lock"
    path.write_text(foreign_owner(heartbeat_age=100))
    barrier = threading.Barrier(16)
    results = []

    def contend():
        barrier.wait()
        results.append(break_if_stale(path, stale_after=10))

    threads = [threading.Thread(target=contend) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results.count(True) == 1


RACE = """
import sys, time
from pathlib import Path
from scan_analysis.data.file_lock import break_if_stale, create_exclusive, LockOwner
path, go = Path(sys.argv[1]), Path(sys.argv[2])
while not go.exists():
    time.sleep(0.001)
# the winner's lock must outlive its short-lived process: record a fresh owner elsewhere
fresh = LockOwner(host="winner", pid=1, token=str(time.time()), heartbeat=time.time())
won = break_if_stale(path, stale_after=10) and create_exclusive(path, fresh.to_json())
print("WON" if won else "lost")
"""


@pytest.mark.slow
def test_processes_race_for_one_stale_lock(tmp_path):
    path, go = tmp_path / "x.lock", tmp_path / "go"
    path.write_text(foreign_owner(heartbeat_age=100))
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", RACE, str(path), str(go)], stdout=subprocess.PIPE, text=True
        )
        for _ in range(6)
    ]
    go.write_text("go")
    outputs = [p.communicate(timeout=60)[0].strip() for p in processes]
    assert outputs.count("WON") == 1, outputs


def test_create_exclusive_is_exclusive(tmp_path):
    path = tmp_path / "c"
    assert create_exclusive(path, "a") and not create_exclusive(path, "b")
    assert path.read_text() == "a"

"""Partial sums from worker processes through shared memory (issue 18: the pipe was a fifth of
a megapixel scan's shots phase)."""

import os
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import numpy as np
import pytest
from waiting import wait_until

from scan_analysis import shared_sums
from scan_analysis.accumulators import ArraySum
from scan_analysis.analyzers.common.shot_work import ChunkResult


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


@pytest.fixture
def shm_folder():
    """A scan's folder in the machine's shared memory, where workers write (not tmp_path: the
    space check is about /dev/shm, and a test disk may be fuller than a quarter)."""
    with shared_sums.scan_sums_folder() as folder:
        assert folder is not None, "no writable /dev/shm on this machine"
        yield folder


def test_an_array_comes_back_exactly_and_its_file_is_gone(shm_folder):
    array = np.random.default_rng(1).random((64, 48), dtype=np.float32)
    stored = shared_sums.put(array, shm_folder / "a.sum")
    assert stored is not None and stored.path.exists()
    back = shared_sums.take(stored)
    assert back.dtype == np.float32 and back.shape == (64, 48)
    assert np.array_equal(back, array)
    assert not stored.path.exists()


def test_a_sum_that_cannot_be_written_stays_in_the_result_and_leaves_no_file(tmp_path):
    result = ChunkResult(bin=1)
    partial = result.sums.setdefault((3, 2), ArraySum(dtype=np.float32))
    partial.add(np.ones((3, 2), dtype=np.float32))
    result.hand_over_sums(tmp_path / "no-such-folder", "bin1-shot1")
    assert result.sum_files == {} and partial.total is not None
    assert not (tmp_path / "no-such-folder").exists()


def test_nothing_is_written_when_shared_memory_would_be_nearly_full(tmp_path, monkeypatch):
    monkeypatch.setattr(shared_sums, "MIN_FREE_FRACTION", 1.0)  # no room left after any write
    assert shared_sums.put(np.zeros(10, dtype=np.float32), tmp_path / "full.sum") is None
    assert list(tmp_path.iterdir()) == []


def test_a_file_cut_short_is_an_error_naming_it_and_is_deleted(shm_folder):
    stored = shared_sums.put(np.arange(100, dtype=np.float32), shm_folder / "cut.sum")
    with open(stored.path, "r+b") as file:
        file.truncate(120)
    with pytest.raises(OSError, match=r"cut\.sum: 120 bytes where a partial sum of 400"):
        shared_sums.take(stored)
    assert not stored.path.exists()


def test_sums_handed_over_in_files_are_taken_back_into_the_result(shm_folder):
    result = ChunkResult(bin=2)
    for shape in [(4, 4), (2, 3)]:
        result.sums[shape] = ArraySum(dtype=np.float32)
        result.sums[shape].add(np.full(shape, 2.5, dtype=np.float32), count=3)
    result.hand_over_sums(shm_folder, "bin2-shot7")
    assert sorted(p.name for p in shm_folder.iterdir()) == [
        "bin2-shot7-2x3.sum",
        "bin2-shot7-4x4.sum",
    ]
    assert all(partial.total is None for partial in result.sums.values())
    result.take_sums()
    assert list(shm_folder.iterdir()) == [] and result.sum_files == {}
    assert {shape: (p.total.tolist(), p.count) for shape, p in result.sums.items()} == {
        (4, 4): (np.full((4, 4), 2.5).tolist(), 3),
        (2, 3): (np.full((2, 3), 2.5).tolist(), 3),
    }


def test_a_scans_folder_is_in_shared_memory_and_removed_with_what_is_left_in_it():
    with shared_sums.scan_sums_folder() as folder:
        assert folder.parent == shared_sums.SHARED_MEMORY_ROOT
        assert folder.name.startswith(f"{shared_sums.FOLDER_PREFIX}{os.getpid()}-")
        (folder / "left-by-a-cancelled-chunk.sum").write_bytes(b"x" * 100)
    assert not folder.exists()
    with pytest.raises(KeyboardInterrupt), shared_sums.scan_sums_folder() as folder:
        raise KeyboardInterrupt
    assert not folder.exists()


HOLDER = """
import sys
from pathlib import Path
from scan_analysis import shared_sums
shared_sums.SHARED_MEMORY_ROOT = Path(sys.argv[1])
with shared_sums.scan_sums_folder() as folder:
    print(folder, flush=True)
    sys.stdin.readline()  # until the test says so
"""


def _folder_held_by_another_process(root):
    """A real process in the middle of a scan's use of its folder under ``root``."""
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(root)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    return holder, Path(holder.stdout.readline().strip())


def test_folders_of_ended_scans_are_removed_those_in_use_are_kept(tmp_path, monkeypatch):
    prefix = shared_sums.FOLDER_PREFIX
    dead = tmp_path / f"{prefix}{_dead_pid()}-abc"  # its process was killed mid-scan
    # the state a killed scan's folder is in once its process number belongs to another
    # program (here the process that started the tests): nobody uses it
    reused = tmp_path / f"{prefix}{os.getppid()}-def"
    for folder in (dead, reused):
        folder.mkdir()
        (folder / "bin1-shot1-4x4.sum").write_bytes(b"\0" * 64)
    other = tmp_path / "sem.loky-123-xyz"  # not ours
    other.write_bytes(b"")
    holder, theirs = _folder_held_by_another_process(tmp_path)
    try:
        (theirs / "bin1-shot9-4x4.sum").write_bytes(b"\0" * 64)
        monkeypatch.setattr(shared_sums, "SHARED_MEMORY_ROOT", tmp_path)
        with shared_sums.scan_sums_folder() as mine:  # this scan's start sweeps
            shared_sums.remove_abandoned_folders(tmp_path)  # and another one's
            assert mine.is_dir()
            left = sorted(p.name for p in tmp_path.iterdir())
        assert left == sorted([theirs.name, mine.name, other.name])
        assert (theirs / "bin1-shot9-4x4.sum").exists()
    finally:
        holder.communicate("\n", timeout=60)
    assert holder.returncode == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == [other.name]


def test_a_scan_starting_in_another_thread_never_removes_a_folder_just_made(monkeypatch):
    """The widgets run analyses in threads: one's sweep at the moment another made its folder."""
    make = tempfile.mkdtemp

    def made_as_another_scan_starts(*args, **kwargs):
        folder = make(*args, **kwargs)
        other = threading.Thread(
            target=shared_sums.remove_abandoned_folders, args=(shared_sums.SHARED_MEMORY_ROOT,)
        )
        other.start()
        other.join()
        return folder

    monkeypatch.setattr(tempfile, "mkdtemp", made_as_another_scan_starts)
    with shared_sums.scan_sums_folder() as folder:
        assert folder is not None and folder.is_dir()
        stored = shared_sums.put(np.ones(8, dtype=np.float32), folder / "bin1-shot1-8.sum")
        assert stored is not None and shared_sums.take(stored).tolist() == [1.0] * 8
    assert not folder.exists()


WRITER = """
import sys, time
from pathlib import Path
import numpy as np
from scan_analysis import shared_sums
folder = Path(sys.argv[1])
array = np.ones(16, dtype=np.float32)
written = 0
deadline = time.monotonic() + 60
while time.monotonic() < deadline and written < 100_000:
    if shared_sums.put(array, folder / f"late-{written}.sum") is None:
        break  # the folder is gone: the chunk's sum goes through the pipe
    written += 1
print(written)
"""


def test_workers_still_writing_when_a_scan_is_interrupted_leave_nothing_behind():
    """Ctrl-C or an error mid-scan: the workers finish their chunks and write their sums while
    the folder is being removed; none of it may stay in shared memory."""
    with pytest.raises(KeyboardInterrupt), shared_sums.scan_sums_folder() as folder:
        writer = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(folder)], stdout=subprocess.PIPE, text=True
        )
        wait_until(lambda: len(list(folder.iterdir())) > 2000, "the worker's first sums")
        raise KeyboardInterrupt
    output, _ = writer.communicate(timeout=120)
    assert 2000 < int(output) < 100_000
    assert not folder.exists()


@pytest.mark.slow
def test_a_live_runner_analysing_scan_after_scan_leaves_nothing_in_shared_memory(
    tmp_path, monkeypatch
):
    """The control room's long-running process: every scan's sums came through shared memory,
    and none of its folders outlives its scan."""
    from live_configs import make_config_dir

    from scan_analysis.data.demo import build_demo_day
    from scan_analysis.live_task_runner import LiveTaskRunner

    day = build_demo_day(tmp_path / "data", image_shape=(64, 64), n_bins=3, shots_per_bin=3)
    config_dir, _ = make_config_dir(tmp_path)
    taken = []
    take = shared_sums.take
    monkeypatch.setattr(shared_sums, "take", lambda stored: taken.append(stored) or take(stored))
    runner = LiveTaskRunner(
        "live", day.tag(1), data_root=day.data_root, config_dir=config_dir, executor="processes"
    )
    try:
        assert runner.process_new() == 18
    finally:
        runner.close()
    done = {
        (t["scan"], t["analyzer"]) for t in runner.status_snapshot().tasks if t["state"] == "done"
    }
    assert len({scan for scan, _ in done}) >= 3
    assert len({stored.path.parent for stored in taken}) >= 3  # one folder per scan analysed
    mine = f"{shared_sums.FOLDER_PREFIX}{os.getpid()}-"
    assert not [p for p in shared_sums.SHARED_MEMORY_ROOT.iterdir() if p.name.startswith(mine)]

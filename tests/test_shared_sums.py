"""Partial sums from worker processes through shared memory (issue 18: the pipe was a fifth of
a megapixel scan's shots phase)."""

import os
import subprocess
import sys

import numpy as np
import pytest

from scan_analysis import shared_sums
from scan_analysis.accumulators import ArraySum
from scan_analysis.analyzers.common.shot_work import ChunkResult


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_an_array_comes_back_exactly_and_its_file_is_gone(tmp_path):
    array = np.random.default_rng(1).random((64, 48), dtype=np.float32)
    stored = shared_sums.put(array, tmp_path / "a.sum")
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


def test_a_file_cut_short_is_an_error_naming_it_and_is_deleted(tmp_path):
    stored = shared_sums.put(np.arange(100, dtype=np.float32), tmp_path / "cut.sum")
    with open(stored.path, "r+b") as file:
        file.truncate(120)
    with pytest.raises(OSError, match=r"cut\.sum: 120 bytes where a partial sum of 400"):
        shared_sums.take(stored)
    assert not stored.path.exists()


def test_sums_handed_over_in_files_are_taken_back_into_the_result(tmp_path):
    result = ChunkResult(bin=2)
    for shape in [(4, 4), (2, 3)]:
        result.sums[shape] = ArraySum(dtype=np.float32)
        result.sums[shape].add(np.full(shape, 2.5, dtype=np.float32), count=3)
    result.hand_over_sums(tmp_path, "bin2-shot7")
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "bin2-shot7-2x3.sum",
        "bin2-shot7-4x4.sum",
    ]
    assert all(partial.total is None for partial in result.sums.values())
    result.take_sums()
    assert list(tmp_path.iterdir()) == [] and result.sum_files == {}
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


def test_folders_of_ended_processes_are_removed_those_in_use_are_kept(tmp_path):
    prefix = shared_sums.FOLDER_PREFIX
    dead = tmp_path / f"{prefix}{_dead_pid()}-abc"
    running = tmp_path / f"{prefix}{os.getppid()}-def"  # the process that started the tests
    mine_done = tmp_path / f"{prefix}{os.getpid()}-ghi"  # a scan of this process that ended
    other = tmp_path / "sem.loky-123-xyz"  # not ours
    for folder in (dead, running, mine_done):
        folder.mkdir()
        (folder / "bin1-shot1-4x4.sum").write_bytes(b"\0" * 64)
    other.write_bytes(b"")
    with shared_sums._active_lock:
        shared_sums._active.add(tmp_path / f"{prefix}{os.getpid()}-in-use")
    (tmp_path / f"{prefix}{os.getpid()}-in-use").mkdir()
    try:
        removed = shared_sums.remove_abandoned_folders(tmp_path)
    finally:
        with shared_sums._active_lock:
            shared_sums._active.discard(tmp_path / f"{prefix}{os.getpid()}-in-use")
    assert sorted(removed) == sorted([dead, mine_done])
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [running.name, other.name, f"{prefix}{os.getpid()}-in-use"]
    )

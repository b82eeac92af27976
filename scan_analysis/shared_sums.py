"""Partial sums handed from worker processes to the parent through shared memory.

A worker's sum of a chunk of megapixel frames is 4 MB of float32. Sent back
through the worker pool's result pipe it is pickled, written in 64 KiB pieces
that the parent's reader thread must drain while the worker waits, read and
unpickled: four copies, and on a machine whose cores are all busy analysing,
the waiting cost a 200-shot scan a fifth of its shots phase. Instead the worker
writes the sum to a file in a per-scan folder on the shared-memory file system
(``/dev/shm``, in RAM) and sends its name; the parent reads the file (one copy
each way) and deletes it.

Nothing here is needed for correctness: where there is no ``/dev/shm``
(Windows, macOS), where it is nearly full, or where a write fails, the sum
travels through the pipe as before.

A scan's process holds a lock on its folder (``flock``) while it uses it, and
removes the folder at the end. A folder nobody holds a lock on was left by a
process that was killed (the kernel drops a dead process's locks): the next scan
that starts on the machine removes it. A lock, not the process number in the
name, says whether a folder is in use: a number may belong to another program by
then, or to another PID namespace (a container sharing ``/dev/shm``).
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

try:
    import fcntl
except ImportError:  # Windows: no /dev/shm either
    fcntl = None  # type: ignore[assignment]

logger = logging.getLogger(__name__)

SHARED_MEMORY_ROOT = Path("/dev/shm")
FOLDER_PREFIX = "scan-analysis-partial-sums-"
"""Not the first version's ``scan-analysis-sums-``: that one's folders are not locked, and a
sweep taking them for abandoned would empty those of a scan still running that version."""
MIN_FREE_FRACTION = 0.25
"""A sum is written only if a quarter of the shared memory stays free after it.

Docker gives containers 64 MiB of ``/dev/shm`` by default, and other programs
(the worker pool's own semaphores, a browser) need some of it.
"""
_ENDED = "-ended"
"""Added to a folder's name when its scan ends: workers finishing a chunk no longer find it."""


@dataclass(frozen=True)
class SumInFile:
    """A worker's array waiting in a shared-memory file for the parent."""

    path: Path
    shape: tuple[int, ...]
    dtype: str


def shared_memory_root() -> Path | None:
    """The shared-memory folder of this machine, or None where there is none to write to."""
    root = SHARED_MEMORY_ROOT
    if fcntl is not None and root.is_dir() and os.access(root, os.W_OK | os.X_OK):
        return root
    return None


@contextmanager
def scan_sums_folder() -> Iterator[Path | None]:
    """A new shared-memory folder for one scan's partial sums, removed afterwards.

    Yields None where there is no shared memory (sums then travel through the
    pipe). Folders that no running scan holds are removed first.
    """
    root = shared_memory_root()
    claimed: tuple[Path, int] | None = None
    if root is not None:
        remove_abandoned_folders(root)
        try:
            claimed = _claim_new_folder(root)
        except OSError as error:
            logger.debug("no shared-memory folder for partial sums (%s): using the pipe", error)
    if claimed is None:
        yield None
        return
    folder, lock = claimed
    try:
        yield folder
    finally:
        _remove_own_folder(folder, lock)


def _claim_new_folder(root: Path) -> tuple[Path, int]:
    """Make a folder, lock it, then give it the name sweeps look at; returns it and the lock.

    Made under a hidden name first, so no sweep ever sees it unlocked.
    """
    staging = Path(tempfile.mkdtemp(prefix=f".{FOLDER_PREFIX}{os.getpid()}-", dir=root))
    lock = None
    try:
        lock = os.open(staging, os.O_RDONLY | os.O_DIRECTORY)  # not inherited by workers
        fcntl.flock(lock, fcntl.LOCK_EX)
        folder = root / staging.name[1:]
        os.rename(staging, folder)  # the lock stays: it is on the folder, not its name
    except OSError:
        if lock is not None:
            os.close(lock)
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return folder, lock


def _remove_own_folder(folder: Path, lock: int) -> None:
    """Remove a scan's folder at its end (Ctrl-C and errors included), then let go of it.

    Renamed first: a worker still finishing a chunk of an interrupted scan can
    then no longer create a file in it while it is removed (it sends its sum
    through the pipe instead).
    """
    try:
        ended = folder.with_name(folder.name + _ENDED)
        try:
            os.rename(folder, ended)
        except OSError:
            ended = folder
        for _ in range(3):  # a file a worker was creating at the very moment of the rename
            shutil.rmtree(ended, ignore_errors=True)
            if not ended.exists():
                break
        else:
            logger.debug("%s not removed; the next scan will remove it", ended)
    finally:
        os.close(lock)  # unlocked: whatever is left, the next scan's sweep removes


def remove_abandoned_folders(root: Path) -> list[Path]:
    """Remove the sum folders under ``root`` that no scan holds any more.

    A running scan holds a lock on its folder (in any process, thread or PID
    namespace); a killed process's locks are gone with it. Returns the folders
    removed; folders in use are left alone.
    """
    removed: list[Path] = []
    if fcntl is None:
        return removed
    try:
        entries = list(root.glob(f"{FOLDER_PREFIX}*"))
    except OSError:
        return removed
    for entry in entries:
        try:
            probe = os.open(entry, os.O_RDONLY | os.O_DIRECTORY)
        except OSError:  # gone meanwhile, not a folder, or another user's
            continue
        try:
            try:
                fcntl.flock(probe, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:  # held: a scan uses it
                continue
            shutil.rmtree(entry, ignore_errors=True)
        finally:
            os.close(probe)
        if not entry.exists():
            removed.append(entry)
            logger.debug("removed an abandoned partial-sum folder %s", entry)
    return removed


def put(array: np.ndarray, path: Path) -> SumInFile | None:
    """Write ``array`` to ``path`` for the parent; None (and no file) when it does not fit.

    Called in a worker. None means: send the array the usual way.
    """
    array = np.ascontiguousarray(array)
    try:
        space = os.statvfs(path.parent)
        free = space.f_bavail * space.f_frsize
        if free - array.nbytes < MIN_FREE_FRACTION * space.f_blocks * space.f_frsize:
            return None
        with open(path, "xb") as file:
            file.write(memoryview(array).cast("B"))
    except OSError as error:
        logger.debug("partial sum not written to %s (%s): sent through the pipe", path, error)
        try:
            path.unlink()
        except OSError:
            pass
        return None
    return SumInFile(path, tuple(array.shape), array.dtype.str)


def take(stored: SumInFile) -> np.ndarray:
    """Read a worker's array back and delete its file (called in the parent).

    Raises
    ------
    OSError
        The file is gone or shorter than the array (something removed it).
    """
    array = np.empty(stored.shape, dtype=np.dtype(stored.dtype))
    try:
        with open(stored.path, "rb") as file:
            read = file.readinto(memoryview(array).cast("B"))
            extra = file.read(1)
    finally:
        try:
            stored.path.unlink()
        except OSError:
            pass
    if read != array.nbytes or extra:
        raise OSError(
            f"{stored.path}: {read} bytes where a partial sum of {array.nbytes} was written "
            "(was the shared memory cleaned while the scan ran?)"
        )
    return array

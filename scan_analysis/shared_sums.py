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

Folders are removed when their scan ends; a folder left by a process that was
killed is removed by the next scan that starts on the machine.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

logger = logging.getLogger(__name__)

SHARED_MEMORY_ROOT = Path("/dev/shm")
FOLDER_PREFIX = "scan-analysis-sums-"
MIN_FREE_FRACTION = 0.25
"""A sum is written only if a quarter of the shared memory stays free after it.

Docker gives containers 64 MiB of ``/dev/shm`` by default, and other programs
(the worker pool's own semaphores, a browser) need some of it.
"""

_active_lock = threading.Lock()
_active: set[Path] = set()
"""This process's folders in use (analyses may run in threads side by side)."""


@dataclass(frozen=True)
class SumInFile:
    """A worker's array waiting in a shared-memory file for the parent."""

    path: Path
    shape: tuple[int, ...]
    dtype: str


def shared_memory_root() -> Path | None:
    """The shared-memory folder of this machine, or None where there is none to write to."""
    root = SHARED_MEMORY_ROOT
    if root.is_dir() and os.access(root, os.W_OK | os.X_OK):
        return root
    return None


@contextmanager
def scan_sums_folder() -> Iterator[Path | None]:
    """A new shared-memory folder for one scan's partial sums, removed afterwards.

    Yields None where there is no shared memory (sums then travel through the
    pipe). Folders left by processes that no longer run are removed first.
    """
    root = shared_memory_root()
    folder: Path | None = None
    if root is not None:
        remove_abandoned_folders(root)
        try:
            folder = Path(tempfile.mkdtemp(prefix=f"{FOLDER_PREFIX}{os.getpid()}-", dir=root))
        except OSError as error:
            logger.debug("no shared-memory folder for partial sums (%s): using the pipe", error)
    if folder is None:
        yield None
        return
    with _active_lock:
        _active.add(folder)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        with _active_lock:
            _active.discard(folder)


def remove_abandoned_folders(root: Path) -> list[Path]:
    """Remove sum folders whose process has ended (or that this process no longer uses).

    Returns the folders removed. Folders of running processes are left alone.
    """
    removed = []
    try:
        entries = list(root.glob(f"{FOLDER_PREFIX}*"))
    except OSError:
        return removed
    for entry in entries:
        pid_text = entry.name[len(FOLDER_PREFIX) :].split("-", 1)[0]
        if not pid_text.isdigit():
            continue
        pid = int(pid_text)
        with _active_lock:
            in_use = entry in _active
        if in_use or (pid != os.getpid() and _process_runs(pid)):
            continue
        shutil.rmtree(entry, ignore_errors=True)
        if not entry.exists():
            removed.append(entry)
            logger.debug("removed an abandoned partial-sum folder %s", entry)
    return removed


def _process_runs(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # another user's process: it runs
        return True
    return True


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

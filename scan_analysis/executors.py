"""Where per-shot work runs: serially, in threads, in worker processes (or, later, on Dask).

Every executor has one method, ``map_unordered(function, items)``, yielding
results as they complete, and ``close()``; each is a context manager. The scan
layer never branches on which one it has.

Worker processes come from loky (the pool joblib uses), because of what a
first-time user does: paste the README example into a script without an
``if __name__ == "__main__"`` guard, pipe it to ``python -``, or define an
analyzer class in a notebook cell. loky's workers start as fresh interpreters
(fork + exec: safe when the parent runs threads) that do not import the
user's ``__main__``, so nothing is run twice, and work is sent with
cloudpickle, so classes defined in ``__main__`` travel by value. Where worker
processes cannot start at all (an embedded interpreter whose
``sys.executable`` is not Python, a sandbox), the executor says so once and
runs on threads, which per-shot code shares safely.
"""

from __future__ import annotations

import abc
import importlib
import logging
import os
import signal
import sys
import threading
import time
import weakref
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import (
    FIRST_COMPLETED,
    BrokenExecutor,
    Executor,
    Future,
    ThreadPoolExecutor,
    wait,
)
from contextlib import contextmanager
from multiprocessing import resource_tracker as multiprocessing_resource_tracker
from typing import Any, Protocol, TypeVar

import cloudpickle
import loky
from loky.backend import resource_tracker as loky_resource_tracker

logger = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")
EXECUTOR_KINDS = ("serial", "threads", "processes", "dask")
WORKER_PRELOAD = ("scan_analysis.analyzers.common.shot_work",)
"""Imported by each new worker: what analysing shots needs (numpy, Pillow, the pipeline).

matplotlib (``scan_analysis.render``), pandas and scipy are left to the work that
needs them (a figure job, a filter), so a pool is ready in about a third of the time.
"""


class ShotExecutor(Protocol):
    """Runs a function over items, yielding results as they complete."""

    def map_unordered(self, function: Callable[[T], R], items: Iterable[T]) -> Iterator[R]: ...

    def close(self) -> None: ...


class WorkersUnavailableError(RuntimeError):
    """Worker processes cannot be started on this machine or in this interpreter."""


class SerialExecutor:
    """Runs everything in the calling thread (debugging, tiny scans)."""

    workers = 1

    def map_unordered(self, function: Callable[[T], R], items: Iterable[T]) -> Iterator[R]:
        """Apply ``function`` to each item in turn."""
        for item in items:
            yield function(item)

    def close(self) -> None:
        """Nothing to release."""

    def __enter__(self) -> SerialExecutor:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class _PoolExecutor(abc.ABC):
    """Shared logic of the pool executors: bounded in-flight work, results as completed.

    The pool is created on first use and kept until :meth:`close`; a
    finalizer shuts it down when the executor is garbage collected or the
    interpreter exits, so a user who never calls ``close()`` leaks nothing.
    A pool broken by a dead worker is dropped: the next use starts a new one.
    """

    workers: int

    def __init__(self) -> None:
        self._pool: Executor | None = None
        self._finalizer: weakref.finalize | None = None

    @abc.abstractmethod
    def _make_pool(self) -> Executor:
        """Create the underlying pool (threads or processes)."""

    @staticmethod
    def _shut_down(pool: Executor, *, wait: bool = True, kill: bool = False) -> None:
        pool.shutdown(wait=wait, cancel_futures=True)

    @property
    def pool(self) -> Executor:
        """The underlying pool (started on first use)."""
        if self._pool is None:
            pool = self._make_pool()
            # garbage collection may run in any thread, even the pool's own: never wait there
            # (at exit, concurrent.futures and loky join their threads and workers themselves)
            self._finalizer = weakref.finalize(self, self._shut_down, pool, wait=False)
            self._pool = pool
        return self._pool

    def map_unordered(self, function: Callable[[T], R], items: Iterable[T]) -> Iterator[R]:
        """Submit items with at most ``2 * workers`` in flight; yield results as they finish.

        Raises
        ------
        concurrent.futures.BrokenExecutor
            When a worker died (``BrokenProcessPool``); the broken pool is
            dropped, so the next call runs on a new one.
        """
        pending = set()
        iterator = iter(items)
        limit = 2 * self.workers
        try:
            for item in iterator:
                pending.add(self.pool.submit(function, item))
                if len(pending) >= limit:
                    done, pending = wait(pending, return_when=FIRST_COMPLETED)
                    for future in done:
                        yield future.result()
            while pending:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    yield future.result()
        except BrokenExecutor:
            self._drop_broken_pool()
            raise
        finally:
            for future in pending:
                future.cancel()

    def _take_pool(self) -> Executor | None:
        """The pool, no longer this executor's (None if there was none); its finalizer dropped."""
        pool, self._pool = self._pool, None
        if self._finalizer is not None:
            self._finalizer.detach()
            self._finalizer = None
        return pool

    def _drop_broken_pool(self) -> None:
        pool = self._take_pool()
        if pool is not None:
            try:
                self._shut_down(pool, wait=False, kill=True)
            except Exception as error:  # a broken pool may complain while going
                logger.debug("shutting down a broken pool: %s", error)

    def close(self) -> None:
        """Shut the pool down, waiting for its workers (it is re-created on next use)."""
        pool = self._take_pool()
        if pool is not None:
            self._shut_down(pool, wait=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class ThreadPoolShotExecutor(_PoolExecutor):
    """Threads: for analyzers that cannot be pickled (decoders release the GIL partly)."""

    def __init__(self, max_workers: int | None = None) -> None:
        super().__init__()
        self.workers = max_workers or default_workers()

    def _make_pool(self) -> Executor:
        return ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="shot")


def _prepare_worker(parent: int) -> None:
    """Set a new worker up: leave Ctrl-C to the parent, end with it, import what shot work needs.

    The terminal sends Ctrl-C to the whole process group; the parent decides
    what it means (the live runner finishes its task first), so workers ignore
    it. They start with SIGINT blocked (see :func:`_sigint_blocked`), so one
    arriving while they import is dropped here instead of killing them.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    _end_with_parent(parent)
    keep_freed_memory()
    os.environ.update({k: v for k, v in ONE_THREAD_PER_WORKER.items() if k not in os.environ})
    for module in WORKER_PRELOAD:
        importlib.import_module(module)


PARENT_CHECK_INTERVAL = 1.0
"""Seconds between a worker's checks that the process that started it still runs."""


def _end_with_parent(parent: int) -> None:
    """End this worker soon after ``parent``, the process that started the pool, is gone.

    A pool's process killed with SIGKILL (``kill -9``, the kernel's out-of-memory
    killer) cannot shut its workers down, and loky's workers do not notice: they
    stayed alive, holding their memory, until someone killed them by hand. A
    daemon thread watches the parent's process number; when the worker has been
    handed to another parent, the worker exits. (``prctl(PR_SET_PDEATHSIG)`` is
    not used: it fires when the parent *thread* that started the worker ends,
    and pools are started from threads: the widgets', the live runner's.) The
    parent's number comes from the parent: a worker still starting when its parent
    was killed would read its new parent's (init's) and never notice.
    """
    if os.name != "posix":  # Windows: loky watches the parent itself
        return

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_CHECK_INTERVAL)
        os._exit(0)

    threading.Thread(target=watch, name="end-with-parent", daemon=True).start()


ONE_THREAD_PER_WORKER = {"OPENCV_FOR_THREADS_NUM": "1"}
"""Worker processes are one per core: OpenCV (the image filters) runs each call on one thread
instead of starting a thread per core in every worker. A value the user set is kept."""

_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
_MMAP_THRESHOLD_BYTES = 32 * 2**20  # glibc's largest: frames up to 32 MB come from the heap
_TRIM_THRESHOLD_BYTES = 256 * 2**20
KEEP_FREED_MEMORY_ENVIRONMENT = {
    "MALLOC_MMAP_THRESHOLD_": str(_MMAP_THRESHOLD_BYTES),
    "MALLOC_TRIM_THRESHOLD_": str(_TRIM_THRESHOLD_BYTES),
}
"""The same settings as environment variables, for worker processes this library does not
start itself (glibc reads them when a process starts), e.g. a local Dask cluster's."""


def keep_freed_memory() -> bool:
    """Have glibc keep freed memory for the next shot's arrays (Linux; in worker processes).

    By default glibc gives every large array (a decoded frame, each step's
    result) fresh pages from the kernel and hands them back when it is freed,
    so each shot pays a page fault for every 4 KiB of every array it makes:
    about a third of the time of decoding and filtering a 1024x1024 frame.
    Serving arrays up to 32 MB from the heap and trimming it only above 256 MB
    makes the next shot reuse the pages the last one freed; a worker's memory
    stays at the peak of one shot's work, as before. Returns whether the
    setting took (False where there is no glibc ``mallopt``).
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        libc = ctypes.CDLL(None)
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # not glibc (e.g. musl): nothing to set
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    return bool(
        mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD_BYTES)
        and mallopt(_M_TRIM_THRESHOLD, _TRIM_THRESHOLD_BYTES)
    )


@contextmanager
def _sigint_blocked() -> Iterator[None]:
    """Block Ctrl-C in this thread, so processes started here are born with it blocked.

    A blocked signal stays pending, so the caller still gets its Ctrl-C when
    the block ends; the children inherit the mask through fork and exec.
    """
    if not hasattr(signal, "pthread_sigmask"):  # Windows: no masks, nothing to do
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _worker_pid() -> int:
    return os.getpid()


class ProcessPoolShotExecutor(_PoolExecutor):
    """Worker processes sized to the machine (the default), started by loky.

    Workers are fresh interpreters that never run the caller's ``__main__``
    (a script without a main guard, ``python -``, a notebook all work) and
    receive work through cloudpickle (analyzer classes defined in a script or
    a notebook cell work too). The pool lives until :meth:`close` (or garbage
    collection, or exit), so a live runner starts its workers once, not per
    scan. After a worker crash the pool is rebuilt on next use. When workers
    cannot start at all, the executor logs it once and runs on threads.
    """

    _told_fallback = False  # the "cannot start workers" warning, once per process

    def __init__(self, max_workers: int | None = None) -> None:
        super().__init__()
        self.workers = max_workers or default_workers()
        self._fallback: ThreadPoolShotExecutor | None = None
        #: a pool started by :meth:`start` whose workers may still be importing, and its probe
        self._starting: tuple[Executor, Future] | None = None

    @staticmethod
    def _shut_down(pool: Executor, *, wait: bool = True, kill: bool = False) -> None:
        pool.shutdown(wait=wait, kill_workers=kill)  # type: ignore[call-arg]

    def start(self) -> None:
        """Start the worker processes now and return at once; they get ready meanwhile.

        A new worker takes about a second to import what it needs; a scan
        calls this before reading its s-file and mapping its shots, so that
        happens alongside. The first :meth:`map_unordered` waits for the
        workers (and falls back to threads if they could not start). Does
        nothing when the pool is already running or starting.
        """
        if self._pool is not None or self._starting is not None or self._fallback is not None:
            return
        try:
            pool, probe = self._launch()
        except (BrokenExecutor, OSError) as error:  # said, and handled, on first use
            logger.debug("starting worker processes early: %s", error)
            return
        self._starting = (pool, probe)
        # until first use, the finalizer shuts down this pool if the executor is dropped
        self._finalizer = weakref.finalize(self, self._shut_down, pool, wait=False)

    @property
    def started(self) -> bool:
        """Whether worker processes are running or starting (not on threads, not closed)."""
        return self._pool is not None or self._starting is not None

    def _launch(self) -> tuple[Executor, Future]:
        """Create the loky pool and send a probe, without waiting for the workers."""
        # the resource trackers unblock Ctrl-C after starting themselves: start them first
        multiprocessing_resource_tracker.ensure_running()
        loky_resource_tracker.ensure_running()
        with _sigint_blocked():  # the workers start during these calls
            pool = loky.ProcessPoolExecutor(
                max_workers=self.workers, initializer=_prepare_worker, initargs=(os.getpid(),)
            )
            try:
                probe = pool.submit(_worker_pid)
            except BaseException:
                self._shut_down(pool, wait=False, kill=True)
                raise
        return pool, probe

    def _make_pool(self) -> Executor:
        pool = None
        try:
            if self._starting is not None:  # started early: take it over from its finalizer
                (pool, probe), self._starting = self._starting, None
                if self._finalizer is not None:
                    self._finalizer.detach()
                    self._finalizer = None
            else:
                pool, probe = self._launch()
            probe.result()  # a worker that cannot start shows here
        except (BrokenExecutor, OSError) as error:
            if pool is not None:
                self._shut_down(pool, wait=False, kill=True)
            reason = str(error).splitlines()[0] if str(error) else type(error).__name__
            raise WorkersUnavailableError(reason) from error
        return pool

    @property
    def on_threads(self) -> bool:
        """Whether worker processes could not start, so work runs on threads instead."""
        return self._fallback is not None

    def map_unordered(self, function: Callable[[T], R], items: Iterable[T]) -> Iterator[R]:
        """As :meth:`_PoolExecutor.map_unordered`, on threads if processes cannot start."""
        if self._fallback is None and self._pool is None:
            try:
                _ = self.pool
            except WorkersUnavailableError as error:
                self._fall_back_to_threads(error)
        if self._fallback is not None:
            return self._fallback.map_unordered(function, items)
        return super().map_unordered(function, items)

    def _fall_back_to_threads(self, error: WorkersUnavailableError) -> None:
        level = logging.INFO if ProcessPoolShotExecutor._told_fallback else logging.WARNING
        ProcessPoolShotExecutor._told_fallback = True
        logger.log(
            level,
            "worker processes cannot start here (%s; sys.executable is %s); running on %d "
            "threads instead",
            error,
            sys.executable,
            self.workers,
        )
        self._fallback = ThreadPoolShotExecutor(self.workers)

    def close(self) -> None:
        """Shut the workers (or the fallback threads) down; they restart on next use."""
        if self._starting is not None:
            (pool, _), self._starting = self._starting, None
            if self._finalizer is not None:
                self._finalizer.detach()
                self._finalizer = None
            self._shut_down(pool, wait=True)
        super().close()
        if self._fallback is not None:
            self._fallback.close()


def default_workers() -> int:
    """Workers for this machine: the CPUs this process may use."""
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except AttributeError:
        return max(os.cpu_count() or 1, 1)


def make_executor(
    kind: str | ShotExecutor | None = None, *, max_workers: int | None = None
) -> ShotExecutor:
    """An executor by name: ``serial``, ``threads``, ``processes`` (default) or ``dask``.

    The environment variable ``SCAN_ANALYSIS_EXECUTOR`` overrides the default.
    ``dask`` (the optional ``dask`` extra) runs on the cluster at
    ``$SCAN_ANALYSIS_DASK_SCHEDULER``, else this process's current client, else
    a local cluster of ``max_workers`` processes.
    """
    if kind is not None and not isinstance(kind, str):
        return kind
    kind = kind or os.environ.get("SCAN_ANALYSIS_EXECUTOR") or "processes"
    if kind == "serial":
        return SerialExecutor()
    if kind == "threads":
        return ThreadPoolShotExecutor(max_workers)
    if kind == "processes":
        return ProcessPoolShotExecutor(max_workers)
    if kind == "dask":
        from scan_analysis.dask_executor import DaskShotExecutor  # optional extra, on demand

        return DaskShotExecutor(n_workers=max_workers)
    raise ValueError(f"unknown executor {kind!r}; choose from {', '.join(EXECUTOR_KINDS)}")


def is_picklable(value: Any) -> bool:
    """Whether ``value`` can be sent to a worker process (with cloudpickle, as loky does)."""
    try:
        cloudpickle.dumps(value)
    except Exception:
        return False
    return True

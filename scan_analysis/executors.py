"""Where per-shot work runs: serially, in threads, in a process pool (or, later, on Dask).

Every executor has one method, ``map_unordered(function, items)``, yielding
results as they complete, and is a context manager. The scan layer never
branches on which one it has.
"""

from __future__ import annotations

import abc
import logging
import multiprocessing
import os
import pickle
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import (
    FIRST_COMPLETED,
    Executor,
    ProcessPoolExecutor,
    ThreadPoolExecutor,
    wait,
)
from typing import Any, Protocol, TypeVar

logger = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")
EXECUTOR_KINDS = ("serial", "threads", "processes", "dask")
WORKER_PRELOAD = ("scan_analysis.analyzers.common.shot_work", "scan_analysis.render")


class ShotExecutor(Protocol):
    """Runs a function over items, yielding results as they complete."""

    def map_unordered(self, function: Callable[[T], R], items: Iterable[T]) -> Iterator[R]: ...

    def close(self) -> None: ...


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
    """Shared logic of the pool executors: bounded in-flight work, results as completed."""

    workers: int

    def __init__(self) -> None:
        self._pool: Executor | None = None

    @abc.abstractmethod
    def _make_pool(self) -> Executor:
        """Create the underlying pool (threads or processes)."""

    @property
    def pool(self) -> Executor:
        if self._pool is None:
            self._pool = self._make_pool()
        return self._pool

    def map_unordered(self, function: Callable[[T], R], items: Iterable[T]) -> Iterator[R]:
        """Submit items with at most ``2 * workers`` in flight; yield results as they finish."""
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
        finally:
            for future in pending:
                future.cancel()

    def close(self) -> None:
        """Shut the pool down (it is re-created on next use)."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def __enter__(self):
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __del__(self) -> None:
        pool = getattr(self, "_pool", None)
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)


class ThreadPoolShotExecutor(_PoolExecutor):
    """Threads: for analyzers that cannot be pickled (decoders release the GIL partly)."""

    def __init__(self, max_workers: int | None = None) -> None:
        super().__init__()
        self.workers = max_workers or default_workers()

    def _make_pool(self) -> Executor:
        return ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="shot")


class ProcessPoolShotExecutor(_PoolExecutor):
    """A process pool sized to the machine (the default).

    Workers start with ``forkserver`` on Linux: safe when the parent runs
    threads (the live runner, a notebook's UI), at the cost of importing the
    library once per worker at start-up. The pool lives until :meth:`close`,
    so a live runner pays that once, not per scan.
    """

    def __init__(self, max_workers: int | None = None, *, start_method: str | None = None) -> None:
        super().__init__()
        self.workers = max_workers or default_workers()
        methods = multiprocessing.get_all_start_methods()
        self.start_method = start_method or ("forkserver" if "forkserver" in methods else "spawn")

    def _make_pool(self) -> Executor:
        context = multiprocessing.get_context(self.start_method)
        if self.start_method == "forkserver":
            # import the heavy modules once in the fork server; workers fork from it ready
            context.set_forkserver_preload(list(WORKER_PRELOAD))
        return ProcessPoolExecutor(max_workers=self.workers, mp_context=context)


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
    """Whether ``value`` can be sent to a worker process."""
    try:
        pickle.dumps(value)
    except Exception:
        return False
    return True

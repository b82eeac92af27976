"""Per-shot work on a Dask distributed cluster, and connecting to one.

:class:`DaskShotExecutor` is a :class:`~scan_analysis.executors.ShotExecutor`
whose workers are a ``distributed`` cluster's, so one large scan's shots run on
every machine of the cluster::

    analyzer = Array2DScanAnalyzer("UC_TopView", executor="dask")   # or DaskShotExecutor(client)

Chunks of shots are submitted with a bounded number of futures in flight and
their results yielded as they complete, so they stream into the analyzer's
per-bin accumulators and the client's memory stays flat in the number of shots,
as with the process pool.

:func:`connect_to_cluster` is the one place that decides which cluster is
used: a client passed in, a scheduler address, ``$SCAN_ANALYSIS_DASK_SCHEDULER``,
or a new :class:`distributed.LocalCluster` of worker processes on this machine
(one thread each: the cluster is the parallelism). Whatever it creates it also
closes; a client passed in is left to its owner.

Dask is the optional ``dask`` extra (``pip install 'scan-analysis[dask]'``);
the rest of the library imports without it.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from typing import TypeVar

try:
    import distributed
except ImportError as error:  # the optional extra is missing: say how to get it
    raise ImportError(
        f"running on Dask needs the 'dask' extra: pip install 'scan-analysis[dask]' ({error})"
    ) from error

from scan_analysis.executors import (
    KEEP_FREED_MEMORY_ENVIRONMENT,
    ONE_THREAD_PER_WORKER,
    default_workers,
)

logger = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")
SCHEDULER_ENV = "SCAN_ANALYSIS_DASK_SCHEDULER"


@dataclass
class ClusterConnection:
    """A client and, when we started it, the local cluster behind it.

    Attributes
    ----------
    client : distributed.Client
        Where to submit work.
    cluster : distributed.LocalCluster or None
        The cluster this connection started (closed with it), else None.
    owns_client : bool
        Whether :meth:`close` closes the client (False for one passed in).
    """

    client: distributed.Client
    cluster: distributed.LocalCluster | None = None
    owns_client: bool = True

    @property
    def description(self) -> str:
        """``local cluster of 2 worker processes`` or ``scheduler tcp://...`` for messages."""
        workers = len(self.client.scheduler_info(n_workers=-1).get("workers", {}))
        if self.cluster is not None:
            return f"local cluster of {workers} worker processes"
        return f"scheduler {self.client.scheduler.address} ({workers} workers)"

    def close(self) -> None:
        """Close what this connection started; idempotent."""
        if self.owns_client:
            self.client.close()
        if self.cluster is not None:
            self.cluster.close()
            self.cluster = None

    def __enter__(self) -> ClusterConnection:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


LOCAL_WORKER_ENVIRONMENT = {**KEEP_FREED_MEMORY_ENVIRONMENT, **ONE_THREAD_PER_WORKER}
"""Environment of the local cluster's workers: keep freed memory for the next shot, and
OpenCV on one thread (the workers are single-threaded, one per core).

Dask's nannies start workers with ``MALLOC_TRIM_THRESHOLD_=65536`` (hand memory back to
the system at once), so every array of every shot gets fresh pages from the kernel: about
4000 page faults for a 1024x1024 filtered shot. A worker analysing shots reuses the same
few arrays shot after shot; the process pool sets the same values with ``mallopt``
(:func:`scan_analysis.executors.keep_freed_memory`). Clusters the user started are left as
they are.
"""


def start_local_cluster(n_workers: int | None = None) -> distributed.LocalCluster:
    """A cluster of ``n_workers`` single-threaded worker processes on this machine.

    The scheduler and dashboard listen on 127.0.0.1 only, on free ports. Its
    workers keep freed memory for the next shot (:data:`LOCAL_WORKER_ENVIRONMENT`).
    """
    import dask

    environ = {
        **dask.config.get("distributed.nanny.pre-spawn-environ"),
        **LOCAL_WORKER_ENVIRONMENT,
    }
    with dask.config.set({"distributed.nanny.pre-spawn-environ": environ}):
        return distributed.LocalCluster(
            n_workers=n_workers or default_workers(),
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address="127.0.0.1:0",
        )


def connect_to_cluster(
    client: distributed.Client | None = None,
    *,
    scheduler: str | None = None,
    n_workers: int | None = None,
    use_current: bool = False,
) -> ClusterConnection:
    """The cluster to run on, first hit wins.

    Parameters
    ----------
    client : distributed.Client, optional
        Use this client (never closed by the connection).
    scheduler : str, optional
        Address of a running scheduler (``tcp://host:8786``); else
        ``$SCAN_ANALYSIS_DASK_SCHEDULER`` when set.
    n_workers : int, optional
        Worker processes of the local cluster started when nothing else is
        given (default: the CPUs this process may use).
    use_current : bool
        Before starting a local cluster, use the client already made current
        in this process (e.g. by a notebook's ``Client()``), if any.

    Returns
    -------
    ClusterConnection
        Close it (or use it as a context manager) to stop what it started.

    Raises
    ------
    OSError
        The scheduler cannot be reached within Dask's connect timeout
        (``distributed.comm.timeouts.connect``, 30 s by default), or the
        address is a Dask worker's rather than a scheduler's; names the address.
    """
    if client is not None:
        return ClusterConnection(client, owns_client=False)
    address = scheduler or os.environ.get(SCHEDULER_ENV)
    if address:
        try:
            return ClusterConnection(distributed.Client(address))
        except OSError as error:
            raise OSError(
                f"cannot reach the Dask scheduler at {address}: {error}; start one with "
                f"'dask scheduler' (and 'dask worker {address}' on each machine) or fix the "
                f"address (--scheduler / ${SCHEDULER_ENV})"
            ) from error
        except TypeError as error:
            if "identity()" not in str(error):
                raise
            # A worker or nanny answers the client's handshake with this TypeError.
            raise OSError(
                f"{address} answers but is not a Dask scheduler (a worker's or nanny's "
                f"address?): give the address 'dask scheduler' printed as 'Scheduler at:' "
                f"(--scheduler / ${SCHEDULER_ENV})"
            ) from error
    if use_current:
        try:
            return ClusterConnection(distributed.Client.current(), owns_client=False)
        except ValueError:
            pass  # no client in this process yet
    cluster = start_local_cluster(n_workers)
    try:
        return ClusterConnection(distributed.Client(cluster), cluster)
    except BaseException:
        cluster.close()
        raise


class DaskShotExecutor:
    """Run shot chunks on a Dask cluster; results as they complete, memory flat.

    Parameters
    ----------
    client : distributed.Client, optional
        The cluster to use (left open on :meth:`close`). Without one, the
        first use connects as :func:`connect_to_cluster` does (a scheduler
        address, ``$SCAN_ANALYSIS_DASK_SCHEDULER``, the current client, else a
        local cluster of worker processes), and :meth:`close` stops what it
        started.
    scheduler : str, optional
        Address of a running scheduler.
    n_workers : int, optional
        Worker processes of a local cluster started on first use.
    max_in_flight : int, optional
        Futures submitted and not yet consumed (default twice the cluster's
        worker threads): bounds the client's memory whatever the scan's size.

    Examples
    --------
    ::

        from distributed import Client
        with DaskShotExecutor(Client("tcp://analysis-01:8786")) as executor:
            analyzer = Array2DScanAnalyzer("UC_TopView", executor=executor)
            analyzer.run_analysis(tag)
    """

    def __init__(
        self,
        client: distributed.Client | None = None,
        *,
        scheduler: str | None = None,
        n_workers: int | None = None,
        max_in_flight: int | None = None,
    ) -> None:
        if max_in_flight is not None and max_in_flight < 1:
            raise ValueError(f"max_in_flight must be at least 1, got {max_in_flight}")
        self._client = client
        self._scheduler = scheduler
        self._n_workers = n_workers
        self.max_in_flight = max_in_flight
        self._connection: ClusterConnection | None = None

    @property
    def client(self) -> distributed.Client:
        """The client work goes to (connected on first use)."""
        if self._connection is None:
            self._connection = connect_to_cluster(
                self._client,
                scheduler=self._scheduler,
                n_workers=self._n_workers,
                use_current=True,
            )
            logger.info("per-shot work on %s", self._connection.description)
        return self._connection.client

    @property
    def workers(self) -> int:
        """Worker threads of the cluster (at least 1)."""
        return max(sum(self.client.nthreads().values()), 1)

    def map_unordered(self, function: Callable[[T], R], items: Iterable[T]) -> Iterator[R]:
        """Apply ``function`` to every item on the cluster; yield results as they complete.

        At most ``max_in_flight`` items are submitted ahead of the results
        consumed; a worker's exception is raised here (the remaining futures
        are cancelled).
        """
        client = self.client
        limit = self.max_in_flight or 2 * self.workers
        iterator = iter(items)
        pending: set[distributed.Future] = set()

        def submit(item: T) -> distributed.Future:
            future = client.submit(function, item, pure=False)
            pending.add(future)
            return future

        completed = distributed.as_completed([submit(item) for item in islice(iterator, limit)])
        try:
            for future in completed:
                pending.discard(future)
                try:
                    result = future.result()
                finally:
                    future.release()  # the scheduler forgets it, even if it erred
                for item in islice(iterator, 1):
                    completed.add(submit(item))
                yield result
        finally:
            if pending:
                client.cancel(list(pending))

    def close(self) -> None:
        """Stop the cluster connection this executor started (it reconnects on next use)."""
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def __enter__(self) -> DaskShotExecutor:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

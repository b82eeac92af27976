"""DaskShotExecutor: one scan's shots on a real LocalCluster of 2 worker processes."""

from __future__ import annotations

import subprocess
import sys
import time

import distributed
import numpy as np
import pytest

from scan_analysis.analyzers import create_diagnostic_analyzer
from scan_analysis.config import ConfigTree
from scan_analysis.dask_executor import SCHEDULER_ENV, DaskShotExecutor, connect_to_cluster
from scan_analysis.data.demo import build_demo_day
from scan_analysis.data.sfile import read_sfile
from scan_analysis.executors import make_executor

SMALL = {"image_shape": (96, 96), "n_bins": 5, "shots_per_bin": 4}


@pytest.fixture(scope="module")
def cluster():
    """A LocalCluster of 2 worker processes and its client (the process's current client)."""
    with connect_to_cluster(n_workers=2) as connection:
        yield connection.client


@pytest.mark.slow
def test_a_scan_on_the_cluster_writes_the_same_results_as_serial(tmp_path, cluster):
    days = [build_demo_day(tmp_path / name, **SMALL) for name in ("serial", "dask")]
    resolved = ConfigTree().resolve_analyzer("UC_TopView")
    frames = {}
    for day, executor in zip(days, ("serial", "dask"), strict=True):
        analyzer = create_diagnostic_analyzer(resolved, executor=executor, progress=False)
        with distributed.get_task_stream(cluster) as stream:
            figures = analyzer.run_analysis(day.tag(2), data_root=day.data_root)
        analyzer.close()
        assert analyzer.last_outcome.status == "done", analyzer.last_outcome.message
        assert figures and all(path.exists() for path in figures)
        ran_on_cluster = {entry["key"].split("-")[0] for entry in stream.data}
        assert ("analyze_chunk" in ran_on_cluster) == (executor == "dask"), ran_on_cluster
        frames[executor] = read_sfile(day.day_dir / "analysis" / "s2.txt")
    serial, dask = frames["serial"], frames["dask"]
    assert list(dask.columns) == list(serial.columns)
    added = [c for c in serial.columns if c.startswith("UC_TopView_")]
    assert added
    np.testing.assert_allclose(dask[added].to_numpy(), serial[added].to_numpy(), equal_nan=True)
    # "dask" found this process's client and left it open
    assert cluster.submit(sum, [1, 2]).result() == 3


def test_results_stream_with_a_bounded_number_of_tasks_in_flight(cluster):
    pulled = 0

    def items():
        nonlocal pulled
        for value in range(-60, 0):
            pulled += 1
            yield value

    executor = DaskShotExecutor(cluster, max_in_flight=3)
    ahead, results = 0, []
    for consumed, result in enumerate(executor.map_unordered(abs, items()), start=1):
        ahead = max(ahead, pulled - consumed)
        results.append(result)
    executor.close()
    assert sorted(results) == list(range(1, 61))
    assert ahead <= 3, f"{ahead} items were taken ahead of the results consumed"
    assert cluster.submit(sum, [1, 2]).result() == 3  # a client passed in stays open


def test_a_worker_exception_is_raised_in_the_caller_and_the_rest_cancelled(cluster):
    executor = DaskShotExecutor(cluster, max_in_flight=2)
    with pytest.raises(ValueError, match="invalid literal"):
        list(executor.map_unordered(int, ["1", "2", "not a number", *map(str, range(20))]))
    # nothing is left on the cluster for this client
    deadline = time.monotonic() + 60
    while cluster.run_on_scheduler(lambda dask_scheduler: len(dask_scheduler.tasks)):
        assert time.monotonic() < deadline, "futures left on the scheduler"
        time.sleep(0.05)


def test_make_executor_dask_runs_on_the_scheduler_named_in_the_environment(cluster, monkeypatch):
    address = cluster.scheduler.address
    monkeypatch.setenv(SCHEDULER_ENV, address)
    executor = make_executor("dask")
    assert isinstance(executor, DaskShotExecutor)
    assert sorted(executor.map_unordered(abs, [-3, -1, -2])) == [1, 2, 3]
    assert executor.client.scheduler.address == address
    assert executor.workers == 2
    executor.close()
    assert cluster.submit(sum, [1, 2]).result() == 3  # closing its own client left the cluster up


def test_a_workers_address_given_as_the_scheduler_is_a_clear_error(cluster):
    worker_address = next(iter(cluster.scheduler_info()["workers"]))
    with pytest.raises(OSError, match="answers but is not a Dask scheduler") as raised:
        connect_to_cluster(scheduler=worker_address)
    assert worker_address in str(raised.value)
    assert "Scheduler at:" in str(raised.value)


def test_the_library_imports_without_dask_and_says_how_to_get_it():
    code = """
import sys
sys.modules["dask"] = sys.modules["distributed"] = None  # as if the extra were not installed
import scan_analysis, scan_analysis.cli, scan_analysis.reprocess
from scan_analysis.executors import make_executor
make_executor("serial")
try:
    make_executor("dask")
except ImportError as error:
    print(error)
"""
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    assert "pip install 'scan-analysis[dask]'" in result.stdout


def worker_settings() -> dict[str, object]:
    import os

    names = ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "OPENCV_FOR_THREADS_NUM")
    return {"environment": {name: os.environ.get(name) for name in names}, **opencv_threads()}


def opencv_threads() -> dict[str, int]:
    import cv2

    return {"opencv_threads": cv2.getNumThreads()}


def test_workers_of_the_local_cluster_keep_freed_memory_and_filter_on_one_thread(cluster):
    """Issue 18: Dask's default (trim at 64 KiB) gave every array of every shot fresh pages;
    OpenCV would start a thread per core in each of the one-per-core workers."""
    from scan_analysis.dask_executor import LOCAL_WORKER_ENVIRONMENT

    settings = cluster.run(worker_settings)
    assert len(settings) == 2
    for setting in settings.values():
        assert setting == {"environment": LOCAL_WORKER_ENVIRONMENT, "opencv_threads": 1}

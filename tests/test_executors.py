import os

import pytest

from scan_analysis.executors import (
    ProcessPoolShotExecutor,
    SerialExecutor,
    ThreadPoolShotExecutor,
    is_picklable,
    make_executor,
)


def square(value):
    return value * value, os.getpid()


@pytest.mark.parametrize("kind", ["serial", "threads", "processes"])
def test_every_executor_returns_every_result(kind):
    with make_executor(kind, max_workers=2) as executor:
        results = list(executor.map_unordered(square, range(20)))
    assert sorted(r[0] for r in results) == [i * i for i in range(20)]
    if kind == "processes":
        assert os.getpid() not in {r[1] for r in results}


def test_unknown_executor_lists_choices():
    with pytest.raises(ValueError, match="serial, threads, processes"):
        make_executor("gpu")


def test_environment_chooses_the_default(monkeypatch):
    monkeypatch.setenv("SCAN_ANALYSIS_EXECUTOR", "threads")
    assert isinstance(make_executor(), ThreadPoolShotExecutor)
    monkeypatch.delenv("SCAN_ANALYSIS_EXECUTOR")
    assert isinstance(make_executor(), ProcessPoolShotExecutor)
    assert isinstance(make_executor(SerialExecutor()), SerialExecutor)


def test_picklable_check():
    assert is_picklable(3) and not is_picklable(lambda: 1)


def test_errors_in_workers_surface():
    def boom(value):
        raise RuntimeError(f"bad {value}")

    with ThreadPoolShotExecutor(2) as executor, pytest.raises(RuntimeError, match="bad"):
        list(executor.map_unordered(boom, [1]))

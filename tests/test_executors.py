import json
import os
import subprocess
import sys

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


POOL_SIGNALS = """
import json, signal
import psutil
from scan_analysis.executors import ProcessPoolShotExecutor

def masks(pid):
    fields = dict(line.split(":", 1) for line in open(f"/proc/{pid}/status"))
    bit = 1 << (signal.SIGINT - 1)
    return {k: bool(int(fields[k], 16) & bit) for k in ("SigBlk", "SigIgn")}

if __name__ == "__main__":
    with ProcessPoolShotExecutor(max_workers=1, start_method="forkserver") as executor:
        assert list(executor.map_unordered(abs, [-1])) == [1]
        found = {}
        for child in psutil.Process().children():
            if "forkserver import main" in " ".join(child.cmdline()):
                found["fork server"] = masks(child.pid)
                found["workers"] = [masks(worker.pid) for worker in child.children()]
        print(json.dumps(found))
"""


def test_pool_processes_leave_ctrl_c_to_the_parent(tmp_path):
    """The terminal sends Ctrl-C to the whole process group: workers must ignore it, and the
    fork server must block it from birth (it imports the library before ignoring SIGINT)."""
    script = tmp_path / "pool_signals.py"
    script.write_text(POOL_SIGNALS)
    env = dict(os.environ, SCAN_ANALYSIS_LAB_CONFIG=os.devnull)
    result = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, env=env, timeout=120
    )
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    assert found["workers"] and all(worker["SigIgn"] for worker in found["workers"]), found
    assert found["fork server"]["SigBlk"], found

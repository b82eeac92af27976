import json
import os
import re
import signal
import subprocess
import sys
import threading
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import pytest
from process_state import still_running
from waiting import wait_until

from scan_analysis.data.demo import build_demo_day
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
    import threading

    # cloudpickle sends lambdas and classes defined in __main__; a lock cannot travel
    assert is_picklable(3) and is_picklable(lambda: 1) and not is_picklable(threading.Lock())


def test_errors_in_workers_surface():
    def boom(value):
        raise RuntimeError(f"bad {value}")

    with ThreadPoolShotExecutor(2) as executor, pytest.raises(RuntimeError, match="bad"):
        list(executor.map_unordered(boom, [1]))


# --- real worker processes: crashes, first-time use, and where they cannot start -------------

README = Path(__file__).parents[1] / "README.md"
SMALL_DAY = {"image_shape": (96, 96), "n_bins": 5, "shots_per_bin": 4}


def kill_own_process(value):
    if value == "poison":
        os.kill(os.getpid(), signal.SIGKILL)
    return value


def test_a_worker_killed_by_sigkill_breaks_one_call_and_the_next_gets_new_workers():
    """Issue 10 item 8: the pool is rebuilt, not broken for good."""
    with ProcessPoolShotExecutor(2) as executor:
        with pytest.raises(BrokenProcessPool):
            list(executor.map_unordered(kill_own_process, ["a", "poison", "b"]))
        results = list(executor.map_unordered(square, range(6)))
    assert sorted(r[0] for r in results) == [0, 1, 4, 9, 16, 25]
    assert os.getpid() not in {r[1] for r in results}


def readme_first_example() -> str:
    """The first python block of the README, as a user copies it."""
    return re.search(r"```python\n(.*?)```", README.read_text(), re.S).group(1)


@pytest.fixture
def readme_folder(tmp_path):
    """A folder holding demo_data/, where the README example is run from."""
    build_demo_day(tmp_path / "demo_data", **SMALL_DAY)
    return tmp_path


def run_user_code(how, code, folder, env):
    script = folder / "first_try.py"
    script.write_text(code)
    command = {
        "script": [sys.executable, str(script)],
        "stdin": [sys.executable, "-"],
        "-c": [sys.executable, "-c", code],
    }[how]
    return subprocess.run(
        command,
        input=code if how == "stdin" else None,
        capture_output=True,
        text=True,
        cwd=folder,
        env=env,
        timeout=280,
    )


@pytest.mark.slow
@pytest.mark.parametrize("how", ["script", "stdin", "-c"])
def test_the_readme_example_works_however_it_is_run(readme_folder, subprocess_env, how):
    """Issues 10 items 14 and 18: no main guard needed, nothing run twice, nothing leaked."""
    code = 'print("the user script ran")\n' + readme_first_example() + "print(display_files)\n"
    run = run_user_code(how, code, readme_folder, subprocess_env)
    assert run.returncode == 0, run.stderr
    assert run.stdout.count("the user script ran") == 1  # the workers never re-ran it
    assert "UC_TopView_montage.png" in run.stdout and "UC_TopView_scalars_vs_parameter.png" in (
        run.stdout
    )
    for trouble in ("bootstrapping", "leaked", "Traceback", "BrokenProcessPool", "threads"):
        assert trouble not in run.stderr, run.stderr
    figures = readme_folder / "demo_data/Undulator/Y2026/05-May/26_0508/analysis/Scan002/UC_TopView"
    assert (figures / "UC_TopView_montage.png").stat().st_size > 10_000


CANNOT_START_WORKERS = """
import logging, sys
logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
from scan_analysis import ScanTag
from scan_analysis.analyzers.common import Array2DScanAnalyzer
from scan_analysis.executors import ProcessPoolShotExecutor

sys.executable = "/bin/false"  # an embedded interpreter: no python to start workers with
with ProcessPoolShotExecutor(2) as executor:
    print("results", sorted(executor.map_unordered(abs, [-1, -2, 3])), executor.on_threads)
tag = ScanTag(year=2026, month=5, day=8, number=2, experiment="Undulator")
with Array2DScanAnalyzer(device_name="UC_TopView", progress=False) as analyzer:
    analyzer.run_analysis(tag, data_root="demo_data")
    print("scan", analyzer.last_outcome.status, analyzer.executor.on_threads)
"""


@pytest.mark.slow
def test_where_workers_cannot_start_the_work_runs_on_threads_said_once(
    readme_folder, subprocess_env
):
    run = run_user_code("-c", CANNOT_START_WORKERS, readme_folder, subprocess_env)
    assert run.returncode == 0, run.stderr
    assert "results [1, 2, 3] True" in run.stdout and "scan done True" in run.stdout
    said = [line for line in run.stderr.splitlines() if "cannot start here" in line]
    assert len(said) == 2 and said[0].startswith("WARNING") and said[1].startswith("INFO"), said


NOTEBOOK_CELLS = [
    """\
import os
from scan_analysis import ScanTag
from scan_analysis.analyzers.common import Array2DScanAnalyzer
from scan_analysis.image import ImageAnalyzer, ImageAnalyzerResult


class WorkerPid(ImageAnalyzer):
    def analyze_image(self, image, auxiliary=None):
        processed = self.preprocess(image)
        return ImageAnalyzerResult(processed, {"pid": float(os.getpid())})
""",
    """\
tag = ScanTag(year=2026, month=5, day=8, number=1, experiment="Undulator")
with Array2DScanAnalyzer("UC_TopView", image_analyzer=WorkerPid(), progress=False) as analyzer:
    files = analyzer.run_analysis(tag, data_root="demo_data")
    print(analyzer.last_outcome.status, analyzer.executor.on_threads, os.getpid())
""",
]


@pytest.mark.slow
def test_an_analyzer_class_defined_in_a_notebook_cell_runs_in_worker_processes(readme_folder):
    """Issue 10 item 18: a class from a cell (in __main__) reaches the workers by value."""
    import nbformat
    from nbclient import NotebookClient

    from scan_analysis.data.sfile import read_sfile

    notebook = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell(source) for source in NOTEBOOK_CELLS]
    )
    NotebookClient(
        notebook,
        timeout=240,
        kernel_name="python3",
        resources={"metadata": {"path": str(readme_folder)}},
    ).execute()
    output = "".join(o.get("text", "") for o in notebook.cells[1].outputs)
    status, on_threads, kernel_pid = output.split()
    assert (status, on_threads) == ("done", "False")
    sfile = readme_folder / "demo_data/Undulator/Y2026/05-May/26_0508/analysis/s1.txt"
    pids = set(read_sfile(sfile)["UC_TopView_WorkerPid_pid"].astype(int))  # named by its class
    assert pids and int(kernel_pid) not in pids  # analysed in worker processes, not threads


def test_workers_of_an_executor_nobody_closed_end_when_it_is_dropped():
    """Issue 10 item 14: the safety net for code that never calls close()."""
    import gc

    import psutil

    executor = ProcessPoolShotExecutor(2)
    pids = {pid for _, pid in executor.map_unordered(square, range(8))}
    workers = [psutil.Process(pid) for pid in pids]
    del executor
    gc.collect()
    gone, alive = psutil.wait_procs(workers, timeout=120)
    assert not alive, f"workers still running: {alive}"


POOL_SIGNALS = """
import json, os, signal, sys, time
import psutil
from scan_analysis.executors import ProcessPoolShotExecutor

def masks(pid):
    fields = dict(line.split(":", 1) for line in open(f"/proc/{pid}/status"))
    bit = 1 << (signal.SIGINT - 1)
    return {k: bool(int(fields[k], 16) & bit) for k in ("SigBlk", "SigIgn")}

sys.executable = sys.argv[1]  # a wrapper that records each worker's mask as it is born
with ProcessPoolShotExecutor(max_workers=2) as executor:
    assert list(executor.map_unordered(abs, [-1])) == [1]
    children = psutil.Process().children()
    workers = [c for c in children if "popen_loky_posix" in " ".join(c.cmdline())]
    # one worker ran the task; the other may still be importing (SIGINT blocked, not yet
    # ignored): wait, up to a deadline, until each has set itself up
    deadline = time.monotonic() + 60
    while not all(masks(w.pid)["SigIgn"] for w in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    print(json.dumps({"workers": [masks(w.pid) for w in workers], "parent": masks(os.getpid())}))
"""

BIRTH_RECORDER = """#!{python} -S
import os, sys
with open({record!r}, "a") as record:
    record.write(next(line for line in open("/proc/self/status") if line.startswith("SigBlk")))
os.execv({python!r}, [{python!r}, *sys.argv[1:]])
"""


def test_pool_processes_leave_ctrl_c_to_the_parent(tmp_path):
    """The terminal sends Ctrl-C to the whole process group: workers must ignore it, and be
    born with it blocked (they import the library before they can ignore it)."""
    record = tmp_path / "born.txt"
    recorder = tmp_path / "python-recording-its-birth"
    recorder.write_text(BIRTH_RECORDER.format(python=sys.executable, record=str(record)))
    recorder.chmod(0o755)
    env = dict(os.environ, SCAN_ANALYSIS_LAB_CONFIG=os.devnull)
    result = subprocess.run(
        [sys.executable, "-c", POOL_SIGNALS, str(recorder)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    assert len(found["workers"]) == 2 and all(w["SigIgn"] for w in found["workers"]), found
    assert found["parent"] == {"SigBlk": False, "SigIgn": False}, found  # the parent unchanged
    bit = 1 << (signal.SIGINT - 1)
    born = [int(line.split(":")[1], 16) for line in record.read_text().splitlines()]
    assert len(born) == 2 and all(mask & bit for mask in born), born


def loaded_modules(prefixes):
    import sys

    return sorted({name.split(".")[0] for name in sys.modules if name.startswith(prefixes)})


def test_new_workers_import_what_shots_need_and_leave_figures_and_filters_for_later():
    """Issue 18: a worker starts with the shot work only (matplotlib, pandas, scipy, the TIFF
    reader and YAML wait until something needs them)."""
    with ProcessPoolShotExecutor(1) as executor:
        (loaded,) = executor.map_unordered(
            loaded_modules, [("matplotlib", "pandas", "scipy", "tifffile", "yaml")]
        )
        assert loaded == []
        (ready,) = executor.map_unordered(loaded_modules, [("scan_analysis", "PIL", "numpy")])
    assert ready == ["PIL", "numpy", "scan_analysis"]


def page_faults_of_the_last_of_four_shots(path: str) -> int:
    """Analyse a full-frame filtered shot four times in this process; the page faults
    (fresh memory pages from the kernel) that the fourth one caused."""
    import resource

    from scan_analysis.data.readers import read_shot
    from scan_analysis.image import BeamAnalyzer

    analyzer = BeamAnalyzer({"filtering": {"median_kernel_size": 3, "gaussian_sigma": 1.0}})
    for _ in range(3):
        analyzer.analyze_shot(read_shot(path))
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    analyzer.analyze_shot(read_shot(path))
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's allocator only")
def test_worker_processes_reuse_the_memory_of_the_last_shot(tmp_path):
    """Issue 18: each array of a shot used to get fresh pages from the kernel (~4000 page
    faults per 1024x1024 filtered shot, a third of its time); workers now reuse them."""
    import numpy as np

    from scan_analysis.data.demo import encode_png

    frame = (np.random.default_rng(0).random((1024, 1024)) * 4000).astype(np.uint16)
    path = tmp_path / "UC_TopView_001.png"
    path.write_bytes(encode_png(frame))
    with ProcessPoolShotExecutor(1) as executor:
        (faults,) = executor.map_unordered(page_faults_of_the_last_of_four_shots, [str(path)])
    assert faults < 200


def opencv_threads(_: object) -> int:
    import cv2

    return cv2.getNumThreads()


def test_worker_processes_filter_on_one_thread_each(monkeypatch):
    """Issue 18: the workers are one per core; OpenCV (the image filters) must not start a
    thread per core in each of them. A value the user set is kept."""
    monkeypatch.delenv("OPENCV_FOR_THREADS_NUM", raising=False)
    with ProcessPoolShotExecutor(2) as executor:
        assert set(executor.map_unordered(opencv_threads, range(4))) == {1}
    monkeypatch.setenv("OPENCV_FOR_THREADS_NUM", "2")
    with ProcessPoolShotExecutor(1) as executor:
        assert list(executor.map_unordered(opencv_threads, range(1))) == [2]


def loky_workers() -> set[int]:
    import psutil

    return {
        child.pid
        for child in psutil.Process().children()
        if "popen_loky_posix" in " ".join(child.cmdline())
    }


def new_loky_workers(before: set[int], count: int) -> set[int]:
    """The loky workers started since ``before``, once ``count`` of them show: a new process
    shows its loky command line only once it has executed it, which on a loaded machine can
    be after ``start()`` returned."""

    def started() -> set[int] | None:
        found = loky_workers() - before
        return found if len(found) >= count else None

    return wait_until(started, f"{count} loky workers")


def test_a_pool_started_early_is_the_one_that_works_and_close_ends_it():
    """Issue 18: start() returns at once; the first map uses those workers, close() ends them."""
    import psutil

    before = loky_workers()
    executor = ProcessPoolShotExecutor(2)
    executor.start()
    assert executor.started
    started = new_loky_workers(before, 2)
    assert len(started) == 2
    executor.start()  # already starting: nothing new
    assert loky_workers() - before == started
    pids = {pid for _, pid in executor.map_unordered(square, range(16))}
    assert pids <= started and loky_workers() - before == started
    processes = [psutil.Process(pid) for pid in started]
    executor.close()
    assert not executor.started
    gone, alive = psutil.wait_procs(processes, timeout=120)
    assert not alive, f"workers still running: {alive}"


def test_a_pool_started_but_never_used_ends_on_close_or_when_dropped():
    import gc

    import psutil

    before = loky_workers()
    closed = ProcessPoolShotExecutor(2)
    closed.start()
    dropped = ProcessPoolShotExecutor(2)
    dropped.start()
    workers = [psutil.Process(pid) for pid in new_loky_workers(before, 4)]
    assert len(workers) == 4
    closed.close()
    del dropped
    gc.collect()
    gone, alive = psutil.wait_procs(workers, timeout=120)
    assert not alive, f"workers still running: {alive}"


POOL_THEN_KILLED = """
import sys, time
import psutil
from scan_analysis.executors import ProcessPoolShotExecutor

pool = ProcessPoolShotExecutor(max_workers=2)
if sys.argv[1] == "working":
    assert list(pool.map_unordered(abs, [-1])) == [1]
else:  # killed while its workers are still starting (importing)
    pool.start()
deadline = time.monotonic() + 120
while time.monotonic() < deadline:
    workers = [c.pid for c in psutil.Process().children()
               if "popen_loky_posix" in " ".join(c.cmdline())]
    if len(workers) == 2:
        break
    time.sleep(0.05)
print(*workers, flush=True)
time.sleep(600)  # until the test kills this process
"""


@pytest.mark.parametrize("when", ["working", "starting"])
def test_workers_end_when_their_process_is_killed_with_sigkill(when):
    """kill -9 or the out-of-memory killer ends a live runner: its workers must not stay behind
    holding their memory (they did, until killed by hand), even those still starting."""
    env = dict(os.environ, SCAN_ANALYSIS_LAB_CONFIG=os.devnull)
    parent = subprocess.Popen(
        [sys.executable, "-c", POOL_THEN_KILLED, when], stdout=subprocess.PIPE, text=True, env=env
    )
    try:
        workers = [int(pid) for pid in parent.stdout.readline().split()]
        assert len(workers) == 2 and still_running(workers) == workers
    finally:
        parent.kill()
        parent.wait(timeout=60)
    wait_until(lambda: not still_running(workers), "the killed process's workers to end")


def test_workers_of_a_pool_started_in_a_thread_outlive_that_thread():
    """Widgets and the live runner start pools from threads: a worker watches its parent process,
    not the thread that started it."""
    pool = ProcessPoolShotExecutor(max_workers=1)
    first = []
    try:
        starter = threading.Thread(target=lambda: first.extend(pool.map_unordered(_pid, [0])))
        starter.start()
        starter.join()
        assert first and list(pool.map_unordered(_pid, [0])) == first  # the same worker
    finally:
        pool.close()


def _pid(_: object) -> int:
    return os.getpid()

"""Real processes merging into one s-file while another reads it; a writer killed mid-lock."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from scan_analysis.data.sfile import merge_columns, read_sfile

WORKER = Path(__file__).parents[1] / "support" / "sfile_worker.py"


def start(*args, env=None):
    return subprocess.Popen([sys.executable, str(WORKER), *map(str, args)], env=env)


def wait_for_file(path: Path, process: subprocess.Popen, timeout: float = 60.0) -> None:
    """Poll for a readiness file written by a subprocess (bounded; fails if the process dies)."""
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert process.poll() is None, f"worker exited with {process.returncode} before {path}"
        assert time.monotonic() < deadline, f"{path} did not appear within {timeout} s"
        time.sleep(0.01)


@pytest.mark.slow
def test_four_writers_and_a_reader(fresh_demo_day, tmp_path):
    sfile = fresh_demo_day.day_dir / "analysis" / "s2.txt"
    original = sfile.read_text().splitlines()
    stop, count = tmp_path / "stop", tmp_path / "reads"
    reader = start("read", sfile, stop, count)
    writers = [start("merge", sfile, f"writer{i}_value", 15) for i in range(4)]
    for writer in writers:
        assert writer.wait(timeout=180) == 0
    stop.write_text("stop")
    assert reader.wait(timeout=60) == 0, "the reader saw a half-written or unparsable s-file"
    assert int(count.read_text()) > 0
    frame = read_sfile(sfile)
    for i in range(4):
        assert (frame[f"writer{i}_value"] == 15.0).all()
    lines = sfile.read_text().splitlines()
    width = len(original[0].split("\t"))
    assert [line.split("\t")[:width] for line in lines] == [line.split("\t") for line in original]
    assert not Path(str(sfile) + ".lock").exists()


@pytest.mark.slow
def test_writer_killed_holding_the_lock(fresh_demo_day, tmp_path):
    sfile = fresh_demo_day.day_dir / "analysis" / "s2.txt"
    before = sfile.read_bytes()
    lock = Path(str(sfile) + ".lock")
    ready = tmp_path / "ready"
    holder = start("hold", lock, ready)
    wait_for_file(ready, holder)
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait(timeout=30)
    assert lock.exists(), "the killed writer's lock file should still be there"
    assert sfile.read_bytes() == before, "the s-file must be intact after the crash"
    shots = read_sfile(sfile)["Shotnumber"]
    merge_columns(sfile, pd.DataFrame({"Shotnumber": shots, "after_crash": 1.0}), lock_timeout=30)
    assert (read_sfile(sfile)["after_crash"] == 1.0).all()
    assert not lock.exists()

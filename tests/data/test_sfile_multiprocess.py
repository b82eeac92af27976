"""Real processes merging into one s-file while another reads it; a writer killed mid-lock.

Each subprocess reports readiness on its stdout and waits for "go" on its stdin,
so the tests synchronise through pipes, never through sleeps.
"""

import os
import signal
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from scan_analysis.data.file_lock import read_owner
from scan_analysis.data.sfile import merge_columns, read_sfile

WRITER = """
import sys
import pandas as pd
from scan_analysis.data.sfile import merge_columns, read_sfile
sfile, column, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
shots = read_sfile(sfile)["Shotnumber"].tolist()
print("ready", flush=True)
sys.stdin.readline()
for value in range(1, rounds + 1):
    frame = pd.DataFrame({"Shotnumber": shots, column: [value + 0.5] * len(shots)})
    merge_columns(sfile, frame, lock_timeout=120)
"""

READER = """
import sys
from pathlib import Path
from scan_analysis.data.sfile import read_sfile
sfile, stop = sys.argv[1], Path(sys.argv[2])
expected = read_sfile(sfile)
print("ready", flush=True)
reads = 0
while not stop.exists() or reads == 0:
    frame = read_sfile(sfile)  # raises SFileError on a half-written file
    assert frame.shape[0] == expected.shape[0], f"{frame.shape[0]} rows, not {expected.shape[0]}"
    assert list(frame.columns[: expected.shape[1]]) == list(expected.columns)
    assert frame["Shotnumber"].tolist() == expected["Shotnumber"].tolist()
    reads += 1
print(reads, flush=True)
"""

HOLDER = """
import sys, threading
from scan_analysis.data.file_lock import FileLock
lock = FileLock(sys.argv[1], stale_after=3600)  # only the death of this process can free it
lock.acquire()
print("held", flush=True)
threading.Event().wait()
"""


def build_sfile(folder: Path, n_shots: int = 150) -> Path:
    """A DAQ-like s-file: blanks, nans, a missing shot, an alias column, CRLF line endings."""
    header = ["Bin #", "Shotnumber", "Elapsed Time", "U_ESP_JetXYZ Position.Axis 1 Alias:JetX"]
    header += [f"UC_Dev{i} Value" for i in range(6)]
    lines = ["\t".join(header)]
    for shot in range(1, n_shots + 1):
        if shot == 17:
            continue
        cells = [str(1 + (shot - 1) // 15), str(shot), f"{shot * 0.2:.3f}", f"{4 + shot // 15:.2f}"]
        cells += ["" if (shot + i) % 11 == 0 else "nan" if (shot * i) % 13 == 0 else f"{shot}.{i}"
                  for i in range(6)]  # fmt: skip
        lines.append("\t".join(cells))
    path = folder / "s2.txt"
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode())
    return path


def spawn(script: str, *args: object) -> subprocess.Popen:
    env = dict(os.environ, SCAN_ANALYSIS_LAB_CONFIG=os.devnull, PYTHONUNBUFFERED="1")
    return subprocess.Popen(
        [sys.executable, "-c", script, *map(str, args)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )


def wait_ready(process: subprocess.Popen, word: str = "ready") -> None:
    line = process.stdout.readline().strip()  # blocks until the child says so (or dies)
    assert line == word, f"child said {line!r} (exit code {process.poll()})"


def go(process: subprocess.Popen) -> None:
    process.stdin.write("go\n")
    process.stdin.flush()


@pytest.mark.slow
def test_four_writers_and_a_reader(tmp_path):
    sfile = build_sfile(tmp_path)
    original = sfile.read_bytes().splitlines()
    stop = tmp_path / "stop"
    reader = spawn(READER, sfile, stop)
    writers = [spawn(WRITER, sfile, f"writer{i}_value", 12) for i in range(4)]
    for process in [reader, *writers]:
        wait_ready(process)
    for writer in writers:
        go(writer)
    for writer in writers:
        assert writer.wait(timeout=240) == 0
    stop.write_text("stop")
    output, _ = reader.communicate(timeout=60)
    assert reader.returncode == 0, "the reader saw a half-written or unparsable s-file"
    assert int(output.strip()) > 0

    frame = read_sfile(sfile)
    for i in range(4):
        assert (frame[f"writer{i}_value"] == 12.5).all()
    assert list(frame.columns).count("writer0_value") == 1
    lines = sfile.read_bytes().splitlines()
    assert len(lines) == len(original)
    for old, new in zip(original, lines, strict=True):
        assert new.startswith(old + b"\t")  # every original byte kept
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s2.txt", "stop"]  # no lock, no temp


@pytest.mark.slow
def test_writer_killed_holding_the_lock(tmp_path):
    sfile = build_sfile(tmp_path)
    before = sfile.read_bytes()
    lock = Path(f"{sfile}.lock")
    holder = spawn(HOLDER, lock)
    wait_ready(holder, "held")
    assert read_owner(lock).pid == holder.pid
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait(timeout=30)
    assert lock.exists(), "the killed writer's lock file should still be there"
    assert sfile.read_bytes() == before, "the s-file must be intact after the crash"

    shots = read_sfile(sfile)["Shotnumber"]
    # the holder's lease is an hour, so succeeding within the 30 s allowed shows its death was
    # seen by its pid (no wall-clock bound: a loaded machine may pause this process any time)
    merge_columns(sfile, pd.DataFrame({"Shotnumber": shots, "after_crash": 1.0}), lock_timeout=30)
    assert (read_sfile(sfile)["after_crash"] == 1.0).all()
    assert not lock.exists()

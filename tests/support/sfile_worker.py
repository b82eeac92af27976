"""Subprocess worker for the multi-process s-file and lock tests.

Usage:
  sfile_worker.py merge SFILE COLUMN N_ROUNDS     merge COLUMN (values = round number) N times
  sfile_worker.py read SFILE STOP_FILE OUT        read in a loop until STOP_FILE exists; write count
  sfile_worker.py hold LOCK READY_FILE            take the lock, signal readiness, wait forever
"""

from __future__ import annotations

import sys
import threading
from pathlib import Path

import pandas as pd

from scan_analysis.data.file_lock import FileLock
from scan_analysis.data.sfile import merge_columns, read_sfile


def merge(sfile: Path, column: str, rounds: int) -> None:
    shots = read_sfile(sfile)["Shotnumber"].tolist()
    for round_number in range(1, rounds + 1):
        frame = pd.DataFrame({"Shotnumber": shots, column: [float(round_number)] * len(shots)})
        merge_columns(sfile, frame, lock_timeout=120)


def read_loop(sfile: Path, stop_file: Path, out: Path) -> None:
    reads = 0
    expected = None
    while not stop_file.exists():
        frame = read_sfile(sfile)  # raises on a half-written file
        if expected is None:
            expected = len(frame)
        assert len(frame) == expected, f"read {len(frame)} rows, expected {expected}"
        reads += 1
    out.write_text(str(reads))


def hold(lock_path: Path, ready: Path) -> None:
    lock = FileLock(lock_path, stale_after=3600)  # only death can free it
    lock.acquire()
    ready.write_text("held")
    threading.Event().wait()


if __name__ == "__main__":
    command, *args = sys.argv[1:]
    if command == "merge":
        merge(Path(args[0]), args[1], int(args[2]))
    elif command == "read":
        read_loop(Path(args[0]), Path(args[1]), Path(args[2]))
    elif command == "hold":
        hold(Path(args[0]), Path(args[1]))
    else:
        raise SystemExit(f"unknown command {command}")

"""Whether processes still run, as a test waiting for them to end needs it."""

from __future__ import annotations

import psutil


def still_running(processes: list[int | psutil.Process]) -> list[int]:
    """The pids of ``processes`` that still run (a zombie waiting to be reaped has ended)."""
    running = []
    for process in processes:
        try:
            process = process if isinstance(process, psutil.Process) else psutil.Process(process)
            if process.status() != psutil.STATUS_ZOMBIE:
                running.append(process.pid)
        except psutil.NoSuchProcess:
            pass
    return running

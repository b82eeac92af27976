"""Count the files this process opens, the folders it lists and the ``stat`` calls it makes.

    with FileAccess() as access:
        runner.process_new()
    assert access.opened_under(tasks_folder) == []

Opens and listings are seen through a Python audit hook (``open``,
``os.listdir``, ``os.scandir``: every file open in the process, whoever
makes it); ``stat`` calls through ``os.stat`` (which ``pathlib`` uses), swapped
for a counting one while the block runs. Only the thread that entered the
block is counted. Audit hooks cannot be removed, so one is installed per
process and does nothing outside a block.
"""

from __future__ import annotations

import os
import sys
import threading
from pathlib import Path

_active: list[FileAccess] = []
_hook_installed = False


def _hook(event: str, args: tuple) -> None:
    if not _active:
        return
    access = _active[-1]
    if threading.get_ident() != access.thread:
        return
    if event == "open" and args and isinstance(args[0], str | bytes | os.PathLike):
        access.opens.append(Path(os.fsdecode(args[0])))
    elif event in ("os.listdir", "os.scandir") and args:
        access.listings.append(Path(os.fsdecode(args[0] if args[0] is not None else ".")))


class FileAccess:
    """What the code run inside the block read: ``opens``, ``listings``, ``stats`` (paths)."""

    def __init__(self) -> None:
        self.opens: list[Path] = []
        self.listings: list[Path] = []
        self.stats: list[Path] = []
        self.thread = threading.get_ident()
        self._real_stat = os.stat

    def __enter__(self) -> FileAccess:
        global _hook_installed
        if not _hook_installed:
            sys.addaudithook(_hook)
            _hook_installed = True
        self.thread = threading.get_ident()
        real_stat = self._real_stat

        def counting_stat(path, *args, **kwargs):
            if threading.get_ident() == self.thread and isinstance(path, str | bytes | os.PathLike):
                self.stats.append(Path(os.fsdecode(path)))
            return real_stat(path, *args, **kwargs)

        os.stat = counting_stat
        _active.append(self)
        return self

    def __exit__(self, *exc_info: object) -> None:
        _active.remove(self)
        os.stat = self._real_stat

    def opened_under(self, folder: Path) -> list[Path]:
        """Files opened inside ``folder``."""
        return [p for p in self.opens if p.is_relative_to(folder)]

    def stats_under(self, folder: Path) -> list[Path]:
        """``stat`` calls on paths inside ``folder``."""
        return [p for p in self.stats if p.is_relative_to(folder)]

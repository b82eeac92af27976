"""Replace a file so that a reader sees either the old or the new content, never half."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_atomically(
    path: str | os.PathLike, data: bytes | str, *, encoding: str = "utf-8"
) -> None:
    """Write ``data`` to ``path`` through a temporary file and ``os.replace``.

    The temporary file lives in the same folder (so the rename stays on one
    file system), is flushed and fsynced before the rename, and takes the
    permissions of the file it replaces.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "s1.txt"
    >>> write_atomically(target, "Shotnumber\\n1\\n")
    >>> target.read_text()
    'Shotnumber\\n1\\n'
    """
    path = Path(path)
    payload = data.encode(encoding) if isinstance(data, str) else data
    try:
        mode = path.stat().st_mode & 0o7777
    except FileNotFoundError:
        mode = None
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(payload)
            stream.flush()
            os.fsync(stream.fileno())
        if mode is not None:
            os.chmod(temporary, mode)
        else:
            os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except FileNotFoundError:
            pass
        raise

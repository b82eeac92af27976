"""Replace a file so that a reader sees either the old or the new content, never half."""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

logger = logging.getLogger(__name__)

NEW_FILE_MODE = 0o644


def write_atomically(
    path: str | os.PathLike, data: bytes | str, *, encoding: str = "utf-8"
) -> None:
    """Write ``data`` to ``path`` through a temporary file and ``os.replace``.

    The temporary file has a unique name in the same folder (so the rename
    stays on one file system), is flushed and fsynced before the rename, and
    takes the permission bits of the file it replaces (``0o644`` for a new
    file). A failure leaves the old file untouched and no temporary behind.

    Parameters
    ----------
    path : path
        The file to create or replace.
    data : bytes or str
        The new content; text is encoded with ``encoding``.
    encoding : str
        Encoding for text ``data``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "s1.txt"
    >>> write_atomically(target, "Shotnumber\\n1\\n")
    >>> target.read_text()
    'Shotnumber\\n1\\n'
    """
    path = Path(path)
    if isinstance(data, str):
        payload = data.encode(encoding)
    elif isinstance(data, bytes | bytearray | memoryview):
        payload = bytes(data)
    else:
        raise TypeError(f"write_atomically({path}) needs bytes or str, got {type(data).__name__}")
    with atomic_output(path) as stream:
        stream.write(payload)


@contextmanager
def atomic_output(path: str | os.PathLike) -> Iterator[BinaryIO]:
    """A binary stream whose content replaces ``path`` only when the block ends without error.

    For writers that want a file object (``figure.savefig``, ``numpy.savez``):
    they write to a temporary file in the same folder, which is fsynced and
    renamed over ``path`` at the end of the ``with`` block. If the block is
    interrupted (an exception, Ctrl-C), ``path`` keeps its old content (or
    stays absent) and the temporary is removed, so no reader ever finds an
    empty or half-written file there. Permission bits are handled as in
    :func:`write_atomically`.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "arrays.npz"
    >>> with atomic_output(target) as stream:
    ...     _ = stream.write(b"complete")
    >>> target.read_bytes()
    b'complete'
    """
    path = Path(path)
    try:
        mode = path.stat().st_mode & 0o7777
    except FileNotFoundError:
        mode = NEW_FILE_MODE
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    _sync_folder(path.parent)


def _sync_folder(folder: Path) -> None:
    """Make the rename durable where the platform allows syncing a directory."""
    try:
        handle = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(handle)
    except OSError as error:  # some network file systems refuse; the rename itself is done
        logger.debug("could not fsync folder %s: %s", folder, error)
    finally:
        os.close(handle)

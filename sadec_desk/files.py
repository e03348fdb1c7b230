"""Writing files so that a power cut leaves either the old file or the whole new one.

The rule, in one place: write a temp file in the target's folder, flush and ``fsync`` it,
``os.replace`` it over the target (atomic on POSIX and Windows), then ``fsync`` the
folder so the rename itself survives a crash (POSIX; Windows has no directory handles
and a no-op here). Backups, the page store, the settings file, exports and the
portal's blob store all write through this module.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO


def fsync_dir(folder: Path) -> None:
    """Make a rename or a new file in ``folder`` durable."""
    if os.name != "posix":  # Windows cannot open a folder; its renames are journalled
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_writer(path: Path, *, mode: str = "wb", encoding: str | None = None,
                  durable: bool = True) -> Iterator[IO]:
    """Yield a temp file beside ``path``; on a normal exit it replaces ``path``.

    On an exception the temp file is removed and ``path`` is left as it was.
    ``durable=False`` skips the two ``fsync`` calls (for files that can be made again,
    such as a preview picture)."""
    path = Path(path)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    tmp = Path(tmp_name)
    try:
        with open(fd, mode, encoding=encoding) as handle:
            yield handle
            handle.flush()
            if durable:
                os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    if durable:
        fsync_dir(path.parent)


def atomic_write(path: Path, data: bytes | str, *, durable: bool = True) -> None:
    """Write ``data`` (bytes, or text as UTF-8) to ``path`` atomically."""
    if isinstance(data, str):
        with atomic_writer(path, mode="w", encoding="utf-8", durable=durable) as handle:
            handle.write(data)
    else:
        with atomic_writer(path, durable=durable) as handle:
            handle.write(data)

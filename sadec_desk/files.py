"""Writing files so that a power cut leaves either the old file or the whole new one.

The rule, in one place: write a temp file in the target's folder, flush and ``fsync`` it,
``os.replace`` it over the target (atomic on POSIX and Windows), then ``fsync`` the
folder so the rename itself survives a crash (POSIX; Windows has no directory handles
and a no-op here). Backups, the page store, the settings file, exports and the
portal's blob store all write through this module.

Personal data at rest (#14 item 9): every file written here is created 0600 and every
folder made through :func:`private_dir` 0700 on POSIX, whatever the process umask; the
entry points also set :func:`set_private_umask`, so that files a library creates by
itself (SQLite's -wal/-shm, a log handler, an XLSX writer) are private too. On Windows the
data dir is under the user's profile (``%LOCALAPPDATA%``), whose inherited ACL already
grants only the user, SYSTEM and Administrators; the POSIX modes are not applied there.

User-chosen input files (#14 item 10) are read through :func:`read_bounded`: the type and
size are checked on the open descriptor before a byte is read, and never more than the
limit is read, so a 3 GB file, ``/dev/zero`` or a FIFO is refused at once with a sentence.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from sadec_desk.errors import InvalidInput
from sadec_desk.i18n import _

#: the largest file a person may pick as a page or a picture to decode (a 600 dpi colour
#: A4 scan is about 25 MB); read_bounded never reads more
INPUT_FILE_LIMIT = 40 * 1024 * 1024
#: files and folders the app creates are the user's only (POSIX)
FILE_MODE = 0o600
DIR_MODE = 0o700
PRIVATE_UMASK = 0o077
POSIX = os.name == "posix"


def set_private_umask() -> None:
    """Every file the process creates from now on is private (CLI ``main``, GUI start)."""
    if POSIX:
        os.umask(PRIVATE_UMASK)


def private_dir(folder: Path) -> Path:
    """``folder`` (and missing parents) made 0700; an existing folder of ours is
    tightened too, so a data dir made by an older version stops being readable by others."""
    folder = Path(folder)
    missing = [p for p in [folder, *folder.parents] if not p.exists()]
    for parent in reversed(missing):  # mkdir(parents=True) would give parents the umask's mode
        parent.mkdir(exist_ok=True, mode=DIR_MODE)
        make_private(parent, DIR_MODE)
    if POSIX and not missing:
        with contextlib.suppress(OSError):  # a folder of someone else's (e.g. /tmp): left as is
            if folder.stat().st_uid == os.getuid():
                os.chmod(folder, DIR_MODE)
    return folder


def new_private_file(path: Path) -> Path:
    """An empty file at ``path``, 0600 from its first byte (for a library such as SQLite
    that then writes into it with whatever mode it would have chosen)."""
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))
    make_private(path)  # the umask may have taken bits off, never adds: said explicitly
    return Path(path)


def make_private(path: Path, mode: int = FILE_MODE) -> None:
    """``path`` (a file we created, possibly by a library with its own mode) made 0600."""
    if POSIX:
        with contextlib.suppress(FileNotFoundError):
            os.chmod(path, mode)


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
        if POSIX:
            os.fchmod(fd, FILE_MODE)  # mkstemp's 0600 today; said here, not assumed
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


def _too_big(path: Path, limit: int) -> InvalidInput:
    shown = f"{limit:,}".replace(",", ".")  # Vietnamese groups thousands with dots
    return InvalidInput(_("Tệp {path} quá lớn (giới hạn {limit} byte); hãy chọn tệp nhỏ hơn."
                          ).format(path=path, limit=shown))


def read_bounded(path: Path | str, limit: int) -> bytes:
    """The bytes of a user-chosen regular file of at most ``limit`` bytes.

    The file is opened without blocking (a FIFO does not hang the open), its type and size
    are checked with ``fstat`` on that same descriptor (no swap between check and read),
    and at most ``limit + 1`` bytes are read, so a file that grows or lies about its size
    is still refused. Directories, FIFOs, devices and sockets (also behind a symlink) are
    refused with a sentence; nothing is read from them."""
    path = Path(path)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise InvalidInput(_("Không đọc được tệp {path} (không có tệp này).").format(
            path=path)) from None
    except IsADirectoryError:
        raise InvalidInput(_("{path} là một thư mục, không phải tệp; hãy chọn một tệp."
                             ).format(path=path)) from None
    except OSError as exc:
        raise InvalidInput(_("Không mở được tệp {path} ({error}).").format(
            path=path, error=exc.strerror or exc)) from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise InvalidInput(_("{path} là một thư mục, không phải tệp; hãy chọn một tệp."
                                 ).format(path=path))
        if not stat.S_ISREG(info.st_mode):
            raise InvalidInput(_("{path} không phải tệp thông thường (là thiết bị, ống dẫn hoặc "
                                 "socket); hãy chọn một tệp ảnh hoặc tài liệu.").format(path=path))
        if info.st_size > limit:
            raise _too_big(path, limit)
        chunks: list[bytes] = []
        left = limit + 1
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        if left <= 0:
            raise _too_big(path, limit)
        return b"".join(chunks)
    except OSError as exc:
        raise InvalidInput(_("Không đọc được tệp {path} ({error}).").format(
            path=path, error=exc.strerror or exc)) from None
    finally:
        os.close(fd)

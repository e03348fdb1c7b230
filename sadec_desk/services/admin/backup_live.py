"""The office's live SQLite file at restore time: whether it can be read whole, and putting
a checked copy of a backup in its place when it cannot.

A restore must work exactly when the database is broken, so nothing here needs the live
file to be readable. A damaged file (or one that is not a Sa Đéc Desk database) is never
deleted: it is moved aside, with its ``-wal``/``-shm``/``-journal`` companions, to
``<name>.damaged-YYYYMMDD-HHMMSS.sqlite3`` beside it, where an expert can still try to
recover what it holds. The copy of the backup is written and checked under a temporary
name first, so a failure leaves the live file as it was; the damaged file is hard-linked
aside before the copy replaces it in one rename, so the live path never lacks a file.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

from sadec_desk.domain.timezone import VN_TZ
from sadec_desk.errors import DatabaseError
from sadec_desk.files import fsync_dir, new_private_file
from sadec_desk.i18n import _
from sadec_desk.services import issued_numbers
from sadec_desk.services.access import require_role

if TYPE_CHECKING:
    from sadec_desk.services.context import AppContext

#: files SQLite keeps beside a database; they belong to it and move with it
COMPANIONS = ("-wal", "-shm", "-journal")
DAMAGED_TAG = ".damaged-"
STAGING_SUFFIX = ".restoring"
#: who may look at and replace the live file: IT, as for a restore (services/admin/backup.py)
ROLES = ("it",)


def _companion(path: Path, suffix: str) -> Path:
    return path.with_name(path.name + suffix)


def damage(ctx: AppContext) -> list[str]:
    """Why the office's SQLite file cannot serve as its database (an empty list: it can, or
    there is no file). Read-only; a damaged file gives sentences, never raises."""
    require_role(ctx, *ROLES)
    path = ctx.config.sqlite_path
    if not path.exists() and not path.is_symlink():
        return []
    if not path.is_file():
        return [_("{path} không phải là tệp cơ sở dữ liệu.").format(path=path)]
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    except sqlite3.Error as exc:
        return [_("Không mở được cơ sở dữ liệu ({error}).").format(error=exc)]
    try:
        result = [r[0] for r in conn.execute("PRAGMA integrity_check")]
        if result != ["ok"]:
            return [_("Kiểm tra toàn vẹn báo lỗi: {detail}").format(
                detail="; ".join(str(r) for r in result[:5]))]
        try:
            conn.execute("SELECT MAX(version) FROM schema_version").fetchone()
        except sqlite3.DatabaseError:
            return [_("Tệp không có bảng phiên bản lược đồ: không phải cơ sở dữ liệu của Sa Đéc "
                      "Desk.")]
        return []
    except sqlite3.Error as exc:
        return [_("Tệp hỏng hoặc không phải cơ sở dữ liệu ({error}).").format(error=exc)]
    finally:
        conn.close()


def _damaged_name(live: Path, stamp: str) -> Path:
    """``sadec_desk.damaged-20261126-090000.sqlite3`` beside ``live``, never one in use."""
    n = 1
    while True:
        tag = stamp if n == 1 else f"{stamp}-{n}"
        path = live.with_name(f"{live.stem}{DAMAGED_TAG}{tag}{live.suffix}")
        if not any(p.exists() or p.is_symlink()
                   for p in [path] + [_companion(path, s) for s in COMPANIONS]):
            return path
        n += 1


def _checked_copy(backup: Path, dest: Path) -> None:
    """The backup copied into a new file ``dest`` (0600, backup API), checked and on disk."""
    new_private_file(dest)
    src = sqlite3.connect(f"file:{backup}?mode=ro", uri=True, timeout=30)
    try:
        dst = sqlite3.connect(dest)
        try:
            src.backup(dst, pages=-1)
            dst.execute("PRAGMA journal_mode=DELETE")
            result = [r[0] for r in dst.execute("PRAGMA integrity_check")]
        finally:
            dst.close()
    finally:
        src.close()
    if result != ["ok"]:
        raise DatabaseError(_("Bản chép của bản sao lưu không đạt kiểm tra toàn vẹn; cơ sở dữ "
                              "liệu hiện tại không bị thay đổi."))
    with open(dest, "rb+") as out:
        os.fsync(out.fileno())


def replace(ctx: AppContext, backup: Path) -> Path | None:
    """Put a checked copy of ``backup`` at the office's SQLite file. A file already there
    is moved aside first (kept, see :func:`_damaged_name`); returns where it went, None if
    there was none. Every connection to the live file in this process must be closed."""
    require_role(ctx, *ROLES)
    live = ctx.config.sqlite_path
    stamp = ctx.now().astimezone(VN_TZ).strftime("%Y%m%d-%H%M%S")
    staging = _companion(live, STAGING_SUFFIX)
    try:
        live.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileNotFoundError):
            staging.unlink()  # left by a restore that was interrupted
        _checked_copy(backup, staging)
    except (sqlite3.Error, OSError) as exc:
        with contextlib.suppress(OSError):
            staging.unlink()
        raise DatabaseError(_("Không chép được bản sao lưu vào thư mục dữ liệu {folder} "
                              "({error}); cơ sở dữ liệu hiện tại không bị thay đổi. Kiểm tra ổ "
                              "đĩa còn trống và quyền ghi.").format(folder=live.parent,
                                                                  error=exc)) from None
    except DatabaseError:
        with contextlib.suppress(OSError):
            staging.unlink()
        raise
    had_file = live.exists() or live.is_symlink()
    aside = _damaged_name(live, stamp)
    try:
        # the companions first: a -wal left beside the restored file would be replayed into it
        for suffix in COMPANIONS:
            companion = _companion(live, suffix)
            if companion.exists():
                os.replace(companion, _companion(aside, suffix))
        if had_file:
            try:
                os.link(live, aside)  # the live path keeps a file until the swap
            except (OSError, NotImplementedError):
                os.replace(live, aside)  # no hard links here (FAT, some shares)
        os.replace(staging, live)
        fsync_dir(live.parent)
    except OSError as exc:
        with contextlib.suppress(OSError):
            staging.unlink()
        raise DatabaseError(_("Không thay được tệp cơ sở dữ liệu {path} ({error}). Tệp cũ và "
                              "các tệp kèm theo (nếu đã chuyển) ở {aside}. Đóng Sa Đéc Desk ở mọi "
                              "quầy rồi thử lại.").format(path=live, error=exc, aside=aside)
                            ) from None
    return aside if had_file else None


def note_counters(ctx: AppContext, *, pg: bool) -> None:
    """The live database's day counters (and, if its counter table is what broke, its
    dossier codes) noted outside it before a restore replaces it (#18): best effort, a
    damaged file gives what it still can."""
    require_role(ctx, *ROLES)
    if pg:
        issued_numbers.note_database(ctx.database)
        return
    live = ctx.config.sqlite_path
    if not live.is_file():
        return
    try:
        conn = sqlite3.connect(f"file:{live}?mode=ro", uri=True, timeout=30)
    except sqlite3.Error:
        return
    try:
        with contextlib.suppress(sqlite3.Error, ValueError):
            issued_numbers.note_counters(conn.execute(issued_numbers.COUNTERS_SQL))
        with contextlib.suppress(sqlite3.Error, ValueError):
            issued_numbers.note_codes(code for (code,) in conn.execute(
                "SELECT code FROM dossier"))
    finally:
        conn.close()

"""Opening the office database: SQLite by default, PostgreSQL by URL.

SQLite runs in WAL mode with ``synchronous=FULL`` (a receipt that was printed
must survive a power cut), foreign keys on, a busy timeout so that several
counters can share one file, and ``BEGIN IMMEDIATE`` for every transaction so
that two writers never deadlock on a lock upgrade.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import peewee
from playhouse import db_url

from sadec_desk.db.models import database_proxy
from sadec_desk.errors import DatabaseError
from sadec_desk.i18n import _


def sqlite_database(path: Path | str, *, busy_timeout_ms: int = 5000) -> peewee.SqliteDatabase:
    return peewee.SqliteDatabase(
        str(path),
        pragmas={
            "journal_mode": "wal",
            "synchronous": "full",
            "foreign_keys": 1,
            "busy_timeout": busy_timeout_ms,
        },
        timeout=busy_timeout_ms / 1000,
        lock_type="IMMEDIATE",
        returning_clause=True,
    )


def url_database(url: str) -> peewee.Database:
    try:
        return db_url.connect(url)
    except (ValueError, RuntimeError, peewee.ImproperlyConfigured) as exc:
        raise DatabaseError(_("Địa chỉ cơ sở dữ liệu '{url}' không dùng được ({error}). "
                              "Kiểm tra thiết lập database.url.").format(url=url, error=exc)
                            ) from None


def bind(database: peewee.Database) -> peewee.Database:
    database_proxy.initialize(database)
    return database


def is_sqlite(database: peewee.Database) -> bool:
    return isinstance(database, peewee.SqliteDatabase)


def explain_operational_error(exc: Exception) -> str:
    """One Vietnamese sentence for a database failure a person can act on."""
    text = str(exc).lower()
    if "locked" in text or "busy" in text:
        return _("Cơ sở dữ liệu đang bị khoá bởi một quầy hoặc chương trình khác. "
                 "Hãy thử lại sau ít giây; nếu vẫn lỗi, đóng các cửa sổ Sa Đéc Desk khác.")
    if "readonly" in text or "read-only" in text or "read only" in text:
        return _("Cơ sở dữ liệu chỉ cho phép đọc, không ghi được. Kiểm tra quyền ghi "
                 "của tệp và thư mục dữ liệu, hoặc ổ đĩa còn trống không.")
    if "unable to open" in text or "could not connect" in text or "connection" in text:
        return _("Không mở được cơ sở dữ liệu ({error}). Kiểm tra đường dẫn, "
                 "máy chủ và thiết lập database.url.").format(error=exc)
    if "disk" in text and ("full" in text or "i/o" in text):
        return _("Ổ đĩa đầy hoặc lỗi khi ghi cơ sở dữ liệu. Giải phóng dung lượng rồi thử lại.")
    if "malformed" in text or "not a database" in text:
        return _("Tệp cơ sở dữ liệu bị hỏng hoặc không phải cơ sở dữ liệu. "
                 "Hãy khôi phục từ bản sao lưu.")
    return _("Lỗi cơ sở dữ liệu: {error}").format(error=exc)


@contextlib.contextmanager
def translated_errors():
    """Turn driver errors a person can fix into :class:`DatabaseError`."""
    try:
        yield
    except (peewee.OperationalError, peewee.InterfaceError,
            peewee.DatabaseError) as exc:
        if isinstance(exc, peewee.IntegrityError | peewee.ProgrammingError):
            raise
        raise DatabaseError(explain_operational_error(exc)) from exc

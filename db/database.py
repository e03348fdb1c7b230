"""Opening the office database: SQLite by default, PostgreSQL by URL.

SQLite runs in WAL mode with ``synchronous=FULL`` (a receipt that was printed
must survive a power cut), foreign keys on, a busy timeout so that several
counters can share one file, and ``BEGIN IMMEDIATE`` for every transaction so
that two writers never deadlock on a lock upgrade.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import sqlite3
import threading
import weakref
from pathlib import Path
from typing import Any

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


def explain_operational_error(exc: BaseException) -> str:
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
    except (peewee.OperationalError, peewee.InterfaceError, peewee.DatabaseError,
            sqlite3.DatabaseError) as exc:
        # sqlite3's own errors reach here from rows fetched through a raw cursor (a damaged
        # page met while iterating: "database disk image is malformed")
        if isinstance(exc, peewee.IntegrityError | peewee.ProgrammingError
                      | sqlite3.IntegrityError | sqlite3.ProgrammingError):
            raise
        raise DatabaseError(explain_operational_error(first_failure(exc))) from exc


def first_failure(exc: BaseException) -> BaseException:
    """The error that started it. On a full disk (SQLITE_FULL) or an I/O error SQLite rolls
    the transaction back by itself; peewee's own ROLLBACK then fails with "cannot rollback -
    no transaction is active", which hides the real cause ("database or disk is full")."""
    while ("no transaction is active" in str(exc)
           and isinstance(exc.__context__, peewee.DatabaseError | sqlite3.Error)):
        exc = exc.__context__
    return exc


# --- plain SQL for the hot paths ------------------------------------------------------
# peewee spends longer composing a statement (about 0.3-0.5 ms of Python each) than SQLite
# takes to run it, so the paths that run on every receipt and ticket keep their SQL text,
# built once per driver placeholder ("?" SQLite, "%s" PostgreSQL).

_SQL_CACHE: dict[tuple, str] = {}


def sql_text(database: peewee.Database, name: str, text: str) -> str:
    """``text`` (written with ``?`` placeholders) for this database's driver."""
    key = (name, database.param)
    sql = _SQL_CACHE.get(key)
    if sql is None:
        sql = _SQL_CACHE[key] = text.replace("?", database.param)
    return sql


def _insert_sql(database: peewee.Database, model, names: tuple[str, ...]) -> str:
    key = ("insert", model._meta.table_name, names, database.param)
    sql = _SQL_CACHE.get(key)
    if sql is None:
        columns = ", ".join(model._meta.fields[n].column_name for n in names)
        marks = ", ".join([database.param] * len(names))
        sql = f"INSERT INTO {model._meta.table_name} ({columns}) VALUES ({marks})"
        if not is_sqlite(database):
            sql += f" RETURNING {model._meta.primary_key.column_name}"
        _SQL_CACHE[key] = sql
    return sql


def _db_values(model, names: tuple[str, ...], row: dict) -> tuple:
    fields = model._meta.fields
    return tuple(fields[n].db_value(row[n]) for n in names)


def insert_row(database: peewee.Database, model, row: dict) -> int:
    """``model.insert(row)`` without the query building: the new row's id. Values go
    through the fields' ``db_value`` as peewee would convert them."""
    names = tuple(row)
    cursor = database.execute_sql(_insert_sql(database, model, names),
                                  _db_values(model, names, row))
    return cursor.lastrowid if is_sqlite(database) else cursor.fetchone()[0]


def insert_rows(database: peewee.Database, model, rows: list[dict]) -> None:
    """``model.insert_many(rows)`` (same keys in every row), in one executemany."""
    if not rows:
        return
    names = tuple(rows[0])
    sql = _insert_sql(database, model, names).partition(" RETURNING ")[0]
    database.cursor().executemany(sql, [_db_values(model, names, r) for r in rows])


# --- prepared statements ---------------------------------------------------------------
# PostgreSQL plans every statement psycopg2 sends: 0.6-0.8 ms for a search's statement
# (a join of four tables behind a CTE), more than it then takes to run (bench/search.py).
# A statement prepared once per connection and run with EXECUTE skips the parsing and,
# with a generic plan, the planning. SQLite needs none of it: the sqlite3 module keeps
# the statements it compiled, by their text.

#: per database, per thread (peewee's connections are per thread): the connection last
#: seen and what is known of its session. Holding the connection keeps a new one from
#: ever being taken for it (sqlite3's connections cannot be weakly referenced)
_SESSIONS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def session_facts(database: peewee.Database) -> dict:
    """A dict that lives as long as the database's current connection (of this thread):
    for facts of its session (the statements prepared on it) or of the schema that only
    an upgrade, which runs before the app's work, changes (a table found there)."""
    connection = database.connection()
    local = _SESSIONS.get(database)
    if local is None:
        local = _SESSIONS.setdefault(database, threading.local())
    current = getattr(local, "current", None)
    if current is None or current[0] is not connection:
        current = local.current = (connection, {})
    return current[1]


def execute_prepared(database: peewee.Database, sql: str, params) -> Any:
    """The cursor of ``sql`` (written with the driver's placeholders) run with
    ``params``; on PostgreSQL as a statement prepared once per connection, planned once.

    Only for statements whose best plan does not depend on the values: the connection is
    set to use generic plans (``plan_cache_mode``), which it also does for the
    statements of our PL/pgSQL triggers (the names' suffixes: plans of the same shape
    whatever the name)."""
    if is_sqlite(database):
        return database.execute_sql(sql, params)
    facts = session_facts(database)
    prepared = facts.get("prepared")
    if prepared is None:
        database.execute_sql("SET plan_cache_mode = force_generic_plan")
        prepared = facts["prepared"] = set()
    name = "sadec_" + hashlib.sha1(sql.encode()).hexdigest()[:24]
    count = sql.count("%s")
    if name not in prepared:
        numbers = iter(range(1, count + 1))
        database.execute_sql(f"PREPARE {name} AS "
                             + re.sub("%s", lambda _m: f"${next(numbers)}", sql))
        prepared.add(name)
    return database.execute_sql(f"EXECUTE {name} ({', '.join(['%s'] * count)})"
                                if count else f"EXECUTE {name}", params)

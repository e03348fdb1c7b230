"""The citizens' name search index, kept in the database.

A clerk finds a dossier by typing the applicant's name without diacritics ("nguyen van
an" for "Nguyễn Văn An"). The folded name (:func:`fold_name`) is stored beside the name
in ``citizen.folded_name``, written in the same statement as the name, so it is never
stale and no counter rebuilds anything at start-up. Substring search over it is served by:

- SQLite: an FTS5 table with the trigram tokenizer (SQLite >= 3.34), external content
  ``citizen``, kept in step by triggers, so every write of a name updates the index in
  the writer's own transaction;
- PostgreSQL: a GIN trigram index (pg_trgm) on ``citizen.folded_name``, which serves
  ``LIKE '%…%'``.

Where neither is available (an SQLite without FTS5, a PostgreSQL role that may not create
the extension), the search still works by scanning the folded column; it is only slower.
"""

from __future__ import annotations

import sys
import unicodedata
from collections.abc import Callable

import peewee

from sadec_desk.db.database import is_sqlite
from sadec_desk.i18n import _

FTS_TABLE = "citizen_name_fts"
TRGM_INDEX = "citizen_folded_name_trgm"
#: below this many citizens a migration does not bother to report its progress
PROGRESS_FROM = 20_000
_BATCH = 5_000


def fold_name(text: str | None) -> str:
    """Lower case without diacritics, spaces collapsed: "Nguyễn Văn Á" -> "nguyen van a".

    ``đ`` has no decomposition in Unicode (it is a letter of its own), so it is mapped to
    ``d`` by hand: people type "dang" for "Đặng".
    """
    decomposed = unicodedata.normalize("NFD", (text or "").casefold())
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(stripped.replace("đ", "d").split())


def has_name_index(database: peewee.Database) -> bool:
    """True when the substring index exists (FTS5 table or trigram index)."""
    if is_sqlite(database):
        sql = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?"
        return database.execute_sql(sql, (FTS_TABLE,)).fetchone() is not None
    # (asked at every search: to_regclass is a catalogue lookup, the pg_indexes view a
    # join of five catalogues, ~1 ms)
    sql = "SELECT to_regclass(%s) IS NOT NULL"
    return bool(database.execute_sql(sql, (TRGM_INDEX,)).fetchone()[0])


def _sqlite_fts(database: peewee.Database) -> bool:
    try:
        with database.atomic():  # a savepoint: a missing FTS5 must not spoil the migration
            database.execute_sql(
                f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5(folded_name, "
                "content='citizen', content_rowid='id', tokenize='trigram')")
    except peewee.OperationalError:
        return False  # SQLite < 3.34 or built without FTS5: the search scans instead
    # external content: the triggers keep the index in step with every write of a name
    database.execute_sql(
        f"CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_ai AFTER INSERT ON citizen BEGIN "
        f"INSERT INTO {FTS_TABLE} (rowid, folded_name) VALUES (new.id, new.folded_name); END")
    database.execute_sql(
        f"CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_ad AFTER DELETE ON citizen BEGIN "
        f"INSERT INTO {FTS_TABLE} ({FTS_TABLE}, rowid, folded_name) "
        "VALUES ('delete', old.id, old.folded_name); END")
    database.execute_sql(
        f"CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_au AFTER UPDATE OF folded_name ON citizen "
        "WHEN old.folded_name IS NOT new.folded_name BEGIN "
        f"INSERT INTO {FTS_TABLE} ({FTS_TABLE}, rowid, folded_name) "
        "VALUES ('delete', old.id, old.folded_name); "
        f"INSERT INTO {FTS_TABLE} (rowid, folded_name) VALUES (new.id, new.folded_name); END")
    return True


def _pg_trigram(database: peewee.Database) -> bool:
    try:
        with database.atomic():  # a savepoint: a refused extension must not spoil the rest
            database.execute_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            database.execute_sql(f"CREATE INDEX IF NOT EXISTS {TRGM_INDEX} ON citizen "
                                 "USING gin (folded_name gin_trgm_ops)")
    except (peewee.ProgrammingError, peewee.OperationalError, peewee.InternalError):
        return False  # pg_trgm not installed or not allowed: the search scans instead
    return True


def install_name_index(database: peewee.Database) -> bool:
    """Create the substring index over ``citizen.folded_name`` (idempotent); False when
    this database cannot have one."""
    if is_sqlite(database):
        if not _sqlite_fts(database):
            return False
        # fills the index from the rows already there (no-op on an empty table)
        database.execute_sql(f"INSERT INTO {FTS_TABLE} ({FTS_TABLE}) VALUES ('rebuild')")
        return True
    return _pg_trigram(database)


def stderr_progress(done: int, total: int) -> None:
    """The migration's progress line (on the terminal of whoever opened the database)."""
    end = "\n" if done >= total else ""
    sys.stderr.write("\r" + _("Đang lập chỉ mục tìm kiếm theo tên: {done}/{total} công dân…")
                     .format(done=done, total=total) + end)
    sys.stderr.flush()


def fill_folded_names(database: peewee.Database,
                      progress: Callable[[int, int], None] | None = stderr_progress) -> int:
    """Fold the names of the rows written before the column existed; returns how many."""
    total = database.execute_sql(
        "SELECT count(*) FROM citizen WHERE folded_name = ''").fetchone()[0]
    update = ("UPDATE citizen SET folded_name = ? WHERE id = ?"
              .replace("?", database.param))
    select = ("SELECT id, full_name FROM citizen WHERE folded_name = '' AND id > ? "
              "ORDER BY id LIMIT ?").replace("?", database.param)
    done, last = 0, 0
    while True:
        rows = database.execute_sql(select, (last, _BATCH)).fetchall()
        if not rows:
            break
        # a name that folds to nothing (only marks) keeps '' and is not read again
        database.cursor().executemany(update, [(fold_name(name), cid) for cid, name in rows])
        done += len(rows)
        last = rows[-1][0]
        if progress is not None and total >= PROGRESS_FROM:
            progress(done, total)
    return done


def upgrade(database: peewee.Database,
            progress: Callable[[int, int], None] | None = stderr_progress) -> None:
    """Schema step 4 (db/migrations.py): the folded-name column, filled from the names on
    file, the lookup indexes (folded name, old ID number, phones) and the substring index;
    and the two indexes the reports read by (results by day, rescheduled dossiers).
    Plain DDL: a NOT NULL column with a constant default is added in place by SQLite and
    PostgreSQL alike (peewee's SQLite migrator would copy the whole table)."""
    database.execute_sql("ALTER TABLE citizen ADD COLUMN folded_name VARCHAR(255) NOT NULL "
                         "DEFAULT ''")
    fill_folded_names(database, progress)
    # the names peewee gives the same indexes on a new database (table_column)
    for table, column in (("citizen", "folded_name"), ("citizen", "old_id_number"),
                          ("citizen", "phone"), ("dossier", "phone"),
                          ("dossier", "finished_at")):
        database.execute_sql(
            f"CREATE INDEX IF NOT EXISTS {table}_{column} ON {table} ({column})")
    database.execute_sql("CREATE INDEX IF NOT EXISTS dossier_status_due_at ON dossier "
                         "(status, due_at)")
    # the reports' rescheduled dossiers (db/models.py declares the same partial index)
    database.execute_sql("CREATE INDEX IF NOT EXISTS dossier_event_rescheduled ON "
                         "dossier_event (dossier_id) WHERE kind = 'rescheduled'")
    install_name_index(database)

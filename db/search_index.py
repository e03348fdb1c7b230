"""The citizens' name search index, kept in the database.

A clerk finds a dossier by typing the applicant's name without diacritics ("nguyen van
an" for "Nguyễn Văn An"). The folded name (:func:`fold_name`) is stored beside the name
in ``citizen.folded_name``, written in the same statement as the name, so it is never
stale and no counter rebuilds anything at start-up. Substring search over it is served by:

- both: a table of the folded names' suffixes (:data:`SUFFIX_TABLE`), kept by triggers
  on ``citizen`` in the writer's transaction: a text is in a name exactly when
  some suffix of the name starts with it, so the citizens whose name contains a text are
  a range of its primary key (suffix, citizen_id), read without touching the table (an
  index-only scan), however common the family name. It is what the search reads (step
  11 on PostgreSQL, step 12 on SQLite, where counting the matching citizens through FTS5
  cost 5.8 ms a name at 1,000,000 dossiers against 0.2 ms through the suffixes).
- beside it, the trigram index the search falls back on where the suffix table is
  missing (a database between step 4 and step 11/12 of db/migrations.py): on SQLite an
  FTS5 table with the trigram tokenizer (SQLite >= 3.34), external content ``citizen``,
  kept by triggers; on PostgreSQL the GIN trigram index (pg_trgm) on
  ``citizen.folded_name``, which serves ``LIKE '%…%'`` (issue #16 item 2). No other query
  reads them today: once the suffixes are there they are kept up to date by every write
  of a name without serving the search.

Where neither is available (an SQLite without FTS5, a PostgreSQL role that may not create
the extension), the search still works by scanning the folded column; it is only slower.
"""

from __future__ import annotations

import sys
import unicodedata
from collections.abc import Callable

import peewee

from sadec_desk.db.database import is_sqlite, session_facts
from sadec_desk.i18n import _

FTS_TABLE = "citizen_name_fts"
TRGM_INDEX = "citizen_folded_name_trgm"
#: (suffix, citizen_id), the suffixes of each citizen's folded name
SUFFIX_TABLE = "citizen_name_suffix"
#: the suffixes are stored up to this many characters: a longer text is looked up by its
#: first SUFFIX_CHARS and each candidate's name checked for the whole text (the bound
#: keeps a very long name from writing hundreds of long rows)
SUFFIX_CHARS = 16
#: suffixes shorter than this are not stored: shorter texts are not looked up by name
#: index (search.py walks the newest dossiers for them)
SUFFIX_MIN = 3
#: PostgreSQL: dossier (citizen_id, received_at, id) and (received_at, id, citizen_id)
CITIZEN_NEWEST_INDEX = "dossier_citizen_newest"
NEWEST_CITIZEN_INDEX = "dossier_newest_citizen"
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


def install_name_index(database: peewee.Database, *, suffixes: bool = True) -> bool:
    """Create the substring indexes over ``citizen.folded_name`` (idempotent): the suffix
    table unless ``suffixes`` is False (step 4 of an older database: steps 11 and 12 add
    it), and the trigram index; False when this database cannot have the latter."""
    if suffixes:
        install_name_suffixes(database)
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
    # (PostgreSQL's suffix table is step 11's)
    install_name_index(database, suffixes=False)


_SUFFIXES_FN = "sadec_name_suffixes"
_SUFFIX_TRIGGER_FN = "sadec_citizen_name_suffix"
_SUFFIX_INSERT_FN = "sadec_citizen_name_suffix_insert"
_NEWEST_FN = "sadec_citizen_newest"
_DOSSIER_NEWEST_FN = "sadec_dossier_newest"
#: the triggers on citizen that keep the suffix table (named f"{SUFFIX_TABLE}_{kind}")
SUFFIX_TRIGGERS = ("insert", "delete", "rename")
#: PostgreSQL: the triggers on dossier that keep its ``newest_at`` (same naming)
NEWEST_TRIGGERS = ("newest_insert", "newest_change", "newest_delete")
_SUFFIX_KEY = f"{SUFFIX_TABLE}_pkey"


def _pg_suffix_table(database: peewee.Database) -> None:
    """The suffix table, the function that cuts a name into its suffixes and the triggers
    that keep the table in step with ``citizen`` and ``dossier`` (idempotent). The table
    has no primary key yet when it is new: :func:`install_name_suffixes` fills it first.

    ``newest_at`` is the moment the citizen's newest dossier was received (NULL: none):
    the newest ``limit`` dossiers of the citizens a text names are those of the ``limit``
    citizens whose newest dossiers are the newest (and of those tied with the last of
    them), so the search reads these few citizens' dossiers instead of every one's
    (services/reception/search.py). Kept by triggers on ``dossier`` in the writer's
    transaction; it rides in the key's index (INCLUDE), read without the table."""
    # bytewise order ("C"): the suffixes starting with a text are then a range of the key
    # (services/reception/search.py _prefix_range)
    database.execute_sql(f"CREATE TABLE IF NOT EXISTS {SUFFIX_TABLE} "
                         '(suffix text COLLATE "C" NOT NULL, citizen_id integer NOT NULL, '
                         "newest_at timestamp)")
    database.execute_sql(
        f"CREATE OR REPLACE FUNCTION {_SUFFIXES_FN}(name text) RETURNS SETOF text "
        "LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ "
        f"SELECT DISTINCT left(substr(name, i), {SUFFIX_CHARS}) "
        f"FROM generate_series(1, length(name) - {SUFFIX_MIN - 1}) AS i $$")
    # in the writer's transaction: the inserted citizens statement by statement (a bulk
    # insert was 1.3-1.6x faster so than row by row, 20,000 citizens into 500,000); a
    # rename or delete row by row, the old rows found by the key
    database.execute_sql(
        f"CREATE OR REPLACE FUNCTION {_SUFFIX_INSERT_FN}() RETURNS trigger "
        "LANGUAGE plpgsql AS $$ BEGIN "
        f"INSERT INTO {SUFFIX_TABLE} (suffix, citizen_id) "
        f"SELECT s, n.id FROM new_citizens n, {_SUFFIXES_FN}(n.folded_name) AS s; "
        "RETURN NULL; END $$")
    database.execute_sql(
        f"CREATE OR REPLACE FUNCTION {_SUFFIX_TRIGGER_FN}() RETURNS trigger "
        "LANGUAGE plpgsql AS $$ BEGIN "
        f"DELETE FROM {SUFFIX_TABLE} WHERE citizen_id = OLD.id "
        f"AND suffix IN (SELECT {_SUFFIXES_FN}(OLD.folded_name)); "
        "IF TG_OP = 'UPDATE' THEN "
        f"INSERT INTO {SUFFIX_TABLE} (suffix, citizen_id, newest_at) SELECT s, NEW.id, "
        "(SELECT max(received_at) FROM dossier WHERE citizen_id = NEW.id) "
        f"FROM {_SUFFIXES_FN}(NEW.folded_name) AS s; END IF; "
        "RETURN NULL; END $$")
    # a citizen's rows are found by the whole key: the suffixes of the name on file and
    # the id. Never by a scan: a plan made while the table's statistics are those of an
    # empty table (a bulk load, a restore) would scan its millions of rows at every
    # dossier (the bench's fill: one insert of 5,000 dossiers ran for minutes)
    mine = (f"suffix = ANY(ARRAY(SELECT {_SUFFIXES_FN}(folded_name) FROM citizen "
            "WHERE id = {cid})) AND citizen_id = {cid}")
    database.execute_sql(
        f"CREATE OR REPLACE FUNCTION {_NEWEST_FN}(cid integer) RETURNS void "
        "LANGUAGE sql SET enable_seqscan = off AS $$ "
        f"UPDATE {SUFFIX_TABLE} SET newest_at = (SELECT max(received_at) "
        f"FROM dossier WHERE citizen_id = cid) WHERE {mine.format(cid='cid')} $$")
    # row by row: a receipt is one dossier
    database.execute_sql(
        f"CREATE OR REPLACE FUNCTION {_DOSSIER_NEWEST_FN}() RETURNS trigger "
        "LANGUAGE plpgsql SET enable_seqscan = off AS $$ BEGIN "
        "IF TG_OP = 'INSERT' THEN "
        f"UPDATE {SUFFIX_TABLE} SET newest_at = NEW.received_at "
        f"WHERE {mine.format(cid='NEW.citizen_id')} "
        "AND (newest_at IS NULL OR newest_at < NEW.received_at); "
        f"ELSE PERFORM {_NEWEST_FN}(OLD.citizen_id); "
        "IF TG_OP = 'UPDATE' AND NEW.citizen_id <> OLD.citizen_id THEN "
        f"PERFORM {_NEWEST_FN}(NEW.citizen_id); END IF; END IF; "
        "RETURN NULL; END $$")
    for name in SUFFIX_TRIGGERS:
        database.execute_sql(f"DROP TRIGGER IF EXISTS {SUFFIX_TABLE}_{name} ON citizen")
    database.execute_sql(f"CREATE TRIGGER {SUFFIX_TABLE}_insert AFTER INSERT ON citizen "
                         "REFERENCING NEW TABLE AS new_citizens FOR EACH STATEMENT "
                         f"EXECUTE FUNCTION {_SUFFIX_INSERT_FN}()")
    database.execute_sql(f"CREATE TRIGGER {SUFFIX_TABLE}_delete AFTER DELETE ON citizen "
                         f"FOR EACH ROW EXECUTE FUNCTION {_SUFFIX_TRIGGER_FN}()")
    database.execute_sql(f"CREATE TRIGGER {SUFFIX_TABLE}_rename AFTER UPDATE OF folded_name, id "
                         "ON citizen FOR EACH ROW WHEN (OLD.folded_name IS DISTINCT FROM "
                         "NEW.folded_name OR OLD.id <> NEW.id) "
                         f"EXECUTE FUNCTION {_SUFFIX_TRIGGER_FN}()")
    for name in NEWEST_TRIGGERS:
        database.execute_sql(f"DROP TRIGGER IF EXISTS {SUFFIX_TABLE}_{name} ON dossier")
    run = f"FOR EACH ROW EXECUTE FUNCTION {_DOSSIER_NEWEST_FN}()"
    database.execute_sql(f"CREATE TRIGGER {SUFFIX_TABLE}_newest_insert AFTER INSERT ON dossier "
                         + run)
    # (peewee's save writes every column: only a real change of these two counts)
    database.execute_sql(f"CREATE TRIGGER {SUFFIX_TABLE}_newest_change AFTER UPDATE OF "
                         "citizen_id, received_at ON dossier FOR EACH ROW WHEN "
                         "(OLD.citizen_id <> NEW.citizen_id OR OLD.received_at IS DISTINCT "
                         f"FROM NEW.received_at) EXECUTE FUNCTION {_DOSSIER_NEWEST_FN}()")
    database.execute_sql(f"CREATE TRIGGER {SUFFIX_TABLE}_newest_delete AFTER DELETE ON dossier "
                         + run)


#: SQLite: the positions a name's suffixes start at, as a JSON array for json_each (a
#: trigger may not hold a WITH RECURSIVE); names are at most 255 characters (the column's
#: declared size; the forms take 100)
_POSITIONS = "[" + ",".join(str(i) for i in range(1, 256)) + "]"


def _sqlite_suffixes_sql(row: str, *columns: str) -> str:
    """SQLite: the suffixes of the folded name of citizen ``row`` (``new`` or ``old`` in a
    trigger), as :func:`suffixes_of` cuts them, with ``columns``; json_each stops at the
    name's last position."""
    suffix = f"substr({row}.folded_name, p.value, {SUFFIX_CHARS})"
    return (f"SELECT {', '.join((suffix, *columns))} FROM json_each('{_POSITIONS}') AS p "
            f"LIMIT max(length({row}.folded_name) - {SUFFIX_MIN - 1}, 0)")


def suffixes_of(folded: str) -> set[str]:
    """The suffixes stored for a folded name: from each position with at least
    :data:`SUFFIX_MIN` characters left, at most :data:`SUFFIX_CHARS` long (what the
    triggers write on both databases)."""
    return {folded[i:i + SUFFIX_CHARS] for i in range(len(folded) - SUFFIX_MIN + 1)}


def _sqlite_suffixes(database: peewee.Database,
                     progress: Callable[[int, int], None] | None) -> int:
    """SQLite: the suffix table (its key is the table: WITHOUT ROWID), filled from the
    names on file batch by batch, each batch sorted, then the triggers that keep it."""
    database.execute_sql(f"CREATE TABLE {SUFFIX_TABLE} (suffix TEXT NOT NULL, "
                         "citizen_id INTEGER NOT NULL, PRIMARY KEY (suffix, citizen_id)) "
                         "WITHOUT ROWID")
    total = database.execute_sql("SELECT count(*) FROM citizen").fetchone()[0]
    insert = f"INSERT INTO {SUFFIX_TABLE} (suffix, citizen_id) VALUES (?, ?)"
    done, last = 0, 0
    while True:
        rows = database.execute_sql("SELECT id, folded_name FROM citizen WHERE id > ? "
                                    "ORDER BY id LIMIT ?", (last, _BATCH * 10)).fetchall()
        if not rows:
            break
        database.cursor().executemany(insert, sorted(
            (suffix, cid) for cid, folded in rows for suffix in suffixes_of(folded)))
        done += len(rows)
        last = rows[-1][0]
        if progress is not None and total >= PROGRESS_FROM:
            progress(done, total)
    for name in SUFFIX_TRIGGERS:
        database.execute_sql(f"DROP TRIGGER IF EXISTS {SUFFIX_TABLE}_{name}")
    delete_old = (f"DELETE FROM {SUFFIX_TABLE} WHERE citizen_id = old.id AND suffix IN "
                  f"({_sqlite_suffixes_sql('old')});")
    insert_new = (f"INSERT OR IGNORE INTO {SUFFIX_TABLE} (suffix, citizen_id) "
                  f"{_sqlite_suffixes_sql('new', 'new.id')};")
    database.execute_sql(f"CREATE TRIGGER {SUFFIX_TABLE}_insert AFTER INSERT ON citizen "
                         f"BEGIN {insert_new} END")
    database.execute_sql(f"CREATE TRIGGER {SUFFIX_TABLE}_delete AFTER DELETE ON citizen "
                         f"BEGIN {delete_old} END")
    database.execute_sql(f"CREATE TRIGGER {SUFFIX_TABLE}_rename AFTER UPDATE OF folded_name, "
                         "id ON citizen WHEN old.folded_name IS NOT new.folded_name OR "
                         f"old.id <> new.id BEGIN {delete_old} {insert_new} END")
    return done


def install_name_suffixes(database: peewee.Database,
                          progress: Callable[[int, int], None] | None = stderr_progress) -> int:
    """Create the suffix table and its triggers, and fill it from the names on file (schema
    step 11 on PostgreSQL, 12 on SQLite, and a new database); returns how many citizens
    were filled.
    The table is made anew each time: a table left over by a restore of a backup older
    than step 11 (``pg_restore --clean`` drops only what the backup has) would not
    match the names restored. Filled batch by batch with a progress line for large
    files, then its key is built in one sort (faster than growing the index row by
    row)."""
    database.execute_sql(f"DROP TABLE IF EXISTS {SUFFIX_TABLE}")
    if is_sqlite(database):
        return _sqlite_suffixes(database, progress)
    _pg_suffix_table(database)
    _pg_dossier_indexes(database)
    total = database.execute_sql("SELECT count(*) FROM citizen").fetchone()[0]
    done, last = 0, 0
    while True:
        row = database.execute_sql(
            "SELECT max(id), count(*) FROM (SELECT id FROM citizen WHERE id > %s "
            "ORDER BY id LIMIT %s) AS batch", (last, _BATCH * 10)).fetchone()
        if not row[1]:
            break
        database.execute_sql(
            f"INSERT INTO {SUFFIX_TABLE} (suffix, citizen_id, newest_at) SELECT s, c.id, "
            "(SELECT max(d.received_at) FROM dossier d WHERE d.citizen_id = c.id) "
            f"FROM citizen c, {_SUFFIXES_FN}(c.folded_name) AS s "
            "WHERE c.id > %s AND c.id <= %s", (last, row[0]))
        done += row[1]
        last = row[0]
        if progress is not None and total >= PROGRESS_FROM:
            progress(done, total)
    database.execute_sql(f"ALTER TABLE {SUFFIX_TABLE} ADD CONSTRAINT {_SUFFIX_KEY} "
                         "PRIMARY KEY (suffix, citizen_id) INCLUDE (newest_at)")
    return done


def has_newest(database: peewee.Database) -> bool:
    """PostgreSQL: True when the suffix table carries ``newest_at`` (step 13 done)."""
    return not is_sqlite(database) and database.execute_sql(
        "SELECT 1 FROM information_schema.columns WHERE table_name = %s "
        "AND column_name = 'newest_at'", (SUFFIX_TABLE,)).fetchone() is not None


def _pg_dossier_indexes(database: peewee.Database) -> None:
    """PostgreSQL: the two ways the search reaches the newest dossiers of the citizens it
    found, each read from the index alone: a few citizens' dossiers
    (:data:`CITIZEN_NEWEST_INDEX`), and the newest dossiers of all walked backwards,
    checking each one's citizen (:data:`NEWEST_CITIZEN_INDEX`)."""
    database.execute_sql(f"CREATE INDEX IF NOT EXISTS {CITIZEN_NEWEST_INDEX} ON dossier "
                         "(citizen_id, received_at, id)")
    database.execute_sql(f"CREATE INDEX IF NOT EXISTS {NEWEST_CITIZEN_INDEX} ON dossier "
                         "(received_at, id, citizen_id)")


def has_suffix_index(database: peewee.Database) -> bool:
    """True when the suffix table is there with its key (step 11 done on PostgreSQL, step
    12 on SQLite, where the key is the table's own)."""
    facts = session_facts(database)  # once found, known for the connection (0.1 ms a search)
    if not facts.get(_SUFFIX_KEY):
        if is_sqlite(database):
            found = database.execute_sql("SELECT 1 FROM sqlite_master WHERE type = 'table' "
                                         "AND name = ?", (SUFFIX_TABLE,)).fetchone()
        else:
            found = database.execute_sql("SELECT to_regclass(%s)", (_SUFFIX_KEY,)).fetchone()[0]
        facts[_SUFFIX_KEY] = found is not None
    return facts[_SUFFIX_KEY]


def suffixes_missing(database: peewee.Database) -> bool:
    """PostgreSQL: True when the suffix table (with its key) is empty while some citizen
    has a name long enough to have suffixes: what a restore of a backup leaves, since
    backups carry the table without its rows (services/admin/backup.py). Two probes that
    stop at the first row found."""
    if not has_suffix_index(database):
        return False
    return bool(database.execute_sql(
        f"SELECT NOT EXISTS (SELECT 1 FROM {SUFFIX_TABLE}) AND EXISTS (SELECT 1 FROM citizen "
        f"WHERE length(folded_name) >= {SUFFIX_MIN})").fetchone()[0])

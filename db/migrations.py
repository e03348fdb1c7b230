"""Schema versions, applied automatically when the database is opened.

A new database gets the current models and is stamped with ``LATEST``; an older
one runs the upgrade steps above its version, in one transaction that holds the
write lock (SQLite ``BEGIN IMMEDIATE``, a PostgreSQL advisory lock), so two
counters starting at once do not both migrate. A database written by a newer
version of the app is refused: this version cannot know what it would break.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import peewee

from sadec_desk import __version__
from sadec_desk.db import search_index
from sadec_desk.db.attachment_models import ATTACHMENT_MODELS
from sadec_desk.db.database import is_sqlite
from sadec_desk.db.models import (
    FINISHED_INDEX_COLUMNS,
    Dossier,
    SchemaVersion,
    rescheduled_from,
)
from sadec_desk.db.schema import ALL_MODELS
from sadec_desk.errors import DatabaseError
from sadec_desk.i18n import _


def _add_attachments(database: peewee.Database) -> None:
    """2: scanned pages and e-forms of kiosk submissions (issue #8)."""
    database.create_tables(ATTACHMENT_MODELS)


def _add_quarantine(database: peewee.Database) -> None:
    """3: changes from the portal's feed kept aside instead of blocking the pull (issue #14)."""
    from sadec_desk.db.sync_models import QuarantinedChange

    database.create_tables([QuarantinedChange])


def _add_search_index(database: peewee.Database) -> None:
    """4: the citizens' folded names, indexed for finding dossiers by name (issue #16)."""
    search_index.upgrade(database)


def _add_result_delivery(database: peewee.Database) -> None:
    """5: how the citizen wants the result (office / post) and the provincial gateway's
    LayThuTuc cache (issue #15)."""
    from sadec_desk.db.models import GatewayProcedure

    # plain ALTER TABLE (both engines): playhouse's SQLite migrator rebuilds the table for
    # a NOT NULL column, which the dossier's foreign keys and triggers refuse
    database.execute_sql("ALTER TABLE dossier ADD COLUMN result_delivery VARCHAR(255) "
                         "NOT NULL DEFAULT 'office'")
    database.create_tables([GatewayProcedure])


def _add_results(database: peewee.Database) -> None:
    """6: result documents the office attaches to a dossier (issue #15)."""
    from sadec_desk.db.attachment_models import DossierResult

    database.create_tables([DossierResult])


def _add_stations(database: peewee.Database) -> None:
    """7: the office's PCs that run the app and when each was last seen (issue #17 item 2)."""
    from sadec_desk.db.station_models import Station

    database.create_tables([Station])


def _add_print_job_station(database: peewee.Database) -> None:
    """8: the PC that queued a print job, so that in an office of several PCs each print worker
    retries only its own jobs on its own printers (issue #17 item 2)."""
    if "station" in {c.name for c in database.get_columns("print_job")}:
        return  # already there: like the create_tables steps, this one is safe to run twice
    database.execute_sql("ALTER TABLE print_job ADD COLUMN station VARCHAR(255) "
                         "NOT NULL DEFAULT ''")


def _add_receipt_due(database: peewee.Database) -> None:
    """9: the due time on the receipt of a rescheduled dossier beside the new one, so that
    the reports judge results in one grouped query (issue #16 item 4); filled from the first
    apology event of each dossier that has the old time. The index of finished_at grows
    into one that holds every column that query reads."""
    if "receipt_due_at" in {c.name for c in database.get_columns("dossier")}:
        return  # already there: safe to run twice, like step 8
    kind = "DATETIME" if is_sqlite(database) else "TIMESTAMP"
    database.execute_sql(f"ALTER TABLE dossier ADD COLUMN receipt_due_at {kind}")
    firsts: dict[int, datetime] = {}
    for dossier_id, data in database.execute_sql(
            "SELECT dossier_id, data FROM dossier_event WHERE kind = 'rescheduled' "
            "ORDER BY seq").fetchall():
        if dossier_id not in firsts:
            old_due = rescheduled_from(data)
            if old_due is not None:
                firsts[dossier_id] = old_due
    value = Dossier.receipt_due_at.db_value
    marks = (database.param, database.param)
    for dossier_id, old_due in firsts.items():
        database.execute_sql("UPDATE dossier SET receipt_due_at = {} WHERE id = {}"
                             .format(*marks), (value(old_due), dossier_id))
    database.execute_sql(f"CREATE INDEX dossier_{'_'.join(FINISHED_INDEX_COLUMNS)} "
                         f"ON dossier ({', '.join(FINISHED_INDEX_COLUMNS)})")
    database.execute_sql("DROP INDEX IF EXISTS dossier_finished_at")  # its first column


def _add_ticket_issued_group(database: peewee.Database) -> None:
    """10: a ticket's number is unique per the group that issued it, not per the group it
    waits in: sending A012 to group C failed when C had its own 012 that day. A ticket sent
    to another group before this step counts as issued by the group it is in now (the old
    unique index held for that)."""
    if "issued_group_id" in {c.name for c in database.get_columns("ticket")}:
        return  # already there: safe to run twice, like step 8
    database.execute_sql("ALTER TABLE ticket ADD COLUMN issued_group_id INTEGER "
                         "REFERENCES service_group (id)")
    database.execute_sql("UPDATE ticket SET issued_group_id = service_group_id")
    database.execute_sql("DROP INDEX IF EXISTS ticket_service_group_id_day_number")
    database.execute_sql("CREATE UNIQUE INDEX ticket_issued_group_id_day_number "
                         "ON ticket (issued_group_id, day, number)")


def _add_name_suffixes(database: peewee.Database) -> None:
    """11: PostgreSQL: the suffixes of the citizens' folded names, kept by a trigger, and
    two indexes on the dossiers, for finding a dossier by any part of a name among a
    million (issue #16 item 3; db/search_index.py). SQLite: nothing (step 12)."""
    if not is_sqlite(database):
        search_index.install_name_suffixes(database)


def _add_sqlite_name_suffixes(database: peewee.Database) -> None:
    """12: SQLite: the same suffix table, which counts the citizens a name matches far
    cheaper than the FTS5 trigram table of step 4 (db/search_index.py). PostgreSQL:
    nothing (step 11)."""
    if is_sqlite(database):
        search_index.install_name_suffixes(database)


def _add_suffix_newest(database: peewee.Database) -> None:
    """13: PostgreSQL: the suffix table made again with each citizen's newest dossier's
    moment, kept by triggers on ``dossier`` (db/search_index.py; a table step 11 made in
    this same upgrade has it already). SQLite: nothing."""
    if not is_sqlite(database) and not search_index.has_newest(database):
        search_index.install_name_suffixes(database)


#: version -> step that upgrades a database at version-1 to it (new tables with
#: create_tables, changed columns with playhouse.migrate)
UPGRADES: dict[int, Callable[[peewee.Database], None]] = {2: _add_attachments, 3: _add_quarantine,
                                                          4: _add_search_index,
                                                          5: _add_result_delivery,
                                                          6: _add_results,
                                                          7: _add_stations,
                                                          8: _add_print_job_station,
                                                          9: _add_receipt_due,
                                                          10: _add_ticket_issued_group,
                                                          11: _add_name_suffixes,
                                                          12: _add_sqlite_name_suffixes,
                                                          13: _add_suffix_newest}

#: the schema version a new database is created at
LATEST = max(UPGRADES)

_ADVISORY_LOCK_KEY = 7270010  # any constant shared by every counter of the office


def _install_append_only_triggers(database: peewee.Database) -> None:
    """Dossier events are the legal trail (docs/design.md §3.4): no edits, no deletes."""
    if is_sqlite(database):
        for action in ("UPDATE", "DELETE"):
            database.execute_sql(
                f"CREATE TRIGGER IF NOT EXISTS dossier_event_no_{action.lower()} "
                f"BEFORE {action} ON dossier_event "
                "BEGIN SELECT RAISE(ABORT, 'dossier_event is append-only'); END"
            )
    else:
        database.execute_sql(
            "CREATE OR REPLACE FUNCTION sadec_append_only() RETURNS trigger AS $$ "
            "BEGIN RAISE EXCEPTION 'dossier_event is append-only'; END $$ LANGUAGE plpgsql"
        )
        database.execute_sql("DROP TRIGGER IF EXISTS dossier_event_append_only ON dossier_event")
        database.execute_sql(
            "CREATE TRIGGER dossier_event_append_only BEFORE UPDATE OR DELETE ON dossier_event "
            "FOR EACH ROW EXECUTE FUNCTION sadec_append_only()"
        )


def current_version(database: peewee.Database) -> int:
    tables = set(database.get_tables())
    if SchemaVersion._meta.table_name not in tables:
        if tables:
            raise DatabaseError(_("Cơ sở dữ liệu này có dữ liệu nhưng không phải của Sa Đéc Desk "
                                  "(không có bảng phiên bản). Hãy chọn tệp hoặc máy chủ khác."))
        return 0
    return SchemaVersion.select(peewee.fn.MAX(SchemaVersion.version)).scalar() or 0


def _stamp(version: int) -> None:
    SchemaVersion.create(version=version, applied_at=datetime.now(UTC), app_version=__version__)


def migrate(database: peewee.Database) -> int:
    """Bring the schema to ``LATEST``; return the version it was at before."""
    # A plain read first: when nothing is due (every start but the first after an update)
    # opening needs no write lock, so `dossier list` works while another counter or a
    # backup holds it (issue #18). The check is repeated under the lock below.
    before = current_version(database)
    if before == LATEST:
        refill_derived(database)
        return before
    with database.atomic():
        if not is_sqlite(database):
            database.execute_sql("SELECT pg_advisory_xact_lock(%s)", (_ADVISORY_LOCK_KEY,))
        before = current_version(database)  # another counter may have migrated meanwhile
        if before > LATEST:
            raise DatabaseError(_(
                "Cơ sở dữ liệu được tạo bởi phiên bản Sa Đéc Desk mới hơn (lược đồ {found}, "
                "phiên bản này chỉ hiểu đến {latest}). Hãy cập nhật phần mềm; dữ liệu "
                "không bị thay đổi.").format(found=before, latest=LATEST))
        if before == 0:
            database.create_tables(ALL_MODELS)
            _install_append_only_triggers(database)
            search_index.install_name_index(database)
            _stamp(LATEST)
        else:
            for version in sorted(v for v in UPGRADES if v > before):
                UPGRADES[version](database)
                _stamp(version)
    return before


def refill_derived(database: peewee.Database,
                   progress: Callable[[int, int], None] | None = search_index.stderr_progress
                   ) -> int:
    """PostgreSQL: the name suffixes made again from the names when a restore brought their
    table back empty (backups leave out its ~500 MB of rows at 1,000,000 dossiers: they
    are derived); step 11's fill, with its progress line. Run by the restore and at every
    open (one read when nothing is missing), so a fill cut short is done by the next
    start. Under the migration's lock: two counters starting at once fill it once.
    Returns how many citizens were filled."""
    if is_sqlite(database) or not search_index.suffixes_missing(database):
        return 0
    with database.atomic():
        database.execute_sql("SELECT pg_advisory_xact_lock(%s)", (_ADVISORY_LOCK_KEY,))
        if not search_index.suffixes_missing(database):
            return 0  # another counter filled it meanwhile
        return search_index.install_name_suffixes(database, progress)

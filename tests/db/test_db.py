import sqlite3

import peewee
import pytest
from appfixtures import SAMPLE_QR, SCHEMA1_SAMPLE, Clock, make_ctx

from sadec_desk.bootstrap import open_context
from sadec_desk.config import load_config
from sadec_desk.db import migrations
from sadec_desk.db.models import DossierEvent, Outbox, SchemaVersion
from sadec_desk.db.schema import ALL_MODELS
from sadec_desk.errors import DatabaseError
from sadec_desk.services.reception import dossiers


def test_sqlite_is_durable_and_strict():
    ctx = make_ctx()
    try:
        db = ctx.database
        assert db.execute_sql("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert db.execute_sql("PRAGMA synchronous").fetchone()[0] == 2  # FULL
        assert db.execute_sql("PRAGMA foreign_keys").fetchone()[0] == 1
        assert db.execute_sql("PRAGMA busy_timeout").fetchone()[0] == 5000
        assert SchemaVersion.select().count() == 1
        assert migrations.current_version(db) == migrations.LATEST
        assert ctx.config.sqlite_path.exists()
    finally:
        ctx.close()


def test_reopening_does_not_migrate_or_seed_twice():
    make_ctx().close()
    ctx = make_ctx()
    try:
        assert SchemaVersion.select().count() == 1
        assert migrations.migrate(ctx.database) == migrations.LATEST
    finally:
        ctx.close()


def test_database_from_a_newer_version_is_refused_untouched():
    ctx = make_ctx()
    path = ctx.config.sqlite_path
    ctx.close()
    with sqlite3.connect(path) as conn:
        conn.execute("INSERT INTO schema_version (version, applied_at, app_version) "
                     "VALUES (?, '2030-01-01 00:00:00', '9.0')", (migrations.LATEST + 1,))
    before = path.read_bytes()
    with pytest.raises(DatabaseError, match="phiên bản Sa Đéc Desk mới hơn"):
        open_context(load_config())
    assert path.read_bytes() == before


def test_foreign_database_is_refused(tmp_path):
    path = load_config().sqlite_path
    path.parent.mkdir(parents=True)
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE accounts (id INTEGER)")
    with pytest.raises(DatabaseError, match="không phải của Sa Đéc Desk"):
        open_context(load_config())


def test_events_are_append_only():
    ctx = make_ctx()
    try:
        dossiers.receive_dossier(ctx, procedure_code="1.001193", qr_text=SAMPLE_QR)
        with pytest.raises(peewee.IntegrityError, match="append-only"):
            DossierEvent.update(note="edited").execute()
        with pytest.raises(peewee.IntegrityError, match="append-only"):
            DossierEvent.delete().execute()
        assert DossierEvent.select().count() == 1
    finally:
        ctx.close()


def test_locked_database_gives_a_clear_error_and_loses_nothing():
    ctx = make_ctx(database__busy_timeout_ms=200)
    other = sqlite3.connect(ctx.config.sqlite_path, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        with pytest.raises(DatabaseError, match="đang bị khoá"):
            dossiers.receive_dossier(ctx, procedure_code="1.001193", qr_text=SAMPLE_QR)
        other.execute("ROLLBACK")
        info = dossiers.receive_dossier(ctx, procedure_code="1.001193", qr_text=SAMPLE_QR)
        assert info.code.endswith("-0001")  # the failed attempt used no number
    finally:
        other.close()
        ctx.close()


def test_read_only_database_gives_a_clear_error():
    ctx = make_ctx()
    try:
        ctx.database.execute_sql("PRAGMA query_only = ON")
        with pytest.raises(DatabaseError, match="chỉ cho phép đọc"):
            dossiers.receive_dossier(ctx, procedure_code="1.001193", qr_text=SAMPLE_QR)
        ctx.database.execute_sql("PRAGMA query_only = OFF")
        assert Outbox.select().count() == 0
    finally:
        ctx.close()


def test_corrupt_database_file_gives_a_clear_error():
    path = load_config().sqlite_path
    path.parent.mkdir(parents=True)
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(DatabaseError, match="bị hỏng"):
        open_context(load_config())


@pytest.mark.postgres
def test_postgresql_backend_end_to_end(pg_database):
    clock = Clock()
    ctx = make_ctx(clock, database__url=pg_database)
    try:
        assert isinstance(ctx.database, peewee.PostgresqlDatabase)
        first = dossiers.receive_dossier(ctx, procedure_code="2.000815", qr_text=SAMPLE_QR,
                                         pages=1, copies=1)
        second = dossiers.receive_dossier(ctx, procedure_code="1.001193", qr_text=SAMPLE_QR)
        assert [first.code[-4:], second.code[-4:]] == ["0001", "0002"]
        assert first.received_at == clock.moment
        dossiers.advance_dossier(ctx, first.code, "done")
        assert [d.code for d in dossiers.list_dossiers(ctx, status="done")] == [first.code]
        with pytest.raises(peewee.DatabaseError, match="append-only"):
            with ctx.database.atomic():
                DossierEvent.update(note="edited").execute()
        assert ctx.describe_database().startswith("postgresql://127.0.0.1:")  # no user info
    finally:
        ctx.close()
    reopened = make_ctx(clock, database__url=pg_database)
    try:
        assert SchemaVersion.select().count() == 1
        assert dossiers.get_dossier(reopened, first.code).status == "done"
    finally:
        reopened.close()


def test_sqlite_url_moves_the_file_and_keeps_durable_pragmas(tmp_path):
    target = tmp_path / "elsewhere" / "office.sqlite3"
    ctx = make_ctx(database__url=f"sqlite:///{target}")
    try:
        dossiers.receive_dossier(ctx, procedure_code="1.001193", qr_text=SAMPLE_QR)
        assert target.exists() and ctx.describe_database() == str(target)
        assert ctx.database.execute_sql("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert ctx.database.execute_sql("PRAGMA synchronous").fetchone()[0] == 2
    finally:
        ctx.close()


def test_released_schema_1_database_upgrades_and_keeps_its_dossiers():
    """tests/data/schema1.sqlite3 was written by the release of session 1 (commit 195e8a3):
    `init` plus one birth registration received on 20/11/2026."""
    path = load_config().sqlite_path
    path.parent.mkdir(parents=True)
    path.write_bytes(SCHEMA1_SAMPLE.read_bytes())
    ctx = open_context(load_config())
    try:
        assert [r.version for r in SchemaVersion.select().order_by(SchemaVersion.version)] \
            == [1, *sorted(migrations.UPGRADES)]
        assert set(ctx.database.get_tables()) >= {t._meta.table_name for t in ALL_MODELS}
        old = dossiers.list_dossiers(ctx)
        assert [d.procedure_code for d in old] == ["1.001193"]
        new = dossiers.receive_dossier(ctx, procedure_code="1.001193", qr_text=SAMPLE_QR)
        assert new.code != old[0].code
    finally:
        ctx.close()


def test_upgrade_steps_are_numbered_without_gaps():
    """A database stamped at step N never runs a step below N again: a gap filled later
    would be skipped on every database that already passed it."""
    assert sorted(migrations.UPGRADES) == list(range(2, migrations.LATEST + 1))

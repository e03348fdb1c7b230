"""Statements prepared once per connection (db/database.execute_prepared): PostgreSQL
prepares a statement the first time a connection runs it and then only executes it; a
new connection (after a drop, a restore) prepares it again; SQLite runs it as it is."""

from __future__ import annotations

from datetime import timedelta

from appfixtures import SAMPLE_QR, Clock, make_ctx

from sadec_desk.db.database import execute_prepared, is_sqlite, session_facts
from sadec_desk.db.models import Dossier
from sadec_desk.services.reception import dossiers, search

SQL = "SELECT code FROM dossier WHERE status = ? AND received_at >= ? ORDER BY id"


def _prepared_here(database) -> list[str]:
    return [row[0] for row in database.execute_sql(
        "SELECT statement FROM pg_prepared_statements ORDER BY prepare_time").fetchall()]


def _codes(database, status: str, since) -> list[str]:
    sql = SQL.replace("?", database.param)
    params = (status, Dossier.received_at.db_value(since))
    return [row[0] for row in execute_prepared(database, sql, params).fetchall()]


def test_a_statement_is_prepared_once_per_connection_and_answers_as_a_plain_one(pg_database):
    clock = Clock()
    ctx = make_ctx(clock, database__url=pg_database)
    try:
        database = ctx.database
        codes = [dossiers.receive_dossier(ctx, procedure_code="1.001193", qr_text=SAMPLE_QR).code
                 for _ in range(3)]
        dossiers.advance_dossier(ctx, codes[1], "processing")
        since = clock.moment - timedelta(days=1)
        assert _codes(database, "received", since) == [codes[0], codes[2]]
        assert _codes(database, "processing", since) == [codes[1]]
        assert _codes(database, "received", clock.moment + timedelta(days=1)) == []
        statements = _prepared_here(database)
        assert len(statements) == 1 and "received_at >= $2" in statements[0]
        assert database.execute_sql("SHOW plan_cache_mode").fetchone()[0] == \
            "force_generic_plan"
        # what a plain statement answers, value for value
        plain = database.execute_sql(SQL.replace("?", "%s"), (
            "received", Dossier.received_at.db_value(since))).fetchall()
        assert [r[0] for r in plain] == _codes(database, "received", since)

        # a new connection has nothing prepared: it prepares again
        database.close()
        database.connect()
        assert _prepared_here(database) == [] and session_facts(database) == {}
        assert _codes(database, "processing", since) == [codes[1]]
        assert len(_prepared_here(database)) == 1
    finally:
        ctx.close()


def test_searches_prepare_their_few_statements_whatever_the_text(pg_database):
    """A search's statements are prepared by shape, not by value: many different names
    leave a handful of prepared statements (a list of ids of every length would not)."""
    clock = Clock()
    ctx = make_ctx(clock, database__url=pg_database)
    try:
        names = ["Nguyễn Văn An", "Trần Thị Bình", "Lê Hoàng Đức", "Phạm Minh Châu"]
        for i, name in enumerate(names * 3):
            clock.moment += timedelta(minutes=7)
            qr = f"087{i:09d}||{name}|05061999|Nam|Phường 1, Sa Đéc, Đồng Tháp|01022022"
            dossiers.receive_dossier(ctx, procedure_code="1.001193", qr_text=qr)
        for text in ("nguyen van an", "tran thi", "duc", "le hoang duc", "pham minh chau",
                     "binh", "an", "hoang"):
            found = search.find_dossiers(ctx, text)
            assert found, text
        assert len(_prepared_here(ctx.database)) <= 4
    finally:
        ctx.close()


def test_sqlite_runs_the_statement_as_it_is(ctx):
    database = ctx.database
    assert is_sqlite(database)
    code = dossiers.receive_dossier(ctx, procedure_code="1.001193", qr_text=SAMPLE_QR).code
    assert _codes(database, "received", ctx.now() - timedelta(hours=1)) == [code]

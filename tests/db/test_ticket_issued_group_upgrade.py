"""Schema step 10: a ticket's number is unique per the group that issued it. A database of
the first release with tickets on file upgrades: each ticket counts as issued by the group
it is in, and a ticket can then move into a group that issued the same number."""

from __future__ import annotations

import sqlite3

import both_databases
import pytest
from appfixtures import SCHEMA1_SAMPLE

from sadec_desk.bootstrap import open_context
from sadec_desk.config import load_config
from sadec_desk.db import migrations
from sadec_desk.services.admin import office
from sadec_desk.services.queue import tickets


def test_step_10_records_the_issuing_group_of_the_tickets_on_file(clock):
    path = load_config().sqlite_path
    path.parent.mkdir(parents=True)
    path.write_bytes(SCHEMA1_SAMPLE.read_bytes())
    day = clock.moment.date().isoformat()
    old = sqlite3.connect(path)
    with old:  # today's A001 (group A) and C001 (group C), as the first release wrote them
        for group, display in ((1, "A001"), (3, "C001")):
            old.execute(
                "INSERT INTO ticket (office_id, day, service_group_id, number, display, "
                "priority, status, issued_at, call_count, updated_at) "
                "VALUES (1, ?, ?, 1, ?, 0, 'waiting', ?, 0, ?)",
                (day, group, display, "2026-11-20 01:00:00", "2026-11-20 01:00:00"))
        old.execute("INSERT INTO ticket_sequence (service_group_id, day, last) VALUES "
                    "(1, ?, 1), (3, ?, 1)", (day, day))
    old.close()
    ctx = open_context(load_config())
    try:
        db = ctx.database
        assert db.execute_sql("SELECT display, issued_group_id, service_group_id FROM ticket "
                              "ORDER BY id").fetchall() == [("A001", 1, 1), ("C001", 3, 3)]
        indexes = {i.name: i for i in db.get_indexes("ticket")}
        assert indexes["ticket_issued_group_id_day_number"].unique
        assert "ticket_service_group_id_day_number" not in indexes
        # A001 moved into group C, which has its own 001 today (tickets.transfer does this;
        # tests/services/queue/test_queue.py goes through it)
        db.execute_sql("UPDATE ticket SET service_group_id = 3 WHERE display = 'A001'")
        assert db.execute_sql("SELECT count(*) FROM ticket WHERE service_group_id = 3"
                              ).fetchone()[0] == 2
    finally:
        ctx.close()


pg_ctx = both_databases.pg_ctx  # the fixture: PostgreSQL only


@pytest.mark.postgres
def test_step_10_upgrades_a_postgresql_database(pg_ctx):
    """The step's plain SQL (ALTER, UPDATE, DROP/CREATE INDEX) on PostgreSQL (the test above
    upgrades a SQLite file of the first release): the database is put back as step 9 left
    it, with tickets on file, and upgraded again; then a ticket moves into a group that
    issued the same number, through the service."""
    office.init_office(pg_ctx)
    tickets.take_ticket(pg_ctx, "A")
    tickets.take_ticket(pg_ctx, "C")
    db = pg_ctx.database
    db.execute_sql("DROP INDEX ticket_issued_group_id_day_number")
    db.execute_sql("ALTER TABLE ticket DROP COLUMN issued_group_id")
    db.execute_sql("CREATE UNIQUE INDEX ticket_service_group_id_day_number "
                   "ON ticket (service_group_id, day, number)")
    assert migrations.UPGRADES[10].__name__ == "_add_ticket_issued_group"
    with db.atomic():
        migrations.UPGRADES[10](db)
        migrations.UPGRADES[10](db)  # safe to run twice
    assert db.execute_sql("SELECT display FROM ticket WHERE issued_group_id = service_group_id "
                          "ORDER BY id").fetchall() == [("A001",), ("C001",)]
    indexes = {i.name: i for i in db.get_indexes("ticket")}
    assert indexes["ticket_issued_group_id_day_number"].unique
    assert "ticket_service_group_id_day_number" not in indexes
    assert tickets.call_next(pg_ctx, "1").number == "A001"
    moved = tickets.transfer(pg_ctx, counter="1", to_group="C")
    assert (moved.group_prefix, moved.number) == ("C", "A001")
    assert tickets.get_ticket(pg_ctx, "C001").number == "C001"

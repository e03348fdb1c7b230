"""Schema step 9 (issue #16 item 4): the due time on the receipt of a rescheduled dossier is
kept beside the new one, so that the reports judge results in one grouped query. A database
written before the step gets it from the first apology event that has the old time; on
SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import both_databases
from appfixtures import vn

from sadec_desk.db import migrations
from sadec_desk.db.models import FINISHED_INDEX_COLUMNS, Dossier
from sadec_desk.services.audit import append_event
from sadec_desk.services.reception import dossiers
from sadec_desk.services.reports import build

any_ctx = both_databases.any_ctx  # the fixture: SQLite, then PostgreSQL


def _receive(ctx, i: int):
    return dossiers.receive_dossier(
        ctx, procedure_code="1.001193",
        qr_text=f"087{i:09d}||Lê Văn An|05061999|Nam|Sa Đéc|01022022")


def _receipt_dues(db) -> dict[str, object]:
    value = Dossier.receipt_due_at.python_value
    return {code: value(due) for code, due in
            db.execute_sql("SELECT code, receipt_due_at FROM dossier").fetchall()}


def test_a_reschedule_keeps_the_receipts_due_time(any_ctx, clock):
    clock.moment = vn(2026, 11, 2, 8, 0)
    info = _receive(any_ctx, 1)
    plain = _receive(any_ctx, 2)
    first_due = info.due_at
    dossiers.reschedule_dossier(any_ctx, info.code, first_due + timedelta(days=2), "Xác minh")
    dossiers.reschedule_dossier(any_ctx, info.code, first_due + timedelta(days=5), "Lần hai")
    dues = _receipt_dues(any_ctx.database)
    assert dues[info.code] == first_due  # the second slip does not move it again
    assert dues[plain.code] is None
    assert dossiers.get_dossier(any_ctx, info.code).due_at == first_due + timedelta(days=5)


def test_step_9_fills_the_receipts_due_time_from_the_apology_events(any_ctx, clock):
    clock.moment = vn(2026, 11, 2, 8, 0)
    once, twice, odd, plain = (_receive(any_ctx, i) for i in range(4))
    dossiers.reschedule_dossier(any_ctx, once.code, once.due_at + timedelta(days=1), "Một")
    dossiers.reschedule_dossier(any_ctx, twice.code, twice.due_at + timedelta(days=1), "Hai")
    dossiers.reschedule_dossier(any_ctx, twice.code, twice.due_at + timedelta(days=3), "Ba")
    db = any_ctx.database
    odd_id = db.execute_sql("SELECT id FROM dossier WHERE code = " + db.param,
                            (odd.code,)).fetchone()[0]
    with db.atomic():  # an apology event without the old time (an older or foreign writer)
        append_event(db, dossier=odd_id, at=clock.moment, kind="rescheduled",
                     from_status="received", to_status="received", note="?", data="{}")
    dossiers.reschedule_dossier(any_ctx, odd.code, odd.due_at + timedelta(days=2), "Bốn")
    clock.moment = once.due_at + timedelta(hours=12)  # after the receipts' due, before the new
    for code in (once.code, twice.code, odd.code, plain.code):
        dossiers.advance_dossier(any_ctx, code, "done")
    wanted = _receipt_dues(db)
    day = clock.moment.astimezone(once.due_at.tzinfo).date().isoformat()
    before = build.summary_report(any_ctx, day, day)

    wide = f"dossier_{'_'.join(FINISHED_INDEX_COLUMNS)}"
    db.execute_sql(f"DROP INDEX {wide}")  # as step 8 left it
    db.execute_sql("ALTER TABLE dossier DROP COLUMN receipt_due_at")
    db.execute_sql("CREATE INDEX dossier_finished_at ON dossier (finished_at)")
    assert migrations.UPGRADES[9].__name__ == "_add_receipt_due"
    with db.atomic():
        migrations.UPGRADES[9](db)
        migrations.UPGRADES[9](db)  # safe to run twice
    assert _receipt_dues(db) == wanted
    indexes = {i.name for i in db.get_indexes("dossier")}
    assert wide in indexes and "dossier_finished_at" not in indexes
    assert wanted[once.code] == once.due_at and wanted[twice.code] == twice.due_at
    assert wanted[odd.code] == odd.due_at  # from the later event that has it
    assert wanted[plain.code] is None
    after = build.summary_report(any_ctx, day, day)
    assert after.deadline == before.deadline
    d = after.deadline
    # judged against the receipts' due times: all late; three met their new date
    assert (d.resolved, d.late, d.rescheduled, d.rescheduled_met_new_due) == (4, 4, 3, 3)

"""The hash chain of dossier events and ``audit verify`` (issue #7, Required 5).

Tampering is done the way an attacker would: with raw sqlite3 on the file, after
dropping the append-only triggers.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from datetime import timedelta

import pytest
from appfixtures import OTHER_QR, SAMPLE_QR, Clock, make_ctx, vn

from sadec_desk.bootstrap import open_context
from sadec_desk.cli import main
from sadec_desk.config import load_config, save_setting
from sadec_desk.db.models import DossierEvent
from sadec_desk.services import audit
from sadec_desk.services.reception import dossiers


def _history(ctx, clock):
    """Three dossiers, six events: receive, advance, reschedule."""
    codes = []
    for qr in (SAMPLE_QR, OTHER_QR, SAMPLE_QR):
        codes.append(dossiers.receive_dossier(ctx, procedure_code="1.004873", qr_text=qr).code)
        clock.moment += timedelta(minutes=5)
    dossiers.advance_dossier(ctx, codes[0], "processing")
    dossiers.reschedule_dossier(ctx, codes[1], vn(2026, 12, 10, 10, 0), "Chờ xác minh")
    dossiers.advance_dossier(ctx, codes[2], "processing")
    return codes


def _raw(ctx) -> sqlite3.Connection:
    """The file opened by someone who bypasses the app and drops the triggers."""
    ctx.close()
    conn = sqlite3.connect(ctx.config.sqlite_path, isolation_level=None)
    conn.execute("DROP TRIGGER dossier_event_no_update")
    conn.execute("DROP TRIGGER dossier_event_no_delete")
    return conn


def _reopen(ctx):
    return open_context(load_config(), clock=ctx.clock)


def rewrite_chain(conn: sqlite3.Connection, changed_seq: int, note: str) -> None:
    """The forger changes one event's note and recomputes every later hash: the chain is
    valid again on its own."""
    from datetime import UTC, datetime

    rows = conn.execute("SELECT seq, dossier_id, at, actor, kind, from_status, to_status, "
                        "note, data FROM dossier_event ORDER BY seq").fetchall()
    prev = audit.GENESIS
    for seq, dossier_id, at, actor, kind, from_s, to_s, old_note, data in rows:
        text = note if seq == changed_seq else old_note
        digest = audit.event_hash(seq, dossier_id, datetime.fromisoformat(at).replace(
            tzinfo=UTC), actor, kind, from_s, to_s, text, data, prev)
        conn.execute("UPDATE dossier_event SET note = ?, prev_hash = ?, hash = ? WHERE seq = ?",
                     (text, prev, digest, seq))
        prev = digest
    conn.close()


def test_every_event_is_chained():
    clock = Clock()
    ctx = make_ctx(clock)
    _history(ctx, clock)
    events = list(DossierEvent.select().order_by(DossierEvent.seq))
    assert [e.seq for e in events] == [1, 2, 3, 4, 5, 6]
    assert events[0].prev_hash == audit.GENESIS
    for before, after in zip(events, events[1:], strict=False):
        assert after.prev_hash == before.hash
    report = audit.verify_chain(ctx)
    assert report.ok, report.problems
    assert report.events_checked == 6 and report.head_seq == 6
    assert report.head_hash == events[-1].hash


def test_append_outside_a_transaction_is_a_bug():
    ctx = make_ctx()
    with pytest.raises(RuntimeError):
        audit.append_event(ctx.database, dossier=1, at=vn(2026, 11, 26, 9), kind="status")


def test_edit_with_triggers_dropped_is_named():
    clock = Clock()
    ctx = make_ctx(clock)
    codes = _history(ctx, clock)
    conn = _raw(ctx)
    conn.execute("UPDATE dossier_event SET note = 'đã sửa', actor = 'kẻ gian' WHERE seq = 5")
    conn.close()
    report = audit.verify_chain(_reopen(ctx))
    assert not report.ok
    [problem] = report.problems
    assert problem.kind == "edited" and problem.seq == 5
    assert problem.dossier_code == codes[1]
    assert "số 5" in problem.message and codes[1] in problem.message


def test_edit_with_its_hash_recomputed_breaks_the_next_link():
    clock = Clock()
    ctx = make_ctx(clock)
    _history(ctx, clock)
    conn = _raw(ctx)
    row = conn.execute("SELECT seq, dossier_id, at, actor, kind, from_status, to_status, note, "
                       "data, prev_hash FROM dossier_event WHERE seq = 4").fetchone()
    from datetime import UTC, datetime
    at = datetime.fromisoformat(row[2]).replace(tzinfo=UTC)
    forged = audit.event_hash(row[0], row[1], at, "kẻ gian", row[4], row[5], "done",
                              row[7], row[8], row[9])
    conn.execute("UPDATE dossier_event SET actor = 'kẻ gian', to_status = 'done', hash = ? "
                 "WHERE seq = 4", (forged,))
    conn.close()
    report = audit.verify_chain(_reopen(ctx))
    kinds = {(p.kind, p.seq) for p in report.problems}
    assert ("relinked", 5) in kinds
    assert any("số 4" in p.message for p in report.problems if p.kind == "relinked")


def test_deleted_event_in_the_middle_is_named():
    clock = Clock()
    ctx = make_ctx(clock)
    codes = _history(ctx, clock)
    conn = _raw(ctx)
    # the whole history of the second dossier: its receipt (2) and its reschedule (5)
    conn.execute("DELETE FROM dossier_event WHERE seq IN (2, 5)")
    conn.close()
    report = audit.verify_chain(_reopen(ctx))
    deleted = [p for p in report.problems if p.kind == "deleted"]
    assert ["2–2" in deleted[0].message, "5–5" in deleted[1].message] == [True, True]
    assert any(p.kind == "no_history" and p.dossier_code == codes[1] for p in report.problems)


def test_deleted_newest_event_is_caught_by_the_dossier_status():
    clock = Clock()
    ctx = make_ctx(clock)
    codes = _history(ctx, clock)
    conn = _raw(ctx)
    conn.execute("DELETE FROM dossier_event WHERE seq = 6")  # the very last link
    conn.close()
    report = audit.verify_chain(_reopen(ctx))
    [problem] = report.problems
    assert problem.kind == "status_mismatch" and problem.dossier_code == codes[2]


def test_whole_chain_rewritten_is_caught_by_a_backup_anchor():
    clock = Clock()
    ctx = make_ctx(clock)
    _history(ctx, clock)
    audit.record_anchor(ctx, reason="test")
    rewrite_chain(_raw(ctx), 3, "ghi chú giả")
    report = audit.verify_chain(_reopen(ctx))
    # the backup's anchor and the newest event this machine wrote both disagree
    assert sorted(p.kind for p in report.problems) == ["anchor", "truncated"]
    assert report.anchors_checked == 1


def test_cli_audit_verify(capsys):
    clock = Clock()
    ctx = make_ctx(clock)
    _history(ctx, clock)
    ctx.close()
    assert main(["audit", "verify"]) == 0
    assert "nguyên vẹn: 6 sự kiện" in capsys.readouterr().out
    conn = _raw(_reopen(ctx))
    conn.execute("UPDATE dossier_event SET note = 'x' WHERE seq = 3")
    conn.close()
    with pytest.raises(SystemExit) as exit_info:
        main(["audit", "verify", "--json"])
    assert exit_info.value.code == 1
    out = json.loads(capsys.readouterr().out)
    assert out["problems"][0]["kind"] == "edited" and out["problems"][0]["seq"] == 3


@pytest.mark.postgres
def test_chain_on_postgresql_with_two_writers(pg_database):
    save_setting("database.url", pg_database)
    clock = Clock()
    ctx = make_ctx(clock)
    ctx.office()
    errors = []

    def counter(qr):
        try:
            other = open_context(load_config(), clock=clock)
            for _ in range(15):
                dossiers.receive_dossier(other, procedure_code="2.000815", qr_text=qr, pages=1)
            other.close()
        except Exception as exc:  # pragma: no cover - shown by the assert below
            errors.append(exc)

    threads = [threading.Thread(target=counter, args=(qr,)) for qr in (SAMPLE_QR, OTHER_QR)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors
    report = audit.verify_chain(ctx)
    assert report.ok, report.problems
    assert report.events_checked == 30


def test_verify_does_not_block_a_counter(monkeypatch):
    """The walk is a reader: another connection can commit a receipt meanwhile."""
    clock = Clock()
    ctx = make_ctx(clock)
    _history(ctx, clock)
    other = sqlite3.connect(ctx.config.sqlite_path, timeout=0.5, isolation_level=None)
    seen = []

    original = audit._check_dossiers

    def during_walk(add):
        # inside verify's transaction: a writer must still get the lock at once
        other.execute("BEGIN IMMEDIATE")
        other.execute("INSERT INTO setting (key, value) VALUES ('probe', '1')")
        other.execute("COMMIT")
        seen.append(True)
        original(add)

    monkeypatch.setattr(audit, "_check_dossiers", during_walk)
    assert audit.verify_chain(ctx).ok
    other.close()
    assert seen == [True]

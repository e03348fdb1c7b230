"""Issue #14 item 8: the portal's acknowledged audit chain head is a second anchor of the
office's trail. Written as an attacker: events deleted or rewritten after a sync with every
record on this machine removed, the stored answer edited or rolled back, a device forging or
rolling back the portal's record, another office reading or moving it."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime

import pytest
from appfixtures import AGENCY, run_cli
from syncfixtures import office, receive_many

from sadec_desk.bootstrap import open_context
from sadec_desk.config import load_config, save_setting
from sadec_desk.services import audit, audit_seal, portal_anchor, secrets
from sadec_desk.services.admin import backup
from sadec_desk.sync import api, engine, office_anchor

OTHER = "000.00.15.H20"


def synced(portal, n: int = 3):
    ctx = office(portal)
    receive_many(ctx, n)
    report = engine.run_once(ctx)
    assert report.error == "", report.error
    return ctx


def held(portal, agency: str = AGENCY) -> dict:
    api_client = portal.device_client(agency)
    try:
        answer = api_client.get("/anchor")
        assert answer.status_code == 200, answer.text
        return answer.json()
    finally:
        api_client.close()


def raw(ctx) -> sqlite3.Connection:
    """The database file opened by someone who bypasses the app and drops the triggers."""
    ctx.close()
    conn = sqlite3.connect(ctx.config.sqlite_path, isolation_level=None)
    conn.execute("DROP TRIGGER dossier_event_no_update")
    conn.execute("DROP TRIGGER dossier_event_no_delete")
    return conn


def reopen(ctx):
    return open_context(load_config(), clock=ctx.clock)


def delete_newest_events(ctx, count: int):
    """The newest events deleted outside the software and every status put back, as a
    careful forger would; then every record this machine keeps outside the database goes
    too (the head record, the anchors, the stored portal answer and their tips)."""
    conn = raw(ctx)
    conn.execute("DELETE FROM dossier_event WHERE seq > (SELECT MAX(seq) FROM dossier_event) - ?",
                 (count,))
    conn.execute("DELETE FROM dossier WHERE id NOT IN (SELECT dossier_id FROM dossier_event)")
    conn.execute("UPDATE dossier SET status = (SELECT to_status FROM dossier_event e WHERE "
                 "e.dossier_id = dossier.id ORDER BY seq DESC LIMIT 1)")
    conn.close()
    for path in audit_seal.audit_dir().iterdir():
        path.unlink()
    for name in (audit_seal.ANCHOR_TIP, portal_anchor.PORTAL_TIP):
        secrets.write_secret(name, "")
    return reopen(ctx)


def rewrite_note(ctx, seq: int, note: str):
    """One event's note changed and every later hash recomputed: valid on its own."""
    conn = raw(ctx)
    rows = conn.execute("SELECT seq, dossier_id, at, actor, kind, from_status, to_status, "
                        "note, data FROM dossier_event ORDER BY seq").fetchall()
    prev = audit.GENESIS
    for number, dossier_id, at, actor, kind, from_s, to_s, old, data in rows:
        text = note if number == seq else old
        digest = audit.event_hash(number, dossier_id, datetime.fromisoformat(at).replace(
            tzinfo=UTC), actor, kind, from_s, to_s, text, data, prev)
        conn.execute("UPDATE dossier_event SET note = ?, prev_hash = ?, hash = ? WHERE seq = ?",
                     (text, prev, digest, number))
        prev = digest
    conn.close()
    return reopen(ctx)


def verify(ctx, *, ask: bool = True):
    return audit.verify_chain(ctx, portal_refresh=api.refresh_office_anchor(ctx) if ask else "")


def test_a_sync_tells_the_portal_the_chain_head_and_verify_checks_it(portal):
    ctx = synced(portal)
    seq, head = audit.chain_head(ctx)
    state = held(portal)
    assert (state["seq"], state["hash"]) == (seq, head) and state["agency"] == AGENCY
    assert state["restores"] == []
    report = verify(ctx)
    assert report.ok, report.problems
    assert f"sự kiện số {seq}" in report.portal_note and "Đã hỏi cổng" in report.portal_note
    # nothing new: the next sync acknowledges nothing twice
    assert engine.run_once(ctx).error == ""
    with portal.store.database.connection_context():
        from sadec_desk.sync.portal.anchors import OfficeAnchor

        assert OfficeAnchor.select().count() == 1


def test_newest_events_deleted_after_a_sync_are_caught_via_the_portal(portal):
    ctx = synced(portal)
    seq, _head = audit.chain_head(ctx)
    ctx = delete_newest_events(ctx, 2)
    assert audit.chain_head(ctx)[0] == seq - 2
    report = verify(ctx)
    truncated = [p for p in report.problems if p.kind == "truncated"]
    assert truncated and f"số {seq}" in truncated[0].message
    assert "cổng dịch vụ" in truncated[0].message.lower()
    # the next sync does not move the portal's record back to the cut chain
    receive_many(ctx, 1)
    assert engine.run_once(ctx).error == ""
    assert held(portal)["seq"] == seq
    assert not verify(ctx).ok


def test_offline_verify_uses_the_stored_answer_and_says_so(portal):
    ctx = synced(portal)
    seq, _head = audit.chain_head(ctx)
    portal.stop()
    conn = raw(ctx)  # only the newest event, the stored answer kept
    conn.execute("DELETE FROM dossier_event WHERE seq = ?", (seq,))
    conn.close()
    ctx = reopen(ctx)
    report = verify(ctx)
    assert "Không hỏi được cổng" in report.portal_note
    assert "lưu lúc" in report.portal_note
    assert any(p.kind == "truncated" and "Cổng dịch vụ" in p.message for p in report.problems)
    offline = verify(ctx, ask=False)
    assert "Lần này không hỏi lại cổng" in offline.portal_note


def test_a_rewritten_chain_end_is_never_sent_and_is_named(portal):
    ctx = synced(portal)
    seq, head = audit.chain_head(ctx)
    ctx = rewrite_note(ctx, seq, "đã sửa")
    for path in audit_seal.audit_dir().iterdir():
        if path.name != "portal.json":
            path.unlink()
    secrets.write_secret(audit_seal.ANCHOR_TIP, "")
    receive_many(ctx, 1)  # a legitimate write after the forgery
    assert engine.run_once(ctx).error == ""
    state = held(portal)
    assert (state["seq"], state["hash"]) == (seq, head)  # the record stayed
    report = verify(ctx)
    assert any(p.kind == "anchor" and f"số {seq}" in p.message and "cổng" in p.message
               for p in report.problems), report.problems


def test_the_stored_answer_edited_deleted_or_rolled_back_is_named(portal):
    ctx = synced(portal, 1)
    older = portal_anchor.anchor_file().read_text(encoding="utf-8")
    receive_many(ctx, 1)
    assert engine.run_once(ctx).error == ""
    path = portal_anchor.anchor_file()
    current = path.read_text(encoding="utf-8")

    path.write_text(older, encoding="utf-8")  # an older sealed copy put back
    assert any("bản cũ hơn" in p.message for p in verify(ctx, ask=False).problems)
    record = json.loads(current)
    record["answer"]["seq"] = 1
    path.write_text(json.dumps(record), encoding="utf-8")
    assert any("mã xác thực" in p.message for p in verify(ctx, ask=False).problems)
    path.unlink()
    assert any("đã bị xoá" in p.message for p in verify(ctx, ask=False).problems)
    # asking the portal puts its answer back; the chain itself is intact
    assert verify(ctx).ok


def test_another_office_can_neither_read_nor_move_the_anchor(portal):
    ctx = synced(portal)
    seq, head = audit.chain_head(ctx)
    other = portal.device_client(OTHER)
    try:
        mine = other.get("/anchor").json()
        assert mine["agency"] == OTHER and mine["seq"] == 0 and head not in json.dumps(mine)
        # naming A's agency is not a field the portal takes
        named = other.post("/anchor", json={"seq": seq + 5, "hash": "a" * 64,
                                            "agency": AGENCY})
        assert named.status_code == 400
        moved = other.post("/anchor", json={"seq": seq + 5, "hash": "a" * 64})
        assert moved.status_code == 200 and moved.json()["agency"] == OTHER
        restored = other.post("/anchor", json={"seq": 0, "hash": "0" * 64, "restore": True})
        assert restored.status_code == 200 and restored.json()["agency"] == OTHER
        assert other.get("/anchor").json()["issued"] == {}  # A's dossier numbers neither
    finally:
        other.close()
    state = held(portal)
    assert (state["seq"], state["hash"], state["restores"]) == (seq, head, [])
    assert verify(ctx).ok


def test_a_device_cannot_forge_or_roll_back_its_offices_anchor(portal):
    ctx = synced(portal)
    seq, head = audit.chain_head(ctx)
    forger = portal.device_client()
    try:
        ahead = forger.post("/anchor", json={"seq": seq + 3, "hash": "b" * 64})
        assert ahead.status_code == 409 and ahead.json()["anchor"]["seq"] == seq
        wrong_base = forger.post("/anchor", json={"seq": seq + 3, "hash": "b" * 64,
                                                  "base_seq": seq, "base_hash": "c" * 64})
        assert wrong_base.status_code == 409
        back = forger.post("/anchor", json={"seq": seq - 1, "hash": "d" * 64,
                                            "base_seq": seq, "base_hash": head})
        assert back.status_code == 409
        for bad in ({"seq": -1, "hash": head}, {"seq": "1", "hash": head},
                    {"seq": 1, "hash": "XYZ"}, {"seq": 1}, {"seq": True, "hash": head},
                    {"seq": 1, "hash": head, "restore": "yes"}):
            assert forger.post("/anchor", json=bad).status_code == 400, bad
        assert forger.get("/anchor", headers={"Authorization": "Bearer nope"}
                          ).status_code == 401
        assert held(portal)["seq"] == seq
        # a restore claimed by a device moves the record but stays in the office's history,
        # and verify names it when this machine never restored
        forger.post("/anchor", json={"seq": 1, "hash": "e" * 64, "restore": True})
    finally:
        forger.close()
    report = verify(ctx)
    assert any("khôi phục" in w and f"số {seq} về số 1" in w for w in report.warnings)


def test_a_restore_is_told_to_the_portal_without_a_false_alarm(portal):
    ctx = synced(portal, 2)
    saved = backup.create_backup(ctx)
    receive_many(ctx, 2)
    assert engine.run_once(ctx).error == ""
    ahead = held(portal)["seq"]
    backup.restore_backup(ctx, saved.name)
    ctx = reopen(ctx)
    pending = verify(ctx, ask=False)
    assert pending.ok and any("cổng chưa được báo" in w for w in pending.warnings)
    assert engine.run_once(ctx).error == ""
    state = held(portal)
    seq, head = audit.chain_head(ctx)
    assert state["restores"][0]["from_seq"] == ahead and state["restores"][0]["to_seq"] < ahead
    assert portal_anchor.pending_restore() is None
    receive_many(ctx, 1)
    assert engine.run_once(ctx).error == ""
    assert held(portal)["seq"] == audit.chain_head(ctx)[0]
    report = verify(ctx)
    assert report.ok and not any("khôi phục" in w for w in report.warnings), report.warnings


def test_the_gateway_has_no_portal_anchor_and_verify_says_so(ctx):
    save_setting("sync.adapter", "gateway")
    ctx.reload_config()
    report = verify(ctx)
    assert report.ok and "Không có mốc của cổng" in report.portal_note
    assert "cổng liên thông" in report.portal_note


def test_working_offline_says_there_is_no_portal_anchor(ctx):
    report = verify(ctx)
    assert "chưa nối với cổng" in report.portal_note


def test_audit_verify_cli_prints_the_portal_line(portal, capsys):
    synced(portal)
    code, out, _err = run_cli(capsys, "audit", "verify")
    assert code == 0 and "Đã hỏi cổng dịch vụ" in out, out
    code, out, _err = run_cli(capsys, "audit", "verify", "--offline")
    assert code == 0 and "Lần này không hỏi lại cổng" in out, out


def test_a_malformed_answer_is_refused_before_use():
    for answer in ({}, {"seq": -1, "hash": "0" * 64, "agency": AGENCY},
                   {"seq": 1, "hash": "0" * 64, "agency": AGENCY, "issued": {"x": 1}},
                   {"seq": 1, "hash": "0" * 64, "agency": AGENCY, "restores": [1]}):
        with pytest.raises(Exception, match="sai định dạng"):
            office_anchor.check_answer(answer)


def test_an_unchanged_answer_is_not_rewritten_each_round_and_verify_says_when(portal,
                                                                               monkeypatch):
    ctx = synced(portal)
    path = portal_anchor.anchor_file()
    first = path.read_bytes()
    fetched_at = json.loads(first)["fetched_at"]
    writes = []
    real_write = secrets.write_secret
    monkeypatch.setattr(secrets, "write_secret",
                        lambda name, value: (writes.append(name), real_write(name, value)))
    ctx.clock.moment = ctx.clock.moment.replace(minute=(ctx.clock.moment.minute + 5) % 60)
    for _round in range(3):  # rounds that add no event: the portal answers the same
        assert engine.run_once(ctx, force=True).error == ""
    assert path.read_bytes() == first and portal_anchor.PORTAL_TIP not in writes
    # what audit verify reports stays right: the chain is checked against the answer,
    # from the time it was stored, and it says later rounds found the same
    offline = verify(ctx, ask=False)
    assert offline.ok, offline.problems
    assert f"lưu lúc {fetched_at}" in offline.portal_note
    assert "nhận đúng câu trả lời ấy nên không ghi lại" in offline.portal_note
    asked = verify(ctx)  # asking now names the time it asked
    assert asked.ok and "Đã hỏi cổng" in asked.portal_note

    # a new event: the portal's answer changes and is written, sealed, with its time
    receive_many(ctx, 1)
    assert engine.run_once(ctx, force=True).error == ""
    record = json.loads(path.read_bytes())
    assert record["answer"]["seq"] == audit.chain_head(ctx)[0]
    assert record["fetched_at"] != fetched_at and portal_anchor.PORTAL_TIP in writes
    assert verify(ctx, ask=False).ok

    # a failure noted, then the same answer again: written, to clear the failure
    portal_anchor.note_failure("mất mạng", "2026-11-26T03:00:00+00:00")
    writes.clear()
    assert engine.run_once(ctx, force=True).error == ""
    assert json.loads(path.read_bytes())["last_error"] == ""
    assert portal_anchor.PORTAL_TIP in writes

"""``audit verify`` against what is kept outside the database (#14 items 8 and 11).

Each test tampers as an attacker would: raw sqlite3 on the file with the triggers dropped,
a text editor on ``anchors.jsonl`` or a manifest, an older copy of the database put back.
The seals' key is in the secret store (here the 0600 key file), never in the database.
"""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from appfixtures import SAMPLE_QR, Clock, make_ctx
from test_audit import _history, _raw, _reopen, rewrite_chain

from sadec_desk.services import audit, audit_seal
from sadec_desk.services.admin import backup
from sadec_desk.services.reception import dossiers


def _kinds(report) -> list[str]:
    return sorted(p.kind for p in report.problems)


def _forge_next_event(conn, dossier_id: int, to_status: str) -> None:
    """An event appended with a correctly computed hash: the chain alone accepts it."""
    seq, prev = conn.execute("SELECT seq, hash FROM dossier_event ORDER BY seq DESC "
                             "LIMIT 1").fetchone()
    at = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)
    digest = audit.event_hash(seq + 1, dossier_id, at, "kẻ gian", "status", "received",
                              to_status, "", "{}", prev)
    conn.execute("INSERT INTO dossier_event (dossier_id, at, actor, kind, from_status, "
                 "to_status, note, data, seq, prev_hash, hash) VALUES (?, ?, 'kẻ gian', "
                 "'status', 'received', ?, '', '{}', ?, ?, ?)",
                 (dossier_id, at.strftime("%Y-%m-%d %H:%M:%S.%f"), to_status, seq + 1, prev,
                  digest))
    conn.execute("UPDATE dossier SET status = ? WHERE id = ?", (to_status, dossier_id))


def _delete_events(ctx, *seqs: int) -> None:
    """Events deleted outside the software, every dossier's status put back to what its
    newest remaining event says (as a careful forger would)."""
    conn = _raw(ctx)
    conn.execute(f"DELETE FROM dossier_event WHERE seq IN ({', '.join(map(str, seqs))})")
    conn.execute("UPDATE dossier SET status = (SELECT to_status FROM dossier_event e WHERE "
                 "e.dossier_id = dossier.id ORDER BY seq DESC LIMIT 1)")
    conn.close()


def test_a_clean_history_with_a_backup_is_ok_without_warnings():
    clock = Clock()
    ctx = make_ctx(clock)
    _history(ctx, clock)
    backup.create_backup(ctx)
    report = audit.verify_chain(ctx)
    assert report.ok and report.warnings == (), (report.problems, report.warnings)
    assert report.anchors_checked == 2  # the anchors line and the newest manifest


def test_deleted_newest_events_and_reset_statuses_are_caught():
    clock = Clock()
    ctx = make_ctx(clock)
    _history(ctx, clock)
    _delete_events(ctx, 5, 6)
    report = audit.verify_chain(_reopen(ctx))
    assert _kinds(report) == ["truncated"]
    assert "số 6" in report.problems[0].message


def test_only_the_newest_write_deleted_is_named_as_a_warning_never_silence():
    """Nothing on disk tells a save cut by a power failure from its events deleted at once:
    the warning names the events and says both."""
    clock = Clock()
    ctx = make_ctx(clock)
    _history(ctx, clock)
    _delete_events(ctx, 6)
    report = audit.verify_chain(_reopen(ctx))
    assert report.ok
    assert any("số 6–6" in w and "xoá" in w for w in report.warnings)


def test_an_appended_event_with_a_correct_hash_is_caught():
    clock = Clock()
    ctx = make_ctx(clock)
    _history(ctx, clock)
    conn = _raw(ctx)
    _forge_next_event(conn, 1, "done")
    conn.close()
    report = audit.verify_chain(_reopen(ctx))
    assert _kinds(report) == ["appended"]
    assert "số 7–7" in report.problems[0].message


def test_an_older_copy_of_the_database_put_back_is_caught():
    clock = Clock()
    ctx = make_ctx(clock)
    _history(ctx, clock)
    ctx.database.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    path = ctx.config.sqlite_path
    old = path.with_name("copy.sqlite3")
    shutil.copyfile(path, old)
    for _n in range(2):
        dossiers.receive_dossier(ctx, procedure_code="1.004873", qr_text=SAMPLE_QR)
    ctx.close()
    for suffix in ("-wal", "-shm"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)
    shutil.copyfile(old, path)
    report = audit.verify_chain(_reopen(ctx))
    assert _kinds(report) == ["truncated"]


def test_the_head_record_edited_by_hand_is_caught():
    clock = Clock()
    ctx = make_ctx(clock)
    _history(ctx, clock)
    record = json.loads(audit_seal.head_file().read_text())
    record["seq"] = 4
    audit_seal.head_file().write_text(json.dumps(record))
    assert _kinds(audit.verify_chain(ctx)) == ["anchor"]


def test_no_anchors_file_yet_is_a_warning_that_says_so():
    clock = Clock()
    ctx = make_ctx(clock)
    _history(ctx, clock)
    report = audit.verify_chain(ctx)
    assert report.ok
    assert any("Chưa có tệp mốc kiểm tra" in w for w in report.warnings)


def _with_anchors(clock):
    ctx = make_ctx(clock)
    _history(ctx, clock)
    audit.record_anchor(ctx, reason="one")
    clock.moment += timedelta(minutes=1)
    audit.record_anchor(ctx, reason="two")
    return ctx, audit_seal.anchors_file()


def test_a_deleted_anchors_file_is_a_problem():
    ctx, path = _with_anchors(Clock())
    path.unlink()
    report = audit.verify_chain(ctx)
    assert _kinds(report) == ["anchor"] and "đã bị xoá" in report.problems[0].message


def test_an_edited_anchors_line_is_caught():
    ctx, path = _with_anchors(Clock())
    lines = path.read_text().splitlines()
    first = json.loads(lines[0])
    first["reason"] = "sửa"
    path.write_text("\n".join([json.dumps(first)] + lines[1:]) + "\n")
    report = audit.verify_chain(ctx)
    assert any("Dòng 1" in p.message for p in report.problems)


def test_a_line_appended_to_the_anchors_file_is_caught():
    ctx, path = _with_anchors(Clock())
    last = json.loads(path.read_text().splitlines()[-1])
    forged = {**last, "seq": 3, "reason": "restore", "restore": True, "prev": last["mac"],
              "mac": "0" * 64}  # a restore line would excuse a shorter chain
    with open(path, "a") as out:
        out.write(json.dumps(forged) + "\n")
    report = audit.verify_chain(ctx)
    assert any("Dòng 3" in p.message for p in report.problems)


def test_the_last_anchors_line_cut_is_caught():
    ctx, path = _with_anchors(Clock())
    lines = path.read_text().splitlines()
    path.write_text(lines[0] + "\n")
    report = audit.verify_chain(ctx)
    assert any("thiếu 1 dòng cuối" in p.message for p in report.problems)


def test_the_whole_chain_rewritten_and_the_anchors_deleted_is_still_caught_by_the_manifest():
    clock = Clock()
    ctx = make_ctx(clock)
    _history(ctx, clock)
    backup.create_backup(ctx)
    audit_seal.anchors_file().unlink()
    audit_seal.head_file().unlink()
    rewrite_chain(_raw(ctx), 2, "giả")
    report = audit.verify_chain(_reopen(ctx))
    messages = " ".join(p.message for p in report.problems)
    assert "đã bị xoá" in messages  # the anchors file
    assert "sự kiện số 6" in messages  # the manifest's chain head no longer in the chain


def test_an_edited_manifest_chain_head_is_caught():
    clock = Clock()
    ctx = make_ctx(clock)
    _history(ctx, clock)
    info = backup.create_backup(ctx)
    path = Path(info.path + ".json")
    data = json.loads(path.read_text())
    data["audit_seq"] = 3
    path.write_text(json.dumps(data))
    report = audit.verify_chain(ctx)
    assert any(info.name in p.message and "bị sửa" in p.message for p in report.problems)


def test_a_copied_database_elsewhere_is_verified_with_warnings_not_silence(tmp_path,
                                                                          monkeypatch):
    clock = Clock()
    ctx = make_ctx(clock)
    _history(ctx, clock)
    backup.create_backup(ctx)
    ctx.database.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    source = ctx.config.sqlite_path
    ctx.close()
    monkeypatch.setenv("SADEC_DESK_DATA_DIR", str(tmp_path / "elsewhere"))
    (tmp_path / "elsewhere").mkdir()
    shutil.copyfile(source, tmp_path / "elsewhere" / source.name)
    copy = make_ctx(clock)
    try:
        report = audit.verify_chain(copy)
        assert report.ok
        assert any("Chưa có tệp mốc kiểm tra" in w for w in report.warnings)
        assert any("phiên bản trước" in w for w in report.warnings)
    finally:
        copy.close()


def test_an_appended_event_stays_caught_after_the_next_receipt():
    """The next legitimate write would make the forged event part of a valid chain: the
    write notices the chain moved since the last one and keeps that in its sealed record."""
    clock = Clock()
    ctx = make_ctx(clock)
    _history(ctx, clock)
    conn = _raw(ctx)
    _forge_next_event(conn, 1, "done")
    conn.close()
    ctx = _reopen(ctx)
    dossiers.receive_dossier(ctx, procedure_code="1.004873", qr_text=SAMPLE_QR)
    report = audit.verify_chain(ctx)
    assert _kinds(report) == ["anchor"]
    assert "lần trước dừng ở sự kiện số 6, lúc đó ở số 7" in report.problems[0].message


@pytest.mark.parametrize("deleted", [(5, 6), (6,)], ids=["two writes", "the last write"])
def test_deleted_newest_events_stay_named_after_the_next_receipt(deleted):
    """Two writes cut: a problem. Only the last write cut: nothing on disk tells it from a
    save a power cut interrupted, so a warning that says both."""
    clock = Clock()
    ctx = make_ctx(clock)
    codes = _history(ctx, clock)
    _delete_events(ctx, *deleted)
    ctx = _reopen(ctx)
    dossiers.advance_dossier(ctx, codes[0], "done")  # new events take the deleted numbers
    report = audit.verify_chain(ctx)
    if len(deleted) == 2:
        assert _kinds(report) == ["anchor"]
        assert "lần trước dừng ở sự kiện số 6, lúc đó ở số 4" in report.problems[0].message
    else:
        assert report.ok
        assert any("số 6–6" in w and "ở lần ghi sau" in w for w in report.warnings)

def test_a_restore_starts_the_head_record_afresh_without_a_false_alarm():
    clock = Clock()
    ctx = make_ctx(clock)
    _history(ctx, clock)
    saved = backup.create_backup(ctx)
    clock.moment += timedelta(minutes=5)
    dossiers.receive_dossier(ctx, procedure_code="1.004873", qr_text=SAMPLE_QR)
    backup.restore_backup(ctx, saved.name)
    dossiers.receive_dossier(ctx, procedure_code="1.004873", qr_text=SAMPLE_QR)
    report = audit.verify_chain(ctx)
    assert report.ok and report.warnings == (), (report.problems, report.warnings)

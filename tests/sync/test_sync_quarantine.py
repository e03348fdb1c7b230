"""Issue #14 item 3: a change from the portal the office cannot apply never blocks the
pull. It is set aside with the reason, the cursor moves past it, the rest of the feed
applies; the IT officer applies it again after an update or dismisses it with a reason.

The portal is the real reference portal over loopback; the bad changes are written
straight into its feed table, as a portal with a bug (or an older portal that did not
validate) would serve them."""

from __future__ import annotations

import json
import uuid as uuidlib
from types import SimpleNamespace

import pytest
from appfixtures import AGENCY, Clock, make_ctx, run_cli, run_cli_json, vn
from syncfixtures import local_procedure, office

from sadec_desk.db.models import Dossier
from sadec_desk.db.sync_models import QuarantinedChange
from sadec_desk.services.access import PermissionDenied
from sadec_desk.sync import conflicts, engine
from sadec_desk.sync.portal.models import Change, utcnow


def online(portal, number: int, **extra) -> dict:
    """An online dossier made at the portal (it goes into the office's feed)."""
    return portal.admin("POST", "/dossiers", {
        "code": f"{AGENCY}-261126-{number:04d}", "procedure_code": "1.001193",
        "due_at": vn(2026, 12, 1, 9, 0).isoformat(),
        "citizen": {"id_number": f"0870990{number:05d}", "full_name": "Lê Thị Mai"},
        **extra})


def raw_change(portal, snapshot, *, agency: str = AGENCY) -> int:
    """A change the portal's own checks never saw, served as it is; returns its seq."""
    text = snapshot if isinstance(snapshot, str) else json.dumps(snapshot, ensure_ascii=False)
    with portal.store.database.connection_context():
        return Change.create(dossier_uuid=str(uuidlib.uuid4()), version=1, origin="portal",
                             agency=agency, snapshot=text, at=utcnow()).id


def good_copy(number: int, **changes) -> dict:
    copy = {"uuid": str(uuidlib.uuid4()), "code": f"{AGENCY}-261126-{number:04d}",
            "procedure_code": "1.001193", "channel": "online", "status": "received",
            "received_at": vn(2026, 11, 26, 8, 0).isoformat(),
            "due_at": vn(2026, 12, 1, 9, 0).isoformat(), "finished_at": None, "fee_vnd": 0,
            "citizen": {"id_number": f"0870991{number:05d}", "full_name": "Trần Văn Bé"},
            "version": 1}
    copy.update(changes)
    return copy


#: what the issue saw served, and more of the kind: each one alone between good changes
BAD = {
    "received_at garbage": good_copy(901, received_at="garbage"),
    "due_at without offset": good_copy(902, due_at="2026-12-01T09:00:00"),
    "uuid 0": good_copy(903, uuid="0"),
    "unknown status": good_copy(904, status="teleported"),
    "not an object": [1, 2, 3],
    "a number": 42,
    "citizen without id": good_copy(905, citizen={"full_name": "X"}),
    "negative fee": good_copy(906, fee_vnd=-5),
    "bad birth date": good_copy(907, citizen={"id_number": "087099100907",
                                              "date_of_birth": "31/02/1990"}),
    "version as text": good_copy(908, version="1"),
    "procedure unknown here": good_copy(909, procedure_code="9.999999"),
    "control characters": good_copy(910, received_at="\x1b[2J\x00"),
    "another office's dossier": good_copy(911, code="000.00.15.H20-261126-0911"),
    # checked while the change is applied (sync/online_pages.py), not by the feed's check
    "papers not a list": good_copy(912, scanned_papers=5),
    "a paper without pages": good_copy(913, scanned_papers=[{"index": 0, "name": "Giấy"}]),
    "a page without size": good_copy(914, scanned_papers=[{"index": 0, "name": "Giấy", "pages": [
        {"position": 0, "sha256": "a" * 64, "media_type": "image/png"}]}]),
    "form without values": good_copy(915, form={"form_id": "x", "form_version": "1"}),
}


def test_bad_changes_between_good_ones_are_set_aside_and_the_feed_goes_on(portal, english_in):
    ctx = office(portal)
    first = online(portal, 1)
    bad_seqs = [raw_change(portal, snapshot) for snapshot in BAD.values()]
    last = online(portal, 2)

    report = engine.run_once(ctx)
    # the good ones landed, the run did not stop, the cursor is past everything
    assert report.error == "" and report.new_dossiers == 2
    assert report.quarantined == len(BAD)
    assert {d.uuid for d in Dossier.select()} == {first["uuid"], last["uuid"]}
    with portal.store.database.connection_context():
        newest = Change.select().order_by(Change.id.desc()).first().id
    assert engine.sync_status(ctx).cursor == newest
    kept = conflicts.list_quarantined(ctx)
    assert [k.seq for k in kept] == bad_seqs and all(k.state == "open" for k in kept)
    assert all(k.reason for k in kept)
    reasons = dict(zip(BAD, (k.reason for k in kept), strict=True))
    assert "garbage" in reasons["received_at garbage"]
    assert "'due_at'" in reasons["due_at without offset"]
    assert "múi giờ" in reasons["due_at without offset"]
    assert "'scanned_papers'" in reasons["papers not a list"]
    assert "'values'" in reasons["form without values"]
    # the IT officer reads them: Vietnamese all through, the feed's field names and
    # values quoted as they came (was: "dossier: 'due_at' has no UTC offset: ...")
    english = {bad: english_in(reason) for bad, reason in reasons.items()}
    assert english == dict.fromkeys(BAD, set())
    assert "9.999999" in reasons["procedure unknown here"]
    assert "000.00.15.H20" in reasons["another office's dossier"]
    # nothing of a set-aside change was half-applied (no citizen, no dossier, no code)
    assert Dossier.select().where(Dossier.code.contains("-09")).count() == 0
    assert engine.sync_status(ctx).quarantined == len(BAD)

    # the next run does not stop on them, nor sets them aside twice
    after = online(portal, 3)
    again = engine.run_once(ctx, force=True)
    assert again.error == "" and again.new_dossiers == 1 and again.quarantined == 0
    assert Dossier.get(Dossier.uuid == after["uuid"]).code.endswith("-0003")
    assert QuarantinedChange.select().count() == len(BAD)


def test_the_same_change_served_again_is_kept_once(portal):
    ctx = office(portal)
    raw_change(portal, good_copy(920, status="teleported"))
    engine.run_once(ctx)
    # the cursor lost (a backup restored): the page comes again
    from sadec_desk.sync.state import set_state

    with ctx.database.atomic():
        set_state(ctx, "cursor", "0")
    assert engine.run_once(ctx, force=True).error == ""
    assert QuarantinedChange.select().count() == 1


def test_set_aside_for_a_missing_procedure_applies_after_the_catalogue_update(portal,
                                                                             capsys):
    ctx = office(portal)
    copy = good_copy(930, procedure_code="1.999999")
    raw_change(portal, copy)
    report = engine.run_once(ctx)
    assert report.quarantined == 1 and report.error == ""
    # shown where the IT officer looks: sync conflicts (text and JSON) and the status
    code, out, _err = run_cli(capsys, "sync", "conflicts")
    assert code == 0 and copy["code"] in out and "1.999999" in out
    code, out, _err = run_cli(capsys, "sync", "status")
    assert code == 0 and "Thay đổi để riêng: 1" in out
    shown = run_cli_json(capsys, "sync", "conflicts")
    [kept] = shown["quarantined"]
    assert kept["code"] == copy["code"] and kept["state"] == "open"
    # applying again before the update: still refused, kept open, exit 1 with the reason
    with pytest.raises(SystemExit) as stopped:
        run_cli(capsys, "sync", "quarantine", "apply", str(kept["id"]))
    assert stopped.value.code == 1 and "1.999999" in capsys.readouterr().out
    assert conflicts.list_quarantined(ctx)[0].state == "open"
    # the office gets the procedure (an update of the app's catalogue): it applies
    ctx = make_ctx(Clock())  # the CLI opened the database on its own connection
    local_procedure(ctx, "1.999999")
    answer = run_cli_json(capsys, "sync", "quarantine", "apply")
    assert answer == {"applied": 1, "problems": []}
    ctx = make_ctx(Clock())
    dossier = Dossier.get(Dossier.uuid == copy["uuid"])
    assert dossier.code == copy["code"] and dossier.channel == "online"
    assert conflicts.list_quarantined(ctx) == []
    [done] = conflicts.list_quarantined(ctx, settled=True)
    assert done.state == "applied" and done.settled_by and done.settled_at
    # applying it twice is refused with a sentence
    code, _out, err = run_cli(capsys, "sync", "quarantine", "apply", str(done.id))
    assert code == 2 and "đã được xử lý" in err


def test_dismiss_needs_a_reason_and_records_who_and_why(portal, capsys):
    ctx = office(portal)
    raw_change(portal, good_copy(940, received_at="garbage"))
    engine.run_once(ctx)
    [kept] = conflicts.list_quarantined(ctx)
    for reason in ("", "  ", "x\x1b[31m y z"):
        code, _out, err = run_cli(capsys, "sync", "quarantine", "dismiss", str(kept.id),
                                  "--reason", reason)
        assert code == 2 and err.strip()
    code, _out, err = run_cli(capsys, "sync", "quarantine", "dismiss", "99999",
                              "--reason", "không có")
    assert code == 2 and "99999" in err
    info = run_cli_json(capsys, "sync", "quarantine", "dismiss", str(kept.id), "--reason",
                        "Cổng đã sửa hồ sơ này bằng một thay đổi mới")
    assert info["state"] == "dismissed" and info["note"].startswith("Cổng đã sửa")
    assert info["settled_by"] and info["settled_at"]
    assert run_cli_json(capsys, "sync", "quarantine", "list") == []
    [listed] = run_cli_json(capsys, "sync", "quarantine", "list", "--all")
    assert listed["state"] == "dismissed"
    code, out, _err = run_cli(capsys, "sync", "quarantine", "list", "--all")
    assert code == 0 and "đã bỏ qua" in out and "Cổng đã sửa" in out


def test_quarantine_needs_the_it_role(portal):
    ctx = office(portal)
    raw_change(portal, good_copy(950, status="teleported"))
    engine.run_once(ctx)
    [kept] = conflicts.list_quarantined(ctx)
    ctx.user = SimpleNamespace(username="mai", full_name="Lê Thị Mai", role="clerk")
    for call in (lambda: conflicts.list_quarantined(ctx),
                 lambda: conflicts.apply_quarantined(ctx, kept.id),
                 lambda: conflicts.dismiss_quarantined(ctx, kept.id, "không cần nữa")):
        with pytest.raises(PermissionDenied):
            call()

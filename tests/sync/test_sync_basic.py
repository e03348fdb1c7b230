import json
from datetime import timedelta

from appfixtures import AGENCY, Clock, make_ctx, vn
from syncfixtures import assert_converged, local_view, office, portal_view, receive_many

from sadec_desk.cli import main
from sadec_desk.db.models import Dossier, DossierEvent, Outbox
from sadec_desk.db.models import Procedure as ProcedureRow
from sadec_desk.services import catalogue
from sadec_desk.services.reception import dossiers
from sadec_desk.sync import conflicts, engine
from sadec_desk.sync.conflicts import list_conflicts, resolve


def test_offline_by_default_keeps_everything_pending():
    ctx = make_ctx(Clock())
    receive_many(ctx, 2)
    report = engine.run_once(ctx)
    assert report.skipped and report.pushed == 0
    status = engine.sync_status(ctx)
    assert status.pending == 2 and not status.online and status.cursor == 0
    assert status.oldest_pending_age_seconds == 0


def test_push_creates_and_changes_dossiers_exactly_once(portal):
    clock = Clock()
    ctx = office(portal, clock)
    uuids = receive_many(ctx, 3)
    dossiers.advance_dossier(ctx, uuids[0], "processing")
    dossiers.reschedule_dossier(ctx, uuids[1], vn(2026, 12, 10, 9, 0), "chờ xác minh")
    clock.moment += timedelta(hours=2)

    report = engine.run_once(ctx)
    assert (report.pushed, report.duplicates, report.error) == (5, 0, "")
    assert_converged(ctx, portal)
    assert portal_view(portal)[uuids[0]][1] == "processing"
    status = engine.sync_status(ctx)
    assert status.pending == 0 and status.last_success_at == clock.moment
    # a second run has nothing to send and nothing new to apply
    again = engine.run_once(ctx)
    assert (again.pushed, again.pulled, again.new_dossiers) == (0, 0, 0)
    # outbox rows carry the base version they were made on
    rows = list(Outbox.select().where(Outbox.dossier_uuid == uuids[0]).order_by(Outbox.id))
    assert [r.base_version for r in rows] == [0, 0]
    assert Dossier.get(Dossier.uuid == uuids[0]).portal_version == 2


def test_pull_brings_online_dossiers_status_changes_and_catalogue(portal):
    ctx = office(portal)
    [mine] = receive_many(ctx, 1)
    engine.run_once(ctx)
    online = portal.admin("POST", "/dossiers", {
        "code": f"{AGENCY}-261126-0900", "procedure_code": "1.004873",
        "due_at": vn(2026, 12, 1, 9, 0).isoformat(),
        "citizen": {"id_number": "087099001111", "full_name": "Lê Thị Mai",
                    "date_of_birth": "1990-02-03", "gender": "Nữ", "address": "Sa Đéc"}})
    portal.admin("POST", f"/dossiers/{mine}/status", {"status": "processing",
                                                       "note": "Cổng tỉnh chuyển xử lý"})
    seed = next(p for p in catalogue.list_procedures(ctx) if p.code == "1.004873")
    data = json.loads(ProcedureRow.get(ProcedureRow.code == "1.004873").data)
    data.update(version=seed.version + 1, time_limit_days=2)
    portal.admin("POST", "/procedures", data)

    report = engine.run_once(ctx)
    assert (report.new_dossiers, report.pulled, report.procedures_updated) == (1, 2, 1)
    row = Dossier.get(Dossier.uuid == online["uuid"])
    assert row.channel == "online" and row.code == online["code"]
    assert row.citizen.full_name == "Lê Thị Mai" and row.sync_state == "synced"
    assert Dossier.get(Dossier.uuid == mine).status == "processing"
    assert DossierEvent.select().where(DossierEvent.actor == "portal").count() == 2
    active = ProcedureRow.get(ProcedureRow.code == "1.004873", ProcedureRow.active)
    assert active.source == "portal" and active.time_limit_days == 2
    assert ProcedureRow.select().where(ProcedureRow.code == "1.004873").count() == 2
    assert_converged(ctx, portal)
    # the counter's own numbering of the day moves past the online dossier's number
    assert receive_many(ctx, 1) and Dossier.select().order_by(Dossier.id.desc()).first(
    ).code == f"{AGENCY}-261126-0901"
    # the clerk works on the online dossier; it goes back up
    dossiers.advance_dossier(ctx, online["uuid"], "processing")
    assert engine.run_once(ctx).pushed == 2
    assert_converged(ctx, portal)


def test_online_dossier_with_a_code_used_here_is_set_aside(portal):
    ctx = office(portal)
    [mine] = receive_many(ctx, 1)
    code = Dossier.get(Dossier.uuid == mine).code
    online = {"code": code, "procedure_code": "1.001193",
              "due_at": vn(2026, 11, 26, 17, 0).isoformat(),
              "citizen": {"id_number": "087099004444", "full_name": "Mai Văn Tư"}}
    portal.admin("POST", "/dossiers", online)  # the portal does not know ours yet
    report = engine.run_once(ctx)
    # ours is refused at the portal (codes are unique) and theirs cannot come down
    assert report.rejected == 1 and "đã được dùng" in Dossier.get(
        Dossier.uuid == mine).sync_message
    # theirs is set aside with the reason, the feed goes on past it (issue #14 item 3)
    assert report.error == "" and report.quarantined == 1
    [kept] = conflicts.list_quarantined(ctx)
    assert code in kept.reason and "trùng" in kept.reason and kept.code == code
    assert engine.sync_status(ctx).cursor > 0 and Dossier.select().count() == 1
    assert engine.sync_status(ctx).quarantined == 1
    # the portal refuses a second dossier under a code it already holds
    import httpx

    answer = portal.http.post("/admin/dossiers", json=online)
    assert answer.status_code == 409
    answer = portal.http.post("/admin/dossiers", json={**online, "code": "X-1",
                                                       "procedure_code": "9.000000"})
    assert answer.status_code == 400 and isinstance(answer, httpx.Response)


def test_portal_change_over_a_pending_local_change_is_a_conflict(portal):
    ctx = office(portal)
    a, b = receive_many(ctx, 2)
    engine.run_once(ctx)
    for uuid in (a, b):
        portal.admin("POST", f"/dossiers/{uuid}/status", {"status": "supplement_requested"})
        dossiers.advance_dossier(ctx, uuid, "processing")  # offline, not sent yet
    report = engine.run_once(ctx)
    # push first: the portal sees a change based on an old version
    assert report.conflicts == 2 and report.pushed == 0
    conflicts = {c.dossier_uuid: c for c in list_conflicts(ctx)}
    assert conflicts[a].portal_status == "supplement_requested"
    assert conflicts[a].local_status == "processing" and conflicts[a].pending_operations == 1
    assert engine.sync_status(ctx).held == 2

    resolve(ctx, a, "portal")
    resolve(ctx, b, "local")
    report = engine.run_once(ctx)
    assert report.pushed == 1 and report.conflicts == 0
    view = portal_view(portal)
    assert view[a][1] == "supplement_requested" and view[b][1] == "processing"
    assert Outbox.select().where(Outbox.state == "discarded").count() == 1
    assert_converged(ctx, portal)
    assert list_conflicts(ctx) == []


def test_cli_status_enrol_and_run(portal, capsys):
    make_ctx(Clock()).close()
    assert main(["sync", "enrol", "--portal", portal.url, "--code", portal.new_code()]) == 0
    assert main(["dossier", "receive", "--procedure", "1.001193", "--qr",
                 "034303011829||Nguyễn Thị Hoa|21032003|Nữ|Thôn Lai Ổn|14082021"]) == 0
    capsys.readouterr()
    assert main(["sync", "status", "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["pending"] == 1 and status["enrolled"] and status["portal_url"] == portal.url
    assert main(["sync", "run", "--once", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["pushed"] == 1
    assert main(["sync", "conflicts"]) == 0
    assert "Không có hồ sơ" in capsys.readouterr().out
    assert main(["sync", "resolve", "nope", "--keep", "local"]) == 2
    assert "Không tìm thấy hồ sơ" in capsys.readouterr().err
    assert main(["sync", "enrol", "--portal", portal.url, "--code", "WRONG"]) == 2
    assert "từ chối mã đăng ký" in capsys.readouterr().err
    assert len(local_view()) == 1

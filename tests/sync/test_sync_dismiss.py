"""A dossier the gateway or the portal refused for good, dealt with outside the app (the
province deleted a voided dossier, or fixed a record on its side), is settled with
``sync dismiss`` (sync/conflicts.py dismiss_rejected): its held operations are discarded
with the reason, it is counted nowhere any more, its history says who and why, and a
later change of it is sent as usual."""

from __future__ import annotations

import json
import re
from types import SimpleNamespace

import pytest
from appfixtures import Clock, make_ctx, run_cli, run_cli_json
from fakegateway import FakeGateway
from syncfixtures import code_of, gateway_office, office, receive_many

from sadec_desk.db.models import Dossier, DossierEvent, Outbox
from sadec_desk.errors import InvalidInput, NotFound
from sadec_desk.services import audit
from sadec_desk.services.access import PermissionDenied
from sadec_desk.services.display import event_text
from sadec_desk.services.documents import dossier_forms
from sadec_desk.services.outbox import queue_change
from sadec_desk.services.reception import dossiers
from sadec_desk.sync import api, conflicts, engine, state

IT = SimpleNamespace(id=7, username="tin", full_name="Lê Văn Tín", role="it")
CLERK = SimpleNamespace(id=8, username="mai", full_name="Lê Thị Mai", role="clerk")


def ops_of(uuid: str) -> list[Outbox]:
    return list(Outbox.select().where(Outbox.dossier_uuid == uuid).order_by(Outbox.id))


def refused_dossier(gateway, ctx) -> tuple[str, str]:
    """Two dossiers sent; the gateway refuses the progress of the first (rejected), and a
    later change of it waits behind the refused operation."""
    refused, other = receive_many(ctx, 2)
    gateway.refuse_progress_of.add(code_of(refused))
    report = engine.run_once(ctx)
    assert (report.error, report.pushed, report.rejected) == ("", 1, 1)
    dossiers.advance_dossier(ctx, refused, "processing")
    assert engine.run_once(ctx).pushed == 0  # held behind the refused operation
    assert [r.state for r in ops_of(refused)] == ["failed", "pending"]
    # the later change waits behind the refused one: the dossier stays rejected, listed
    # and counted as such (queue_change does not set a held dossier back to pending)
    assert Dossier.get(Dossier.uuid == refused).sync_state == "rejected"
    assert engine.sync_status(ctx).rejected == 1
    [listed] = conflicts.list_conflicts(ctx)
    assert (listed.code, listed.state, listed.pending_operations) == (
        code_of(refused), "rejected", 2)
    assert "bị từ chối" in listed.message
    return refused, other


def test_dismiss_refuses_what_it_should_not_settle(gateway):
    ctx = gateway_office(gateway)
    refused, other = refused_dossier(gateway, ctx)
    code = code_of(refused)
    # a clerk may not; neither through the service nor through the API
    ctx.user = CLERK
    for call in (lambda: conflicts.dismiss_rejected(ctx, code, "tỉnh đã xóa"),
                 lambda: api.dismiss_rejected(ctx, code, "tỉnh đã xóa")):
        with pytest.raises(PermissionDenied):
            call()
    ctx.user = IT
    # a reason is required, bounded, and typed as words
    for reason, said in (("", "lý do"), ("   ", "lý do"), ("ok", "lý do"),
                         ("x" * 501, "500"), ("tỉnh \x1b[31m đã xóa", "điều khiển"),
                         ("tỉnh\u202e đã xóa", "điều khiển")):
        with pytest.raises(InvalidInput) as refused_why:
            conflicts.dismiss_rejected(ctx, code, reason)
        assert said in str(refused_why.value)
    # a dossier that was sent (synced) or waits to be sent (pending) is not rejected
    with pytest.raises(InvalidInput) as why:
        conflicts.dismiss_rejected(ctx, code_of(other), "tỉnh đã xóa hồ sơ")
    assert "không có thao tác nào bị từ chối" in str(why.value) and "Đã đồng bộ" in str(
        why.value)
    ctx.user = None  # the counter's work, at the command line
    [waiting] = receive_many(ctx, 1)
    ctx.user = IT
    with pytest.raises(InvalidInput) as why:
        conflicts.dismiss_rejected(ctx, code_of(waiting), "tỉnh đã xóa hồ sơ")
    assert "Chờ gửi" in str(why.value)
    with pytest.raises(NotFound):
        conflicts.dismiss_rejected(ctx, "000.00.00.H00-261126-9999", "tỉnh đã xóa hồ sơ")
    # nothing was touched by the refusals
    assert [r.state for r in ops_of(refused)] == ["failed", "pending"]
    assert [c.code for c in conflicts.list_conflicts(ctx)] == [code]
    assert not DossierEvent.select().where(DossierEvent.kind == "sync_dismissed").exists()


def test_a_conflict_is_not_dismissed_but_resolved(portal):
    ctx = office(portal)
    [uuid] = receive_many(ctx, 1)
    engine.run_once(ctx)
    portal.admin("POST", f"/dossiers/{uuid}/status", {"status": "supplement_requested"})
    dossiers.advance_dossier(ctx, uuid, "processing")
    assert engine.run_once(ctx).conflicts == 1
    with pytest.raises(InvalidInput) as why:
        conflicts.dismiss_rejected(ctx, uuid, "tỉnh đã xử lý")
    assert "xung đột" in str(why.value) and "sync resolve" in str(why.value)
    assert Dossier.get(Dossier.uuid == uuid).sync_state == "conflict"
    assert [r.state for r in ops_of(uuid)] == ["done", "failed"]


def test_dismiss_settles_the_refused_operation_and_the_later_changes_go_on(gateway):
    ctx = gateway_office(gateway)
    refused, _other = refused_dossier(gateway, ctx)
    code = code_of(refused)
    refusal = Dossier.get(Dossier.uuid == refused).sync_message
    held_ops = [r.op_id for r in ops_of(refused)]
    assert engine.sync_status(ctx).held == 2
    ctx.user = IT
    info = api.dismiss_rejected(ctx, code, "  Tỉnh đã sửa hồ sơ\ttrên trục  ")
    assert (info.code, info.discarded_operations, info.dismissed_by) == (code, 1, "tin")
    assert info.reason == "Tỉnh đã sửa hồ sơ trên trục" and info.refusal == refusal

    # the refused operation is discarded, with who and why; the change made since, which
    # waited behind it, is to be sent as usual
    refused_op, later_op = ops_of(refused)
    assert (refused_op.state, later_op.state) == ("discarded", "pending")
    assert "tin" in refused_op.last_error and "Tỉnh đã sửa hồ sơ trên trục" in (
        refused_op.last_error) and refused_op.next_try_at is None
    # the dossier is held no more: pending (its later change), listed nowhere
    dossier = Dossier.get(Dossier.uuid == refused)
    assert dossier.sync_state == "pending" and "Tỉnh đã sửa" in dossier.sync_message
    assert conflicts.list_conflicts(ctx) == []
    status = engine.sync_status(ctx)
    assert (status.rejected, status.conflicts, status.held, status.pending) == (0, 0, 0, 1)
    # the history: who, why (as typed), which operations, what the gateway had said
    event = DossierEvent.select().where(DossierEvent.dossier == dossier.id).order_by(
        DossierEvent.seq.desc()).get()
    assert (event.kind, event.actor, event.from_status, event.to_status) == (
        "sync_dismissed", "tin", None, "processing")
    assert event.note == ("Bỏ qua thao tác đồng bộ bị từ chối (đã xử lý ngoài phần mềm): "
                          "Tỉnh đã sửa hồ sơ trên trục")
    data = json.loads(event.data)
    assert data["operations"] == held_ops[:1] and data["refusal"] == refusal
    verified = audit.verify_chain(ctx)
    assert verified.ok, verified.problems  # the status its newest event names is the row's
    # shown in the dossier's history as a sync line, not as its status again, with the
    # reason; Mẫu 05 (the handling steps, for the citizen) leaves it out
    ctx.user = None
    shown = event_text(dossiers.get_dossier(ctx, refused).events[-1])
    assert shown == ("Đồng bộ [tin] — Bỏ qua thao tác đồng bộ bị từ chối (đã xử lý ngoài "
                     "phần mềm): Tỉnh đã sửa hồ sơ trên trục")
    control = dossier_forms.form_document(ctx, code, "05")
    steps = next(item for item in control.body if isinstance(item, tuple))[1]
    assert steps[-1][2].endswith("Đang xử lý") and "Tỉnh đã sửa" not in str(steps)
    ctx.user = IT
    # a second dismissal is refused (nothing is rejected any more)
    with pytest.raises(InvalidInput):
        api.dismiss_rejected(ctx, code, "lần nữa cho chắc")

    # the province fixed its side: the change that waited goes, then later ones as usual
    gateway.refuse_progress_of.discard(code)
    report = engine.run_once(ctx)
    assert (report.error, report.pushed, report.rejected) == ("", 1, 0)
    ctx.user = None  # the counter's work, at the command line
    dossiers.advance_dossier(ctx, refused, "done")
    report = engine.run_once(ctx)
    assert (report.error, report.pushed, report.rejected) == ("", 1, 0)
    assert gateway.records[code]["TrangThaiHoSo"] == "9"  # done (sync.gateway_status_map)
    assert gateway.problems == []
    dossier = Dossier.get(Dossier.uuid == refused)
    assert (dossier.sync_state, dossier.sync_message) == ("synced", "")
    assert [r.state for r in ops_of(refused)] == ["discarded", "done", "done"]


def test_a_later_change_refused_in_its_turn_is_held_again(gateway):
    """Dismissing one refusal does not hide the next: the change that waited is sent, and
    if the gateway refuses it too, the dossier is rejected and listed again."""
    ctx = gateway_office(gateway)
    refused, _other = refused_dossier(gateway, ctx)
    ctx.user = IT
    api.dismiss_rejected(ctx, code_of(refused), "Tỉnh đang xem lại")
    report = engine.run_once(ctx)  # the province still refuses its progress
    assert (report.pushed, report.rejected) == (0, 1)
    assert [r.state for r in ops_of(refused)] == ["discarded", "failed"]
    [listed] = conflicts.list_conflicts(ctx)
    assert (listed.code, listed.state) == (code_of(refused), "rejected")


def test_voided_after_it_was_sent_then_dismissed_is_never_sent_again(gateway, capsys):
    """The case of the NotSendable sentence: sent, voided, rejected; the province deletes
    it by hand; the IT officer dismisses it at the command line."""
    ctx = gateway_office(gateway)
    mistake, other = receive_many(ctx, 2)
    assert engine.run_once(ctx).pushed == 2
    code = code_of(mistake)
    dossiers.void_dossier(ctx, mistake, "chọn nhầm thủ tục")
    assert engine.run_once(ctx).rejected == 1
    message = Dossier.get(Dossier.uuid == mistake).sync_message
    assert f"sadec-desk sync dismiss {code}" in message
    [listed] = run_cli_json(capsys, "sync", "conflicts")["conflicts"]
    assert listed["code"] == code and listed["state"] == "rejected"
    assert listed["local_status"] == "voided"  # --json keeps the codes for scripts
    status, out, _err = run_cli(capsys, "sync", "conflicts")
    assert status == 0 and "sadec-desk sync dismiss" in out
    # the text is for a person: the Vietnamese labels, never the raw codes
    line = next(ln for ln in out.splitlines() if ln.startswith(code))
    assert f"[{listed['state_label']}]" in line and listed["local_status_label"] in line
    assert listed["state_label"] == "bị từ chối"
    # (the message after the counts may name the setting key "voided": judge the part before)
    head = line.split(listed["message"][:20])[0]
    assert not {"voided", "rejected", "received"} & set(re.findall(r"\w+", head))

    # refusals at the command line are sentences with exit code 2, never a traceback
    for argv in ((code, "--reason", ""), (code, "--reason", "x" * 600),
                 (code_of(other), "--reason", "tỉnh đã xóa"),
                 ("000.00.00.H00-261126-9999", "--reason", "tỉnh đã xóa")):
        status, _out, err = run_cli(capsys, "sync", "dismiss", *argv)
        assert status == 2 and err.strip() and "Traceback" not in err
    status, out, _err = run_cli(capsys, "sync", "dismiss", code, "--reason",
                                "Tỉnh đã xóa hồ sơ trên trục theo đề nghị số 12")
    assert status == 0 and code in out and "1 thao tác" in out
    assert run_cli_json(capsys, "sync", "conflicts")["conflicts"] == []
    status, out, _err = run_cli(capsys, "sync", "status")
    assert status == 0 and "(0 xung đột, 0 bị từ chối)" in out
    ctx = make_ctx(Clock(), **gateway.settings())  # the CLI used its own connection
    [void_op] = [r for r in ops_of(mistake) if r.op == "dossier.status"]
    assert void_op.state == "discarded" and "đề nghị số 12" in void_op.last_error
    event = DossierEvent.select().where(DossierEvent.kind == "sync_dismissed").get()
    assert event.dossier.uuid == mistake and event.to_status == "voided"
    assert event.note.endswith(": Tỉnh đã xóa hồ sơ trên trục theo đề nghị số 12")

    # sync run sends nothing more for it, even a later change of the voided record
    calls = len(gateway.calls)
    report = engine.run_once(ctx)
    assert (report.error, report.pushed, report.rejected) == ("", 0, 0)
    with ctx.database.atomic():
        queue_change(ctx, mistake, "dossier.rescheduled", {"code": code})
    report = engine.run_once(ctx)
    assert (report.error, report.rejected) == ("", 0)
    assert len(gateway.calls) == calls
    assert gateway.records[code]["TrangThaiHoSo"] == "2"  # as sent before the void
    assert Dossier.get(Dossier.uuid == mistake).sync_state == "synced"
    assert conflicts.list_conflicts(ctx) == []
    assert gateway.problems == []


def test_dismiss_json_output(gateway, capsys):
    ctx = gateway_office(gateway)
    refused, _other = refused_dossier(gateway, ctx)
    code = code_of(refused)
    info = run_cli_json(capsys, "sync", "dismiss", code, "--reason", "Tỉnh đã sửa trên trục")
    assert info["code"] == code and info["discarded_operations"] == 1
    assert info["reason"] == "Tỉnh đã sửa trên trục" and info["dismissed_by"] == "admin (CLI)"
    assert info["dismissed_at"] and "bị từ chối" in info["refusal"]


@pytest.mark.postgres
def test_dismiss_on_postgresql(pg_database):
    """The office's shared server: the row lock, the event chain, the later change."""
    fake = FakeGateway()
    try:
        ctx = make_ctx(Clock(), database__url=pg_database, **fake.settings())
        with ctx.database.atomic():
            state.set_state(ctx, "gateway_password", "mật-khẩu")
        refused, _other = refused_dossier(fake, ctx)
        code = code_of(refused)
        ctx.user = IT
        info = api.dismiss_rejected(ctx, code, "Tỉnh đã sửa hồ sơ trên trục")
        assert info.discarded_operations == 1
        assert [r.state for r in ops_of(refused)] == ["discarded", "pending"]
        assert conflicts.list_conflicts(ctx) == []
        verified = audit.verify_chain(ctx)
        assert verified.ok, verified.problems
        fake.refuse_progress_of.discard(code)
        ctx.user = None
        dossiers.advance_dossier(ctx, refused, "done")
        assert engine.run_once(ctx).pushed == 2 and fake.records[code]["TrangThaiHoSo"] == "9"
        assert Dossier.get(Dossier.uuid == refused).sync_state == "synced"
        ctx.close()
    finally:
        fake.stop()

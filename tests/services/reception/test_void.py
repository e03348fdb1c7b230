"""Voiding a dossier made by mistake (issue #17 item 1): «Hủy do nhập nhầm»."""

import json
from datetime import date, timedelta

import pytest
from appfixtures import SAMPLE_QR, run_cli, sign_in_as, vn
from portalfixtures import start_portal
from syncfixtures import office, portal_view

from sadec_desk.db.models import Dossier, DossierEvent, Outbox
from sadec_desk.domain.lifecycle import IllegalTransition
from sadec_desk.errors import InvalidInput
from sadec_desk.services.access import PermissionDenied, as_machine
from sadec_desk.services.admin import users
from sadec_desk.services.audit import verify_chain
from sadec_desk.services.reception import dossiers
from sadec_desk.services.reports.figures import Period
from sadec_desk.sync import engine


def staff(ctx):
    machine = as_machine(ctx)
    users.create_user(machine, username="admin", full_name="Lê Văn Tín", role="it",
                      password="mat-khau-dai-1")
    users.create_user(machine, username="hoa", full_name="Nguyễn Thị Hoa", role="clerk",
                      password="mat-khau-dai-2")
    users.create_user(machine, username="lan", full_name="Trần Thị Lan", role="clerk",
                      password="mat-khau-dai-3")
    users.create_user(machine, username="sep", full_name="Võ Văn Sếp", role="leader",
                      password="mat-khau-dai-4")


def received_by_hoa(ctx):
    sign_in_as(ctx, "hoa")
    return dossiers.receive_dossier(ctx, procedure_code="1.001193", qr_text=SAMPLE_QR)


def test_the_receiving_clerk_voids_the_same_day_with_a_reason(ctx):
    staff(ctx)
    info = received_by_hoa(ctx)
    with pytest.raises(InvalidInput, match="lý do"):
        dossiers.void_dossier(ctx, info.code, "   ")
    voided = dossiers.void_dossier(ctx, info.code, "Trùng hồ sơ vừa lưu")
    assert voided.status == "voided" and voided.status_label == "Hủy do nhập nhầm"
    assert voided.deadline_state == "not_counted" and voided.finished_at is not None
    row = Dossier.get(Dossier.code == info.code)
    event = DossierEvent.select().where(DossierEvent.dossier == row).order_by(
        DossierEvent.id.desc()).first()
    assert (event.kind, event.from_status, event.to_status, event.note, event.actor) == (
        "status", "received", "voided", "Trùng hồ sơ vừa lưu", "hoa")  # the username (#18)
    op = Outbox.select().order_by(Outbox.id.desc()).first()
    payload = json.loads(op.payload)
    assert op.op == "dossier.status" and payload["to_status"] == "voided"
    assert payload["note"] == "Trùng hồ sơ vừa lưu"
    assert verify_chain(as_machine(ctx)).ok
    # an end: nothing follows a void, not even a second void
    with pytest.raises(IllegalTransition, match="trạng thái cuối"):
        dossiers.void_dossier(ctx, info.code, "lần nữa")


def test_another_clerk_or_the_next_day_needs_a_leader(ctx, clock):
    staff(ctx)
    info = received_by_hoa(ctx)
    sign_in_as(ctx, "lan")
    with pytest.raises(PermissionDenied, match="Nguyễn Thị Hoa.*lãnh đạo"):
        dossiers.void_dossier(ctx, info.code, "nhầm")
    clock.moment += timedelta(days=1)
    sign_in_as(ctx, "hoa")
    with pytest.raises(PermissionDenied, match="26/11/2026.*lãnh đạo"):
        dossiers.void_dossier(ctx, info.code, "nhầm")
    assert Dossier.get(Dossier.code == info.code).status == "received"
    sign_in_as(ctx, "admin")  # IT does not work at the counter
    with pytest.raises(PermissionDenied):
        dossiers.void_dossier(ctx, info.code, "nhầm")
    sign_in_as(ctx, "sep")
    assert dossiers.void_dossier(ctx, info.code, "nhầm thủ tục").status == "voided"


def test_a_dossier_with_a_result_cannot_be_voided_and_advance_refuses_void(ctx):
    staff(ctx)
    info = received_by_hoa(ctx)
    with pytest.raises(InvalidInput, match="dossier void"):
        dossiers.advance_dossier(ctx, info.code, "voided", note="nhầm")
    dossiers.advance_dossier(ctx, info.code, "done")
    with pytest.raises(IllegalTransition):
        dossiers.void_dossier(ctx, info.code, "nhầm")


def test_cli_void(capsys, ctx):
    info = dossiers.receive_dossier(ctx, procedure_code="1.001193", qr_text=SAMPLE_QR)
    code, out, err = run_cli(capsys, "dossier", "void", info.code)
    assert code == 2 and "lý do" in err
    code, out, err = run_cli(capsys, "dossier", "void", info.code, "--reason",
                             "Chọn nhầm thủ tục")
    assert code == 0, err
    assert "Hủy do nhập nhầm" in out
    code, out, err = run_cli(capsys, "dossier", "void", "KHONG-CO", "--reason", "x")
    assert code != 0 and "Không tìm thấy" in err


def test_the_reference_portal_accepts_the_void(tmp_path):
    portal = start_portal(tmp_path / "portal.sqlite3")
    try:
        ctx = office(portal, None)
        info = dossiers.receive_dossier(ctx, procedure_code="1.001193", qr_text=SAMPLE_QR,
                                        received_at=vn(2026, 11, 26, 9, 0))
        dossiers.void_dossier(ctx, info.code, "Trùng hồ sơ")
        report = engine.run_once(ctx)
        assert (report.pushed, report.error) == (2, ""), report
        assert portal_view(portal)[info.uuid][1] == "voided"
        ctx.close()
    finally:
        portal.stop()



def test_reports_leave_voided_dossiers_out(ctx):
    from sadec_desk.services.reports.book import book_rows
    from sadec_desk.services.reports.summary import summary

    kept = dossiers.receive_dossier(ctx, procedure_code="1.001193", qr_text=SAMPLE_QR)
    mistake = dossiers.receive_dossier(ctx, procedure_code="1.001193", qr_text=SAMPLE_QR)
    dossiers.void_dossier(ctx, mistake.code, "Trùng hồ sơ")
    period = Period(date(2026, 11, 26), date(2026, 11, 26), vn(2026, 11, 26),
                    vn(2026, 11, 27))
    report = summary(ctx, period)
    assert report.received == 1 and report.overdue_now == 0
    assert (report.refused, report.withdrawn, report.deadline.resolved) == (0, 0, 0)
    assert [row.code for row in book_rows(ctx, period)] == [kept.code]

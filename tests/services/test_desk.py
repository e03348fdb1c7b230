"""The counter desk's workflow (services/desk.py): what follows a save (the called ticket
linked, the receipt printed) and what follows a life-cycle step (Mẫu 02/03/04 for the
citizen, the return slip). No Tk: the counter screen only shows these results."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from appfixtures import SAMPLE_QR

from sadec_desk.domain.lifecycle import FINISHED_STATUSES, DossierStatus
from sadec_desk.domain.timezone import VN_TZ
from sadec_desk.errors import NotFound
from sadec_desk.services import desk
from sadec_desk.services.admin import office
from sadec_desk.services.printing import jobs
from sadec_desk.services.queue import tickets
from sadec_desk.services.reception import dossiers


@pytest.fixture
def ctx(ctx):
    office.init_office(ctx)  # the queue's groups and counters
    return ctx


def receive(ctx, procedure: str = "2.000635") -> str:
    return dossiers.receive_dossier(ctx, procedure_code=procedure, qr_text=SAMPLE_QR).code


def test_after_a_save_the_called_ticket_is_linked_and_the_receipt_printed(ctx):
    tickets.take_ticket(ctx, "A", print_ticket=False)
    called = tickets.call_next(ctx, 1)
    code = receive(ctx)
    outcome = desk.after_receive(ctx, code, ticket=called.id)
    assert (outcome.code, outcome.link_error) == (code, "")
    assert outcome.ticket is not None and outcome.ticket.number == called.number
    assert [t.number for t in tickets.tickets_of_dossier(ctx, code)] == [called.number]
    # the receipt (Mẫu 01 on the thermal printer; the preview printer by default)
    assert (outcome.receipt.kind, outcome.receipt.reference) == ("receipt", code)
    assert outcome.receipt.status == "printed"
    assert [j.id for j in jobs.list_jobs(ctx)] == [outcome.receipt.id]


def test_a_save_without_a_called_ticket_only_prints_the_receipt(ctx):
    code = receive(ctx)
    outcome = desk.after_receive(ctx, code)
    assert outcome.ticket is None and outcome.link_error == ""
    assert outcome.receipt.kind == "receipt"
    assert tickets.tickets_of_dossier(ctx, code) == []


def test_a_ticket_that_cannot_be_linked_does_not_keep_the_citizen_from_the_receipt(ctx):
    code = receive(ctx)
    outcome = desk.after_receive(ctx, code, ticket="A999")
    assert outcome.ticket is None
    assert "A999" in outcome.link_error
    assert outcome.receipt.status == "printed"


def test_a_receipt_for_an_unknown_dossier_is_the_services_sentence(ctx):
    with pytest.raises(NotFound):
        desk.after_receive(ctx, "000.00.00.X99-261126-9999")


def test_the_form_a_step_hands_to_the_citizen():
    assert desk.form_after("supplement_requested") == "02"
    assert desk.form_after("refused") == "03"
    assert desk.form_after(desk.RESCHEDULED) == "04"
    for status in ("received", "processing", "done", "returned", "withdrawn"):
        assert desk.form_after(status) is None
    assert [s for s in DossierStatus if desk.slip_after(s)] == [DossierStatus.RETURNED]
    assert desk.slip_after("returned") and not desk.slip_after(desk.RESCHEDULED)


def test_a_refusal_gives_mau_03_saved_without_an_office_printer(ctx):
    code = receive(ctx)
    dossiers.advance_dossier(ctx, code, "refused", note="Không thuộc thẩm quyền")
    outcome = desk.after_status_change(ctx, code, "refused")
    assert outcome.errors == [] and outcome.return_slip is None
    assert (outcome.form.form, outcome.form.status) == ("03", "saved")
    path = Path(outcome.form.path)
    assert path.parent == ctx.config.data_dir / "forms"
    assert path.read_bytes().startswith(b"%PDF")


def test_a_new_appointment_gives_mau_04_and_a_supplement_mau_02(ctx):
    code = receive(ctx, "1.004873")
    dossiers.reschedule_dossier(ctx, code, datetime(2026, 12, 4, 10, tzinfo=VN_TZ),
                                "Chờ kết quả xác minh")
    assert desk.after_status_change(ctx, code, desk.RESCHEDULED).form.form == "04"
    dossiers.advance_dossier(ctx, code, "supplement_requested", note="Bổ sung bản sao")
    assert desk.after_status_change(ctx, code, "supplement_requested").form.form == "02"


def test_returning_the_result_prints_the_return_slip(ctx):
    code = receive(ctx)
    dossiers.advance_dossier(ctx, code, "done")
    assert desk.after_status_change(ctx, code, "done") == desk.StatusFollowUp(code, "done")
    dossiers.advance_dossier(ctx, code, "returned")
    outcome = desk.after_status_change(ctx, code, "returned")
    assert outcome.form is None and outcome.errors == []
    assert (outcome.return_slip.kind, outcome.return_slip.reference) == ("return_slip", code)
    assert outcome.return_slip.status == "printed"


def test_a_form_that_cannot_be_made_is_a_sentence_in_the_result(ctx):
    code = receive(ctx)  # never refused: Mẫu 03 has no reason to print
    outcome = desk.after_status_change(ctx, code, "refused")
    assert outcome.form is None
    assert "chưa có quyết định từ chối" in outcome.form_error
    assert outcome.errors == [outcome.form_error]
    assert not (ctx.config.data_dir / "forms" / f"{code}.mau03.du-lieu-ca-nhan.pdf").exists()


def test_finished_dossiers_cannot_be_rescheduled():
    for status in DossierStatus:
        assert desk.is_finished(status.value) == (status in FINISHED_STATUSES)
        assert desk.can_reschedule(status.value) == (status not in FINISHED_STATUSES)
    assert desk.can_reschedule("received") and not desk.can_reschedule("returned")


def test_a_kiosk_dossier_awaits_a_clerk_until_taken_up(ctx):
    code = receive(ctx)
    info = dossiers.get_dossier(ctx, code)
    assert not desk.awaits_clerk(info)  # received at the counter
    kiosk = dossiers.receive_dossier(ctx, procedure_code="2.000635", qr_text=SAMPLE_QR,
                                     channel="kiosk")
    assert desk.awaits_clerk(kiosk)
    taken = dossiers.advance_dossier(ctx, kiosk.code, "processing")
    assert not desk.awaits_clerk(taken)

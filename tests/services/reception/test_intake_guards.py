"""The receive form cannot make a wrong dossier by accident (issue #17 item 1): the same
form saved twice is one dossier; a same-day second dossier and a missing paper ask first."""

import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from appfixtures import OTHER_QR, SAMPLE_QR

from sadec_desk.db.models import Dossier, DossierEvent, Outbox
from sadec_desk.errors import InvalidInput
from sadec_desk.services.reception import dossiers, intake

PAPERS = [intake.FormPaper("Tờ khai", "original", 1, True),
          intake.FormPaper("Giấy chứng sinh", "original", 1, False)]


def test_the_same_form_saved_twice_is_one_dossier(ctx):
    form = str(uuid.uuid4())
    first = intake.receive_from_form(ctx, qr_text=SAMPLE_QR, procedure_code="1.001193",
                                     form_id=form)
    again = intake.receive_from_form(ctx, qr_text=SAMPLE_QR, procedure_code="1.001193",
                                     form_id=form)
    assert again.code == first.code and again.uuid == form
    assert Dossier.select().count() == 1 and Outbox.select().count() == 1
    # the service itself, without the form's wrapper
    replay = dossiers.receive_dossier(ctx, procedure_code="1.001193", qr_text=SAMPLE_QR,
                                      dossier_uuid=form.upper())
    assert replay.code == first.code and Dossier.select().count() == 1
    with pytest.raises(InvalidInput, match="Hồ sơ mới"):
        dossiers.receive_dossier(ctx, procedure_code="1.001193", qr_text=SAMPLE_QR,
                                 dossier_uuid="not-a-uuid")


def test_two_saves_of_one_form_at_once_make_one_dossier(ctx):
    form = str(uuid.uuid4())

    def save():
        try:
            return intake.receive_from_form(ctx, qr_text=SAMPLE_QR, procedure_code="1.001193",
                                            form_id=form).code
        except InvalidInput as exc:  # the loser of the race may be told so, never a 2nd one
            return str(exc)

    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(lambda _i: save(), range(2)))
    assert Dossier.select().count() == 1, results


def test_a_second_dossier_the_same_day_asks_first(ctx, clock):
    first = intake.receive_from_form(ctx, qr_text=SAMPLE_QR, procedure_code="1.001193")
    check = intake.check_before_save(ctx, qr_text=SAMPLE_QR, procedure_code="1.001193")
    assert check.same_day_codes == (first.code,) and check.missing == ()
    with pytest.raises(intake.PossibleDuplicate, match=first.code):
        intake.receive_from_form(ctx, qr_text=SAMPLE_QR, procedure_code="1.001193")
    assert Dossier.select().count() == 1
    # another procedure, another citizen: nothing to ask
    assert intake.check_before_save(ctx, qr_text=SAMPLE_QR,
                                    procedure_code="1.004873").same_day_codes == ()
    assert intake.check_before_save(ctx, qr_text=OTHER_QR,
                                    procedure_code="1.001193").same_day_codes == ()
    second = intake.receive_from_form(ctx, qr_text=SAMPLE_QR, procedure_code="1.001193",
                                      same_day_confirmed=True)
    assert second.code != first.code
    # a voided one is no longer a reason to ask
    dossiers.void_dossier(ctx, first.code, "trùng")
    dossiers.void_dossier(ctx, second.code, "trùng")
    assert intake.check_before_save(ctx, qr_text=SAMPLE_QR,
                                    procedure_code="1.001193").same_day_codes == ()


def test_a_missing_paper_needs_mau_02_or_a_reason(ctx):
    check = intake.check_before_save(ctx, qr_text=SAMPLE_QR, procedure_code="1.001193",
                                     papers=PAPERS)
    assert check.missing == ("Giấy chứng sinh",)
    with pytest.raises(InvalidInput, match="Giấy chứng sinh.*Mẫu 02.*Vẫn tiếp nhận"):
        intake.receive_from_form(ctx, qr_text=SAMPLE_QR, procedure_code="1.001193",
                                 papers=PAPERS)
    with pytest.raises(InvalidInput, match="lý do"):
        intake.receive_from_form(ctx, qr_text=SAMPLE_QR, procedure_code="1.001193",
                                 papers=PAPERS, missing_action="accept", missing_reason=" ")
    assert Dossier.select().count() == 0
    info = intake.receive_from_form(ctx, qr_text=SAMPLE_QR, procedure_code="1.001193",
                                    papers=PAPERS, missing_action="accept",
                                    missing_reason="Công dân nộp bổ sung chiều nay")
    assert info.status == "received" and [p.name for p in info.papers] == ["Tờ khai"]
    event = DossierEvent.get(DossierEvent.kind == "received")
    assert event.note == ("Thiếu giấy tờ: Giấy chứng sinh. Vẫn tiếp nhận, lý do: Công dân "
                          "nộp bổ sung chiều nay")


def test_mau_02_receives_and_asks_for_the_papers_in_one_step(ctx):
    info = intake.receive_from_form(ctx, qr_text=OTHER_QR, procedure_code="1.001193",
                                    papers=PAPERS, missing_action="supplement")
    assert info.status == "supplement_requested"
    notes = [(e.kind, e.to_status, e.note) for e in info.events]
    assert notes[-1] == ("status", "supplement_requested", "Cần bổ sung: Giấy chứng sinh")
    assert Outbox.select().count() == 2


def test_lifecycle_buttons_keep_their_places():
    rows = {status: intake.next_statuses(status) for status in
            ("received", "processing", "done", "voided", "nonsense")}
    orders = {tuple(r[0] for r in buttons) for buttons in rows.values()}
    assert orders == {("processing", "supplement_requested", "done", "returned", "refused",
                       "withdrawn", "voided")}
    allowed = {status: [r[0] for r in buttons if r[3]] for status, buttons in rows.items()}
    assert allowed["done"] == ["returned"] and allowed["voided"] == []
    assert "voided" in allowed["received"] and allowed["nonsense"] == []
    assert {r[0] for r in rows["received"] if r[4]} == {"refused", "withdrawn", "voided"}


def test_a_supplement_at_reception_gets_mau_02_not_a_receipt(ctx):
    from sadec_desk.services import desk

    info = intake.receive_from_form(ctx, qr_text=OTHER_QR, procedure_code="1.001193",
                                    papers=PAPERS, missing_action="supplement")
    outcome = desk.after_receive(ctx, info.code)
    assert outcome.receipt is None and outcome.form_error == ""
    assert outcome.form.form == "02" and outcome.form.status == "saved"
    complete = intake.receive_from_form(ctx, qr_text=SAMPLE_QR, procedure_code="1.001193")
    assert desk.after_receive(ctx, complete.code).receipt.kind == "receipt"


def test_typed_names_are_saved_title_cased_and_waived_fees_use_the_legal_wording(ctx):
    info = intake.receive_from_form(
        ctx, qr_text="", procedure_code="1.001193",
        manual={"id_number": "087099001234", "full_name": "lê thị HOA",
                "date_of_birth": "05/06/1999", "gender": "Nữ", "address": "Sa Đéc"})
    assert info.citizen.full_name == "Lê Thị Hoa"
    assert intake.quote(ctx, "1.001193").fee_text == "Miễn lệ phí"

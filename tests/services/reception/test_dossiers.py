import json
import re
from datetime import timedelta

import pytest
from appfixtures import AGENCY, OTHER_QR, SAMPLE_QR, make_ctx, vn

from sadec_desk.db.models import Citizen, Dossier, DossierEvent, DossierSequence, Outbox
from sadec_desk.domain.cccd import CccdQrError
from sadec_desk.domain.lifecycle import IllegalTransition
from sadec_desk.errors import InvalidInput, NotFound
from sadec_desk.services import catalogue
from sadec_desk.services.reception import dossiers


def test_catalogue_is_seeded_with_the_ten_procedures(ctx):
    codes = [p.code for p in catalogue.list_procedures(ctx)]
    assert sorted(codes) == sorted([
        "1.001193", "1.000894", "1.000656", "1.004884", "1.004873",
        "2.000635", "2.000815", "2.000884", "1.001022", "1.004859"])


def test_receive_gives_code_due_fee_and_writes_event_and_outbox(ctx):
    info = dossiers.receive_dossier(ctx, procedure_code="2.000815", qr_text=SAMPLE_QR,
                                    phone="0912 345 678", pages=3, copies=2)
    assert info.code == f"{AGENCY}-261126-0001"
    assert re.fullmatch(r"[0-9a-f-]{36}", info.uuid)
    # 2 pages x 2,000 + 1 page x 1,000 per copy, two copies
    assert info.fee_vnd == 10_000
    # certified copy before the 15:00 cut-off: due the same day at closing time
    assert info.due_at == vn(2026, 11, 26, 17, 0)
    assert info.citizen.full_name == "Nguyễn Thị Hoa"
    assert info.phone == "0912345678"
    assert info.status == "received" and info.sync_state == "pending"
    assert [p.name for p in info.papers]  # the procedure's papers by default

    row = Dossier.get(Dossier.code == info.code)
    events = list(DossierEvent.select().where(DossierEvent.dossier == row))
    assert [(e.kind, e.to_status) for e in events] == [("received", "received")]
    outbox = list(Outbox.select())
    assert len(outbox) == 1 and outbox[0].dossier_uuid == info.uuid
    payload = json.loads(outbox[0].payload)
    assert payload["code"] == info.code and payload["citizen"]["id_number"] == "034303011829"

    second = dossiers.receive_dossier(ctx, procedure_code="1.004873", qr_text=OTHER_QR)
    assert second.code == f"{AGENCY}-261126-0002"
    # 3 working days from Thursday 26/11: Tue 1/12, same time of day
    assert second.due_at == vn(2026, 12, 1, 9, 0)


def test_numbering_restarts_each_day(ctx, clock):
    dossiers.receive_dossier(ctx, procedure_code="1.001193", qr_text=SAMPLE_QR)
    clock.moment = vn(2026, 11, 27, 8, 0)
    info = dossiers.receive_dossier(ctx, procedure_code="1.001193", qr_text=SAMPLE_QR)
    assert info.code == f"{AGENCY}-261127-0001"


def test_citizen_is_upserted_not_duplicated(ctx):
    dossiers.receive_dossier(ctx, procedure_code="1.001193", qr_text=SAMPLE_QR)
    moved = SAMPLE_QR.replace("Thôn Lai Ổn", "Ấp Hòa Khánh")
    dossiers.receive_dossier(ctx, procedure_code="1.001193", qr_text=moved, phone="0901234567")
    citizens = list(Citizen.select())
    assert len(citizens) == 1
    assert citizens[0].address.startswith("Ấp Hòa Khánh") and citizens[0].phone == "0901234567"


def test_bad_input_writes_nothing(ctx):
    with pytest.raises(CccdQrError):
        dossiers.receive_dossier(ctx, procedure_code="1.001193", qr_text="034303011829|abc")
    with pytest.raises(NotFound, match="9.999999.*catalog list"):
        dossiers.receive_dossier(ctx, procedure_code="9.999999", qr_text=SAMPLE_QR)
    with pytest.raises(InvalidInput, match="điện thoại"):
        dossiers.receive_dossier(ctx, procedure_code="1.001193", qr_text=SAMPLE_QR,
                                 phone="12ab")
    with pytest.raises(InvalidInput):
        dossiers.receive_dossier(ctx, procedure_code="2.000815", qr_text=SAMPLE_QR, pages=0)
    assert Dossier.select().count() == 0
    assert Outbox.select().count() == 0
    assert DossierSequence.select().count() == 0


def test_a_refused_dossier_is_neither_early_nor_late(ctx, clock):
    info = dossiers.receive_dossier(ctx, procedure_code="1.004873", qr_text=SAMPLE_QR)
    clock.moment = vn(2026, 12, 10, 9, 0)  # long past its due date, then refused
    refusal = dossiers.advance_dossier(ctx, info.code, "refused", note="Không thuộc thẩm quyền")
    assert refusal.deadline_state == "not_counted"
    assert dossiers.get_dossier(ctx, info.code).deadline_state == "not_counted"


def test_lifecycle_moves_and_refusals(ctx, clock):
    info = dossiers.receive_dossier(ctx, procedure_code="1.004873", qr_text=SAMPLE_QR)
    with pytest.raises(IllegalTransition) as refused:
        dossiers.advance_dossier(ctx, info.code, "returned")
    assert "processing" in str(refused.value) and "done" in str(refused.value)
    with pytest.raises(InvalidInput, match="lý do"):
        dossiers.advance_dossier(ctx, info.code, "refused")
    with pytest.raises(InvalidInput, match="done"):
        dossiers.advance_dossier(ctx, info.code, "finished")

    dossiers.advance_dossier(ctx, info.code, "processing")
    clock.moment = vn(2026, 11, 27, 10, 0)  # done early: due on 1/12
    done = dossiers.advance_dossier(ctx, info.code, "done", note="Đã ký")
    assert done.finished_at == vn(2026, 11, 27, 10, 0)
    assert done.deadline_state == "early"
    clock.moment = vn(2026, 12, 2, 10, 0)
    returned = dossiers.advance_dossier(ctx, info.code, "returned")
    assert returned.finished_at == vn(2026, 11, 27, 10, 0)  # result was ready then
    assert [(e.from_status, e.to_status) for e in returned.events] == [
        (None, "received"), ("received", "processing"), ("processing", "done"),
        ("done", "returned")]
    assert Outbox.select().count() == 4
    assert Dossier.get(Dossier.code == info.code).sync_state == "pending"


def test_open_dossier_turns_late_after_due(ctx, clock):
    info = dossiers.receive_dossier(ctx, procedure_code="1.004873", qr_text=SAMPLE_QR)
    assert info.deadline_state == "on_time"
    clock.moment = info.due_at + timedelta(minutes=1)
    assert dossiers.get_dossier(ctx, info.code).deadline_state == "late"


def test_reschedule_records_reason_and_new_due(ctx):
    info = dossiers.receive_dossier(ctx, procedure_code="1.004873", qr_text=SAMPLE_QR)
    with pytest.raises(InvalidInput, match="sau ngày hẹn cũ"):
        dossiers.reschedule_dossier(ctx, info.code, info.due_at - timedelta(days=1), "x")
    new_due = vn(2026, 12, 4, 9, 0)
    moved = dossiers.reschedule_dossier(ctx, info.code, new_due, "Chờ xác minh")
    assert moved.due_at == new_due
    assert moved.events[-1].kind == "rescheduled" and moved.events[-1].note == "Chờ xác minh"
    assert Outbox.select().where(Outbox.op == "dossier.rescheduled").count() == 1


def test_find_by_code_uuid_or_receipt_qr(ctx):
    info = dossiers.receive_dossier(ctx, procedure_code="1.001193", qr_text=SAMPLE_QR)
    assert dossiers.get_dossier(ctx, info.uuid).code == info.code
    assert dossiers.get_dossier(ctx, info.code.lower()).uuid == info.uuid
    url = f"https://dichvucong.dongthap.gov.vn/tra-cuu?ma={info.code}"
    assert dossiers.get_dossier(ctx, url).uuid == info.uuid
    with pytest.raises(NotFound, match="Không tìm thấy"):
        dossiers.get_dossier(ctx, f"{AGENCY}-261126-0099")


def test_list_newest_first_and_by_status(ctx, clock):
    codes = []
    for minute in range(3):
        clock.moment = vn(2026, 11, 26, 9, minute)
        codes.append(dossiers.receive_dossier(ctx, procedure_code="1.001193",
                                              qr_text=SAMPLE_QR).code)
    dossiers.advance_dossier(ctx, codes[0], "processing")
    assert [d.code for d in dossiers.list_dossiers(ctx)] == codes[::-1]
    assert [d.code for d in dossiers.list_dossiers(ctx, status="processing")] == [codes[0]]
    assert [d.code for d in dossiers.list_dossiers(ctx, limit=1)] == [codes[2]]


def test_same_day_policy_weekday_makes_eligible_procedures_due_today(clock):
    ctx = make_ctx(clock, calendar__same_day_weekdays=[3])  # Thursday
    try:
        eligible = dossiers.receive_dossier(ctx, procedure_code="1.004873", qr_text=SAMPLE_QR)
        assert eligible.due_at == vn(2026, 11, 26, 17, 0)
        not_eligible = dossiers.receive_dossier(ctx, procedure_code="1.004859",
                                                qr_text=SAMPLE_QR)
        assert not_eligible.due_at == vn(2026, 12, 1, 9, 0)
    finally:
        ctx.close()


def test_council_fee_comes_from_settings(clock):
    ctx = make_ctx(clock, fees__council={"1.004873": 5000})
    try:
        info = dossiers.receive_dossier(ctx, procedure_code="1.004873", qr_text=SAMPLE_QR)
        assert info.fee_vnd == 5000
        listed = {p.code: p for p in catalogue.list_procedures(ctx)}
        assert listed["1.004873"].fee_amount_vnd == 5000
        assert "5.000" in listed["1.004873"].fee_text
    finally:
        ctx.close()


def test_an_office_first_met_in_a_rolled_back_transaction_is_not_remembered(ctx):
    from sadec_desk.db.models import Office

    class Abort(Exception):
        pass

    with pytest.raises(Abort), ctx.database.atomic():
        assert ctx.office().agency_code == ctx.config["office.agency_code"]
        raise Abort
    assert Office.select().count() == 0
    info = dossiers.receive_dossier(ctx, procedure_code="1.004873", qr_text=SAMPLE_QR)
    assert info.code.startswith(ctx.config["office.agency_code"])

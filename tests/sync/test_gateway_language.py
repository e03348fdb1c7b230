"""What the provincial gateway receives is Vietnamese whatever the language of the clerk's
screen (sadec_desk/i18n.py): a dossier received, moved on and rescheduled from an English
interface reaches the fake gateway with the same words as from a Vietnamese one."""

import json

import pytest
from appfixtures import OTHER_QR, SAMPLE_QR, Clock, make_ctx, vn
from fakegateway import FakeGateway

from sadec_desk import i18n
from sadec_desk.services.reception import dossiers, intake
from sadec_desk.sync import engine, state


@pytest.fixture
def gateway():
    fake = FakeGateway("service-in-body")
    try:
        yield fake
    finally:
        fake.stop()
        i18n.set_language("vi")  # make_ctx below set it to English: do not leak it


def test_the_gateway_record_of_an_english_desk_is_vietnamese(gateway):
    clock = Clock(vn(2026, 11, 26, 9, 0))
    ctx = make_ctx(clock, ui__language="en", **gateway.settings())
    try:
        with ctx.database.atomic():
            state.set_state(ctx, "gateway_password", "mật-khẩu")
        # the interface is English: the status names, the kinds and the fee's words are
        # translated on the screen
        assert (i18n._("Đang xử lý"), i18n._("bản sao"), i18n._("Tiếp nhận hồ sơ")) == (
            "Processing", "copy", "Dossier received")
        paid = dossiers.receive_dossier(ctx, procedure_code="2.000815", qr_text=SAMPLE_QR,
                                        pages=3)
        asked = intake.receive_from_form(
            ctx, qr_text=OTHER_QR, procedure_code="1.001193", missing_action="supplement",
            papers=[intake.FormPaper("Tờ khai", "original", 1, True),
                    intake.FormPaper("Giấy chứng sinh", "original", 1, False)])
        clock.moment = vn(2026, 11, 26, 10, 0)
        dossiers.advance_dossier(ctx, paid.code, "processing", note="Chuyển cán bộ tư pháp")
        dossiers.reschedule_dossier(ctx, paid.code, vn(2026, 12, 10, 9, 0), "chờ xác minh")
        report = engine.run_once(ctx)
        assert (report.error, gateway.problems) == ("", [])
    finally:
        ctx.close()

    record = gateway.records[paid.code]
    name = "Chứng thực bản sao từ bản chính"
    assert record["DanhSachLePhi"][0]["TenPhiLePhi"] == f"Phí, lệ phí {name}"
    assert record["DanhSachTepDinhKemKhac"] == [
        {"TenGiayTo": "Bản chính giấy tờ, văn bản cần chứng thực bản sao (bản chính)",
         "SoLuong": 1, "LoaiGiayTo": 0},
        {"TenGiayTo": "Bản sao cần chứng thực (bản sao)", "SoLuong": 1, "LoaiGiayTo": 0}]
    steps = [(p["MaHoSo"], p["NguoiXuLy"], p["NoiDungXuLy"]) for p in gateway.progress]
    assert steps == [
        (paid.code, "Chuyên viên", "Tiếp nhận hồ sơ"),
        (asked.code, "Chuyên viên", "Tiếp nhận hồ sơ"),
        # the supplement asked at reception: the status name and the stored note
        (asked.code, "Chuyên viên", "Yêu cầu bổ sung: Cần bổ sung: Giấy chứng sinh"),
        (paid.code, "Chuyên viên", "Đang xử lý: Chuyển cán bộ tư pháp"),
        (paid.code, "Chuyên viên", "Gia hạn đến 09:00 10/12/2026: chờ xác minh")]
    sent = json.dumps([gateway.records, gateway.progress], ensure_ascii=False)
    for english in ("Processing", "Supplement", "Dossier received", "original", "copy",
                    "Fee", "Officer", "Missing", "Extended"):
        assert english not in sent, english

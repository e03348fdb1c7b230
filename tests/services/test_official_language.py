"""Official texts are Vietnamese whatever the interface language (sadec_desk/i18n.py): the
printed slips, the forms and the notes stored in a dossier's history, written while the
clerk's screen is in English; the screen's own words still come out in English."""

from __future__ import annotations

import shutil
import subprocess
import threading

import pytest
from appfixtures import OTHER_QR, SAMPLE_QR, make_ctx

from sadec_desk import i18n
from sadec_desk.db.models import DossierEvent
from sadec_desk.domain.lifecycle import STATUS_LABELS, DossierStatus
from sadec_desk.errors import InvalidInput
from sadec_desk.printers.encode import encode_cp1258
from sadec_desk.services import display
from sadec_desk.services.documents import dossier_forms, office_forms
from sadec_desk.services.printing import jobs as printing
from sadec_desk.services.printing import slips
from sadec_desk.services.reception import dossiers, intake

PAPERS = [intake.FormPaper("Tờ khai", "original", 1, True),
          intake.FormPaper("Giấy chứng sinh", "original", 1, False)]


@pytest.fixture
def english():
    """The interface in English for the test, and back to Vietnamese after it (the
    language is process-wide: it must not leak into the next test)."""
    i18n.set_language("en")
    try:
        yield
    finally:
        i18n.set_language("vi")


def _bin(ctx) -> bytes:
    files = sorted((ctx.config.data_dir / "print-preview").glob("*.bin"),
                   key=lambda p: p.stat().st_mtime_ns)
    return files[-1].read_bytes()


def test_the_interface_really_is_english_here(english):
    # the screen's words: translated (otherwise the other tests here prove nothing)
    assert i18n._("Tiếp nhận hồ sơ") == "Dossier received"
    assert STATUS_LABELS[DossierStatus.PROCESSING] == "Processing"
    assert display.result_delivery_label("office") == "At the one-stop desk"
    assert [title for _n, title in office_forms.form_titles()][0] == \
        "Receipt and appointment for the result"


def test_history_notes_written_in_english_are_stored_in_vietnamese(ctx, english):
    assert i18n._("Lệ phí") == "Fee"
    accepted = intake.receive_from_form(ctx, qr_text=SAMPLE_QR, procedure_code="1.001193",
                                        papers=PAPERS, missing_action="accept",
                                        missing_reason="Công dân nộp bổ sung chiều nay")
    asked = intake.receive_from_form(ctx, qr_text=OTHER_QR, procedure_code="1.001193",
                                     papers=PAPERS, missing_action="supplement")
    received = DossierEvent.get(DossierEvent.kind == "received",
                                DossierEvent.note != "")
    assert received.note == ("Thiếu giấy tờ: Giấy chứng sinh. Vẫn tiếp nhận, lý do: Công dân "
                             "nộp bổ sung chiều nay")
    assert asked.events[-1].note == "Cần bổ sung: Giấy chứng sinh"
    assert accepted.status == "received"
    # the portal's copy of the received dossier carries the Vietnamese status name
    from sadec_desk.db.models import Outbox

    payload = Outbox.get(Outbox.dossier_uuid == accepted.uuid).payload
    assert '"status_label": "Đã tiếp nhận"' in payload
    # while the screen shows the dossier's status in English
    assert accepted.status_label == "Received"


def test_printed_receipt_and_return_slip_are_vietnamese(clock, english):
    # opening the app applies ui.language: English here too
    ctx = make_ctx(clock, printing__mode="text", printing__text_encoding="cp1258",
                   ui__language="en")
    try:
        assert i18n._("Lệ phí") == "Fee"
        info = dossiers.receive_dossier(ctx, procedure_code="1.001193", qr_text=SAMPLE_QR)
        data = slips.receipt_data(ctx, info)
        assert data["fee"] == "Miễn lệ phí" and data["result_delivery"] == "Tại Bộ phận một cửa"
        assert {p["kind"] for p in data["papers"]} <= {"bản chính", "bản sao",
                                                       "bản chính hoặc bản sao"}
        assert printing.print_receipt(ctx, info.code).status == "printed"
        receipt = _bin(ctx)
        for words in ("Người nộp", "Thủ tục", "Hẹn trả kết quả", "Lệ phí", "Miễn lệ phí",
                      "Tại Bộ phận một cửa", "Giấy tờ đã nhận:", "bản chính"):
            assert encode_cp1258(words) in receipt, words
        for english_words in (b"Applicant", b"Procedure", b"Result due", b"Fee", b"No fee",
                              b"original", b"At the one-stop desk"):
            assert english_words not in receipt, english_words
        dossiers.advance_dossier(ctx, info.code, "processing")
        dossiers.advance_dossier(ctx, info.code, "done")
        dossiers.advance_dossier(ctx, info.code, "returned")
        assert printing.print_return_slip(ctx, info.code).status == "printed"
        slip = _bin(ctx)
        assert encode_cp1258("Người nộp") in slip and b"Applicant" not in slip
        assert encode_cp1258(slips.return_slip_data(ctx, dossiers.get_dossier(
            ctx, info.code))["deadline"]) in slip
        assert b"On time" not in slip and b"Early" not in slip
        # a queue ticket too (its job title is stored: Vietnamese as well)
        job = printing.print_ticket(ctx, number="A001", service="Hộ tịch")
        assert job.status == "printed" and job.title == "Số A001"
        assert encode_cp1258("Số người chờ trước bạn") in _bin(ctx)
    finally:
        ctx.close()


def test_forms_are_vietnamese_and_their_refusals_follow_the_interface(ctx, english):
    assert i18n._("Lệ phí") == "Fee"
    info = dossiers.receive_dossier(ctx, procedure_code="2.000815", qr_text=SAMPLE_QR,
                                    pages=3)
    dossiers.advance_dossier(ctx, info.code, "processing", note="Chuyển cán bộ tư pháp")
    first = dossier_forms.form_document(ctx, info.code, "01")
    assert first.title == "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ"
    table = next(item for item in first.body if isinstance(item, tuple) and item[0] == "table")
    assert table[1][0] == ["STT", "Tên giấy tờ", "Hình thức", "Số lượng"]
    assert [row[2] for row in table[1][1:]] == ["bản chính", "bản sao"]
    assert first.signatures[1][0] == "NGƯỜI TIẾP NHẬN HỒ SƠ"
    control = dossier_forms.form_document(ctx, info.code, "05")
    rows = next(item for item in control.body if isinstance(item, tuple))[1]
    assert rows[0] == ["Thời gian", "Người thực hiện", "Nội dung, kết quả", "Ghi chú"]
    assert rows[1][2].startswith("Tiếp nhận hồ sơ")
    assert rows[2][2].startswith("Đã tiếp nhận → Đang xử lý")
    assert rows[2][3] == "Chuyển cán bộ tư pháp"
    assert control.title == "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ"
    # and a refusal is the interface's: English
    with pytest.raises(InvalidInput, match="no supplement request yet"):
        dossier_forms.form_document(ctx, info.code, "02")


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="needs poppler-utils (pdftotext)")
def test_the_tracking_book_mau_06_is_vietnamese(ctx, english, tmp_path):
    from sadec_desk.services.reports import build

    refused = dossiers.receive_dossier(ctx, procedure_code="1.001193", qr_text=SAMPLE_QR)
    dossiers.advance_dossier(ctx, refused.code, "refused", note="Không thuộc thẩm quyền")
    info = build.export_book(ctx, "2026-11-01", "2026-11-30", out=tmp_path / "so.pdf")
    raw = subprocess.run(["pdftotext", "-raw", info.path, "-"], capture_output=True,
                         text=True, check=True, timeout=60).stdout
    text = " ".join(raw.split())
    for words in ("SỔ THEO DÕI HỒ SƠ", "Mẫu số 06", "Tên cá nhân, tổ chức", "Ghi chú",
                  "Từ chối: Không thuộc thẩm quyền", "Kỳ báo cáo: 01/11/2026", "Lập lúc",
                  "Trang 1"):
        assert words in text, words
    for english_words in ("Refused", "Report period", "Made at", "Page 1", "Note"):
        assert english_words not in text, english_words


def test_the_vietnamese_block_is_per_thread():
    i18n.set_language("en")
    try:
        seen = {}
        inside, done = threading.Event(), threading.Event()

        def worker():
            with i18n.vietnamese_texts():
                seen["worker"] = STATUS_LABELS[DossierStatus.RECEIVED]
                inside.set()
                done.wait(5)

        thread = threading.Thread(target=worker)
        thread.start()
        assert inside.wait(5)
        seen["main"] = STATUS_LABELS[DossierStatus.RECEIVED]  # while the worker is inside
        done.set()
        thread.join(5)
        assert seen == {"worker": "Đã tiếp nhận", "main": "Received"}
        assert i18n.vietnamese("Tiếp nhận hồ sơ") == "Tiếp nhận hồ sơ"
    finally:
        i18n.set_language("vi")

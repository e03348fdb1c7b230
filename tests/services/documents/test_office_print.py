"""The A5 forms on the office printer (services/office_print.py): a raw queue on a private
CUPS scheduler (tests/cupsserver.py) stands for the laser printer; its AppSocket emulator
records the bytes CUPS hands over."""

from __future__ import annotations

import shutil
import subprocess
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from appfixtures import SAMPLE_QR, make_ctx
from cupsserver import CupsServer, cups_server  # noqa: F401 (the fixture)
from printer_emulator import PrinterEmulator, refusing_port

from sadec_desk.domain.timezone import VN_TZ
from sadec_desk.errors import InvalidInput
from sadec_desk.services.access import PermissionDenied
from sadec_desk.services.admin import office
from sadec_desk.services.admin.users import UserInfo
from sadec_desk.services.documents import office_forms
from sadec_desk.services.reception import dossiers

pytestmark = pytest.mark.skipif(not shutil.which("pdftotext"),
                                reason="poppler-utils (pdftotext) is not installed")

TIMEOUT = 1  # printing.timeout_seconds: lp is killed after 2 s


def pdf_text(path) -> str:
    raw = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                         check=True, timeout=60).stdout
    return " ".join(raw.split())


def open_ctx(clock, printer: str = ""):
    ctx = make_ctx(clock, office__name="UBND phường 1", printing__office_printer=printer,
                   printing__timeout_seconds=TIMEOUT)
    office.init_office(ctx)
    return ctx


def refused(ctx) -> str:
    info = dossiers.receive_dossier(ctx, procedure_code="2.000635", qr_text=SAMPLE_QR)
    dossiers.advance_dossier(ctx, info.code, "refused",
                             note="Người yêu cầu không thuộc phạm vi giải quyết của xã")
    return info.code


@pytest.fixture
def laser(cups_server: CupsServer, monkeypatch) -> PrinterEmulator:  # noqa: F811
    """Raw queue VanPhong on the private scheduler."""
    with cups_server.raw_queue("VanPhong", monkeypatch) as printer:
        yield printer


def test_without_an_office_printer_the_form_is_saved_with_the_reason_and_masked_id(clock):
    ctx = open_ctx(clock)
    try:
        code = refused(ctx)
        result = office_forms.print_form_for(ctx, code, "3")
        assert (result.status, result.form, result.printer, result.code) == (
            "saved", "03", "", code)
        path = Path(result.path)
        assert path.parent == ctx.config.data_dir / "forms"
        assert path.name == f"{code}.mau03.du-lieu-ca-nhan.pdf"
        assert path.read_bytes().startswith(b"%PDF")
        text = pdf_text(path)
        assert "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ" in text
        assert "Người yêu cầu không thuộc phạm vi giải quyết của xã" in text
        assert "********1829" in text and "034303011829" not in text
        assert result.message.startswith("Đã lưu Mẫu 03") and str(path) in result.message
        # Mẫu 04 carries the new appointment and the reason
        other = dossiers.receive_dossier(ctx, procedure_code="2.000635", qr_text=SAMPLE_QR)
        dossiers.reschedule_dossier(ctx, other.code, datetime(2026, 12, 4, 10, tzinfo=VN_TZ),
                                    "Chờ kết quả xác minh của Công an")
        mau04 = pdf_text(office_forms.print_form_for(ctx, other.code, "04").path)
        assert "10:00" in mau04 and "04/12/2026" in mau04
        assert "Chờ kết quả xác minh của Công an" in mau04
        # rescheduled before the appointment: the apology foresees the delay
        assert "không thể trả kết quả giải quyết hồ sơ của Ông/Bà đúng thời hạn" in mau04
        assert "đến nay" not in mau04
    finally:
        ctx.close()


def test_mau_04_after_the_appointment_says_the_result_is_not_ready(clock):
    ctx = open_ctx(clock)
    try:
        info = dossiers.receive_dossier(ctx, procedure_code="2.000635", qr_text=SAMPLE_QR)
        clock.moment = info.due_at + timedelta(days=1)
        dossiers.reschedule_dossier(ctx, info.code, clock.moment + timedelta(days=2),
                                    "Chờ kết quả xác minh")
        mau04 = pdf_text(office_forms.print_form_for(ctx, info.code, "04").path)
        assert "Tuy nhiên đến nay, UBND phường 1 chưa trả kết quả" in mau04
        assert "không thể trả" not in mau04
    finally:
        ctx.close()


def test_the_office_printer_gets_the_pdf_through_cups(clock, laser):
    ctx = open_ctx(clock, "VanPhong")
    try:
        code = refused(ctx)
        result = office_forms.print_form_for(ctx, code, "03")
        assert result.status == "printed" and result.printed, result.message
        assert result.message == f"Đã in Mẫu 03 của hồ sơ {code} ra máy in VanPhong."
        received = laser.wait_for_jobs(1, timeout=10)[0]
        assert received.startswith(b"%PDF")
        assert received == Path(result.path).read_bytes()  # a raw queue changes nothing
    finally:
        ctx.close()


def test_an_unknown_queue_is_a_sentence_and_the_pdf_stays(clock, laser):
    ctx = open_ctx(clock, "MayInKhongCo")
    try:
        code = refused(ctx)
        result = office_forms.print_form_for(ctx, code, "03")
        assert result.status == "failed" and not result.printed
        assert "CUPS không có máy in 'MayInKhongCo'" in result.error
        assert "VanPhong" in result.error  # the queues there are
        assert result.message.startswith(f"Chưa in được Mẫu 03 của hồ sơ {code}")
        assert Path(result.path).read_bytes().startswith(b"%PDF")
        assert result.path in result.message
        assert laser.jobs == []
    finally:
        ctx.close()


def test_no_scheduler_or_a_silent_one_fails_in_time(clock, monkeypatch):
    ctx = open_ctx(clock, "VanPhong")
    try:
        code = refused(ctx)
        dead = f"127.0.0.1:{refusing_port()}"
        monkeypatch.setenv("CUPS_SERVER", dead)
        result = office_forms.print_form_for(ctx, code, "03")
        assert result.status == "failed"
        assert "Không kết nối được dịch vụ in CUPS" in result.error and dead in result.error
        with PrinterEmulator("stall") as silent:  # accepts the connection, then says nothing
            monkeypatch.setenv("CUPS_SERVER", f"127.0.0.1:{silent.port}")
            started = time.monotonic()
            result = office_forms.print_form_for(ctx, code, "03")
            elapsed = time.monotonic() - started
        assert result.status == "failed" and Path(result.path).is_file()
        assert elapsed < 2 * TIMEOUT + TIMEOUT + 2  # lp killed at 2 s, lpstat at 1 s
        assert "giây" in result.error or "CUPS" in result.error
    finally:
        ctx.close()


def test_a_form_that_cannot_be_made_and_roles(clock):
    ctx = open_ctx(clock)
    try:
        info = dossiers.receive_dossier(ctx, procedure_code="2.000635", qr_text=SAMPLE_QR)
        with pytest.raises(InvalidInput, match="chưa có quyết định từ chối"):
            office_forms.print_form_for(ctx, info.code, "03")
        assert not list((ctx.config.data_dir / "forms").glob("*.pdf"))
        assert office_forms.form_for("refused") == "03"
        assert office_forms.form_for("rescheduled") == "04"
        assert office_forms.form_for("processing") is None
        ctx.user = UserInfo(id=1, username="x", full_name="Người x", role="clerk",
                            role_label="clerk", secret_kind="pin", counter=1, active=True,
                            last_sign_in_at=None)
        assert office_forms.print_form_for(ctx, info.code, "01").status == "saved"
        ctx.user, ctx.sign_in_required = None, True  # the GUI with nobody signed in
        with pytest.raises(PermissionDenied):
            office_forms.print_form_for(ctx, info.code, "01")
    finally:
        ctx.close()

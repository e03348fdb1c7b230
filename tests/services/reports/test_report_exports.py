"""Exports (issue #7, Required 2): the report as PDF with charts and as XLSX, the
tracking book (Mẫu 06) and the forms Mẫu 01-05 as PDF, with correct Vietnamese text."""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import timedelta

import openpyxl
import pytest
from appfixtures import SAMPLE_QR, make_ctx, vn
from report_samples import _month

from sadec_desk.cli import main
from sadec_desk.errors import InvalidInput
from sadec_desk.services.access import PermissionDenied
from sadec_desk.services.admin import office
from sadec_desk.services.admin.users import UserInfo
from sadec_desk.services.documents import dossier_forms
from sadec_desk.services.reception import dossiers, feedback
from sadec_desk.services.reports import build

pytestmark = pytest.mark.skipif(not shutil.which("pdftotext"),
                                reason="poppler-utils (pdftotext) is not installed")


def pdf_text(path, *options: str) -> str:
    """The PDF's text in reading order, whitespace collapsed (table cells wrap)."""
    raw = subprocess.run(["pdftotext", *options, str(path), "-"], capture_output=True,
                         text=True, check=True, timeout=60).stdout
    return " ".join(raw.split())


def pdf_pages(path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True,
                          timeout=60).stdout
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages")))


@pytest.fixture
def ctx(clock):
    context = make_ctx(clock, office__name="UBND xã Tân Khánh Đông")
    office.init_office(context)
    yield context
    context.close()


def _as(ctx, role):
    ctx.user = UserInfo(id=1, username=role, full_name=f"Người {role}", role=role,
                        role_label=role, secret_kind="password", counter=None, active=True,
                        last_sign_in_at=None)


def test_report_pdf_has_vietnamese_text_and_charts(ctx, clock, tmp_path):
    _month(ctx, clock)
    feedback.record_satisfaction(ctx, "satisfied")
    info = build.export_report(ctx, "2026-11-01", "2026-11-30", fmt="pdf",
                                 out=tmp_path / "bao-cao.pdf")
    assert info.path == str(tmp_path / "bao-cao.pdf") and not info.personal_data
    text = pdf_text(info.path)
    for expected in ("BÁO CÁO TÌNH HÌNH GIẢI QUYẾT HỒ SƠ", "UBND XÃ TÂN KHÁNH ĐÔNG",
                     "Kỳ báo cáo: 01/11/2026 – 30/11/2026", "tỷ lệ đúng hạn 50,0 %",
                     "Cấp giấy xác nhận tình trạng hôn nhân", "Mức độ hài lòng"):
        assert expected in text, expected
    images = subprocess.run(["pdfimages", "-list", info.path], capture_output=True, text=True,
                            check=True, timeout=60).stdout.splitlines()[2:]
    assert len(images) >= 2  # the deadline and channel charts
    # no applicant names in the report
    assert "Nguyễn Thị Hoa" not in text
    assert not list(tmp_path.glob(".*.tmp"))  # the atomic write's temp file (sadec_desk.files)


def test_report_xlsx_and_its_book_sheet(ctx, clock, tmp_path):
    _month(ctx, clock)
    plain = build.export_report(ctx, "2026-11-01", "2026-11-30", fmt="xlsx",
                                  out=tmp_path / "bao-cao.xlsx")
    wb = openpyxl.load_workbook(plain.path)
    assert wb.sheetnames == ["Tổng hợp", "Theo thủ tục", "Quá hạn", "Xếp hàng", "Hài lòng"]
    overview = {row[0]: row[1] for row in wb["Tổng hợp"].iter_rows(min_row=2, values_only=True)}
    assert overview["Hồ sơ tiếp nhận"] == 7 and overview["Tỷ lệ đúng hạn"] == 0.5
    rows = list(wb["Theo thủ tục"].iter_rows(values_only=True))
    assert rows[0][0] == "Mã TTHC" and ("1.004873", "Cấp giấy xác nhận tình trạng hôn nhân",
                                        6, 4, 1, 1, 2, 0.5) in rows
    with_book = build.export_report(ctx, "2026-11-01", "2026-11-30", fmt="xlsx",
                                      out=tmp_path / "bao-cao-day-du.xlsx", book=True)
    assert with_book.personal_data
    assert with_book.path == str(tmp_path / "bao-cao-day-du.du-lieu-ca-nhan.xlsx")
    book = list(openpyxl.load_workbook(with_book.path)["Sổ theo dõi (Mẫu 06)"]
                .iter_rows(values_only=True))
    assert len(book) == 8 and book[1][4] == "Nguyễn Thị Hoa"


def test_book_pdf_runs_over_pages_with_its_header(ctx, clock, tmp_path):
    clock.moment = vn(2026, 11, 2, 8, 0)
    for _i in range(90):
        clock.moment += timedelta(minutes=3)
        dossiers.receive_dossier(ctx, procedure_code="2.000815", qr_text=SAMPLE_QR, pages=1,
                                 phone="0912345678")
    info = build.export_book(ctx, "2026-11-01", "2026-11-30", out=tmp_path / "so.pdf")
    assert info.path.endswith("so.du-lieu-ca-nhan.pdf") and info.personal_data
    assert info.pages == pdf_pages(info.path) >= 2
    text = pdf_text(info.path, "-raw")  # drawing order: cell by cell
    assert text.count("SỔ THEO DÕI HỒ SƠ") == 1
    assert text.count("Tên cá nhân, tổ chức") == info.pages  # the header on every page
    assert "Nguyễn Thị Hoa" in text and "0912345678" in text
    assert "000.00.14.H20-261102-0090" in text.replace("- ", "-")  # may wrap after a dash


def test_forms_01_to_05(ctx, clock, tmp_path):
    a, b, c, d, e, f, g = _month(ctx, clock)
    dossiers.advance_dossier(ctx, g.code, "supplement_requested", note="Bổ sung bản sao giấy "
                             "khai sinh")
    expected = {"01": (a.code, "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ", "Tờ khai"),
                "02": (g.code, "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ", "Bổ sung bản sao"),
                "03": (f.code, "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ", "Thiếu giấy tờ"),
                "04": (d.code, "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ", "Chờ xác minh"),
                "05": (d.code, "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ", "Đã có kết quả")}
    for form, (code, title, detail) in expected.items():
        info = dossier_forms.print_form(ctx, code, form, out=tmp_path / f"mau{form}.pdf")
        assert info.path.endswith(f"mau{form}.du-lieu-ca-nhan.pdf")
        text = pdf_text(info.path)
        assert f"Mẫu số {form}" in text and title in text and detail in text, form
        assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text and code in text
        # the slip masks the ID number
        assert "********1829" in text and "034303011829" not in text
        assert pdf_pages(info.path) == 1
    mau04 = pdf_text(tmp_path / "mau04.du-lieu-ca-nhan.pdf")
    assert d.due_at.strftime("%d/%m/%Y") in mau04  # the original appointment
    with pytest.raises(InvalidInput, match="chưa có yêu cầu bổ sung"):
        dossier_forms.print_form(ctx, a.code, "02", out=tmp_path / "x.pdf")
    with pytest.raises(InvalidInput, match="chọn 01, 02, 03, 04 hoặc 05"):
        dossier_forms.print_form(ctx, a.code, "06", out=tmp_path / "x.pdf")
    with pytest.raises(InvalidInput, match="đuôi .pdf"):
        dossier_forms.print_form(ctx, a.code, "01", out=tmp_path / "x.txt")


def test_personal_data_exports_need_leader_or_it(ctx, clock, tmp_path):
    tmp_path = tmp_path / "exports"
    tmp_path.mkdir()
    code = dossiers.receive_dossier(ctx, procedure_code="2.000815", qr_text=SAMPLE_QR,
                                    pages=1).code
    _as(ctx, "clerk")
    with pytest.raises(PermissionDenied, match="Lãnh đạo"):
        build.export_book(ctx, "2026-11-01", "2026-11-30", out=tmp_path / "so.pdf")
    with pytest.raises(PermissionDenied):
        build.export_report(ctx, "2026-11-01", "2026-11-30", fmt="xlsx",
                              out=tmp_path / "b.xlsx", book=True)
    assert not list(tmp_path.iterdir())
    # what a clerk may write: the report without names, and the slip for the citizen
    build.export_report(ctx, "2026-11-01", "2026-11-30", fmt="xlsx", out=tmp_path / "b.xlsx")
    dossier_forms.print_form(ctx, code, "01", out=tmp_path / "m.pdf")
    for role in ("leader", "it"):
        _as(ctx, role)
        assert build.export_book(ctx, "2026-11-01", "2026-11-30",
                                   out=tmp_path / f"so-{role}.pdf").personal_data


def test_cli_exports(ctx, clock, tmp_path, capsys):
    a, *_ = _month(ctx, clock)
    ctx.close()
    out = tmp_path / "r.pdf"
    assert main(["report", "export", "--from", "2026-11-01", "--to", "2026-11-30",
                 "--format", "pdf", "--out", str(out)]) == 0
    assert out.is_file() and "Đã ghi" in capsys.readouterr().out
    assert main(["report", "book", "--from", "2026-11-01", "--to", "2026-11-30",
                 "--out", str(tmp_path / "so.pdf"), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["personal_data"] and data["path"].endswith(".du-lieu-ca-nhan.pdf")
    assert main(["form", "print", a.code, "--form", "01", "--out",
                 str(tmp_path / "m01.pdf")]) == 0
    assert "dữ liệu cá nhân" in capsys.readouterr().out
    assert main(["report", "export", "--from", "2026-11-01", "--to", "2026-11-30",
                 "--format", "pdf", "--book", "--out", str(out)]) == 2
    assert "report book" in capsys.readouterr().err

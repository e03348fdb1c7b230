"""The counter hands the citizen the matching A5 form after a life-cycle step: Mẫu 03 on
a refusal, Mẫu 04 on a new appointment; with no office printer set the PDF is saved in
the data dir and the message bar says where (services/office_print.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from appfixtures import SAMPLE_QR
from guikit import find, pdf_text, sign_in_clerk, type_text

from sadec_desk.services.reception import dossiers

pytestmark = pytest.mark.skipif(not shutil.which("pdftotext"),
                                reason="poppler-utils (pdftotext) is not installed")



def buttons(counter) -> dict:
    return {b.cget("text"): b for b in counter.lifecycle.winfo_children()}



def test_refuse_and_reschedule_give_mau_03_and_04(shell, ctx):
    counter = sign_in_clerk(shell, ctx)
    shell.tasks.slowest = (0.0, "")  # building the screen is not what is measured here
    forms = ctx.config.data_dir / "forms"
    info = dossiers.receive_dossier(ctx, procedure_code="2.000635", qr_text=SAMPLE_QR)
    find(shell, counter, info.code)
    assert str(counter.open_form_button.cget("state")) == "disabled"
    counter.note.insert(0, "Hồ sơ không thuộc thẩm quyền giải quyết của phường")
    buttons(counter)["Từ chối"].invoke()
    # asked first; the reason comes from the note field
    assert counter.dialog.reason.get() == "Hồ sơ không thuộc thẩm quyền giải quyết của phường"
    counter.dialog.buttons["Từ chối"].invoke()
    assert shell.tasks.pump(until=lambda: "Đã lưu Mẫu 03" in counter.find_message.text)
    path = forms / f"{info.code}.mau03.du-lieu-ca-nhan.pdf"
    # the line says what to do; where the file lies is behind "Chi tiết" (#17 item 3)
    assert "«Mở tệp PDF»" in counter.find_message.text
    assert str(path) in counter.find_message.details
    text = pdf_text(path)
    assert "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ" in text
    assert "Hồ sơ không thuộc thẩm quyền giải quyết của phường" in text
    assert "********1829" in text and "034303011829" not in text
    assert str(counter.open_form_button.cget("state")) == "normal"
    assert counter.form_path == str(path)

    other = dossiers.receive_dossier(ctx, procedure_code="1.004873", qr_text=SAMPLE_QR)
    find(shell, counter, other.code)
    type_text(counter.new_due, "04/12/2026 10:00")
    counter.note.insert(0, "Chờ kết quả xác minh")
    buttons(counter)["Gia hạn (Mẫu 04)"].invoke()
    assert shell.tasks.pump(until=lambda: "Đã lưu Mẫu 04" in counter.find_message.text)
    text = pdf_text(forms / f"{other.code}.mau04.du-lieu-ca-nhan.pdf")
    assert "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ" in text
    assert "10:00" in text and "04/12/2026" in text and "Chờ kết quả xác minh" in text

    # a supplement request gives Mẫu 02
    counter.note.insert(0, "Bổ sung bản sao giấy khai sinh")
    buttons(counter)["Yêu cầu bổ sung"].invoke()
    assert shell.tasks.pump(until=lambda: "Đã lưu Mẫu 02" in counter.find_message.text)
    assert "Bổ sung bản sao giấy khai sinh" in pdf_text(
        forms / f"{other.code}.mau02.du-lieu-ca-nhan.pdf")

    # "In lại phiếu": any form of the selected dossier, here the receipt Mẫu 01
    menu = counter.reprint_menu
    labels = [menu.entrycget(i, "label") for i in range(menu.index("end") + 1)]
    assert [label[:6] for label in labels] == [f"Mẫu 0{n}" for n in range(1, 6)]
    assert labels[2] == "Mẫu 03 – Phiếu từ chối tiếp nhận giải quyết hồ sơ"
    menu.invoke(0)
    assert shell.tasks.pump(until=lambda: "Đã lưu Mẫu 01" in counter.find_message.text)
    assert "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ" in pdf_text(
        forms / f"{other.code}.mau01.du-lieu-ca-nhan.pdf")
    # a form the dossier has no event for: the sentence, in red, nothing saved
    menu.invoke(2)
    assert shell.tasks.pump(until=lambda: "chưa có quyết định từ chối" in
                            counter.find_message.text)
    assert counter.find_message.kind == "error"
    assert not Path(forms / f"{other.code}.mau03.du-lieu-ca-nhan.pdf").exists()
    assert shell.tasks.slowest[0] < 0.1, shell.tasks.slowest

"""The clerk's side of a kiosk dossier (issue #8): it waits in the counter's list with its
channel and scanned papers; the clerk views the pages, prints the filled declaration,
adds pages a citizen brings later, accepts it or asks for a supplement (Mẫu 02)."""

from __future__ import annotations

import io
import json
import shutil

import pytest
from appfixtures import OTHER_QR, SAMPLE_QR
from guikit import choose_files, find, pdf_text, sign_in_clerk
from PIL import Image, ImageDraw

from sadec_desk.db.models import Outbox
from sadec_desk.services.kiosk import submission
from sadec_desk.services.pages import dossier_pages
from sadec_desk.services.reception import dossiers

pytestmark = pytest.mark.skipif(not shutil.which("pdftotext"),
                                reason="poppler-utils (pdftotext) is not installed")

BIRTH = "1.001193"  # Đăng ký khai sinh: tờ khai (paper 0), giấy chứng sinh (paper 1)
CHILD = "Nguyễn Ngọc Hân"


def page_png(label: str) -> bytes:
    """A white A5-ish page with a few black text lines, as a scanner would give it."""
    image = Image.new("L", (1100, 1500), 255)
    draw = ImageDraw.Draw(image)
    draw.rectangle((80, 80, 1020, 1420), outline=0, width=4)
    for row in range(12):
        draw.text((120, 140 + row * 100), f"{label} - dong {row + 1}", fill=0)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def kiosk_dossier(ctx, *, qr=SAMPLE_QR):
    """A citizen's submission at the kiosk (services/kiosk_submission): two pages of the
    birth certificate and the filled declaration form; the dossier gets channel 'kiosk'."""
    draft = submission.start(ctx)
    for n in (1, 2):
        submission.add_page(ctx, draft, BIRTH, 1, page_png(f"giay chung sinh {n}"),
                                  "scanner")
    values = submission.read_card(ctx, BIRTH, qr)
    values.update({"req_relation": "mẹ", "child_name": CHILD, "child_birth_date": "20/11/2026",
                   "child_gender": "Nữ", "child_ethnicity": "Kinh",
                   "child_birth_place": "Bệnh viện Đa khoa Sa Đéc, Đồng Tháp",
                   "child_hometown": "Sa Đéc, Đồng Tháp", "mother_name": "Nguyễn Thị Hoa",
                   "mother_birth_date": "21/03/2003", "mother_ethnicity": "Kinh",
                   "mother_residence": "Thôn Lai Ổn, An Quý, Quỳnh Phụ, Thái Bình"})
    receipt = submission.submit(ctx, draft, procedure_code=BIRTH, qr_text=qr,
                                      values=values, phone="0912345678")
    info = dossiers.get_dossier(ctx, receipt.code)
    assert info.channel == "kiosk"
    return info


def lifecycle_buttons(counter) -> dict:
    return {b.cget("text"): b for b in counter.lifecycle.winfo_children()}


def paper_texts(counter) -> list[str]:
    return [w.cget("text").removeprefix("• ") for w in counter.paper_lines.winfo_children()]


def outbox_ops(ctx, uuid: str) -> list[str]:
    return [row.op for row in Outbox.select().where(Outbox.dossier_uuid == uuid)
            .order_by(Outbox.id)]


def open_kiosk_list(shell, counter) -> None:
    counter.notebook.select(counter.find_tab)
    counter.kiosk_button.invoke()
    assert shell.tasks.pump(until=lambda: "đang chờ xử lý" in counter.find_message.text)
    if counter.found:
        assert shell.tasks.pump(until=lambda: counter.papers is not None)


def test_kiosk_dossier_in_the_counter_pages_declaration_added_page_and_accept(
        shell, ctx, tmp_path, monkeypatch):
    counter = sign_in_clerk(shell, ctx)
    shell.tasks.slowest = (0.0, "")
    at_counter = dossiers.receive_dossier(ctx, procedure_code="2.000635", qr_text=OTHER_QR)
    first = kiosk_dossier(ctx)
    second = kiosk_dossier(ctx, qr=OTHER_QR)

    counter.on_refresh_queue()  # what the counter does every few seconds
    assert shell.tasks.pump(until=lambda: counter.kiosk_button.cget("text").endswith("(2)"))
    open_kiosk_list(shell, counter)
    assert [d.code for d in counter.found] == [first.code, second.code]  # oldest first
    assert at_counter.code not in [d.code for d in counter.found]
    assert "2 hồ sơ nộp tại kiosk đang chờ xử lý" in counter.find_message.text
    row = counter.results.item("0")
    assert row["values"][0] == first.code and "Ki-ốt" in row["values"]
    assert "kiosk" in row["tags"]

    # the detail pane: channel, page counts, the e-form standing for the paper tờ khai
    assert counter.selected.code == first.code
    summary = counter.papers_summary.cget("text")
    assert "Ki-ốt" in summary and "2 trang" in summary and "có tờ khai điện tử" in summary
    lines = paper_texts(counter)
    assert any(t.startswith("Giấy chứng sinh") and t.endswith(": 2 trang") for t in lines)
    for name in ("view_pages_button", "print_pages_button", "declaration_button",
                 "add_file_button"):
        assert str(getattr(counter, name).cget("state")) == "normal", name

    # "Xem giấy tờ" opens the pages viewer on this dossier
    counter.view_pages_button.invoke()
    window = counter.pages_window
    assert window.alive and window.reference == first.code
    assert window.window.winfo_ismapped() or shell.tasks.pump(
        until=lambda: window.window.winfo_ismapped())
    assert shell.tasks.pump(until=lambda: len(window.pages) == 2)
    counter.view_pages_button.invoke()  # again: the same viewer comes to the front
    assert counter.pages_window is window
    window.close()
    shell.tasks.pump()

    # "In tờ khai": no office printer set, so the PDF is saved and can be opened
    counter.declaration_button.invoke()
    assert shell.tasks.pump(until=lambda: "đang in tờ khai" not in counter.find_message.text
                            and first.code in counter.find_message.text)
    assert counter.find_message.kind == "info", counter.find_message.text
    assert str(counter.open_form_button.cget("state")) == "normal"
    text = pdf_text(counter.form_path)
    assert "TỜ KHAI ĐĂNG KÝ KHAI SINH" in text
    assert CHILD in text and "Nguyễn Thị Hoa" in text

    # "Thêm trang": a page the citizen brings on a USB stick, added to the birth certificate
    extra = tmp_path / "trang-bo-sung.png"
    extra.write_bytes(page_png("trang bo sung"))
    counter.add_paper_box.current(1)
    before = outbox_ops(ctx, first.uuid)
    counter.add_file_button.invoke()
    choose_files(counter, extra)
    assert shell.tasks.pump(until=lambda: "Đã thêm 1 trang" in counter.find_message.text)
    assert shell.tasks.pump(until=lambda: counter.papers is not None
                            and counter.papers.total_pages == 3)
    assert any(t.endswith(": 3 trang") for t in paper_texts(counter))
    after = outbox_ops(ctx, first.uuid)
    assert after[len(before):] == ["dossier.pages"]
    row = Outbox.select().where(Outbox.dossier_uuid == first.uuid,
                                Outbox.op == "dossier.pages").order_by(Outbox.id.desc()).get()
    manifest = json.loads(row.payload)
    assert [len(p["pages"]) for p in manifest["papers"] if p["index"] == 1] == [3]

    # accept: the dossier goes to processing and leaves the kiosk list
    lifecycle_buttons(counter)["Đang xử lý"].invoke()
    assert shell.tasks.pump(until=lambda: counter.selected.status == "processing")
    assert "kiosk" not in counter.results.item("0")["tags"]
    open_kiosk_list(shell, counter)
    assert [d.code for d in counter.found] == [second.code]
    counter.on_refresh_queue()
    assert shell.tasks.pump(until=lambda: counter.kiosk_button.cget("text").endswith("(1)"))
    assert shell.tasks.slowest[0] < 0.1, shell.tasks.slowest


def test_supplement_for_a_kiosk_dossier_end_to_end(shell, ctx, tmp_path, monkeypatch):
    counter = sign_in_clerk(shell, ctx)
    info = kiosk_dossier(ctx)
    open_kiosk_list(shell, counter)
    assert counter.selected.code == info.code
    counter.note.insert(0, "Giấy chứng sinh bị mờ, nộp lại bản rõ")
    lifecycle_buttons(counter)["Yêu cầu bổ sung"].invoke()
    assert shell.tasks.pump(until=lambda: "Đã lưu Mẫu 02" in counter.find_message.text)
    form = ctx.config.data_dir / "forms" / f"{info.code}.mau02.du-lieu-ca-nhan.pdf"
    text = pdf_text(form)
    assert "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ" in text
    assert "Giấy chứng sinh bị mờ, nộp lại bản rõ" in text
    assert dossiers.get_dossier(ctx, info.code).status == "supplement_requested"
    assert "dossier.status" in outbox_ops(ctx, info.uuid) or len(outbox_ops(ctx, info.uuid)) > 3

    # the citizen comes back with a clear copy: the clerk adds it and takes the dossier up
    clear = tmp_path / "ban-ro.png"
    clear.write_bytes(page_png("ban ro"))
    assert shell.tasks.pump(until=lambda: counter.papers is not None)
    counter.add_paper_box.current(1)
    counter.add_file_button.invoke()
    choose_files(counter, clear)
    assert shell.tasks.pump(until=lambda: "Đã thêm 1 trang" in counter.find_message.text)
    lifecycle_buttons(counter)["Đang xử lý"].invoke()
    assert shell.tasks.pump(until=lambda: counter.selected.status == "processing")
    assert [p.pages for p in dossier_pages.papers_of(ctx, info.code)
            if p.index == 1][0][-1].source == "file"


def test_a_required_paper_without_pages_is_marked_and_a_bad_file_is_a_sentence(
        shell, ctx, tmp_path, monkeypatch):
    counter = sign_in_clerk(shell, ctx)
    info = dossiers.receive_dossier(ctx, procedure_code=BIRTH, qr_text=SAMPLE_QR,
                                    channel="kiosk")
    open_kiosk_list(shell, counter)
    assert counter.selected.code == info.code
    lines = paper_texts(counter)
    assert any("chưa có trang nào (bắt buộc)" in t for t in lines), lines
    assert str(counter.view_pages_button.cget("state")) == "disabled"
    assert str(counter.declaration_button.cget("state")) == "disabled"
    assert "không có tờ khai điện tử" in counter.papers_summary.cget("text")

    broken = tmp_path / "hong.jpg"
    broken.write_bytes(b"not a picture at all")
    counter.add_file_button.invoke()
    choose_files(counter, broken)
    assert shell.tasks.pump(until=lambda: counter.find_message.kind == "error")
    assert "không phải ảnh" in counter.find_message.text
    assert dossier_pages.papers_of(ctx, info.code)[0].pages == ()


@pytest.mark.skipif(not shutil.which("scanimage"), reason="sane-utils is not installed")
def test_quet_them_trang_scans_on_the_sane_test_device(shell, ctx):
    counter = sign_in_clerk(shell, ctx)
    ctx.config.values["scanning.device"] = "test"  # SANE's built-in test scanner
    ctx.config.values["scanning.resolution"] = 75
    info = dossiers.receive_dossier(ctx, procedure_code=BIRTH, qr_text=SAMPLE_QR,
                                    channel="kiosk")
    open_kiosk_list(shell, counter)
    counter.add_paper_box.current(1)
    counter.add_scan_button.invoke()
    assert shell.tasks.pump(until=lambda: "Đã thêm 1 trang" in counter.find_message.text
                            or counter.find_message.kind == "error", timeout=90)
    assert counter.find_message.kind == "ok", counter.find_message.text
    pages = [p for p in dossier_pages.papers_of(ctx, info.code) if p.index == 1][0].pages
    assert [p.source for p in pages] == ["scanner"]


def test_a_counter_dossier_lists_no_missing_scans_but_can_take_pages(shell, ctx, tmp_path,
                                                                     monkeypatch):
    counter = sign_in_clerk(shell, ctx)
    info = dossiers.receive_dossier(ctx, procedure_code="2.000815", qr_text=SAMPLE_QR, pages=2)
    find(shell, counter, info.code)
    assert shell.tasks.pump(until=lambda: counter.papers is not None)
    assert counter.results.item("0")["values"][6] == "Tại quầy"
    assert "kiosk" not in counter.results.item("0")["tags"]
    assert paper_texts(counter) == ["Giấy tờ nộp bản giấy; chưa quét trang nào."]
    assert not counter.papers.missing
    scan = tmp_path / "ban-chinh.png"
    scan.write_bytes(page_png("ban chinh"))
    counter.add_paper_box.current(0)
    counter.add_file_button.invoke()
    choose_files(counter, scan)
    assert shell.tasks.pump(until=lambda: counter.papers is not None
                            and counter.papers.total_pages == 1)
    assert paper_texts(counter)[0].endswith(": 1 trang")
    assert str(counter.view_pages_button.cget("state")) == "normal"


def test_the_clerk_fills_the_form_of_a_paper_dossier_from_the_counter(shell, ctx):
    counter = sign_in_clerk(shell, ctx)
    info = dossiers.receive_dossier(ctx, procedure_code=BIRTH, qr_text=SAMPLE_QR)
    find(shell, counter, info.code)
    assert shell.tasks.pump(until=lambda: counter.papers is not None)
    assert str(counter.declaration_button.cget("state")) == "disabled"  # nothing filled yet
    assert str(counter.edit_form_button.cget("state")) == "normal"
    counter.edit_form_button.invoke()
    editor = counter.form_editor
    assert shell.tasks.pump(until=lambda: editor.view is not None)
    assert editor.view.values()["req_name"] == "Nguyễn Thị Hoa"  # from the applicant's card
    for name, value in {"req_relation": "mẹ", "child_name": CHILD,
                        "child_birth_date": "20/11/2026", "child_gender": "Nữ",
                        "child_ethnicity": "Kinh", "child_birth_place": "Sa Đéc",
                        "child_hometown": "Sa Đéc", "mother_name": "Nguyễn Thị Hoa",
                        "mother_birth_date": "21/03/2003", "mother_ethnicity": "Kinh",
                        "mother_residence": "Sa Đéc"}.items():
        editor.view.set_value(name, value)
    editor.save_button.invoke()
    # saving refreshes the counter's papers box: the form can now be printed there
    assert shell.tasks.pump(until=lambda: counter.papers is not None
                            and counter.papers.has_form)
    assert str(counter.declaration_button.cget("state")) == "normal"
    assert "dossier.form" in outbox_ops(ctx, info.uuid)
    editor.close()

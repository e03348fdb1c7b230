"""The clerk's page viewer (views.pages.PagesWindow) and the thumbnail strip (PageStrip),
driven through real widgets under Xvfb."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from appfixtures import SAMPLE_QR
from guikit import key, sign_in_clerk
from pagesamples import encode, on_scanner_bed, text_page

from sadec_desk.services.pages import dossier_pages, store
from sadec_desk.services.reception import dossiers
from sadec_desk.views import pages as pages_view
from sadec_desk.views.pages import PageStrip, PagesWindow, load_thumbnails

BIRTH = "1.001193"


def scan(label: str) -> bytes:
    return encode(on_scanner_bed(text_page(700, 990, lines=10, label=label)))


def dossier_with_pages(ctx) -> str:
    code = dossiers.receive_dossier(ctx, procedure_code=BIRTH, qr_text=SAMPLE_QR).code
    for label in ("TỜ KHAI 1", "TỜ KHAI 2"):
        dossier_pages.add_page(ctx, scan(label), paper_index=0, paper_name="Tờ khai",
                               source="scanner", dossier=code)
    dossier_pages.add_page(ctx, scan("GIẤY CHỨNG SINH"), paper_index=1,
                           paper_name="Giấy chứng sinh", source="file", dossier=code)
    return code


def open_viewer(tk_root, shell, code) -> PagesWindow:
    window = PagesWindow(tk_root, shell, code)
    assert shell.tasks.pump(until=lambda: window.image is not None and window.strip.pages)
    return window


def tree_texts(window) -> list[str]:
    out = []
    for node in window.tree.get_children():
        out.append(window.tree.item(node, "text"))
        out += ["  " + window.tree.item(c, "text") for c in window.tree.get_children(node)]
    return out


def test_the_viewer_shows_the_papers_and_pages_and_steps_through_them(tk_root, shell, ctx):
    sign_in_clerk(shell, ctx)
    code = dossier_with_pages(ctx)
    window = open_viewer(tk_root, shell, code)
    try:
        texts = tree_texts(window)
        assert texts[0] == "1. Tờ khai đăng ký khai sinh — 2 trang"
        assert texts[1:3] == ["  Trang 1", "  Trang 2"]
        assert texts[3].startswith("2. Giấy chứng sinh") and texts[3].endswith("— 1 trang")
        assert window.page_label.cget("text").startswith("«Tờ khai đăng ký khai sinh» — trang 1/2")
        assert str(window.previous_button.cget("state")) == "disabled"
        # the picture is fitted inside the canvas, and fills it on one side once the
        # window has its size (it was once fitted to the 1-pixel canvas of a new window)
        def fitted():
            room = window._canvas_room()  # the strip's thumbnails may shrink the canvas
            gaps = (room[0] - window.picture_size[0], room[1] - window.picture_size[1])
            return min(gaps) >= 0 and min(gaps) <= 2

        assert shell.tasks.pump(until=fitted)
        width, height = window.picture_size
        assert width <= window.canvas.winfo_width() and height <= window.canvas.winfo_height()
        assert window.canvas.find_withtag("page")
        assert len(window.strip.pages) == 2  # thumbnails of the shown paper
        first_image = window.image

        window.next_button.invoke()
        assert shell.tasks.pump(until=lambda: window.image is not first_image)
        assert "trang 2/2" in window.page_label.cget("text")
        key(window.window, "Right")  # the arrow keys step too
        shell.tasks.pump()
        assert window.page_label.cget("text").startswith("«Giấy chứng sinh")
        assert str(window.next_button.cget("state")) == "disabled"
        assert shell.tasks.pump(until=lambda: len(window.strip.pages) == 1)
        # a click on a paper in the list shows its first page
        window.tree.selection_set("paper-0")
        shell.tasks.pump()
        assert "trang 1/2" in window.page_label.cget("text")
    finally:
        window.close()
    assert not window.window.winfo_exists()


def pdf_pages(path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True,
                          timeout=60).stdout
    return int(next(line.split()[-1] for line in info.splitlines()
                    if line.startswith("Pages:")))


@pytest.mark.skipif(not shutil.which("pdfinfo"), reason="poppler-utils is not installed")
def test_print_without_an_office_printer_saves_the_pdf_and_save_as_writes_one(
        tk_root, shell, ctx, tmp_path, monkeypatch):
    sign_in_clerk(shell, ctx)
    code = dossier_with_pages(ctx)
    window = open_viewer(tk_root, shell, code)
    try:
        window.print_button.invoke()
        assert shell.tasks.pump(until=lambda: window.print_result is not None)
        result = window.print_result
        assert result.status == "saved"
        assert pdf_pages(result.path) == 3
        # one line saying what to do; the service's sentence with the path behind "Chi tiết"
        assert "«Mở tệp PDF vừa lưu»" in window.message.text
        assert window.message.details == result.message and result.path in result.message
        assert window.open_button.winfo_ismapped()

        target = tmp_path / "ho-so.pdf"
        window.save_button.invoke()  # our own Vietnamese save window (views/file_dialog.py)
        dialog = window.window.file_dialog
        assert dialog.name.get() == f"{window.reference}.giayto.pdf"
        dialog.show_folder(tmp_path)
        dialog.name.delete(0, "end")
        dialog.name.insert(0, "ho-so")  # the suffix is added
        dialog.ok_button.invoke()
        assert shell.tasks.pump(until=lambda: window.saved_pdf == str(target))
        assert pdf_pages(target) == 3
        assert window.message.text == f"Đã lưu {target}."
    finally:
        window.close()


def test_a_dossier_without_pages_says_so(tk_root, shell, ctx):
    sign_in_clerk(shell, ctx)
    code = dossiers.receive_dossier(ctx, procedure_code=BIRTH, qr_text=SAMPLE_QR).code
    window = PagesWindow(tk_root, shell, code)
    try:
        assert shell.tasks.pump(until=lambda: window.papers)
        assert window.message.text == "Hồ sơ này chưa có trang giấy tờ nào được quét."
        assert str(window.print_button.cget("state")) == "disabled"
        assert tree_texts(window)[0].endswith("— chưa có trang")
    finally:
        window.close()


def test_an_unknown_dossier_is_a_sentence(tk_root, shell, ctx):
    sign_in_clerk(shell, ctx)
    window = PagesWindow(tk_root, shell, "000.00.14.H20-261126-0999")
    try:
        assert shell.tasks.pump(until=lambda: window.message.kind == "error")
        assert window.message.text.startswith("Không tìm thấy hồ sơ")
    finally:
        window.close()


def test_the_page_strip_removes_and_opens_pages(tk_root, shell, ctx):
    sign_in_clerk(shell, ctx)
    for label in ("A", "B", "C"):
        dossier_pages.add_page(ctx, scan(label), paper_index=0, paper_name="Tờ khai",
                               source="camera", draft="kiosk-strip")
    holder = pages_view.ttk.Toplevel(tk_root)
    opened = []

    def reload():
        strip.show(load_thumbnails(ctx, dossier_pages.draft_pages(ctx, "kiosk-strip"),
                                   strip.thumb_size))

    def on_remove(page):
        dossier_pages.remove_page(ctx, page.id)
        reload()

    strip = PageStrip(holder, on_remove=on_remove, on_open=opened.append, touch=True)
    strip.pack()
    compact = PageStrip(holder, touch=False)
    compact.pack()
    try:
        reload()
        compact.show(load_thumbnails(ctx, dossier_pages.draft_pages(ctx, "kiosk-strip"),
                                     compact.thumb_size))
        holder.update()
        assert [p.position for p in strip.pages] == [1, 2, 3]
        assert not compact.remove_buttons  # no remove callback, no buttons
        # the kiosk's buttons are finger-sized, the counter's thumbnails smaller
        touch_button = strip.remove_buttons[strip.pages[1].id]
        assert touch_button.winfo_reqheight() >= 44
        assert compact.thumb_labels[compact.pages[0].id].winfo_reqheight() < \
            strip.thumb_labels[strip.pages[0].id].winfo_reqheight()
        middle = strip.pages[1]
        strip.thumb_labels[middle.id].event_generate("<Button-1>")
        holder.update()
        assert opened == [middle]
        touch_button.invoke()
        holder.update()
        assert [p.position for p in strip.pages] == [1, 2]
        assert middle.id not in {p.id for p in strip.pages}
        assert strip.remove_buttons[strip.pages[1].id].cget("text") == "✕ Bỏ trang 2"
        strip.show([])
        assert strip.winfo_children()[0].cget("text") == "Chưa có trang nào."
    finally:
        holder.destroy()



def test_a_page_that_cannot_be_shown_gets_a_stand_in_and_the_others_still_show(ctx):
    code = dossier_with_pages(ctx)
    pages = dossier_pages.dossier_pages(ctx, code)
    lost = store.blob_path(ctx, pages[1].sha256)
    lost.unlink()  # e.g. an online dossier's page still coming from the portal
    for cached in (store.pages_dir(ctx) / "thumbs").rglob(f"{pages[1].sha256}*"):
        cached.unlink()
    loaded = load_thumbnails(ctx, pages, 120)
    assert [page.id for page, _png in loaded] == [p.id for p in pages]
    assert loaded[1][1] == store.placeholder_thumbnail(120)
    assert loaded[0][1] == store.thumbnail(ctx, pages[0].id, 120)
    assert loaded[2][1] != store.placeholder_thumbnail(120)

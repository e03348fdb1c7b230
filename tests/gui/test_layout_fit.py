"""Every screen fits its window at 1366×740 (the app's own window), 1920×1080 and a
1080×1920 portrait screen: no control lies outside its toplevel (issue #17 item 3).

Each test builds its screens the way the app does (signing in through the shell, opening
windows with their own buttons), resizes the window to each size and walks the widget tree
with :func:`layout_check.outside`, which says in words what a person could not see or
reach. Widgets inside a scrolling area count as inside when scrolling reaches them.
"""

from __future__ import annotations

import pytest
from appfixtures import SAMPLE_QR, sign_in_as
from guikit import sign_in_clerk, sign_in_it
from layout_check import outside
from pagesamples import encode, text_page

from sadec_desk.errors import UserError
from sadec_desk.services.admin import office, users
from sadec_desk.services.pages import dossier_pages
from sadec_desk.services.reception import dossiers
from sadec_desk.views.dialogs import AskDialog, Choice
from sadec_desk.views.file_dialog import ask_open_file
from sadec_desk.views.pages import PagesWindow
from sadec_desk.views.pdf_preview import PdfPreview

SIZES = {"1366x740": (1366, 740), "1920x1080": (1920, 1080), "1080x1920": (1080, 1920)}
sizes = pytest.mark.parametrize("size", list(SIZES))


def fit(window, size: str) -> None:
    width, height = SIZES[size]
    window.geometry(f"{width}x{height}+0+0")
    window.update_idletasks()
    window.update()


class Misfits:
    """What lies outside, per screen state, for one failure listing all of them."""

    def __init__(self, size: str):
        self.size = size
        self.found: list[str] = []

    def check(self, what: str, window) -> None:
        window.update_idletasks()
        window.update()
        self.found += [f"{what} at {self.size}: {line}" for line in outside(window)]

    def assert_none(self) -> None:
        assert not self.found, "\n".join(self.found)


# --- sign-in and first start ------------------------------------------------------------


@sizes
def test_first_start_and_sign_in_fit(shell, ctx, size):
    fit(shell.window, size)
    misfits = Misfits(size)
    shell.tasks.pump(until=lambda: type(shell.screen).__name__ == "SetupView")
    misfits.check("first start", shell.window)
    users.create_user(ctx, username="admin", full_name="Lê Văn Tín", role="it",
                      password="matkhau-cntt")
    shell.show_sign_in()
    shell.tasks.pump()
    misfits.check("sign-in", shell.window)
    misfits.assert_none()


# --- the counter ------------------------------------------------------------------------


@sizes
def test_counter_fits_empty_filled_saved_and_found(shell, ctx, size):
    counter = sign_in_clerk(shell, ctx)
    fit(shell.window, size)
    misfits = Misfits(size)
    misfits.check("counter, empty", shell.window)
    shell.on_scan(SAMPLE_QR)
    counter.choose_procedure("1.001193")  # birth: the longest list of papers
    shell.tasks.pump()
    misfits.check("counter, card scanned", shell.window)
    for _paper, var in counter.paper_vars:
        var.set(True)
    counter.on_save()
    assert shell.tasks.pump(until=lambda: counter.locked and not shell.tasks.busy,
                            timeout=20)
    misfits.check("counter, saved", shell.window)
    counter.on_clear_form()
    counter.on_manual_entry()
    shell.tasks.pump()
    misfits.check("counter, typed entry", shell.window)
    counter.notebook.select(counter.find_tab)
    counter.search.insert(0, "nguyen thi hoa")
    counter.on_search()
    assert shell.tasks.pump(until=lambda: bool(counter.found))
    counter.results.selection_set(counter.results.get_children()[0])
    counter.results.event_generate("<<TreeviewSelect>>")
    assert shell.tasks.pump(until=lambda: counter.selected is not None)
    misfits.check("counter, find tab", shell.window)
    misfits.assert_none()


# --- the IT screens ---------------------------------------------------------------------


@sizes
def test_every_it_tab_fits(shell, ctx, size):
    view = sign_in_it(shell, ctx)
    fit(shell.window, size)
    misfits = Misfits(size)
    for key in view.tabs:
        view.select(key)
        shell.tasks.pump()
        misfits.check(f"IT tab {key}", shell.window)
    misfits.assert_none()


@sizes
def test_printers_tab_fits_with_its_preview_and_the_scanner_box(shell, ctx, size):
    view = sign_in_it(shell, ctx, tab="printers")
    fit(shell.window, size)
    misfits = Misfits(size)
    tab = view.printers
    tab.printers.selection_set("preview")
    tab.on_preview()
    assert shell.tasks.pump(until=lambda: bool(str(tab.preview.cget("image"))))
    misfits.check("printers tab with the slip preview", shell.window)
    tab.on_test()
    shell.tasks.pump()
    misfits.check("printers tab after a test print", shell.window)
    misfits.assert_none()


# --- Reports ----------------------------------------------------------------------------


@sizes
def test_reports_fit_on_every_tab(shell, ctx, size):
    users.create_user(ctx, username="admin", full_name="Lê Văn Tín", role="it",
                      password="matkhau-cntt")
    sign_in_as(ctx, "admin")
    office.init_office(ctx)
    users.create_user(ctx, username="hoa.nt", full_name="Nguyễn Thị Hoa", role="clerk",
                      pin="246810")
    users.create_user(ctx, username="chutich", full_name="Phạm Văn Bình", role="leader",
                      password="matkhau-lanh-dao")
    sign_in_as(ctx, "hoa.nt")
    dossiers.receive_dossier(ctx, procedure_code="2.000635", qr_text=SAMPLE_QR)
    users.sign_out(ctx)
    shell.on_sign_out()
    shell.tasks.pump()
    shell.screen.username.insert(0, "chutich")
    shell.screen.secret.insert(0, "matkhau-lanh-dao")
    shell.screen.on_sign_in()
    assert shell.tasks.pump(until=lambda: type(shell.screen).__name__ == "ReportsView")
    view = shell.screen
    assert shell.tasks.pump(until=lambda: not view.busy and not shell.tasks.busy, timeout=30)
    fit(shell.window, size)
    misfits = Misfits(size)
    for tab in view.notebook.tabs():
        view.notebook.select(tab)
        shell.tasks.pump()
        misfits.check(f"Reports tab {view.notebook.tab(tab, 'text')}", shell.window)
    misfits.assert_none()


# --- windows opened from the screens ----------------------------------------------------


@sizes
def test_the_camera_window_keeps_close_reachable_without_a_camera(shell, ctx, size):
    counter = sign_in_clerk(shell, ctx)
    fit(shell.window, size)

    def no_camera():
        raise UserError("Không mở được máy ảnh: máy này không có máy ảnh nào.")

    shell.camera_source_factory = no_camera
    counter.camera_button.invoke()
    window = counter.camera_window
    assert shell.tasks.pump(until=lambda: "không có máy ảnh" in window.message.text)
    misfits = Misfits(size)
    misfits.check("camera window, no camera", window.window)
    misfits.assert_none()
    close = next(w for w in window.window.winfo_children()
                 if w.winfo_class() == "TButton" and w.cget("text") == "Đóng")
    close.invoke()  # reachable, and it closes the window
    assert not window.alive


@sizes
def test_the_page_viewer_and_the_pdf_preview_fit(tk_root, shell, ctx, size):
    sign_in_clerk(shell, ctx)
    code = dossiers.receive_dossier(ctx, procedure_code="1.001193", qr_text=SAMPLE_QR).code
    dossier_pages.add_page(ctx, encode(text_page(700, 990, lines=10, label="TỜ KHAI")),
                           paper_index=0, paper_name="Tờ khai", source="scanner",
                           dossier=code)
    viewer = PagesWindow(tk_root, shell, code)
    assert shell.tasks.pump(until=lambda: viewer.image is not None and viewer.strip.pages)
    fit(viewer.window, size)
    misfits = Misfits(size)
    misfits.check("page viewer", viewer.window)
    viewer.message.show("Đã lưu tệp /home/hoa/.local/share/sadec-desk/forms/"
                        "000.00.14.H20-261126-0001.giay-to.pdf. Mở bằng chương trình đọc PDF "
                        "hoặc in ra máy in văn phòng (printing.office_printer).", "ok")
    viewer.open_button.pack(side="right", padx=(0, 6))  # as after a save
    misfits.check("page viewer, after a long message", viewer.window)
    viewer.close()
    page = encode(text_page(600, 850, lines=8, label="MẪU 01"))
    preview = PdfPreview(shell.window, title="Mẫu 01", pages=[page, page])
    misfits.check("PDF preview", preview)
    preview.destroy()
    misfits.assert_none()


@sizes
def test_the_question_file_and_details_windows_fit(tk_root, shell, ctx, size, tmp_path):
    counter = sign_in_clerk(shell, ctx)
    fit(shell.window, size)
    misfits = Misfits(size)
    dialog = AskDialog(counter, title="Còn thiếu giấy tờ",
                       message="Công dân chưa nộp: Giấy chứng sinh (hoặc văn bản của người "
                               "làm chứng xác nhận về việc sinh); Tờ khai đăng ký khai sinh.",
                       choices=[Choice("Quay lại đánh dấu", lambda _r: None),
                                Choice("In Mẫu 02 (yêu cầu bổ sung)", lambda _r: None),
                                Choice("Vẫn tiếp nhận", lambda _r: None, style="warning",
                                       needs_reason=True)],
                       reason_label="Lý do vẫn tiếp nhận (ghi vào lịch sử hồ sơ)")
    misfits.check("question window", dialog)
    dialog.choose(dialog.choices[0])
    for n in range(30):
        (tmp_path / f"anh-the-{n:02d}.png").write_bytes(b"")
    chooser = ask_open_file(shell.window, title="Chọn ảnh chụp thẻ CCCD", patterns=("*.png",),
                            folder=tmp_path, on_chosen=lambda _p: None)
    misfits.check("file window", chooser)
    chooser.destroy()
    counter.receive_message.show("Đã tiếp nhận hồ sơ 000.00.14.H20-261126-0001: Nguyễn Thị "
                                 "Hoa, Chứng thực bản sao từ bản chính. Hẹn trả 17:00 Thứ Năm, "
                                 "26/11/2026. Chưa in được phiếu hẹn: [Errno 2] No such file "
                                 "or directory: 'xdg-open'. Phiếu sẽ được in lại tự động khi "
                                 "máy in sẵn sàng.", "warning")
    shell.window.update()
    assert counter.receive_message.details_button.winfo_ismapped()
    assert counter.receive_message.shown.startswith("Đã tiếp nhận hồ sơ")
    assert "xdg-open" not in counter.receive_message.shown  # one line, the rest on demand
    counter.receive_message.details_button.invoke()
    details = next(w for w in counter.receive_message.winfo_children()
                   if w.winfo_class() == "Toplevel")
    assert "xdg-open" in details.text.get("1.0", "end")
    misfits.check("details window", details)
    details.destroy()
    misfits.assert_none()


# --- the kiosk and the board (tests/gui/test_kiosk_screens_fit.py walks every kiosk screen) --


@sizes
def test_the_kiosk_screens_fit(shell, ctx, size):
    sign_in_clerk(shell, ctx)
    shell.on_open_kiosk()
    kiosk = shell.kiosk
    assert shell.tasks.pump(until=lambda: bool(getattr(kiosk, "group_buttons", None)))
    fit(kiosk.window, size)
    misfits = Misfits(size)
    misfits.check("kiosk start", kiosk.window)
    kiosk.on_lookup()
    assert shell.tasks.pump(until=lambda: bool(getattr(kiosk, "procedure_buttons", None)))
    misfits.check("kiosk procedures", kiosk.window)
    kiosk.show_start()
    kiosk.on_submit()
    flow = kiosk.submission
    assert shell.tasks.pump(until=lambda: "1.001193" in getattr(flow, "procedure_buttons", {}))
    misfits.check("kiosk submission, procedure", kiosk.window)
    flow.procedure_buttons["1.001193"].invoke()
    assert shell.tasks.pump(until=lambda: flow.step == 1)
    misfits.check("kiosk submission, card", kiosk.window)
    kiosk.close()
    misfits.assert_none()


@sizes
def test_the_board_fits(shell, ctx, size):
    sign_in_clerk(shell, ctx)
    shell.on_open_board()
    board = shell.board
    assert shell.tasks.pump(until=lambda: board.cursor is not None)
    fit(board.window, size)
    misfits = Misfits(size)
    misfits.check("board", board.window)
    board.close()
    misfits.assert_none()


# --- the status bar ---------------------------------------------------------------------


def test_the_bar_parts_share_the_width_the_narrow_ones_kept_whole():
    from sadec_desk.views.shell import shared_widths

    assert shared_widths([270, 440, 170], 1300) == [0, 0, 0]  # all fit: no limit
    assert shared_widths([430, 440, 430], 1200) == [400, 400, 400]  # all share
    # the narrow part keeps its 200, the two wide ones share the 800 left
    assert shared_widths([200, 600, 900], 1000) == [0, 400, 400]
    assert shared_widths([500, 600], -5) == [1, 1]  # never 0: that would mean no limit


def _long_status(shell, ctx) -> None:
    """The longest parts a counter can show: a long name, pages waiting, a printer with
    a long name that failed, with jobs waiting and failed."""
    import dataclasses

    from sadec_desk.services.printing.worker import PrintState
    from sadec_desk.sync.records import SyncStatus

    bar = shell.status
    bar.show_user(dataclasses.replace(ctx.user, full_name="Nguyễn Thị Thanh Hương Lan Chi"))
    bar.show_sync(SyncStatus(online=True, adapter="reference", portal_url="https://cong",
                             enrolled=True, pending=1234, held=0, conflicts=0, rejected=0,
                             oldest_pending_at=None, oldest_pending_age_seconds=None,
                             next_try_at=None, last_success_at=None, last_error="",
                             last_error_at=None, cursor=0, pages_waiting=5678,
                             pages_waiting_bytes=1_234_000_000))
    bar.show_print(PrintState(printer="Canon imageCLASS LBP6030w (USB, quầy 2)", ready=False,
                              message="", waiting=12, failed=3))


@sizes
def test_every_part_of_the_status_bar_is_read_whole(shell, ctx, size):
    """No part of the status bar is cut (the printer's part was, at 1366 px): each label
    gets the width it asks for and lies inside the bar, left of the next one; a long
    part wraps onto a second line instead."""
    sign_in_it(shell, ctx, tab="sync")
    fit(shell.window, size)
    bar = shell.status
    for state in ("signed in", "longest texts"):
        if state == "longest texts":
            _long_status(shell, ctx)
        shell.window.update_idletasks()
        shell.window.update()
        parts = sorted(bar.parts, key=lambda p: p.winfo_x())
        for part in parts:
            what = f"{state} at {size}: {str(part.cget('text'))[:30]!r}"
            assert part.winfo_ismapped(), what
            assert part.winfo_width() >= part.winfo_reqwidth(), what
            assert part.winfo_height() >= part.winfo_reqheight(), what
            assert 0 <= part.winfo_x() and part.winfo_x() + part.winfo_width() <= \
                bar.winfo_width(), what
            assert part.winfo_y() + part.winfo_height() <= bar.winfo_height(), what
        for left, right in zip(parts, parts[1:], strict=False):
            assert left.winfo_x() + left.winfo_width() <= right.winfo_x(), (state, size)
        assert bar.winfo_rooty() + bar.winfo_height() <= \
            shell.window.winfo_rooty() + shell.window.winfo_height(), (state, size)

"""The IT screens' low items of issue #17, driven through their buttons under Xvfb: the
backup's success line stays, the folder and file pickers are our Vietnamese window, a busy
sign while scanners are looked for, past days off not listed."""

from __future__ import annotations

import threading

from guikit import sign_in_it

from sadec_desk.db.print_models import PrintJob
from sadec_desk.services.admin import settings
from sadec_desk.services.printing.worker import PrintRounds
from sadec_desk.views.file_dialog import FileDialog


def test_backup_now_says_it_is_done_and_the_line_stays(shell, ctx, tmp_path):
    tab = sign_in_it(shell, ctx, tab="backup").backup
    tab.folder.insert(0, str(tmp_path / "saoluu"))
    tab.save_button.invoke()
    shell.tasks.pump()
    tab.backup_button.invoke()
    assert str(tab.backup_button.cget("state")) == "disabled"  # one backup at a time
    assert tab.message.text == "Đang sao lưu…"
    assert shell.tasks.pump(until=lambda: "Đã sao lưu" in tab.message.text, timeout=30)
    shell.tasks.pump(until=lambda: not shell.tasks.busy)  # the folder's figures reloaded
    assert "Đã sao lưu và kiểm tra" in tab.message.text and tab.message.kind == "ok"
    assert str(tab.backup_button.cget("state")) == "normal"
    assert "Số bản sao lưu: 1" in tab.info.cget("text")


def test_the_backup_folder_is_chosen_in_our_vietnamese_window(shell, ctx, tmp_path):
    tab = sign_in_it(shell, ctx, tab="backup").backup
    tmp_path = tmp_path / "may"
    (tmp_path / "usb").mkdir(parents=True)
    (tmp_path / "ghi-chu.txt").write_text("x")
    tab.folder.delete(0, "end")
    tab.folder.insert(0, str(tmp_path))
    choose = next(b for b in tab.folder.master.winfo_children()[-1].winfo_children()
                  if b.cget("text") == "Chọn thư mục…")
    choose.invoke()
    dialog = tab.file_dialog
    assert isinstance(dialog, FileDialog) and dialog.ok_button.cget("text") == "Chọn thư mục này"
    assert list(dialog.listing.get_children()) == [str(tmp_path / "usb")]  # folders only
    dialog.listing.selection_set(str(tmp_path / "usb"))
    dialog.ok_button.invoke()
    assert tab.folder.get() == str(tmp_path / "usb")


def test_the_sync_file_is_chosen_in_our_vietnamese_window(shell, ctx, tmp_path):
    tab = sign_in_it(shell, ctx, tab="sync").sync
    tab.file_path.insert(0, str(tmp_path / "goi.json"))
    tab.on_choose_file()
    dialog = tab.file_dialog
    assert isinstance(dialog, FileDialog) and dialog.name.get() == "goi.json"
    dialog.name.delete(0, "end")
    dialog.name.insert(0, "chuyen-tay")
    dialog.ok_button.invoke()
    assert tab.file_path.get() == str(tmp_path / "chuyen-tay.json")


def test_looking_for_scanners_shows_a_busy_sign(shell, ctx, monkeypatch):
    tab = sign_in_it(shell, ctx, tab="printers").printers
    shell.tasks.pump()
    go_on = threading.Event()

    def slow_search(_ctx):
        go_on.wait(10)
        return []

    monkeypatch.setattr(settings, "find_scanners", slow_search)
    tab.find_scanners_button.invoke()
    shell.window.update()
    assert str(tab.find_scanners_button.cget("state")) == "disabled"
    assert tab.message.text.startswith("Đang tìm máy quét")
    go_on.set()
    assert shell.tasks.pump(until=lambda: "Không tìm thấy máy quét" in tab.message.text)
    assert str(tab.find_scanners_button.cget("state")) == "normal"
    assert tab.find_scanners_button.cget("text") == "Tìm máy quét"


def test_days_off_gone_by_are_not_listed(shell, ctx):
    tab = sign_in_it(shell, ctx, tab="calendar").calendar
    settings.add_day_override(ctx, kind="off", day="20/11/2026", reason="Nghỉ đã qua")
    settings.add_day_override(ctx, kind="off", day="04/01/2027", reason="Nghỉ bù")
    tab.on_settings(settings.calendar_settings(ctx))  # the clock stands on 26/11/2026
    assert list(tab.overrides.get_children()) == ["2027-01-04"]


def test_a_failed_test_print_names_its_printer_and_says_the_error_once(shell, ctx):
    tab = sign_in_it(shell, ctx, tab="printers").printers
    for entry, text in ((tab.p_name, "quay1"), (tab.p_connection, "tcp://127.0.0.1:9")):
        entry.delete(0, "end")
        entry.insert(0, text)
    tab.save_button.invoke()
    assert shell.tasks.pump(until=lambda: "quay1" in tab.printers.get_children())
    tab.printers.selection_set("quay1")
    shell.tasks.pump()
    tab.test_button.invoke()  # nothing listens on the loopback's port 9: refused at once
    assert shell.tasks.pump(until=lambda: "Trang in thử ra máy quay1" in tab.message.text,
                            timeout=30)
    assert tab.message.kind == "error"
    job = PrintJob.get(PrintJob.kind == "test_page")
    assert job.last_error and tab.message.text.count(job.last_error) == 1


def test_a_tab_scrolled_down_brings_its_message_back_into_view(shell, ctx, monkeypatch):
    view = sign_in_it(shell, ctx, tab="printers")
    shell.window.geometry("1366x560+0+0")  # a short window: the tab scrolls
    shell.window.update()
    scroller, tab = view.scrollers["printers"], view.printers
    tab.printers.selection_set("preview")
    tab.preview_button.invoke()  # the slip's picture makes the tab taller than the window
    assert shell.tasks.pump(until=lambda: bool(str(tab.preview.cget("image"))))
    shell.window.update()
    assert scroller.vbar.winfo_ismapped()
    scroller.canvas.yview_moveto(1.0)  # down to the scanner's buttons
    shell.window.update()
    assert scroller.canvas.yview()[0] > 0
    monkeypatch.setattr(settings, "find_scanners", lambda _ctx: [])
    tab.find_scanners_button.invoke()
    assert shell.tasks.pump(until=lambda: "Không tìm thấy máy quét" in tab.message.text)
    shell.window.update()
    canvas, line = scroller.canvas, tab.message  # the answer is in view
    assert canvas.winfo_rooty() <= line.winfo_rooty()
    assert line.winfo_rooty() + line.winfo_height() <= canvas.winfo_rooty() + canvas.winfo_height()


def test_the_status_bar_names_the_new_default_printer_at_once(shell, ctx):
    tab = sign_in_it(shell, ctx, tab="printers").printers
    rounds = PrintRounds(ctx, check_every=1000)  # the printer is asked on the 1st round only
    shell.on_print_state(rounds())
    assert shell.status.printer.cget("text").startswith("Máy in preview:")
    for entry, text in ((tab.p_name, "quay1"), (tab.p_connection, "tcp://127.0.0.1:9")):
        entry.delete(0, "end")
        entry.insert(0, text)
    tab.p_default.set(True)
    tab.save_button.invoke()
    assert shell.tasks.pump(until=lambda: "quay1" in tab.printers.get_children())
    shell.on_print_state(rounds())  # the next round, not a round that asks the printer
    assert shell.status.printer.cget("text").startswith("Máy in quay1:")

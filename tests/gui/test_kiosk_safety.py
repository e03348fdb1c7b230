"""A kiosk safe in public (issue #17 item 4), driven with real clicks and key presses
under Xvfb: no desktop file window (a USB stick's touch list only), taps ignored for a
moment after the screen changed by itself, visible countdowns, questions that ask before
every reset with the destructive answer red on the right, search by typing, pick lists
and the mother's data copied from her card."""

from __future__ import annotations

import io
import time
import tkinter.filedialog

import pytest
from appfixtures import SAMPLE_QR
from guikit import sign_in_clerk, type_text
from PIL import Image, ImageDraw
from usbsticks import usb_stick

from sadec_desk.db.queue_models import Ticket
from sadec_desk.domain.ethnic_groups import ETHNIC_GROUP_NAMES
from sadec_desk.services.queue import tickets
from sadec_desk.views import file_dialog
from sadec_desk.views.kiosk import info_screens, prompt, touch_guard
from sadec_desk.views.kiosk import tickets as kiosk_view
from sadec_desk.views.kiosk.submission import STEP_CARD, STEP_FORM, STEP_PAPERS

BIRTH = "1.001193"
RED = prompt.DANGER_BG


def click(widget) -> None:
    """A finger on ``widget``: enter, press, release (what Tk's button bindings need)."""
    widget.update()
    for sequence in ("<Enter>", "<ButtonPress-1>", "<ButtonRelease-1>"):
        widget.event_generate(sequence, x=4, y=4)
    widget.update()


def page_png(path, *, blank: bool = False):
    image = Image.new("L", (620, 860), 255)
    if not blank:
        draw = ImageDraw.Draw(image)
        for i in range(14):
            draw.rectangle((40, 80 + i * 50, 400, 94 + i * 50), fill=20)
    out = io.BytesIO()
    image.save(out, format="PNG")
    path.write_bytes(out.getvalue())
    return path


@pytest.fixture
def no_desktop_dialog(monkeypatch):
    """Any desktop or app file window opened on the kiosk fails the test."""
    def refuse(*_a, **_kw):
        raise AssertionError("a file window opened on the public kiosk")

    for name in ("askopenfilename", "askopenfilenames", "askdirectory", "asksaveasfilename"):
        monkeypatch.setattr(tkinter.filedialog, name, refuse)
    for name in ("ask_open_file", "ask_save_file"):
        if hasattr(file_dialog, name):
            monkeypatch.setattr(file_dialog, name, refuse)


@pytest.fixture
def stick(tmp_path, monkeypatch):
    return usb_stick(tmp_path, monkeypatch)


def open_kiosk(shell, ctx):
    sign_in_clerk(shell, ctx)
    shell.kiosk_button.invoke()
    k = shell.kiosk
    assert shell.tasks.pump(until=lambda: bool(getattr(k, "group_buttons", None)))
    return k


def to_papers(shell, k):
    click(k.submit_button)
    flow = k.submission
    assert shell.tasks.pump(until=lambda: BIRTH in getattr(flow, "procedure_buttons", {})
                            and flow.draft is not None)
    click(flow.procedure_buttons[BIRTH])
    assert shell.tasks.pump(until=lambda: flow.step == STEP_CARD)
    k.scanner.on_scan(SAMPLE_QR)
    assert shell.tasks.pump(until=lambda: flow.step == STEP_FORM and flow.form_view)
    # the form came up by itself (the scan): taps wait out the guard, as a person's would
    assert k.guard.up
    time.sleep(touch_guard.GUARD_SECONDS + 0.05)
    return flow


def test_after_the_thank_you_returns_by_itself_a_late_tap_takes_no_ticket(shell, ctx,
                                                                         monkeypatch):
    monkeypatch.setattr(info_screens, "THANKS_SECONDS", 2)
    k = open_kiosk(shell, ctx)
    click(k.rate_button)
    click(k.level_buttons["very_satisfied"])
    assert shell.tasks.pump(until=lambda: getattr(k, "thanks_label", None) is not None
                            and k.thanks_label.winfo_exists())
    # the automatic return is announced, counting down
    assert k.countdown_label.cget("text") == "Tự động về màn hình chính sau 2 giây."
    assert shell.tasks.pump(until=lambda: "1 giây" in k.countdown_label.cget("text"),
                            timeout=3)
    assert shell.tasks.pump(until=lambda: k.on_start_screen(), timeout=5)
    # the finger that was on its way lands on "A" now under it: nothing happens
    before = Ticket.select().count()
    click(k.group_buttons["A"])
    shell.tasks.pump()
    assert Ticket.select().count() == before and k.on_start_screen()
    # a moment later the same tap takes a number
    time.sleep(touch_guard.GUARD_SECONDS + 0.05)
    click(k.group_buttons["A"])
    assert shell.tasks.pump(until=lambda: Ticket.select().count() == before + 1)


def test_a_ticket_with_nobody_ahead_says_so_and_counts_down(shell, ctx):
    k = open_kiosk(shell, ctx)
    click(k.group_buttons["B"])
    assert shell.tasks.pump(until=lambda: getattr(k, "waiting_label", None) is not None
                            and k.waiting_label.winfo_exists())
    assert k.waiting_label.cget("text") == "Bạn là người tiếp theo; mời bạn chờ gọi số."
    assert k.countdown_label.cget("text") == "Tự động về màn hình chính sau 10 giây."
    tickets.take_ticket(ctx, "B", print_ticket=False)
    click(k.done_button)
    click(k.group_buttons["B"])
    assert shell.tasks.pump(until=lambda: getattr(k, "waiting_label", None) is not None
                            and k.waiting_label.winfo_exists()
                            and "Có 2 người" in k.waiting_label.cget("text"))


def test_questions_put_the_safe_answer_left_and_the_destructive_one_red_on_the_right(
        shell, ctx):
    k = open_kiosk(shell, ctx)
    flow = to_papers(shell, k)
    click(flow.cancel_button)
    asked = flow.prompt
    k.window.update()
    keep, cancel = asked.buttons["Không, làm tiếp"], asked.buttons["Có, hủy hồ sơ"]
    assert cancel.cget("bg") == RED and keep.cget("bg") != RED
    assert keep.winfo_rootx() + keep.winfo_width() <= cancel.winfo_rootx()
    click(keep)
    assert k.submission is flow and flow.prompt is None and flow.step == STEP_FORM

    # the idle question: the same layout, a countdown, and a tap anywhere keeps the data
    flow.form_view.set_value("child_name", "Trần Minh Khôi")
    k.on_idle()
    asked = flow.prompt
    k.window.update()
    more, restart = asked.buttons["Còn, tôi làm tiếp"], asked.buttons["Không, làm lại từ đầu"]
    assert restart.cget("bg") == RED and more.cget("bg") != RED
    assert more.winfo_rootx() < restart.winfo_rootx()
    assert "sau 20 giây" in asked.countdown_label.cget("text")
    assert k.guard.up  # it appeared by itself: a tap on its way does not answer it
    click(restart)
    assert flow.prompt is asked and k.submission is flow
    time.sleep(touch_guard.GUARD_SECONDS + 0.05)
    click(flow.step_label)  # a tap outside the question
    assert flow.prompt is None and k.submission is flow
    assert flow.form_view.values()["child_name"] == "Trần Minh Khôi"


def test_an_info_screen_asks_before_its_reset(shell, ctx, monkeypatch):
    monkeypatch.setattr(kiosk_view, "IDLE_PROMPT_SECONDS", 3)
    k = open_kiosk(shell, ctx)
    click(k.lookup_button)
    assert shell.tasks.pump(until=lambda: bool(getattr(k, "procedure_buttons", None)))
    k.on_idle()
    assert "Bạn còn cần thêm thời gian?" in k.prompt.panel.winfo_children()[0].cget("text")
    assert k.prompt.buttons["Không, về màn hình chính"].cget("bg") == RED
    time.sleep(touch_guard.GUARD_SECONDS + 0.05)
    click(k.lookup_entry)  # a touch: still reading
    assert k.prompt is None and not k.on_start_screen()
    k.on_idle()
    assert shell.tasks.pump(until=lambda: k.on_start_screen(), timeout=8)


def test_files_come_from_the_usb_list_only(shell, ctx, stick, no_desktop_dialog):
    page_png(stick / "giay-chung-sinh.png")
    page_png(stick / "trang-trang.png", blank=True)
    (stick / "ghi-chu.txt").write_text("not listed")
    k = open_kiosk(shell, ctx)
    flow = to_papers(shell, k)
    for name, value in {"req_relation": "Mẹ", "child_name": "Trần Minh Khôi",
                        "child_birth_date": "20/11/2026", "child_gender": "Nam",
                        "child_ethnicity": "Kinh", "child_birth_place": "Sa Đéc",
                        "child_hometown": "Sa Đéc", "mother_name": "Nguyễn Thị Hoa",
                        "mother_birth_date": "21/03/2003", "mother_ethnicity": "Kinh",
                        "mother_residence": "Sa Đéc"}.items():
        flow.form_view.set_value(name, value)
    click(flow.next_button)
    assert shell.tasks.pump(until=lambda: flow.step == STEP_PAPERS)
    row = flow.paper_rows[1]
    assert row["file"].cget("text") == "Tệp từ USB"
    click(row["file"])
    picker = flow.usb_picker
    assert shell.tasks.pump(until=lambda: picker.files)
    assert sorted(picker.file_buttons) == ["giay-chung-sinh.png", "trang-trang.png"]
    # a white page is refused with a sentence
    click(picker.file_buttons["trang-trang.png"])
    assert shell.tasks.pump(until=lambda: not flow.busy and "trống" in flow.message.cget("text"))
    assert not row["strip"].pages
    click(row["file"])
    picker = flow.usb_picker
    assert shell.tasks.pump(until=lambda: picker.files)
    click(picker.file_buttons["giay-chung-sinh.png"])
    assert shell.tasks.pump(until=lambda: len(row["strip"].images) == 1)
    assert "Đã thêm trang 1" in flow.message.cget("text")
    # no stick: a sentence in the list, not a window
    for child in stick.iterdir():
        child.unlink()
    click(row["file"])
    picker = flow.usb_picker
    assert shell.tasks.pump(until=lambda: "Chưa thấy" in picker.status.cget("text"))
    click(picker.close_button)
    assert not picker.alive


def test_with_files_off_there_is_no_file_button(shell, ctx, stick, monkeypatch):
    k = open_kiosk(shell, ctx)
    monkeypatch.setitem(ctx.config.values, "kiosk.allow_files", False)
    flow = to_papers(shell, k)
    flow.show_papers(0)
    assert flow.paper_rows[1]["file"] is None
    assert {"scan", "camera"} <= {n for n, b in flow.paper_rows[1].items() if b is not None}


def test_typing_finds_a_procedure_in_vietnamese_order(shell, ctx):
    k = open_kiosk(shell, ctx)
    click(k.lookup_button)
    assert shell.tasks.pump(until=lambda: bool(getattr(k, "procedure_buttons", None)))
    names = [b.cget("text") for b in k.procedure_buttons.values()]
    assert names.index("Cấp bản sao trích lục hộ tịch") < names.index(
        "Chứng thực bản sao từ bản chính")
    click(k.lookup_entry)
    assert k.lookup_keyboard is not None  # the touch keyboard came with the touch
    type_text(k.lookup_entry, "chung thuc", gap_ms=150)
    shown = [b.cget("text") for b in k.procedure_buttons.values()]
    assert shown and all(s.startswith("Chứng thực") for s in shown)
    k.lookup_query.set("")
    for key in ("k", "e", "t", "space", "h", "o", "n"):
        click(k.lookup_keyboard.keys[key])
    assert [b.cget("text") for b in k.procedure_buttons.values()] == ["Đăng ký kết hôn"]

    # the same in the submission's first step
    k.show_start()
    click(k.submit_button)
    flow = k.submission
    assert shell.tasks.pump(until=lambda: BIRTH in getattr(flow, "procedure_buttons", {}))
    click(flow.procedure_search)
    type_text(flow.procedure_search, "khai sinh", gap_ms=150)
    assert set(flow.procedure_buttons) == {BIRTH, "1.004884"}


def test_the_mother_declares_with_one_touch_and_picks_from_lists(shell, ctx):
    k = open_kiosk(shell, ctx)
    flow = to_papers(shell, k)
    form = flow.form_view
    # the choice is at the top of the form, and the form shows its top
    assert shell.tasks.pump(until=lambda: form.canvas.yview()[0] == 0.0)
    assert form.declarant_buttons[0].cget("text") == "Người khai là mẹ của cháu"
    assert form.values()["mother_name"] == ""
    click(form.declarant_buttons[0])  # "Người khai là mẹ của cháu"
    assert shell.tasks.pump(until=lambda: form.values()["mother_name"] == "Nguyễn Thị Hoa")
    values = form.values()
    assert values["mother_birth_date"] == "21/03/2003"
    assert values["mother_id"] == "034303011829"
    assert values["req_relation"] == "Mẹ"
    # relation by toggles, ethnicity from the 54 groups (no free text)
    assert set(form.choice_buttons["req_relation"]) >= {"Mẹ", "Cha", "Ông", "Bà"}
    assert tuple(form.widgets["child_ethnicity"].cget("values")) == ETHNIC_GROUP_NAMES
    assert str(form.widgets["child_ethnicity"].cget("state")) == "readonly"


def test_a_failure_behind_the_screen_is_a_calm_sentence(shell, ctx, stick, monkeypatch,
                                                        caplog):
    """The database or the page store failing: the citizen reads no server, path or
    setting (the log has them); a sentence meant for the citizen is shown as it is."""
    from sadec_desk.errors import DatabaseError
    from sadec_desk.services.kiosk import guide
    from sadec_desk.services.pages import dossier_pages, store

    k = open_kiosk(shell, ctx)

    def down(*_a, **_kw):
        raise DatabaseError("Lỗi cơ sở dữ liệu: could not connect to server 10.0.0.5:5432")

    working = guide.list_procedures
    monkeypatch.setattr(guide, "list_procedures", down)
    click(k.lookup_button)
    assert shell.tasks.pump(until=lambda: "sự cố kỹ thuật" in texts(k.body))
    assert "10.0.0.5" not in texts(k.body) and "10.0.0.5" in caplog.text
    monkeypatch.setattr(guide, "list_procedures", working)

    flow = to_papers(shell, k)
    for name, value in {"req_relation": "Mẹ", "child_name": "Trần Minh Khôi",
                        "child_birth_date": "20/11/2026", "child_gender": "Nam",
                        "child_ethnicity": "Kinh", "child_birth_place": "Sa Đéc",
                        "child_hometown": "Sa Đéc", "mother_name": "Nguyễn Thị Hoa",
                        "mother_birth_date": "21/03/2003", "mother_ethnicity": "Kinh",
                        "mother_residence": "Sa Đéc"}.items():
        flow.form_view.set_value(name, value)
    click(flow.next_button)
    assert shell.tasks.pump(until=lambda: flow.step == STEP_PAPERS)

    def full(*_a, **_kw):
        raise store.PageStorageError("Không ghi được /var/lib/sadec-desk/pages/ab/cd (ENOSPC)")

    monkeypatch.setattr(dossier_pages, "add_page", full)
    page_png(stick / "giay-chung-sinh.png")
    click(flow.paper_rows[1]["file"])
    picker = flow.usb_picker
    assert shell.tasks.pump(until=lambda: picker.files)
    click(picker.file_buttons["giay-chung-sinh.png"])
    assert shell.tasks.pump(until=lambda: "sự cố kỹ thuật" in flow.message.cget("text"))
    assert "/var/lib" not in flow.message.cget("text") and "/var/lib" in caplog.text


def test_the_scanners_own_black_page_is_refused(shell, ctx, monkeypatch):
    """SANE's test device gives a black page by default: the real scanner path ends in
    the blank-page sentence, not a black page in the dossier."""
    k = open_kiosk(shell, ctx)
    flow = to_papers(shell, k)
    for name, value in {"req_relation": "Mẹ", "child_name": "Trần Minh Khôi",
                        "child_birth_date": "20/11/2026", "child_gender": "Nam",
                        "child_ethnicity": "Kinh", "child_birth_place": "Sa Đéc",
                        "child_hometown": "Sa Đéc", "mother_name": "Nguyễn Thị Hoa",
                        "mother_birth_date": "21/03/2003", "mother_ethnicity": "Kinh",
                        "mother_residence": "Sa Đéc"}.items():
        flow.form_view.set_value(name, value)
    click(flow.next_button)
    assert shell.tasks.pump(until=lambda: flow.step == STEP_PAPERS)
    monkeypatch.setitem(ctx.config.values, "scanning.device", "test:0")
    monkeypatch.setitem(ctx.config.values, "scanning.options", [])
    click(flow.paper_rows[1]["scan"])
    assert shell.tasks.pump(until=lambda: not flow.busy and flow.message.cget("text")
                            and "Đang quét" not in flow.message.cget("text"), timeout=60)
    said = flow.message.cget("text")
    if "Máy quét chưa sẵn sàng" in said:
        pytest.skip("SANE's test device test:0 is not on this machine")
    assert said.startswith("Trang vừa nhận toàn màu đen")
    assert not flow.paper_rows[1]["strip"].pages


def texts(widget) -> str:
    out = []
    for child in widget.winfo_children():
        try:
            out.append(str(child.cget("text")))
        except Exception:
            pass
        out.append(texts(child))
    return "\n".join(out)

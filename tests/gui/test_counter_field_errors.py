"""A service's refusal after F10 is shown beside the field it is about (issue #17 item 5),
driven with real key presses: the message bar only points at the red lines."""

from __future__ import annotations

from appfixtures import SAMPLE_QR
from guikit import key, sign_in_clerk, tick_papers, type_text

from sadec_desk.db.models import Dossier


def choose(shell, counter, code: str) -> None:
    index = [p.code for p in counter.procedures].index(code)
    counter.procedure_box.current(index)
    counter.procedure_box.event_generate("<<ComboboxSelected>>")
    shell.tasks.pump(until=lambda: bool(counter.quote_label.cget("text")))


def test_no_pages_for_a_certified_copy_is_said_beside_the_pages_box(shell, ctx):
    counter = sign_in_clerk(shell, ctx)
    shell.on_scan(SAMPLE_QR)
    choose(shell, counter, "2.000815")  # its fee is per page: 0 pages is a forgotten box
    tick_papers(counter)
    key(shell.window, "F10")
    assert shell.tasks.pump(until=lambda: "số trang" in counter.count_error.cget("text"))
    assert counter.receive_message.text == "Chưa lưu: xem các dòng màu đỏ."
    assert counter.receive_message.kind == "error"
    assert counter.focus_get() is counter.pages  # the cursor is where the fix goes
    assert not counter.locked and Dossier.select().count() == 0
    counter.pages.delete(0, "end")
    type_text(counter.pages, "3")
    assert counter.count_error.cget("text") == ""  # checked again as typed
    key(shell.window, "F10")
    assert shell.tasks.pump(until=lambda: counter.locked)
    assert Dossier.select().count() == 1


def test_a_bad_phone_refused_by_the_service_is_said_beside_the_phone(shell, ctx):
    counter = sign_in_clerk(shell, ctx)
    shell.on_scan(SAMPLE_QR)
    choose(shell, counter, "2.000635")
    tick_papers(counter)
    type_text(counter.phone, "0912")
    counter.phone_error.configure(text="")  # only the service's answer from here on
    key(shell.window, "F10")
    assert shell.tasks.pump(until=lambda: "0912" in counter.phone_error.cget("text"))
    assert "không hợp lệ" in counter.phone_error.cget("text")
    assert counter.receive_message.text == "Chưa lưu: xem các dòng màu đỏ."
    assert counter.focus_get() is counter.phone
    assert Dossier.select().count() == 0
    assert str(counter.save_button.cget("state")) == "normal"

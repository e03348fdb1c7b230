"""views/tasks.py: answers reach the Tk thread; a closed screen's answers are dropped."""

from __future__ import annotations

import tkinter as tk

from sadec_desk.errors import InvalidInput


class Screen(tk.Frame):
    def __init__(self, parent):
        super().__init__(parent)
        self.label = tk.Label(self, text="")
        self.label.pack()
        self.answers = []

    def on_answer(self, value):
        self.label.configure(text=str(value))  # fails on a destroyed widget
        self.answers.append(value)


def test_an_answer_reaches_its_screen(shell):
    screen = Screen(shell.root)
    shell.tasks.submit(lambda: 42, on_done=screen.on_answer)
    assert shell.tasks.pump()
    assert screen.answers == [42] and screen.label.cget("text") == "42"
    screen.destroy()


def test_the_answer_of_a_closed_screen_is_dropped_without_an_error(shell):
    screen = Screen(shell.root)
    errors = []
    shell.tasks.submit(lambda: 42, on_done=screen.on_answer, on_error=errors.append)
    screen.destroy()  # the clerk moved on before the worker answered
    assert shell.tasks.pump()
    assert screen.answers == [] and errors == []
    assert shell.message.text == ""  # no "Lỗi chương trình"


def test_a_user_error_goes_to_the_screen_that_asked(shell):
    screen = Screen(shell.root)
    errors = []

    def refuse():
        raise InvalidInput("Sai dữ liệu.")

    shell.tasks.submit(refuse, on_done=screen.on_answer, on_error=errors.append)
    assert shell.tasks.pump()
    assert errors == ["Sai dữ liệu."]
    screen.destroy()

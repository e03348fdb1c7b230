"""A small themed question window of our own: Vietnamese buttons, a reason box when the
answer needs one, the destructive answer red and on the right.

It does not block (no ``wait_window``): each button calls its callback after the window is
closed, so the worker's answers keep arriving while it is open and the GUI tests drive it
with real clicks. Escape and the window's close box mean the first answer (the safe one);
Enter answers nothing, so a stray Enter (a scanner's, a clerk's) never confirms.
"""

from __future__ import annotations

import tkinter as tk
from collections.abc import Callable
from dataclasses import dataclass

import ttkbootstrap as ttk

from sadec_desk.i18n import _
from sadec_desk.views.widgets import font


@dataclass(frozen=True)
class Choice:
    label: str
    on_choose: Callable[[str], None]  # called with the reason typed ("" when none asked)
    style: str = "secondary"  # "danger" for an answer that ends or destroys something
    needs_reason: bool = False


class AskDialog(tk.Toplevel):
    """``choices[0]`` is the safe answer (Escape, the close box); the rest follow left to
    right, the destructive one last."""

    def __init__(self, parent, *, title: str, message: str, choices: list[Choice],
                 reason_label: str = ""):
        # where the keyboard goes back to: the window's function keys (F10...) work again
        # at once after the answer, not only after a click on the window
        self.return_focus = parent.focus_get() or parent.winfo_toplevel()
        super().__init__(parent)
        self.withdraw()
        self.title(title)
        self.transient(parent.winfo_toplevel())
        self.resizable(False, False)
        self.choices = choices
        self.message = message
        # a visible edge and the title inside: without a window manager's frame (or with
        # a thin one) the question must not melt into the screen behind it
        self.configure(borderwidth=2, relief="solid")
        body = ttk.Frame(self, padding=16)
        body.pack(fill="both", expand=True)
        ttk.Label(body, text=title, font=font(12, "bold")).pack(anchor="w", pady=(0, 8))
        ttk.Label(body, text=message, font=font(11), wraplength=520, justify="left"
                  ).pack(anchor="w")
        self.reason = None
        self.reason_error = None
        if reason_label:
            ttk.Label(body, text=reason_label, font=font(10)).pack(anchor="w", pady=(10, 0))
            self.reason = ttk.Entry(body, font=font(11), width=56)
            self.reason.pack(fill="x")
            self.reason_error = ttk.Label(body, text="", bootstyle="danger", font=font(9))
            self.reason_error.pack(anchor="w")
        row = ttk.Frame(body)
        row.pack(fill="x", pady=(14, 0))
        self.buttons: dict[str, ttk.Button] = {}
        for i, choice in enumerate(choices):
            self.buttons[choice.label] = ttk.Button(
                row, text=choice.label, bootstyle=choice.style if i else "secondary-outline",
                command=lambda c=choice: self.choose(c))
        # the safe answer on the left; the others on the right, the last one rightmost
        self.buttons[choices[0].label].pack(side="left")
        for choice in reversed(choices[1:]):
            self.buttons[choice.label].pack(side="right", padx=(8, 0))
        self.protocol("WM_DELETE_WINDOW", lambda: self.choose(choices[0]))
        self.bind("<Escape>", lambda _e: self.choose(choices[0]))
        self.bind("<Return>", lambda _e: "break")
        self.update_idletasks()
        top = parent.winfo_toplevel()
        x = top.winfo_rootx() + max(0, (top.winfo_width() - self.winfo_reqwidth()) // 2)
        y = top.winfo_rooty() + max(0, (top.winfo_height() - self.winfo_reqheight()) // 3)
        self.geometry(f"+{x}+{y}")
        self.deiconify()
        (self.reason or self.buttons[choices[0].label]).focus_set()
        try:
            self.grab_set()
        except tk.TclError:  # not viewable yet (a slow window manager): modal enough
            pass

    def choose(self, choice: Choice) -> None:
        reason = self.reason.get().strip() if self.reason is not None else ""
        if choice.needs_reason and not reason:
            self.reason_error.configure(text=_("Hãy ghi lý do trước khi chọn «{label}».")
                                        .format(label=choice.label))
            self.reason.focus_set()
            return
        try:
            self.grab_release()
        except tk.TclError:
            pass
        self.destroy()
        try:
            self.return_focus.focus_force()
        except tk.TclError:  # that widget is gone (the screen changed meanwhile)
            pass
        choice.on_choose(reason)

"""Small building blocks shared by the screens."""

from __future__ import annotations

import tkinter as tk

import ttkbootstrap as ttk

FONT = "DejaVu Sans"  # full Vietnamese coverage; Tk falls back if it is missing


def font(size: int = 11, weight: str = "normal") -> tuple:
    return (FONT, size, weight)


class MessageBar(ttk.Label):
    """One line under a screen's title: what just happened, or what to fix (in red)."""

    def __init__(self, parent, wraplength: int = 900, **kw):
        super().__init__(parent, text="", anchor="w", font=font(11), wraplength=wraplength,
                         **kw)

    #: plain colours: a bootstyle on a Label subclass is not recognised by ttkbootstrap
    COLOURS = {"info": "#1f5f99", "ok": "#146c43", "error": "#b02a37", "warning": "#8a5a00"}

    def show(self, text: str, kind: str = "info") -> None:
        self.kind = kind
        self.configure(text=text, foreground=self.COLOURS.get(kind, self.COLOURS["info"]))

    def clear(self) -> None:
        self.configure(text="")

    @property
    def text(self) -> str:
        return self.cget("text")


def create_field(parent, row: int, label: str, *, width: int = 30, show: str = "",
                 column: int = 0) -> tuple[ttk.Entry, ttk.Label]:
    """A label, an entry and an error line under it (validation as you type)."""
    ttk.Label(parent, text=label, font=font(11)).grid(row=row, column=column, sticky="w",
                                                      padx=(0, 8), pady=(6, 0))
    entry = ttk.Entry(parent, width=width, font=font(12), show=show)
    entry.grid(row=row, column=column + 1, sticky="we", pady=(6, 0))
    error = ttk.Label(parent, text="", bootstyle="danger", font=font(9))
    error.grid(row=row + 1, column=column + 1, sticky="w")
    return entry, error


def set_entry(entry: tk.Entry, text: str) -> None:
    state = str(entry.cget("state"))
    if state in ("readonly", "disabled"):
        entry.configure(state="normal")
    entry.delete(0, "end")
    entry.insert(0, text)
    if state in ("readonly", "disabled"):
        entry.configure(state=state)


def watch(widget, callback) -> tk.StringVar:
    """Call ``callback()`` whenever the text of an Entry/Spinbox changes, however it changed
    (typing, pasting, a scanner, the program): validation as you type."""
    var = tk.StringVar(value=widget.get())
    widget.configure(textvariable=var)
    var.trace_add("write", lambda *_args: callback())
    widget._watch_var = var  # keep it alive as long as the widget
    return var

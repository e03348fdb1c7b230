"""What every IT settings tab is made of: the :class:`Tab` frame (a title line and its
own message line, service calls through the shell's task runner) and the small widget
builders the tabs share (a labelled entry row, a column tree)."""

from __future__ import annotations

import ttkbootstrap as ttk

from sadec_desk.views.widgets import MessageBar, font


def create_row(parent, row: int, label: str, *, width: int = 30, show: str = "",
               column: int = 0) -> ttk.Entry:
    """A label and an entry on one grid row (the tab's message line says what to fix)."""
    ttk.Label(parent, text=label, font=font(11)).grid(row=row, column=column, sticky="w",
                                                      padx=(0, 8), pady=3)
    entry = ttk.Entry(parent, width=width, font=font(11), show=show)
    entry.grid(row=row, column=column + 1, sticky="we", pady=3)
    return entry


def create_tree(parent, columns, height: int = 8) -> ttk.Treeview:
    tree = ttk.Treeview(parent, columns=[c for c, _t, _w in columns], show="headings",
                        height=height)
    for col, title, width in columns:
        tree.heading(col, text=title)
        tree.column(col, width=width, stretch=False)
    return tree


class Tab(ttk.Frame):
    """A tab with a title line and its own message line."""

    def __init__(self, parent, shell, title: str):
        super().__init__(parent, padding=(14, 10))
        self.shell, self.ctx = shell, shell.ctx
        ttk.Label(self, text=title, font=font(14, "bold")).pack(anchor="w")
        self.message = MessageBar(self, wraplength=1250)
        self.message.pack(fill="x", pady=(2, 6))

    def submit(self, fn, *args, on_done=None, on_error=None, **kwargs) -> None:
        self.message.clear()
        self.shell.tasks.submit(fn, self.ctx, *args, on_done=on_done,
                                on_error=on_error or (lambda m: self.message.show(m, "error")),
                                **kwargs)

    def ok(self, text: str) -> None:
        self.message.show(text, "ok")

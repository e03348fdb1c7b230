"""What every IT settings tab is made of: the :class:`Tab` frame (a title line and its
own message line, service calls through the shell's task runner) and the small widget
builders the tabs share (a labelled entry row, a column tree)."""

from __future__ import annotations

import ttkbootstrap as ttk

from sadec_desk.views.widgets import MessageBar, ScrollableFrame, font


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
        self.message.on_show = self.reveal_message
        self._columns: list[tuple] = []  # (first, second, gap) of side_by_side
        self._wide: dict[int, bool] = {}

    def side_by_side(self, first, second, gap: int = 20) -> None:
        """``second`` beside ``first`` (both packed in one row frame) while the window
        leaves room for both, under it on a narrow (portrait) window (issue #17 item 3);
        the screen calls :meth:`on_room` with the room's width."""
        self._columns.append((first, second, gap))

    def on_room(self, width: int) -> None:
        for i, (first, second, gap) in enumerate(self._columns):
            # the tab's own padding (14 each side) and a scroll bar's width
            wide = width >= first.winfo_reqwidth() + gap + second.winfo_reqwidth() + 48
            if self._wide.get(i) == wide:
                continue
            self._wide[i] = wide
            if wide:
                first.pack_configure(side="left", anchor="n")
                second.pack_configure(side="left", anchor="n", padx=(gap, 0), pady=0)
            else:
                first.pack_configure(side="top", anchor="w")
                second.pack_configure(side="top", anchor="w", padx=0, pady=(12, 0))

    def reveal_message(self) -> None:
        """A tab scrolled down to its lower buttons brings its message line back into
        view when a message comes (the answer to the button just pressed)."""
        holder = self.master
        while holder is not None and not isinstance(holder, ScrollableFrame):
            holder = holder.master
        if holder is not None:
            holder.see(self.message)

    def submit(self, fn, *args, on_done=None, on_error=None, **kwargs) -> None:
        self.message.clear()
        self.shell.tasks.submit(fn, self.ctx, *args, on_done=on_done,
                                on_error=on_error or (lambda m: self.message.show(m, "error")),
                                **kwargs)

    def ok(self, text: str) -> None:
        self.message.show(text, "ok")

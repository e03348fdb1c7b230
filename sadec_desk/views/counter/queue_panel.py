"""The counter's ticket queue (left of the counter screen): the counter chosen, the ticket
being served, the queue buttons F2–F7, what waits in this counter's groups and the
tickets on hold.

A part of :class:`sadec_desk.views.counter.screen.CounterView` (see there for how the
parts share the view): owns ``counter_box``, ``ticket_label``, ``queue_buttons``,
``transfer_box``, ``waiting_tree``, ``held_list``, ``queue_message`` and the state
``counters``, ``groups``, ``current_ticket`` (the receive form links it to the dossier
it saves).
"""

from __future__ import annotations

import tkinter as tk

import ttkbootstrap as ttk

from sadec_desk.i18n import _
from sadec_desk.services.queue import board as queue_board
from sadec_desk.services.queue import tickets
from sadec_desk.services.reception import papers as dossier_papers
from sadec_desk.views.widgets import MessageBar, font

QUEUE_REFRESH_MS = 3000

#: (key, label, shortcut) of the queue buttons
QUEUE_ACTIONS = (
    ("next", lambda: _("Gọi số tiếp"), "F2"),
    ("recall", lambda: _("Gọi lại"), "F3"),
    ("skip", lambda: _("Vắng mặt"), "F4"),
    ("hold", lambda: _("Tạm giữ"), "F5"),
    ("transfer", lambda: _("Chuyển"), "F6"),
    ("done", lambda: _("Xong"), "F7"),
)


class QueuePanel:
    """The queue part of the counter view (a mixin of CounterView)."""

    def create_queue_panel(self) -> ttk.Frame:
        panel = ttk.Labelframe(self, text=_("Hàng đợi"), padding=8, bootstyle="primary")
        # two parts: the ticket and its keys, then what waits; one under the other beside
        # the tabs, side by side above them on a narrow (portrait) window (arrange_queue)
        calling = self.queue_calling = ttk.Frame(panel)
        waiting = self.queue_waiting = ttk.Frame(panel)
        calling.pack(side="top", fill="x", anchor="n")
        waiting.pack(side="top", fill="x", anchor="n")
        top = ttk.Frame(calling)
        top.pack(fill="x")
        ttk.Label(top, text=_("Quầy"), font=font(11)).pack(side="left")
        self.counter_box = ttk.Combobox(top, state="readonly", width=22, font=font(11))
        self.counter_box.pack(side="left", padx=6)
        self.counter_box.bind("<<ComboboxSelected>>", lambda _e: self.on_refresh_queue())
        ttk.Label(calling, text=_("Đang phục vụ"), font=font(10)).pack(anchor="w", pady=(8, 0))
        self.ticket_label = ttk.Label(calling, text="—", font=font(40, "bold"),
                                      bootstyle="primary")
        self.ticket_label.pack(anchor="w")
        self.ticket_detail = ttk.Label(calling, text="", font=font(10), wraplength=330)
        self.ticket_detail.pack(anchor="w")
        grid = ttk.Frame(calling)
        grid.pack(fill="x", pady=6)
        self.queue_buttons = {}
        for i, (key, label, shortcut) in enumerate(QUEUE_ACTIONS):
            style = "primary" if key == "next" else ("success" if key == "done" else
                                                    "secondary")
            button = ttk.Button(grid, text=f"{label()} ({shortcut})", bootstyle=style,
                                width=15, command=lambda k=key: self.on_queue_action(k))
            button.grid(row=i // 2, column=i % 2, padx=2, pady=2, sticky="we")
            self.queue_buttons[key] = button
        row = ttk.Frame(calling)
        row.pack(fill="x")
        ttk.Label(row, text=_("Chuyển đến"), font=font(10)).pack(side="left")
        self.transfer_box = ttk.Combobox(row, state="readonly", width=24, font=font(10))
        self.transfer_box.pack(side="left", padx=6)
        ttk.Label(waiting, text=_("Đang chờ"), font=font(11, "bold")).pack(anchor="w",
                                                                        pady=(8, 0))
        self.waiting_tree = ttk.Treeview(waiting, columns=("group", "count", "next"),
                                         show="headings", height=4)
        for col, title, width in (("group", _("Nhóm"), 118), ("count", _("Số chờ"), 66),
                                  ("next", _("Số tiếp theo"), 146)):
            self.waiting_tree.heading(col, text=title)
            self.waiting_tree.column(col, width=width, stretch=False)
        self.waiting_tree.pack(fill="x")
        ttk.Label(waiting, text=_("Đang tạm giữ (nhấp đúp để gọi)"), font=font(10)
                  ).pack(anchor="w", pady=(8, 0))
        self.held_list = tk.Listbox(waiting, height=3, font=font(12))
        self.held_list.pack(fill="x")
        self.held_list.bind("<Double-Button-1>", lambda _e: self.on_call_held())
        self.queue_message = MessageBar(waiting, wraplength=330)
        self.queue_message.pack(fill="x", pady=(6, 0))
        return panel

    def arrange_queue(self, wide: bool) -> None:
        """The waiting part under the calling part (beside the tabs) or beside it (above
        the tabs on a narrow window, where a tall panel would squeeze the form)."""
        if wide:
            self.queue_waiting.pack_configure(side="top", fill="x", padx=0)
        else:
            self.queue_calling.pack_configure(side="left", fill="y")
            self.queue_waiting.pack_configure(side="left", fill="both", expand=True,
                                              padx=(16, 0))
            return
        self.queue_calling.pack_configure(side="top", fill="x")

    def show_counters(self, counters, groups) -> None:
        """The office's counters and groups are loaded: fill the boxes, pick the clerk's
        own counter and start the queue refresh."""
        self.counters = [c for c in counters if c.active]
        self.groups = [g for g in groups if g.active]
        names = [c.name for c in self.counters]
        self.counter_box.configure(values=names)
        mine = getattr(self.shell.ctx.user, "counter", None)
        index = next((i for i, c in enumerate(self.counters) if c.number == mine), 0)
        if names:
            self.counter_box.current(index)
        else:
            self.queue_message.show(_("Chưa có quầy nào; cán bộ CNTT cần tạo quầy."), "warning")
        self.transfer_box.configure(values=[c.name for c in self.counters] + [
            _("Nhóm {prefix} – {name}").format(prefix=g.prefix, name=g.name)
            for g in self.groups])
        self.on_refresh_queue()

    @property
    def counter_number(self) -> int | None:
        index = self.counter_box.current()
        if index < 0 or index >= len(self.counters):
            return None
        return self.counters[index].number

    def on_refresh_queue(self) -> None:
        if self._refresh_job is not None:
            self.after_cancel(self._refresh_job)
        self._refresh_job = self.after(QUEUE_REFRESH_MS, self.on_refresh_queue)
        self.shell.tasks.submit(queue_board.queue_status, self.ctx, on_done=self.on_queue_status,
                                on_error=lambda m: self.queue_message.show(m, "error"))
        # a citizen may submit at the kiosk any time: the button says how many wait
        self.shell.tasks.submit(dossier_papers.kiosk_waiting_count, self.ctx,
                                on_done=self.on_kiosk_count, on_error=lambda _m: None)

    def on_queue_status(self, status) -> None:
        number = self.counter_number
        mine = next((c for c in status.counters if c.number == number), None)
        self.waiting_tree.delete(*self.waiting_tree.get_children())
        for g in status.groups:
            if mine is None or g.prefix in mine.groups:
                self.waiting_tree.insert("", "end", values=(
                    f"{g.prefix} – {g.name}", g.waiting, ", ".join(g.next_tickets) or "—"))
        self.held_list.delete(0, "end")
        if mine is not None:
            for number_text in mine.on_hold:
                self.held_list.insert("end", number_text)
            self.show_ticket(mine.now_serving)

    def show_ticket(self, ticket) -> None:
        self.current_ticket = ticket
        if ticket is None:
            self.ticket_label.configure(text="—")
            self.ticket_detail.configure(text=_("Chưa gọi ai. Bấm «Gọi số tiếp» (F2)."))
            return
        self.ticket_label.configure(text=ticket.number)
        detail = f"{ticket.group_name} · {ticket.status_label}"
        if ticket.priority:
            detail += " · " + _("ưu tiên")
        self.ticket_detail.configure(text=detail)

    def on_queue_action(self, key: str) -> None:
        number = self.counter_number
        if number is None:
            self.queue_message.show(_("Hãy chọn quầy trước."), "error")
            return
        ctx = self.ctx
        if key == "next":
            call = (tickets.call_next, (ctx, number), {})
        elif key == "recall":
            call = (tickets.recall, (ctx,), {"counter": number})
        elif key == "skip":
            call = (tickets.skip, (ctx,), {"counter": number})
        elif key == "hold":
            call = (tickets.hold, (ctx,), {"counter": number})
        elif key == "done":
            call = (tickets.finish, (ctx,), {"counter": number})
        else:  # transfer
            index = self.transfer_box.current()
            if index < 0:
                self.queue_message.show(_("Chọn quầy hoặc nhóm ở ô «Chuyển đến» rồi bấm "
                                          "Chuyển."), "error")
                return
            target = ({"to_counter": self.counters[index].number} if index < len(self.counters)
                      else {"to_group": self.groups[index - len(self.counters)].prefix})
            call = (tickets.transfer, (ctx,), {"counter": number, **target})
        fn, args, kwargs = call
        self.shell.tasks.submit(fn, *args, **kwargs,
                                on_done=lambda t, k=key: self.on_ticket_changed(k, t),
                                on_error=lambda m: self.queue_message.show(m, "error"))

    def on_call_held(self) -> None:
        selection = self.held_list.curselection()
        number = self.counter_number
        if not selection or number is None:
            return
        self.shell.tasks.submit(tickets.call_ticket, self.ctx, self.held_list.get(selection[0]),
                                number, on_done=lambda t: self.on_ticket_changed("next", t),
                                on_error=lambda m: self.queue_message.show(m, "error"))

    def on_ticket_changed(self, key: str, ticket) -> None:
        messages = {
            "next": _("Đã gọi số {n}."), "recall": _("Đã gọi lại số {n}."),
            "skip": _("Số {n}: vắng mặt."), "hold": _("Đã tạm giữ số {n}."),
            "transfer": _("Đã chuyển số {n}."), "done": _("Số {n}: đã phục vụ xong."),
        }
        self.queue_message.show(messages[key].format(n=ticket.number), "ok")
        # the call is said by the display board (this machine's or another one's), which
        # reads every call once through its cursor: saying it here too would double it
        self.on_refresh_queue()

"""The display board: a second window (meant for a wall screen) in the waiting hall.

Now serving per counter, the last calls, how many wait per group and a scrolling
notice line. New calls are read with ``queue.calls_since`` (a cursor, so each call
is shown and said once) and said by the shell's announcer.
"""

from __future__ import annotations

import tkinter as tk

import ttkbootstrap as ttk

from sadec_desk.i18n import _
from sadec_desk.services.display import format_moment
from sadec_desk.services.queue import board as queue_board
from sadec_desk.views.widgets import font, release_tk_objects

POLL_MS = 1000
SCROLL_MS = 40
SCROLL_STEP = 2
FLASH_MS = 4000


def notice_text(ctx, status) -> str:
    """The scrolling line: opening hours, the office's no-appointment days, a reminder."""
    parts = [_("Giờ tiếp nhận: {opening}–{closing}").format(
        opening=ctx.config["calendar.opening"], closing=ctx.config["calendar.closing"])]
    if status.same_day.weekday_names:
        parts.append(_("{days}: không hẹn — hồ sơ đủ điều kiện được trả kết quả trong ngày")
                     .format(days=", ".join(status.same_day.weekday_names)))
    parts.append(_("Vui lòng giữ phiếu số thứ tự và chờ đến lượt được gọi. Xin cảm ơn!"))
    return "   •   ".join(parts)


class BoardWindow:
    def __init__(self, root, shell, *, geometry: str = "1366x768+0+0"):
        self.shell, self.ctx = shell, shell.ctx
        self.window = ttk.Toplevel(root)
        self.window.title(_("Bảng hiển thị số thứ tự"))
        self.window.geometry(geometry)
        self.window.protocol("WM_DELETE_WINDOW", self.close)
        self.alive = True
        self.cursor = None
        self.counter_labels: dict[int, tuple[ttk.Label, ttk.Label]] = {}
        self._jobs: list[str] = []
        self.create_layout()
        self.on_poll()
        self._jobs.append(self.window.after(SCROLL_MS, self.on_scroll))

    def create_layout(self) -> None:
        w = self.window
        w.configure(background="#0b3d6b")
        top = tk.Frame(w, background="#0b3d6b")
        top.pack(fill="x", padx=20, pady=(14, 4))
        self.title = tk.Label(top, text=self.ctx.config["office.name"], font=font(26, "bold"),
                              fg="white", bg="#0b3d6b")
        self.title.pack(side="left")
        self.clock = tk.Label(top, text="", font=font(22), fg="#ffd54f", bg="#0b3d6b")
        self.clock.pack(side="right")
        self.call_banner = tk.Label(w, text="", font=font(30, "bold"), fg="#0b3d6b",
                                    bg="#ffd54f", wraplength=1300)
        self.call_banner.pack(fill="x", padx=20, pady=4)
        middle = tk.Frame(w, background="#0b3d6b")
        middle.pack(fill="both", expand=True, padx=20)
        self.counters_frame = tk.Frame(middle, background="#0b3d6b")
        self.counters_frame.pack(side="left", fill="both", expand=True)
        side = tk.Frame(middle, background="#0b3d6b")
        side.pack(side="right", fill="y", padx=(20, 0))
        tk.Label(side, text=_("Vừa gọi"), font=font(20, "bold"), fg="white", bg="#0b3d6b"
                 ).pack(anchor="w")
        self.recent = tk.Label(side, text="", font=font(18), fg="white", bg="#0b3d6b",
                               justify="left", anchor="nw")
        self.recent.pack(anchor="w", fill="x")
        tk.Label(side, text=_("Đang chờ"), font=font(20, "bold"), fg="white", bg="#0b3d6b"
                 ).pack(anchor="w", pady=(16, 0))
        self.waiting = tk.Label(side, text="", font=font(18), fg="white", bg="#0b3d6b",
                                justify="left", anchor="nw")
        self.waiting.pack(anchor="w", fill="x")
        self.notice = tk.Canvas(w, height=48, background="#083056", highlightthickness=0)
        self.notice.pack(fill="x", side="bottom")
        self.notice_item = self.notice.create_text(20, 24, text="", fill="white",
                                                   font=font(18), anchor="w")

    # --- data -----------------------------------------------------------------------------

    def on_poll(self) -> None:
        if not self.alive:
            return
        tasks = self.shell.tasks
        tasks.submit(queue_board.queue_status, self.ctx, recent=6, on_done=self.on_status,
                     on_error=self.on_error)
        tasks.submit(queue_board.calls_since, self.ctx, self.cursor, on_done=self.on_calls,
                     on_error=self.on_error)
        self.clock.configure(text=format_moment(self.ctx.now(), sep="  "))
        self._jobs.append(self.window.after(POLL_MS, self.on_poll))

    def on_error(self, message: str) -> None:
        if self.alive:
            self.call_banner.configure(text=message, bg="#ef9a9a")

    def on_status(self, status) -> None:
        if not self.alive:
            return
        numbers = [c.number for c in status.counters]
        if sorted(self.counter_labels) != sorted(numbers):
            for child in self.counters_frame.winfo_children():
                child.destroy()
            self.counter_labels = {}
            columns = 2 if len(numbers) > 3 else 1
            for i, c in enumerate(status.counters):
                box = tk.Frame(self.counters_frame, background="white", padx=16, pady=6)
                box.grid(row=i // columns, column=i % columns, sticky="nsew", padx=6, pady=6)
                self.counters_frame.columnconfigure(i % columns, weight=1)
                name = tk.Label(box, text=c.name, font=font(22, "bold"), fg="#0b3d6b",
                                bg="white")
                name.pack(side="left")
                number = tk.Label(box, text="—", font=font(48, "bold"), fg="#c62828",
                                  bg="white")
                number.pack(side="right")
                self.counter_labels[c.number] = (name, number)
        if not self.notice.itemcget(self.notice_item, "text"):
            self.notice.itemconfigure(self.notice_item, text=notice_text(self.ctx, status))
        for c in status.counters:
            self.counter_labels[c.number][1].configure(
                text=c.now_serving.number if c.now_serving else "—")
        self.recent.configure(text="\n".join(
            f"{call.ticket} → {call.counter_name}" for call in status.recent_calls) or "—")
        self.waiting.configure(text="\n".join(
            _("{prefix} {name}: {n} người").format(prefix=g.prefix, name=g.name, n=g.waiting)
            for g in status.groups) or "—")

    def on_calls(self, value) -> None:
        calls, cursor = value
        self.cursor = cursor
        if not calls or not self.alive:
            return
        latest = calls[-1]
        self.call_banner.configure(text=latest.text, bg="#ffd54f")
        self._jobs.append(self.window.after(FLASH_MS, self.on_flash_end))
        announcer = self.shell.announcer
        if announcer is not None:
            for call in calls:
                announcer.announce(call.speech)

    def on_flash_end(self) -> None:
        if self.alive:
            self.call_banner.configure(bg="#0b3d6b")

    def on_scroll(self) -> None:
        if not self.alive:
            return
        self.notice.move(self.notice_item, -SCROLL_STEP, 0)
        x1, _y1, x2, _y2 = self.notice.bbox(self.notice_item)
        if x2 < 0:
            self.notice.move(self.notice_item, self.notice.winfo_width() - x1 + 10, 0)
        self._jobs.append(self.window.after(SCROLL_MS, self.on_scroll))

    def close(self) -> None:
        if not self.alive:
            return
        self.alive = False
        for job in self._jobs:
            try:
                self.window.after_cancel(job)
            except tk.TclError:
                pass
        release_tk_objects(self, self.window)
        self.window.destroy()
        if self.shell.board is self:
            self.shell.board = None

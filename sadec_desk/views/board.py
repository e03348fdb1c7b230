"""The display board: a second window (meant for a wall screen) in the waiting hall.

Now serving per counter, the last calls, how many wait per group and a scrolling
notice line. New calls are read with ``queue.calls_since`` (a cursor, so each call
is shown and said once) and said by the shell's announcer.

Everything is sized from the window's own size (issue #17: a 1920×1080 TV was 60 % empty
and a portrait screen cut the lists): :func:`board_layout` turns the width and height
into a scale, a number of counter columns and whether the side lists go beside the
counters (landscape) or under them (portrait); the window applies it again whenever it
is resized. Run on its own (``sadec-desk board``) it covers one monitor exactly, with no
frame or title bar.
"""

from __future__ import annotations

import math
import tkinter as tk
from dataclasses import dataclass

import ttkbootstrap as ttk

from sadec_desk.i18n import _
from sadec_desk.services.display import format_moment
from sadec_desk.services.queue import board as queue_board
from sadec_desk.views.widgets import font, release_tk_objects

POLL_MS = 1000
SCROLL_MS = 40
SCROLL_STEP = 2
FLASH_MS = 4000
#: the size the board was drawn for (scale 1): the counter PC's 1366×768 screen
BASE_WIDTH, BASE_HEIGHT = 1366, 768
#: how far the scale goes: a tiny window stays readable, a 4K TV is not all letters
MIN_SCALE, MAX_SCALE = 0.6, 3.0
#: font sizes at scale 1, by role
BASE_FONTS = {"title": 26, "clock": 22, "banner": 30, "heading": 22, "line": 20,
              "counter_name": 22, "counter_number": 48, "notice": 18}
BG = "#0b3d6b"


@dataclass(frozen=True)
class BoardLayout:
    scale: float
    portrait: bool
    fonts: dict  # role -> point size
    pad: int  # outer padding in pixels
    wrap: int  # wrap length of the call banner in pixels


def board_layout(width: int, height: int) -> BoardLayout:
    """How the board's title, banner, lists and notice fill a ``width``×``height`` window.

    Landscape scales from 1366×768 by the tighter of the two ratios (1920×1080 -> 1.4).
    Portrait stacks the side lists under the counters and scales from 768×1366 (1080×1920
    -> 1.4). The counters' boxes are sized by :func:`counter_grid` from the room left."""
    width, height = max(width, 200), max(height, 200)
    portrait = height > width
    base_w, base_h = (BASE_HEIGHT, BASE_WIDTH) if portrait else (BASE_WIDTH, BASE_HEIGHT)
    scale = min(max(min(width / base_w, height / base_h), MIN_SCALE), MAX_SCALE)
    fonts = {role: max(8, round(size * scale)) for role, size in BASE_FONTS.items()}
    pad = max(8, round(20 * scale))
    return BoardLayout(scale=scale, portrait=portrait, fonts=fonts, pad=pad,
                       wrap=max(200, width - 2 * pad - 20))


@dataclass(frozen=True)
class CounterGrid:
    columns: int
    rows: int
    name_pt: int
    number_pt: int
    gap: int  # pixels between boxes


#: "A012": the widest ticket number the boxes must hold, in digit widths
NUMBER_CHARS = 4.6
#: a bold digit is about this many em wide; a line about this many em tall
DIGIT_EM, LINE_EM = 0.7, 1.25


def counter_grid(width: int, height: int, counters: int, *, px_per_pt: float = 96 / 72,
                 scale: float = 1.0) -> CounterGrid:
    """The counters' boxes filling a ``width``×``height`` area (pixels): the number of
    columns that gives the biggest "now serving" number, and its size, so that two
    counters fill a TV and twelve still fit. Each box holds the counter's name over the
    number."""
    gap = max(4, round(8 * scale))
    best = CounterGrid(1, max(1, counters), 10, 10, gap)
    if counters <= 0 or width < 20 or height < 20:
        return best
    for columns in range(1, min(counters, 4) + 1):
        rows = math.ceil(counters / columns)
        box_w = width / columns - 2 * gap
        box_h = height / rows - 2 * gap
        # the number takes the box's width in NUMBER_CHARS digits, or what is left of its
        # height under the name (the name about 0.35 of the number's size)
        by_width = box_w * 0.92 / (NUMBER_CHARS * DIGIT_EM)
        by_height = box_h * 0.9 / (LINE_EM * 1.35)
        number_px = min(by_width, by_height)
        number_pt = max(10, int(number_px / px_per_pt))
        name_pt = max(10, min(int(number_pt * 0.35), round(BASE_FONTS["counter_name"] * 1.8
                                                           * scale)))
        if number_pt > best.number_pt:
            best = CounterGrid(columns, rows, name_pt, number_pt, gap)
    return best


def parse_size(geometry: str) -> tuple[int, int]:
    """(width, height) of a Tk geometry string such as "1920x1080+1366+0"."""
    size = geometry.split("+")[0].split("-")[0]
    width, _sep, height = size.partition("x")
    return int(width), int(height)


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
    """The board; ``monitor_geometry`` (standalone: "1920x1080+1366+0") covers that
    monitor with no frame, otherwise a normal window of ``geometry``."""

    def __init__(self, root, shell, *, geometry: str = "1366x768+0+0",
                 monitor_geometry: str | None = None):
        self.shell, self.ctx = shell, shell.ctx
        self.window = ttk.Toplevel(root)
        self.window.title(_("Bảng hiển thị số thứ tự"))
        self.window.protocol("WM_DELETE_WINDOW", self.close)
        self.standalone = monitor_geometry is not None
        if self.standalone:
            # no title bar, no frame, exactly on the chosen monitor (a window manager's
            # full-screen would pick the monitor itself, and Tk with none covers them all)
            self.window.overrideredirect(True)
        self.window.geometry(monitor_geometry or geometry)
        self.alive = True
        self.cursor = None
        self.counter_labels: dict[int, tuple[tk.Label, tk.Label]] = {}
        self.last_status = None
        self._jobs: list[str] = []
        self._size = (0, 0)
        size = parse_size(monitor_geometry or geometry)
        self.layout = board_layout(*size)
        self.create_layout()
        self.apply_layout(*size)
        self.window.bind("<Configure>", self.on_configure, add="+")
        self.on_poll()
        self._jobs.append(self.window.after(SCROLL_MS, self.on_scroll))

    def label(self, parent, role: str, *, weight: str = "normal", **options) -> tk.Label:
        """A label whose font follows the layout's size for ``role``."""
        widget = tk.Label(parent, font=font(self.layout.fonts[role], weight), **options)
        self._scaled.append((widget, role, weight))
        return widget

    def create_layout(self) -> None:
        w = self.window
        w.configure(background=BG)
        self._scaled: list[tuple[tk.Label, str, str]] = []
        self.top = tk.Frame(w, background=BG)
        self.top.pack(fill="x")
        self.title = self.label(self.top, "title", weight="bold",
                                text=self.ctx.config["office.name"], fg="white", bg=BG,
                                anchor="w", justify="left")
        self.title.pack(side="left", fill="x", expand=True)
        self.clock = self.label(self.top, "clock", text="", fg="#ffd54f", bg=BG)
        self.clock.pack(side="right")
        self.call_banner = self.label(w, "banner", weight="bold", text="", fg=BG, bg=BG)
        self.call_banner.pack(fill="x")
        # packed before the middle so that a short screen cuts the lists, never the notice
        self.notice = tk.Canvas(w, height=48, background="#083056", highlightthickness=0)
        self.notice.pack(fill="x", side="bottom")
        self.notice_item = self.notice.create_text(20, 24, text="", fill="white",
                                                   font=font(self.layout.fonts["notice"]),
                                                   anchor="w")
        self.middle = tk.Frame(w, background=BG)
        self.middle.pack(fill="both", expand=True)
        self.counters_frame = tk.Frame(self.middle, background=BG)
        self.counters_frame.bind("<Configure>", self.on_counters_resized, add="+")
        self.grid_size = (0, 0)
        self.counter_grid = CounterGrid(1, 1, 10, 10, 4)
        self.side = tk.Frame(self.middle, background=BG)
        self.recent_title = self.label(self.side, "heading", weight="bold", text=_("Vừa gọi"),
                                       fg="white", bg=BG)
        self.recent_title.pack(anchor="w")
        self.recent = self.label(self.side, "line", text="", fg="white", bg=BG,
                                 justify="left", anchor="nw")
        self.recent.pack(anchor="w", fill="x")
        self.waiting_title = self.label(self.side, "heading", weight="bold",
                                        text=_("Đang chờ"), fg="white", bg=BG)
        self.waiting_title.pack(anchor="w", pady=(16, 0))
        self.waiting = self.label(self.side, "line", text="", fg="white", bg=BG,
                                  justify="left", anchor="nw")
        self.waiting.pack(anchor="w", fill="x")

    def on_configure(self, event) -> None:
        if event.widget is self.window and self.alive:
            self.apply_layout(event.width, event.height)

    def apply_layout(self, width: int, height: int) -> None:
        """Size every font and place the parts for a ``width``×``height`` window."""
        if (width, height) == self._size or width < 50 or height < 50:
            return
        self._size = (width, height)
        layout = self.layout = board_layout(width, height)
        for widget, role, weight in self._scaled:
            widget.configure(font=font(layout.fonts[role], weight))
        pad = layout.pad
        self.top.pack_configure(padx=pad, pady=(round(pad * 0.7), 4))
        # portrait: the clock under the office's name (side by side they cut each other)
        self.title.pack_forget()
        self.clock.pack_forget()
        # beside the clock (landscape) a long office name wraps before reaching it
        self.title.configure(wraplength=layout.wrap if layout.portrait
                             else int(layout.wrap * 0.68))
        if layout.portrait:
            self.title.pack(side="top", fill="x")
            self.clock.pack(side="top", anchor="w")
        else:
            self.title.pack(side="left", fill="x", expand=True)
            self.clock.pack(side="right")
        self.call_banner.configure(wraplength=layout.wrap)
        self.call_banner.pack_configure(padx=pad, pady=4)
        self.middle.pack_configure(padx=pad)
        notice_h = round(layout.fonts["notice"] * 2.6)
        self.notice.configure(height=notice_h)
        self.notice.itemconfigure(self.notice_item, font=font(layout.fonts["notice"]))
        self.notice.coords(self.notice_item, pad, notice_h // 2)
        self.counters_frame.pack_forget()
        self.side.pack_forget()
        if layout.portrait:  # the lists under the counters: a narrow screen cuts nothing
            self.counters_frame.pack(side="top", fill="both", expand=True)
            self.side.pack(side="top", fill="x", pady=(pad, 0))
        else:
            self.counters_frame.pack(side="left", fill="both", expand=True)
            self.side.pack(side="right", fill="y", padx=(pad, 0))

    def on_counters_resized(self, event) -> None:
        if event.widget is self.counters_frame and self.alive:
            self.size_counters(event.width, event.height)

    def size_counters(self, width: int, height: int, *, force: bool = False) -> None:
        """Fit the counters' boxes to the room the layout left them."""
        if ((width, height) == self.grid_size and not force) or width < 20 or height < 20:
            return
        self.grid_size = (width, height)
        count = len(self.last_status.counters) if self.last_status else 0
        self.counter_grid = counter_grid(width, height, count,
                                         px_per_pt=self.window.winfo_fpixels("1p"),
                                         scale=self.layout.scale)
        self.counter_labels = {}  # rebuilt in the new sizes
        if self.last_status is not None:
            self.show_counters(self.last_status)

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
        first = self.last_status is None
        self.last_status = status
        if first or len(status.counters) != len(self.counter_labels):
            # the number of counters changes their boxes
            self.size_counters(*self.grid_size, force=True)
        self.show_counters(status)
        if not self.notice.itemcget(self.notice_item, "text"):
            self.notice.itemconfigure(self.notice_item, text=notice_text(self.ctx, status))
        self.recent.configure(text="\n".join(
            f"{call.ticket} → {call.counter_name}" for call in status.recent_calls) or "—")
        self.waiting.configure(text="\n".join(
            _("{prefix} {name}: {n} người").format(prefix=g.prefix, name=g.name, n=g.waiting)
            for g in status.groups) or "—")

    def show_counters(self, status) -> None:
        """One box per counter, its name over "now serving" in big red digits."""
        numbers = [c.number for c in status.counters]
        if sorted(self.counter_labels) != sorted(numbers):
            for child in self.counters_frame.winfo_children():
                child.destroy()
            self.counter_labels = {}
            grid = self.counter_grid
            for i in range(8):
                self.counters_frame.columnconfigure(i, weight=0, uniform="")
                self.counters_frame.rowconfigure(i, weight=0, uniform="")
            for i in range(grid.columns):
                self.counters_frame.columnconfigure(i, weight=1, uniform="column")
            for i in range(grid.rows):
                self.counters_frame.rowconfigure(i, weight=1, uniform="row")
            for i, c in enumerate(status.counters):
                box = tk.Frame(self.counters_frame, background="white")
                box.grid(row=i // grid.columns, column=i % grid.columns, sticky="nsew",
                         padx=grid.gap, pady=grid.gap)
                box.grid_propagate(False)
                box.pack_propagate(False)  # the grid gives the size, not the letters
                name = tk.Label(box, text=c.name, fg="#0b3d6b", bg="white",
                                font=font(grid.name_pt, "bold"))
                name.pack(side="top", pady=(grid.gap, 0))
                number = tk.Label(box, text="—", fg="#c62828", bg="white",
                                  font=font(grid.number_pt, "bold"))
                number.pack(side="top", fill="both", expand=True)
                self.counter_labels[c.number] = (name, number)
        for c in status.counters:
            self.counter_labels[c.number][1].configure(
                text=c.now_serving.number if c.now_serving else "—")

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
            self.call_banner.configure(bg=BG)

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

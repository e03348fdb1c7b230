"""The kiosk's screens for reading, not submitting: "Chạm để biết" (procedures, searchable
by typing), a dossier's status from its receipt QR, and the satisfaction rating with its
"thank you". A mixin of :class:`~sadec_desk.views.kiosk.tickets.KioskWindow`."""

from __future__ import annotations

import base64
import tkinter as tk

from sadec_desk.i18n import _
from sadec_desk.services.display import format_datetime
from sadec_desk.services.kiosk import guide
from sadec_desk.views.kiosk.scale import kfont, portrait, px, touch_keyboard

BG = "#f4f7fb"
NAVY = "#0b3d6b"
#: satisfaction level -> button colour
LEVEL_COLOURS = {"very_satisfied": "#2e7d32", "satisfied": "#1565c0",
                 "not_satisfied": "#e65100"}
#: seconds before the status card and the "thank you" go back to the start by themselves
STATUS_SECONDS = 30
THANKS_SECONDS = 8
#: rows of procedure buttons on "Chạm để biết" (without / with the on-screen keyboard)
LOOKUP_ROWS = 5
LOOKUP_ROWS_TYPING = 3


def big_button(parent, text: str, command, *, bg: str = "#1565c0", size: int = 20,
               width: int = 18, height: int = 2) -> tk.Button:
    return tk.Button(parent, text=text, font=kfont(size, "bold"), width=width, height=height,
                     bg=bg, fg="white", activebackground=NAVY, activeforeground="white",
                     relief="flat", wraplength=px(max(200, width * size)), command=command)


class InfoScreens:
    """Lookup, status and rating screens of the kiosk window."""

    def create_title(self, text: str) -> None:
        tk.Label(self.body, text=text, font=kfont(30, "bold"), bg=BG, fg=NAVY,
                 wraplength=px(1250)).pack(pady=(px(24), px(12)))

    def create_back(self, parent=None) -> tk.Button:
        button = tk.Button(parent or self.body, text=_("‹ Quay lại"), font=kfont(18, "bold"),
                           width=12, bg="#546e7a", fg="white", relief="flat",
                           command=self.show_start)
        button.pack(pady=px(16))
        self.back_button = button
        return button

    # --- "Chạm để biết" ---------------------------------------------------------------------

    def on_lookup(self) -> None:
        self.citizen_task(guide.list_procedures, self.ctx, on_done=self.show_lookup,
                          on_error=self.on_error)

    def show_lookup(self, procedures) -> None:
        self.cancel_jobs()
        self.touched()
        self.clear()
        self.redraw = lambda: self.show_lookup(procedures)
        self.procedures = procedures  # in Vietnamese order (guide.list_procedures)
        self.create_title(_("Chạm để biết: chọn thủ tục"))
        search = tk.Frame(self.body, background=BG)
        search.pack(pady=(0, px(6)))
        tk.Label(search, text=_("Tìm thủ tục:"), font=kfont(18), bg=BG, fg=NAVY).pack(
            side="left", padx=(0, px(10)))
        self.lookup_query = tk.StringVar(master=search, value="")
        self.lookup_entry = tk.Entry(search, textvariable=self.lookup_query, font=kfont(20),
                                     width=28)
        self.lookup_entry.pack(side="left")
        self.lookup_query.trace_add("write", lambda *_a: self.fill_lookup())
        self.lookup_entry.bind("<FocusIn>", lambda _e: self.show_lookup_keyboard(), add="+")
        self.lookup_keyboard = None
        self.lookup_grid = tk.Frame(self.body, background=BG)
        self.lookup_grid.pack()
        self.lookup_empty = tk.Label(self.body, text="", font=kfont(18), bg=BG, fg="#b02a37")
        self.lookup_empty.pack()
        self.create_back()
        self.fill_lookup()

    def show_lookup_keyboard(self) -> None:
        """The on-screen keyboard, once the search field is touched (always there, it
        would push the procedures off a small screen)."""
        self.touched()
        if self.lookup_keyboard is not None:
            return
        self.lookup_keyboard = touch_keyboard(self.body, lambda _k: self.touched())
        self.lookup_keyboard.frame.pack(side="bottom", fill="x", padx=px(20), pady=px(6))
        self.lookup_keyboard.attach(self.lookup_entry)
        self.fill_lookup()

    def fill_lookup(self) -> None:
        """The procedures whose name holds what was typed (marks optional)."""
        self.touched()
        for child in self.lookup_grid.winfo_children():
            child.destroy()
        typed = self.lookup_query.get()
        found = [p for p in self.procedures if guide.matches(p.name, typed)]
        self.procedure_buttons = {}
        columns = 1 if portrait() else 2
        rows = LOOKUP_ROWS_TYPING if self.lookup_keyboard is not None else LOOKUP_ROWS
        if portrait():
            rows *= 2  # one per row, on a tall screen
        for i, p in enumerate(found[:rows * columns]):
            button = tk.Button(self.lookup_grid, text=p.name, font=kfont(15, "bold"),
                               width=40, height=2, bg="white", fg=NAVY, relief="ridge", bd=1,
                               wraplength=px(560),
                               command=lambda c=p.code: self.on_procedure(c))
            button.grid(row=i // columns, column=i % columns, padx=px(10), pady=px(4))
            self.procedure_buttons[p.code] = button
        self.lookup_empty.configure(text=guide.search_hint(typed, len(found),
                                                           len(self.procedure_buttons)))

    def on_procedure(self, code: str) -> None:
        self.citizen_task(guide.procedure_card, self.ctx, code,
                          on_done=self.show_procedure, on_error=self.on_error)

    def show_procedure(self, card) -> None:
        self.touched()
        self.clear()
        self.redraw = lambda: self.show_procedure(card)
        tk.Label(self.body, text=card.name, font=kfont(28, "bold"), bg=BG, fg=NAVY,
                 wraplength=px(1250)).pack(pady=(px(22), px(4)))
        tk.Label(self.body, text=_("Mã thủ tục {code} · {field}").format(
            code=card.code, field=card.field_name), font=kfont(14), bg=BG, fg="#455a64").pack()
        row = tk.Frame(self.body, background=BG)
        row.pack(pady=(px(14), 0), fill="x", padx=px(60))
        left = tk.Frame(row, background=BG)
        side = "top" if portrait() else "left"
        left.pack(side=side, anchor="n", fill="x", expand=True)
        tk.Label(left, text=_("Giấy tờ cần nộp"), font=kfont(20, "bold"), bg=BG,
                 fg=NAVY).pack(anchor="w")
        self.paper_labels = []
        for paper in card.papers or (_("(không cần giấy tờ)"),):
            label = tk.Label(left, text="• " + paper, font=kfont(16), bg=BG, justify="left",
                             wraplength=px(820), anchor="w")
            label.pack(anchor="w", pady=1)
            self.paper_labels.append(label)
        self.fee_label = tk.Label(left, text=_("Lệ phí: {fee}").format(fee=card.fee_text),
                                  font=kfont(18, "bold"), bg=BG, fg="#1b5e20", justify="left",
                                  wraplength=px(820), anchor="w")
        self.fee_label.pack(anchor="w", pady=(px(14), 0))
        self.time_label = tk.Label(left, text=_("Thời hạn giải quyết: {t}").format(
            t=card.time_limit_text), font=kfont(18, "bold"), bg=BG, fg="#b71c1c",
            justify="left", wraplength=px(820), anchor="w")
        self.time_label.pack(anchor="w", pady=(px(6), 0))
        right = tk.Frame(row, background=BG)
        right.pack(side=side, anchor="n", padx=(px(20), 0), pady=(px(10), 0))
        self.qr_label = None
        if card.qr_png:
            self._qr_image = tk.PhotoImage(data=base64.b64encode(card.qr_png).decode("ascii"))
            self.qr_label = tk.Label(right, image=self._qr_image, bg="white")
            self.qr_label.pack()
            tk.Label(right, text=_("Quét mã để xem thủ tục\ntrên Cổng dịch vụ công"),
                     font=kfont(13), bg=BG, fg=NAVY).pack(pady=(px(6), 0))
        buttons = tk.Frame(self.body, background=BG)
        buttons.pack(pady=px(10))
        tk.Button(buttons, text=_("‹ Thủ tục khác"), font=kfont(18, "bold"), width=14,
                  bg="#00695c", fg="white", relief="flat",
                  command=lambda: self.show_lookup(self.procedures)).pack(side="left", padx=8)
        tk.Button(buttons, text=_("Về màn hình chính"), font=kfont(18, "bold"), width=16,
                  bg="#546e7a", fg="white", relief="flat", command=self.show_start).pack(
            side="left", padx=8)

    # --- a dossier's status by its receipt QR ----------------------------------------------

    def show_check(self) -> None:
        self.cancel_jobs()
        self.touched()
        self.clear()
        self.redraw = self.show_check
        self.create_title(_("Tra cứu hồ sơ"))
        tk.Label(self.body, text="⌗", font=kfont(110), bg=BG, fg="#4527a0").pack()
        self.check_label = tk.Label(
            self.body, text=_("Đưa mã QR trên phiếu hẹn trả kết quả vào trước máy quét."),
            font=kfont(24), bg=BG, fg=NAVY, wraplength=px(1100))
        self.check_label.pack(pady=(px(10), 0))
        self.create_back()

    def on_check_error(self, message: str) -> None:
        if not self.alive:
            return
        self.show_check()
        self.check_label.configure(text=message, fg="#b02a37")

    def show_status(self, card) -> None:
        self.cancel_jobs()
        self.touched()
        self.clear()
        self.create_title(_("Tình trạng hồ sơ"))
        table = tk.Frame(self.body, background="white", bd=1, relief="solid", padx=px(30),
                         pady=px(16))
        table.pack()
        colours = {"late": "#b71c1c", "on_time": "#1b5e20", "early": "#1b5e20"}
        rows = ((_("Mã hồ sơ"), card.code, NAVY), (_("Người nộp"), card.masked_name, NAVY),
                (_("Thủ tục"), card.procedure_name, NAVY),
                (_("Tình trạng"), card.status_label, "#4527a0"),
                (_("Ngày nhận"), format_datetime(card.received_at), NAVY),
                (_("Hẹn trả"), format_datetime(card.due_at), NAVY),
                (_("Tiến độ"), card.deadline_text, colours.get(card.deadline_state, NAVY)))
        self.status_values = {}
        for i, (label, value, colour) in enumerate(rows):
            tk.Label(table, text=label, font=kfont(17), bg="white", fg="#455a64").grid(
                row=i, column=0, sticky="w", padx=(0, px(24)), pady=3)
            cell = tk.Label(table, text=value, font=kfont(19, "bold"), bg="white", fg=colour,
                            wraplength=px(760), justify="left")
            cell.grid(row=i, column=1, sticky="w", pady=3)
            self.status_values[label] = cell
        self.create_rating_row(card.code)
        self.create_back()
        self.return_later(STATUS_SECONDS)
        self.guard.raise_for()  # the scan brought it, not a touch

    # --- satisfaction ---------------------------------------------------------------------

    def create_rating_row(self, dossier: str | None) -> None:
        tk.Label(self.body, text=_("Bạn có hài lòng với việc giải quyết hồ sơ không?"),
                 font=kfont(20), bg=BG, fg=NAVY).pack(pady=(px(18), px(6)))
        row = tk.Frame(self.body, background=BG)
        row.pack()
        self.level_buttons = {}
        for level, label in guide.satisfaction_levels():
            button = big_button(row, label, lambda lv=level: self.on_rate(lv, dossier),
                                bg=LEVEL_COLOURS.get(level, "#1565c0"), width=13)
            button.pack(side="left", padx=px(10))
            self.level_buttons[level] = button

    def show_rating(self, dossier: str | None) -> None:
        self.cancel_jobs()
        self.touched()
        self.clear()
        self.redraw = lambda: self.show_rating(dossier)
        self.create_title(_("Đánh giá sự hài lòng"))
        tk.Label(self.body, text=_("Cảm ơn bạn đã đến làm thủ tục. Bạn đánh giá thế nào về "
                                   "việc phục vụ hôm nay?"), font=kfont(22), bg=BG, fg=NAVY,
                 wraplength=px(1100)).pack(pady=(px(10), px(20)))
        row = tk.Frame(self.body, background=BG)
        row.pack()
        self.level_buttons = {}
        levels = guide.satisfaction_levels()
        for i, (level, label) in enumerate(levels):
            button = big_button(row, label, lambda lv=level: self.on_rate(lv, dossier),
                                bg=LEVEL_COLOURS.get(level, "#1565c0"), size=26, width=12,
                                height=3)
            if portrait():  # three wide buttons do not fit side by side
                button.grid(row=i, column=0, pady=px(8))
            else:
                button.grid(row=0, column=i, padx=px(16))
            self.level_buttons[level] = button
        self.create_back()

    def on_rate(self, level: str, dossier: str | None) -> None:
        for button in self.level_buttons.values():
            button.configure(state="disabled")
        self.citizen_task(guide.rate, self.ctx, level, dossier=dossier,
                          on_done=self.show_thanks, on_error=self.on_error)

    def show_thanks(self, text: str) -> None:
        self.cancel_jobs()
        self.clear()
        self.thanks_label = tk.Label(self.body, text=text, font=kfont(32, "bold"), bg=BG,
                                     fg="#1b5e20", wraplength=px(1100))
        self.thanks_label.pack(pady=(px(160), px(20)))
        self.create_back()
        # the answer came from the worker, not under the finger: a second tap on the rating
        # must not land on what replaced it
        self.guard.raise_for()
        self.return_later(THANKS_SECONDS)

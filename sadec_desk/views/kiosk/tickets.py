"""The kiosk's ticket screen: a citizen takes a number for a service group by touch.

Full screen, big buttons, no keyboard needed. Opened by a signed-in staff member;
closing the window is refused, and leaving needs a staff sign-in (the small
"Cán bộ" button). After :data:`IDLE_MS` without a touch it goes back to the start.
The start screen also offers the procedure lookup ("Chạm để biết": papers, fee, time
limit and a QR to the procedure's page), checking a dossier by scanning its receipt QR
(the handheld scanner works on any kiosk screen) and the satisfaction rating (docs/design.md
§3.8), also offered right after a status check for that dossier. "Nộp hồ sơ" opens the
self-service submission (views/kiosk_submit.py, issue #8) in the same body; going back
to the start screen, by a button or the idle timer, discards an unfinished submission.
"""

from __future__ import annotations

import base64
import logging
import tkinter as tk

import ttkbootstrap as ttk

from sadec_desk.i18n import _
from sadec_desk.services.admin import users
from sadec_desk.services.display import format_datetime
from sadec_desk.services.kiosk import guide, submission
from sadec_desk.services.printing import jobs as printing
from sadec_desk.services.queue import setup as queue_setup
from sadec_desk.services.queue import tickets
from sadec_desk.views.qr_wedge import WedgeDetector
from sadec_desk.views.widgets import font, release_tk_objects

log = logging.getLogger(__name__)

IDLE_MS = 30_000  # back to the start screen after this long without a touch
RESULT_MS = 10_000  # how long "your number is ..." stays up
BG = "#f4f7fb"
NAVY = "#0b3d6b"
#: satisfaction level -> button colour
LEVEL_COLOURS = {"very_satisfied": "#2e7d32", "satisfied": "#1565c0",
                 "not_satisfied": "#e65100"}


def big_button(parent, text: str, command, *, bg: str = "#1565c0", size: int = 20,
               width: int = 18, height: int = 2) -> tk.Button:
    return tk.Button(parent, text=text, font=font(size, "bold"), width=width, height=height,
                     bg=bg, fg="white", activebackground=NAVY, activeforeground="white",
                     relief="flat", wraplength=max(200, width * size), command=command)


class KioskWindow:
    def __init__(self, root, shell, *, fullscreen: bool = True,
                 geometry: str = "1366x768+0+0"):
        self.shell, self.ctx = shell, shell.ctx
        self.window = tk.Toplevel(root, background=BG)
        self.window.title(_("Kiosk lấy số thứ tự"))
        self.window.geometry(geometry)
        if fullscreen:
            self.window.attributes("-fullscreen", True)
        # a citizen must not close the kiosk: only staff, through "Cán bộ"
        self.window.protocol("WM_DELETE_WINDOW", self.on_staff)
        self.alive = True
        self.priority = tk.BooleanVar(value=False)
        self.groups = []
        self._idle_job = None
        self._result_job = None
        self.window.bind("<Button>", lambda _e: self.touched(), add="+")
        self.body = tk.Frame(self.window, background=BG)
        self.body.pack(fill="both", expand=True)
        staff = ttk.Button(self.window, text=_("Cán bộ"), bootstyle="secondary-link",
                           command=self.on_staff)
        staff.place(relx=1.0, rely=1.0, anchor="se", x=-8, y=-8)
        self.staff_button = staff
        self.scanner = WedgeDetector(self.window, self.on_scan)
        self.procedures = []
        self._qr_image = None
        self.submission = None  # the open SubmissionFlow (one citizen's submission)
        # drafts a crash left behind (nobody is at them any more)
        self.shell.tasks.submit(submission.purge_stale, self.ctx,
                                on_error=lambda m: log.warning("kiosk drafts not purged: %s", m))
        self.shell.tasks.submit(queue_setup.list_groups, self.ctx, on_done=self.on_groups,
                                on_error=self.on_error)

    # --- screens --------------------------------------------------------------------------

    def clear(self) -> None:
        for child in self.body.winfo_children():
            child.destroy()

    def on_groups(self, groups) -> None:
        self.groups = [g for g in groups if g.active and g.counters]
        self.show_start()

    def show_start(self) -> None:
        self.close_submission()
        self.cancel_jobs()
        self.clear()
        self.priority.set(False)
        tk.Label(self.body, text=self.ctx.config["office.name"], font=font(22), bg=BG,
                 fg="#0b3d6b").pack(pady=(30, 0))
        tk.Label(self.body, text=_("Chạm để lấy số thứ tự"), font=font(34, "bold"), bg=BG,
                 fg="#0b3d6b").pack(pady=(6, 20))
        grid = tk.Frame(self.body, background=BG)
        grid.pack()
        self.group_buttons = {}
        for i, g in enumerate(self.groups):
            button = tk.Button(grid, text=f"{g.prefix}\n{g.name}", font=font(26, "bold"),
                               width=14, height=3, bg="#1565c0", fg="white",
                               activebackground="#0d47a1", activeforeground="white",
                               relief="flat", command=lambda p=g.prefix: self.on_take(p))
            button.grid(row=i // 3, column=i % 3, padx=16, pady=16)
            self.group_buttons[g.prefix] = button
        if not self.groups:
            tk.Label(self.body, text=_("Chưa có nhóm dịch vụ nào có quầy phục vụ."),
                     font=font(20), bg=BG, fg="#b02a37").pack()
        self.priority_button = tk.Checkbutton(
            self.body, text=_("Ưu tiên: người cao tuổi, người khuyết tật, phụ nữ mang thai, "
                              "người đi cùng trẻ nhỏ"), variable=self.priority,
            font=font(18), bg=BG, indicatoron=False, selectcolor="#ffd54f", padx=20, pady=14,
            relief="raised", bd=2)
        self.priority_button.pack(pady=(20, 0))
        more = tk.Frame(self.body, background=BG)
        more.pack(pady=(26, 0))
        self.lookup_button = big_button(more, _("Chạm để biết\nthủ tục cần gì?"),
                                        self.on_lookup, bg="#00695c", width=14)
        self.lookup_button.grid(row=0, column=0, padx=12)
        self.check_button = big_button(more, _("Tra cứu hồ sơ\n(quét phiếu hẹn)"),
                                       self.show_check, bg="#4527a0", width=14)
        self.check_button.grid(row=0, column=1, padx=12)
        self.rate_button = big_button(more, _("Đánh giá\nsự hài lòng"),
                                      lambda: self.show_rating(None), bg="#ef6c00", width=14)
        self.rate_button.grid(row=0, column=2, padx=12)
        self.submit_button = big_button(more, _("Nộp hồ sơ\n(tự phục vụ)"), self.on_submit,
                                        bg="#c62828", width=14)
        self.submit_button.grid(row=0, column=3, padx=12)

    def on_take(self, prefix: str) -> None:
        for button in self.group_buttons.values():
            button.configure(state="disabled")
        self.shell.tasks.submit(tickets.take_ticket, self.ctx, prefix,
                                priority=self.priority.get(), on_done=self.on_ticket,
                                on_error=self.on_error)

    def on_ticket(self, ticket) -> None:
        self.cancel_jobs()
        self.clear()
        tk.Label(self.body, text=_("Số thứ tự của bạn"), font=font(28), bg=BG,
                 fg="#0b3d6b").pack(pady=(60, 0))
        self.number_label = tk.Label(self.body, text=ticket.number, font=font(110, "bold"),
                                     bg=BG, fg="#c62828")
        self.number_label.pack()
        detail = ticket.group_name
        if ticket.priority:
            detail += " · " + _("ưu tiên")
        tk.Label(self.body, text=detail, font=font(24), bg=BG, fg="#0b3d6b").pack()
        tk.Label(self.body, text=_("Có {n} người đang chờ trước bạn.").format(
            n=ticket.waiting_ahead or 0), font=font(22), bg=BG).pack(pady=(10, 0))
        self.print_label = tk.Label(self.body, text=_("Đang in phiếu…"), font=font(20), bg=BG,
                                    fg="#1f5f99")
        self.print_label.pack(pady=(16, 0))
        tk.Button(self.body, text=_("Xong"), font=font(22, "bold"), width=10, bg="#2e7d32",
                  fg="white", relief="flat", command=self.show_start).pack(pady=24)
        self.shell.tasks.submit(printing.process_queue, self.ctx, on_done=self.on_printed,
                                on_error=self.on_print_error)
        self._result_job = self.window.after(RESULT_MS, self.show_start)

    def on_printed(self, jobs) -> None:
        if not self.alive or not hasattr(self, "print_label") \
                or not self.print_label.winfo_exists():
            return
        failed = [j for j in jobs if j.kind == "ticket" and j.status != "printed"]
        if failed:
            self.on_print_error(failed[0].last_error)
        else:
            self.print_label.configure(text=_("Mời bạn nhận phiếu bên dưới và chờ gọi số."),
                                       fg="#146c43")
        self.shell.refresh_print_state()

    def on_print_error(self, message: str) -> None:
        if self.alive and self.print_label.winfo_exists():
            self.print_label.configure(
                text=_("Máy in chưa in được phiếu; hãy nhớ số trên màn hình hoặc nhờ cán bộ "
                       "hỗ trợ."), fg="#b02a37")

    def on_error(self, message: str) -> None:
        if not self.alive:
            return
        self.show_start()
        tk.Label(self.body, text=message, font=font(18), bg=BG, fg="#b02a37",
                 wraplength=1100).pack(pady=10)

    # --- "Chạm để biết" ---------------------------------------------------------------------

    def create_title(self, text: str) -> None:
        tk.Label(self.body, text=text, font=font(30, "bold"), bg=BG, fg=NAVY).pack(
            pady=(24, 12))

    def create_back(self, parent=None) -> tk.Button:
        button = tk.Button(parent or self.body, text=_("‹ Quay lại"), font=font(18, "bold"),
                           width=12, bg="#546e7a", fg="white", relief="flat",
                           command=self.show_start)
        button.pack(pady=16)
        self.back_button = button
        return button

    def on_lookup(self) -> None:
        self.shell.tasks.submit(guide.list_procedures, self.ctx, on_done=self.show_lookup,
                                on_error=self.on_error)

    def show_lookup(self, procedures) -> None:
        self.cancel_jobs()
        self.touched()
        self.clear()
        self.procedures = procedures
        self.create_title(_("Chạm để biết: chọn thủ tục"))
        grid = tk.Frame(self.body, background=BG)
        grid.pack()
        self.procedure_buttons = {}
        for i, p in enumerate(procedures):
            button = tk.Button(grid, text=p.name, font=font(15, "bold"), width=40, height=2,
                               bg="white", fg=NAVY, relief="ridge", bd=1, wraplength=560,
                               command=lambda c=p.code: self.on_procedure(c))
            button.grid(row=i // 2, column=i % 2, padx=10, pady=6)
            self.procedure_buttons[p.code] = button
        self.create_back()

    def on_procedure(self, code: str) -> None:
        self.shell.tasks.submit(guide.procedure_card, self.ctx, code,
                                on_done=self.show_procedure, on_error=self.on_error)

    def show_procedure(self, card) -> None:
        self.touched()
        self.clear()
        tk.Label(self.body, text=card.name, font=font(28, "bold"), bg=BG, fg=NAVY,
                 wraplength=1250).pack(pady=(22, 4))
        tk.Label(self.body, text=_("Mã thủ tục {code} · {field}").format(
            code=card.code, field=card.field_name), font=font(14), bg=BG, fg="#455a64").pack()
        row = tk.Frame(self.body, background=BG)
        row.pack(pady=(14, 0), fill="x", padx=60)
        left = tk.Frame(row, background=BG)
        left.pack(side="left", anchor="n", fill="x", expand=True)
        tk.Label(left, text=_("Giấy tờ cần nộp"), font=font(20, "bold"), bg=BG,
                 fg=NAVY).pack(anchor="w")
        self.paper_labels = []
        for paper in card.papers or (_("(không cần giấy tờ)"),):
            label = tk.Label(left, text="• " + paper, font=font(16), bg=BG, justify="left",
                             wraplength=820, anchor="w")
            label.pack(anchor="w", pady=1)
            self.paper_labels.append(label)
        self.fee_label = tk.Label(left, text=_("Lệ phí: {fee}").format(fee=card.fee_text),
                                  font=font(18, "bold"), bg=BG, fg="#1b5e20", justify="left",
                                  wraplength=820, anchor="w")
        self.fee_label.pack(anchor="w", pady=(14, 0))
        self.time_label = tk.Label(left, text=_("Thời hạn giải quyết: {t}").format(
            t=card.time_limit_text), font=font(18, "bold"), bg=BG, fg="#b71c1c",
            justify="left", wraplength=820, anchor="w")
        self.time_label.pack(anchor="w", pady=(6, 0))
        right = tk.Frame(row, background=BG)
        right.pack(side="left", anchor="n", padx=(20, 0))
        self.qr_label = None
        if card.qr_png:
            self._qr_image = tk.PhotoImage(data=base64.b64encode(card.qr_png).decode("ascii"))
            self.qr_label = tk.Label(right, image=self._qr_image, bg="white")
            self.qr_label.pack()
            tk.Label(right, text=_("Quét mã để xem thủ tục\ntrên Cổng dịch vụ công"),
                     font=font(13), bg=BG, fg=NAVY).pack(pady=(6, 0))
        buttons = tk.Frame(self.body, background=BG)
        buttons.pack(pady=10)
        tk.Button(buttons, text=_("‹ Thủ tục khác"), font=font(18, "bold"), width=14,
                  bg="#00695c", fg="white", relief="flat",
                  command=lambda: self.show_lookup(self.procedures)).pack(side="left", padx=8)
        tk.Button(buttons, text=_("Về màn hình chính"), font=font(18, "bold"), width=16,
                  bg="#546e7a", fg="white", relief="flat", command=self.show_start).pack(
            side="left", padx=8)

    # --- a dossier's status by its receipt QR ----------------------------------------------

    def show_check(self) -> None:
        self.cancel_jobs()
        self.touched()
        self.clear()
        self.create_title(_("Tra cứu hồ sơ"))
        tk.Label(self.body, text="⌗", font=font(110), bg=BG, fg="#4527a0").pack()
        self.check_label = tk.Label(
            self.body, text=_("Đưa mã QR trên phiếu hẹn trả kết quả vào trước máy quét."),
            font=font(24), bg=BG, fg=NAVY, wraplength=1100)
        self.check_label.pack(pady=(10, 0))
        self.create_back()

    def on_scan(self, text: str) -> None:
        if not self.alive:
            return
        self.touched()
        if self.submission is not None:  # the card QR of the citizen who is submitting
            self.submission.on_scan(text)
            return
        self.shell.tasks.submit(guide.dossier_status, self.ctx, text,
                                on_done=self.show_status, on_error=self.on_check_error)

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
        table = tk.Frame(self.body, background="white", bd=1, relief="solid", padx=30,
                         pady=16)
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
            tk.Label(table, text=label, font=font(17), bg="white", fg="#455a64").grid(
                row=i, column=0, sticky="w", padx=(0, 24), pady=3)
            cell = tk.Label(table, text=value, font=font(19, "bold"), bg="white", fg=colour,
                            wraplength=760, justify="left")
            cell.grid(row=i, column=1, sticky="w", pady=3)
            self.status_values[label] = cell
        self.create_rating_row(card.code)
        self.create_back()
        self._result_job = self.window.after(RESULT_MS * 3, self.show_start)

    # --- satisfaction ---------------------------------------------------------------------

    def create_rating_row(self, dossier: str | None) -> None:
        tk.Label(self.body, text=_("Bạn có hài lòng với việc giải quyết hồ sơ không?"),
                 font=font(20), bg=BG, fg=NAVY).pack(pady=(18, 6))
        row = tk.Frame(self.body, background=BG)
        row.pack()
        self.level_buttons = {}
        for level, label in guide.satisfaction_levels():
            button = big_button(row, label, lambda lv=level: self.on_rate(lv, dossier),
                                bg=LEVEL_COLOURS.get(level, "#1565c0"), width=13)
            button.pack(side="left", padx=10)
            self.level_buttons[level] = button

    def show_rating(self, dossier: str | None) -> None:
        self.cancel_jobs()
        self.touched()
        self.clear()
        self.create_title(_("Đánh giá sự hài lòng"))
        tk.Label(self.body, text=_("Cảm ơn bạn đã đến làm thủ tục. Bạn đánh giá thế nào về "
                                   "việc phục vụ hôm nay?"), font=font(22), bg=BG, fg=NAVY,
                 wraplength=1100).pack(pady=(10, 20))
        row = tk.Frame(self.body, background=BG)
        row.pack()
        self.level_buttons = {}
        for level, label in guide.satisfaction_levels():
            button = big_button(row, label, lambda lv=level: self.on_rate(lv, dossier),
                                bg=LEVEL_COLOURS.get(level, "#1565c0"), size=26, width=12,
                                height=3)
            button.pack(side="left", padx=16)
            self.level_buttons[level] = button
        self.create_back()

    def on_rate(self, level: str, dossier: str | None) -> None:
        for button in self.level_buttons.values():
            button.configure(state="disabled")
        self.shell.tasks.submit(guide.rate, self.ctx, level, dossier=dossier,
                                on_done=self.show_thanks, on_error=self.on_error)

    def show_thanks(self, text: str) -> None:
        self.cancel_jobs()
        self.clear()
        self.thanks_label = tk.Label(self.body, text=text, font=font(32, "bold"), bg=BG,
                                     fg="#1b5e20", wraplength=1100)
        self.thanks_label.pack(pady=(200, 20))
        self.create_back()
        self._result_job = self.window.after(RESULT_MS // 2, self.show_start)

    # --- self-service submission ----------------------------------------------------------

    def on_submit(self) -> None:
        from sadec_desk.views.kiosk.submission import SubmissionFlow

        self.close_submission()
        self.cancel_jobs()
        self.clear()
        self.submission = SubmissionFlow(self)
        self.touched()

    def close_submission(self) -> None:
        """Discard the unfinished submission and everything of it on the screen."""
        flow, self.submission = self.submission, None
        if flow is not None:
            flow.close()

    def show_result_later(self, ms: int = RESULT_MS) -> None:
        if self._result_job is not None:
            self.window.after_cancel(self._result_job)
        self._result_job = self.window.after(ms, self.show_start)

    # --- idle, staff ----------------------------------------------------------------------

    def touched(self) -> None:
        if self._idle_job is not None:
            self.window.after_cancel(self._idle_job)
        idle_ms = IDLE_MS
        if self.submission is not None:
            self.submission.on_touch()
            idle_ms = self.submission.idle_ms(IDLE_MS)
        self._idle_job = self.window.after(idle_ms, self.on_idle)

    def on_idle(self) -> None:
        """Nobody touched the screen for a while: back to the start, unless the citizen
        is on a long submission step and is asked first whether they need more time."""
        self._idle_job = None
        if self.submission is not None and self.submission.on_idle():
            return
        self.show_start()

    def cancel_jobs(self) -> None:
        for job in (self._idle_job, self._result_job):
            if job is not None:
                self.window.after_cancel(job)
        self._idle_job = self._result_job = None

    def on_staff(self) -> None:
        """A small sign-in panel: only staff leave the kiosk."""
        if getattr(self, "staff_panel", None) is not None and self.staff_panel.winfo_exists():
            return
        panel = tk.Frame(self.window, background="white", bd=2, relief="ridge", padx=20,
                         pady=16)
        panel.place(relx=0.5, rely=0.5, anchor="center")
        self.staff_panel = panel
        tk.Label(panel, text=_("Cán bộ đăng nhập để thoát kiosk"), font=font(16, "bold"),
                 bg="white").grid(row=0, column=0, columnspan=2, pady=(0, 8))
        tk.Label(panel, text=_("Tên đăng nhập"), font=font(13), bg="white").grid(
            row=1, column=0, sticky="w")
        self.staff_user = ttk.Entry(panel, font=font(13))
        self.staff_user.grid(row=1, column=1, pady=4)
        tk.Label(panel, text=_("Mật khẩu / PIN"), font=font(13), bg="white").grid(
            row=2, column=0, sticky="w")
        self.staff_secret = ttk.Entry(panel, font=font(13), show="•")
        self.staff_secret.grid(row=2, column=1, pady=4)
        self.staff_message = tk.Label(panel, text="", font=font(11), bg="white", fg="#b02a37",
                                      wraplength=420)
        self.staff_message.grid(row=3, column=0, columnspan=2)
        buttons = tk.Frame(panel, background="white")
        buttons.grid(row=4, column=0, columnspan=2, pady=(8, 0))
        ttk.Button(buttons, text=_("Thoát kiosk"), bootstyle="primary",
                   command=self.on_staff_sign_in).pack(side="left", padx=4)
        ttk.Button(buttons, text=_("Hủy"), bootstyle="secondary",
                   command=panel.destroy).pack(side="left", padx=4)
        self.staff_user.focus_set()

    def on_staff_sign_in(self) -> None:
        self.shell.tasks.submit(users.sign_in, self.ctx, self.staff_user.get(),
                                self.staff_secret.get(), on_done=self.on_staff_ok,
                                on_error=lambda m: self.staff_message.configure(text=m))

    def on_staff_ok(self, user) -> None:
        self.close()
        self.shell.on_signed_in(user)

    def close(self) -> None:
        if not self.alive:
            return
        self.alive = False
        self.close_submission()
        self.cancel_jobs()
        release_tk_objects(self, self.window)
        self.window.destroy()
        if self.shell.kiosk is self:
            self.shell.kiosk = None

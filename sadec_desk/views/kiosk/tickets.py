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

import logging
import tkinter as tk

import ttkbootstrap as ttk

from sadec_desk.i18n import _
from sadec_desk.services.admin import users
from sadec_desk.services.kiosk import citizen_errors, guide, submission
from sadec_desk.services.printing import jobs as printing
from sadec_desk.services.queue import setup as queue_setup
from sadec_desk.services.queue import tickets
from sadec_desk.views.dialogs import Choice
from sadec_desk.views.kiosk import scale
from sadec_desk.views.kiosk.info_screens import InfoScreens, big_button
from sadec_desk.views.kiosk.prompt import Countdown, KioskPrompt
from sadec_desk.views.kiosk.scale import kfont, portrait, px
from sadec_desk.views.kiosk.touch_guard import TouchGuard
from sadec_desk.views.qr_wedge import WedgeDetector
from sadec_desk.views.widgets import release_tk_objects

log = logging.getLogger(__name__)

IDLE_MS = 30_000  # a screen left alone this long asks "Bạn còn cần thêm thời gian?"
RESULT_MS = 10_000  # how long "your number is ..." stays up
#: the question's countdown before the kiosk goes back to its start screen
IDLE_PROMPT_SECONDS = 20
BG = "#f4f7fb"
NAVY = "#0b3d6b"
__all__ = ["KioskWindow", "big_button", "IDLE_MS", "RESULT_MS"]


class KioskWindow(InfoScreens):
    def __init__(self, root, shell, *, fullscreen: bool = True,
                 geometry: str = "1366x768+0+0"):
        self.shell, self.ctx = shell, shell.ctx
        self.window = tk.Toplevel(root, background=BG)
        self.window.title(_("Kiosk lấy số thứ tự"))
        self.window.geometry(geometry)
        if fullscreen:
            self.window.attributes("-fullscreen", True)
            size = (self.window.winfo_screenwidth(), self.window.winfo_screenheight())
        else:
            size = scale.window_size(geometry) or scale.DESIGN_SIZE
        scale.set_screen(*size)  # fonts and buttons follow the screen (issue #17 item 3)
        self.guard = TouchGuard(self.window)
        self._resize_pending = False
        self.redraw = None  # how to draw the current screen again at another size
        self.window.bind("<Configure>", self.on_configure, add="+")
        self.prompt: KioskPrompt | None = None
        self.countdown: Countdown | None = None
        # a citizen must not close the kiosk: only staff, through "Cán bộ"
        self.window.protocol("WM_DELETE_WINDOW", self.on_staff)
        self.alive = True
        self.priority = tk.BooleanVar(value=False)
        self.groups = []
        self._idle_job = None
        self._result_job = None
        self.window.bind("<Button>", lambda e: self.touched(e.widget), add="+")
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
        self.citizen_task(queue_setup.list_groups, self.ctx, on_done=self.on_groups,
                          on_error=self.on_error)

    # --- screens --------------------------------------------------------------------------

    def clear(self) -> None:
        self.dismiss_prompt()
        self.redraw = None  # the screen drawn next says how to draw it again
        for child in self.body.winfo_children():
            child.destroy()

    def on_groups(self, groups) -> None:
        self.groups = [g for g in groups if g.active and g.counters]
        self.show_start()

    def return_by_itself(self) -> None:
        """A timer brings the kiosk back to its start: taps are ignored for a moment, so a
        finger on its way to the old screen does not take a ticket on the new one."""
        self.show_start()
        self.guard.raise_for()

    def return_later(self, seconds: int, parent=None) -> None:
        """Back to the start after ``seconds``, counting down on the screen."""
        self.cancel_countdown()
        label = tk.Label(parent or self.body, text="", font=kfont(16), bg=BG, fg="#455a64")
        label.pack(side="bottom", pady=(0, px(8)))
        self.countdown_label = label
        self.countdown = Countdown(label, seconds,
                                   _("Tự động về màn hình chính sau {n} giây."),
                                   self.return_by_itself)

    def cancel_countdown(self) -> None:
        if self.countdown is not None:
            self.countdown.cancel()
            self.countdown = None

    def citizen_task(self, fn, *args, **kwargs) -> None:
        """A service call in the worker whose failure a citizen may read: a technical one
        arrives as a calm sentence (services/kiosk/citizen_errors.py; the log has it)."""
        self.shell.tasks.submit(citizen_errors.citizen_call, fn, *args, **kwargs)

    def on_configure(self, event) -> None:
        if event.widget is self.window and not self._resize_pending:
            self._resize_pending = True
            self.window.after_idle(self.apply_size)

    def apply_size(self) -> None:
        """The window changed size (a monitor plugged in, a window manager that resizes
        it late): the fonts follow, and the screen is drawn again at the new size."""
        self._resize_pending = False
        if not self.alive:
            return
        width, height = self.window.winfo_width(), self.window.winfo_height()
        if width < 200 or height < 200:
            return  # not laid out yet
        before = (scale.factor(), scale.portrait())
        scale.set_screen(width, height)
        if abs(scale.factor() - before[0]) < 0.02 and scale.portrait() == before[1]:
            return
        if self.submission is not None:
            self.submission.redraw()
        elif self.redraw is not None:
            self.redraw()

    def show_start(self) -> None:
        self.close_submission()
        self.cancel_jobs()
        self.clear()
        self.redraw = self.show_start
        self.priority.set(False)
        title = guide.office_title(self.ctx)
        if title:
            tk.Label(self.body, text=title, font=kfont(22), bg=BG, fg="#0b3d6b",
                     wraplength=px(1250)).pack(pady=(px(30), 0))
        tk.Label(self.body, text=_("Chạm để lấy số thứ tự"), font=kfont(34, "bold"), bg=BG,
                 fg="#0b3d6b").pack(pady=(px(30 if not title else 6), px(20)))
        grid = tk.Frame(self.body, background=BG)
        grid.pack()
        self.group_buttons = {}
        columns = 2 if portrait() else 3
        for i, g in enumerate(self.groups):
            button = tk.Button(grid, text=f"{g.prefix}\n{g.name}", font=kfont(26, "bold"),
                               width=14, height=3, bg="#1565c0", fg="white",
                               activebackground="#0d47a1", activeforeground="white",
                               relief="flat", wraplength=px(360),
                               command=lambda p=g.prefix: self.on_take(p))
            button.grid(row=i // columns, column=i % columns, padx=px(16), pady=px(12))
            self.group_buttons[g.prefix] = button
        if not self.groups:
            tk.Label(self.body, text=_("Chưa có nhóm dịch vụ nào có quầy phục vụ."),
                     font=kfont(20), bg=BG, fg="#b02a37").pack()
        self.priority_button = tk.Checkbutton(
            self.body, text=_("Ưu tiên: người cao tuổi, người khuyết tật, phụ nữ mang thai, "
                              "người đi cùng trẻ nhỏ"), variable=self.priority,
            font=kfont(18), bg=BG, indicatoron=False, selectcolor="#ffd54f", padx=px(20),
            pady=px(14), relief="raised", bd=2, wraplength=px(1000))
        self.priority_button.pack(pady=(px(20), 0))
        more = tk.Frame(self.body, background=BG)
        more.pack(pady=(px(26), 0))
        # portrait: two by two (four wide buttons do not fit a 1080 px row)
        per_row = 2 if portrait() else 4
        self.lookup_button = big_button(more, _("Chạm để biết\nthủ tục cần gì?"),
                                        self.on_lookup, bg="#00695c", width=14)
        self.lookup_button.grid(row=0 // per_row, column=0 % per_row,
                                   padx=px(12), pady=px(6))
        self.check_button = big_button(more, _("Tra cứu hồ sơ\n(quét phiếu hẹn)"),
                                       self.show_check, bg="#4527a0", width=14)
        self.check_button.grid(row=1 // per_row, column=1 % per_row,
                                  padx=px(12), pady=px(6))
        self.rate_button = big_button(more, _("Đánh giá\nsự hài lòng"),
                                      lambda: self.show_rating(None), bg="#ef6c00", width=14)
        self.rate_button.grid(row=2 // per_row, column=2 % per_row,
                                 padx=px(12), pady=px(6))
        self.submit_button = big_button(more, _("Nộp hồ sơ\n(tự phục vụ)"), self.on_submit,
                                        bg="#c62828", width=14)
        self.submit_button.grid(row=3 // per_row, column=3 % per_row,
                                   padx=px(12), pady=px(6))

    def on_take(self, prefix: str) -> None:
        for button in self.group_buttons.values():
            button.configure(state="disabled")
        self.citizen_task(tickets.take_ticket, self.ctx, prefix,
                          priority=self.priority.get(), on_done=self.on_ticket,
                          on_error=self.on_error)

    def on_ticket(self, ticket) -> None:
        self.cancel_jobs()
        self.clear()
        tk.Label(self.body, text=_("Số thứ tự của bạn"), font=kfont(28), bg=BG,
                 fg="#0b3d6b").pack(pady=(px(60), 0))
        self.number_label = tk.Label(self.body, text=ticket.number, font=kfont(110, "bold"),
                                     bg=BG, fg="#c62828")
        self.number_label.pack()
        detail = ticket.group_name
        if ticket.priority:
            detail += " · " + _("ưu tiên")
        tk.Label(self.body, text=detail, font=kfont(24), bg=BG, fg="#0b3d6b").pack()
        self.waiting_label = tk.Label(self.body, text=guide.waiting_text(
            ticket.waiting_ahead or 0), font=kfont(22), bg=BG)
        self.waiting_label.pack(pady=(px(10), 0))
        self.print_label = tk.Label(self.body, text=_("Đang in phiếu…"), font=kfont(20), bg=BG,
                                    fg="#1f5f99")
        self.print_label.pack(pady=(px(16), 0))
        self.done_button = tk.Button(self.body, text=_("Xong"), font=kfont(22, "bold"),
                                     width=10, bg="#2e7d32", fg="white", relief="flat",
                                     command=self.show_start)
        self.done_button.pack(pady=px(24))
        self.shell.tasks.submit(printing.process_queue, self.ctx, on_done=self.on_printed,
                                on_error=self.on_print_error)
        self.return_later(RESULT_MS // 1000)

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
        tk.Label(self.body, text=message, font=kfont(18), bg=BG, fg="#b02a37",
                 wraplength=px(1100)).pack(pady=10)

    def on_scan(self, text: str) -> None:
        if not self.alive:
            return
        self.touched()
        if self.submission is not None:  # the card QR of the citizen who is submitting
            self.submission.on_scan(text)
            return
        self.citizen_task(guide.dossier_status, self.ctx, text,
                          on_done=self.show_status, on_error=self.on_check_error)

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

    def show_result_later(self, seconds: int, parent=None) -> None:
        """The submission's receipt: back to the start after ``seconds``, counted down."""
        self.return_later(seconds, parent)

    # --- idle, staff ----------------------------------------------------------------------

    def touched(self, widget=None) -> None:
        """Someone touched the screen (or typed): the idle time starts again, and a
        touch outside a pending "more time?" question answers it with "yes"."""
        if self._idle_job is not None:
            self.window.after_cancel(self._idle_job)
            self._idle_job = None
        if not self.alive:
            return
        self.answer_idle_prompt(widget)
        idle_ms = IDLE_MS
        if self.submission is not None:
            self.submission.on_touch(widget)
            idle_ms = self.submission.idle_ms(IDLE_MS)
        self._idle_job = self.window.after(idle_ms, self.on_idle)

    def on_idle(self) -> None:
        """Nobody touched the screen for a while. A screen that counts down by itself, or
        the start screen, has nothing to reset; every other screen asks first."""
        self._idle_job = None
        if self.countdown is not None and self.countdown.running:
            return
        if self.submission is not None:
            if not self.submission.on_idle():
                self.return_by_itself()
            return
        if self.on_start_screen():
            return
        self.ask_more_time()

    def on_start_screen(self) -> bool:
        button = getattr(self, "submit_button", None)
        return button is not None and button.winfo_exists()

    def ask_more_time(self) -> None:
        self.dismiss_prompt()
        self.prompt = KioskPrompt(
            self.window, _("Bạn còn cần thêm thời gian?"),
            [Choice(_("Còn, tôi xem tiếp"), lambda _r: (self.dismiss_prompt(), self.touched())),
             Choice(_("Không, về màn hình chính"), lambda _r: self.return_by_itself(),
                    style="danger")],
            countdown=IDLE_PROMPT_SECONDS,
            countdown_text=_("Nếu không ai chạm màn hình, kiosk về màn hình chính sau {n} "
                             "giây."))
        # it appeared by itself: a tap already on its way must not answer it
        self.guard.raise_for()

    def answer_idle_prompt(self, widget) -> None:
        prompt = self.prompt
        if prompt is None or not prompt.alive:
            return
        inside = str(prompt.panel)
        if widget is not None and (str(widget) == inside
                                   or str(widget).startswith(inside + ".")):
            if prompt.countdown is not None:
                prompt.countdown.cancel()  # the question stays until answered
            return
        self.dismiss_prompt()

    def dismiss_prompt(self) -> None:
        prompt, self.prompt = self.prompt, None
        if prompt is not None:
            prompt.close()

    def cancel_jobs(self) -> None:
        for job in (self._idle_job, self._result_job):
            if job is not None:
                self.window.after_cancel(job)
        self._idle_job = self._result_job = None
        self.cancel_countdown()

    def on_staff(self) -> None:
        """A small sign-in panel: only staff leave the kiosk."""
        if getattr(self, "staff_panel", None) is not None and self.staff_panel.winfo_exists():
            return
        panel = tk.Frame(self.window, background="white", bd=2, relief="ridge", padx=px(20),
                         pady=px(16))
        panel.place(relx=0.5, rely=0.5, anchor="center")
        self.staff_panel = panel
        tk.Label(panel, text=_("Cán bộ đăng nhập để thoát kiosk"), font=kfont(16, "bold"),
                 bg="white").grid(row=0, column=0, columnspan=2, pady=(0, 8))
        tk.Label(panel, text=_("Tên đăng nhập"), font=kfont(13), bg="white").grid(
            row=1, column=0, sticky="w")
        self.staff_user = ttk.Entry(panel, font=kfont(13))
        self.staff_user.grid(row=1, column=1, pady=4)
        tk.Label(panel, text=_("Mật khẩu / PIN"), font=kfont(13), bg="white").grid(
            row=2, column=0, sticky="w")
        self.staff_secret = ttk.Entry(panel, font=kfont(13), show="•")
        self.staff_secret.grid(row=2, column=1, pady=4)
        self.staff_message = tk.Label(panel, text="", font=kfont(11), bg="white", fg="#b02a37",
                                      wraplength=px(420))
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

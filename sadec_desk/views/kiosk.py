"""The kiosk's ticket screen: a citizen takes a number for a service group by touch.

Full screen, big buttons, no keyboard needed. Opened by a signed-in staff member;
closing the window is refused, and leaving needs a staff sign-in (the small
"Cán bộ" button). After :data:`IDLE_MS` without a touch it goes back to the start.
Procedure lookup ("Chạm để biết"), checking a dossier by its receipt QR and the
satisfaction rating are not in this version (the start screen does not offer them).
"""

from __future__ import annotations

import tkinter as tk

import ttkbootstrap as ttk

from sadec_desk.i18n import _
from sadec_desk.services import printing, queue, users
from sadec_desk.views.widgets import font

IDLE_MS = 30_000  # back to the start screen after this long without a touch
RESULT_MS = 10_000  # how long "your number is ..." stays up
BG = "#f4f7fb"


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
        self.shell.tasks.submit(queue.list_groups, self.ctx, on_done=self.on_groups,
                                on_error=self.on_error)

    # --- screens --------------------------------------------------------------------------

    def clear(self) -> None:
        for child in self.body.winfo_children():
            child.destroy()

    def on_groups(self, groups) -> None:
        self.groups = [g for g in groups if g.active and g.counters]
        self.show_start()

    def show_start(self) -> None:
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

    def on_take(self, prefix: str) -> None:
        for button in self.group_buttons.values():
            button.configure(state="disabled")
        self.shell.tasks.submit(queue.take_ticket, self.ctx, prefix,
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

    # --- idle, staff ----------------------------------------------------------------------

    def touched(self) -> None:
        if self._idle_job is not None:
            self.window.after_cancel(self._idle_job)
        self._idle_job = self.window.after(IDLE_MS, self.show_start)

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
        self.cancel_jobs()
        self.window.destroy()
        if self.shell.kiosk is self:
            self.shell.kiosk = None

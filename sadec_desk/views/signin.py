"""First-start set-up and the sign-in screen."""

from __future__ import annotations

import ttkbootstrap as ttk

from sadec_desk.i18n import _
from sadec_desk.services.admin import users
from sadec_desk.views.widgets import MessageBar, create_field, font, watch


class SetupView(ttk.Frame):
    """First start on an empty database: office name, agency code, the first IT account."""

    def __init__(self, parent, shell, *, office_name: str = "", agency_code: str = ""):
        super().__init__(parent, padding=30)
        self.shell = shell
        box = ttk.Frame(self)
        box.place(relx=0.5, rely=0.45, anchor="center")
        ttk.Label(box, text=_("Thiết lập lần đầu"), font=font(20, "bold")).grid(
            row=0, column=0, columnspan=2, sticky="w")
        ttk.Label(box, text=_("Chưa có tài khoản nào trên máy này. Nhập thông tin cơ quan và "
                              "tài khoản cán bộ CNTT đầu tiên; người này sẽ tạo tài khoản "
                              "cho các cán bộ khác."), font=font(11), wraplength=620
                  ).grid(row=1, column=0, columnspan=2, sticky="w", pady=(4, 10))
        self.office_name, _e1 = create_field(box, 2, _("Tên cơ quan"), width=40)
        self.agency_code, _e2 = create_field(box, 4, _("Mã cơ quan (QCVN 102:2016)"), width=40)
        self.full_name, _e3 = create_field(box, 6, _("Họ tên cán bộ CNTT"), width=40)
        self.username, _e4 = create_field(box, 8, _("Tên đăng nhập"), width=40)
        self.password, _e5 = create_field(box, 10, _("Mật khẩu (ít nhất 8 ký tự)"), width=40,
                                          show="•")
        self.password2, self.password_error = create_field(box, 12, _("Nhập lại mật khẩu"),
                                                           width=40, show="•")
        self.office_name.insert(0, office_name)
        self.agency_code.insert(0, agency_code)
        self.save_button = ttk.Button(box, text=_("Lưu và bắt đầu"), bootstyle="primary",
                                      command=self.on_save, width=20)
        self.save_button.grid(row=14, column=1, sticky="e", pady=(12, 0))
        self.message = MessageBar(box)
        self.message.grid(row=15, column=0, columnspan=2, sticky="we", pady=(10, 0))
        watch(self.password2, self.on_password_typed)
        watch(self.password, self.on_password_typed)
        # Enter moves on to the next field and, in the last one, saves (issue #17)
        fields = (self.office_name, self.agency_code, self.full_name, self.username,
                  self.password, self.password2)
        for field, following in zip(fields, fields[1:], strict=False):
            field.bind("<Return>", lambda _e, nxt=following: nxt.focus_set())
        self.password2.bind("<Return>", lambda _e: self.on_save())
        self.office_name.focus_set()

    def on_password_typed(self, _event=None) -> None:
        same = self.password.get() == self.password2.get() or not self.password2.get()
        self.password_error.configure(text="" if same else _("Hai mật khẩu chưa giống nhau."))

    def on_save(self) -> None:
        if self.password.get() != self.password2.get():
            self.message.show(_("Hai lần nhập mật khẩu không giống nhau; hãy nhập lại."), "error")
            return
        self.save_button.configure(state="disabled")
        self.message.show(_("Đang lưu…"))
        self.shell.tasks.submit(
            users.first_start, self.shell.ctx, office_name=self.office_name.get(),
            agency_code=self.agency_code.get(), username=self.username.get(),
            full_name=self.full_name.get(), password=self.password.get(),
            on_done=self.on_saved, on_error=self.on_failed)

    def on_saved(self, user) -> None:
        self.shell.on_signed_in(user)

    def on_failed(self, message: str) -> None:
        self.save_button.configure(state="normal")
        self.message.show(message, "error")


class SignInView(ttk.Frame):
    def __init__(self, parent, shell, *, office_name: str = ""):
        super().__init__(parent, padding=30)
        self.shell = shell
        box = ttk.Frame(self)
        box.place(relx=0.5, rely=0.4, anchor="center")
        ttk.Label(box, text=office_name, font=font(14)).grid(row=0, column=0, columnspan=2,
                                                             sticky="w")
        ttk.Label(box, text=_("Đăng nhập"), font=font(22, "bold")).grid(
            row=1, column=0, columnspan=2, sticky="w", pady=(0, 10))
        self.username, _e1 = create_field(box, 2, _("Tên đăng nhập"), width=28)
        self.secret, _e2 = create_field(box, 4, _("Mật khẩu hoặc mã PIN"), width=28, show="•")
        self.button = ttk.Button(box, text=_("Đăng nhập"), bootstyle="primary", width=16,
                                 command=self.on_sign_in)
        self.button.grid(row=6, column=1, sticky="e", pady=(12, 0))
        self.message = MessageBar(box, wraplength=480)
        self.message.grid(row=7, column=0, columnspan=2, sticky="we", pady=(10, 0))
        self.username.bind("<Return>", lambda _e: self.secret.focus_set())
        self.secret.bind("<Return>", lambda _e: self.on_sign_in())
        self.username.focus_set()

    def on_sign_in(self) -> None:
        self.button.configure(state="disabled")
        self.message.show(_("Đang kiểm tra…"))
        # the secret stays in memory only until a short PIN has been replaced
        self.typed_secret = self.secret.get()
        # argon2 costs most of a second on purpose (issue #18): off the Tk thread
        self.shell.tasks.submit(users.sign_in, self.shell.ctx, self.username.get(),
                                self.typed_secret, on_done=self.on_signed_in,
                                on_error=self.on_failed)

    def on_signed_in(self, user) -> None:
        if not user.must_change_secret:
            self.typed_secret = ""
            self.shell.on_signed_in(user)
            return
        # a PIN shorter than today's minimum (issue #18): a new one before any work
        self.user = user
        self.create_new_pin_form()

    def create_new_pin_form(self) -> None:
        box = self.secret.master
        self.button.grid_remove()
        self.username.configure(state="disabled")
        self.secret.delete(0, "end")
        self.secret.configure(state="disabled")
        self.message.show(_("Mã PIN của bạn quá ngắn. Hãy đặt mã PIN mới từ {n} đến 8 chữ số "
                            "để tiếp tục.").format(n=users.MIN_PIN), "warning")
        self.new_pin, _e1 = create_field(box, 8, _("Mã PIN mới"), width=28, show="•")
        self.new_pin2, _e2 = create_field(box, 10, _("Nhập lại mã PIN mới"), width=28, show="•")
        self.change_button = ttk.Button(box, text=_("Đổi mã PIN"), bootstyle="primary",
                                        width=16, command=self.on_change_pin)
        self.change_button.grid(row=12, column=1, sticky="e", pady=(12, 0))
        self.message.grid(row=13, column=0, columnspan=2, sticky="we", pady=(10, 0))
        self.new_pin.bind("<Return>", lambda _e: self.new_pin2.focus_set())
        self.new_pin2.bind("<Return>", lambda _e: self.on_change_pin())
        self.new_pin.focus_set()

    def on_change_pin(self) -> None:
        if self.new_pin.get() != self.new_pin2.get():
            self.on_change_failed(_("Hai lần nhập mã PIN mới không giống nhau; hãy nhập lại."))
            return
        self.change_button.configure(state="disabled")
        self.message.show(_("Đang lưu…"))
        self.shell.tasks.submit(users.set_secret, self.shell.ctx, self.user.username,
                                pin=self.new_pin.get(), current=self.typed_secret,
                                on_done=self.on_pin_changed, on_error=self.on_change_failed)

    def on_pin_changed(self, user) -> None:
        self.typed_secret = ""
        self.shell.on_signed_in(user)

    def on_change_failed(self, message: str) -> None:
        self.change_button.configure(state="normal")
        self.new_pin.delete(0, "end")
        self.new_pin2.delete(0, "end")
        self.message.show(message, "error")
        self.new_pin.focus_set()

    def on_failed(self, message: str) -> None:
        self.button.configure(state="normal")
        self.secret.delete(0, "end")
        self.message.show(message, "error")
        self.secret.focus_set()

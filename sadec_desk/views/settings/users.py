"""The IT tab for staff accounts: the list, adding one, locking/unlocking, a new PIN or
password."""

from __future__ import annotations

import ttkbootstrap as ttk

from sadec_desk.i18n import _
from sadec_desk.services import access
from sadec_desk.services.admin import users
from sadec_desk.views.settings.base import Tab, create_row, create_tree
from sadec_desk.views.widgets import font


class UsersTab(Tab):
    """Staff accounts: the list, adding one, locking/unlocking, a new PIN or password."""

    def __init__(self, parent, shell):
        super().__init__(parent, shell, _("Tài khoản và vai trò"))
        row = ttk.Frame(self)
        row.pack(fill="x", anchor="w")
        left = ttk.Frame(row)
        left.pack(side="left", anchor="n")
        self.tree = create_tree(left, (("user", _("Tên đăng nhập"), 130),
                                       ("name", _("Họ tên"), 190), ("role", _("Vai trò"), 140),
                                       ("counter", _("Quầy"), 55),
                                       ("state", _("Trạng thái"), 100)), height=12)
        self.tree.pack(anchor="w")
        ub = ttk.Frame(left)
        ub.pack(anchor="w", pady=(4, 0))
        self.lock_button = ttk.Button(ub, text=_("Khóa tài khoản"), bootstyle="secondary",
                                      command=lambda: self.on_set_active(False))
        self.lock_button.grid(row=0, column=0, padx=(0, 4), pady=(6, 0))
        self.unlock_button = ttk.Button(ub, text=_("Mở khóa"), bootstyle="secondary",
                                        command=lambda: self.on_set_active(True))
        self.unlock_button.grid(row=0, column=1, padx=4, pady=(6, 0))
        self.reset_secret = create_row(ub, 0, _("PIN/mật khẩu mới"), width=14, show="•",
                                             column=2)
        self.reset_button = ttk.Button(ub, text=_("Đặt lại"), bootstyle="secondary",
                                       command=self.on_reset)
        self.reset_button.grid(row=0, column=4, padx=4, pady=(6, 0))
        form = self.create_add_form(row)
        form.pack(side="left", anchor="n", padx=(20, 0))
        self.side_by_side(left, form)
        self.on_reload()

    def create_add_form(self, parent) -> ttk.Labelframe:
        form = ttk.Labelframe(parent, text=_("Thêm tài khoản cán bộ"), padding=10)
        self.new_username = create_row(form, 0, _("Tên đăng nhập"), width=24)
        self.new_name = create_row(form, 2, _("Họ tên"), width=24)
        ttk.Label(form, text=_("Vai trò"), font=font(11)).grid(row=4, column=0, sticky="w",
                                                               pady=(6, 0))
        self.new_role = ttk.Combobox(form, state="readonly", font=font(11), width=22,
                                     values=[access.role_label(r) for r in access.ROLES])
        self.new_role.current(0)
        self.new_role.grid(row=4, column=1, sticky="we", pady=(6, 0))
        self.new_pin = create_row(form, 6, _("Mã PIN (6–8 số) hoặc mật khẩu"),
                                         width=24, show="•")
        self.new_counter = create_row(form, 8, _("Quầy (số, có thể để trống)"),
                                             width=24)
        self.add_button = ttk.Button(form, text=_("Thêm tài khoản"), bootstyle="primary",
                                     command=self.on_add)
        self.add_button.grid(row=10, column=1, sticky="e", pady=(8, 0))
        return form

    def selected_username(self) -> str | None:
        chosen = self.tree.selection()
        if not chosen:
            self.message.show(_("Hãy chọn một tài khoản trong danh sách."), "error")
            return None
        return str(self.tree.item(chosen[0])["values"][0])

    def on_add(self) -> None:
        secret = self.new_pin.get()
        counter_text = self.new_counter.get().strip()
        if counter_text and not counter_text.isdigit():
            self.message.show(_("Số quầy phải là một số (ví dụ 1), hoặc để trống."), "error")
            return
        kind = {"pin": secret} if secret.isdigit() else {"password": secret}
        self.submit(users.create_user, username=self.new_username.get(),
                    full_name=self.new_name.get(),
                    role=access.ROLES[max(0, self.new_role.current())],
                    counter=int(counter_text) if counter_text else None,
                    on_done=self.on_added, **kind)

    def on_added(self, user) -> None:
        self.ok(_("Đã tạo tài khoản {user} ({role}).").format(user=user.username,
                                                                role=user.role_label))
        for entry in (self.new_username, self.new_name, self.new_pin, self.new_counter):
            entry.delete(0, "end")
        # back to the first role: the next account is not made IT or leader by a leftover
        self.new_role.current(0)
        self.on_reload()

    def on_set_active(self, active: bool) -> None:
        username = self.selected_username()
        if username:
            self.submit(users.set_active, username, active, on_done=lambda u: (
                self.ok((_("Đã mở khóa {user}.") if u.active else _("Đã khóa {user}."))
                        .format(user=u.username)), self.on_reload()))

    def on_reset(self) -> None:
        username = self.selected_username()
        if not username:
            return
        secret = self.reset_secret.get()
        kind = {"pin": secret} if secret.isdigit() else {"password": secret}
        self.submit(users.set_secret, username, on_done=lambda u: (
            self.reset_secret.delete(0, "end"),
            self.ok(_("Đã đặt PIN/mật khẩu mới cho {user}.").format(user=u.username))), **kind)

    def on_reload(self) -> None:
        self.shell.tasks.submit(users.list_users, self.ctx, on_done=self.on_users)

    def on_users(self, items) -> None:
        self.tree.delete(*self.tree.get_children())
        for u in items:
            self.tree.insert("", "end", values=(
                u.username, u.full_name, u.role_label, u.counter or "—",
                _("hoạt động") if u.active else _("đã khóa")))

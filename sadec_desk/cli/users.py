"""``sadec-desk user ...``: staff accounts (add, list, set a password or PIN).

The command line runs with nobody signed in and acts as the machine's
administrator (see :mod:`sadec_desk.services.admin.users`). Secrets are never taken as
command-line arguments (they would stay in the shell history and in ``ps``): they
are asked twice on the terminal, or read as one line from standard input when it
is not a terminal (scripts).
"""

from __future__ import annotations

import getpass
import sys

from sadec_desk.cli.base import command, emit, group
from sadec_desk.errors import InvalidInput
from sadec_desk.i18n import _
from sadec_desk.services import access
from sadec_desk.services.admin import users


def _read_secret(pin: bool) -> dict[str, str]:
    what = _("Mã PIN") if pin else _("Mật khẩu")
    if sys.stdin.isatty():
        first = getpass.getpass(_("{what} mới: ").format(what=what))
        second = getpass.getpass(_("Nhập lại {what}: ").format(what=what.lower()))
        if first != second:
            raise InvalidInput(_("Hai lần nhập không khớp nhau; hãy chạy lại lệnh."))
    else:
        first = sys.stdin.readline().rstrip("\r\n")
    return {"pin": first} if pin else {"password": first}


def _format_time(moment) -> str:
    return moment.strftime("%H:%M %d/%m/%Y") if moment else "—"


def cmd_user_add(args, ctx) -> None:
    info = users.create_user(ctx, username=args.username, full_name=args.name, role=args.role,
                             counter=args.counter, **_read_secret(args.pin))
    emit(args, info, lambda: [_("Đã tạo tài khoản {user} ({name}, {role}).").format(
        user=info.username, name=info.full_name, role=info.role_label)])


def cmd_user_list(args, ctx) -> None:
    items = users.list_users(ctx)

    def lines():
        if not items:
            return [_("Chưa có tài khoản nào. Tạo tài khoản CNTT đầu tiên: "
                      "sadec-desk user add TEN --name 'Họ tên' --role it")]
        out = []
        for u in items:
            state = "" if u.active else "  " + _("(đã khóa)")
            counter = _("quầy {n}").format(n=u.counter) if u.counter else "—"
            out.append(f"{u.username:<16} {u.full_name:<28} {u.role_label:<18} {counter:<8} "
                       + _("đăng nhập gần nhất: {t}").format(t=_format_time(u.last_sign_in_at))
                       + state)
        return out

    emit(args, items, lines)


def cmd_user_passwd(args, ctx) -> None:
    info = users.set_secret(ctx, args.username, **_read_secret(args.pin))
    emit(args, info, lambda: [_("Đã đặt {what} mới cho {user}.").format(
        what=_("mã PIN") if info.secret_kind == "pin" else _("mật khẩu"), user=info.username)])


def cmd_user_active(args, ctx) -> None:
    info = users.set_active(ctx, args.username, args.active)
    emit(args, info, lambda: [(_("Đã mở lại tài khoản {user}.") if info.active
                               else _("Đã khóa tài khoản {user}.")).format(user=info.username)])


def register(sub) -> None:
    g = group(sub, "user", "staff accounts: sign-in, roles (clerk, leader, it)")
    p = command(g, "add", cmd_user_add,
                help="add an account; the password (or --pin) is asked on the terminal "
                     "or read as one line from standard input")
    p.add_argument("username", help="login name, e.g. hoa.nt")
    p.add_argument("--name", required=True, help="full name, printed on receipts")
    p.add_argument("--role", required=True, choices=access.ROLES)
    p.add_argument("--pin", action="store_true", help="a 6-8 digit PIN instead of a password")
    p.add_argument("--counter", type=int, help="the counter number this clerk usually uses")
    command(g, "list", cmd_user_list, help="list accounts")
    p = command(g, "passwd", cmd_user_passwd,
                help="set a new password (or --pin); clears a sign-in lock-out")
    p.add_argument("username")
    p.add_argument("--pin", action="store_true", help="a 6-8 digit PIN instead of a password")
    p = command(g, "disable", cmd_user_active, help="lock an account")
    p.add_argument("username")
    p.set_defaults(active=False)
    p = command(g, "enable", cmd_user_active, help="unlock a locked account")
    p.add_argument("username")
    p.set_defaults(active=True)

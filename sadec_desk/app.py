"""``sadec-desk gui`` (and ``sadec-desk`` with no arguments): the desktop application."""

from __future__ import annotations

from sadec_desk.cli import command


def cmd_gui(args, ctx) -> None:
    from sadec_desk.errors import UserError
    from sadec_desk.i18n import _

    raise UserError(_("Cửa sổ ứng dụng chưa có trong phiên bản này; dùng `sadec-desk demo`."))


def register(sub) -> None:
    command(sub, "gui", cmd_gui, needs_db=False, help="open the desktop application")

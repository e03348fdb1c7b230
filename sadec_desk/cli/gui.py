"""``sadec-desk gui`` (and ``sadec-desk`` with no command): the desktop application."""

from __future__ import annotations

from sadec_desk.app import START_WINDOWS
from sadec_desk.cli.base import command


def cmd_gui(args, ctx) -> None:
    from sadec_desk.app import run_app  # Tk and the screens load only for this command

    run_app(open_window=args.open)


def register(sub) -> None:
    p = command(sub, "gui", cmd_gui, needs_db=False,
                help="open the desktop application (the default with no command)")
    p.add_argument("--open", choices=START_WINDOWS, default="counter",
                   help="also open the kiosk or the display board once staff sign in "
                        "(the Start-menu shortcuts of a kiosk PC and of the hall's screen)")

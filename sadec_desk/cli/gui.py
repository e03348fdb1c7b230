"""``sadec-desk gui`` (and ``sadec-desk`` with no command): the desktop application."""

from __future__ import annotations

from sadec_desk.cli.base import command


def cmd_gui(args, ctx) -> None:
    from sadec_desk.app import run_app  # Tk and the screens load only for this command

    run_app()


def register(sub) -> None:
    command(sub, "gui", cmd_gui, needs_db=False,
            help="open the desktop application (the default with no command)")

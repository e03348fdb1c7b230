"""``sadec-desk gui`` (and ``sadec-desk`` with no arguments): the desktop application.

Opens the office database (a new one is created and, with no accounts yet, the
window starts with the first-start set-up), starts the background workers
(sync, speech; the print queue runs in the window's shell) and shows the main
window. Without a display it says so and points to the text-mode demo.
"""

from __future__ import annotations

import logging
import os
import sys

from sadec_desk.errors import UserError
from sadec_desk.i18n import _

log = logging.getLogger(__name__)

#: the app's look: flatly's colours (navy header, grey secondary buttons) as a ttkbootstrap
#: 2.x theme family; the legacy name "flatly" is deprecated and goes in ttkbootstrap 3.0
THEME_COLOURS = dict(primary="#2c3e50", secondary="#95a5a6", success="#18bc9c",
                     info="#3498db", warning="#f39c12", danger="#e74c3c", neutral="#95a5a6",
                     light=dict(background="#ffffff", foreground="#212529"))
THEME = "sadec-light"


def new_window():
    """A ttkbootstrap root window in the app's theme (raises tk.TclError without a display)."""
    import ttkbootstrap as ttk

    root = ttk.Window()
    style = root.style
    if THEME not in style.theme_names():
        for definition in ttk.Theme(name="sadec", **THEME_COLOURS).to_definitions():
            style.register_theme(definition)
    style.theme_use(THEME)
    return root


def no_display_message(detail: str = "") -> str:
    return _("Không mở được cửa sổ ứng dụng: máy này không có màn hình đồ họa{detail}. "
             "Chạy «sadec-desk demo» để dùng bản chế độ văn bản, hoặc mở ứng dụng trên máy "
             "có màn hình.").format(detail=f" ({detail})" if detail else "")


def create_root():
    """The hidden Tk root that owns every window (a UserError without a display)."""
    if sys.platform.startswith("linux") and not os.environ.get("DISPLAY") \
            and not os.environ.get("WAYLAND_DISPLAY"):
        raise UserError(no_display_message("DISPLAY"))
    import tkinter as tk

    try:
        root = new_window()
    except tk.TclError as exc:
        raise UserError(no_display_message(str(exc))) from None
    root.withdraw()
    return root


def start_app(root, ctx, *, start_workers: bool = True, on_close=None, **shell_options):
    """Build the main window on ``root``; returns (shell, stop) where stop() ends the
    background workers started here."""
    from sadec_desk.adapters.speech import Announcer, find_engine
    from sadec_desk.views.shell import Shell

    sync_worker = None
    announcer = None
    if start_workers:
        from sadec_desk.sync.worker import SyncWorker

        sync_worker = SyncWorker(ctx).start()
        if ctx.config["queue.speech"]:
            announcer = Announcer(find_engine(voice=ctx.config["queue.speech_voice"]))
    shell = Shell(root, ctx, sync_snapshot=sync_worker.snapshot if sync_worker else None,
                  announcer=announcer, start_workers=start_workers, on_close=on_close,
                  **shell_options)

    def stop() -> None:
        if sync_worker is not None:
            sync_worker.stop(timeout=5)
        if announcer is not None:
            announcer.close(timeout=5)

    return shell, stop


#: the windows a Start-menu shortcut can ask for (``sadec-desk gui --open kiosk``)
START_WINDOWS = ("counter", "kiosk", "board")


def open_after_sign_in(shell, which: str) -> None:
    """Open the kiosk or the display board each time staff sign in: the shortcut of a
    kiosk PC or of the hall's screen (both need a signed-in member of staff to start)."""
    if which not in ("kiosk", "board"):
        return
    signed_in = shell.on_signed_in
    opener = shell.on_open_kiosk if which == "kiosk" else shell.on_open_board

    def then_open(user) -> None:
        signed_in(user)
        opener()

    shell.on_signed_in = then_open


def run_app(open_window: str = "counter") -> None:
    from sadec_desk.bootstrap import open_context
    from sadec_desk.files import set_private_umask

    set_private_umask()  # the database, PDFs, previews and the log are the user's only
    root = create_root()
    try:
        ctx = open_context()
    except UserError as exc:
        from tkinter import messagebox

        messagebox.showerror(_("Sa Đéc Desk"), str(exc), parent=root)
        root.destroy()
        raise
    shell, stop = start_app(root, ctx, on_close=root.quit)
    open_after_sign_in(shell, open_window)
    for warning in ctx.warnings:
        shell.message.show(_("Cảnh báo: {w}").format(w=warning), "warning")
    try:
        root.mainloop()
    finally:
        stop()
        try:
            root.destroy()
        except Exception:  # already gone
            pass
        ctx.close()

"""``sadec-desk gui`` (and ``sadec-desk`` with no arguments): the desktop application.

Opens the office database (a new one is created and, with no accounts yet, the
window starts with the first-start set-up), starts the background workers
(sync, speech, this PC's heartbeat; the print queue runs in the window's shell) and
shows the main window. Without a display it says so and points to the text-mode demo.

``sadec-desk kiosk`` and ``sadec-desk board`` (:func:`run_station`) run the kiosk or the
display board alone on a PC of their own, with no counter and nobody signed in (issue
#17 item 2): the board on the monitor ``board.monitor`` names.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable

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


def new_announcer(ctx):
    """The voice of the calls (None when queue.speech is off)."""
    from sadec_desk.adapters.speech import Announcer, find_engine

    if not ctx.config["queue.speech"]:
        return None
    return Announcer(find_engine(voice=ctx.config["queue.speech_voice"]))


def start_heartbeat(ctx, role: str):
    """This PC's note in the station list, every station.heartbeat_seconds, from its
    own thread; the name of whoever is signed in goes with it."""
    from sadec_desk.services.admin.stations import HeartbeatWorker

    def user_name() -> str:
        user = ctx.user
        return user.full_name if user is not None else ""

    return HeartbeatWorker(ctx, role, user_name=user_name).start()


def start_app(root, ctx, *, start_workers: bool = True, on_close=None, **shell_options):
    """Build the main window on ``root``; returns (shell, stop) where stop() ends the
    background workers started here."""
    from sadec_desk.views.shell import Shell

    sync_worker = None
    announcer = None
    heartbeat = None
    if start_workers:
        from sadec_desk.sync.worker import SyncWorker

        sync_worker = SyncWorker(ctx).start()
        announcer = new_announcer(ctx)
        heartbeat = start_heartbeat(ctx, "counter")
    shell = Shell(root, ctx, sync_snapshot=sync_worker.snapshot if sync_worker else None,
                  announcer=announcer, start_workers=start_workers, on_close=on_close,
                  **shell_options)

    def stop() -> None:
        if heartbeat is not None:
            heartbeat.stop(timeout=5)
        if sync_worker is not None:
            sync_worker.stop(timeout=5)
        if announcer is not None:
            announcer.close(timeout=5)

    return shell, stop


#: the windows a Start-menu shortcut can ask for (``sadec-desk gui --open kiosk``)
START_WINDOWS = ("counter", "kiosk", "board")
#: what a PC of the office can run on its own (``sadec-desk counter|kiosk|board``)
STATION_ROLES = START_WINDOWS


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


def open_for_window(root):
    """The office's context for a window on ``root``; an error is shown, then raised."""
    from sadec_desk.bootstrap import open_context

    try:
        return open_context()
    except UserError as exc:
        from tkinter import messagebox

        messagebox.showerror(_("Sa Đéc Desk"), str(exc), parent=root)
        root.destroy()
        raise


def run_until_closed(root, ctx, start: Callable[[], Callable[[], None]]) -> None:
    """``start()`` builds the window and returns what stops its workers; then the Tk loop
    runs until the window closes, and everything is stopped and closed whatever happened."""
    stop = None
    try:
        stop = start()
        root.mainloop()
    finally:
        if stop is not None:
            stop()
        try:
            root.destroy()
        except Exception:  # already gone
            pass
        ctx.close()


def run_app(open_window: str = "counter") -> None:
    from sadec_desk.files import set_private_umask

    set_private_umask()  # the database, PDFs, previews and the log are the user's only
    root = create_root()
    ctx = open_for_window(root)

    def start() -> Callable[[], None]:
        shell, stop = start_app(root, ctx, on_close=root.quit)
        open_after_sign_in(shell, open_window)
        for warning in ctx.warnings:
            shell.message.show(_("Cảnh báo: {w}").format(w=warning), "warning")
        return stop

    run_until_closed(root, ctx, start)


def this_pcs_monitors(root):
    """The monitors of the PC ``root`` is on (the Tk screen's size as the last fallback)."""
    from sadec_desk.adapters.monitors import list_monitors

    return list_monitors(desktop=(root.winfo_screenwidth(), root.winfo_screenheight()))


def board_monitor(root, index: int, *, monitors=None):
    """(monitor, warning) for the board: the monitor numbered ``index`` among this PC's
    (``monitors`` given by tests), or the first one and why when there is no such one."""
    from sadec_desk.adapters.monitors import pick_monitor

    return pick_monitor(this_pcs_monitors(root) if monitors is None else monitors, index)


def start_station(root, ctx, role: str, *, monitor: int | None = None, monitors=None,
                  start_workers: bool = True, fullscreen: bool = True, on_close=None):
    """The kiosk or the board alone on ``root``; returns (host, stop, warnings)."""
    from sadec_desk.views.station import StationHost

    warnings: list[str] = []
    geometry = None
    if role == "board":
        index = ctx.config["board.monitor"] if monitor is None else monitor
        chosen, warning = board_monitor(root, index, monitors=monitors)
        geometry = chosen.geometry
        if warning:
            warnings.append(warning)
            log.warning("%s", warning)
        log.info("board on monitor %s (%s)", chosen.index, geometry)
    elif fullscreen:
        # the kiosk covers the primary monitor itself: a kiosk PC often runs with no
        # window manager to honour "full screen"
        found = this_pcs_monitors(root) if monitors is None else monitors
        if found:
            geometry = next((m for m in found if m.primary), found[0]).geometry
    announcer = new_announcer(ctx) if start_workers and role == "board" else None
    heartbeat = start_heartbeat(ctx, role) if start_workers else None
    host = StationHost(root, ctx, role, announcer=announcer, start_workers=start_workers,
                       monitor_geometry=geometry, fullscreen=fullscreen, on_close=on_close)

    def stop() -> None:
        host.close()
        if heartbeat is not None:
            heartbeat.stop(timeout=5)
        if announcer is not None:
            announcer.close(timeout=5)

    return host, stop, warnings


#: how long a kiosk or board PC waits for the database at start: switched on together with
#: the office's main PC, it is often up before the PostgreSQL server there
STATION_DB_WAIT_S = 120
STATION_DB_RETRY_S = 5


def open_waiting(say: Callable[[str], None], *, wait_s: float = STATION_DB_WAIT_S,
                 retry_s: float = STATION_DB_RETRY_S):
    """The office's context for an unattended PC: a database that cannot be reached yet is
    tried again for ``wait_s`` seconds (no dialog waits for a click nobody will give); a
    wrong setting fails at once."""
    import time

    from sadec_desk.bootstrap import open_context
    from sadec_desk.errors import DatabaseError

    deadline = time.monotonic() + wait_s
    while True:
        try:
            return open_context()
        except DatabaseError as exc:
            if time.monotonic() + retry_s > deadline:
                raise
            say(_("Chưa mở được cơ sở dữ liệu ({error}); thử lại sau {n} giây.")
                .format(error=exc, n=int(retry_s)))
            log.warning("database not reachable yet: %s", exc)
            time.sleep(retry_s)


def run_station(role: str, *, monitor: int | None = None,
                say: Callable[[str], None] = lambda _text: None) -> None:
    """``sadec-desk kiosk`` / ``sadec-desk board``: until the window closes (the board's
    Ctrl+Shift+F12, the kiosk's IT exit) or the process is stopped. ``say`` gets each
    warning at start (the command prints them for whoever started it)."""
    from sadec_desk.files import set_private_umask

    set_private_umask()
    root = create_root()
    try:
        ctx = open_waiting(say)
    except BaseException:
        root.destroy()
        raise

    def start() -> Callable[[], None]:
        _host, stop, warnings = start_station(root, ctx, role, monitor=monitor,
                                              on_close=root.quit)
        for warning in [*ctx.warnings, *warnings]:
            say(warning)
        return stop

    run_until_closed(root, ctx, start)

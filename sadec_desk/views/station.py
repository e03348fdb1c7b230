"""A PC that runs only the kiosk or only the display board (``sadec-desk kiosk`` /
``sadec-desk board``, issue #17 item 2), with no counter window and nobody signed in.

The kiosk and the board were built as windows of the counter's :class:`Shell` (which
gives them its task runner, announcer and sign-in). :class:`StationHost` gives them the
same few things on a PC of their own: nobody signs in, and the process acts as the
machine, like the command line and the background rounds (``sign_in_required`` stays
off): its screens offer a citizen only the citizens' services. The window closing ends
the process.

The kiosk is locked: full screen, always on top, closing refused. Its "Cán bộ" button, or
Ctrl+Shift+F12, opens the staff sign-in; a leader or IT officer who signs in there closes
the kiosk (the IT exit); anyone else gets the kiosk back with a one-line refusal.
"""

from __future__ import annotations

import logging
import tkinter as tk
from collections.abc import Callable

from sadec_desk.i18n import _
from sadec_desk.services.access import role_label
from sadec_desk.services.admin import users
from sadec_desk.services.printing.worker import PrintRounds
from sadec_desk.views.tasks import Periodic, TaskRunner
from sadec_desk.views.widgets import font

log = logging.getLogger(__name__)

#: who may leave a standalone kiosk (the clerks may not: it is the hall's PC)
EXIT_ROLES = ("leader", "it")
#: the key combination that opens the staff sign-in on a kiosk (documented in the README)
EXIT_KEYS = "<Control-Shift-F12>"
PRINT_INTERVAL_S = 5.0
REFUSAL_MS = 6000


class StationHost:
    """The kiosk's or the board's host on a PC of its own: ``role`` is "kiosk" or
    "board"; ``monitor_geometry`` ("1920x1080+1366+0") is the monitor the window covers."""

    def __init__(self, root, ctx, role: str, *, announcer=None, start_workers: bool = True,
                 monitor_geometry: str | None = None, fullscreen: bool = True,
                 on_close: Callable[[], None] | None = None):
        if role not in ("kiosk", "board"):
            raise ValueError(f"no standalone window for {role!r}")
        self.root, self.ctx, self.role = root, ctx, role
        self.announcer = announcer
        self.fullscreen = fullscreen
        self.monitor_geometry = monitor_geometry
        self._on_close = on_close
        self.closed = False
        ctx.sign_in_required = False  # the machine's own window: see the module's doc
        self.tasks = TaskRunner(root, on_error=self.show_error,
                                on_thread_exit=self._close_thread_db)
        self.kiosk = None
        self.board = None
        self.window = None  # the kiosk's or the board's toplevel
        self.print_worker = None
        if start_workers and role == "kiosk":
            # the kiosk's tickets print here; a failed one is retried by this PC
            self.print_worker = Periodic("sadec-print", PrintRounds(ctx), PRINT_INTERVAL_S,
                                         self.tasks, lambda _state: None,
                                         on_thread_exit=self._close_thread_db).start()
        self.open()

    # --- what the kiosk and the board call on their shell ----------------------------------

    def open(self) -> None:
        if self.role == "kiosk":
            self.on_open_kiosk()
        else:
            self.on_open_board()

    def on_open_kiosk(self) -> None:
        from sadec_desk.views.kiosk.tickets import KioskWindow

        if self.monitor_geometry is not None:
            self.kiosk = KioskWindow(self.root, self, fullscreen=self.fullscreen,
                                     geometry=self.monitor_geometry)
        else:
            self.kiosk = KioskWindow(self.root, self, fullscreen=self.fullscreen)
        self.watch(self.kiosk.window)
        if self.fullscreen:
            self.kiosk.window.attributes("-topmost", True)
        self.kiosk.window.bind(EXIT_KEYS, lambda _e: self.kiosk.on_staff())

    def on_open_board(self) -> None:
        from sadec_desk.views.board import BoardWindow

        if self.monitor_geometry is not None:
            self.board = BoardWindow(self.root, self, monitor_geometry=self.monitor_geometry)
        else:
            self.board = BoardWindow(self.root, self)
        self.watch(self.board.window)
        # no title bar to close it by: the same keys as the kiosk's IT exit (only a PC
        # keyboard has them; the TV's viewers have none)
        self.board.window.bind(EXIT_KEYS, lambda _e: self.close())
        self.board.window.focus_force()

    def on_signed_in(self, user) -> None:
        """A member of staff signed in at the kiosk's "Cán bộ" panel (the kiosk has closed
        itself): a leader or IT officer leaves; anyone else gets the kiosk back."""
        users.sign_out(self.ctx)  # the kiosk goes on as the machine, never as that person
        if user.role in EXIT_ROLES:
            log.info("standalone kiosk closed by %s (%s)", user.username, user.role)
            self.close()
            return
        self.on_open_kiosk()
        self.show_refusal(_("Chỉ lãnh đạo hoặc cán bộ CNTT được thoát kiosk (bạn đăng nhập "
                            "với vai trò {role}).").format(role=role_label(user.role)))

    def refresh_print_state(self) -> None:
        if self.print_worker is not None:
            self.print_worker.wake()

    def show_error(self, message: str) -> None:
        # a citizen never reads a technical error: the log keeps it for IT
        log.warning("%s: %s", self.role, message)

    def show_refusal(self, text: str) -> None:
        if self.kiosk is None:
            return
        note = tk.Label(self.kiosk.window, text=text, font=font(16, "bold"), fg="white",
                        bg="#b02a37", padx=16, pady=8)
        note.place(relx=0.5, rely=1.0, anchor="s", y=-12)
        self.refusal = note
        note.after(REFUSAL_MS, lambda: note.winfo_exists() and note.destroy())

    # --- life ------------------------------------------------------------------------------

    def watch(self, window) -> None:
        """The process ends with its window (the board's close, the kiosk's IT exit)."""
        self.window = window

        def on_destroy(event) -> None:
            if event.widget is window and not self.closed and window is self.window \
                    and (self.kiosk is None or not self.kiosk.alive) \
                    and (self.board is None or not self.board.alive):
                # the kiosk reopens itself after a refused sign-in: only a window that
                # is not replaced ends the process
                self.root.after_idle(self._closed_by_window)

        window.bind("<Destroy>", on_destroy, add="+")

    def _closed_by_window(self) -> None:
        if self.role == "kiosk" and self.kiosk is not None and self.kiosk.alive:
            return  # reopened in the meantime
        self.close()

    def _close_thread_db(self) -> None:
        if not self.ctx.database.is_closed():
            self.ctx.database.close()  # this thread's own connection

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        if self.print_worker is not None:
            self.print_worker.stop()
        for window in (self.kiosk, self.board):
            if window is not None and window.alive:
                window.close()
        self.tasks.close()
        if self._on_close is not None:
            self._on_close()

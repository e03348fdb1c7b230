"""The main window: header, the current screen, the status bar; sign-in and sign-out.

The shell owns the :class:`TaskRunner` every screen submits its service calls to,
the keyboard-wedge scanner detector (a scan anywhere goes to the current screen's
``on_scan``) and the background workers' results (print queue, sync, speech).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import ttkbootstrap as ttk

from sadec_desk.i18n import _, set_language
from sadec_desk.services import access
from sadec_desk.services.admin import backup, users
from sadec_desk.services.display import format_time, size_text
from sadec_desk.services.printing.worker import PrintRounds, PrintState
from sadec_desk.views.qr_wedge import WedgeDetector
from sadec_desk.views.signin import SetupView, SignInView
from sadec_desk.views.tasks import Periodic, TaskRunner
from sadec_desk.views.widgets import MessageBar, font, release_tk_objects

log = logging.getLogger(__name__)

PRINT_INTERVAL_S = 5.0
#: how often the app asks whether a scheduled backup is due (backup.interval_hours)
BACKUP_CHECK_INTERVAL_S = 15 * 60
SYNC_POLL_MS = 2000
#: how long "Báo cáo" waits for the worker to answer the screen it replaces
SWITCH_WAIT_MS = 3000


def sync_text(status) -> tuple[str, str]:
    """(text, bootstyle) of the status bar's sync part from a SyncStatus (or None)."""
    if status is None:
        return _("Đồng bộ: đang kiểm tra…"), "secondary"
    if not status.online:
        return (_("Đồng bộ: ngoại tuyến, chưa cấu hình cổng ({n} thay đổi chờ gửi)")
                .format(n=status.pending), "secondary")
    if status.conflicts or status.rejected:
        return (_("Đồng bộ: {c} xung đột/từ chối cần xử lý, {n} chờ gửi")
                .format(c=status.conflicts + status.rejected, n=status.pending), "danger")
    if status.last_error and (status.last_success_at is None or (
            status.last_error_at and status.last_error_at > status.last_success_at)):
        return _("Đồng bộ: lỗi, {n} chờ gửi").format(n=status.pending), "danger"
    if status.pages_waiting:  # scanned pages are the slow part of a sync: say how much
        return (_("Đồng bộ: đang chờ gửi {n} thay đổi, {p} trang ảnh ({size})").format(
            n=status.pending, p=status.pages_waiting,
            size=size_text(status.pages_waiting_bytes)), "warning")
    if status.pending:
        return _("Đồng bộ: đang chờ gửi {n} thay đổi").format(n=status.pending), "warning"
    when = (format_time(status.last_success_at)
            if status.last_success_at else "—")
    return _("Đồng bộ: đã đồng bộ lúc {t}").format(t=when), "success"


def sync_status(ctx):
    """sync.api.status, imported here in the worker: the sync package pulls in the HTTP
    client, whose first import took the Tk thread 0.5–1.7 s after a clerk's first save."""
    from sadec_desk.sync import api as sync_api

    return sync_api.status(ctx)


def printer_checking() -> str:
    """The printer part before the first answer of the print worker. No trailing "…":
    at the window's right edge it read as a text cut off (1366 px screenshot)."""
    return _("Máy in: đang kiểm tra")


def shared_widths(natural: list[int], available: int) -> list[int]:
    """How wide each part of a bar may be when they do not all fit on one line: the
    narrow parts keep their width, the wide ones share what is left equally (and wrap to
    a second line inside it). 0 = no limit (everything fits)."""
    if sum(natural) <= available:
        return [0] * len(natural)
    budget, left = max(0, available), len(natural)
    cap = 0
    for width in sorted(natural):
        if width * left > budget:
            cap = max(1, budget // left)  # never 0, Tk's "no limit"
            break
        budget -= width
        left -= 1
    return [cap if width > cap else 0 for width in natural]


class StatusBar(ttk.Frame):
    """Who is signed in, the sync and the printers, on one line when it fits; on a
    narrow screen (1366 px with a long name or printer) the widest parts wrap onto a
    second line instead of being cut at the window's edge."""

    GAP = 16  # px between the parts
    PAD = 8  # px at each end of the bar

    def __init__(self, parent):
        super().__init__(parent, padding=(self.PAD, 3), bootstyle="light")
        self.user = ttk.Label(self, text="", font=font(10), bootstyle="@light")
        self.user.pack(side="left")
        self.printer = ttk.Label(self, text=printer_checking(), font=font(10),
                                 bootstyle="@light")
        self.printer.pack(side="right", padx=(self.GAP, 0))
        self.sync = ttk.Label(self, text=sync_text(None)[0], font=font(10),
                              bootstyle="@light")
        self.sync.pack(side="right", padx=(self.GAP, 0))
        self.print_state: PrintState | None = None
        self.sync_status = None
        self._fitted: tuple | None = None
        self.bind("<Configure>", lambda _e: self.fit_parts(), add="+")

    @property
    def parts(self) -> tuple:
        return self.user, self.sync, self.printer

    def fit_parts(self) -> None:
        """Give each part its wrap length for the bar's width (after every change of
        width or text; nothing when neither changed, so a new height does not loop)."""
        width = self.winfo_width()
        texts = tuple(str(p.cget("text")) for p in self.parts)
        if width <= 1 or self._fitted == (width, texts):
            return
        self._fitted = (width, texts)
        spec = self.user.cget("font")  # measured by Tk itself: no font object each time
        # a few px of slack per part: the label's own border and the font's overhang
        natural = [int(self.tk.call("font", "measure", spec, t)) + 6 if t else 0
                   for t in texts]
        available = width - 2 * self.PAD - 2 * self.GAP
        for part, wrap in zip(self.parts, shared_widths(natural, available), strict=True):
            if int(str(part.cget("wraplength") or 0)) != wrap:
                part.configure(wraplength=wrap)

    def show_user(self, user) -> None:
        self.user.configure(text=_("Người dùng: {name} ({role})").format(
            name=user.full_name, role=access.role_label(user.role)) if user
            else _("Chưa đăng nhập"))
        self.fit_parts()

    def show_sync(self, status) -> None:
        self.sync_status = status
        text, _style = sync_text(status)
        self.sync.configure(text=text)
        self.fit_parts()

    def show_print(self, state: PrintState | None) -> None:
        self.print_state = state
        if state is None:
            self.printer.configure(text=printer_checking())
            self.fit_parts()
            return
        ready = (_("sẵn sàng") if state.ready else
                 _("chưa kiểm tra") if state.ready is None else _("lỗi"))
        text = _("Máy in {p}: {ready}").format(p=state.printer, ready=ready)
        text += " · " + _("{n} lệnh in chờ").format(n=state.waiting)
        if state.failed:
            text += " · " + _("{n} lệnh in lỗi").format(n=state.failed)
        self.printer.configure(text=text)
        self.fit_parts()


class Shell:
    def __init__(self, root, ctx, *, sync_snapshot: Callable[[], object] | None = None,
                 announcer=None, start_workers: bool = True, on_close: Callable | None = None,
                 geometry: str = "1366x740+0+0", kiosk_fullscreen: bool = True):
        self.root, self.ctx = root, ctx
        self.announcer = announcer
        self.sync_snapshot = sync_snapshot
        self._last_snapshot = None  # the worker's status last shown (on_sync_poll)
        self._on_close = on_close
        ctx.sign_in_required = True  # nobody signed in = nothing allowed (services check)
        self.window = ttk.Toplevel(root)
        self.window.title(_("Sa Đéc Desk — Bộ phận Tiếp nhận và Trả kết quả"))
        self.window.geometry(geometry)
        self.window.protocol("WM_DELETE_WINDOW", self.close)
        self.tasks = TaskRunner(self.window, on_error=self.show_error,
                                on_thread_exit=self._close_thread_db)
        self.create_header()
        self.message = MessageBar(self.window)
        self.message.pack(fill="x", padx=10)
        # the status bar is packed before the body: a tall screen is cut, never the bar
        self.status = StatusBar(self.window)
        self.status.pack(fill="x", side="bottom")
        self.body = ttk.Frame(self.window)
        self.body.pack(fill="both", expand=True)
        self.status.show_user(None)
        self.scanner = WedgeDetector(self.window, self.on_scan)
        self.screen = None
        self.board = None
        self.kiosk = None
        self.kiosk_fullscreen = kiosk_fullscreen
        #: where the counter's "Máy ảnh…" gets frames (None: the webcam through OpenCV)
        self.camera_source_factory = None
        self.print_worker = self.backup_worker = None
        if start_workers:
            self.print_worker = Periodic("sadec-print", PrintRounds(ctx), PRINT_INTERVAL_S,
                                         self.tasks, self.on_print_state,
                                         on_thread_exit=self._close_thread_db).start()
            # the app's own scheduled backup, before anyone signs in too: as the machine
            self.backup_worker = Periodic("sadec-backup",
                                          lambda: backup.backup_if_due(access.as_machine(ctx)),
                                          BACKUP_CHECK_INTERVAL_S, self.tasks,
                                          self.on_backup_done,
                                          on_thread_exit=self._close_thread_db).start()
        self._sync_job = self.window.after(SYNC_POLL_MS, self.on_sync_poll) \
            if sync_snapshot else None
        self.tasks.submit(users.has_users, ctx, on_done=self.on_started)

    # --- building ------------------------------------------------------------------------

    def create_header(self) -> None:
        header = ttk.Frame(self.window, padding=(10, 6), bootstyle="primary")
        header.pack(fill="x")
        self.title = ttk.Label(header, text=self.ctx.config["office.name"],
                               font=font(15, "bold"), bootstyle="@primary")
        self.title.pack(side="left")
        self.sign_out_button = ttk.Button(header, text=_("Đăng xuất"), bootstyle="light",
                                          command=self.on_sign_out)
        self.board_button = ttk.Button(header, text=_("Mở bảng hiển thị"), bootstyle="light",
                                       command=self.on_open_board)
        self.kiosk_button = ttk.Button(header, text=_("Mở kiosk lấy số"), bootstyle="light",
                                       command=self.on_open_kiosk)
        # the leader's reports and the way back to the user's own screen
        self.reports_button = ttk.Button(header, text=_("Báo cáo"), bootstyle="light",
                                         command=lambda: self.when_idle(self.on_open_reports))
        self.home_button = ttk.Button(header, text=self.home_text(None), bootstyle="light",
                                      command=self.on_open_home)

    def show_screen(self, factory) -> None:
        if self.screen is not None:
            release_tk_objects(self.screen)  # here, not in a worker's garbage collection
            self.screen.destroy()
        self.screen = factory(self.body)
        self.screen.pack(fill="both", expand=True)

    # --- start, sign-in ------------------------------------------------------------------

    def on_started(self, has_users: bool) -> None:
        if has_users:
            self.show_sign_in()
        else:
            self.show_screen(lambda parent: SetupView(
                parent, self, office_name="", agency_code=self.ctx.config["office.agency_code"]))

    @property
    def nav_buttons(self) -> tuple:
        return (self.sign_out_button, self.board_button, self.kiosk_button,
                self.reports_button, self.home_button)

    def show_sign_in(self) -> None:
        for button in self.nav_buttons:
            button.pack_forget()
        self.status.show_user(None)
        self.show_screen(lambda parent: SignInView(parent, self,
                                                   office_name=self.ctx.config["office.name"]))

    def on_signed_in(self, user) -> None:
        self.status.show_user(user)
        self.title.configure(text=self.ctx.config["office.name"])
        self.message.clear()
        for button in self.nav_buttons:
            button.pack_forget()
        self.sign_out_button.pack(side="right")
        if user.role in access.COUNTER_ROLES:
            self.board_button.pack(side="right", padx=6)
            self.kiosk_button.pack(side="right")
        if user.role == "leader":  # a leader's day starts with the figures (#17 low items)
            self.on_open_reports()
        else:
            self.on_open_home()

    def home_text(self, user) -> str:
        """The header button that leaves the Reports screen: the user's own screen."""
        if user is not None and user.role not in access.COUNTER_ROLES:
            return _("Quản trị")
        return _("Quầy tiếp nhận")

    def show_nav(self, on_reports: bool) -> None:
        """"Báo cáo" for whoever the report services allow (users.REPORT_ROLES) while
        on their own screen; the way back while on the Reports screen."""
        user = self.ctx.user
        self.reports_button.pack_forget()
        self.home_button.pack_forget()
        if user is None or user.role not in access.REPORT_ROLES:
            return
        if on_reports:
            self.home_button.configure(text=self.home_text(user))
            self.home_button.pack(side="right", padx=6)
        else:
            self.reports_button.pack(side="right", padx=6)

    def on_open_home(self) -> None:
        user = self.ctx.user
        if user is None:
            self.show_sign_in()
            return
        if user.role in access.COUNTER_ROLES:
            from sadec_desk.views.counter.screen import CounterView

            self.show_screen(lambda parent: CounterView(parent, self))
        else:
            from sadec_desk.views.settings.screen import SettingsView

            self.show_screen(lambda parent: SettingsView(parent, self))
        self.show_nav(on_reports=False)

    def when_idle(self, action, waited_ms: int = 0) -> None:
        """Run ``action`` once the worker has answered the calls already submitted (at most
        SWITCH_WAIT_MS later): the counter's answers must not arrive after the counter was
        replaced, where they would find its widgets gone."""
        if self.tasks.busy and waited_ms < SWITCH_WAIT_MS:
            self.window.after(20, self.when_idle, action, waited_ms + 20)
        else:
            action()

    def on_open_reports(self) -> None:
        from sadec_desk.views.reports import ReportsView

        self.message.clear()
        self.show_screen(lambda parent: ReportsView(parent, self))
        self.show_nav(on_reports=True)

    def apply_language(self, language: str) -> None:
        """Switch the interface language now: the window's own texts and the screen are
        built again in the new language (the IT screen comes back on its first tab)."""
        set_language(language)
        self.window.title(_("Sa Đéc Desk — Bộ phận Tiếp nhận và Trả kết quả"))
        self.sign_out_button.configure(text=_("Đăng xuất"))
        self.board_button.configure(text=_("Mở bảng hiển thị"))
        self.kiosk_button.configure(text=_("Mở kiosk lấy số"))
        self.reports_button.configure(text=_("Báo cáo"))
        self.home_button.configure(text=self.home_text(self.ctx.user))
        self.status.show_user(self.ctx.user)
        self.status.show_print(self.status.print_state)
        self.status.show_sync(self.status.sync_status)
        if self.ctx.user is not None:
            self.on_signed_in(self.ctx.user)
        else:
            self.show_sign_in()

    def on_sign_out(self) -> None:
        # the kiosk and the board run under the staff member's sign-in: they close with it
        for window in (self.kiosk, self.board):
            if window is not None:
                window.close()
        users.sign_out(self.ctx)
        self.show_sign_in()

    # --- scans, messages -----------------------------------------------------------------

    def on_scan(self, text: str) -> None:
        handler = getattr(self.screen, "on_scan", None)
        if handler is None:
            self.show_error(_("Hãy đăng nhập trước khi quét mã."))
            return
        handler(text)

    def show_error(self, message: str) -> None:
        self.message.show(message, "error")

    def on_open_kiosk(self) -> None:
        from sadec_desk.views.kiosk.tickets import KioskWindow

        if self.kiosk is None or not self.kiosk.alive:
            self.kiosk = KioskWindow(self.root, self, fullscreen=self.kiosk_fullscreen)

    def on_open_board(self) -> None:
        from sadec_desk.views.board import BoardWindow

        if self.board is None or not self.board.alive:
            self.board = BoardWindow(self.root, self)

    # --- background workers ---------------------------------------------------------------

    def _close_thread_db(self) -> None:
        if not self.ctx.database.is_closed():
            self.ctx.database.close()  # this thread's own connection

    def on_print_state(self, state: PrintState) -> None:
        self.status.show_print(state)

    def on_backup_done(self, info) -> None:
        if info is not None:
            log.info("scheduled backup %s written", info.name)

    def refresh_print_state(self) -> None:
        if self.print_worker is not None:
            self.print_worker.wake()

    def on_sync_poll(self) -> None:
        snapshot = self.sync_snapshot()
        # the worker's status changes after each of its rounds only: between two rounds
        # the fresher count refresh_sync_state read after a change stays on screen
        if snapshot is not self._last_snapshot:
            self._last_snapshot = snapshot
            self.status.show_sync(snapshot)
        self._sync_job = self.window.after(SYNC_POLL_MS, self.on_sync_poll)

    def refresh_sync_state(self) -> None:
        """After a change that waits for the portal (a save, a status change): the pending
        count read now, not at the sync worker's next round (#17 low items)."""
        self.tasks.submit(sync_status, self.ctx, on_done=self.status.show_sync,
                          on_error=lambda _m: None)

    def close(self) -> None:
        if self._sync_job is not None:
            self.window.after_cancel(self._sync_job)
        for worker in (self.print_worker, self.backup_worker):
            if worker is not None:
                worker.stop()
        self.tasks.close()
        if self.board is not None:
            self.board.close()
        if self.kiosk is not None:
            self.kiosk.close()
        release_tk_objects(self.window)
        self.window.destroy()
        if self._on_close is not None:
            self._on_close()

"""The IT officer's screens ("Quản trị"): office, counters and groups, printers, sync,
accounts, working calendar and backups — one tab each, one module each in this package.

Every change goes through a service (``services.admin.settings``, ``services.queue``,
``services.printing``, ``sync.api``, ``services.admin.users``) that checks the role and
the input; a refused value comes back as a Vietnamese sentence shown in the tab's message
line, and nothing typed is lost.
"""

from __future__ import annotations

import ttkbootstrap as ttk

from sadec_desk.i18n import _
from sadec_desk.views.settings.backups import BackupTab
from sadec_desk.views.settings.office import OfficeTab
from sadec_desk.views.settings.printers import PrintersTab
from sadec_desk.views.settings.queue import QueueTab
from sadec_desk.views.settings.stations import StationsTab
from sadec_desk.views.settings.sync import SyncTab
from sadec_desk.views.settings.users import UsersTab
from sadec_desk.views.settings.working_calendar import CalendarTab
from sadec_desk.views.widgets import ScrollableFrame


class SettingsView(ttk.Frame):
    """The IT officer's home: one tab per area."""

    TABS = (("office", OfficeTab, lambda: _("Cơ quan")),
            ("queue", QueueTab, lambda: _("Quầy và nhóm")),
            ("printers", PrintersTab, lambda: _("Máy in")),
            ("sync", SyncTab, lambda: _("Đồng bộ")),
            ("users", UsersTab, lambda: _("Tài khoản")),
            ("calendar", CalendarTab, lambda: _("Lịch làm việc")),
            ("backup", BackupTab, lambda: _("Sao lưu")),
            ("stations", StationsTab, lambda: _("Máy trạm")))

    def __init__(self, parent, shell, *, tab: str = "office"):
        super().__init__(parent, padding=(8, 6))
        self.shell = shell
        self.notebook = ttk.Notebook(self, bootstyle="primary")
        self.notebook.pack(fill="both", expand=True)
        self.tabs = {}
        self.scrollers = {}  # each tab scrolls when the window is smaller than it (#17.3)
        for key, cls, title in self.TABS:
            scroller = ScrollableFrame(self.notebook)
            page = cls(scroller.interior, shell)
            scroller.hold(page)
            if hasattr(page, "on_room"):  # a tab of two columns: one on a narrow window
                scroller.room_watchers.append(page.on_room)
            self.notebook.add(scroller, text=title())
            self.tabs[key] = page
            self.scrollers[key] = scroller
            setattr(self, key, page)
        self.select(tab)

    def select(self, key: str) -> None:
        self.notebook.select(self.scrollers[key])

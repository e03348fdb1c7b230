"""The IT tab "Máy trạm": which PCs of the office run the app on this database (counter,
kiosk, board), their version, who is signed in there and when each was last seen; a PC
silent for twice its heartbeat reads "Mất kết nối" (issue #17 item 2)."""

from __future__ import annotations

import ttkbootstrap as ttk

from sadec_desk.i18n import _
from sadec_desk.services.admin import stations
from sadec_desk.services.display import format_moment
from sadec_desk.views.settings.base import Tab, create_tree
from sadec_desk.views.widgets import font

#: how often the open tab reads the list again
REFRESH_MS = 15_000


class StationsTab(Tab):
    def __init__(self, parent, shell):
        super().__init__(parent, shell, _("Các máy đang dùng phần mềm"))
        self.tree = create_tree(self, (
            ("machine", _("Máy"), 200), ("role", _("Vai trò"), 150),
            ("status", _("Trạng thái"), 290), ("user", _("Người đăng nhập"), 170),
            ("version", _("Phiên bản"), 100), ("started", _("Chạy từ"), 150)), height=8)
        self.tree.tag_configure("lost", foreground="#b02a37")
        self.tree.pack(anchor="w", fill="x")
        buttons = ttk.Frame(self)
        buttons.pack(anchor="w", pady=(6, 0))
        self.refresh_button = ttk.Button(buttons, text=_("Làm mới"), bootstyle="secondary",
                                         command=self.refresh)
        self.refresh_button.pack(side="left")
        self.forget_button = ttk.Button(buttons, text=_("Bỏ máy đã chọn khỏi danh sách"),
                                        bootstyle="secondary-outline", command=self.on_forget)
        self.forget_button.pack(side="left", padx=6)
        self.this_pc = ttk.Label(self, text="", font=font(10))
        self.this_pc.pack(anchor="w", pady=(8, 0))
        ttk.Label(self, text=_("Mỗi máy đang chạy quầy, kiosk hoặc bảng hiển thị tự báo sau "
                               "mỗi {n} giây; quá hai lần không báo là «Mất kết nối» (máy tắt, "
                               "treo, hoặc mất kết nối tới máy chủ cơ sở dữ liệu).")
                  .format(n=self.ctx.config["station.heartbeat_seconds"]),
                  font=font(10), wraplength=1000, justify="left").pack(anchor="w", pady=(4, 0))
        self.found: dict[str, stations.StationInfo] = {}
        self._job = None
        self.refresh()

    def refresh(self) -> None:
        if self._job is not None:
            self.after_cancel(self._job)
        self.submit(stations.list_stations, on_done=self.on_list)
        self._job = self.after(REFRESH_MS, self.refresh)

    def on_list(self, found) -> None:
        if not self.winfo_exists():
            return
        self.tree.delete(*self.tree.get_children())
        self.found = {}
        for i, s in enumerate(found):
            iid = str(i)
            self.found[iid] = s
            self.tree.insert("", "end", iid=iid, tags=() if s.connected else ("lost",),
                             values=(s.machine, s.role_label, s.status_text,
                                     s.user_name or "—", s.version,
                                     format_moment(s.started_at)))
        if not found:
            self.message.show(_("Chưa có máy nào báo. Máy này sẽ hiện sau lần báo đầu tiên."),
                              "info")
        self.this_pc.configure(text=_("Máy này: {name} (đặt tên bằng station.name)")
                               .format(name=stations.machine_name(self.ctx)))

    def on_forget(self) -> None:
        selected = self.tree.selection()
        if not selected:
            self.message.show(_("Hãy chọn một máy trong danh sách."), "error")
            return
        station = self.found[selected[0]]
        self.submit(stations.forget_station, station.machine, station.role,
                    on_done=lambda _r: (self.ok(_("Đã bỏ {machine} ({role}) khỏi danh sách.")
                                                .format(machine=station.machine,
                                                        role=station.role_label)),
                                        self.refresh()))

    def destroy(self) -> None:
        if self._job is not None:
            try:
                self.after_cancel(self._job)
            except Exception:  # the interpreter is already gone
                pass
            self._job = None
        super().destroy()

"""The IT tab for backups: the backup folder, a backup now, and what is there."""

from __future__ import annotations

import ttkbootstrap as ttk

from sadec_desk.i18n import _
from sadec_desk.services.admin import settings
from sadec_desk.views.file_dialog import ask_folder
from sadec_desk.views.settings.base import Tab, create_row
from sadec_desk.views.widgets import font, set_entry


class BackupTab(Tab):
    def __init__(self, parent, shell):
        super().__init__(parent, shell, _("Sao lưu dữ liệu"))
        form = ttk.Frame(self)
        form.pack(anchor="w")
        self.folder = create_row(form, 0, _("Thư mục sao lưu (để trống = mặc định)"),
                                       width=60)
        buttons = ttk.Frame(form)
        buttons.grid(row=2, column=1, sticky="w", pady=(4, 0))
        ttk.Button(buttons, text=_("Chọn thư mục…"), bootstyle="link",
                   command=self.on_choose).pack(side="left")
        self.save_button = ttk.Button(buttons, text=_("Lưu thư mục"), bootstyle="primary",
                                      command=self.on_save)
        self.save_button.pack(side="left", padx=4)
        self.backup_button = ttk.Button(buttons, text=_("Sao lưu ngay"), bootstyle="secondary",
                                        command=self.on_backup)
        self.backup_button.pack(side="left", padx=4)
        self.info = ttk.Label(self, text="", font=font(11), justify="left")
        self.info.pack(anchor="w", pady=(10, 0))
        ttk.Label(self, text=_("Nên chọn ổ đĩa khác hoặc ổ USB: bản sao lưu chứa dữ liệu cá nhân "
                               "của công dân, hãy cất giữ cẩn thận. Khôi phục từ bản sao lưu "
                               "dùng lệnh «sadec-desk backup restore»."), font=font(10),
                  wraplength=1000).pack(anchor="w", pady=(10, 0))
        self.submit(settings.backup_settings, on_done=self.on_settings)

    def on_settings(self, info) -> None:
        if not self.folder.get():
            set_entry(self.folder, info.configured)
        lines = [_("Bản sao lưu được ghi vào: {path}").format(path=info.folder),
                 _("Sao lưu tự động mỗi {h} giờ; giữ {n} bản mới nhất.").format(
                     h=info.interval_hours, n=info.keep_last),
                 _("Số bản sao lưu: {n}; mới nhất: {newest}").format(
                     n=info.count, newest=info.newest or _("chưa có"))]
        if info.error:
            lines.append(info.error)
        self.info.configure(text="\n".join(lines))

    def on_choose(self) -> None:
        """Our Vietnamese folder window (Tk's own is English and tiny, issue #17)."""
        ask_folder(self, title=_("Chọn thư mục sao lưu"),
                   folder=self.folder.get().strip() or None,
                   on_chosen=lambda path: path and set_entry(self.folder, path))

    def on_save(self) -> None:
        self.submit(settings.save_backup_dir, self.folder.get(), on_done=lambda info: (
            self.on_settings(info), self.ok(_("Đã lưu thư mục sao lưu."))))

    def on_backup(self) -> None:
        self.backup_button.configure(state="disabled")  # one backup at a time
        self.submit(settings.create_backup_now, on_done=self.on_backed_up,
                    on_error=self.on_backup_failed)
        self.message.show(_("Đang sao lưu…"), "info")  # after submit, which clears the line

    def on_backed_up(self, name: str) -> None:
        self.backup_button.configure(state="normal")
        self.ok(_("Đã sao lưu và kiểm tra: {name}.").format(name=name))
        # the folder's figures again, without clearing the success line (self.submit would)
        self.shell.tasks.submit(settings.backup_settings, self.ctx, on_done=self.on_settings)

    def on_backup_failed(self, message: str) -> None:
        self.backup_button.configure(state="normal")
        self.message.show(message, "error")

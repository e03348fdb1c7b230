"""The IT tab for the working calendar: same-day ("không hẹn") weekdays, the office's own
days off and make-up working days, and the public holidays coming up."""

from __future__ import annotations

import tkinter as tk

import ttkbootstrap as ttk

from sadec_desk.i18n import _
from sadec_desk.services.admin import settings
from sadec_desk.services.display import VN_TZ
from sadec_desk.views.settings.base import Tab, create_row, create_tree
from sadec_desk.views.widgets import font


class CalendarTab(Tab):
    def __init__(self, parent, shell):
        super().__init__(parent, shell, _("Lịch làm việc, ngày không hẹn và ngày nghỉ"))
        row = ttk.Frame(self)
        row.pack(fill="both", expand=True)
        left = ttk.Frame(row)
        left.pack(side="left", anchor="n")
        same = ttk.Labelframe(left, text=_("Ngày không hẹn (trả kết quả trong ngày)"), padding=8)
        same.pack(fill="x")
        self.same_day = [tk.BooleanVar(value=False) for _d in range(7)]
        self.day_checks = []
        for d in range(7):
            check = ttk.Checkbutton(same, text="", variable=self.same_day[d])
            check.grid(row=0, column=d, padx=4)
            self.day_checks.append(check)
        self.same_button = ttk.Button(same, text=_("Lưu ngày không hẹn"), bootstyle="primary",
                                      command=self.on_save_same_day)
        self.same_button.grid(row=1, column=0, columnspan=7, sticky="e", pady=(6, 0))
        self.summary = ttk.Label(left, text="", font=font(10), wraplength=560, justify="left")
        self.summary.pack(anchor="w", pady=(6, 0))
        ttk.Label(left, text=_("Ngày nghỉ và ngày làm bù của cơ quan"),
                  font=font(12, "bold")).pack(anchor="w", pady=(8, 0))
        self.overrides = create_tree(left, (("day", _("Ngày"), 100), ("kind", _("Loại"), 110),
                                            ("reason", _("Lý do"), 420)), height=6)
        self.overrides.pack(anchor="w")
        self.remove_button = ttk.Button(left, text=_("Xoá ngày đã chọn"), bootstyle="secondary",
                                        command=self.on_remove)
        self.remove_button.pack(anchor="w", pady=(4, 0))
        add = ttk.Labelframe(left, text=_("Thêm ngày nghỉ / ngày làm bù"), padding=8)
        add.pack(fill="x", pady=(8, 0))
        self.kind = tk.StringVar(value="off")
        ttk.Radiobutton(add, text=_("Ngày nghỉ"), value="off", variable=self.kind).grid(
            row=0, column=0, sticky="w")
        ttk.Radiobutton(add, text=_("Ngày làm bù"), value="work", variable=self.kind).grid(
            row=0, column=1, sticky="w")
        self.day = create_row(add, 1, _("Ngày (dd/mm/yyyy)"), width=30)
        self.reason = create_row(add, 3, _("Lý do"), width=30)
        self.add_button = ttk.Button(add, text=_("Thêm"), bootstyle="primary",
                                     command=self.on_add)
        self.add_button.grid(row=5, column=1, sticky="e", pady=(4, 0))
        right = ttk.Frame(row)
        right.pack(side="left", anchor="n", padx=(20, 0))
        self.side_by_side(left, right)
        ttk.Label(right, text=_("Các ngày nghỉ sắp tới"), font=font(12, "bold")).pack(anchor="w")
        self.holidays = create_tree(right, (("day", _("Ngày"), 190),
                                            ("name", _("Tên ngày nghỉ"), 280)), height=10)
        self.holidays.pack(anchor="w")
        self.submit(settings.calendar_settings, on_done=self.on_settings)

    def on_settings(self, info) -> None:
        for d, check in enumerate(self.day_checks):
            check.configure(text=info.weekday_names[d])
            self.same_day[d].set(d in info.same_day_weekdays)
        self.summary.configure(text=_(
            "Giờ nhận hồ sơ tính sang ngày làm việc sau: {cutoff}. Tệp ngày nghỉ: {file}.").format(
            cutoff=info.cutoff, file=info.overrides_file or _("tệp có sẵn của ứng dụng")))
        self.overrides.delete(*self.overrides.get_children())
        # days gone by stay in the file (old dossiers' due dates were counted with them)
        # but are not listed: the IT officer manages the days to come (#17 low items)
        today = self.ctx.now().astimezone(VN_TZ).date()
        for kind, notes in ((_("ngày nghỉ"), info.days_off), (_("ngày làm bù"),
                                                                info.working_days)):
            for n in (n for n in notes if n.day >= today):
                self.overrides.insert("", "end", iid=n.day.isoformat(), values=(
                    n.day.strftime("%d/%m/%Y"), kind, n.text))
        self.holidays.delete(*self.holidays.get_children())
        for n in info.next_holidays:
            self.holidays.insert("", "end", values=(
                f"{info.weekday_names[n.day.weekday()]} {n.day.strftime('%d/%m/%Y')}", n.text))

    def on_save_same_day(self) -> None:
        days = [d for d in range(7) if self.same_day[d].get()]
        self.submit(settings.save_same_day_weekdays, days, on_done=lambda info: (
            self.on_settings(info), self.ok(_("Đã lưu ngày không hẹn."))))

    def on_add(self) -> None:
        self.submit(settings.add_day_override, kind=self.kind.get(), day=self.day.get(),
                    reason=self.reason.get(), on_done=self.on_added)

    def on_added(self, info) -> None:
        self.on_settings(info)
        self.ok(_("Đã thêm ngày {day}.").format(day=self.day.get().strip()))
        self.day.delete(0, "end")
        self.reason.delete(0, "end")

    def on_remove(self) -> None:
        chosen = self.overrides.selection()
        if not chosen:
            self.message.show(_("Hãy chọn một ngày trong danh sách."), "error")
            return
        from datetime import date

        self.submit(settings.remove_day_override, date.fromisoformat(chosen[0]),
                    on_done=lambda info: (self.on_settings(info), self.ok(_("Đã xoá ngày."))))

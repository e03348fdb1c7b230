"""The IT tab for printing: thermal printers (connection, profile, default, test page,
preview), the print-job queue (retry, reprint), the office's A5 printer, and the
document scanner's box (:mod:`sadec_desk.views.settings.scanner`)."""

from __future__ import annotations

import sys
import tkinter as tk

import ttkbootstrap as ttk

from sadec_desk.i18n import _
from sadec_desk.services.admin import settings
from sadec_desk.services.printing import devices as printer_devices
from sadec_desk.services.printing import jobs
from sadec_desk.views.settings.base import Tab, create_row, create_tree
from sadec_desk.views.settings.scanner import ScannerBox
from sadec_desk.views.widgets import font, set_entry


class PrintersTab(ScannerBox, Tab):
    def __init__(self, parent, shell):
        super().__init__(parent, shell, _("Máy in"))
        row = ttk.Frame(self)
        row.pack(fill="both", expand=True)
        left = ttk.Frame(row)
        left.pack(side="left", anchor="n")
        self.printers = create_tree(left, (("name", _("Tên"), 90),
                                           ("connection", _("Kết nối"), 230),
                                           ("profile", _("Mẫu máy"), 120),
                                           ("default", _("Mặc định"), 80)), height=4)
        self.printers.pack(anchor="w")
        self.printers.bind("<<TreeviewSelect>>", lambda _e: self.on_printer_selected())
        form = ttk.Labelframe(left, text=_("Thêm / sửa máy in"), padding=8)
        form.pack(fill="x", pady=(8, 0))
        self.p_name = create_row(form, 0, _("Tên (ví dụ quay1)"), width=32)
        self.p_connection = create_row(form, 2, _("Kết nối (tcp://IP:9100, usb://…)"),
                                             width=32)
        # Windows: pick a printer of the spooler instead of typing win32:NAME
        self.windows_picker: ttk.Combobox | None = None
        self.office_picker: ttk.Combobox | None = None
        if sys.platform == "win32":
            ttk.Label(form, text=_("Máy in của Windows"), font=font(11)).grid(
                row=3, column=0, sticky="w")
            self.windows_picker = ttk.Combobox(form, state="readonly", font=font(11), width=30)
            self.windows_picker.grid(row=3, column=1, sticky="we")
            self.windows_picker.bind("<<ComboboxSelected>>", lambda _e: set_entry(
                self.p_connection, "win32:" + self.windows_picker.get()))
        ttk.Label(form, text=_("Mẫu máy in"), font=font(11)).grid(row=4, column=0, sticky="w")
        self.p_profile = ttk.Combobox(form, state="readonly", font=font(11), width=30)
        self.p_profile.grid(row=4, column=1, sticky="we")
        self.p_default = tk.BooleanVar(value=False)
        ttk.Checkbutton(form, text=_("Dùng làm máy in mặc định"), variable=self.p_default).grid(
            row=5, column=1, sticky="w", pady=(6, 0))
        buttons = ttk.Frame(form)
        buttons.grid(row=6, column=0, columnspan=2, sticky="e", pady=(6, 0))
        self.save_button = ttk.Button(buttons, text=_("Lưu máy in"), bootstyle="primary",
                                      command=self.on_save)
        self.save_button.pack(side="left", padx=3)
        self.test_button = ttk.Button(buttons, text=_("In thử"), bootstyle="secondary",
                                      command=self.on_test)
        self.test_button.pack(side="left", padx=3)
        self.preview_button = ttk.Button(buttons, text=_("Xem trước"), bootstyle="secondary",
                                         command=self.on_preview)
        self.preview_button.pack(side="left", padx=3)
        ttk.Label(left, text=_("Hàng đợi in"), font=font(12, "bold")).pack(anchor="w",
                                                                            pady=(8, 0))
        self.jobs = create_tree(left, (("id", "#", 45), ("kind", _("Loại"), 200),
                                       ("printer", _("Tên máy in"), 80),
                                       ("status", _("Trạng thái"), 100),
                                       ("error", _("Lỗi gần nhất"), 200)), height=6)
        self.jobs.pack(anchor="w")
        jb = ttk.Frame(left)
        jb.pack(anchor="w", pady=(4, 0))
        self.retry_button = ttk.Button(jb, text=_("Thử in lại"), bootstyle="secondary",
                                       command=lambda: self.on_job(jobs.retry_job))
        self.retry_button.pack(side="left", padx=(0, 4))
        self.reprint_button = ttk.Button(jb, text=_("In lại bản mới"), bootstyle="secondary",
                                         command=lambda: self.on_job(jobs.reprint_job))
        self.reprint_button.pack(side="left", padx=4)
        ttk.Button(jb, text=_("Làm mới"), bootstyle="link", command=self.on_reload).pack(
            side="left")
        side = ttk.Frame(row)
        side.pack(side="left", anchor="n", padx=(16, 0))
        right = ttk.Labelframe(side, text=_("Xem trước phiếu"), padding=8)
        right.pack(anchor="w")
        self.preview = ttk.Label(right, text=_("Chọn máy in rồi bấm «Xem trước»."),
                                 font=font(10))
        self.preview.pack()
        self._image = None
        office_box = ttk.Labelframe(side, text=_("Máy in văn phòng (phiếu A5, Mẫu 01–05)"),
                                    padding=8)
        office_box.pack(anchor="w", fill="x", pady=(12, 0))
        self.office_printer = create_row(
            office_box, 0, _("Tên máy in Windows") if sys.platform == "win32"
            else _("Hàng đợi CUPS"), width=28)
        ttk.Label(office_box, text=_("Để trống: phiếu chỉ được lưu thành tệp PDF."),
                  font=font(10), bootstyle="secondary").grid(row=1, column=1, sticky="w")
        self.office_printer_button = ttk.Button(office_box, text=_("Lưu máy in văn phòng"),
                                                bootstyle="primary",
                                                command=self.on_save_office_printer)
        self.office_printer_button.grid(row=2, column=1, sticky="w", pady=(6, 0))
        if sys.platform == "win32":
            self.office_picker = ttk.Combobox(office_box, state="readonly", font=font(11),
                                              width=26)
            self.office_picker.grid(row=3, column=1, sticky="we", pady=(6, 0))
            self.office_picker.bind("<<ComboboxSelected>>", lambda _e: set_entry(
                self.office_printer, self.office_picker.get()))
            self.submit(printer_devices.windows_printers, on_done=self.on_windows_printers)
        self.create_scanner_box(side)
        self.side_by_side(left, side, gap=16)
        self.submit(settings.office_printer, on_done=self.on_office_printer)
        self.submit(settings.scanner_device, on_done=self.on_scanner_device)
        self.submit(lambda ctx: [p.name for p in printer_devices.list_profiles()],
                    on_done=self.on_profiles)
        self.on_reload()

    def on_profiles(self, names) -> None:
        self.p_profile.configure(values=names)
        if names and not self.p_profile.get():
            default = self.ctx.config["printing.profile"]
            self.p_profile.set(default if default in names else names[0])

    def on_windows_printers(self, names) -> None:
        for picker in (self.windows_picker, self.office_picker):
            if picker is not None:
                picker.configure(values=names)

    def on_reload(self) -> None:
        self.shell.tasks.submit(printer_devices.list_printers, self.ctx, on_done=self.on_printers)
        self.shell.tasks.submit(jobs.list_jobs, self.ctx, limit=30, on_done=self.on_jobs)

    def on_printers(self, items) -> None:
        self.printer_items = items
        self.printers.delete(*self.printers.get_children())
        for p in items:
            self.printers.insert("", "end", iid=p.name, values=(
                p.name, p.connection, p.profile, "✓" if p.default else ""))

    def on_jobs(self, items) -> None:
        self.jobs.delete(*self.jobs.get_children())
        for j in items:
            self.jobs.insert("", "end", iid=str(j.id), values=(
                j.id, j.kind_label, j.printer, j.status_label, j.last_error[:80]))

    def selected_printer(self) -> str:
        chosen = self.printers.selection()
        return chosen[0] if chosen else (self.p_name.get().strip() or "preview")

    def on_printer_selected(self) -> None:
        chosen = self.printers.selection()
        printer = next((p for p in self.printer_items if chosen and p.name == chosen[0]), None)
        if printer is None:
            return
        set_entry(self.p_name, printer.name)
        set_entry(self.p_connection, printer.connection)
        self.p_profile.set(printer.profile)
        self.p_default.set(printer.default)

    def on_save(self) -> None:
        self.submit(settings.save_printer, name=self.p_name.get(),
                    connection=self.p_connection.get(), profile=self.p_profile.get(),
                    default=self.p_default.get(), on_done=self.on_saved)

    def on_saved(self, items) -> None:
        self.on_printers(items)
        self.ok(_("Đã lưu máy in {name}.").format(name=self.p_name.get().strip().lower()))
        self.shell.refresh_print_state()

    def on_office_printer(self, name: str) -> None:
        set_entry(self.office_printer, name)

    def on_save_office_printer(self) -> None:
        self.submit(settings.save_office_printer, self.office_printer.get(),
                    on_done=self.on_office_printer_saved)

    def on_office_printer_saved(self, name: str) -> None:
        self.on_office_printer(name)
        if name:
            self.ok(_("Đã lưu máy in văn phòng {name}: phiếu A5 sẽ được in ra máy này.")
                    .format(name=name))
        else:
            self.ok(_("Chưa đặt máy in văn phòng: phiếu A5 chỉ được lưu thành tệp PDF."))

    def on_test(self) -> None:
        self.submit(settings.test_print, self.selected_printer(), on_done=self.on_tested)

    def on_tested(self, job) -> None:
        kind = "ok" if job.status == "printed" else "error"
        text = _("Trang in thử ra máy {name}: {status}.").format(name=job.printer,
                                                                 status=job.status_label)
        if job.message:
            text += " " + job.message
        # the printer's error once: the job's message often says it already
        if job.last_error and job.status != "printed" and job.last_error not in text:
            text += " " + job.last_error
        self.message.show(text, kind)
        self.on_reload()
        self.shell.refresh_print_state()  # the status bar: the default printer, checked now

    def on_preview(self) -> None:
        self.submit(settings.preview_printer, self.selected_printer(), on_done=self.on_image)

    def on_image(self, path) -> None:
        image = tk.PhotoImage(file=str(path))
        factor = max(1, -(-image.width() // 300), -(-image.height() // 420))
        self._image = image.subsample(factor) if factor > 1 else image
        self.preview.configure(image=self._image, text="")
        self.ok(_("Bản xem trước phiếu in của máy {name}.").format(name=self.selected_printer()))

    def on_job(self, action) -> None:
        chosen = self.jobs.selection()
        if not chosen:
            self.message.show(_("Hãy chọn một lệnh in trong danh sách."), "error")
            return
        self.submit(action, int(chosen[0]), on_done=self.on_job_done)

    def on_job_done(self, job) -> None:
        kind = "ok" if job.status == "printed" else "error"
        self.message.show(_("Lệnh in {id}: {status}.").format(id=job.id, status=job.status_label)
                          + (" " + job.last_error if kind == "error" and job.last_error else ""),
                          kind)
        self.on_reload()
        self.shell.refresh_print_state()

"""The IT officer's screens ("Quản trị"): office, counters and groups, printers, sync,
accounts, working calendar and backups — one tab each.

Every change goes through a service (``services.settings``, ``services.queue``,
``services.printing``, ``services.sync_service``, ``services.users``) that checks the
role and the input; a refused value comes back as a Vietnamese sentence shown in the
tab's message line, and nothing typed is lost.
"""

from __future__ import annotations

import tkinter as tk
from tkinter import filedialog

import ttkbootstrap as ttk

from sadec_desk.i18n import _
from sadec_desk.services import access
from sadec_desk.services.admin import settings, users
from sadec_desk.services.display import format_datetime
from sadec_desk.services.printing import jobs
from sadec_desk.services.queue import tickets
from sadec_desk.sync import api
from sadec_desk.views.widgets import MessageBar, font, set_entry


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.replace(";", ",").split(",") if part.strip()]


def _when(moment) -> str:
    return format_datetime(moment) if moment else "—"


def create_row(parent, row: int, label: str, *, width: int = 30, show: str = "",
               column: int = 0) -> ttk.Entry:
    """A label and an entry on one grid row (the tab's message line says what to fix)."""
    ttk.Label(parent, text=label, font=font(11)).grid(row=row, column=column, sticky="w",
                                                      padx=(0, 8), pady=3)
    entry = ttk.Entry(parent, width=width, font=font(11), show=show)
    entry.grid(row=row, column=column + 1, sticky="we", pady=3)
    return entry


def create_tree(parent, columns, height: int = 8) -> ttk.Treeview:
    tree = ttk.Treeview(parent, columns=[c for c, _t, _w in columns], show="headings",
                        height=height)
    for col, title, width in columns:
        tree.heading(col, text=title)
        tree.column(col, width=width, stretch=False)
    return tree


class Tab(ttk.Frame):
    """A tab with a title line and its own message line."""

    def __init__(self, parent, shell, title: str):
        super().__init__(parent, padding=(14, 10))
        self.shell, self.ctx = shell, shell.ctx
        ttk.Label(self, text=title, font=font(14, "bold")).pack(anchor="w")
        self.message = MessageBar(self, wraplength=1250)
        self.message.pack(fill="x", pady=(2, 6))

    def submit(self, fn, *args, on_done=None, **kwargs) -> None:
        self.message.clear()
        self.shell.tasks.submit(fn, self.ctx, *args, on_done=on_done,
                                on_error=lambda m: self.message.show(m, "error"), **kwargs)

    def ok(self, text: str) -> None:
        self.message.show(text, "ok")


# --- office ---------------------------------------------------------------------------


class OfficeTab(Tab):
    def __init__(self, parent, shell):
        super().__init__(parent, shell, _("Cơ quan, ngôn ngữ và kiosk"))
        form = ttk.Frame(self)
        form.pack(anchor="w")
        self.office_name = create_row(form, 0, _("Tên cơ quan"), width=50)
        self.agency_code = create_row(form, 2, _("Mã cơ quan (mã định danh QCVN 102:2016)"),
                                            width=50)
        ttk.Button(form, text=_("Lưu cơ quan"), bootstyle="primary",
                   command=self.on_save_office).grid(row=4, column=1, sticky="w", pady=(4, 10))
        ttk.Label(form, text=_("Ngôn ngữ giao diện"), font=font(11)).grid(
            row=5, column=0, sticky="w", pady=(6, 0))
        self.language = ttk.Combobox(form, state="readonly", font=font(11), width=20,
                                     values=list(settings.LANGUAGES.values()))
        self.language.grid(row=5, column=1, sticky="w", pady=(6, 0))
        self.language_button = ttk.Button(form, text=_("Lưu ngôn ngữ"), bootstyle="primary",
                                          command=self.on_save_language)
        self.language_button.grid(row=6, column=1, sticky="w", pady=(4, 10))
        self.procedure_url = create_row(
            form, 7, _("Trang thủ tục trên kiosk ({code} = mã TTHC)"), width=70)
        self.lookup_url = create_row(
            form, 9, _("Trang tra cứu hồ sơ trên biên nhận ({code} = mã hồ sơ)"), width=70)
        ttk.Button(form, text=_("Lưu địa chỉ"), bootstyle="primary",
                   command=self.on_save_urls).grid(row=11, column=1, sticky="w", pady=(4, 0))
        # the A4 poster of procedure QR codes for the service-space table (issue #8)
        self.poster_button = ttk.Button(form, text=_("In poster mã QR (A4)"),
                                        bootstyle="info-outline", command=self.on_poster)
        self.poster_button.grid(row=12, column=1, sticky="w", pady=(4, 0))
        self.submit(settings.general_settings, on_done=self.on_settings)

    def on_settings(self, info) -> None:
        set_entry(self.office_name, info.office_name)
        set_entry(self.agency_code, info.agency_code)
        set_entry(self.procedure_url, info.procedure_url)
        set_entry(self.lookup_url, info.lookup_url)
        codes = list(settings.LANGUAGES)
        self.language.current(codes.index(info.language) if info.language in codes else 0)

    def on_save_office(self) -> None:
        self.submit(settings.save_office, name=self.office_name.get(),
                    agency_code=self.agency_code.get(), on_done=self.on_office_saved)

    def on_office_saved(self, info) -> None:
        self.on_settings(info)
        self.shell.title.configure(text=info.office_name)
        self.ok(_("Đã lưu tên và mã cơ quan."))

    def on_save_language(self) -> None:
        code = list(settings.LANGUAGES)[max(0, self.language.current())]
        self.submit(settings.save_language, code, on_done=self.on_language_saved)

    def on_language_saved(self, info) -> None:
        shell = self.shell
        shell.apply_language(info.language)  # this tab is built again
        shell.message.show(_("Đã lưu ngôn ngữ giao diện."), "ok")

    def on_poster(self) -> None:
        from sadec_desk.services.documents import poster

        self.submit(poster.make_poster, on_done=self.on_poster_made)

    def on_poster_made(self, made) -> None:
        self.ok(_("Đã lưu poster {n} mã QR ({pages} trang A4) tại {path}; mở tệp này để in "
                  "(dán ở bàn «không gian phục vụ»).").format(
                      n=len(made.items), pages=made.pages, path=made.path))

    def on_save_urls(self) -> None:
        self.submit(settings.save_kiosk_urls, procedure_url=self.procedure_url.get(),
                    lookup_url=self.lookup_url.get(),
                    on_done=lambda info: (self.on_settings(info),
                                          self.ok(_("Đã lưu các địa chỉ."))))


# --- counters and service groups -------------------------------------------------------


class QueueTab(Tab):
    def __init__(self, parent, shell):
        super().__init__(parent, shell, _("Quầy và nhóm dịch vụ"))
        row = ttk.Frame(self)
        row.pack(fill="both", expand=True)
        left = ttk.Frame(row)
        left.pack(side="left", anchor="n")
        ttk.Label(left, text=_("Nhóm dịch vụ"), font=font(12, "bold")).pack(anchor="w")
        self.groups = create_tree(left, (("prefix", _("Chữ"), 50), ("name", _("Tên nhóm"), 200),
                                         ("codes", _("Thủ tục"), 230),
                                         ("counters", _("Quầy"), 80),
                                         ("active", _("Dùng"), 60)), height=7)
        self.groups.pack(anchor="w")
        self.groups.bind("<<TreeviewSelect>>", lambda _e: self.on_group_selected())
        ttk.Label(left, text=_("Quầy"), font=font(12, "bold")).pack(anchor="w", pady=(10, 0))
        self.counters = create_tree(left, (("number", _("Số"), 50), ("name", _("Tên quầy"), 200),
                                           ("groups", _("Nhóm"), 150),
                                           ("active", _("Dùng"), 60)), height=6)
        self.counters.pack(anchor="w")
        self.counters.bind("<<TreeviewSelect>>", lambda _e: self.on_counter_selected())
        right = ttk.Frame(row)
        right.pack(side="left", anchor="n", padx=(20, 0))
        gform = ttk.Labelframe(right, text=_("Thêm / sửa nhóm"), padding=8)
        gform.pack(fill="x")
        self.g_prefix = create_row(gform, 0, _("Chữ cái (A–Z)"), width=28)
        self.g_name = create_row(gform, 2, _("Tên nhóm"), width=28)
        self.g_codes = create_row(gform, 4, _("Mã thủ tục (cách nhau dấu phẩy)"),
                                        width=28)
        self.g_counters = create_row(gform, 6, _("Số quầy phục vụ (ví dụ 1, 2)"), width=28)
        self.g_active = tk.BooleanVar(value=True)
        ttk.Checkbutton(gform, text=_("Đang dùng"), variable=self.g_active).grid(
            row=8, column=1, sticky="w")
        self.g_save = ttk.Button(gform, text=_("Lưu nhóm"), bootstyle="primary",
                                 command=self.on_save_group)
        self.g_save.grid(row=9, column=1, sticky="e", pady=(6, 0))
        cform = ttk.Labelframe(right, text=_("Thêm / sửa quầy"), padding=8)
        cform.pack(fill="x", pady=(10, 0))
        self.c_number = create_row(cform, 0, _("Số quầy"), width=28)
        self.c_name = create_row(cform, 2, _("Tên quầy"), width=28)
        self.c_groups = create_row(cform, 4, _("Nhóm phục vụ (ví dụ A, B)"), width=28)
        self.c_active = tk.BooleanVar(value=True)
        ttk.Checkbutton(cform, text=_("Đang dùng"), variable=self.c_active).grid(
            row=6, column=1, sticky="w")
        self.c_save = ttk.Button(cform, text=_("Lưu quầy"), bootstyle="primary",
                                 command=self.on_save_counter)
        self.c_save.grid(row=7, column=1, sticky="e", pady=(6, 0))
        self.group_items, self.counter_items = [], []
        self.on_reload()

    def on_reload(self) -> None:
        self.shell.tasks.submit(tickets.list_groups, self.ctx, on_done=self.on_groups)
        self.shell.tasks.submit(tickets.list_counters, self.ctx, on_done=self.on_counters)

    def on_groups(self, items) -> None:
        self.group_items = items
        self.groups.delete(*self.groups.get_children())
        for g in items:
            self.groups.insert("", "end", iid=g.prefix, values=(
                g.prefix, g.name, ", ".join(g.procedure_codes) or _("tất cả"),
                ", ".join(str(n) for n in g.counters), _("có") if g.active else _("không")))

    def on_counters(self, items) -> None:
        self.counter_items = items
        self.counters.delete(*self.counters.get_children())
        for c in items:
            self.counters.insert("", "end", iid=str(c.number), values=(
                c.number, c.name, ", ".join(c.groups), _("có") if c.active else _("không")))

    def on_group_selected(self) -> None:
        chosen = self.groups.selection()
        group = next((g for g in self.group_items if chosen and g.prefix == chosen[0]), None)
        if group is None:
            return
        set_entry(self.g_prefix, group.prefix)
        set_entry(self.g_name, group.name)
        set_entry(self.g_codes, ", ".join(group.procedure_codes))
        set_entry(self.g_counters, ", ".join(str(n) for n in group.counters))
        self.g_active.set(group.active)

    def on_counter_selected(self) -> None:
        chosen = self.counters.selection()
        counter = next((c for c in self.counter_items if chosen and str(c.number) == chosen[0]),
                       None)
        if counter is None:
            return
        set_entry(self.c_number, str(counter.number))
        set_entry(self.c_name, counter.name)
        set_entry(self.c_groups, ", ".join(counter.groups))
        self.c_active.set(counter.active)

    def on_save_group(self) -> None:
        prefix = self.g_prefix.get().strip().upper()
        fields = dict(name=self.g_name.get(), procedure_codes=_split(self.g_codes.get()),
                      counters=_split(self.g_counters.get()))
        if any(g.prefix == prefix for g in self.group_items):
            self.submit(tickets.update_group, prefix, active=self.g_active.get(),
                        on_done=self.on_group_saved, **fields)
        else:
            self.submit(tickets.create_group, prefix=prefix, on_done=self.on_group_saved, **fields)

    def on_group_saved(self, group) -> None:
        self.ok(_("Đã lưu nhóm {prefix} — {name}.").format(prefix=group.prefix, name=group.name))
        self.on_reload()

    def on_save_counter(self) -> None:
        text = self.c_number.get().strip()
        if not text.isdigit():
            self.message.show(_("Số quầy phải là một số từ 1 đến 99."), "error")
            return
        number = int(text)
        groups = _split(self.c_groups.get())
        if any(c.number == number for c in self.counter_items):
            self.submit(tickets.update_counter, str(number), name=self.c_name.get(),
                        groups=groups, active=self.c_active.get(),
                        on_done=self.on_counter_saved)
        else:
            self.submit(tickets.create_counter, number=number,
                        name=self.c_name.get().strip() or None, groups=groups,
                        on_done=self.on_counter_saved)

    def on_counter_saved(self, counter) -> None:
        self.ok(_("Đã lưu quầy {n} — {name}.").format(n=counter.number, name=counter.name))
        self.on_reload()


# --- printers -------------------------------------------------------------------------


class PrintersTab(Tab):
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
        self.office_printer = create_row(office_box, 0, _("Hàng đợi CUPS"), width=28)
        ttk.Label(office_box, text=_("Để trống: phiếu chỉ được lưu thành tệp PDF."),
                  font=font(10), bootstyle="secondary").grid(row=1, column=1, sticky="w")
        self.office_printer_button = ttk.Button(office_box, text=_("Lưu máy in văn phòng"),
                                                bootstyle="primary",
                                                command=self.on_save_office_printer)
        self.office_printer_button.grid(row=2, column=1, sticky="w", pady=(6, 0))
        self.create_scanner_box(side)
        self.submit(settings.office_printer, on_done=self.on_office_printer)
        self.submit(settings.scanner_device, on_done=self.on_scanner_device)
        self.submit(lambda ctx: [p.name for p in jobs.list_profiles()],
                    on_done=self.on_profiles)
        self.on_reload()

    def on_profiles(self, names) -> None:
        self.p_profile.configure(values=names)
        if names and not self.p_profile.get():
            default = self.ctx.config["printing.profile"]
            self.p_profile.set(default if default in names else names[0])

    def on_reload(self) -> None:
        self.shell.tasks.submit(jobs.list_printers, self.ctx, on_done=self.on_printers)
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

    # --- the document scanner ------------------------------------------------------------

    def create_scanner_box(self, parent) -> None:
        box = ttk.Labelframe(parent, text=_("Máy quét giấy tờ (kiosk, quầy)"), padding=8)
        box.pack(anchor="w", fill="x", pady=(12, 0))
        ttk.Label(box, text=_("Máy quét"), font=font(11)).grid(row=0, column=0, sticky="w")
        self.scanner = ttk.Combobox(box, width=26, font=font(11))
        self.scanner.grid(row=0, column=1, sticky="w", padx=(6, 0))
        ttk.Label(box, text=_("Để trống: dùng máy quét đầu tiên tìm thấy."), font=font(10),
                  bootstyle="secondary").grid(row=1, column=1, sticky="w", padx=(6, 0))
        buttons = ttk.Frame(box)
        buttons.grid(row=2, column=1, sticky="w", padx=(6, 0), pady=(6, 0))
        self.find_scanners_button = ttk.Button(buttons, text=_("Tìm máy quét"),
                                               bootstyle="secondary",
                                               command=self.on_find_scanners)
        self.find_scanners_button.pack(side="left")
        self.save_scanner_button = ttk.Button(buttons, text=_("Lưu máy quét"),
                                              bootstyle="primary", command=self.on_save_scanner)
        self.save_scanner_button.pack(side="left", padx=(6, 0))
        self.test_scan_button = ttk.Button(buttons, text=_("Quét thử"), bootstyle="secondary",
                                           command=self.on_test_scan)
        self.test_scan_button.pack(side="left", padx=(6, 0))

    def on_scanner_device(self, device: str) -> None:
        self.scanner.set(device)

    def on_find_scanners(self) -> None:
        self.message.show(_("Đang tìm máy quét…"), "info")
        self.submit(settings.find_scanners, on_done=self.on_scanners_found)

    def on_scanners_found(self, found) -> None:
        self.scanner.configure(values=[s.device for s in found])
        if not found:
            self.message.show(_("Không tìm thấy máy quét nào; kiểm tra máy quét đã cắm dây, "
                                "bật nguồn và đã cài trình điều khiển (SANE/WIA)."), "warning")
            return
        if not self.scanner.get().strip():
            self.scanner.set(found[0].device)
        self.ok(_("Tìm thấy {n} máy quét: {names}.").format(
            n=len(found), names="; ".join(f"{s.device} ({s.label})" for s in found)))

    def on_save_scanner(self) -> None:
        self.submit(settings.save_scanner, self.scanner.get(), on_done=self.on_scanner_saved)

    def on_scanner_saved(self, device: str) -> None:
        self.on_scanner_device(device)
        self.ok(_("Đã lưu máy quét {device}.").format(device=device) if device else
                _("Đã lưu: dùng máy quét đầu tiên tìm thấy."))

    def on_test_scan(self) -> None:
        self.message.show(_("Đang quét thử… đặt một trang lên máy quét."), "info")
        self.test_scan_button.configure(state="disabled")
        self.shell.tasks.submit(settings.test_scan, self.ctx, self.scanner.get(),
                                on_done=self.on_test_scanned, on_error=self.on_test_scan_error)

    def on_test_scanned(self, png: bytes) -> None:
        from sadec_desk.views.pages import photo_image, release_tk_objects_image

        self.test_scan_button.configure(state="normal")
        # the scanned page takes the preview's place (the column has no room for both)
        old, self._image = self._image, photo_image(png, master=self)
        self.preview.configure(image=self._image, text="")
        if old is not None:
            release_tk_objects_image(old)
        self.ok(_("Quét thử được: máy quét dùng được (trang quét thử ở ô xem trước)."))

    def on_test_scan_error(self, message: str) -> None:
        self.test_scan_button.configure(state="normal")
        self.message.show(message, "error")

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
        text = _("Trang in thử: {status}.").format(status=job.status_label)
        if job.message:
            text += " " + job.message
        if job.last_error and job.status != "printed":
            text += " " + job.last_error
        self.message.show(text, kind)
        self.on_reload()

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


# --- sync -----------------------------------------------------------------------------


class SyncTab(Tab):
    def __init__(self, parent, shell):
        super().__init__(parent, shell, _("Kết nối cổng dịch vụ công và đồng bộ"))
        row = ttk.Frame(self)
        row.pack(fill="both", expand=True)
        left = ttk.Frame(row)
        left.pack(side="left", anchor="n")
        self.status_text = ttk.Label(left, text=_("Đang đọc trạng thái…"), font=font(11),
                                     justify="left")
        self.status_text.pack(anchor="w")
        buttons = ttk.Frame(left)
        buttons.pack(anchor="w", pady=(6, 0))
        self.run_button = ttk.Button(buttons, text=_("Đồng bộ ngay"), bootstyle="primary",
                                     command=self.on_run)
        self.run_button.pack(side="left", padx=(0, 4))
        self.retry_button = ttk.Button(buttons, text=_("Gửi lại thao tác lỗi"),
                                       bootstyle="secondary", command=self.on_retry)
        self.retry_button.pack(side="left", padx=4)
        enrol = ttk.Labelframe(left, text=_("Đăng ký máy với cổng"), padding=8)
        enrol.pack(fill="x", pady=(10, 0))
        self.portal_url = create_row(enrol, 0, _("Địa chỉ cổng"), width=40)
        self.enrol_code = create_row(enrol, 2, _("Mã đăng ký"), width=40)
        ttk.Button(enrol, text=_("Đăng ký"), bootstyle="primary", command=self.on_enrol).grid(
            row=4, column=1, sticky="e", pady=(4, 0))
        files = ttk.Labelframe(left, text=_("Chuyển bằng tệp khi không có mạng"), padding=8)
        files.pack(fill="x", pady=(10, 0))
        self.file_path = create_row(files, 0, _("Tệp"), width=40)
        fb = ttk.Frame(files)
        fb.grid(row=2, column=0, columnspan=2, sticky="e", pady=(4, 0))
        ttk.Button(fb, text=_("Chọn tệp…"), bootstyle="link", command=self.on_choose_file).pack(
            side="left")
        self.export_button = ttk.Button(fb, text=_("Xuất thao tác chờ gửi"),
                                        bootstyle="secondary", command=self.on_export)
        self.export_button.pack(side="left", padx=4)
        self.import_button = ttk.Button(fb, text=_("Nhập tệp lên cổng"), bootstyle="secondary",
                                        command=self.on_import)
        self.import_button.pack(side="left")
        right = ttk.Frame(row)
        right.pack(side="left", anchor="n", padx=(20, 0))
        ttk.Label(right, text=_("Xung đột và hồ sơ bị từ chối"), font=font(12, "bold")).pack(
            anchor="w")
        self.conflicts = create_tree(right, (("code", _("Mã hồ sơ"), 190),
                                             ("state", _("Tình trạng"), 90),
                                             ("local", _("Trên máy"), 90),
                                             ("portal", _("Trên cổng"), 90),
                                             ("message", _("Lý do"), 200)), height=10)
        self.conflicts.pack(anchor="w")
        cb = ttk.Frame(right)
        cb.pack(anchor="w", pady=(4, 0))
        self.keep_local = ttk.Button(cb, text=_("Giữ bản trên máy"), bootstyle="secondary",
                                     command=lambda: self.on_resolve("local"))
        self.keep_local.pack(side="left", padx=(0, 4))
        self.keep_portal = ttk.Button(cb, text=_("Giữ bản trên cổng"), bootstyle="secondary",
                                      command=lambda: self.on_resolve("portal"))
        self.keep_portal.pack(side="left")
        self.on_reload()

    def on_reload(self) -> None:
        self.shell.tasks.submit(api.status, self.ctx, on_done=self.on_status,
                                on_error=lambda m: self.message.show(m, "error"))
        self.shell.tasks.submit(api.conflicts, self.ctx, on_done=self.on_conflicts,
                                on_error=lambda m: self.message.show(m, "error"))

    def on_status(self, s) -> None:
        if s.portal_url and not self.portal_url.get():
            set_entry(self.portal_url, s.portal_url)
        lines = [
            _("Cổng: {v}").format(v=s.portal_url or _("chưa cấu hình (làm việc ngoại tuyến)")),
            _("Máy đã đăng ký: {v}").format(v=_("có") if s.enrolled else _("chưa")),
            _("Chờ gửi: {n} thao tác; bị giữ lại: {h}").format(n=s.pending, h=s.held),
            _("Xung đột: {c}; bị từ chối: {r}").format(c=s.conflicts, r=s.rejected),
            _("Lần đồng bộ được gần nhất: {t}").format(t=_when(s.last_success_at)),
            _("Lỗi gần nhất: {e}").format(e=s.last_error or _("không có")),
        ]
        if s.next_try_at:
            lines.append(_("Thử lại lúc: {t}").format(t=_when(s.next_try_at)))
        self.status_text.configure(text="\n".join(lines))
        self.shell.status.show_sync(s)

    def on_conflicts(self, items) -> None:
        self.conflicts.delete(*self.conflicts.get_children())
        for c in items:
            self.conflicts.insert("", "end", iid=c.code, values=(
                c.code, _("xung đột") if c.state == "conflict" else _("bị từ chối"),
                c.local_status, c.portal_status or "—", c.message[:80]))

    def on_run(self) -> None:
        self.message.show(_("Đang đồng bộ…"), "info")
        self.submit(api.run_now, on_done=self.on_report)

    def on_report(self, r) -> None:
        if r.skipped:
            self.message.show(r.skipped, "warning")
        elif r.error:
            self.message.show(_("Đồng bộ dừng vì lỗi: {e} Các thao tác vẫn được giữ để gửi lại.")
                              .format(e=r.error), "error")
        else:
            self.ok(_("Đã gửi {p} thao tác, nhận {n} thay đổi; {c} xung đột, {r} bị từ chối.")
                    .format(p=r.pushed, n=r.pulled, c=r.conflicts, r=r.rejected))
        self.on_reload()

    def on_retry(self) -> None:
        self.submit(api.retry, on_done=lambda n: (
            self.ok(_("Đã xếp lại {n} thao tác để gửi.").format(n=n)), self.on_reload()))

    def on_enrol(self) -> None:
        self.submit(api.enrol, self.portal_url.get(), self.enrol_code.get(),
                    on_done=lambda device: (self.ok(_("Đã đăng ký máy (mã thiết bị {id}).")
                                                    .format(id=device)), self.on_reload()))

    def on_choose_file(self) -> None:
        path = filedialog.asksaveasfilename(parent=self, defaultextension=".json",
                                            title=_("Chọn tệp"))
        if path:
            set_entry(self.file_path, path)

    def on_export(self) -> None:
        self.submit(api.export_pending, self.file_path.get(), on_done=lambda info: (
            self.ok(_("Đã xuất {n} thao tác vào {path}.").format(n=info.operations,
                                                                   path=info.path)),
            self.on_reload()))

    def on_import(self) -> None:
        self.submit(api.import_bundle, self.file_path.get(), on_done=lambda info: (
            self.ok(_("Đã chuyển {n} thao tác lên cổng: {a} áp dụng, {d} đã có, {c} xung đột, "
                      "{r} bị từ chối.").format(n=info.operations, a=info.applied,
                                                d=info.duplicates, c=info.conflicts,
                                                r=info.rejected)), self.on_reload()))

    def on_resolve(self, keep: str) -> None:
        chosen = self.conflicts.selection()
        if not chosen:
            self.message.show(_("Hãy chọn một hồ sơ trong danh sách xung đột."), "error")
            return
        self.submit(api.resolve, chosen[0], keep, on_done=lambda code: (
            self.ok(_("Đã giải quyết xung đột của hồ sơ {code}.").format(code=code)),
            self.on_reload()))


# --- users ----------------------------------------------------------------------------


class UsersTab(Tab):
    """Staff accounts: the list, adding one, locking/unlocking, a new PIN or password."""

    def __init__(self, parent, shell):
        super().__init__(parent, shell, _("Tài khoản và vai trò"))
        row = ttk.Frame(self)
        row.pack(fill="x", anchor="w")
        left = ttk.Frame(row)
        left.pack(side="left", anchor="n")
        self.tree = create_tree(left, (("user", _("Tên đăng nhập"), 130),
                                       ("name", _("Họ tên"), 190), ("role", _("Vai trò"), 140),
                                       ("counter", _("Quầy"), 55),
                                       ("state", _("Trạng thái"), 100)), height=12)
        self.tree.pack(anchor="w")
        ub = ttk.Frame(left)
        ub.pack(anchor="w", pady=(4, 0))
        self.lock_button = ttk.Button(ub, text=_("Khóa tài khoản"), bootstyle="secondary",
                                      command=lambda: self.on_set_active(False))
        self.lock_button.grid(row=0, column=0, padx=(0, 4), pady=(6, 0))
        self.unlock_button = ttk.Button(ub, text=_("Mở khóa"), bootstyle="secondary",
                                        command=lambda: self.on_set_active(True))
        self.unlock_button.grid(row=0, column=1, padx=4, pady=(6, 0))
        self.reset_secret = create_row(ub, 0, _("PIN/mật khẩu mới"), width=14, show="•",
                                             column=2)
        self.reset_button = ttk.Button(ub, text=_("Đặt lại"), bootstyle="secondary",
                                       command=self.on_reset)
        self.reset_button.grid(row=0, column=4, padx=4, pady=(6, 0))
        self.create_add_form(row).pack(side="left", anchor="n", padx=(20, 0))
        self.on_reload()

    def create_add_form(self, parent) -> ttk.Labelframe:
        form = ttk.Labelframe(parent, text=_("Thêm tài khoản cán bộ"), padding=10)
        self.new_username = create_row(form, 0, _("Tên đăng nhập"), width=24)
        self.new_name = create_row(form, 2, _("Họ tên"), width=24)
        ttk.Label(form, text=_("Vai trò"), font=font(11)).grid(row=4, column=0, sticky="w",
                                                               pady=(6, 0))
        self.new_role = ttk.Combobox(form, state="readonly", font=font(11), width=22,
                                     values=[access.role_label(r) for r in access.ROLES])
        self.new_role.current(0)
        self.new_role.grid(row=4, column=1, sticky="we", pady=(6, 0))
        self.new_pin = create_row(form, 6, _("Mã PIN (4–8 số) hoặc mật khẩu"),
                                         width=24, show="•")
        self.new_counter = create_row(form, 8, _("Quầy (số, có thể để trống)"),
                                             width=24)
        self.add_button = ttk.Button(form, text=_("Thêm tài khoản"), bootstyle="primary",
                                     command=self.on_add)
        self.add_button.grid(row=10, column=1, sticky="e", pady=(8, 0))
        return form

    def selected_username(self) -> str | None:
        chosen = self.tree.selection()
        if not chosen:
            self.message.show(_("Hãy chọn một tài khoản trong danh sách."), "error")
            return None
        return str(self.tree.item(chosen[0])["values"][0])

    def on_add(self) -> None:
        secret = self.new_pin.get()
        counter_text = self.new_counter.get().strip()
        if counter_text and not counter_text.isdigit():
            self.message.show(_("Số quầy phải là một số (ví dụ 1), hoặc để trống."), "error")
            return
        kind = {"pin": secret} if secret.isdigit() else {"password": secret}
        self.submit(users.create_user, username=self.new_username.get(),
                    full_name=self.new_name.get(),
                    role=access.ROLES[max(0, self.new_role.current())],
                    counter=int(counter_text) if counter_text else None,
                    on_done=self.on_added, **kind)

    def on_added(self, user) -> None:
        self.ok(_("Đã tạo tài khoản {user} ({role}).").format(user=user.username,
                                                                role=user.role_label))
        for entry in (self.new_username, self.new_name, self.new_pin, self.new_counter):
            entry.delete(0, "end")
        self.on_reload()

    def on_set_active(self, active: bool) -> None:
        username = self.selected_username()
        if username:
            self.submit(users.set_active, username, active, on_done=lambda u: (
                self.ok((_("Đã mở khóa {user}.") if u.active else _("Đã khóa {user}."))
                        .format(user=u.username)), self.on_reload()))

    def on_reset(self) -> None:
        username = self.selected_username()
        if not username:
            return
        secret = self.reset_secret.get()
        kind = {"pin": secret} if secret.isdigit() else {"password": secret}
        self.submit(users.set_secret, username, on_done=lambda u: (
            self.reset_secret.delete(0, "end"),
            self.ok(_("Đã đặt PIN/mật khẩu mới cho {user}.").format(user=u.username))), **kind)

    def on_reload(self) -> None:
        self.shell.tasks.submit(users.list_users, self.ctx, on_done=self.on_users)

    def on_users(self, items) -> None:
        self.tree.delete(*self.tree.get_children())
        for u in items:
            self.tree.insert("", "end", values=(
                u.username, u.full_name, u.role_label, u.counter or "—",
                _("hoạt động") if u.active else _("đã khóa")))


# --- calendar -------------------------------------------------------------------------


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
        for kind, notes in ((_("ngày nghỉ"), info.days_off), (_("ngày làm bù"),
                                                                info.working_days)):
            for n in notes:
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


# --- backups --------------------------------------------------------------------------


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
        path = filedialog.askdirectory(parent=self, title=_("Chọn thư mục sao lưu"))
        if path:
            set_entry(self.folder, path)

    def on_save(self) -> None:
        self.submit(settings.save_backup_dir, self.folder.get(), on_done=lambda info: (
            self.on_settings(info), self.ok(_("Đã lưu thư mục sao lưu."))))

    def on_backup(self) -> None:
        self.message.show(_("Đang sao lưu…"), "info")
        self.submit(settings.create_backup_now, on_done=lambda name: (
            self.ok(_("Đã sao lưu và kiểm tra: {name}.").format(name=name)),
            self.submit(settings.backup_settings, on_done=self.on_settings)))


# --- the screen -----------------------------------------------------------------------


class SettingsView(ttk.Frame):
    """The IT officer's home: one tab per area."""

    TABS = (("office", OfficeTab, lambda: _("Cơ quan")),
            ("queue", QueueTab, lambda: _("Quầy và nhóm")),
            ("printers", PrintersTab, lambda: _("Máy in")),
            ("sync", SyncTab, lambda: _("Đồng bộ")),
            ("users", UsersTab, lambda: _("Tài khoản")),
            ("calendar", CalendarTab, lambda: _("Lịch làm việc")),
            ("backup", BackupTab, lambda: _("Sao lưu")))

    def __init__(self, parent, shell, *, tab: str = "office"):
        super().__init__(parent, padding=(8, 6))
        self.shell = shell
        self.notebook = ttk.Notebook(self, bootstyle="primary")
        self.notebook.pack(fill="both", expand=True)
        self.tabs = {}
        for key, cls, title in self.TABS:
            page = cls(self.notebook, shell)
            self.notebook.add(page, text=title())
            self.tabs[key] = page
            setattr(self, key, page)
        self.select(tab)

    def select(self, key: str) -> None:
        self.notebook.select(self.tabs[key])

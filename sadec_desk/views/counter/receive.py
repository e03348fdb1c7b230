"""The counter's receive form (tab F8, saved with F10): the citizen from a card QR, an
image, the camera or typed by hand; the procedure, counts and papers received; the fee
and due date quoted while the clerk types; saving the dossier.

A part of :class:`sadec_desk.views.counter.screen.CounterView` (see there for how the
parts share the view): owns ``citizen_entries``, ``phone``, ``procedure_box``, ``pages``,
``copies``, ``papers_frame``, ``quote_label``, ``save_button``, ``result_label``,
``receive_message`` and the state ``procedures``, ``citizen``, ``qr_text``,
``paper_vars``, ``manual_mode``. What follows a save (the called ticket linked, the
receipt printed) is :func:`sadec_desk.services.desk.after_receive`.
"""

from __future__ import annotations

import tkinter as tk
from tkinter import filedialog

import ttkbootstrap as ttk

from sadec_desk.i18n import _
from sadec_desk.services import desk
from sadec_desk.services.display import format_datetime
from sadec_desk.services.reception import citizens, intake
from sadec_desk.views.widgets import MessageBar, font, set_entry, watch

QUOTE_DELAY_MS = 150


class ReceiveForm:
    """The receive tab of the counter view (a mixin of CounterView)."""

    def create_receive_tab(self, parent) -> ttk.Frame:
        tab = ttk.Frame(parent, padding=10)
        tab.columnconfigure(1, weight=1)
        tab.columnconfigure(3, weight=1)
        who = ttk.Frame(tab)
        who.grid(row=0, column=0, columnspan=4, sticky="we")
        ttk.Label(who, text=_("Quét QR thẻ CCCD bằng máy quét (ở bất kỳ đâu), hoặc:"),
                  font=font(10)).pack(side="left")
        ttk.Button(who, text=_("Ảnh chụp thẻ…"), bootstyle="primary-outline",
                   command=self.on_open_image).pack(side="left", padx=6)
        self.camera_button = ttk.Button(who, text=_("Máy ảnh…"), bootstyle="primary-outline",
                                        command=self.on_open_camera)
        self.camera_button.pack(side="left", padx=(0, 6))
        self.manual_button = ttk.Button(who, text=_("Nhập tay (không có QR)"),
                                        bootstyle="info-outline",
                                        command=self.on_manual_entry)
        self.manual_button.pack(side="left")
        self.manual_mode = False
        self.citizen_entries = {}
        labels = (("id_number", _("Số CCCD")), ("full_name", _("Họ tên")),
                  ("date_of_birth", _("Ngày sinh")), ("gender", _("Giới tính")),
                  ("address", _("Địa chỉ thường trú")))
        for i, (key, label) in enumerate(labels):
            r, c = 1 + i // 2, (i % 2) * 2
            ttk.Label(tab, text=label, font=font(10)).grid(row=r, column=c, sticky="w",
                                                           pady=3, padx=(0, 6))
            entry = ttk.Entry(tab, font=font(11), state="readonly")
            entry.grid(row=r, column=c + 1, sticky="we", pady=3, padx=(0, 12),
                       columnspan=3 if key == "address" else 1)
            self.citizen_entries[key] = entry
            watch(entry, lambda k=key: self.on_citizen_typed(k))
        ttk.Label(tab, text=_("Điện thoại"), font=font(10)).grid(row=4, column=0, sticky="w")
        self.phone = ttk.Entry(tab, font=font(11))
        self.phone.grid(row=4, column=1, sticky="we", padx=(0, 12))
        self.phone_error = ttk.Label(tab, text="", bootstyle="danger", font=font(9))
        self.phone_error.grid(row=5, column=1, sticky="w")
        self.citizen_error = ttk.Label(tab, text="", bootstyle="danger", font=font(9),
                                       wraplength=430)
        self.citizen_error.grid(row=4, column=2, columnspan=2, rowspan=2, sticky="w")
        watch(self.phone, lambda: self.on_field_typed("phone"))

        ttk.Label(tab, text=_("Thủ tục"), font=font(10)).grid(row=6, column=0, sticky="w",
                                                              pady=(6, 0))
        self.procedure_box = ttk.Combobox(tab, state="readonly", font=font(11))
        self.procedure_box.grid(row=6, column=1, columnspan=3, sticky="we", pady=(6, 0))
        self.procedure_box.bind("<<ComboboxSelected>>", lambda _e: self.on_procedure_chosen())

        options = ttk.Frame(tab)
        options.grid(row=7, column=0, columnspan=4, sticky="we", pady=(8, 0))
        ttk.Label(options, text=_("Số trang"), font=font(10)).pack(side="left")
        self.pages = ttk.Spinbox(options, from_=0, to=10000, width=6, font=font(11))
        self.pages.set("0")
        self.pages.pack(side="left", padx=(4, 14))
        ttk.Label(options, text=_("Số bản sao"), font=font(10)).pack(side="left")
        self.copies = ttk.Spinbox(options, from_=1, to=1000, width=5, font=font(11))
        self.copies.set("1")
        self.copies.pack(side="left", padx=(4, 14))
        self.verification = tk.BooleanVar(value=False)
        self.late = tk.BooleanVar(value=False)
        ttk.Checkbutton(options, text=_("Cần xác minh"), variable=self.verification,
                        command=self.schedule_quote).pack(side="left", padx=6)
        ttk.Checkbutton(options, text=_("Đăng ký quá hạn"), variable=self.late,
                        command=self.schedule_quote).pack(side="left", padx=6)
        for spin, name in ((self.pages, "pages"), (self.copies, "copies")):
            watch(spin, lambda n=name: self.on_field_typed(n))
        self.count_error = ttk.Label(tab, text="", bootstyle="danger", font=font(9))
        self.count_error.grid(row=8, column=0, columnspan=4, sticky="w")

        self.papers_frame = ttk.Labelframe(tab, text=_("Giấy tờ đã nhận"), padding=6)
        self.papers_frame.grid(row=9, column=0, columnspan=4, sticky="we", pady=(4, 0))
        self.quote_label = ttk.Label(tab, text="", font=font(13, "bold"), bootstyle="info")
        self.quote_label.grid(row=10, column=0, columnspan=4, sticky="w", pady=(8, 0))
        bottom = ttk.Frame(tab)
        bottom.grid(row=11, column=0, columnspan=4, sticky="we", pady=(8, 0))
        self.save_button = ttk.Button(bottom, text=_("Lưu và in phiếu hẹn (F10)"),
                                      bootstyle="success", command=self.on_save)
        self.save_button.pack(side="left")
        ttk.Button(bottom, text=_("Làm mới biểu mẫu"), bootstyle="info-outline",
                   command=self.on_clear_form).pack(side="left", padx=8)
        self.result_label = ttk.Label(bottom, text="", font=font(14, "bold"),
                                      bootstyle="success")
        self.result_label.pack(side="left", padx=12)
        self.receive_message = MessageBar(tab, wraplength=880)
        self.receive_message.grid(row=12, column=0, columnspan=4, sticky="we", pady=(6, 0))
        return tab

    def on_procedures_loaded(self, procedures) -> None:
        self.procedures = list(procedures)
        self.procedure_box.configure(values=[f"{p.code} — {p.name}" for p in self.procedures])

    def set_manual(self, on: bool) -> None:
        self.manual_mode = on
        for entry in self.citizen_entries.values():
            entry.configure(state="normal" if on else "readonly")
        self.citizen_error.configure(text="")

    def on_manual_entry(self) -> None:
        """No card QR (an old ID card, a damaged chip): the clerk types the citizen in."""
        self.notebook.select(self.receive_tab)
        self.citizen, self.qr_text = None, ""
        self.set_manual(True)
        for entry in self.citizen_entries.values():
            set_entry(entry, "")
        self.citizen_entries["id_number"].focus_set()
        self.receive_message.show(_("Nhập thông tin công dân theo thẻ: số CCCD, họ tên, ngày "
                                    "sinh (ngày/tháng/năm), giới tính, địa chỉ thường trú."))

    def on_citizen_typed(self, key: str) -> None:
        if not self.manual_mode:
            return
        problems = [intake.check_manual_field(k, e.get())
                    for k, e in self.citizen_entries.items()]
        self.citizen_error.configure(text=next((p for p in problems if p), ""))

    def fill_citizen(self, citizen, qr_text: str) -> None:
        self.set_manual(False)
        self.citizen, self.qr_text = citizen, qr_text
        values = {"id_number": citizen.id_number, "full_name": citizen.full_name,
                  "date_of_birth": (citizen.date_of_birth.strftime("%d/%m/%Y")
                                    if citizen.date_of_birth else ""),
                  "gender": citizen.gender, "address": citizen.address}
        for key, entry in self.citizen_entries.items():
            set_entry(entry, values[key])
        self.result_label.configure(text="")
        self.receive_message.show(_("Đã đọc thẻ CCCD của {name}. Chọn thủ tục và đánh dấu "
                                    "giấy tờ đã nhận.").format(name=citizen.full_name), "ok")

    def on_open_camera(self) -> None:
        """Webcam capture (optional extra): the window decodes in the service's workers."""
        from sadec_desk.views.camera import CameraWindow

        window = getattr(self, "camera_window", None)
        if window is not None and window.alive:
            return
        self.camera_window = CameraWindow(self.shell.root, self.shell, self.on_scan_result,
                                          source_factory=self.shell.camera_source_factory)

    def on_open_image(self) -> None:
        path = filedialog.askopenfilename(
            parent=self, title=_("Chọn ảnh chụp thẻ CCCD"),
            filetypes=[(_("Ảnh"), "*.png *.jpg *.jpeg *.bmp *.webp"), (_("Tất cả"), "*")])
        if path:
            self.receive_message.show(_("Đang đọc mã QR trong ảnh…"))
            self.shell.tasks.submit(citizens.scan_image, path, on_done=self.on_scan_result,
                                    on_error=lambda m: self.receive_message.show(m, "error"))

    @property
    def procedure(self):
        index = self.procedure_box.current()
        return self.procedures[index] if 0 <= index < len(self.procedures) else None

    def choose_procedure(self, code: str) -> None:
        for i, p in enumerate(self.procedures):
            if p.code == code:
                self.procedure_box.current(i)
                self.on_procedure_chosen()
                return

    def on_procedure_chosen(self) -> None:
        for child in self.papers_frame.winfo_children():
            child.destroy()
        self.paper_vars = []
        procedure = self.procedure
        if procedure is None:
            return
        for i, paper in enumerate(procedure.papers):
            var = tk.BooleanVar(value=True)
            label = paper.name
            if paper.count > 1:
                label += f" (×{paper.count})"
            ttk.Checkbutton(self.papers_frame, text=label, variable=var).grid(
                row=i // 2, column=i % 2, sticky="w", padx=(0, 16), pady=1)
            self.paper_vars.append((paper, var))
        self.schedule_quote()

    def on_field_typed(self, name: str) -> None:
        if name == "phone":
            self.phone_error.configure(text=intake.check_field("phone", self.phone.get()))
            return
        problems = [intake.check_field("pages", self.pages.get()),
                    intake.check_field("copies", self.copies.get())]
        self.count_error.configure(text=" ".join(p for p in problems if p))
        self.schedule_quote()

    def schedule_quote(self) -> None:
        if self._quote_job is not None:
            self.after_cancel(self._quote_job)
        self._quote_job = self.after(QUOTE_DELAY_MS, self.on_quote_due)

    def on_quote_due(self) -> None:
        self._quote_job = None
        procedure = self.procedure
        if procedure is None:
            return
        self.shell.tasks.submit(
            intake.quote, self.ctx, procedure.code, pages=self.pages.get(),
            copies=self.copies.get(), needs_verification=self.verification.get(),
            late=self.late.get(), on_done=self.on_quote,
            on_error=lambda m: self.quote_label.configure(text=m, bootstyle="danger"))

    def on_quote(self, quote) -> None:
        due = format_datetime(quote.due_at)
        text = _("Lệ phí: {fee}    Hẹn trả: {due}").format(fee=quote.fee_text, due=due)
        if quote.same_day:
            text += "  " + _("(trả trong ngày)")
        self.quote_label.configure(text=text, bootstyle="info")

    def on_save(self) -> None:
        if str(self.save_button.cget("state")) == "disabled":
            return  # F10 pressed again while the first save is running: one dossier only
        procedure = self.procedure
        papers = [intake.FormPaper(p.name, p.kind, p.count, var.get())
                  for p, var in self.paper_vars]
        self.save_button.configure(state="disabled")
        self.receive_message.show(_("Đang lưu hồ sơ…"))
        self.shell.tasks.submit(
            intake.receive_from_form, self.ctx, qr_text=self.qr_text,
            manual=({k: e.get() for k, e in self.citizen_entries.items()}
                    if self.manual_mode else None),
            procedure_code=procedure.code if procedure else "", phone=self.phone.get(),
            pages=self.pages.get(), copies=self.copies.get(),
            needs_verification=self.verification.get(), late=self.late.get(), papers=papers,
            on_done=self.on_saved, on_error=self.on_save_failed)

    def on_save_failed(self, message: str) -> None:
        self.save_button.configure(state="normal")
        self.receive_message.show(message, "error")

    def on_saved(self, info) -> None:
        self.save_button.configure(state="normal")
        self.result_label.configure(text=info.code)
        self.receive_message.show(_("Đã tiếp nhận hồ sơ {code}. Đang in phiếu hẹn…")
                                  .format(code=info.code), "ok")
        # what follows a save is the desk's rule: the called ticket linked, the receipt
        ticket = self.current_ticket.id if self.current_ticket is not None else None
        self.shell.tasks.submit(desk.after_receive, self.ctx, info.code, ticket=ticket,
                                on_done=self.on_printed,
                                on_error=lambda m: self.receive_message.show(m, "error"))

    def on_printed(self, outcome) -> None:
        """The save's follow-up is done (a :class:`desk.ReceiveFollowUp`)."""
        code, job = outcome.code, outcome.receipt
        if outcome.link_error:
            self.shell.show_error(outcome.link_error)
        if job.status == "printed":
            self.receive_message.show(_("Đã tiếp nhận hồ sơ {code} và in phiếu hẹn.")
                                      .format(code=code), "ok")
        else:
            self.receive_message.show(
                _("Đã tiếp nhận hồ sơ {code}, nhưng chưa in được phiếu hẹn: {error} "
                  "Phiếu sẽ được in lại tự động khi máy in sẵn sàng.")
                .format(code=code, error=job.last_error or job.status_label), "warning")
        self.shell.refresh_print_state()

    def on_clear_form(self) -> None:
        self.citizen, self.qr_text = None, ""
        self.set_manual(False)
        for entry in self.citizen_entries.values():
            set_entry(entry, "")
        for widget in (self.phone,):
            widget.delete(0, "end")
        self.pages.set("0")
        self.copies.set("1")
        self.verification.set(False)
        self.late.set(False)
        self.result_label.configure(text="")
        self.receive_message.clear()
        self.phone_error.configure(text="")
        self.count_error.configure(text="")

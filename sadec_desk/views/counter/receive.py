"""The counter's receive form (tab F8, saved with F10): the citizen from a card QR, an
image, the camera or typed by hand; the procedure, counts and papers received; the fee
and due date quoted while the clerk types; saving the dossier.

A part of :class:`sadec_desk.views.counter.screen.CounterView` (see there for how the
parts share the view): owns ``citizen_entries``, ``phone``, ``procedure_box``, ``pages``,
``copies``, ``papers_frame``, ``quote_label``, ``save_button``, ``result_label``,
``receive_message``, ``gender_buttons``, ``procedure_error`` and the state
``procedures``, ``citizen``, ``qr_text``, ``paper_vars``, ``manual_mode``. Saving (the
questions asked first, the form locked after it) is :mod:`.save_flow`.
"""

from __future__ import annotations

import tkinter as tk
import unicodedata

import ttkbootstrap as ttk

from sadec_desk.i18n import _
from sadec_desk.services.display import format_datetime
from sadec_desk.services.reception import citizens, intake
from sadec_desk.views.file_dialog import ask_open_file
from sadec_desk.views.widgets import MessageBar, font, set_entry, watch

QUOTE_DELAY_MS = 150


def fold(text: str) -> str:
    """Lower case without diacritics, for matching what the clerk types ("khai sinh"
    finds "Đăng ký khai sinh")."""
    decomposed = unicodedata.normalize("NFD", (text or "").casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).replace("đ", "d")


def title_name(text: str) -> str:
    """"le thi HOA" -> "Le Thi Hoa", "nguyễn văn á" -> "Nguyễn Văn Á": each word's first
    letter upper case, the rest lower case (Vietnamese letters included, NFC)."""
    words = unicodedata.normalize("NFC", text or "").split()
    return " ".join(w[:1].upper() + w[1:].lower() for w in words)


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
        self.gender_buttons = {}
        for i, (key, label) in enumerate(labels):
            r, c = 1 + i // 2, (i % 2) * 2
            ttk.Label(tab, text=label, font=font(10)).grid(row=r, column=c, sticky="w",
                                                           pady=3, padx=(0, 6))
            holder = tab
            if key == "gender":  # typed entry: Nam / Nữ buttons, never free text
                holder = ttk.Frame(tab)
                holder.grid(row=r, column=c + 1, sticky="we", pady=3, padx=(0, 12))
                for value in (_("Nữ"), _("Nam")):  # packed from the right: Nam, Nữ
                    button = ttk.Button(holder, text=value, width=5, state="disabled",
                                        bootstyle="secondary-outline",
                                        command=lambda v=value: self.on_gender(v))
                    button.pack(side="right", padx=(4, 0))
                    self.gender_buttons[value] = button
            entry = ttk.Entry(holder, font=font(11), state="readonly")
            if key == "gender":
                entry.pack(side="left", fill="x", expand=True)
            else:
                entry.grid(row=r, column=c + 1, sticky="we", pady=3, padx=(0, 12),
                           columnspan=3 if key == "address" else 1)
            self.citizen_entries[key] = entry
            watch(entry, lambda k=key: self.on_citizen_typed(k))
        self.citizen_entries["full_name"].bind("<FocusOut>", lambda _e: self.on_name_left())
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
        # type part of a code or name (without diacritics) to narrow the list; Enter or
        # Down takes the first match
        self.procedure_box = ttk.Combobox(tab, font=font(11))
        self.procedure_box.grid(row=6, column=1, columnspan=3, sticky="we", pady=(6, 0))
        self.procedure_box.bind("<<ComboboxSelected>>", lambda _e: self.on_procedure_chosen())
        watch(self.procedure_box, self.on_procedure_typed)
        self.procedure_typed = ""  # the box's text the list was last narrowed for
        self.procedure_box.bind("<Return>", self.on_procedure_return)
        self.procedure_error = ttk.Label(tab, text="", bootstyle="danger", font=font(9))
        self.procedure_error.grid(row=7, column=1, columnspan=3, sticky="w")

        options = self.options_frame = ttk.Frame(tab)
        options.grid(row=8, column=0, columnspan=4, sticky="we", pady=(8, 0))
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
        self.count_error.grid(row=9, column=0, columnspan=4, sticky="w")

        # how the citizen wants the result: at the one-stop desk or by the public postal
        # service (QĐ 45/2016/QĐ-TTg); the counter asks at reception
        delivery = self.delivery_frame = ttk.Frame(tab)
        delivery.grid(row=10, column=0, columnspan=4, sticky="w", pady=(2, 0))
        ttk.Label(delivery, text=_("Nhận kết quả:"), font=font(10)).pack(side="left")
        self.result_delivery = tk.StringVar(value="office")
        for value, label in (("office", _("tại bộ phận một cửa")),
                             ("post", _("qua dịch vụ bưu chính công ích"))):
            ttk.Radiobutton(delivery, text=label, value=value,
                            variable=self.result_delivery).pack(side="left", padx=(8, 0))
        self.papers_frame = ttk.Labelframe(tab, text=_("Giấy tờ đã nhận"), padding=6)
        self.papers_frame.grid(row=11, column=0, columnspan=4, sticky="we", pady=(4, 0))
        self.quote_label = ttk.Label(tab, text="", font=font(13, "bold"), bootstyle="info")
        self.quote_label.grid(row=12, column=0, columnspan=4, sticky="w", pady=(8, 0))
        bottom = ttk.Frame(tab)
        bottom.grid(row=13, column=0, columnspan=4, sticky="we", pady=(8, 0))
        self.save_button = ttk.Button(bottom, text=_("Lưu và in phiếu hẹn (F10)"),
                                      bootstyle="success", command=self.on_save)
        self.save_button.pack(side="left")
        # "Hồ sơ mới" once the form is saved and locked (save_flow.lock_form)
        self.clear_button = ttk.Button(bottom, text=_("Làm mới biểu mẫu"),
                                       bootstyle="info-outline", command=self.on_clear_form)
        self.clear_button.pack(side="left", padx=8)
        self.result_label = ttk.Label(bottom, text="", font=font(14, "bold"),
                                      bootstyle="success")
        self.result_label.pack(side="left", padx=12)
        self.receive_message = MessageBar(tab, wraplength=880)
        self.receive_message.grid(row=14, column=0, columnspan=4, sticky="we", pady=(6, 0))
        return tab

    @staticmethod
    def procedure_label(p) -> str:
        return f"{p.code} — {p.name}"

    def on_procedures_loaded(self, procedures) -> None:
        self.procedures = list(procedures)
        self.procedure_box.configure(values=[self.procedure_label(p) for p in self.procedures])

    def procedure_matches(self, text: str) -> list:
        wanted = fold(text).split()
        return [p for p in self.procedures
                if all(w in fold(self.procedure_label(p)) for w in wanted)]

    def on_procedure_typed(self) -> None:
        text = self.procedure_box.get()
        if text == self.procedure_typed:
            return  # a key that typed nothing (F10, the arrows...)
        self.procedure_typed = text
        matches = self.procedure_matches(text)
        self.procedure_box.configure(values=[self.procedure_label(p) for p in matches])
        if self.procedure is None and self.paper_vars:
            self.show_papers_of(None)  # what was typed is no procedure any more
        self.procedure_error.configure(
            text="" if matches else _("Không có thủ tục nào khớp «{text}».").format(
                text=self.procedure_box.get()[:40]))

    def on_procedure_return(self, _event):
        if self.procedure is None:
            matches = self.procedure_matches(self.procedure_box.get())
            if matches:
                self.choose_procedure(matches[0].code)
        return "break"

    def set_manual(self, on: bool) -> None:
        self.manual_mode = on
        for key, entry in self.citizen_entries.items():
            entry.configure(state="normal" if on and key != "gender" else "readonly")
        for button in self.gender_buttons.values():
            button.configure(state="normal" if on else "disabled")
        self.citizen_error.configure(text="")

    def on_gender(self, value: str) -> None:
        set_entry(self.citizen_entries["gender"], value)
        for label, button in self.gender_buttons.items():
            button.configure(bootstyle="secondary" if label == value else "secondary-outline")
        self.on_citizen_typed("gender")

    def on_name_left(self) -> None:
        entry = self.citizen_entries["full_name"]
        if self.manual_mode and entry.get().strip():
            titled = title_name(entry.get())
            if titled != entry.get():
                set_entry(entry, titled)

    def on_manual_entry(self) -> None:
        """No card QR (an old ID card, a damaged chip): the clerk types the citizen in."""
        self.notebook.select(self.receive_tab)
        if self.locked:
            self.new_form()
        self.citizen, self.qr_text = None, ""
        self.set_manual(True)
        for entry in self.citizen_entries.values():
            set_entry(entry, "")
        self.citizen_entries["id_number"].focus_set()
        self.receive_message.show(_("Nhập thông tin công dân theo thẻ: số CCCD, họ tên, ngày "
                                    "sinh (ngày/tháng/năm), giới tính (Nam/Nữ), địa chỉ."))

    def on_citizen_typed(self, key: str) -> None:
        if not self.manual_mode:
            return
        problems = [intake.check_manual_field(k, e.get())
                    for k, e in self.citizen_entries.items()]
        self.citizen_error.configure(text=next((p for p in problems if p), ""))

    def fill_citizen(self, citizen, qr_text: str) -> None:
        if self.locked:  # a new card after a save: a new dossier
            self.new_form()
        self.set_manual(False)
        self.citizen, self.qr_text = citizen, qr_text
        values = {"id_number": citizen.id_number, "full_name": citizen.full_name,
                  "date_of_birth": (citizen.date_of_birth.strftime("%d/%m/%Y")
                                    if citizen.date_of_birth else ""),
                  "gender": citizen.gender, "address": citizen.address}
        for key, entry in self.citizen_entries.items():
            set_entry(entry, values[key])
        self.result_label.configure(text="")
        self.citizen_error.configure(text="")
        self.receive_message.show(_("Đã đọc thẻ CCCD của {name}. Chọn thủ tục và đánh dấu "
                                    "giấy tờ đã nhận.").format(name=citizen.full_name), "ok")
        if self.procedure is None:  # next: the procedure, typed to search
            self.procedure_box.focus_set()
            self.procedure_box.select_range(0, "end")

    def on_open_camera(self) -> None:
        """Webcam capture (optional extra): the window decodes in the service's workers."""
        from sadec_desk.views.camera import CameraWindow

        window = getattr(self, "camera_window", None)
        if window is not None and window.alive:
            return
        self.camera_window = CameraWindow(self.shell.root, self.shell, self.on_scan_result,
                                          source_factory=self.shell.camera_source_factory)

    def on_open_image(self) -> None:
        ask_open_file(self, title=_("Chọn ảnh chụp thẻ CCCD"),
                      patterns=("*.png", "*.jpg", "*.jpeg", "*.bmp", "*.webp"),
                      on_chosen=self.on_image_chosen)

    def on_image_chosen(self, path: str) -> None:
        if path:
            self.receive_message.show(_("Đang đọc mã QR trong ảnh…"))
            self.shell.tasks.submit(citizens.scan_image, path, on_done=self.on_scan_result,
                                    on_error=lambda m: self.receive_message.show(m, "error"))

    @property
    def procedure(self):
        text = self.procedure_box.get()
        return next((p for p in self.procedures if self.procedure_label(p) == text), None)

    def choose_procedure(self, code: str) -> None:
        for p in self.procedures:
            if p.code == code:
                self.procedure_box.set(self.procedure_label(p))
                self.on_procedure_chosen()
                return

    def on_procedure_chosen(self) -> None:
        self.procedure_typed = self.procedure_box.get()
        self.procedure_error.configure(text="")
        self.procedure_box.configure(values=[self.procedure_label(p) for p in self.procedures])
        self.show_papers_of(self.procedure)

    def show_papers_of(self, procedure) -> None:
        for child in self.papers_frame.winfo_children():
            child.destroy()
        self.paper_vars = []
        if procedure is None:
            self.quote_label.configure(text="")
            return
        for i, paper in enumerate(procedure.papers):
            # unticked: the clerk ticks what the citizen really handed over (#17 item 1)
            var = tk.BooleanVar(value=False)
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

    def clear_inputs(self) -> None:
        """Everything the clerk entered goes: citizen, phone, procedure, counts, ticks."""
        self.citizen, self.qr_text = None, ""
        self.set_manual(False)
        for entry in self.citizen_entries.values():
            set_entry(entry, "")
        for button in self.gender_buttons.values():
            button.configure(bootstyle="secondary-outline")
        self.phone.delete(0, "end")
        self.procedure_box.set("")
        self.procedure_typed = ""
        self.procedure_box.configure(values=[self.procedure_label(p) for p in self.procedures])
        self.show_papers_of(None)
        self.pages.set("0")
        self.copies.set("1")
        self.verification.set(False)
        self.late.set(False)
        self.result_delivery.set("office")
        self.result_label.configure(text="")
        self.receive_message.clear()
        for label in (self.phone_error, self.count_error, self.citizen_error,
                      self.procedure_error):
            label.configure(text="")

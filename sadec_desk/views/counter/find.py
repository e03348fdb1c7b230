"""The counter's find tab (F9): finding dossiers by code, card number or name, the kiosk
dossiers waiting for a clerk, a dossier's details and its life-cycle buttons (status
changes, a new appointment, reprints of the receipt and of the forms Mẫu 01–05).

A part of :class:`sadec_desk.views.counter.screen.CounterView` (see there for how the
parts share the view): owns ``search``, ``kiosk_button``, ``find_message``, ``results``,
``detail_text``, ``note``, ``new_due``, ``lifecycle``, ``open_form_button`` and the state
``found``, ``selected``, ``form_path``. What follows a status change (Mẫu 02/03/04, the
return slip) is :func:`sadec_desk.services.desk.after_status_change`.
"""

from __future__ import annotations

import tkinter as tk
from pathlib import Path

import ttkbootstrap as ttk

from sadec_desk.i18n import _
from sadec_desk.services import desk
from sadec_desk.services.display import channel_label, dossier_lines, format_moment, sync_label
from sadec_desk.services.documents import default_print, office_forms
from sadec_desk.services.printing import jobs
from sadec_desk.services.reception import dossiers, eforms, intake, search
from sadec_desk.services.reception import papers as dossier_papers
from sadec_desk.views.dialogs import AskDialog, Choice
from sadec_desk.views.widgets import MessageBar, font


class FindPanel:
    """The find tab of the counter view (a mixin of CounterView)."""

    def create_find_tab(self, parent) -> ttk.Frame:
        tab = ttk.Frame(parent, padding=10)
        tab.columnconfigure(0, weight=1)
        tab.rowconfigure(3, weight=1)
        bar = ttk.Frame(tab)
        bar.grid(row=0, column=0, sticky="we")
        ttk.Label(bar, text=_("Mã hồ sơ, số CCCD hoặc họ tên"), font=font(10)).pack(side="left")
        self.search = ttk.Entry(bar, font=font(12), width=40)
        self.search.pack(side="left", padx=6, fill="x", expand=True)
        self.search.bind("<Return>", self.on_search_return)
        ttk.Button(bar, text=_("Tìm"), bootstyle="primary", command=self.on_search
                   ).pack(side="left")
        # dossiers citizens submitted at the kiosk wait here until a clerk takes them up
        self.kiosk_button = ttk.Button(bar, text=_("Hồ sơ từ kiosk chờ xử lý"),
                                       bootstyle="warning-outline",
                                       command=self.on_kiosk_waiting)
        self.kiosk_button.pack(side="left", padx=(6, 0))
        self.find_message = MessageBar(tab, wraplength=880)
        self.find_message.grid(row=1, column=0, sticky="we", pady=4)
        columns = (("code", _("Mã hồ sơ"), 214), ("name", _("Người nộp"), 135),
                   ("procedure", _("Thủ tục"), 120), ("status", _("Trạng thái"), 112),
                   ("due", _("Hẹn trả"), 142), ("sync", _("Đồng bộ"), 88),
                   ("channel", _("Kênh"), 74))
        self.results = ttk.Treeview(tab, columns=[c for c, _t, _w in columns],
                                    show="headings", height=5)
        # the channel is shown next to the procedure; it is the last value of a row
        self.results.configure(displaycolumns=("code", "name", "procedure", "channel",
                                               "status", "due", "sync"))
        for col, title, width in columns:
            self.results.heading(col, text=title)
            self.results.column(col, width=width, stretch=col == "procedure")
        self.results.tag_configure("kiosk", background="#fff3cd")
        self.results.grid(row=2, column=0, sticky="nsew")
        self.results.bind("<<TreeviewSelect>>", lambda _e: self.on_result_selected())
        detail = ttk.Frame(tab)
        detail.grid(row=3, column=0, sticky="nsew", pady=(6, 0))
        detail.columnconfigure(0, weight=1)
        detail.rowconfigure(1, weight=1)
        self.papers_box = self.create_papers_box(detail)
        self.papers_box.grid(row=0, column=0, sticky="we", pady=(0, 4))
        self.detail_text = tk.Text(detail, height=8, font=font(10), wrap="word",
                                   state="disabled")
        self.detail_text.grid(row=1, column=0, sticky="nsew")
        side = ttk.Frame(detail)
        side.grid(row=0, column=1, rowspan=2, sticky="n", padx=(8, 0))
        ttk.Label(side, text=_("Ghi chú / lý do"), font=font(10)).pack(anchor="w")
        self.note = ttk.Entry(side, font=font(11), width=34)
        self.note.pack(fill="x")
        ttk.Label(side, text=_("Hẹn mới (dd/mm/yyyy HH:MM)"), font=font(10)
                  ).pack(anchor="w", pady=(4, 0))
        self.new_due = ttk.Entry(side, font=font(11), width=34)
        self.new_due.pack(fill="x")
        self.lifecycle = ttk.Frame(side)
        self.lifecycle.pack(fill="x", pady=(6, 0))
        self.step_buttons = {}  # built with the first dossier shown (start-up stays quick)
        # the PDF last saved (a form Mẫu 01-05, the declaration, the pages): opened in
        # the PDF viewer on request
        self.form_path = ""
        # no office printer set: the saved form also on this computer's default printer,
        # or its pages shown here first; one row, so that the side fits 1366x740
        files = ttk.Frame(side)
        files.pack(fill="x", pady=(6, 0))
        files.columnconfigure((0, 1, 2), weight=1)
        for column, (name, label, command) in enumerate((
                ("open_form_button", _("Mở tệp PDF"), self.on_open_form),
                ("preview_button", _("Xem trước"), self.on_preview_form),
                ("default_print_button", _("In mặc định"), self.on_print_default))):
            button = ttk.Button(files, text=label, state="disabled", command=command, width=1,
                                bootstyle="primary-outline")
            button.grid(row=0, column=column, sticky="we", padx=(0 if column == 0 else 4, 0))
            setattr(self, name, button)
        return tab

    def on_search_return(self, event):
        if self.shell.scanner.looks_like_scan(event):
            return None  # the scanner's burst: the window-wide handler takes it
        self.on_search()
        return "break"

    def on_search(self) -> None:
        self.find_message.show(_("Đang tìm…"))
        self.shell.tasks.submit(search.find_dossiers, self.ctx, self.search.get(),
                                on_done=self.on_found,
                                on_error=lambda m: self.find_message.show(m, "error"))

    def on_kiosk_count(self, count: int) -> None:
        if count == getattr(self, "kiosk_count", 0):
            return
        self.kiosk_count = count
        text = _("Hồ sơ từ kiosk chờ xử lý")
        self.kiosk_button.configure(text=f"{text} ({count})" if count else text,
                                    bootstyle="warning" if count else "warning-outline")

    def on_kiosk_waiting(self) -> None:
        self.find_message.show(_("Đang tìm hồ sơ từ kiosk…"))
        self.shell.tasks.submit(dossier_papers.kiosk_waiting, self.ctx,
                                on_done=lambda items: self.on_found(items, kiosk=True),
                                on_error=lambda m: self.find_message.show(m, "error"))

    @staticmethod
    def row_values(d) -> tuple:
        return (d.code, d.citizen.full_name, d.procedure_name, d.status_label,
                format_moment(d.due_at), sync_label(d.sync_state),
                channel_label(d.channel))

    @staticmethod
    def row_tags(d) -> tuple:
        # a kiosk dossier nobody has taken up yet stands out in the list
        return ("kiosk",) if desk.awaits_clerk(d) else ()

    def on_found(self, items, kiosk: bool = False) -> None:
        self.found = list(items)
        self.results.delete(*self.results.get_children())
        for i, d in enumerate(self.found):
            self.results.insert("", "end", iid=str(i), values=self.row_values(d),
                                tags=self.row_tags(d))
        if not self.found:
            if kiosk:
                self.find_message.show(_("Không có hồ sơ nào từ kiosk đang chờ xử lý."), "ok")
            else:
                self.find_message.show(_("Không tìm thấy hồ sơ nào."), "warning")
            self.show_detail(None)
            return
        if kiosk:
            self.find_message.show(_("{n} hồ sơ nộp tại kiosk đang chờ xử lý; hồ sơ chờ lâu "
                                     "nhất ở trên cùng.").format(n=len(self.found)), "ok")
        else:
            self.find_message.show(_("Tìm thấy {n} hồ sơ.").format(n=len(self.found)), "ok")
        self.results.selection_set("0")
        self.show_detail(self.found[0])

    def on_result_selected(self) -> None:
        selection = self.results.selection()
        if selection and int(selection[0]) < len(self.found):
            info = self.found[int(selection[0])]
            if info is not self.selected:  # selection_set after a search: already shown
                self.show_detail(info)

    def show_detail(self, info) -> None:
        self.selected = info
        self.write_detail(info)
        self.show_papers(None)
        self.update_lifecycle_buttons(info)
        if info is None or not Path(self.form_path).name.startswith(f"{info.code}."):
            # the short labels speak of this dossier's file: another dossier's is not offered
            self.form_path = ""
            for button in (self.open_form_button, self.preview_button,
                           self.default_print_button):
                button.configure(state="disabled")
        if info is not None:
            self.load_papers(info.code)
            if not (info.papers or info.events):
                # a search result's record is the list's: the papers received and the
                # history are read for the dossier shown
                self.shell.tasks.submit(dossiers.get_dossier, self.ctx, info.code,
                                        on_done=self.on_detail_loaded,
                                        on_error=lambda m: self.find_message.show(m, "error"))

    def write_detail(self, info) -> None:
        self.detail_text.configure(state="normal")
        self.detail_text.delete("1.0", "end")
        if info is not None:
            lines = dossier_lines(info, technical=False)
            lines.append(_("Đồng bộ: {s}").format(s=sync_label(info.sync_state)))
            self.detail_text.insert("1.0", "\n".join(lines))
        self.detail_text.configure(state="disabled")

    def on_detail_loaded(self, info) -> None:
        """The whole record (papers, history) of the dossier shown has been read."""
        if self.selected is None or self.selected.code != info.code:
            return  # the clerk has moved on to another dossier meanwhile
        self.found = [info if d.code == info.code else d for d in self.found]
        self.selected = info
        self.write_detail(info)

    def create_lifecycle_buttons(self) -> None:
        """Every button in a fixed place, disabled when it does not apply: the pointer
        never lands on another step than the one the clerk aimed at (#17 item 5)."""
        self.step_buttons = {}
        steps = intake.next_statuses("")
        for i, (status, label, _note, _allowed, confirm) in enumerate(steps):
            style = "danger-outline" if confirm else "primary-outline"
            button = ttk.Button(self.lifecycle, text=label, bootstyle=style, state="disabled",
                                command=lambda s=status: self.on_step(s))
            button.grid(row=i // 2, column=i % 2, sticky="we", padx=2, pady=2)
            self.step_buttons[status] = button
        row = (len(steps) + 1) // 2
        self.reschedule_button = ttk.Button(self.lifecycle, text=_("Gia hạn (Mẫu 04)"),
                                            bootstyle="warning-outline", state="disabled",
                                            command=self.on_reschedule)
        self.reschedule_button.grid(row=row, column=0, sticky="we", padx=2, pady=2)
        self.reprint_button = ttk.Button(self.lifecycle, text=_("In lại phiếu hẹn"),
                                         bootstyle="info-outline", state="disabled",
                                         command=self.on_reprint)
        self.reprint_button.grid(row=row, column=1, sticky="we", padx=2, pady=2)
        # "In lại phiếu": any of the A5 forms Mẫu 01-05 (office printer, or saved)
        self.reprint_forms = ttk.Menubutton(self.lifecycle, text=_("In lại phiếu (Mẫu 01–05)"),
                                            bootstyle="info-outline", state="disabled")
        self.reprint_menu = tk.Menu(self.reprint_forms, tearoff=False, font=font(10))
        for number, title in office_forms.form_titles():
            self.reprint_menu.add_command(
                label=_("Mẫu {n} – {title}").format(n=number, title=title),
                command=lambda n=number: self.print_form(self.selected.code, n))
        self.reprint_forms.configure(menu=self.reprint_menu)
        self.reprint_forms.grid(row=row + 1, column=0, columnspan=2, sticky="we", padx=2,
                                pady=2)

    def update_lifecycle_buttons(self, info) -> None:
        if not self.step_buttons:
            if info is None:
                return
            self.create_lifecycle_buttons()
        status = info.status if info is not None else ""
        for step, _label, _note, allowed, _confirm in intake.next_statuses(status):
            self.step_buttons[step].configure(state="normal" if allowed else "disabled")
        live = info is not None and not desk.is_void(info.status)
        self.reschedule_button.configure(
            state="normal" if live and desk.can_reschedule(info.status) else "disabled")
        # a voided record gives the citizen nothing: no receipt, no form
        for widget in (self.reprint_button, self.reprint_forms):
            widget.configure(state="normal" if live else "disabled")

    def on_step(self, status: str) -> None:
        info = self.selected
        if info is None:
            return
        step = next(s for s in intake.next_statuses(info.status) if s[0] == status)
        _status, label, _needs_note, _allowed, confirm = step
        if not confirm:
            self.on_advance(status)
            return
        questions = {
            "refused": _("Từ chối hồ sơ {code}? Công dân nhận Mẫu 03 ghi lý do; không hoàn "
                         "tác được."),
            "withdrawn": _("Ghi nhận công dân rút hồ sơ {code}? Không hoàn tác được."),
            "voided": _("Hủy hồ sơ {code} do nhập nhầm? Hồ sơ không được tính vào báo cáo, "
                        "không in phiếu nào cho công dân; không hoàn tác được."),
        }
        self.dialog = AskDialog(
            self, title=label, message=questions[status].format(code=info.code),
            choices=[Choice(_("Quay lại"), lambda _r: None),
                     Choice(label, lambda r: self.on_advance(status, r), style="danger",
                            needs_reason=True)],
            reason_label=_("Lý do"))
        if self.dialog.reason is not None and self.note.get().strip():
            self.dialog.reason.insert(0, self.note.get().strip())

    def on_advance(self, status: str, reason: str | None = None) -> None:
        info = self.selected
        if info is None:
            return
        note = self.note.get() if reason is None else reason
        if desk.is_void(status):
            self.shell.tasks.submit(dossiers.void_dossier, self.ctx, info.code, note,
                                    on_done=self.on_voided,
                                    on_error=lambda m: self.find_message.show(m, "error"))
            return
        self.shell.tasks.submit(dossiers.advance_dossier, self.ctx, info.code, status,
                                note=note, on_done=self.on_advanced,
                                on_error=lambda m: self.find_message.show(m, "error"))

    def on_voided(self, info) -> None:
        """Nothing follows a void: no form, no slip (the citizen gets nothing)."""
        self.note.delete(0, "end")
        self.find_message.show(_("Hồ sơ {code}: {label}. Không in phiếu nào cho công dân.")
                               .format(code=info.code, label=info.status_label), "ok")
        self.replace_found(info)

    def on_advanced(self, info, step: str | None = None) -> None:
        """After a life-cycle step (``step``: the new status, or "rescheduled")."""
        self.note.delete(0, "end")
        self.find_message.show(_("Hồ sơ {code}: {label}.").format(code=info.code,
                                                                 label=info.status_label), "ok")
        step = step or info.status
        form = desk.form_after(step)
        if form is not None:  # Mẫu 02 / 03 / 04 for the citizen, on the office printer
            self.find_message.show(_("Hồ sơ {code}: đang in Mẫu {form}…").format(
                code=info.code, form=form))
        # what follows the step is the desk's rule: the citizen's form, the return slip
        self.shell.tasks.submit(desk.after_status_change, self.ctx, info.code, step,
                                on_done=self.on_followed_up,
                                on_error=lambda m: self.find_message.show(m, "error"))
        self.replace_found(info)

    def on_followed_up(self, outcome) -> None:
        """A life-cycle step's follow-up is done (a :class:`desk.StatusFollowUp`)."""
        if outcome.form is not None:
            self.on_form_printed(outcome.form)
        if outcome.return_slip is not None:
            self.shell.refresh_print_state()
        for error in outcome.errors:
            self.find_message.show(error, "error")

    def replace_found(self, info) -> None:
        self.shell.refresh_sync_state()  # the change waits for the portal: count it now
        self.found = [info if d.code == info.code else d for d in self.found]
        index = next(i for i, d in enumerate(self.found) if d.code == info.code)
        self.results.item(str(index), values=self.row_values(info), tags=self.row_tags(info))
        self.show_detail(info)

    def on_reschedule(self) -> None:
        info = self.selected
        text = self.new_due.get().strip()
        self.shell.tasks.submit(intake.reschedule_from_form, self.ctx, info.code, text,
                                self.note.get(),
                                on_done=lambda i: self.on_advanced(i, "rescheduled"),
                                on_error=lambda m: self.find_message.show(m, "error"))

    def on_reprint(self) -> None:
        info = self.selected
        self.shell.tasks.submit(jobs.print_receipt, self.ctx, info.code,
                                on_done=lambda job: self.find_message.show(
                                    _("Phiếu hẹn {code}: {s}.").format(
                                        code=info.code, s=job.status_label),
                                    "ok" if job.status == "printed" else "warning"),
                                on_error=lambda m: self.find_message.show(m, "error"))

    def print_form(self, code: str, form: str) -> None:
        """Render (and print, when an office printer is set) Mẫu ``form`` in the worker."""
        self.print_pdf(_("Hồ sơ {code}: đang in Mẫu {form}…").format(code=code, form=form),
                       office_forms.print_form_for, code, form)

    def print_pdf(self, busy: str, fn, *args) -> None:
        """``fn(ctx, *args) -> OfficePrintResult`` in the worker: a PDF for the office
        printer, only saved when none is set (then offered by «Mở tệp PDF vừa lưu»)."""
        self.find_message.show(busy)
        self.shell.tasks.submit(fn, self.ctx, *args, on_done=self.on_form_printed,
                                on_error=lambda m: self.find_message.show(m, "error"))

    @staticmethod
    def form_note(result) -> str:
        """A saved or printed form (OfficePrintResult) in one line for the clerk: where
        the file lies and which setting names the office printer are behind "Chi tiết"
        (issue #17 item 3), in the service's own sentence."""
        document = (_("tờ khai") if result.form == eforms.DECLARATION
                    else _("Mẫu {form}").format(form=result.form))
        if result.status == "saved":
            # short enough for one line at 1366 px with the code; «Xem trước» and «In mặc
            # định» sit beside «Mở tệp PDF», why there is no office printer is in "Chi tiết"
            return _("Đã lưu {document} của hồ sơ {code}: dùng «Mở tệp PDF».").format(
                document=document, code=result.code)
        if result.status == "failed":
            return _("Chưa in được {document} của hồ sơ {code}; tệp đã được lưu.").format(
                document=document, code=result.code)
        return result.message

    def on_form_printed(self, result) -> None:
        kind = {"printed": "ok", "saved": "info"}.get(result.status, "warning")
        self.find_message.show(self.form_note(result), kind,
                               details="" if result.status == "printed" else result.message)
        self.form_path = result.path if result.path and Path(result.path).is_file() else ""
        self.open_form_button.configure(state="normal" if self.form_path else "disabled")
        spare = "normal" if self.form_path and result.status == "saved" else "disabled"
        for button in (self.preview_button, self.default_print_button):
            button.configure(state=spare)

    def on_print_default(self) -> None:
        self.shell.tasks.submit(default_print.print_on_default_printer, self.ctx,
                                self.form_path,
                                on_done=lambda m: self.find_message.show(m, "ok"),
                                on_error=lambda m: self.find_message.show(m, "error"))

    def on_preview_form(self) -> None:
        title = Path(self.form_path).name
        self.shell.tasks.submit(default_print.preview_pages, self.ctx, self.form_path,
                                on_done=lambda pages: self.show_preview(title, pages),
                                on_error=lambda m: self.find_message.show(m, "error"))

    def show_preview(self, title: str, pages: list[bytes]) -> None:
        from sadec_desk.views.pdf_preview import PdfPreview

        self.preview = PdfPreview(self, title=title, pages=pages)

    def on_open_form(self) -> None:
        if self.form_path:
            self.shell.tasks.submit(office_forms.open_file, self.form_path,
                                    on_error=lambda m: self.find_message.show(m, "error"))

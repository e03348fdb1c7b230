"""The counter screen: the queue of this counter, receiving a dossier, finding one.

Every service call goes through ``shell.tasks`` (a worker thread); the callbacks
``on_<...>`` run on the Tk thread with the frozen records the services return.
"""

from __future__ import annotations

import tkinter as tk
from tkinter import filedialog

import ttkbootstrap as ttk

from sadec_desk.errors import UserError
from sadec_desk.i18n import _
from sadec_desk.services import catalogue
from sadec_desk.services.display import dossier_lines, format_datetime
from sadec_desk.services.documents import office_forms
from sadec_desk.services.pages import store
from sadec_desk.services.printing import jobs
from sadec_desk.services.queue import tickets
from sadec_desk.services.reception import citizens, dossiers, eforms, intake
from sadec_desk.services.reception import papers as dossier_papers
from sadec_desk.services.reports.text import channel_label
from sadec_desk.views.widgets import MessageBar, font, set_entry, watch

QUEUE_REFRESH_MS = 3000


def short_time(moment) -> str:
    return moment.strftime("%H:%M %d/%m/%Y") if moment else "—"

QUOTE_DELAY_MS = 150

#: (key, label, shortcut) of the queue buttons
QUEUE_ACTIONS = (
    ("next", lambda: _("Gọi số tiếp"), "F2"),
    ("recall", lambda: _("Gọi lại"), "F3"),
    ("skip", lambda: _("Vắng mặt"), "F4"),
    ("hold", lambda: _("Tạm giữ"), "F5"),
    ("transfer", lambda: _("Chuyển"), "F6"),
    ("done", lambda: _("Xong"), "F7"),
)


class CounterView(ttk.Frame):
    def __init__(self, parent, shell):
        super().__init__(parent, padding=(8, 6))
        self.shell = shell
        self.ctx = shell.ctx
        self.counters = []  # CounterInfo
        self.groups = []  # ServiceGroupInfo
        self.current_ticket = None  # TicketInfo at this counter
        self.procedures = []  # ProcedureInfo
        self.citizen = None  # CitizenInfo from the last card scan
        self.qr_text = ""
        self.paper_vars: list[tuple[object, tk.BooleanVar]] = []
        self.found = []  # DossierInfo results of the last search
        self.selected = None  # DossierInfo shown in the detail pane
        self.papers = None  # DossierPapers of the selected dossier, once loaded
        self._quote_job = None
        self._refresh_job = None
        self.columnconfigure(1, weight=1)
        self.rowconfigure(0, weight=1)
        self.create_queue_panel().grid(row=0, column=0, sticky="ns", padx=(0, 8))
        self.notebook = ttk.Notebook(self, bootstyle="primary")
        self.notebook.grid(row=0, column=1, sticky="nsew")
        self.receive_tab = self.create_receive_tab(self.notebook)
        self.find_tab = self.create_find_tab(self.notebook)
        self.notebook.add(self.receive_tab, text=_("Tiếp nhận hồ sơ (F8)"))
        self.notebook.add(self.find_tab, text=_("Tra cứu hồ sơ (F9)"))
        self.bind_keys()
        self.load()

    # --- building ------------------------------------------------------------------------

    def create_queue_panel(self) -> ttk.Frame:
        panel = ttk.Labelframe(self, text=_("Hàng đợi"), padding=8, bootstyle="primary")
        top = ttk.Frame(panel)
        top.pack(fill="x")
        ttk.Label(top, text=_("Quầy"), font=font(11)).pack(side="left")
        self.counter_box = ttk.Combobox(top, state="readonly", width=22, font=font(11))
        self.counter_box.pack(side="left", padx=6)
        self.counter_box.bind("<<ComboboxSelected>>", lambda _e: self.on_refresh_queue())
        ttk.Label(panel, text=_("Đang phục vụ"), font=font(10)).pack(anchor="w", pady=(8, 0))
        self.ticket_label = ttk.Label(panel, text="—", font=font(40, "bold"),
                                      bootstyle="primary")
        self.ticket_label.pack(anchor="w")
        self.ticket_detail = ttk.Label(panel, text="", font=font(10), wraplength=330)
        self.ticket_detail.pack(anchor="w")
        grid = ttk.Frame(panel)
        grid.pack(fill="x", pady=6)
        self.queue_buttons = {}
        for i, (key, label, shortcut) in enumerate(QUEUE_ACTIONS):
            style = "primary" if key == "next" else ("success" if key == "done" else
                                                    "secondary")
            button = ttk.Button(grid, text=f"{label()} ({shortcut})", bootstyle=style,
                                width=15, command=lambda k=key: self.on_queue_action(k))
            button.grid(row=i // 2, column=i % 2, padx=2, pady=2, sticky="we")
            self.queue_buttons[key] = button
        row = ttk.Frame(panel)
        row.pack(fill="x")
        ttk.Label(row, text=_("Chuyển đến"), font=font(10)).pack(side="left")
        self.transfer_box = ttk.Combobox(row, state="readonly", width=24, font=font(10))
        self.transfer_box.pack(side="left", padx=6)
        ttk.Label(panel, text=_("Đang chờ"), font=font(11, "bold")).pack(anchor="w",
                                                                        pady=(8, 0))
        self.waiting_tree = ttk.Treeview(panel, columns=("group", "count", "next"),
                                         show="headings", height=4)
        for col, title, width in (("group", _("Nhóm"), 118), ("count", _("Số chờ"), 66),
                                  ("next", _("Số tiếp theo"), 146)):
            self.waiting_tree.heading(col, text=title)
            self.waiting_tree.column(col, width=width, stretch=False)
        self.waiting_tree.pack(fill="x")
        ttk.Label(panel, text=_("Đang tạm giữ (nhấp đúp để gọi)"), font=font(10)
                  ).pack(anchor="w", pady=(8, 0))
        self.held_list = tk.Listbox(panel, height=3, font=font(12))
        self.held_list.pack(fill="x")
        self.held_list.bind("<Double-Button-1>", lambda _e: self.on_call_held())
        self.queue_message = MessageBar(panel, wraplength=330)
        self.queue_message.pack(fill="x", pady=(6, 0))
        return panel

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
        # the PDF last saved (a form Mẫu 01-05, the declaration, the pages): opened in
        # the PDF viewer on request
        self.form_path = ""
        self.open_form_button = ttk.Button(side, text=_("Mở tệp PDF vừa lưu"),
                                           bootstyle="primary-outline", state="disabled",
                                           command=self.on_open_form)
        self.open_form_button.pack(fill="x", pady=(6, 0))
        return tab

    def create_papers_box(self, parent) -> ttk.Labelframe:
        """The selected dossier's scanned papers: page counts, view, print, add pages."""
        box = ttk.Labelframe(parent, text=_("Giấy tờ đã quét"), padding=(6, 2))
        box.columnconfigure(0, weight=1)
        self.papers_summary = ttk.Label(box, text="", font=font(10, "bold"))
        self.papers_summary.grid(row=0, column=0, sticky="w")
        self.paper_lines = ttk.Frame(box)
        self.paper_lines.grid(row=1, column=0, sticky="we")
        actions = ttk.Frame(box)
        actions.grid(row=2, column=0, sticky="we", pady=(3, 0))
        self.view_pages_button = ttk.Button(actions, text=_("Xem giấy tờ"),
                                            bootstyle="primary", command=self.on_view_pages)
        self.view_pages_button.pack(side="left")
        self.print_pages_button = ttk.Button(actions, text=_("In giấy tờ"),
                                             bootstyle="info-outline",
                                             command=self.on_print_pages)
        self.print_pages_button.pack(side="left", padx=(4, 0))
        self.declaration_button = ttk.Button(actions, text=_("In tờ khai"),
                                             bootstyle="info-outline",
                                             command=self.on_print_declaration)
        self.declaration_button.pack(side="left", padx=(4, 0))
        # a dossier received on a paper form, or a kiosk form the citizen got wrong
        self.edit_form_button = ttk.Button(actions, text=_("Điền/sửa tờ khai"),
                                           bootstyle="info-outline", command=self.on_edit_form)
        self.edit_form_button.pack(side="left", padx=(4, 0))
        adding = ttk.Frame(box)
        adding.grid(row=3, column=0, sticky="we", pady=(3, 2))
        ttk.Label(adding, text=_("Thêm trang vào"), font=font(10)).pack(side="left")
        self.add_paper_box = ttk.Combobox(adding, state="readonly", width=20, font=font(10))
        self.add_paper_box.pack(side="left", padx=4)
        self.add_file_button = ttk.Button(adding, text=_("Chọn tệp ảnh…"),
                                          bootstyle="info-outline",
                                          command=self.on_add_file_pages)
        self.add_file_button.pack(side="left")
        self.add_scan_button = ttk.Button(adding, text=_("Quét trang"),
                                          bootstyle="info-outline",
                                          command=self.on_scan_page)
        self.add_scan_button.pack(side="left", padx=(4, 0))
        self.paper_widgets = (self.view_pages_button, self.print_pages_button,
                              self.declaration_button, self.edit_form_button,
                              self.add_file_button,
                              self.add_scan_button)
        self.show_papers(None)
        return box

    def bind_keys(self) -> None:
        window = self.winfo_toplevel()
        keys = {f"<{shortcut}>": (lambda _e, k=key: self.on_queue_action(k))
                for key, _label, shortcut in QUEUE_ACTIONS}
        keys["<F8>"] = lambda _e: self.notebook.select(self.receive_tab)
        keys["<F9>"] = lambda _e: (self.notebook.select(self.find_tab), self.search.focus_set())
        keys["<F10>"] = lambda _e: self.on_save()
        for sequence, handler in keys.items():
            window.bind(sequence, handler)
        self._bound = list(keys)

    def destroy(self) -> None:
        try:
            window = self.winfo_toplevel()
            for sequence in getattr(self, "_bound", []):
                window.unbind(sequence)
            if self._refresh_job is not None:
                self.after_cancel(self._refresh_job)
        except tk.TclError:
            pass
        super().destroy()

    # --- loading -------------------------------------------------------------------------

    def load(self) -> None:
        tasks = self.shell.tasks
        tasks.submit(lambda: (tickets.list_counters(self.ctx), tickets.list_groups(self.ctx)),
                     on_done=self.on_setup_loaded)
        tasks.submit(catalogue.list_procedures, self.ctx, on_done=self.on_procedures_loaded)

    def on_setup_loaded(self, value) -> None:
        self.counters = [c for c in value[0] if c.active]
        self.groups = [g for g in value[1] if g.active]
        names = [c.name for c in self.counters]
        self.counter_box.configure(values=names)
        mine = getattr(self.shell.ctx.user, "counter", None)
        index = next((i for i, c in enumerate(self.counters) if c.number == mine), 0)
        if names:
            self.counter_box.current(index)
        else:
            self.queue_message.show(_("Chưa có quầy nào; cán bộ CNTT cần tạo quầy."), "warning")
        self.transfer_box.configure(values=[c.name for c in self.counters] + [
            _("Nhóm {prefix} – {name}").format(prefix=g.prefix, name=g.name)
            for g in self.groups])
        self.on_refresh_queue()
        # after the screen has its data: makes the first find by name quick
        self.shell.tasks.submit(intake.warm_up, self.ctx)

    def on_procedures_loaded(self, procedures) -> None:
        self.procedures = list(procedures)
        self.procedure_box.configure(values=[f"{p.code} — {p.name}" for p in self.procedures])

    # --- queue ---------------------------------------------------------------------------

    @property
    def counter_number(self) -> int | None:
        index = self.counter_box.current()
        if index < 0 or index >= len(self.counters):
            return None
        return self.counters[index].number

    def on_refresh_queue(self) -> None:
        if self._refresh_job is not None:
            self.after_cancel(self._refresh_job)
        self._refresh_job = self.after(QUEUE_REFRESH_MS, self.on_refresh_queue)
        self.shell.tasks.submit(tickets.queue_status, self.ctx, on_done=self.on_queue_status,
                                on_error=lambda m: self.queue_message.show(m, "error"))
        # a citizen may submit at the kiosk any time: the button says how many wait
        self.shell.tasks.submit(dossier_papers.kiosk_waiting_count, self.ctx,
                                on_done=self.on_kiosk_count, on_error=lambda _m: None)

    def on_queue_status(self, status) -> None:
        number = self.counter_number
        mine = next((c for c in status.counters if c.number == number), None)
        self.waiting_tree.delete(*self.waiting_tree.get_children())
        for g in status.groups:
            if mine is None or g.prefix in mine.groups:
                self.waiting_tree.insert("", "end", values=(
                    f"{g.prefix} – {g.name}", g.waiting, ", ".join(g.next_tickets) or "—"))
        self.held_list.delete(0, "end")
        if mine is not None:
            for number_text in mine.on_hold:
                self.held_list.insert("end", number_text)
            self.show_ticket(mine.now_serving)

    def show_ticket(self, ticket) -> None:
        self.current_ticket = ticket
        if ticket is None:
            self.ticket_label.configure(text="—")
            self.ticket_detail.configure(text=_("Chưa gọi ai. Bấm «Gọi số tiếp» (F2)."))
            return
        self.ticket_label.configure(text=ticket.number)
        detail = f"{ticket.group_name} · {ticket.status_label}"
        if ticket.priority:
            detail += " · " + _("ưu tiên")
        self.ticket_detail.configure(text=detail)

    def on_queue_action(self, key: str) -> None:
        number = self.counter_number
        if number is None:
            self.queue_message.show(_("Hãy chọn quầy trước."), "error")
            return
        ctx = self.ctx
        if key == "next":
            call = (tickets.call_next, (ctx, number), {})
        elif key == "recall":
            call = (tickets.recall, (ctx,), {"counter": number})
        elif key == "skip":
            call = (tickets.skip, (ctx,), {"counter": number})
        elif key == "hold":
            call = (tickets.hold, (ctx,), {"counter": number})
        elif key == "done":
            call = (tickets.finish, (ctx,), {"counter": number})
        else:  # transfer
            index = self.transfer_box.current()
            if index < 0:
                self.queue_message.show(_("Chọn quầy hoặc nhóm ở ô «Chuyển đến» rồi bấm "
                                          "Chuyển."), "error")
                return
            target = ({"to_counter": self.counters[index].number} if index < len(self.counters)
                      else {"to_group": self.groups[index - len(self.counters)].prefix})
            call = (tickets.transfer, (ctx,), {"counter": number, **target})
        fn, args, kwargs = call
        self.shell.tasks.submit(fn, *args, **kwargs,
                                on_done=lambda t, k=key: self.on_ticket_changed(k, t),
                                on_error=lambda m: self.queue_message.show(m, "error"))

    def on_call_held(self) -> None:
        selection = self.held_list.curselection()
        number = self.counter_number
        if not selection or number is None:
            return
        self.shell.tasks.submit(tickets.call_ticket, self.ctx, self.held_list.get(selection[0]),
                                number, on_done=lambda t: self.on_ticket_changed("next", t),
                                on_error=lambda m: self.queue_message.show(m, "error"))

    def on_ticket_changed(self, key: str, ticket) -> None:
        messages = {
            "next": _("Đã gọi số {n}."), "recall": _("Đã gọi lại số {n}."),
            "skip": _("Số {n}: vắng mặt."), "hold": _("Đã tạm giữ số {n}."),
            "transfer": _("Đã chuyển số {n}."), "done": _("Số {n}: đã phục vụ xong."),
        }
        self.queue_message.show(messages[key].format(n=ticket.number), "ok")
        # the call is said by the display board (this machine's or another one's), which
        # reads every call once through its cursor: saying it here too would double it
        self.on_refresh_queue()

    # --- receiving -----------------------------------------------------------------------

    def on_scan(self, text: str) -> None:
        """A scanner burst or a decoded image: a CCCD card fills the form, a receipt QR
        opens the dossier."""
        try:
            result = citizens.classify_qr_text(text, "keyboard")
        except UserError as exc:  # the card's own precise message (mangled, bad date...)
            self.notebook.select(self.receive_tab)
            self.receive_message.show(str(exc), "error")
            return
        self.on_scan_result(result)

    def on_scan_result(self, result) -> None:
        if result.kind == "cccd":
            self.notebook.select(self.receive_tab)
            self.fill_citizen(result.citizen, result.text)
        elif result.kind == "receipt":
            self.notebook.select(self.find_tab)
            set_entry(self.search, result.dossier_code)
            self.on_search()
        else:
            self.receive_message.show(
                _("Mã vừa quét không phải mã QR thẻ CCCD hay phiếu hẹn: «{text}». Hãy quét "
                  "đúng mã QR ở mặt trước thẻ CCCD.").format(text=result.text[:60]), "error")

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
        if self.current_ticket is not None:
            self.shell.tasks.submit(tickets.link_dossier, self.ctx, self.current_ticket.id,
                                    info.code)
        self.shell.tasks.submit(jobs.print_receipt, self.ctx, info.code,
                                on_done=lambda job: self.on_printed(info.code, job),
                                on_error=lambda m: self.receive_message.show(m, "error"))

    def on_printed(self, code: str, job) -> None:
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

    # --- finding -------------------------------------------------------------------------

    def on_search_return(self, event):
        if self.shell.scanner.looks_like_scan(event):
            return None  # the scanner's burst: the window-wide handler takes it
        self.on_search()
        return "break"

    def on_search(self) -> None:
        self.find_message.show(_("Đang tìm…"))
        self.shell.tasks.submit(intake.find_dossiers, self.ctx, self.search.get(),
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
                short_time(d.due_at), intake.sync_label(d.sync_state),
                channel_label(d.channel))

    @staticmethod
    def row_tags(d) -> tuple:
        # a kiosk dossier nobody has taken up yet stands out in the list
        return ("kiosk",) if d.channel == "kiosk" and d.status == "received" else ()

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
        self.detail_text.configure(state="normal")
        self.detail_text.delete("1.0", "end")
        if info is not None:
            lines = dossier_lines(info)
            lines.append(_("Đồng bộ: {s}").format(s=intake.sync_label(info.sync_state)))
            self.detail_text.insert("1.0", "\n".join(lines))
        self.detail_text.configure(state="disabled")
        for child in self.lifecycle.winfo_children():
            child.destroy()
        self.show_papers(None)
        if info is None:
            return
        self.load_papers(info.code)
        for i, (status, label, _needs_note) in enumerate(intake.next_statuses(info.status)):
            ttk.Button(self.lifecycle, text=label, bootstyle="primary-outline",
                       command=lambda s=status: self.on_advance(s)
                       ).grid(row=i // 2, column=i % 2, sticky="we", padx=2, pady=2)
        extra = len(intake.next_statuses(info.status))
        if info.status not in ("done", "returned", "refused", "withdrawn"):
            ttk.Button(self.lifecycle, text=_("Gia hạn (Mẫu 04)"), bootstyle="warning-outline",
                       command=self.on_reschedule).grid(row=extra // 2 + 1, column=0,
                                                        sticky="we", padx=2, pady=2)
        ttk.Button(self.lifecycle, text=_("In lại phiếu hẹn"), bootstyle="info-outline",
                   command=self.on_reprint).grid(row=extra // 2 + 1, column=1, sticky="we",
                                                 padx=2, pady=2)
        # "In lại phiếu": any of the A5 forms Mẫu 01-05 on the office printer
        reprint = ttk.Menubutton(self.lifecycle, text=_("In lại phiếu (Mẫu 01–05)"),
                                 bootstyle="info-outline")
        self.reprint_menu = tk.Menu(reprint, tearoff=False, font=font(10))
        for number, title in office_forms.form_titles():
            self.reprint_menu.add_command(
                label=_("Mẫu {n} – {title}").format(n=number, title=title),
                command=lambda n=number: self.print_form(info.code, n))
        reprint.configure(menu=self.reprint_menu)
        reprint.grid(row=extra // 2 + 2, column=0, columnspan=2, sticky="we", padx=2, pady=2)

    def on_advance(self, status: str) -> None:
        info = self.selected
        if info is None:
            return
        self.shell.tasks.submit(dossiers.advance_dossier, self.ctx, info.code, status,
                                note=self.note.get(), on_done=self.on_advanced,
                                on_error=lambda m: self.find_message.show(m, "error"))

    def on_advanced(self, info, step: str | None = None) -> None:
        """After a life-cycle step (``step``: the new status, or "rescheduled")."""
        self.note.delete(0, "end")
        self.find_message.show(_("Hồ sơ {code}: {label}.").format(code=info.code,
                                                                 label=info.status_label), "ok")
        form = office_forms.form_for(step or info.status)
        if form is not None:  # Mẫu 02 / 03 / 04 for the citizen, on the office printer
            self.print_form(info.code, form)
        if info.status == "returned":
            self.shell.tasks.submit(jobs.print_return_slip, self.ctx, info.code,
                                    on_done=lambda _job: self.shell.refresh_print_state(),
                                    on_error=lambda m: self.find_message.show(m, "error"))
        self.replace_found(info)

    def replace_found(self, info) -> None:
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

    def on_form_printed(self, result) -> None:
        kind = {"printed": "ok", "saved": "info"}.get(result.status, "warning")
        self.find_message.show(result.message, kind)
        self.form_path = result.path
        self.open_form_button.configure(state="normal")

    def on_open_form(self) -> None:
        if self.form_path:
            self.shell.tasks.submit(office_forms.open_file, self.form_path,
                                    on_error=lambda m: self.find_message.show(m, "error"))

    # --- scanned papers ------------------------------------------------------------------

    def load_papers(self, code: str) -> None:
        self.shell.tasks.submit(dossier_papers.papers_summary, self.ctx, code,
                                on_done=self.on_papers_loaded,
                                on_error=lambda m: self.papers_summary.configure(
                                    text=m, bootstyle="danger"))

    def on_papers_loaded(self, papers) -> None:
        if self.selected is None or self.selected.code != papers.code:
            return  # the clerk has moved on to another dossier meanwhile
        self.show_papers(papers)

    def show_papers(self, papers) -> None:
        """Page counts per paper (a required paper without pages in red) and the buttons
        that make sense for them; ``None``: nothing selected or still loading."""
        self.papers = papers
        for child in self.paper_lines.winfo_children():
            child.destroy()
        if papers is None:
            self.papers_summary.configure(text="", bootstyle="default")
            self.add_paper_box.configure(values=[])
            self.add_paper_box.set("")
            for widget in self.paper_widgets:
                widget.configure(state="disabled")
            return
        summary = _("Kênh nộp: {channel} · {n} trang đã quét").format(
            channel=papers.channel_label, n=papers.total_pages)
        summary += " · " + (_("có tờ khai điện tử") if papers.has_form
                            else _("không có tờ khai điện tử"))
        self.papers_summary.configure(text=summary, bootstyle="default")
        # papers handed in on paper at the counter: a page count per paper says nothing
        shown = papers.papers if papers.total_pages or papers.scans_expected else ()
        if not shown:
            ttk.Label(self.paper_lines, text=_("Giấy tờ nộp bản giấy; chưa quét trang nào."),
                      font=font(10)).grid(row=0, column=0, sticky="w")
        for i, paper in enumerate(shown):
            ttk.Label(self.paper_lines, text="• " + paper.text, font=font(10),
                      wraplength=570, bootstyle="danger" if paper.missing else "default"
                      ).grid(row=i, column=0, sticky="w")
        self.add_paper_box.configure(values=[p.name for p in papers.papers])
        if papers.papers:
            # the paper most likely to get pages: a missing one, else a scanned (not e-form) one
            lines = list(papers.papers)
            first = next((p for p in lines if p.missing), None) or next(
                (p for p in lines if not p.e_form), lines[0])
            self.add_paper_box.current(lines.index(first))
        has_pages = "normal" if papers.total_pages else "disabled"
        self.view_pages_button.configure(state=has_pages)
        self.print_pages_button.configure(state=has_pages)
        self.declaration_button.configure(state="normal" if papers.has_form else "disabled")
        self.edit_form_button.configure(state="normal" if papers.form_available else "disabled")
        can_add = "normal" if papers.papers else "disabled"
        self.add_file_button.configure(state=can_add)
        self.add_scan_button.configure(state=can_add)

    def on_view_pages(self) -> None:
        from sadec_desk.views.pages import PagesWindow

        info = self.selected
        if info is None:
            return
        window = getattr(self, "pages_window", None)
        if window is not None and window.alive:
            if window.reference == info.code:
                window.window.lift()
                return
            window.close()  # one viewer at a time: the pages of the dossier on screen
        self.pages_window = PagesWindow(self.shell.root, self.shell, info.code)

    def on_print_pages(self) -> None:
        info = self.selected
        if info is not None:
            self.print_pdf(_("Hồ sơ {code}: đang in giấy tờ…").format(code=info.code),
                           store.print_pages, info.code)

    def on_print_declaration(self) -> None:
        """The filled declaration form for the citizen to sign (office printer or PDF)."""
        info = self.selected
        if info is not None:
            self.print_pdf(_("Hồ sơ {code}: đang in tờ khai…").format(code=info.code),
                           eforms.print_declaration, info.code)

    def on_edit_form(self) -> None:
        from sadec_desk.views.eform import FormEditor

        info = self.selected
        if info is not None:
            self.form_editor = FormEditor(self.shell.root, self.shell, info.code,
                                          on_saved=lambda _form: self.load_papers(info.code))

    def chosen_paper(self):
        index = self.add_paper_box.current()
        if self.papers is None or not 0 <= index < len(self.papers.papers):
            self.find_message.show(_("Chọn giấy tờ cần thêm trang ở ô «Thêm trang vào»."),
                                   "error")
            return None
        return self.papers.papers[index]

    def on_add_file_pages(self) -> None:
        """A supplement brought to the counter as photos or scans on a USB stick."""
        paper, info = self.chosen_paper(), self.selected
        if paper is None or info is None:
            return
        paths = filedialog.askopenfilenames(
            parent=self, title=_("Chọn ảnh các trang của «{paper}»").format(paper=paper.name),
            filetypes=[(_("Ảnh"), "*.png *.jpg *.jpeg *.tif *.tiff *.bmp *.webp"),
                       (_("Tất cả"), "*")])
        if not paths:
            return
        self.find_message.show(_("Đang thêm {n} trang…").format(n=len(paths)))
        self.shell.tasks.submit(dossier_papers.add_file_pages, self.ctx, info.code,
                                paper.index, list(paths),
                                on_done=lambda pages: self.on_pages_added(info.code, paper,
                                                                          pages),
                                on_error=lambda m: self.find_message.show(m, "error"))

    def on_scan_page(self) -> None:
        paper, info = self.chosen_paper(), self.selected
        if paper is None or info is None:
            return
        self.find_message.show(_("Đang quét trang… (đặt giấy lên máy quét)"))
        self.add_scan_button.configure(state="disabled")  # one scan at a time
        self.shell.tasks.submit(dossier_papers.add_scanned_page, self.ctx, info.code,
                                paper.index,
                                on_done=lambda page: self.on_pages_added(info.code, paper,
                                                                         [page]),
                                on_error=self.on_scan_failed)

    def on_scan_failed(self, message: str) -> None:
        self.add_scan_button.configure(state="normal")
        self.find_message.show(message, "error")

    def on_pages_added(self, code: str, paper, pages) -> None:
        self.find_message.show(_("Đã thêm {n} trang vào «{paper}» của hồ sơ {code}.").format(
            n=len(pages), paper=paper.name, code=code), "ok")
        if self.selected is not None and self.selected.code == code:
            self.load_papers(code)

"""The scanned-papers box of the counter's find tab: the selected dossier's papers with
their page counts (a required paper without pages in red), viewing and printing them,
printing or editing the declaration form, and adding pages from image files or the
document scanner.

A part of :class:`sadec_desk.views.counter.screen.CounterView` (see there for how the
parts share the view): owns ``papers_summary``, ``paper_lines``, ``add_paper_box``, the
buttons in ``paper_widgets`` and the state ``papers``; reads ``selected`` and writes to
``find_message`` of the find tab, and prints through its ``print_pdf``.
"""

from __future__ import annotations

import ttkbootstrap as ttk

from sadec_desk.i18n import _
from sadec_desk.services.pages import dossier_pages
from sadec_desk.services.reception import eforms
from sadec_desk.services.reception import papers as dossier_papers
from sadec_desk.views.file_dialog import ask_open_files
from sadec_desk.views.widgets import font


class PapersBox:
    """The scanned-papers box of the counter view (a mixin of CounterView)."""

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
                           dossier_pages.print_pages, info.code)

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
        ask_open_files(self, title=_("Chọn ảnh các trang của «{paper}»").format(
                           paper=paper.name),
                       patterns=("*.png", "*.jpg", "*.jpeg", "*.tif", "*.tiff", "*.bmp",
                                 "*.webp"),
                       on_chosen=lambda paths: self.on_page_files(paper, info, paths))

    def on_page_files(self, paper, info, paths: list[str]) -> None:
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

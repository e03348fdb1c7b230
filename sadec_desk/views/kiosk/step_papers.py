"""Step 4 of the kiosk's submission: one paper per screen, its pages added from the
scanner, the camera or a file, shown as thumbnails that open large."""

from __future__ import annotations

import tkinter as tk

from sadec_desk.i18n import _
from sadec_desk.services.kiosk import submission, usb_files
from sadec_desk.views.kiosk.flow_frame import (
    BG,
    GREY,
    NAVY,
    RED,
    STEP_PAPERS,
    create_button,
)
from sadec_desk.views.kiosk.scale import kfont, portrait, px
from sadec_desk.views.kiosk.usb_picker import UsbPicker
from sadec_desk.views.pages import (
    TOUCH_THUMB,
    PageStrip,
    fitted_page,
    load_thumbnails,
    photo_image,
    release_tk_objects_image,
)
from sadec_desk.views.widgets import release_tk_objects

#: a page opened from its thumbnail, at most this big (px)
PREVIEW_SIZE = (900, 540)


class PapersStep:
    """A mixin of :class:`~sadec_desk.views.kiosk.submission.SubmissionFlow`."""

    def show_papers(self, position: int = 0) -> None:
        """One paper per screen (a kiosk shows one thing at a time): its buttons and the
        thumbnails of its pages; "Tiếp tục" goes to the next paper, then to the review."""
        self.clear()
        self.set_step(STEP_PAPERS)
        self.files_allowed = usb_files.files_allowed(self.ctx)
        papers = self.procedure.papers
        self.paper_position = position = max(0, min(position, len(papers) - 1))
        if len(papers) > 1:
            tk.Label(self.content, text=_("Giấy tờ {n}/{total}").format(
                n=position + 1, total=len(papers)), font=kfont(16, "bold"), bg=BG,
                fg="#455a64").pack()
        tk.Label(self.content, text=_("Đặt giấy tờ lên máy quét, mặt cần quét úp xuống, rồi bấm "
                                      "«Quét giấy tờ»."),
                 font=kfont(18), bg=BG, fg=NAVY, wraplength=px(1200)).pack(pady=(2, 6))
        self.paper_rows = {}
        for paper in papers[position:position + 1]:
            row = tk.Frame(self.content, background="white", bd=1, relief="solid", padx=12,
                           pady=8)
            row.pack(fill="x", pady=4)
            top = tk.Frame(row, background="white")
            top.pack(fill="x")
            mark = _("(bắt buộc)") if paper.required else _("(nếu có)")
            tk.Label(top, text=f"{paper.name} — {paper.kind_label} {mark}",
                     font=kfont(16, "bold"), bg="white", fg=RED if paper.required else NAVY,
                     wraplength=px(760), justify="left", anchor="w").pack(
                side="top" if portrait() else "left", fill="x", expand=True)
            buttons = tk.Frame(top, background="white")
            # portrait: the buttons under the paper's name (side by side they cut it)
            buttons.pack(side="top" if portrait() else "right", anchor="e")
            scan = create_button(buttons, _("Quét giấy tờ"), lambda i=paper.index: self.on_add(
                i, "scanner"), size=15, width=10)
            scan.pack(side="left", padx=4)
            photo = create_button(buttons, _("Chụp ảnh"), lambda i=paper.index: self.on_add(
                i, "camera"), bg="#00695c", size=15, width=8)
            photo.pack(side="left", padx=4)
            pick = None
            if self.files_allowed:
                pick = create_button(buttons, _("Tệp từ USB"), lambda i=paper.index: self.on_add(
                    i, "file"), bg="#4527a0", size=15, width=10)
                pick.pack(side="left", padx=4)
            strip = PageStrip(row, on_remove=lambda page: self.on_remove(page.id),
                              on_open=self.on_open_page, touch=True, columns=7, rows=1)
            strip.pack(fill="x", pady=(4, 0))
            self.paper_rows[paper.index] = {"scan": scan, "camera": photo, "file": pick,
                                            "strip": strip}
        self.create_footer(next_text=_("Tiếp tục ›"), on_next=self.on_papers_next)
        self.refresh_pages()

    def on_add(self, paper_index: int, source: str) -> None:
        if self.busy or self.draft is None:
            return
        self.kiosk.touched()
        code = self.procedure.code
        if source == "file":
            # never a desktop file window on the public kiosk: a touch list of the USB
            # stick's images and PDFs, nothing of the PC's own folders
            self.close_usb_picker()
            self.usb_picker = UsbPicker(self, on_pick=lambda path: self.on_usb_file(
                paper_index, path), on_close=self.kiosk.touched)
            return
        if source == "camera":
            self.say(_("Giữ giấy tờ trước máy ảnh… đang chụp."), ok=True)
            call, args = submission.camera_page, ()
        else:
            self.say(_("Đang quét… xin đừng nhấc giấy tờ."), ok=True)
            call, args = submission.scan_page, ()
        # a scan takes seconds: the buttons show that the kiosk is at it
        self.set_paper_buttons("disabled")
        self.run(call, self.ctx, self.draft, code, paper_index, *args,
                 on_done=self.on_page_added, on_error=self.on_add_failed)

    def on_usb_file(self, paper_index: int, path: str) -> None:
        self.usb_picker = None
        if self.busy or self.draft is None or self.step != STEP_PAPERS:
            return
        self.kiosk.touched()
        self.say(_("Đang đọc tệp từ USB…"), ok=True)
        self.set_paper_buttons("disabled")
        self.run(submission.file_page, self.ctx, self.draft, self.procedure.code, paper_index,
                 path, on_done=self.on_pages_added, on_error=self.on_add_failed)

    def close_usb_picker(self) -> None:
        picker, self.usb_picker = getattr(self, "usb_picker", None), None
        if picker is not None:
            picker.destroy()

    def set_paper_buttons(self, state: str) -> None:
        for row in getattr(self, "paper_rows", {}).values():
            for name in ("scan", "camera", "file"):
                if row[name] is not None and row[name].winfo_exists():
                    row[name].configure(state=state)

    def on_pages_added(self, pages: list) -> None:
        """The pages a USB file gave (a PDF: several)."""
        if len(pages) == 1:
            self.on_page_added(pages[0])
            return
        self.set_paper_buttons("normal")
        self.say(_("Đã thêm {n} trang của «{paper}».").format(
            n=len(pages), paper=pages[0].paper_name), ok=True)
        self.refresh_pages()

    def on_page_added(self, page) -> None:
        self.set_paper_buttons("normal")
        self.say(_("Đã thêm trang {n} của «{paper}».").format(n=page.position,
                                                               paper=page.paper_name), ok=True)
        self.refresh_pages()

    def on_open_page(self, page) -> None:
        """A touch on a thumbnail: the page large, to check that it reads well."""
        self.kiosk.touched()
        self.run(fitted_page, self.ctx, page.id, *PREVIEW_SIZE, blocking=False,
                 on_done=lambda result: self.show_page(page, result))

    def show_page(self, page, result) -> None:
        if self.step != STEP_PAPERS:
            return
        png, _width, _height = result
        self.close_page()
        panel = tk.Frame(self.kiosk.window, background="white", bd=3, relief="ridge",
                         padx=16, pady=10)
        panel.place(relx=0.5, rely=0.5, anchor="center")
        self.page_image = photo_image(png, master=panel)
        tk.Label(panel, image=self.page_image, bg="white").pack()
        tk.Label(panel, text=_("{paper} — trang {n}").format(paper=page.paper_name,
                                                              n=page.position),
                 font=kfont(14), bg="white", fg=NAVY, wraplength=px(900)).pack(pady=(4, 4))
        self.page_close_button = create_button(panel, _("Đóng"), self.close_page, bg=GREY)
        self.page_close_button.pack()
        self.page_panel = panel

    def close_page(self) -> None:
        panel, self.page_panel = getattr(self, "page_panel", None), None
        if panel is not None and panel.winfo_exists():
            release_tk_objects(panel)
            panel.destroy()
        image, self.page_image = getattr(self, "page_image", None), None
        if image is not None:
            release_tk_objects_image(image)

    def on_add_failed(self, message: str) -> None:
        """The scanner, camera or file failed: its sentence, and every button stays (a
        photo or a file when the scanner is unavailable)."""
        self.set_paper_buttons("normal")
        self.say(message)

    def refresh_pages(self) -> None:
        if self.draft is None:
            return
        self.run(self.load_thumbnails, self.draft, on_done=self.show_pages, blocking=False)

    def load_thumbnails(self, draft: str) -> list:
        """(page, PNG thumbnail) of the draft's pages (worker thread)."""
        return load_thumbnails(self.ctx, submission.pages(self.ctx, draft), TOUCH_THUMB)

    def show_pages(self, loaded: list) -> None:
        self.page_list = [page for page, _png in loaded]
        if self.step != STEP_PAPERS:
            return
        for index, row in self.paper_rows.items():
            row["strip"].show([(page, png) for page, png in loaded
                               if page.paper_index == index])

    def on_remove(self, page_id: int) -> None:
        if self.busy:
            return
        self.kiosk.touched()
        self.run(submission.remove_page, self.ctx, self.draft, page_id,
                 on_done=lambda _none: self.refresh_pages())

    def on_papers_next(self) -> None:
        if self.busy:
            return
        self.run(submission.missing_papers, self.ctx, self.draft, self.procedure.code,
                 on_done=self.on_papers_checked)

    def on_papers_checked(self, missing: list) -> None:
        if self.step != STEP_PAPERS:
            return
        paper = self.procedure.papers[self.paper_position]
        if paper.name in missing:
            self.say(_("Còn thiếu giấy tờ bắt buộc: {names}.").format(names=paper.name))
            return
        if self.paper_position < len(self.procedure.papers) - 1:
            self.show_papers(self.paper_position + 1)
            return
        if missing:
            self.say(_("Còn thiếu giấy tờ bắt buộc: {names}.").format(names="; ".join(missing)))
            return
        self.load_review()

"""Scanned pages on screen: a strip of thumbnails, and the clerk's page viewer.

- :class:`PageStrip`: the thumbnails of one paper's pages, each with a remove button
  (touch-sized at the kiosk, compact at the counter). It only shows what it is given:
  :func:`load_thumbnails` (run it in the worker) reads the PNGs, :meth:`PageStrip.show`
  makes the Tk images on the Tk thread.
- :class:`PagesWindow`: a dossier's papers with their pages, the chosen page fitted to
  the window, previous/next (also ← →), "In giấy tờ" (office printer, or the PDF is
  saved) and "Lưu PDF…"; the result documents attached ("Đính kèm kết quả…") are listed
  under the papers, and one picked there can be taken out ("Bỏ kết quả…", after a
  question). Pictures are read and scaled in the worker; the Tk thread only turns
  finished bytes into images.
"""

from __future__ import annotations

import base64
import io
import tkinter as tk
from collections.abc import Callable
from functools import partial

import ttkbootstrap as ttk
from PIL import Image

from sadec_desk.errors import UserError
from sadec_desk.i18n import _
from sadec_desk.services.documents import office_forms
from sadec_desk.services.pages import dossier_pages, results, store
from sadec_desk.views.dialogs import AskDialog, Choice
from sadec_desk.views.file_dialog import ask_open_file, ask_save_file
from sadec_desk.views.widgets import MessageBar, font, release_tk_objects

TOUCH_THUMB = 150  # px, long side of a thumbnail at the kiosk
COMPACT_THUMB = 96  # px, at the counter
RESIZE_DELAY_MS = 150  # a window being resized is redrawn once it stops


def load_thumbnails(ctx, pages, size: int) -> list[tuple[store.PageInfo, bytes]]:
    """(page, PNG) for each page; call it in the worker (it reads files). A page that
    cannot be shown (an online dossier's page still coming from the portal, a damaged
    file) gets a blank stand-in, so the others still show; opening it says why."""
    loaded = []
    for page in pages:
        try:
            png = store.thumbnail(ctx, page.id, size)
        except UserError:
            png = store.placeholder_thumbnail(size)
        loaded.append((page, png))
    return loaded


def shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def photo_image(png: bytes, master=None) -> tk.PhotoImage:
    """A Tk image of PNG bytes (Tk thread only)."""
    return tk.PhotoImage(master=master, data=base64.b64encode(png).decode("ascii"))


class PageStrip(ttk.Frame):
    """A row of page thumbnails of one paper, wrapping into lines when it is full.

    ``on_remove(page)`` adds a remove button under each thumbnail; ``on_open(page)`` is
    called when a thumbnail is clicked. ``touch=True`` (kiosk) makes big thumbnails and
    buttons a finger can hit; ``touch=False`` (counter) keeps them small."""

    def __init__(self, parent, *, on_remove: Callable | None = None,
                 on_open: Callable | None = None, touch: bool = True, columns: int = 6,
                 rows: int | None = None, empty_text: str | None = None, **kw):
        super().__init__(parent, **kw)
        self.on_remove, self.on_open = on_remove, on_open
        self.touch, self.columns = touch, columns
        # with ``rows``, at most rows × columns thumbnails show at once, with buttons to the
        # earlier and later ones (a 20-page copy must not push the kiosk's buttons away)
        self.capacity = rows * columns if rows else None
        self.first = 0  # index of the first thumbnail shown
        self.loaded: list[tuple[store.PageInfo, bytes]] = []
        self.thumb_size = TOUCH_THUMB if touch else COMPACT_THUMB
        self.empty_text = empty_text if empty_text is not None else _("Chưa có trang nào.")
        self.images: dict[int, tk.PhotoImage] = {}
        self.remove_buttons: dict[int, tk.Button | ttk.Button] = {}
        self.thumb_labels: dict[int, ttk.Label] = {}
        self.pages: list[store.PageInfo] = []
        self.show([])

    def show(self, loaded: list[tuple[store.PageInfo, bytes]]) -> None:
        """Show these (page, PNG) pairs instead of what is shown now: with a capacity, the
        last screenful, where a page just added is."""
        self.loaded = list(loaded)
        if self.capacity:
            self.first = max(0, (len(loaded) - 1) // self.capacity * self.capacity)
        self._draw()

    def on_earlier(self) -> None:
        self.first = max(0, self.first - self.capacity)
        self._draw()

    def on_later(self) -> None:
        self.first = min(self.first + self.capacity, max(0, len(self.loaded) - 1))
        self._draw()

    def _draw(self) -> None:
        loaded = self.loaded
        for child in list(self.winfo_children()):
            release_tk_objects(child)
            child.destroy()
        for image in self.images.values():
            release_tk_objects_image(image)
        self.images, self.remove_buttons, self.thumb_labels = {}, {}, {}
        self.pages = [page for page, _png in loaded]
        if not loaded:
            ttk.Label(self, text=self.empty_text, font=font(13 if self.touch else 10),
                      foreground="#78909c").grid(row=0, column=0, sticky="w", pady=4)
            return
        pad = 8 if self.touch else 3
        shown = loaded[self.first:self.first + self.capacity] if self.capacity else loaded
        if len(shown) < len(loaded):
            self.create_paging(len(loaded), len(shown))
        for number, (page, png) in enumerate(shown):
            cell = ttk.Frame(self, padding=2)
            cell.grid(row=number // self.columns, column=number % self.columns, padx=pad,
                      pady=pad, sticky="n")
            image = photo_image(png, master=self)
            self.images[page.id] = image
            thumb = ttk.Label(cell, image=image, borderwidth=1, relief="solid",
                              cursor="hand2" if self.on_open else "")
            thumb.pack()
            self.thumb_labels[page.id] = thumb
            if self.on_open is not None:
                thumb.bind("<Button-1>", lambda _e, p=page: self.on_open(p))
            ttk.Label(cell, text=_("Trang {n}").format(n=page.position),
                      font=font(12 if self.touch else 9)).pack()
            if self.on_remove is not None:
                text = _("✕ Bỏ trang {n}").format(n=page.position)
                command = partial(self.on_remove, page)
                if self.touch:  # a finger-sized button (ttk buttons take no font)
                    button = tk.Button(cell, text=text, command=command,
                                       font=font(13, "bold"), bg="#c62828", fg="white",
                                       activebackground="#8e0000", activeforeground="white",
                                       relief="flat", padx=10, pady=10, cursor="hand2")
                else:
                    button = ttk.Button(cell, text=text, command=command,
                                        bootstyle="danger-outline", padding=(4, 1))
                button.pack(fill="x", pady=(4, 0))
                self.remove_buttons[page.id] = button

    def create_paging(self, total: int, shown: int) -> None:
        """'◀ Các trang trước' · 'Trang 15–20 / 20' · 'Các trang sau ▶' under the thumbnails."""
        bar = ttk.Frame(self)
        bar.grid(row=99, column=0, columnspan=self.columns, sticky="w", pady=(2, 0))
        size = 13 if self.touch else 9
        self.earlier_button = tk.Button(
            bar, text=_("◀ Các trang trước"), font=font(size, "bold"), command=self.on_earlier,
            state="normal" if self.first > 0 else "disabled", padx=10, pady=6 if self.touch
            else 1)
        self.earlier_button.pack(side="left")
        ttk.Label(bar, text=_("Trang {first}–{last} / {total}").format(
            first=self.first + 1, last=self.first + shown, total=total),
            font=font(size)).pack(side="left", padx=12)
        self.later_button = tk.Button(
            bar, text=_("Các trang sau ▶"), font=font(size, "bold"), command=self.on_later,
            state="normal" if self.first + shown < total else "disabled", padx=10,
            pady=6 if self.touch else 1)
        self.later_button.pack(side="left")

    def destroy(self) -> None:
        for image in self.images.values():
            release_tk_objects_image(image)
        self.images = {}
        super().destroy()


def release_tk_objects_image(image: tk.PhotoImage) -> None:
    """Free one Tk image now, on the Tk thread (see widgets.release_tk_objects)."""
    release_tk_objects(_Holder(image))


class _Holder:
    def __init__(self, image):
        self.image = image


def fitted_page(ctx, page_id: int, width: int, height: int) -> tuple[bytes, int, int]:
    """The page scaled to fit ``width``×``height`` as a PNG (worker thread)."""
    data = store.read_page(ctx, page_id)
    image = Image.open(io.BytesIO(data)).convert("L")
    scale = min(width / image.width, height / image.height, 1.0)
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    if size != image.size:
        image = image.resize(size, Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, "PNG", compress_level=1)
    return out.getvalue(), image.width, image.height


class PagesWindow:
    """The clerk's viewer of a dossier's scanned papers."""

    def __init__(self, root, shell, reference: str):
        self.shell, self.ctx, self.reference = shell, shell.ctx, reference
        self.window = ttk.Toplevel(root)
        self.window.title(_("Giấy tờ của hồ sơ {code}").format(code=reference))
        self.window.geometry("1180x720")
        self.window.minsize(800, 520)
        self.window.protocol("WM_DELETE_WINDOW", self.close)
        self.alive = True
        self.papers: list[dossier_pages.PaperPages] = []
        self.pages: list[tuple[dossier_pages.PaperPages, store.PageInfo]] = []
        self.results: list[results.ResultInfo] = []
        self.current = -1  # index into self.pages
        self.image: tk.PhotoImage | None = None
        self._resize_job = None
        self._shown_size = (0, 0)
        self.print_result = None
        self.saved_pdf: str | None = None
        self.create_header()
        self.create_body()
        self.create_footer()
        self.window.bind("<Left>", lambda _e: self.on_previous())
        self.window.bind("<Right>", lambda _e: self.on_next())
        self.window.bind("<Escape>", lambda _e: self.close())
        # the arrows and Escape are for this window as soon as it opens (without a window
        # manager giving it the focus, they went to the counter behind it)
        self.window.focus_force()
        self.message.show(_("Đang tải giấy tờ…"))
        shell.tasks.submit(dossier_pages.papers_of, self.ctx, reference,
                           on_done=self.on_papers, on_error=self.on_error)

    # --- building ------------------------------------------------------------------------

    def create_header(self) -> None:
        top = ttk.Frame(self.window, padding=(10, 8))
        top.pack(fill="x")
        self.title = ttk.Label(top, text=_("Giấy tờ của hồ sơ {code}").format(
            code=self.reference), font=font(15, "bold"))
        self.title.pack(side="left")
        self.message = MessageBar(self.window, wraplength=1100)
        self.message.pack(fill="x", padx=10)

    def create_body(self) -> None:
        body = ttk.Frame(self.window, padding=(10, 4))
        body.pack(fill="both", expand=True)
        left = ttk.Frame(body)
        left.pack(side="left", fill="y")
        ttk.Label(left, text=_("Giấy tờ và trang"), font=font(11, "bold")).pack(anchor="w")
        self.tree = ttk.Treeview(left, show="tree", selectmode="browse", height=18)
        self.tree.column("#0", width=350)
        self.tree.pack(fill="y", expand=True, pady=(4, 0))
        self.tree.bind("<<TreeviewSelect>>", self.on_tree_select)
        right = ttk.Frame(body)
        right.pack(side="left", fill="both", expand=True, padx=(10, 0))
        self.page_label = ttk.Label(right, text="", font=font(11, "bold"))
        self.page_label.pack(anchor="w")
        self.canvas = tk.Canvas(right, background="#5f6b73", highlightthickness=0)
        self.canvas.pack(fill="both", expand=True, pady=(4, 0))
        self.canvas.bind("<Configure>", self.on_canvas_resized)
        self.strip = PageStrip(right, touch=False, on_open=self.on_open_page, columns=10,
                               empty_text=_("Giấy tờ này chưa có trang nào."))
        self.strip.pack(fill="x", pady=(6, 0))

    def create_footer(self) -> None:
        bar = ttk.Frame(self.window, padding=(10, 8))
        bar.pack(fill="x", side="bottom")
        self.previous_button = ttk.Button(bar, text=_("◀ Trang trước"), bootstyle="secondary",
                                          command=self.on_previous, state="disabled")
        self.previous_button.pack(side="left")
        self.next_button = ttk.Button(bar, text=_("Trang sau ▶"), bootstyle="secondary",
                                      command=self.on_next, state="disabled")
        self.next_button.pack(side="left", padx=(6, 0))
        ttk.Button(bar, text=_("Đóng"), bootstyle="secondary-outline",
                   command=self.close).pack(side="right")
        self.save_button = ttk.Button(bar, text=_("Lưu PDF…"), bootstyle="info",
                                      command=self.on_save_pdf, state="disabled")
        self.save_button.pack(side="right", padx=(0, 6))
        self.print_button = ttk.Button(bar, text=_("In giấy tờ"), bootstyle="primary",
                                       command=self.on_print, state="disabled")
        self.print_button.pack(side="right", padx=(0, 6))
        self.open_button = ttk.Button(bar, text=_("Mở tệp PDF vừa lưu"), bootstyle="link",
                                      command=self.on_open_pdf)
        # the signed result (issue #15): offered to the counter roles; the service checks
        # the role and the dossier's status and answers with a sentence
        self.result_button = ttk.Button(bar, text=_("Đính kèm kết quả…"), bootstyle="success",
                                        command=self.on_attach_result)
        self.result_button.pack(side="right", padx=(0, 6))
        self.remove_result_button = ttk.Button(bar, text=_("Bỏ kết quả…"),
                                               bootstyle="danger-outline", state="disabled",
                                               command=self.on_ask_remove_result)
        self.remove_result_button.pack(side="right", padx=(0, 6))

    # --- loading -------------------------------------------------------------------------

    def on_papers(self, papers: list[dossier_pages.PaperPages]) -> None:
        if not self.alive:
            return
        self.papers = papers
        self.pages = [(paper, page) for paper in papers for page in paper.pages]
        self.tree.delete(*self.tree.get_children())
        for paper in papers:
            count = (_("{n} trang").format(n=len(paper.pages)) if paper.pages
                     else _("chưa có trang"))
            mark = "" if paper.required or not paper.kind else " " + _("(nếu có)")
            node = self.tree.insert("", "end", iid=f"paper-{paper.index}", open=True,
                                    text=f"{paper.index + 1}. {shorten(paper.name, 30)}{mark}"
                                         f" — {count}")
            for page in paper.pages:
                self.tree.insert(node, "end", iid=f"page-{page.id}",
                                 text=_("Trang {n}").format(n=page.position))
        self.load_results()
        has_pages = bool(self.pages)
        for button in (self.print_button, self.save_button):
            button.configure(state="normal" if has_pages else "disabled")
        if not has_pages:
            self.message.show(_("Hồ sơ này chưa có trang giấy tờ nào được quét."), "warning")
            self.page_label.configure(text="")
            return
        self.message.clear()
        self.show_page(0)

    def on_error(self, message: str) -> None:
        if self.alive:
            self.message.show(message, "error")

    # --- one page ------------------------------------------------------------------------

    def show_page(self, index: int) -> None:
        if not self.pages:
            return
        index = max(0, min(index, len(self.pages) - 1))
        changed_paper = (self.current < 0
                         or self.pages[self.current][0].index != self.pages[index][0].index)
        self.current = index
        paper, page = self.pages[index]
        self.page_label.configure(text=_("«{paper}» — trang {n}/{total}  ({number}/{all} "
                                         "trang của hồ sơ)").format(
            paper=shorten(paper.name, 50), n=page.position, total=len(paper.pages),
            number=index + 1, all=len(self.pages)))
        self.previous_button.configure(state="normal" if index > 0 else "disabled")
        self.next_button.configure(state="normal" if index < len(self.pages) - 1
                                   else "disabled")
        iid = f"page-{page.id}"
        if self.tree.selection() != (iid,):
            self.tree.selection_set(iid)
            self.tree.see(iid)
        if changed_paper:
            self.shell.tasks.submit(load_thumbnails, self.ctx, paper.pages, COMPACT_THUMB,
                                    on_done=self.on_thumbnails, on_error=self.on_error)
        self.load_picture()

    def load_picture(self) -> None:
        if self.current < 0:
            return
        self.canvas.update_idletasks()  # a window just opened has no size before this
        width, height = self._canvas_room()
        page = self.pages[self.current][1]
        self._shown_size = (width, height)
        self.shell.tasks.submit(fitted_page, self.ctx, page.id, width, height,
                                on_done=lambda r, pid=page.id: self.on_picture(pid, r),
                                on_error=self.on_error)

    def on_picture(self, page_id: int, result: tuple[bytes, int, int]) -> None:
        if not self.alive or self.current < 0 or self.pages[self.current][1].id != page_id:
            return  # the clerk has moved on meanwhile
        png, width, height = result
        old, self.image = self.image, photo_image(png, master=self.canvas)
        self.canvas.delete("all")
        self.canvas.create_image(self.canvas.winfo_width() // 2,
                                 self.canvas.winfo_height() // 2, image=self.image,
                                 anchor="center", tags=("page",))
        self.picture_size = (width, height)
        if old is not None:
            release_tk_objects_image(old)
        # the window may have been laid out (or resized) while the picture was made for
        # the size before: fit it again to the canvas as it is now
        if self._canvas_room() != self._shown_size:
            self.load_picture()

    def _canvas_room(self) -> tuple[int, int]:
        return (max(50, self.canvas.winfo_width() - 8), max(50, self.canvas.winfo_height() - 8))

    def on_thumbnails(self, loaded) -> None:
        if self.alive:
            self.strip.show(loaded)

    def on_canvas_resized(self, event) -> None:
        if self.current < 0 or (event.width - 8, event.height - 8) == self._shown_size:
            return
        if self._resize_job is not None:
            self.window.after_cancel(self._resize_job)
        self._resize_job = self.window.after(RESIZE_DELAY_MS, self._on_resize_settled)

    def _on_resize_settled(self) -> None:
        self._resize_job = None
        if self.alive:
            self.load_picture()

    def on_tree_select(self, _event=None) -> None:
        selected = self.tree.selection()
        self.remove_result_button.configure(
            state="normal" if self.selected_result() is not None else "disabled")
        if not selected:
            return
        iid = selected[0]
        if iid.startswith("page-"):
            page_id = int(iid.removeprefix("page-"))
            for number, (_paper, page) in enumerate(self.pages):
                if page.id == page_id and number != self.current:
                    self.show_page(number)
        elif iid.startswith("result"):
            pass  # only "Bỏ kết quả…" follows a result (below)
        elif iid.startswith("paper-"):
            index = int(iid.removeprefix("paper-"))
            for number, (paper, _page) in enumerate(self.pages):
                if paper.index == index:
                    self.show_page(number)
                    return
            self.strip.show([])

    def on_open_page(self, page: store.PageInfo) -> None:
        for number, (_paper, shown) in enumerate(self.pages):
            if shown.id == page.id:
                self.show_page(number)

    def on_previous(self) -> None:
        if self.current > 0:
            self.show_page(self.current - 1)

    def on_next(self) -> None:
        if 0 <= self.current < len(self.pages) - 1:
            self.show_page(self.current + 1)

    # --- print and save ------------------------------------------------------------------

    def on_print(self) -> None:
        self.print_button.configure(state="disabled")
        self.message.show(_("Đang chuẩn bị bản in…"))
        self.shell.tasks.submit(dossier_pages.print_pages, self.ctx, self.reference,
                                on_done=self.on_printed, on_error=self.on_print_failed)

    def on_printed(self, result) -> None:
        if not self.alive:
            return
        self.print_result = result
        self.print_button.configure(state="normal")
        self.saved_pdf = result.path
        kind = {"printed": "ok", "saved": "info"}.get(result.status, "error")
        if result.status == "saved":  # one line; the file's path behind "Chi tiết" (#17.3)
            self.message.show(_("Đã lưu các trang thành tệp PDF; chưa có máy in văn phòng: "
                                "bấm «Mở tệp PDF vừa lưu» để in."), kind, details=result.message)
        else:
            self.message.show(result.message, kind)
        self.open_button.pack(side="right", padx=(0, 6))

    def on_print_failed(self, message: str) -> None:
        if self.alive:
            self.print_button.configure(state="normal")
            self.message.show(message, "error")

    def on_save_pdf(self, path: str | None = None) -> None:
        if path is None:
            ask_save_file(self.window, title=_("Lưu giấy tờ thành tệp PDF"),
                          patterns=("*.pdf",), file_name=f"{self.reference}.giayto.pdf",
                          suffix=".pdf", on_chosen=self.on_save_pdf)
            return
        if not path:
            return
        self.message.show(_("Đang lưu tệp PDF…"))
        self.shell.tasks.submit(dossier_pages.pages_pdf, self.ctx, self.reference, path,
                                on_done=self.on_saved, on_error=self.on_error)

    def on_saved(self, path) -> None:
        if not self.alive:
            return
        self.saved_pdf = str(path)
        self.message.show(_("Đã lưu {path}.").format(path=path), "ok")  # one line or Chi tiết
        self.open_button.pack(side="right", padx=(0, 6))

    def on_open_pdf(self) -> None:
        if self.saved_pdf:
            self.shell.tasks.submit(office_forms.open_file, self.saved_pdf,
                                    on_error=self.on_error)

    # --- result document ---------------------------------------------------------------

    def on_attach_result(self, path: str | None = None) -> None:
        if path is None:
            ask_open_file(self.window, title=_("Chọn tệp kết quả (PDF hoặc ảnh quét)"),
                          patterns=("*.pdf", "*.png", "*.jpg", "*.jpeg", "*.tif", "*.tiff"),
                          on_chosen=self.on_attach_result)
            return
        if not path:
            return
        self.result_button.configure(state="disabled")
        self.message.show(_("Đang đính kèm kết quả…"))
        self.shell.tasks.submit(results.add_result_file, self.ctx, self.reference, path,
                                on_done=self.on_result_attached,
                                on_error=self.on_result_failed)

    def on_result_attached(self, info: results.ResultInfo) -> None:
        if self.alive:
            self.result_button.configure(state="normal")
            self.message.show(_("Đã đính kèm kết quả «{name}»; kết quả sẽ được gửi lên cổng "
                                "ở lần đồng bộ tới.").format(name=info.name), "ok")
            self.load_results()

    def load_results(self) -> None:
        self.shell.tasks.submit(results.dossier_results, self.ctx, self.reference,
                                on_done=self.on_results, on_error=self.on_error)

    def on_results(self, attached: list[results.ResultInfo]) -> None:
        """The results under the papers in the tree: 'Kết quả đã đính kèm' and one line each."""
        if not self.alive:
            return
        self.results = attached
        if self.tree.exists("results"):
            self.tree.delete("results")
        self.remove_result_button.configure(state="disabled")
        if not attached:
            return
        node = self.tree.insert("", "end", iid="results", open=True,
                                text=_("Kết quả đã đính kèm — {n}").format(n=len(attached)))
        for info in attached:
            self.tree.insert(node, "end", iid=f"result-{info.id}",
                             text=shorten(info.name, 40))

    def selected_result(self) -> results.ResultInfo | None:
        selected = self.tree.selection()
        if not selected or not selected[0].startswith("result-"):
            return None
        ident = int(selected[0].removeprefix("result-"))
        return next((r for r in self.results if r.id == ident), None)

    def on_ask_remove_result(self) -> None:
        """'Bỏ kết quả…': a question first (the safe answer on the left, the red one right)."""
        info = self.selected_result()
        if info is None:
            return
        self.dialog = AskDialog(
            self.window, title=_("Bỏ kết quả đã đính kèm"),
            message=_("Bỏ «{name}» khỏi hồ sơ {code}? Tệp này bị xoá khỏi máy và thay đổi "
                      "được gửi lên cổng. Chỉ làm khi đính kèm nhầm.").format(
                name=info.name, code=self.reference),
            choices=[Choice(_("Giữ lại"), lambda _r: None),
                     Choice(_("Bỏ kết quả"), lambda r: self.on_remove_result(info, r),
                            style="danger")],
            reason_label=_("Lý do (không bắt buộc)"))

    def on_remove_result(self, info: results.ResultInfo, reason: str = "") -> None:
        self.remove_result_button.configure(state="disabled")
        self.message.show(_("Đang bỏ kết quả…"))
        self.shell.tasks.submit(results.remove_result, self.ctx, self.reference, info.id,
                                reason=reason, on_done=self.on_result_removed,
                                on_error=self.on_result_failed)

    def on_result_removed(self, info: results.ResultInfo) -> None:
        if self.alive:
            self.message.show(_("Đã bỏ kết quả «{name}» khỏi hồ sơ; thay đổi sẽ được gửi lên "
                                "cổng ở lần đồng bộ tới.").format(name=info.name), "ok")
            self.load_results()

    def on_result_failed(self, message: str) -> None:
        if self.alive:
            self.result_button.configure(state="normal")
            self.remove_result_button.configure(
                state="normal" if self.selected_result() is not None else "disabled")
            self.message.show(message, "error")

    def close(self) -> None:
        if not self.alive:
            return
        self.alive = False
        if self._resize_job is not None:
            self.window.after_cancel(self._resize_job)
        release_tk_objects(self, self.window)
        self.window.destroy()

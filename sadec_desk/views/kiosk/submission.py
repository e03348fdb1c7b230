"""The kiosk's self-service submission (issue #8): procedure → ID card QR → e-form →
papers → review → submit → receipt, inside the kiosk window's body.

One :class:`SubmissionFlow` is one citizen. It lives until the receipt is shown, the
citizen cancels, or the kiosk's idle timer fires; then :meth:`SubmissionFlow.close`
discards the unfinished draft (page rows and files) in the worker and destroys every
widget and value of the flow, so the next citizen starts from nothing. Each step can go
back without losing what was entered; going back from the first step leaves the flow.
"""

from __future__ import annotations

import tkinter as tk
from functools import partial
from tkinter import filedialog

from sadec_desk.i18n import _
from sadec_desk.services.kiosk import submission
from sadec_desk.services.reception import eforms, intake
from sadec_desk.views.pages import (
    TOUCH_THUMB,
    PageStrip,
    fitted_page,
    load_thumbnails,
    photo_image,
    release_tk_objects_image,
)
from sadec_desk.views.widgets import font, release_tk_objects

BG = "#f4f7fb"
NAVY = "#0b3d6b"
RED = "#b02a37"
GREEN = "#1b5e20"
GREY = "#546e7a"
#: after the "do you need more time?" question, this long without a touch resets
PROMPT_MS = 20_000
#: form lines on the review screen (the first ones: who and what; all are on the form)
REVIEW_FORM_LINES = 6
#: a page opened from its thumbnail, at most this big (px)
PREVIEW_SIZE = (900, 540)

STEP_PROCEDURE, STEP_CARD, STEP_FORM, STEP_PAPERS, STEP_REVIEW, STEP_RECEIPT = range(6)
# literal _() calls so that xgettext finds them
STEP_TITLES = (lambda: _("Chọn thủ tục"), lambda: _("Quét CCCD"), lambda: _("Điền tờ khai"),
               lambda: _("Giấy tờ"), lambda: _("Kiểm tra"), lambda: _("Biên nhận"))
#: steps where a citizen may spend minutes reading or typing: the longer idle applies
LONG_STEPS = (STEP_FORM, STEP_PAPERS, STEP_REVIEW)


def _button(parent, text: str, command, *, bg: str = "#1565c0", size: int = 18,
            width: int = 12, height: int = 1) -> tk.Button:
    return tk.Button(parent, text=text, font=font(size, "bold"), width=width, height=height,
                     bg=bg, fg="white", activebackground=NAVY, activeforeground="white",
                     disabledforeground="#cfd8dc", relief="flat", padx=10, pady=8,
                     wraplength=max(200, width * size), command=command)


def card_picture() -> str:
    """A QR code picture (base64 PNG) that shows which code to hold to the scanner."""
    import base64
    import io

    from sadec_desk.printers.render import qr_image

    out = io.BytesIO()
    qr_image("CCCD", 7).convert("L").save(out, format="PNG")
    return base64.b64encode(out.getvalue()).decode("ascii")


class SubmissionFlow:
    def __init__(self, kiosk):
        self.kiosk = kiosk
        self.shell, self.ctx, self.tasks = kiosk.shell, kiosk.ctx, kiosk.shell.tasks
        self.alive = True
        self.step = STEP_PROCEDURE
        self.draft: str | None = None
        self.procedures: list = []
        self.procedure = None  # KioskProcedure
        self.form = None  # eforms.FormInfo
        self.qr_text = ""
        self.values: dict[str, str] = {}
        self.phone = ""
        self.page_list: list = []
        self.form_view = None
        self.keyboard = None
        self.prompt = None
        self._prompt_job = None
        self._running = 0
        self.card_view = "scan"
        self.paper_position = 0
        self.frame = tk.Frame(kiosk.body, background=BG)
        self.frame.pack(fill="both", expand=True)
        self.create_header()
        # footer and message first: whatever a step shows, "Quay lại" stays on screen
        self.footer = tk.Frame(self.frame, background=BG)
        self.footer.pack(side="bottom", fill="x", pady=(4, 14))
        self.message = tk.Label(self.frame, text="", font=font(16), bg=BG, fg=RED,
                                wraplength=1200)
        self.message.pack(side="bottom", pady=(2, 0))
        self.content = tk.Frame(self.frame, background=BG)
        self.content.pack(fill="both", expand=True, padx=40)
        self.show_wait()
        self.tasks.submit(submission.start, self.ctx, on_done=self.on_started,
                          on_error=self.on_fatal)
        self.tasks.submit(submission.list_procedures, self.ctx,
                          on_done=self.on_procedures, on_error=self.on_fatal)

    # --- frame ---------------------------------------------------------------------------

    def create_header(self) -> None:
        header = tk.Frame(self.frame, background=BG)
        header.pack(fill="x", padx=40, pady=(14, 6))
        self.step_label = tk.Label(header, text="", font=font(22, "bold"), bg=BG, fg=NAVY,
                                   anchor="w")
        self.step_label.pack(fill="x")
        bar = tk.Frame(header, background=BG)
        bar.pack(fill="x", pady=(6, 0))
        self.step_cells = []
        for i, title in enumerate(STEP_TITLES):
            cell = tk.Label(bar, text=f"{i + 1}. {title()}", font=font(13, "bold"),
                            bg="#cfd8dc", fg=NAVY, padx=6, pady=6)
            cell.pack(side="left", fill="x", expand=True, padx=2)
            self.step_cells.append(cell)

    def set_step(self, step: int) -> None:
        self.step = step
        self.step_label.configure(text=_("Bước {n}/{total}: {title}").format(
            n=step + 1, total=len(STEP_TITLES), title=STEP_TITLES[step]()))
        for i, cell in enumerate(self.step_cells):
            if i < step:
                cell.configure(bg="#81c784", fg="white")
            elif i == step:
                cell.configure(bg="#1565c0", fg="white")
            else:
                cell.configure(bg="#cfd8dc", fg=NAVY)
        self.kiosk.touched()  # the idle time of this step

    def clear(self) -> None:
        self.dismiss_prompt()
        self.close_page()
        for holder in (self.content, self.footer):
            for child in holder.winfo_children():
                child.destroy()
        self.form_view = self.keyboard = None
        self.message.configure(text="", fg=RED)

    def say(self, text: str, *, ok: bool = False) -> None:
        if self.alive:
            self.message.configure(text=text, fg=GREEN if ok else RED)

    def create_footer(self, *, next_text: str | None = None, on_next=None,
                      next_bg: str = "#2e7d32") -> None:
        self.back_button = _button(self.footer, _("‹ Quay lại"), self.on_back, bg=GREY)
        self.back_button.pack(side="left", padx=(40, 10))
        self.cancel_button = _button(self.footer, _("Hủy"), self.on_cancel, bg="#8d6e63",
                                     width=8)
        self.cancel_button.pack(side="left", padx=10)
        self.next_button = None
        if next_text:
            self.next_button = _button(self.footer, next_text, on_next, bg=next_bg, width=16)
            self.next_button.pack(side="right", padx=(10, 140))

    def show_wait(self) -> None:
        self.clear()
        tk.Label(self.content, text=_("Xin chờ một chút…"), font=font(24), bg=BG,
                 fg=NAVY).pack(pady=120)

    @property
    def busy(self) -> bool:
        """A call the citizen started (a scan, a check, the submission) is running: the
        buttons wait for its answer instead of starting a second one."""
        return self._running > 0

    def run(self, fn, *args, on_done, on_error=None, blocking: bool = True,
            **kwargs) -> None:
        """A service call in the worker; its answer is dropped if this citizen is gone.
        ``blocking=False`` for reads the screen does by itself (thumbnails)."""
        step = 1 if blocking else 0

        def done(value):
            self._running -= step
            if self.alive:
                on_done(value)

        def failed(message):
            self._running -= step
            if self.alive:
                (on_error or self.say)(message)

        self._running += step
        self.tasks.submit(fn, *args, on_done=done, on_error=failed, **kwargs)

    # --- life -----------------------------------------------------------------------------

    def on_started(self, draft: str) -> None:
        if not self.alive:  # the citizen left before the worker answered
            self.tasks.submit(submission.discard, self.ctx, draft)
            return
        self.draft = draft

    def on_fatal(self, message: str) -> None:
        if self.alive:
            self.kiosk.on_error(message)

    def close(self) -> None:
        """Forget this citizen: the draft's pages (rows and files) and every widget."""
        if not self.alive:
            return
        self.alive = False
        self.dismiss_prompt()
        self.close_page()
        if self.draft is not None:
            # queued after any scan still running for this draft (the worker runs calls in
            # order), so a page added at the last moment goes too
            self.tasks.submit(submission.discard, self.ctx, self.draft)
        self.draft = None
        self.values, self.qr_text, self.phone, self.page_list = {}, "", "", []
        release_tk_objects(self, self.frame)
        if self.frame.winfo_exists():
            self.frame.destroy()

    def on_cancel(self) -> None:
        self.ask(_("Hủy hồ sơ đang làm? Những gì bạn đã nhập và giấy tờ đã quét sẽ bị xóa."),
                 _("Có, hủy hồ sơ"), self.kiosk.show_start, _("Không, làm tiếp"),
                 self.dismiss_prompt)

    def on_back(self) -> None:
        if self.busy:
            return
        if self.step == STEP_PROCEDURE:
            self.kiosk.show_start()  # closes the flow and discards the draft
        elif self.step == STEP_FORM:
            self.keep_form_values()
            self.show_card()
        elif self.step == STEP_PAPERS:
            if self.paper_position > 0:
                self.show_papers(self.paper_position - 1)
            else:
                self.show_form()
        elif self.step == STEP_REVIEW:
            self.phone = self.phone_entry.get().strip()
            if self.procedure.papers:
                self.show_papers(len(self.procedure.papers) - 1)
            else:
                self.show_form()
        elif self.step == STEP_CARD:
            if self.card_view == "manual":
                self.show_card()
            else:
                self.show_procedures()

    # --- idle -----------------------------------------------------------------------------

    def idle_ms(self, default_ms: int) -> int:
        if self.step in LONG_STEPS:
            return max(default_ms, self.ctx.config["kiosk.form_idle_seconds"] * 1000)
        return default_ms

    def on_idle(self) -> bool:
        """The kiosk's idle timer fired. On the long steps ask first; True when asking
        (the kiosk then waits), False to let the kiosk return to its start screen."""
        if self.step not in LONG_STEPS or self.prompt is not None:
            return False
        self.ask(_("Bạn còn cần thêm thời gian?"), _("Còn, tôi làm tiếp"),
                 self.on_more_time, _("Không, làm lại từ đầu"), self.kiosk.show_start)
        self._prompt_job = self.kiosk.window.after(PROMPT_MS, self.kiosk.show_start)
        return True

    def on_more_time(self) -> None:
        self.dismiss_prompt()
        self.kiosk.touched()

    def on_touch(self) -> None:
        """Any touch means someone is here: a pending reset question is answered."""
        if self._prompt_job is not None:
            self.cancel_prompt_job()

    def cancel_prompt_job(self) -> None:
        if self._prompt_job is not None:
            self.kiosk.window.after_cancel(self._prompt_job)
            self._prompt_job = None

    def ask(self, text: str, yes: str, on_yes, no: str, on_no) -> None:
        self.dismiss_prompt()
        panel = tk.Frame(self.kiosk.window, background="white", bd=3, relief="ridge",
                         padx=40, pady=30)
        panel.place(relx=0.5, rely=0.45, anchor="center")
        tk.Label(panel, text=text, font=font(24, "bold"), bg="white", fg=NAVY,
                 wraplength=800).pack(pady=(0, 20))
        row = tk.Frame(panel, background="white")
        row.pack()
        self.prompt_yes = _button(row, yes, on_yes, bg="#2e7d32", size=20, width=20)
        self.prompt_yes.pack(side="left", padx=12)
        self.prompt_no = _button(row, no, on_no, bg=GREY, size=20, width=20)
        self.prompt_no.pack(side="left", padx=12)
        self.prompt = panel

    def dismiss_prompt(self) -> None:
        self.cancel_prompt_job()
        if self.prompt is not None:
            if self.prompt.winfo_exists():
                self.prompt.destroy()
            self.prompt = None

    # --- step 1: procedure ----------------------------------------------------------------

    def on_procedures(self, procedures) -> None:
        self.procedures = procedures
        self.show_procedures()

    def show_procedures(self) -> None:
        self.clear()
        self.set_step(STEP_PROCEDURE)
        tk.Label(self.content, text=_("Chạm vào thủ tục bạn muốn nộp hồ sơ."), font=font(16),
                 bg=BG, fg=NAVY).pack(pady=(0, 4))
        grid = tk.Frame(self.content, background=BG)
        grid.pack(fill="x")
        for column in range(2):
            grid.grid_columnconfigure(column, weight=1, uniform="procedure")
        self.procedure_buttons = {}
        for i, p in enumerate(self.procedures):
            chosen = self.procedure is not None and p.code == self.procedure.code
            colour = "#e3f2fd" if chosen else "white"
            card = tk.Frame(grid, background=colour, bd=2, relief="ridge")
            card.grid(row=i // 2, column=i % 2, sticky="nsew", padx=8, pady=3)
            command = partial(self.on_procedure, p)
            button = tk.Button(card, text=p.name, font=font(18, "bold"), bg=colour, fg=NAVY,
                               activebackground="#bbdefb", relief="flat", bd=0, anchor="w",
                               padx=12, pady=2, command=command)
            button.pack(fill="x")
            detail = tk.Label(card, text=_("{time} · Lệ phí: {fee}").format(
                time=p.time_limit_text, fee=p.fee_text), font=font(13), bg=colour,
                fg="#455a64", anchor="w", justify="left", wraplength=580, padx=12)
            detail.pack(fill="x", pady=(0, 4))
            for part in (card, detail):  # the whole card is one touch target
                part.bind("<ButtonRelease-1>", lambda _e, c=command: c())
            self.procedure_buttons[p.code] = button
        if not self.procedures:
            tk.Label(self.content, text=_("Hiện chưa có thủ tục nào nộp được tại kiosk; mời bạn "
                                          "lấy số thứ tự để nộp tại quầy."), font=font(20),
                     bg=BG, fg=RED, wraplength=1100).pack(pady=20)
        self.create_footer()

    def on_procedure(self, procedure) -> None:
        if self.busy:
            return
        if self.procedure is not None and procedure.code != self.procedure.code:
            # another procedure: its form and papers differ, nothing carries over
            self.values, self.qr_text = {}, ""
            if self.draft is not None:
                self.tasks.submit(submission.discard, self.ctx, self.draft)
        self.procedure = procedure
        self.run(eforms.form_for, self.ctx, procedure.code, on_done=self.on_form)

    def on_form(self, form) -> None:
        if form is None:
            self.say(_("Thủ tục này chưa nộp được tại kiosk; mời bạn lấy số thứ tự để nộp tại "
                       "quầy."))
            return
        self.form = form
        self.show_card()

    # --- step 2: the ID card --------------------------------------------------------------

    def show_card(self) -> None:
        self.clear()
        self.set_step(STEP_CARD)
        self.card_view = "scan"
        tk.Label(self.content, text=self.procedure.name, font=font(18), bg=BG,
                 fg="#455a64").pack(pady=(4, 0))
        tk.Label(self.content, text=_("Quét mã QR trên thẻ CCCD"), font=font(30, "bold"), bg=BG,
                 fg=NAVY).pack(pady=(14, 4))
        self.qr_picture = tk.PhotoImage(master=self.content, data=card_picture())
        tk.Label(self.content, image=self.qr_picture, bg=BG).pack()
        self.card_label = tk.Label(
            self.content, text=_("Đưa mã QR ở mặt trước thẻ căn cước vào trước máy quét. Tờ khai "
                                 "sẽ tự điền họ tên, ngày sinh, địa chỉ của bạn."),
            font=font(20), bg=BG, fg=NAVY, wraplength=1000)
        self.card_label.pack(pady=(6, 10))
        if self.qr_text:
            self.say(_("Đã đọc thẻ. Bấm «Tiếp tục», hoặc quét thẻ khác."), ok=True)
        self.manual_button = _button(self.content, _("Không có thẻ? Nhập tay"), self.on_manual,
                                     bg="#00695c", width=22)
        self.manual_button.pack(pady=6)
        self.create_footer(next_text=_("Tiếp tục ›") if self.qr_text else None,
                           on_next=self.show_form)

    def on_scan(self, text: str) -> None:
        """A QR from the handheld scanner while this flow is open (the kiosk routes it
        here): on the card step it fills the form; elsewhere it is only explained."""
        if not self.alive:
            return
        if self.step != STEP_CARD:
            self.say(_("Máy quét chỉ dùng ở bước «Quét CCCD». Hãy dùng các nút trên màn hình."))
            return
        self.run(submission.read_card, self.ctx, self.procedure.code, text,
                 on_done=lambda values: self.on_card(text, values), on_error=self.on_card_error)

    def on_card(self, qr_text: str, values: dict) -> None:
        if self.step != STEP_CARD:
            return
        self.qr_text = qr_text
        # what the citizen already typed on the form stays; the card's fields win
        self.values = {**self.values, **values}
        self.show_form()

    def on_card_error(self, message: str) -> None:
        if self.step == STEP_CARD:
            self.card_label.configure(text=message, fg=RED)

    def on_manual(self) -> None:
        """No card at hand: the citizen types what is on it (it stands in for the QR)."""
        from sadec_desk.views.osk import OnScreenKeyboard

        self.clear()
        self.set_step(STEP_CARD)
        self.card_view = "manual"
        tk.Label(self.content, text=_("Nhập thông tin trên thẻ căn cước của bạn"),
                 font=font(22, "bold"), bg=BG, fg=NAVY).pack(pady=(4, 6))
        grid = tk.Frame(self.content, background=BG)
        grid.pack()
        labels = intake.manual_labels()
        self.manual_entries = {}
        for row, name in enumerate(("id_number", "full_name", "date_of_birth", "address")):
            tk.Label(grid, text=labels[name], font=font(16), bg=BG, fg=NAVY).grid(
                row=row, column=0, sticky="w", padx=(0, 12), pady=3)
            entry = tk.Entry(grid, font=font(18), width=40)
            entry.grid(row=row, column=1, sticky="w", pady=3)
            self.manual_entries[name] = entry
        tk.Label(self.content, text=_("Ngày sinh viết dạng ngày/tháng/năm, ví dụ 21/03/2003."),
                 font=font(13), bg=BG, fg="#455a64").pack()
        sex = tk.Frame(self.content, background=BG)
        sex.pack(pady=(4, 0))
        tk.Label(sex, text=labels["gender"], font=font(16), bg=BG, fg=NAVY).pack(
            side="left", padx=(0, 12))
        self.gender = tk.StringVar(master=sex, value="")
        self.gender_buttons = {}
        for value, label in (("Nam", _("Nam")), ("Nữ", _("Nữ"))):
            button = tk.Radiobutton(sex, text=label, value=value, variable=self.gender,
                                    font=font(18, "bold"), indicatoron=False, width=6,
                                    tristatevalue="-",
                                    selectcolor="#ffd54f", bg="white", relief="raised", bd=2)
            button.pack(side="left", padx=6)
            self.gender_buttons[value] = button
        self.keyboard = OnScreenKeyboard(self.content, on_key=lambda _k: self.kiosk.touched())
        self.keyboard.frame.pack(side="bottom", fill="x", pady=(6, 0))
        self.manual_entries["id_number"].focus_set()
        self.create_footer(next_text=_("Tiếp tục ›"), on_next=self.on_manual_next)

    def on_manual_next(self) -> None:
        if self.busy:
            return
        fields = {name: entry.get() for name, entry in self.manual_entries.items()}
        fields["gender"] = self.gender.get()
        self.run(submission.manual_card, self.ctx, self.procedure.code, fields,
                 on_done=self.on_manual_card)

    def on_manual_card(self, result) -> None:
        if self.step != STEP_CARD:
            return
        qr_text, values = result
        self.qr_text = qr_text
        self.values = {**self.values, **values}
        self.show_form()

    # --- step 3: the form -----------------------------------------------------------------

    def show_form(self) -> None:
        from sadec_desk.views.eform import FormView
        from sadec_desk.views.osk import OnScreenKeyboard

        self.clear()
        self.set_step(STEP_FORM)
        holder = tk.Frame(self.content, background=BG)
        holder.pack(fill="both", expand=True)
        self.keyboard = OnScreenKeyboard(holder, on_key=lambda _k: self.kiosk.touched())
        self.form_view = FormView(holder, self.form, dict(self.values), keyboard=self.keyboard,
                                  on_change=self.kiosk.touched)
        self.keyboard.frame.pack(side="bottom", fill="x", pady=(4, 0))
        self.form_view.frame.pack(side="top", fill="both", expand=True)
        self.create_footer(next_text=_("Tiếp tục ›"), on_next=self.on_form_next)

    def keep_form_values(self) -> None:
        if self.form_view is not None:
            self.values = self.form_view.values()

    def on_form_next(self) -> None:
        if self.busy:
            return
        self.keep_form_values()
        self.run(eforms.check, self.ctx, self.procedure.code, dict(self.values),
                 on_done=self.on_form_checked)

    def on_form_checked(self, errors: dict) -> None:
        if self.step != STEP_FORM:
            return
        if errors:
            self.form_view.show_errors(errors)
            self.say(_("Tờ khai còn {n} ô cần sửa (chữ đỏ dưới ô).").format(n=len(errors)))
            return
        if self.procedure.papers:
            self.show_papers()
        else:  # the form is the only paper (e.g. the marital-status certificate)
            self.load_review()

    # --- step 4: papers -------------------------------------------------------------------

    def show_papers(self, position: int = 0) -> None:
        """One paper per screen (a kiosk shows one thing at a time): its buttons and the
        thumbnails of its pages; "Tiếp tục" goes to the next paper, then to the review."""
        self.clear()
        self.set_step(STEP_PAPERS)
        papers = self.procedure.papers
        self.paper_position = position = max(0, min(position, len(papers) - 1))
        if len(papers) > 1:
            tk.Label(self.content, text=_("Giấy tờ {n}/{total}").format(
                n=position + 1, total=len(papers)), font=font(16, "bold"), bg=BG,
                fg="#455a64").pack()
        tk.Label(self.content, text=_("Đặt giấy tờ lên máy quét, mặt cần quét úp xuống, rồi bấm "
                                      "«Quét giấy tờ»."),
                 font=font(18), bg=BG, fg=NAVY, wraplength=1200).pack(pady=(2, 6))
        self.paper_rows = {}
        for paper in papers[position:position + 1]:
            row = tk.Frame(self.content, background="white", bd=1, relief="solid", padx=12,
                           pady=8)
            row.pack(fill="x", pady=4)
            top = tk.Frame(row, background="white")
            top.pack(fill="x")
            mark = _("(bắt buộc)") if paper.required else _("(nếu có)")
            tk.Label(top, text=f"{paper.name} — {paper.kind_label} {mark}",
                     font=font(16, "bold"), bg="white", fg=RED if paper.required else NAVY,
                     wraplength=760, justify="left", anchor="w").pack(side="left", fill="x",
                                                                      expand=True)
            buttons = tk.Frame(top, background="white")
            buttons.pack(side="right")
            scan = _button(buttons, _("Quét giấy tờ"), lambda i=paper.index: self.on_add(
                i, "scanner"), size=15, width=10)
            scan.pack(side="left", padx=4)
            photo = _button(buttons, _("Chụp ảnh"), lambda i=paper.index: self.on_add(
                i, "camera"), bg="#00695c", size=15, width=8)
            photo.pack(side="left", padx=4)
            pick = _button(buttons, _("Chọn tệp"), lambda i=paper.index: self.on_add(
                i, "file"), bg="#4527a0", size=15, width=8)
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
            path = filedialog.askopenfilename(
                parent=self.kiosk.window, title=_("Chọn ảnh giấy tờ"),
                filetypes=[(_("Ảnh"), "*.png *.jpg *.jpeg *.tif *.tiff *.bmp"),
                           (_("Tất cả tệp"), "*")])
            if not path:
                return
            call, args = submission.file_page, (path,)
        elif source == "camera":
            self.say(_("Giữ giấy tờ trước máy ảnh… đang chụp."), ok=True)
            call, args = submission.camera_page, ()
        else:
            self.say(_("Đang quét… xin đừng nhấc giấy tờ."), ok=True)
            call, args = submission.scan_page, ()
        # a scan takes seconds: the buttons show that the kiosk is at it
        self.set_paper_buttons("disabled")
        self.run(call, self.ctx, self.draft, code, paper_index, *args,
                 on_done=self.on_page_added, on_error=self.on_add_failed)

    def set_paper_buttons(self, state: str) -> None:
        for row in getattr(self, "paper_rows", {}).values():
            for name in ("scan", "camera", "file"):
                if row[name].winfo_exists():
                    row[name].configure(state=state)

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
                 font=font(14), bg="white", fg=NAVY, wraplength=900).pack(pady=(4, 4))
        self.page_close_button = _button(panel, _("Đóng"), self.close_page, bg=GREY)
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

    def load_review(self) -> None:
        self.run(submission.review, self.ctx, self.draft,
                 procedure_code=self.procedure.code, qr_text=self.qr_text,
                 values=dict(self.values), on_done=self.show_review)

    # --- step 5: review -------------------------------------------------------------------

    def show_review(self, review) -> None:
        self.clear()
        self.set_step(STEP_REVIEW)
        self.review = review
        table = tk.Frame(self.content, background="white", bd=1, relief="solid", padx=24,
                         pady=10)
        table.pack(fill="x")
        rows = [(_("Thủ tục"), review.procedure_name),
                (_("Người nộp"), f"{review.applicant_name} · CCCD {review.applicant_id_masked}")]
        rows += list(review.form_lines[:REVIEW_FORM_LINES])
        papers = "; ".join(_("{paper}: {n} trang").format(paper=p.paper.name, n=p.pages)
                           for p in review.papers if p.pages)
        rows += [(_("Giấy tờ đã quét"), papers or _("(không có)")),
                 (_("Lệ phí"), review.fee_text),
                 (_("Hẹn trả kết quả (dự kiến)"), review.due_text)]
        self.review_values = {}
        for i, (label, value) in enumerate(rows):
            tk.Label(table, text=label, font=font(14), bg="white", fg="#455a64").grid(
                row=i, column=0, sticky="nw", padx=(0, 20), pady=2)
            cell = tk.Label(table, text=value, font=font(15, "bold"), bg="white", fg=NAVY,
                            wraplength=640, justify="left")
            cell.grid(row=i, column=1, sticky="w", pady=2)
            self.review_values[label] = cell
        phone_row = tk.Frame(self.content, background=BG)
        phone_row.pack(pady=(8, 0))
        tk.Label(phone_row, text=_("Số điện thoại để cán bộ liên hệ (không bắt buộc):"),
                 font=font(16), bg=BG, fg=NAVY).pack(side="left")
        self.phone_entry = tk.Entry(phone_row, font=font(20), width=13, justify="center")
        self.phone_entry.pack(side="left", padx=10)
        self.phone_entry.insert(0, self.phone)
        pad = tk.Frame(self.content, background=BG)
        pad.pack(pady=(6, 0))
        self.digit_buttons = {}
        for i, key in enumerate("1234567890⌫"):
            button = tk.Button(pad, text=key, font=font(20, "bold"), width=3, bg="white",
                               fg=NAVY, activebackground="#ffd54f", relief="raised", bd=2,
                               command=lambda k=key: self.on_digit(k))
            button.grid(row=0, column=i, padx=3)
            self.digit_buttons[key] = button
        self.create_footer(next_text=_("Nộp hồ sơ"), on_next=self.on_submit, next_bg="#c62828")

    def on_digit(self, key: str) -> None:
        self.kiosk.touched()
        if key == "⌫":
            text = self.phone_entry.get()
            self.phone_entry.delete(0, "end")
            self.phone_entry.insert(0, text[:-1])
        elif len(self.phone_entry.get()) < 12:
            self.phone_entry.insert("end", key)

    def on_submit(self) -> None:
        if self.busy or self.draft is None:
            return
        self.phone = self.phone_entry.get().strip()
        problem = submission.check_phone(self.phone)
        if problem:
            self.say(problem)
            return
        self.next_button.configure(state="disabled")
        self.say(_("Đang nộp hồ sơ…"), ok=True)
        self.run(submission.submit, self.ctx, self.draft,
                 procedure_code=self.procedure.code, qr_text=self.qr_text,
                 values=dict(self.values), phone=self.phone, on_done=self.show_receipt,
                 on_error=self.on_submit_error)

    def on_submit_error(self, message: str) -> None:
        self.say(message)
        if self.step == STEP_REVIEW and self.next_button is not None:
            self.next_button.configure(state="normal")

    # --- step 6: receipt ------------------------------------------------------------------

    def show_receipt(self, receipt) -> None:
        # submitted: the draft is now the dossier's, nothing is left to discard
        self.draft = None
        self.receipt = receipt
        self.clear()
        self.set_step(STEP_RECEIPT)
        tk.Label(self.content, text=_("Hồ sơ của bạn đã được tiếp nhận"), font=font(28, "bold"),
                 bg=BG, fg=GREEN).pack(pady=(20, 6))
        tk.Label(self.content, text=_("Mã hồ sơ"), font=font(20), bg=BG, fg=NAVY).pack()
        self.code_label = tk.Label(self.content, text=receipt.code, font=font(46, "bold"),
                                   bg=BG, fg="#c62828")
        self.code_label.pack()
        tk.Label(self.content, text=receipt.procedure_name, font=font(20), bg=BG,
                 fg=NAVY).pack(pady=(4, 0))
        self.due_label = tk.Label(self.content, text=_("Hẹn trả kết quả: {when}").format(
            when=receipt.due_text), font=font(24, "bold"), bg=BG, fg=NAVY)
        self.due_label.pack(pady=(10, 0))
        tk.Label(self.content, text=_("Lệ phí: {fee}").format(fee=receipt.fee_text),
                 font=font(18), bg=BG, fg=NAVY).pack(pady=(4, 0))
        if receipt.printed:
            text, colour = _("Phiếu đã được in: mời bạn nhận phiếu bên dưới."), GREEN
        else:
            text, colour = _("Máy in chưa in được phiếu; hãy ghi lại mã hồ sơ trên màn hình "
                             "hoặc nhờ cán bộ hỗ trợ."), RED
        self.print_label = tk.Label(self.content, text=text, font=font(20), bg=BG, fg=colour,
                                    wraplength=1100)
        self.print_label.pack(pady=(14, 0))
        self.shell.refresh_print_state()
        tk.Label(self.content, text=_("Cán bộ sẽ kiểm tra hồ sơ. Bạn xem tình trạng hồ sơ bằng "
                                      "cách quét mã QR trên phiếu hẹn tại kiosk này."),
                 font=font(16), bg=BG, fg="#455a64", wraplength=1100).pack(pady=(6, 0))
        self.done_button = _button(self.footer, _("Xong"), self.kiosk.show_start,
                                   bg="#2e7d32", width=12)
        self.done_button.pack()
        self.kiosk.show_result_later()

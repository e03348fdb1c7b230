"""The kiosk's self-service submission (issue #8): procedure → ID card QR → e-form →
papers → review → submit → receipt, inside the kiosk window's body.

One :class:`SubmissionFlow` is one citizen. It lives until the receipt is shown, the
citizen cancels, or the kiosk's idle timer fires; then :meth:`SubmissionFlow.close`
discards the unfinished draft (page rows and files) in the worker and destroys every
widget and value of the flow, so the next citizen starts from nothing. Each step can go
back without losing what was entered; going back from the first step leaves the flow.

The flow is one class put together from mixins, one module each: the frame shared by
every step (:mod:`~sadec_desk.views.kiosk.flow_frame`) and the six steps
(``step_procedure``, ``step_card``, ``step_form``, ``step_papers``, ``step_review``,
``step_receipt``); this module keeps the citizen's life in the flow (start, going back,
cancel, close) and the idle question.
"""

from __future__ import annotations

import tkinter as tk

# the papers step's file picker; tests replace its askopenfilename through this name
from tkinter import filedialog  # noqa: F401

from sadec_desk.i18n import _
from sadec_desk.services.kiosk import submission
from sadec_desk.views.kiosk.flow_frame import (
    BG,
    GREY,
    LONG_STEPS,
    NAVY,
    RED,
    STEP_CARD,
    STEP_FORM,
    STEP_PAPERS,
    STEP_PROCEDURE,
    STEP_RECEIPT,
    STEP_REVIEW,
    FlowFrame,
    create_button,
)
from sadec_desk.views.kiosk.step_card import CardStep
from sadec_desk.views.kiosk.step_form import FormStep
from sadec_desk.views.kiosk.step_papers import PapersStep
from sadec_desk.views.kiosk.step_procedure import ProcedureStep
from sadec_desk.views.kiosk.step_receipt import ReceiptStep
from sadec_desk.views.kiosk.step_review import ReviewStep
from sadec_desk.views.widgets import font, release_tk_objects

# the step numbers are the flow's vocabulary: whoever drives the flow takes them from here
__all__ = ["SubmissionFlow", "PROMPT_MS", "STEP_PROCEDURE", "STEP_CARD", "STEP_FORM",
           "STEP_PAPERS", "STEP_REVIEW", "STEP_RECEIPT", "LONG_STEPS"]

#: after the "do you need more time?" question, this long without a touch resets
PROMPT_MS = 20_000


class SubmissionFlow(ProcedureStep, CardStep, FormStep, PapersStep, ReviewStep, ReceiptStep,
                     FlowFrame):
    """One citizen's submission, from the procedure to the receipt."""

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
        self.prompt_yes = create_button(row, yes, on_yes, bg="#2e7d32", size=20, width=20)
        self.prompt_yes.pack(side="left", padx=12)
        self.prompt_no = create_button(row, no, on_no, bg=GREY, size=20, width=20)
        self.prompt_no.pack(side="left", padx=12)
        self.prompt = panel

    def dismiss_prompt(self) -> None:
        self.cancel_prompt_job()
        if self.prompt is not None:
            if self.prompt.winfo_exists():
                self.prompt.destroy()
            self.prompt = None

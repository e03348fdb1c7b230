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

from sadec_desk.i18n import _
from sadec_desk.services.kiosk import submission
from sadec_desk.views.kiosk.flow_frame import (
    BG,
    LONG_STEPS,
    RED,
    STEP_CARD,
    STEP_FORM,
    STEP_PAPERS,
    STEP_PROCEDURE,
    STEP_RECEIPT,
    STEP_REVIEW,
    FlowFrame,
)
from sadec_desk.views.kiosk.prompt import Choice, KioskPrompt
from sadec_desk.views.kiosk.scale import kfont, portrait, px
from sadec_desk.views.kiosk.step_card import CardStep
from sadec_desk.views.kiosk.step_form import FormStep
from sadec_desk.views.kiosk.step_papers import PapersStep
from sadec_desk.views.kiosk.step_procedure import ProcedureStep
from sadec_desk.views.kiosk.step_receipt import ReceiptStep
from sadec_desk.views.kiosk.step_review import ReviewStep
from sadec_desk.views.widgets import release_tk_objects

# the step numbers are the flow's vocabulary: whoever drives the flow takes them from here
__all__ = ["SubmissionFlow", "PROMPT_MS", "STEP_PROCEDURE", "STEP_CARD", "STEP_FORM",
           "STEP_PAPERS", "STEP_REVIEW", "STEP_RECEIPT", "LONG_STEPS"]

#: after the "do you need more time?" question, this long without a touch resets
PROMPT_MS = 20_000
PROMPT_SECONDS = PROMPT_MS // 1000


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
        self.declarants: list = []  # "Người khai là mẹ/cha của cháu" choices of the form
        self.qr_text = ""
        self.values: dict[str, str] = {}
        self.phone = ""
        self.page_list: list = []
        self.form_view = None
        self.keyboard = None
        self.prompt: KioskPrompt | None = None
        self._running = 0
        self.card_view = "scan"
        self.paper_position = 0
        self.frame = tk.Frame(kiosk.body, background=BG)
        self.frame.pack(fill="both", expand=True)
        self.create_header()
        # footer and message first: whatever a step shows, "Quay lại" stays on screen
        self.footer = tk.Frame(self.frame, background=BG)
        self.footer.pack(side="bottom", fill="x", pady=(4, 14))
        self.message = tk.Label(self.frame, text="", font=kfont(16), bg=BG, fg=RED,
                                wraplength=px(950 if portrait() else 1200))
        self.message.pack(side="bottom", pady=(2, 0))
        self.content = tk.Frame(self.frame, background=BG)
        self.content.pack(fill="both", expand=True, padx=px(40))
        self.show_wait()
        self.kiosk.citizen_task(submission.start, self.ctx, on_done=self.on_started,
                                on_error=self.on_fatal)
        self.kiosk.citizen_task(submission.list_procedures, self.ctx,
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
        # "continue" is the safe blue answer on the left; cancelling is red, on the right
        self.ask(_("Hủy hồ sơ đang làm? Những gì bạn đã nhập và giấy tờ đã quét sẽ bị xóa."),
                 [Choice(_("Không, làm tiếp"), lambda _r: self.kiosk.touched()),
                  Choice(_("Có, hủy hồ sơ"), lambda _r: self.kiosk.show_start(),
                         style="danger")])

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

    def redraw(self) -> None:
        """The kiosk window changed size: the current step drawn again, nothing lost."""
        if self.busy or self.prompt is not None:
            return  # an answer on its way, or a question open: drawn at the next step
        if self.step == STEP_PROCEDURE and self.procedures:
            self.show_procedures()
        elif self.step == STEP_CARD and self.card_view == "scan":
            self.show_card()
        elif self.step == STEP_FORM:
            self.keep_form_values()
            self.show_form()
        elif self.step == STEP_PAPERS:
            self.show_papers(self.paper_position)
        elif self.step == STEP_REVIEW and getattr(self, "review", None) is not None:
            self.phone = self.phone_entry.get().strip()
            self.show_review(self.review)

    # --- idle -----------------------------------------------------------------------------

    def idle_ms(self, default_ms: int) -> int:
        if self.step in LONG_STEPS:
            return max(default_ms, self.ctx.config["kiosk.form_idle_seconds"] * 1000)
        return default_ms

    def on_idle(self) -> bool:
        """The kiosk's idle timer fired: ask first, on every step (the citizen's data is
        at stake from the first touch). True when asking (the kiosk then waits), False
        when there is nothing to keep (the receipt: its own countdown runs)."""
        if self.step == STEP_RECEIPT:
            return False
        if self.prompt is not None and self.prompt.alive:
            return True
        self.ask(_("Bạn còn cần thêm thời gian?"),
                 [Choice(_("Còn, tôi làm tiếp"), lambda _r: self.on_more_time()),
                  Choice(_("Không, làm lại từ đầu"), lambda _r: self.kiosk.show_start(),
                         style="danger")],
                 countdown=PROMPT_SECONDS,
                 countdown_text=_("Nếu không ai chạm màn hình, kiosk làm lại từ đầu sau {n} "
                                  "giây."))
        # it appeared by itself: a tap already on its way must not answer it
        self.kiosk.guard.raise_for()
        return True

    def on_more_time(self) -> None:
        self.dismiss_prompt()
        self.kiosk.touched()

    def on_touch(self, widget=None) -> None:
        """A touch means someone is here: a touch outside a pending reset question
        answers it ("keep my data"); a touch on it stops its countdown."""
        prompt = self.prompt
        if prompt is None or not prompt.alive or prompt.countdown is None:
            return
        inside = str(prompt.panel)
        if widget is not None and (str(widget) == inside
                                   or str(widget).startswith(inside + ".")):
            prompt.countdown.cancel()
            return
        self.on_more_time()

    def ask(self, text: str, choices: list[Choice], *, countdown: int = 0,
            countdown_text: str = "") -> None:
        self.dismiss_prompt()

        def answered(choice: Choice) -> Choice:  # the answer forgets the question first
            return Choice(choice.label, lambda reason: (self.dismiss_prompt(),
                                                        choice.on_choose(reason)),
                          choice.style)

        self.prompt = KioskPrompt(self.kiosk.window, text, [answered(c) for c in choices],
                                  countdown=countdown, countdown_text=countdown_text)

    def dismiss_prompt(self) -> None:
        prompt, self.prompt = self.prompt, None
        if prompt is not None:
            prompt.close()

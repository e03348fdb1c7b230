"""Step 1 of the kiosk's submission: the citizen chooses a procedure (a touch card each,
with its time limit and fee); its e-form is fetched before the card step."""

from __future__ import annotations

import tkinter as tk
from functools import partial

from sadec_desk.i18n import _
from sadec_desk.services.kiosk import submission
from sadec_desk.services.reception import eforms
from sadec_desk.views.kiosk.flow_frame import BG, NAVY, RED, STEP_PROCEDURE
from sadec_desk.views.kiosk.scale import kfont, px


class ProcedureStep:
    """A mixin of :class:`~sadec_desk.views.kiosk.submission.SubmissionFlow`."""

    def on_procedures(self, procedures) -> None:
        self.procedures = procedures
        self.show_procedures()

    def show_procedures(self) -> None:
        self.clear()
        self.set_step(STEP_PROCEDURE)
        tk.Label(self.content, text=_("Chạm vào thủ tục bạn muốn nộp hồ sơ."), font=kfont(16),
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
            button = tk.Button(card, text=p.name, font=kfont(18, "bold"), bg=colour, fg=NAVY,
                               activebackground="#bbdefb", relief="flat", bd=0, anchor="w",
                               padx=12, pady=2, command=command)
            button.pack(fill="x")
            detail = tk.Label(card, text=_("{time} · Lệ phí: {fee}").format(
                time=p.time_limit_text, fee=p.fee_text), font=kfont(13), bg=colour,
                fg="#455a64", anchor="w", justify="left", wraplength=px(580), padx=12)
            detail.pack(fill="x", pady=(0, 4))
            for part in (card, detail):  # the whole card is one touch target
                part.bind("<ButtonRelease-1>", lambda _e, c=command: c())
            self.procedure_buttons[p.code] = button
        if not self.procedures:
            tk.Label(self.content, text=_("Hiện chưa có thủ tục nào nộp được tại kiosk; mời bạn "
                                          "lấy số thứ tự để nộp tại quầy."), font=kfont(20),
                     bg=BG, fg=RED, wraplength=px(1100)).pack(pady=20)
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

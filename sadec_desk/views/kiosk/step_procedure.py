"""Step 1 of the kiosk's submission: the citizen chooses a procedure (a touch card each,
with its time limit and fee), in Vietnamese alphabetical order, narrowed by typing a few
letters (marks optional); its e-form is fetched before the card step."""

from __future__ import annotations

import tkinter as tk
from functools import partial

from sadec_desk.i18n import _
from sadec_desk.services.kiosk import guide, submission
from sadec_desk.services.reception import eforms
from sadec_desk.views.kiosk.flow_frame import BG, NAVY, RED, STEP_PROCEDURE
from sadec_desk.views.kiosk.scale import kfont, portrait, px, touch_keyboard

#: procedure cards on the screen at most (without / with the on-screen keyboard shown)
CARD_ROWS = 5
CARD_ROWS_TYPING = 2


class ProcedureStep:
    """A mixin of :class:`~sadec_desk.views.kiosk.submission.SubmissionFlow`."""

    def on_procedures(self, procedures) -> None:
        self.procedures = procedures  # in Vietnamese order (guide.list_procedures)
        self.show_procedures()

    def show_procedures(self) -> None:
        self.clear()
        self.set_step(STEP_PROCEDURE)
        top = tk.Frame(self.content, background=BG)
        top.pack(fill="x", pady=(0, px(4)))
        tk.Label(top, text=_("Chạm vào thủ tục bạn muốn nộp hồ sơ, hoặc gõ để tìm:"),
                 font=kfont(16), bg=BG, fg=NAVY).pack(side="left")
        self.procedure_query = tk.StringVar(master=top, value="")
        self.procedure_search = tk.Entry(top, textvariable=self.procedure_query,
                                         font=kfont(18), width=20)
        self.procedure_search.pack(side="left", padx=px(10))
        self.procedure_search.bind("<FocusIn>", lambda _e: self.show_search_keyboard(),
                                   add="+")
        self.procedure_query.trace_add("write", lambda *_a: self.fill_procedures())
        self.procedure_grid = tk.Frame(self.content, background=BG)
        self.procedure_grid.pack(fill="x")
        self.procedure_more = tk.Label(self.content, text="", font=kfont(15), bg=BG, fg=RED,
                                       wraplength=px(1100))
        self.procedure_more.pack()
        self.fill_procedures()
        self.create_footer()

    def show_search_keyboard(self) -> None:
        """The on-screen keyboard appears when the search field is touched (it would
        push the cards off a small screen if it were always there)."""
        self.kiosk.touched()
        if self.keyboard is not None:
            return
        self.keyboard = touch_keyboard(self.content, lambda _k: self.kiosk.touched())
        self.keyboard.frame.pack(side="bottom", fill="x", pady=(px(4), 0))
        self.keyboard.attach(self.procedure_search)
        self.fill_procedures()

    def fill_procedures(self) -> None:
        for child in self.procedure_grid.winfo_children():
            child.destroy()
        typed = self.procedure_query.get()
        found = [p for p in self.procedures if guide.matches(p.name, typed)]
        columns = 1 if portrait() else 2
        rows = CARD_ROWS_TYPING if self.keyboard is not None else CARD_ROWS
        if portrait():
            rows *= 2  # a tall screen has room for more cards, one per row
        for column in range(columns):
            self.procedure_grid.grid_columnconfigure(column, weight=1, uniform="procedure")
        self.procedure_buttons = {}
        for i, p in enumerate(found[:rows * columns]):
            chosen = self.procedure is not None and p.code == self.procedure.code
            colour = "#e3f2fd" if chosen else "white"
            card = tk.Frame(self.procedure_grid, background=colour, bd=2, relief="ridge")
            card.grid(row=i // columns, column=i % columns, sticky="nsew", padx=px(8),
                      pady=px(3))
            command = partial(self.on_procedure, p)
            button = tk.Button(card, text=p.name, font=kfont(18, "bold"), bg=colour, fg=NAVY,
                               activebackground="#bbdefb", relief="flat", bd=0, anchor="w",
                               justify="left", wraplength=px(580), padx=px(12), pady=2,
                               command=command)
            button.pack(fill="x")
            detail = tk.Label(card, text=_("{time} · Lệ phí: {fee}").format(
                time=p.time_limit_text, fee=p.fee_text), font=kfont(13), bg=colour,
                fg="#455a64", anchor="w", justify="left", wraplength=px(580), padx=px(12))
            detail.pack(fill="x", pady=(0, px(4)))
            for part in (card, detail):  # the whole card is one touch target
                part.bind("<ButtonRelease-1>", lambda _e, c=command: c())
            self.procedure_buttons[p.code] = button
        if not self.procedures:
            text = _("Hiện chưa có thủ tục nào nộp được tại kiosk; mời bạn lấy số thứ tự để "
                     "nộp tại quầy.")
        else:
            text = guide.search_hint(typed, len(found), len(self.procedure_buttons))
        self.procedure_more.configure(text=text)

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
        self.run(submission.declarant_choices, self.ctx, self.procedure.code,
                 on_done=self.on_declarants)

    def on_declarants(self, declarants: list) -> None:
        self.declarants = declarants
        self.show_card()

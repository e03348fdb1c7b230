"""Step 3 of the kiosk's submission: the procedure's e-form with the on-screen keyboard,
checked by the service before the papers."""

from __future__ import annotations

import tkinter as tk

from sadec_desk.i18n import _
from sadec_desk.services.kiosk import submission
from sadec_desk.services.reception import eforms
from sadec_desk.views.kiosk.flow_frame import BG, STEP_FORM
from sadec_desk.views.kiosk.scale import factor, touch_keyboard


class FormStep:
    """A mixin of :class:`~sadec_desk.views.kiosk.submission.SubmissionFlow`."""

    def show_form(self) -> None:
        from sadec_desk.views.eform import FormView
        self.clear()
        self.set_step(STEP_FORM)
        holder = tk.Frame(self.content, background=BG)
        holder.pack(fill="both", expand=True)
        self.keyboard = touch_keyboard(holder, lambda _k: self.kiosk.touched())
        self.form_view = FormView(holder, self.form, dict(self.values), keyboard=self.keyboard,
                                  on_change=self.kiosk.touched,
                                  declarants=getattr(self, "declarants", ()),
                                  on_declarant=self.on_declarant, scale=factor())
        self.keyboard.frame.pack(side="bottom", fill="x", pady=(4, 0))
        self.form_view.frame.pack(side="top", fill="both", expand=True)
        if self.declarants:
            # "Người khai là mẹ/cha của cháu" is at the top: show it, not the first empty
            # field the cursor went to
            view = self.form_view
            self.form_view.frame.after(150, lambda: view.frame.winfo_exists()
                                       and view.canvas.yview_moveto(0))
        self.create_footer(next_text=_("Tiếp tục ›"), on_next=self.on_form_next)

    def on_declarant(self, index: int) -> None:
        """"Người khai là mẹ của cháu": the mother's part filled from the card already read."""
        self.kiosk.touched()
        if self.busy:
            return
        self.run(submission.declarant_values, self.ctx, self.procedure.code, self.qr_text,
                 index, on_done=self.on_declarant_values)

    def on_declarant_values(self, values: dict) -> None:
        if self.step != STEP_FORM or self.form_view is None:
            return
        for name, value in values.items():
            self.form_view.set_value(name, value)
        self.say(_("Đã điền sẵn thông tin của bạn từ thẻ căn cước; hãy kiểm tra lại."),
                 ok=True)

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

"""Step 5 of the kiosk's submission: what will be submitted (procedure, applicant, the
form's first lines, papers, fee, due date), an optional phone number, and the submission."""

from __future__ import annotations

import tkinter as tk

from sadec_desk.i18n import _
from sadec_desk.services.kiosk import submission
from sadec_desk.views.kiosk.flow_frame import BG, NAVY, STEP_REVIEW
from sadec_desk.views.kiosk.scale import kfont, portrait, px

#: form lines on the review screen (the first ones: who and what; all are on the form)
REVIEW_FORM_LINES = 6


class ReviewStep:
    """A mixin of :class:`~sadec_desk.views.kiosk.submission.SubmissionFlow`."""

    def load_review(self) -> None:
        self.run(submission.review, self.ctx, self.draft,
                 procedure_code=self.procedure.code, qr_text=self.qr_text,
                 values=dict(self.values), on_done=self.show_review)

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
            tk.Label(table, text=label, font=kfont(14), bg="white", fg="#455a64").grid(
                row=i, column=0, sticky="nw", padx=(0, 20), pady=2)
            cell = tk.Label(table, text=value, font=kfont(15, "bold"), bg="white", fg=NAVY,
                            wraplength=px(460 if portrait() else 640), justify="left")
            cell.grid(row=i, column=1, sticky="w", pady=2)
            self.review_values[label] = cell
        phone_row = tk.Frame(self.content, background=BG)
        phone_row.pack(pady=(8, 0))
        tk.Label(phone_row, text=_("Số điện thoại để cán bộ liên hệ (không bắt buộc):"),
                 font=kfont(16), bg=BG, fg=NAVY).pack(side="left")
        self.phone_entry = tk.Entry(phone_row, font=kfont(20), width=13, justify="center")
        self.phone_entry.pack(side="left", padx=10)
        self.phone_entry.insert(0, self.phone)
        pad = tk.Frame(self.content, background=BG)
        pad.pack(pady=(6, 0))
        self.digit_buttons = {}
        for i, key in enumerate("1234567890⌫"):
            button = tk.Button(pad, text=key, font=kfont(20, "bold"), width=3, bg="white",
                               fg=NAVY, activebackground="#ffd54f", relief="raised", bd=2,
                               command=lambda k=key: self.on_digit(k))
            per_row = 6 if portrait() else 11  # two rows on a narrow screen
            button.grid(row=i // per_row, column=i % per_row, padx=3, pady=2)
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

"""Step 2 of the kiosk's submission: the ID card's QR held to the handheld scanner fills
the form, or, with no card at hand, the citizen types what is on it."""

from __future__ import annotations

import tkinter as tk

from sadec_desk.i18n import _
from sadec_desk.services.kiosk import pictures, submission
from sadec_desk.services.reception import intake
from sadec_desk.views.kiosk.flow_frame import BG, NAVY, RED, STEP_CARD, create_button
from sadec_desk.views.kiosk.scale import kfont, px, touch_keyboard


class CardStep:
    """A mixin of :class:`~sadec_desk.views.kiosk.submission.SubmissionFlow`."""

    def show_card(self) -> None:
        self.clear()
        self.set_step(STEP_CARD)
        self.card_view = "scan"
        tk.Label(self.content, text=self.procedure.name, font=kfont(18), bg=BG,
                 fg="#455a64").pack(pady=(4, 0))
        tk.Label(self.content, text=_("Quét mã QR trên thẻ CCCD"), font=kfont(30, "bold"), bg=BG,
                 fg=NAVY).pack(pady=(14, 4))
        self.qr_picture = tk.PhotoImage(master=self.content, data=pictures.card_qr_picture())
        tk.Label(self.content, image=self.qr_picture, bg=BG).pack()
        self.card_label = tk.Label(
            self.content, text=_("Đưa mã QR ở mặt trước thẻ căn cước vào trước máy quét. Tờ khai "
                                 "sẽ tự điền họ tên, ngày sinh, địa chỉ của bạn."),
            font=kfont(20), bg=BG, fg=NAVY, wraplength=px(1000))
        self.card_label.pack(pady=(6, 10))
        if self.qr_text:
            self.say(_("Đã đọc thẻ. Bấm «Tiếp tục», hoặc quét thẻ khác."), ok=True)
        self.manual_button = create_button(self.content, _("Không có thẻ? Nhập tay"),
                                           self.on_manual, bg="#00695c", width=22)
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
        # the form came up by itself (a scan, not a touch): a tap meant for the card screen
        # must not land on the form
        self.kiosk.guard.raise_for()

    def on_card_error(self, message: str) -> None:
        if self.step == STEP_CARD:
            self.card_label.configure(text=message, fg=RED)

    def on_manual(self) -> None:
        """No card at hand: the citizen types what is on it (it stands in for the QR)."""
        self.clear()
        self.set_step(STEP_CARD)
        self.card_view = "manual"
        tk.Label(self.content, text=_("Nhập thông tin trên thẻ căn cước của bạn"),
                 font=kfont(22, "bold"), bg=BG, fg=NAVY).pack(pady=(4, 6))
        grid = tk.Frame(self.content, background=BG)
        grid.pack()
        labels = intake.manual_labels()
        self.manual_entries = {}
        for row, name in enumerate(("id_number", "full_name", "date_of_birth", "address")):
            tk.Label(grid, text=labels[name], font=kfont(16), bg=BG, fg=NAVY).grid(
                row=row, column=0, sticky="w", padx=(0, 12), pady=3)
            entry = tk.Entry(grid, font=kfont(18), width=40)
            entry.grid(row=row, column=1, sticky="w", pady=3)
            self.manual_entries[name] = entry
        tk.Label(self.content, text=_("Ngày sinh viết dạng ngày/tháng/năm, ví dụ 21/03/2003."),
                 font=kfont(13), bg=BG, fg="#455a64").pack()
        sex = tk.Frame(self.content, background=BG)
        sex.pack(pady=(4, 0))
        tk.Label(sex, text=labels["gender"], font=kfont(16), bg=BG, fg=NAVY).pack(
            side="left", padx=(0, 12))
        self.gender = tk.StringVar(master=sex, value="")
        self.gender_buttons = {}
        for value, label in (("Nam", _("Nam")), ("Nữ", _("Nữ"))):
            button = tk.Radiobutton(sex, text=label, value=value, variable=self.gender,
                                    font=kfont(18, "bold"), indicatoron=False, width=6,
                                    tristatevalue="-",
                                    selectcolor="#ffd54f", bg="white", relief="raised", bd=2)
            button.pack(side="left", padx=6)
            self.gender_buttons[value] = button
        self.keyboard = touch_keyboard(self.content, lambda _k: self.kiosk.touched())
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

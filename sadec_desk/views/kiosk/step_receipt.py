"""Step 6 of the kiosk's submission: the receipt on the screen (dossier code, due date,
fee, whether the slip printed); "Xong" returns the kiosk to its start."""

from __future__ import annotations

import tkinter as tk

from sadec_desk.i18n import _
from sadec_desk.views.kiosk.flow_frame import BG, GREEN, NAVY, RED, STEP_RECEIPT, create_button
from sadec_desk.views.kiosk.scale import kfont, px

#: how long the receipt stays on the screen (the citizen may be copying the code)
RECEIPT_SECONDS = 30


class ReceiptStep:
    """A mixin of :class:`~sadec_desk.views.kiosk.submission.SubmissionFlow`."""

    def show_receipt(self, receipt) -> None:
        # submitted: the draft is now the dossier's, nothing is left to discard
        self.draft = None
        self.receipt = receipt
        self.clear()
        self.set_step(STEP_RECEIPT)
        tk.Label(self.content, text=_("Hồ sơ của bạn đã được tiếp nhận"), font=kfont(28, "bold"),
                 bg=BG, fg=GREEN).pack(pady=(20, 6))
        tk.Label(self.content, text=_("Mã hồ sơ"), font=kfont(20), bg=BG, fg=NAVY).pack()
        self.code_label = tk.Label(self.content, text=receipt.code, font=kfont(46, "bold"),
                                   bg=BG, fg="#c62828")
        self.code_label.pack()
        tk.Label(self.content, text=receipt.procedure_name, font=kfont(20), bg=BG,
                 fg=NAVY).pack(pady=(4, 0))
        self.due_label = tk.Label(self.content, text=_("Hẹn trả kết quả: {when}").format(
            when=receipt.due_text), font=kfont(24, "bold"), bg=BG, fg=NAVY)
        self.due_label.pack(pady=(10, 0))
        tk.Label(self.content, text=_("Lệ phí: {fee}").format(fee=receipt.fee_text),
                 font=kfont(18), bg=BG, fg=NAVY).pack(pady=(4, 0))
        if receipt.printed:
            text, colour = _("Phiếu đã được in: mời bạn nhận phiếu bên dưới."), GREEN
        else:
            text, colour = _("Máy in chưa in được phiếu; hãy ghi lại mã hồ sơ trên màn hình "
                             "hoặc nhờ cán bộ hỗ trợ."), RED
        self.print_label = tk.Label(self.content, text=text, font=kfont(20), bg=BG, fg=colour,
                                    wraplength=px(1100))
        self.print_label.pack(pady=(14, 0))
        self.shell.refresh_print_state()
        tk.Label(self.content, text=_("Cán bộ sẽ kiểm tra hồ sơ. Bạn xem tình trạng hồ sơ bằng "
                                      "cách quét mã QR trên phiếu hẹn tại kiosk này."),
                 font=kfont(16), bg=BG, fg="#455a64", wraplength=px(1100)).pack(pady=(6, 0))
        self.done_button = create_button(self.footer, _("Xong"), self.kiosk.show_start,
                                         bg="#2e7d32", width=12)
        self.done_button.pack()
        # the answer came from the worker: a second tap on "Nộp hồ sơ" must not land on
        # "Xong"; then back to the start by itself, counting down (time to note the code)
        self.kiosk.guard.raise_for()
        self.kiosk.show_result_later(RECEIPT_SECONDS, self.content)

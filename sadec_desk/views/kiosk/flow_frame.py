"""The frame every step of the kiosk's self-service submission shares: colours, the step
numbers and titles, the big touch button, the step bar at the top, the message line and
the footer ("Quay lại", "Hủy", the step's next button), and :meth:`FlowFrame.run`, the
one way a step calls a service in the worker.

:class:`FlowFrame` is a mixin of :class:`~sadec_desk.views.kiosk.submission.SubmissionFlow`
(which builds the frame's widgets); the steps (``step_*.py``) are its other mixins.
"""

from __future__ import annotations

import tkinter as tk

from sadec_desk.i18n import _
from sadec_desk.services.kiosk import citizen_errors
from sadec_desk.views.kiosk.scale import kfont, portrait, px

BG = "#f4f7fb"
NAVY = "#0b3d6b"
RED = "#b02a37"
GREEN = "#1b5e20"
GREY = "#546e7a"

STEP_PROCEDURE, STEP_CARD, STEP_FORM, STEP_PAPERS, STEP_REVIEW, STEP_RECEIPT = range(6)
# literal _() calls so that xgettext finds them
STEP_TITLES = (lambda: _("Chọn thủ tục"), lambda: _("Quét CCCD"), lambda: _("Điền tờ khai"),
               lambda: _("Giấy tờ"), lambda: _("Kiểm tra"), lambda: _("Biên nhận"))
#: steps where a citizen may spend minutes reading or typing: the longer idle applies
LONG_STEPS = (STEP_FORM, STEP_PAPERS, STEP_REVIEW)


def create_button(parent, text: str, command, *, bg: str = "#1565c0", size: int = 18,
                  width: int = 12, height: int = 1) -> tk.Button:
    """A big touch button (white text on ``bg``), the only kind the flow shows."""
    return tk.Button(parent, text=text, font=kfont(size, "bold"), width=width, height=height,
                     bg=bg, fg="white", activebackground=NAVY, activeforeground="white",
                     disabledforeground="#cfd8dc", relief="flat", padx=10, pady=8,
                     wraplength=px(max(200, width * size)), command=command)


class FlowFrame:
    """The header with its step bar, the message line, the footer, and service calls."""

    def create_header(self) -> None:
        header = tk.Frame(self.frame, background=BG)
        header.pack(fill="x", padx=px(40), pady=(px(14), px(6)))
        self.step_label = tk.Label(header, text="", font=kfont(22, "bold"), bg=BG, fg=NAVY,
                                   anchor="w")
        self.step_label.pack(fill="x")
        bar = tk.Frame(header, background=BG)
        bar.pack(fill="x", pady=(6, 0))
        self.step_cells = []
        for i, title in enumerate(STEP_TITLES):
            # portrait: the numbers only (six titles do not fit a 1080 px wide screen)
            text = f"{i + 1}" if portrait() else f"{i + 1}. {title()}"
            cell = tk.Label(bar, text=text, font=kfont(13, "bold"),
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
        self.close_usb_picker()
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
        self.back_button = create_button(self.footer, _("‹ Quay lại"), self.on_back, bg=GREY)
        self.back_button.pack(side="left", padx=(px(40), px(10)))
        self.cancel_button = create_button(self.footer, _("Hủy"), self.on_cancel, bg="#8d6e63",
                                           width=8)
        self.cancel_button.pack(side="left", padx=10)
        self.next_button = None
        if next_text:
            self.next_button = create_button(self.footer, next_text, on_next, bg=next_bg,
                                             width=16)
            # clear of the staff button in the bottom right corner
            self.next_button.pack(side="right", padx=(px(10), px(140)))

    def show_wait(self) -> None:
        self.clear()
        tk.Label(self.content, text=_("Xin chờ một chút…"), font=kfont(24), bg=BG,
                 fg=NAVY).pack(pady=px(120))

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
        # a technical failure reaches the citizen as a calm sentence (the log has it)
        self.tasks.submit(citizen_errors.citizen_call, fn, *args, on_done=done,
                          on_error=failed, **kwargs)

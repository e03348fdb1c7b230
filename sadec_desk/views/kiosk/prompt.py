"""The kiosk's question panel and its countdowns (issue #17 item 4).

A kiosk is full screen: a question is a panel inside the kiosk window (a window of its
own could open behind it), with big buttons laid out like
:class:`sadec_desk.views.dialogs.AskDialog`'s: ``choices[0]`` is the safe answer on the
left; the others on the right, an answer that ends or destroys something (style
``"danger"``) red and rightmost. It never uses the same colour for "continue" and for
"yes, cancel my dossier".

:class:`Countdown` is the visible "… sau 8 giây" of every automatic step: an automatic
return to the start screen, and the reset a question announces.
"""

from __future__ import annotations

import tkinter as tk
from collections.abc import Callable

from sadec_desk.views.dialogs import Choice
from sadec_desk.views.kiosk.scale import kfont, px

NAVY = "#0b3d6b"
SAFE_BG = "#1565c0"
OTHER_BG = "#546e7a"
DANGER_BG = "#c62828"

__all__ = ["Choice", "Countdown", "KioskPrompt"]


class Countdown:
    """Shows ``text`` (with ``{n}``, the seconds left) in ``label`` once a second and
    calls ``on_end`` when it reaches 0. :meth:`cancel` stops it (a touch, a new screen)."""

    def __init__(self, label: tk.Label, seconds: int, text: str, on_end: Callable[[], None]):
        self.label, self.left, self.text, self.on_end = label, int(seconds), text, on_end
        self._job: str | None = None
        self._show()
        self._job = label.after(1000, self._tick)

    def _show(self) -> None:
        if self.label.winfo_exists():
            self.label.configure(text=self.text.format(n=self.left))

    def _tick(self) -> None:
        self._job = None
        self.left -= 1
        if self.left <= 0:
            self.on_end()
            return
        self._show()
        self._job = self.label.after(1000, self._tick)

    @property
    def running(self) -> bool:
        return self._job is not None

    def cancel(self) -> None:
        if self._job is not None:
            try:
                self.label.after_cancel(self._job)
            except tk.TclError:
                pass
            self._job = None


class KioskPrompt:
    """A question over the kiosk's screen; ``countdown`` (seconds) answers it with the
    last choice's callback when nobody touches the screen meanwhile."""

    def __init__(self, window, text: str, choices: list[Choice], *, countdown: int = 0,
                 countdown_text: str = ""):
        self.panel = tk.Frame(window, background="white", bd=3, relief="ridge",
                              padx=px(40), pady=px(26))
        self.panel.place(relx=0.5, rely=0.45, anchor="center")
        tk.Label(self.panel, text=text, font=kfont(24, "bold"), bg="white", fg=NAVY,
                 wraplength=px(800)).pack(pady=(0, px(14)))
        self.countdown_label = tk.Label(self.panel, text="", font=kfont(18), bg="white",
                                        fg=DANGER_BG)
        self.countdown_label.pack(pady=(0, px(10)))
        row = tk.Frame(self.panel, background="white")
        row.pack(fill="x")
        self.buttons: dict[str, tk.Button] = {}
        for i, choice in enumerate(choices):
            bg = DANGER_BG if choice.style == "danger" else (SAFE_BG if i == 0 else OTHER_BG)
            self.buttons[choice.label] = tk.Button(
                row, text=choice.label, font=kfont(20, "bold"), width=18, bg=bg, fg="white",
                activebackground=NAVY, activeforeground="white", relief="flat",
                padx=px(10), pady=px(8), wraplength=px(340),
                command=lambda c=choice: self.choose(c))
        # the safe answer on the left, the destructive one rightmost (as AskDialog)
        self.buttons[choices[0].label].pack(side="left", padx=(0, px(24)))
        for choice in reversed(choices[1:]):
            self.buttons[choice.label].pack(side="right", padx=(px(12), 0))
        self.choices = choices
        self.countdown: Countdown | None = None
        if countdown:
            self.countdown = Countdown(self.countdown_label, countdown, countdown_text,
                                       lambda: self.choose(choices[-1]))

    @property
    def alive(self) -> bool:
        return self.panel.winfo_exists()

    def choose(self, choice: Choice) -> None:
        self.close()
        choice.on_choose("")

    def close(self) -> None:
        if self.countdown is not None:
            self.countdown.cancel()
        if self.panel.winfo_exists():
            self.panel.destroy()

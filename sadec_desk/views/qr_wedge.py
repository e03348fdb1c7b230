"""Recognising a keyboard-wedge QR scanner among the clerk's own typing.

A handheld scanner in keyboard mode "types" the QR text far faster than a person
(a few milliseconds per character) and ends with Enter. :class:`WedgeDetector`
watches every key press of the window, wherever the focus is in it; when
a burst of at least :data:`MIN_LENGTH` characters with gaps of at most
:data:`MAX_GAP_MS` ends in Enter, it removes what the burst typed into the focused
field, swallows the Enter and hands the text to the scan handler.
"""

from __future__ import annotations

import time
import tkinter as tk
from collections.abc import Callable

#: longest gap between two characters of one scan; people rarely type 2 keys < 30 ms
#: apart, and never a dozen in a row
MAX_GAP_MS = 30
#: shorter bursts are a person's fast fingers (or a barcode of a few digits)
MIN_LENGTH = 10


class WedgeDetector:
    def __init__(self, root: tk.Misc, on_scan: Callable[[str], None], *,
                 max_gap_ms: int = MAX_GAP_MS, min_length: int = MIN_LENGTH):
        self.on_scan = on_scan
        self.max_gap_ms = max_gap_ms
        self.min_length = min_length
        self._chars: list[str] = []
        self._last: float | None = None
        self.enabled = True
        # the window's own bind tag is on every widget inside it: wherever the focus is in
        # this window, and (unlike bind_all) gone with the window
        root.bind("<KeyPress>", self.on_key, add="+")

    @staticmethod
    def _time_ms(event) -> float:
        # X events carry the server time in ms; generated events without it use ours
        return float(event.time) if getattr(event, "time", 0) else time.monotonic() * 1000

    def on_key(self, event):
        if not self.enabled:
            return None
        if self._masked(event.widget):
            # a password or PIN is never a QR: fast fingers (or a password manager) in a
            # masked field must not have the secret taken out and handed on as a "scan"
            self._chars, self._last = [], None
            return None
        now = self._time_ms(event)
        fast = self._last is not None and now - self._last <= self.max_gap_ms
        self._last = now
        if event.keysym in ("Return", "KP_Enter"):
            text = "".join(self._chars)
            burst = fast and len(self._chars) >= self.min_length
            self._chars = []
            if burst:
                self._remove_typed(event.widget, text)
                self.on_scan(text)
                return "break"
            return None
        char = event.char
        if not char or len(char) != 1 or (ord(char) < 32 and char != "\t"):
            return None  # Shift, arrows, function keys: not part of the text
        if not fast:
            self._chars = []
        self._chars.append(char)
        return None

    def looks_like_scan(self, event) -> bool:
        """For a field's own Enter binding (it runs before the window-wide one): is this
        Enter the end of a scanner burst? Then the field should leave it alone."""
        if not self.enabled or self._last is None:
            return False
        return (self._time_ms(event) - self._last <= self.max_gap_ms
                and len(self._chars) >= self.min_length)

    @staticmethod
    def _masked(widget) -> bool:
        """Is this an entry that hides what is typed (``show="•"``)?"""
        try:
            return isinstance(widget, tk.Entry | tk.ttk.Entry) and bool(widget.cget("show"))
        except tk.TclError:
            return False

    @staticmethod
    def _remove_typed(widget, text: str) -> None:
        """Take the scanned text back out of the field that had the focus."""
        try:
            if isinstance(widget, tk.Entry | tk.ttk.Entry):
                content = widget.get()
                at = content.rfind(text)
                if at >= 0:
                    widget.delete(at, at + len(text))
            elif isinstance(widget, tk.Text):
                content = widget.get("1.0", "end-1c")
                at = content.rfind(text)
                if at >= 0:
                    widget.delete(f"1.0+{at}c", f"1.0+{at + len(text)}c")
        except tk.TclError:
            pass

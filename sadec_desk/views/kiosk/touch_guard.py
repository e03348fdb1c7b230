"""Taps are ignored for a moment after the kiosk's screen changes by itself (issue #17
item 4): a finger already on its way to "Đánh giá" or "Xong" must not land on whatever
the automatic return put under it (the rating's "thank you" went home under a finger and
a late tap printed an unwanted ticket).

Every widget of the window gets the bind tag :data:`TAG` in front of its own tags; while
the guard is up that tag's handler answers button presses and releases with "break", so
the widget's own handlers (a button's command) never run. The tag is added again each
time the guard goes up, to the widgets the new screen just made.
"""

from __future__ import annotations

import time

#: how long taps are ignored after the screen changed by itself
GUARD_SECONDS = 1.0
TAG = "SadecKioskTouchGuard"
_EVENTS = ("<ButtonPress>", "<ButtonRelease>")


class TouchGuard:
    def __init__(self, window, *, clock=time.monotonic):
        self.window = window
        self.clock = clock
        self.until = 0.0
        for sequence in _EVENTS:
            window.bind_class(TAG, sequence, self._filter)

    @property
    def up(self) -> bool:
        return self.clock() < self.until

    def _filter(self, _event):
        return "break" if self.up else None

    def raise_for(self, seconds: float = GUARD_SECONDS) -> None:
        """The screen just changed by itself: ignore taps for ``seconds``."""
        self.until = self.clock() + seconds
        self._tag(self.window)

    def _tag(self, widget) -> None:
        tags = widget.bindtags()
        if TAG not in tags:
            widget.bindtags((TAG,) + tuple(tags))
        for child in widget.winfo_children():
            self._tag(child)

"""The kiosk's sizes follow its screen (issue #17 item 3): the screens were drawn for a
1366×768 touch screen; a 1920×1080 one gets everything 1.4 times as big; a 1080×1920
portrait one keeps about the design's size with its buttons in fewer columns. Nothing ends
outside the window and nothing sits lost in the middle of a TV-sized screen.

One kiosk window is open at a time (a PC is one kiosk), so the factor is a module value
that :func:`set_screen` sets when the window opens; :func:`kfont` and :func:`px` read it.
"""

from __future__ import annotations

import re

from sadec_desk.views.widgets import font

DESIGN_SIZE = (1366, 768)
#: what the portrait layouts (one or two columns) need at factor 1
PORTRAIT_DESIGN_SIZE = (1100, 1400)
_factor = [1.0]
_portrait = [False]


def set_screen(width: int, height: int) -> float:
    """Set the factor for a ``width``×``height`` window; returns it."""
    _portrait[0] = height > width
    # portrait screens lay their buttons out in fewer columns (views check portrait()),
    # so their width goes further than the landscape design's
    design = PORTRAIT_DESIGN_SIZE if _portrait[0] else DESIGN_SIZE
    factor = min(width / design[0], height / design[1])
    _factor[0] = max(0.6, min(factor, 2.5))
    return _factor[0]


def window_size(geometry: str) -> tuple[int, int] | None:
    """(width, height) of a Tk geometry string such as "1366x768+0+0"."""
    match = re.match(r"(\d+)x(\d+)", geometry or "")
    return (int(match.group(1)), int(match.group(2))) if match else None


def factor() -> float:
    return _factor[0]


def portrait() -> bool:
    """The window is taller than wide at the last :func:`set_screen` (columns fewer)."""
    return _portrait[0]


def kfont(size: int, weight: str = "normal") -> tuple:
    """``font(size)`` scaled to the kiosk's screen."""
    return font(max(8, round(size * _factor[0])), weight)


def px(pixels: int) -> int:
    """A length in pixels (a wrap length, a padding) scaled to the kiosk's screen."""
    return max(1, round(pixels * _factor[0]))


def touch_keyboard(parent, on_key):
    """The on-screen keyboard at the kiosk's size (marks under the letters in portrait)."""
    from sadec_desk.views.osk import OnScreenKeyboard

    return OnScreenKeyboard(parent, on_key=on_key, scale=_factor[0], stacked=_portrait[0])

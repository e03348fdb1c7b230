"""The Vietnamese typing rules the kiosk's on-screen keyboard needs: which keys are marks,
the word before the cursor, and a mark put on (or taken off) that word.

A thin pass-through to :mod:`sadec_desk.domain.vn_keys` on purpose: views reach the pure
rules only through services (docs/architecture.md), and the rules themselves stay in the
domain where they are tested without Tk.
"""

from __future__ import annotations

from sadec_desk.domain import vn_keys

#: the mark keys (tones, shapes, the đ stroke); any other key types its letter
MARKS = vn_keys.MARKS


def last_word(text: str) -> tuple[int, str]:
    """(start, word): the run of letters at the end of ``text`` (may be empty)."""
    return vn_keys.last_word(text)


def apply_mark(word: str, mark: str) -> str | None:
    """``word`` with ``mark`` applied (or removed when it is already there), NFC; None
    when the word has no letter the mark can go on."""
    return vn_keys.apply_mark(word, mark)

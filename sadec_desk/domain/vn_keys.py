"""Vietnamese letters on a touch keyboard without Telex or VNI (issue #8).

A citizen taps a base letter, then a mark key; the mark goes onto the right vowel of
the word before the cursor:

- tones (thanh điệu): ``acute`` sắc, ``grave`` huyền, ``hook`` hỏi, ``tilde`` ngã,
  ``dot`` nặng — one per syllable; tapping the same tone again removes it, another tone
  replaces it;
- letter shapes: ``circumflex`` (â ê ô), ``breve`` (ă), ``horn`` (ơ ư; "uo" followed by a
  letter becomes "ươ" as in "người", "được"), ``stroke`` (đ) — tapping again removes it.

Tone placement follows the "old style" (kiểu cũ) used in state documents, e.g.
"Cộng hòa" on the national motto: a vowel with a shape (ă â ê ô ơ ư) takes the tone
(ơ in "ươ"); otherwise, with a final consonant, the last vowel ("hoàng", "huỳnh");
in an open syllable of three vowels the middle one ("ngoài"), of two vowels the first
("hóa", "hòe", "thúy", "mùa"). "qu" and "gi" before a vowel count as consonants
("quá", "già"). Results are NFC.
"""

from __future__ import annotations

import unicodedata

TONES = {"acute": "\u0301", "grave": "\u0300", "hook": "\u0309", "tilde": "\u0303",
         "dot": "\u0323"}
SHAPES = {"circumflex": "\u0302", "breve": "\u0306", "horn": "\u031b"}
MARKS = frozenset({*TONES, *SHAPES, "stroke"})
VOWELS = frozenset("aeiouy")
# which base vowels each shape can sit on
_SHAPE_BASES = {"circumflex": "aeo", "breve": "a", "horn": "ou"}


class _Letter:
    __slots__ = ("base", "shape", "tone", "upper", "stroke", "raw")

    def __init__(self, ch: str):
        self.raw = ch
        nfd = unicodedata.normalize("NFD", ch)
        self.upper = ch != ch.lower()
        self.stroke = ch in "đĐ"
        self.base = "d" if self.stroke else nfd[0].lower()
        rest = nfd[1:]
        self.shape = next((c for c in rest if c in SHAPES.values()), "")
        self.tone = next((c for c in rest if c in TONES.values()), "")

    @property
    def is_vowel(self) -> bool:
        return self.base in VOWELS and not self.stroke

    def text(self) -> str:
        if self.stroke:
            return "Đ" if self.upper else "đ"
        out = unicodedata.normalize("NFC", self.base + self.shape + self.tone)
        return out.upper() if self.upper else out


def last_word(text: str) -> tuple[int, str]:
    """(start, word): the run of letters at the end of ``text`` (may be empty)."""
    start = len(text)
    while start > 0 and text[start - 1].isalpha():
        start -= 1
    return start, text[start:]


def _cluster(letters: list[_Letter]) -> tuple[int, int]:
    """[start, end) of the syllable's vowel nucleus, (0, 0) when there is none."""
    bases = "".join(x.base if not x.stroke else "đ" for x in letters)
    i = 0
    while i < len(letters) and not letters[i].is_vowel:
        i += 1
    if i == len(letters):
        return 0, 0
    # "qu" and "gi" + vowel: the u / i belongs to the initial consonant
    if (bases.startswith(("qu", "gi")) and i == 1 and len(letters) > 2
            and letters[2].is_vowel):
        i = 2
    end = i
    while end < len(letters) and letters[end].is_vowel:
        end += 1
    return i, end


def tone_position(letters: list[_Letter]) -> int | None:
    start, end = _cluster(letters)
    if start == end:
        return None
    shaped = [k for k in range(start, end) if letters[k].shape]
    if shaped:
        return shaped[-1]  # ươ: the tone goes on ơ
    if end < len(letters):  # a final consonant
        return end - 1
    size = end - start
    if size >= 3:
        return start + 1
    return start  # old style: hóa, thúy, mùa


def _place_tone(letters: list[_Letter], tone: str) -> None:
    for x in letters:
        x.tone = ""
    if tone:
        pos = tone_position(letters)
        if pos is not None:
            letters[pos].tone = tone


def _apply_shape(letters: list[_Letter], mark: str) -> bool:
    start, end = _cluster(letters)
    if mark == "stroke":
        if letters and letters[0].base == "d":
            letters[0].stroke = not letters[0].stroke
            return True
        return False
    if start == end:
        return False
    combining = SHAPES[mark]
    if mark == "horn":
        bases = "".join(x.base for x in letters[start:end])
        k = bases.find("uo")
        # "ươ" needs a letter after it (người, được); a bare "uo" is "uơ" (thuở, huơ)
        if k >= 0 and start + k + 2 < len(letters):
            pair = letters[start + k:start + k + 2]
            on = not all(x.shape == combining for x in pair)
            for x in pair:
                x.shape = combining if on else ""
            return True
    candidates = [k for k in range(start, end) if letters[k].base in _SHAPE_BASES[mark]]
    if mark == "horn" and not any(letters[k].base == "o" for k in candidates):
        candidates = candidates[:1]  # ư is the first vowel: ưu, ưa, ưi (hữu, mưa, gửi)
    if not candidates:
        return False
    target = letters[candidates[-1]]
    target.shape = "" if target.shape == combining else combining
    return True


def apply_mark(word: str, mark: str) -> str | None:
    """``word`` with ``mark`` applied (or removed when it is already there), NFC;
    None when the word has no letter the mark can go on."""
    if mark not in MARKS:
        raise ValueError(f"unknown mark {mark!r}")
    word = unicodedata.normalize("NFC", word)
    if not word or not word.isalpha():
        return None
    letters = [_Letter(ch) for ch in word]
    tone = next((x.tone for x in letters if x.tone), "")
    if mark in TONES:
        if tone_position(letters) is None:
            return None
        _place_tone(letters, "" if tone == TONES[mark] else TONES[mark])
    else:
        if not _apply_shape(letters, mark):
            return None
        _place_tone(letters, tone)  # a new shape can move the tone (toán -> toấn)
    return "".join(x.text() for x in letters)


def compose(text: str, mark: str) -> str | None:
    """``text`` (what precedes the cursor) with ``mark`` applied to its last word;
    None when there is nothing to put the mark on."""
    start, word = last_word(text)
    new = apply_mark(word, mark) if word else None
    return None if new is None else text[:start] + new


def type_sequence(keys: list[str] | tuple[str, ...]) -> str:
    """What tapping ``keys`` in order gives: marks by name, anything else typed as is.

    A mark with nothing to go on is ignored (the keyboard flashes it). For tests and
    the keyboard's own help examples."""
    text = ""
    for key in keys:
        if key in MARKS:
            text = compose(text, key) or text
        elif key == "backspace":
            text = text[:-1]
        else:
            text += key
    return text

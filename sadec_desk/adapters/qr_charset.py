"""Undoing ZBar's charset guess on QR text; telling a failed guess from Vietnamese.

Split out of :mod:`sadec_desk.adapters.qr_image` (which re-exports
:func:`repair_zbar_text`); the why is in that module's docstring and docs/design.md §3.5.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

#: Big5 trail bytes in order: 0x40..0x7E then 0xA1..0xFE (157 per lead byte)
_BIG5_TRAILS = bytes(range(0x40, 0x7F)) + bytes(range(0xA1, 0xFF))
#: glibc's BIG5 (which ZBar uses through iconv) maps the user-defined area
#: 0xC6A1..0xC8FE linearly onto U+F6B1.. (private use); Python's big5 codecs do
#: not. UTF-8 "ơ" (C6 A1) and "ư" (C6 B0) land there, so Vietnamese text that
#: ZBar read as Big5 has these private-use characters.
_BIG5_EUDC_FIRST = 0xF6B1
_BIG5_EUDC_START = (0xC6 - 0x81) * len(_BIG5_TRAILS) + _BIG5_TRAILS.index(0xA1)
_BIG5_EUDC_COUNT = 408


def _encode_big5_glibc(text: str) -> bytes:
    """Encode like the inverse of glibc's BIG5 decoder, one character at a time."""
    out = bytearray()
    for ch in text:
        offset = ord(ch) - _BIG5_EUDC_FIRST
        if 0 <= offset < _BIG5_EUDC_COUNT:
            lead, trail = divmod(_BIG5_EUDC_START + offset, len(_BIG5_TRAILS))
            out += bytes((0x81 + lead, _BIG5_TRAILS[trail]))
        elif ch == "\x80":  # glibc passes a lone 0x80 through
            out.append(0x80)
        else:
            out += _encode_big5_char(ch)
    return bytes(out)


@cache
def _encode_big5_char(ch: str) -> bytes:
    # glibc's table differs from Python's big5 in a few places (A3E1 is €,
    # A145 is U+2027, ...): cp950 has those.
    for codec in ("big5", "cp950", "big5hkscs"):
        try:
            return ch.encode(codec)
        except UnicodeEncodeError:
            continue
    raise UnicodeEncodeError("big5", ch, 0, 1, "not in glibc's BIG5 either")


#: ZBar's guesses for byte-mode data without an ECI marker, as encoders that
#: give the bytes back: Shift-JIS (Python's shift_jis maps ¥ and ‾ back to
#: 0x5C/0x7E like iconv's SJIS; cp932 covers the NEC/IBM rows), Big5 (with
#: glibc's user-defined area) and Latin-1.
_ZBAR_GUESSES: tuple[Callable[[str], bytes], ...] = (
    lambda text: text.encode("shift_jis"),
    lambda text: text.encode("cp932"),
    _encode_big5_glibc,
    lambda text: text.encode("latin-1"),
)


def is_failed_charset_guess(text: str) -> bool:
    """True when ``text`` has characters that no Vietnamese QR contains.

    CJK ideographs, kana and half-width katakana are what UTF-8 Vietnamese
    looks like through a Shift-JIS or Big5 guess; U+FFFD marks undecodable bytes.
    """
    for ch in text:
        cp = ord(ch)
        if (
            0x2E80 <= cp <= 0x9FFF  # CJK radicals, punctuation, kana, ideographs
            or 0xAC00 <= cp <= 0xD7AF  # Hangul syllables
            or 0xF900 <= cp <= 0xFAFF  # CJK compatibility ideographs
            or 0xFF61 <= cp <= 0xFF9F  # half-width katakana
            or 0x20000 <= cp <= 0x3FFFF  # CJK extensions B..
            or cp == 0xFFFD
        ):
            return True
    return False


def _is_latin_text(text: str) -> bool:
    """True when ``text`` is made of what Vietnamese and ASCII texts contain."""
    for ch in text:
        cp = ord(ch)
        if not (
            0x20 <= cp < 0x7F
            or ch in "\t\r\n"
            or 0xA0 <= cp < 0x250  # Latin-1 supplement, Latin extended A and B
            or 0x300 <= cp < 0x370  # combining diacritics (decomposed text)
            or 0x1E00 <= cp < 0x1F00  # Latin extended additional: ạ ả ấ ầ ẩ ẫ ậ ...
            or 0x2000 <= cp < 0x2070  # general punctuation
            or 0x20A0 <= cp < 0x20D0  # currency signs, ₫
        ):
            return False
    return True


def repair_zbar_text(text: str) -> tuple[str, bytes]:
    """Undo ZBar's charset guess: return (text, raw bytes) of the code's UTF-8 content.

    ZBar converted the raw bytes to text with a guessed codec; encoding the text
    back with that codec gives the raw bytes. The codec is unknown, so each
    candidate is tried; the first whose bytes are valid UTF-8 and read as Latin
    text wins. (Several codecs can round-trip the same mojibake; only the right
    one gives Vietnamese.) Text that is already right (ASCII, or UTF-8 guessed
    correctly) comes back unchanged: Vietnamese letters do not exist in
    Shift-JIS or Big5, and their Latin-1 bytes are not valid UTF-8.
    """
    if text.isascii():
        return text, text.encode("ascii")
    fallback = None
    for encode in _ZBAR_GUESSES:
        try:
            raw = encode(text)
            repaired = raw.decode("utf-8")
        except UnicodeError:
            continue
        if repaired == text:
            continue
        if _is_latin_text(repaired):
            return repaired, raw
        if fallback is None and not is_failed_charset_guess(repaired):
            fallback = repaired, raw
    if fallback is not None and is_failed_charset_guess(text):
        return fallback
    return text, text.encode("utf-8")


def text_from_raw(raw: bytes, fallback: str) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        # Not UTF-8 (an old code in another charset with an ECI marker):
        # trust the decoder's own conversion.
        return fallback

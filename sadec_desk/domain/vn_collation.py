"""Vietnamese alphabetical order and accent-free search keys (pure; no I/O).

Python's ``sorted`` compares code points: "Chứng thực…" lands before "Cấp…" (h, U+0068,
is below ấ, U+1EA5) and "Đăng ký…" after "Z" (Đ is U+0110). A citizen looks
for a procedure in the order of Vietnamese dictionaries (e.g. Từ điển tiếng Việt, Viện
Ngôn ngữ học), the 29-letter alphabet taught at school:

    a ă â b c d đ e ê g h i k l m n o ô ơ p q r s t u ư v x y

Letters are compared first, ignoring tones; only words equal letter for letter are then
ordered by their tones, in the dictionary's order: level (ngang), grave (huyền), hook
(hỏi), tilde (ngã), acute (sắc), dot below (nặng). Letters outside the alphabet (f, j,
w, z of foreign words) take their Latin place; digits come before letters and a space
before everything, so "Cấp bản sao" comes before "Cấp bản sao từ sổ gốc".
"""

from __future__ import annotations

import unicodedata

ALPHABET = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz"
#: combining marks that change a letter (ă â ê ô ơ ư): part of the letter
_SHAPES = {"\u0306": "breve", "\u0302": "circumflex", "\u031b": "horn"}
#: combining tone marks, in the dictionary's order (level = 0)
TONES = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}
_RANK = {letter: i for i, letter in enumerate(ALPHABET)}
_SPACE_RANK = -2
_DIGIT_BASE = -20  # digits 0-9 rank -20..-11: before letters, after a space


def _letters(text: str) -> list[tuple[str, int]]:
    """(letter with its shape mark, tone 0-5) for each base character of ``text``."""
    out: list[tuple[str, int]] = []
    for ch in unicodedata.normalize("NFD", text.lower()):
        if ch in TONES and out:
            out[-1] = (out[-1][0], TONES[ch])
        elif ch in _SHAPES and out:
            out[-1] = (unicodedata.normalize("NFC", out[-1][0] + ch), out[-1][1])
        elif unicodedata.combining(ch):
            continue  # any other mark does not change the order
        else:
            out.append((ch, 0))
    return out


def _rank(letter: str) -> int:
    if letter in _RANK:
        return _RANK[letter]
    if letter.isspace():
        return _SPACE_RANK
    if letter.isdigit():
        return _DIGIT_BASE + int(letter) if letter in "0123456789" else _DIGIT_BASE
    # punctuation and other scripts after the alphabet, among themselves by code point
    return len(ALPHABET) + ord(letter)


def vietnamese_sort_key(text: str) -> tuple:
    """A key for ``sorted`` that puts Vietnamese text in dictionary order."""
    letters = _letters(" ".join(text.split()))
    return (tuple(_rank(letter) for letter, _tone in letters),
            tuple(tone for _letter, tone in letters), text)


def search_key(text: str) -> str:
    """``text`` without any mark, đ as d, lower case, single spaces: "Chứng thực" and
    "chung thuc" have the same key."""
    bare = "".join(ch for ch in unicodedata.normalize("NFD", text.lower())
                   if not unicodedata.combining(ch))
    return " ".join(bare.replace("đ", "d").split())

"""Dossier codes (mã hồ sơ), Thông tư 01/2018/TT-VPCP Art. 19.

``<agency code>-<YYMMDD>-<NNNN>``: the receiving agency's identifier (QCVN 102:2016,
e.g. ``000.00.14.H20``), the day received and a per-agency, per-day sequence from 0001.
Example from a real portal: ``000.00.14.H20-200703-0002``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from urllib.parse import unquote

from sadec_desk.errors import InvalidInput
from sadec_desk.i18n import _

EXAMPLE_AGENCY_CODE = "000.31.14.H20"
EXAMPLE_DOSSIER_CODE = "000.00.14.H20-200703-0002"

# QCVN 102:2016 identifiers are four dot-separated groups of 1–3 letters/digits.
_AGENCY = r"[A-Z0-9]{1,3}(?:\.[A-Z0-9]{1,3}){3}"
_AGENCY_RE = re.compile(_AGENCY)
# The sequence is 4 digits (Art. 19) but widens past 9999 rather than repeat a code.
_CODE_RE = re.compile(rf"({_AGENCY})-([0-9]{{6}})-([0-9]{{4,}})")
# Inside a URL or free text: not glued to a longer identifier on either side.
_FIND_RE = re.compile(
    rf"(?<![A-Za-z0-9.])({_AGENCY})-([0-9]{{6}})-([0-9]{{4,}})(?![0-9])", re.IGNORECASE
)


@dataclass(frozen=True)
class DossierCodeParts:
    agency_code: str
    day: date
    seq: int


def validate_agency_code(code: str) -> str:
    """The normalised (stripped, upper-case) agency code, or InvalidInput."""
    normalised = code.strip().upper() if isinstance(code, str) else ""
    if not _AGENCY_RE.fullmatch(normalised):
        raise InvalidInput(
            _("Mã cơ quan «{code}» không đúng dạng QCVN 102:2016; hãy nhập bốn nhóm chữ/số "
              "cách nhau bởi dấu chấm, ví dụ {example}.")
            .format(code=code, example=EXAMPLE_AGENCY_CODE)
        )
    return normalised


def format_dossier_code(agency_code: str, day: date, seq: int) -> str:
    """E.g. ``format_dossier_code("000.00.14.H20", date(2020, 7, 3), 2)``
    → ``"000.00.14.H20-200703-0002"``."""
    agency = validate_agency_code(agency_code)
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 1:
        # Sequences come from the database counter, never from a person.
        raise ValueError(f"dossier sequence must be a positive int, got {seq!r}")
    return f"{agency}-{day:%y%m%d}-{seq:04d}"


def _day_from_yymmdd(text: str) -> date | None:
    try:
        # Art. 19 writes the year with two digits; dossiers are never from the 1900s.
        return date(2000 + int(text[:2]), int(text[2:4]), int(text[4:6]))
    except ValueError:
        return None


def parse_dossier_code(text: str) -> DossierCodeParts:
    """Split a dossier code into its parts; InvalidInput when it is not one."""
    normalised = text.strip().upper() if isinstance(text, str) else ""
    match = _CODE_RE.fullmatch(normalised)
    day = _day_from_yymmdd(match.group(2)) if match else None
    seq = int(match.group(3)) if match else 0
    if match is None or day is None or seq < 1:
        raise InvalidInput(
            _("«{text}» không phải là mã hồ sơ hợp lệ; mã hồ sơ có dạng "
              "<mã cơ quan>-<YYMMDD>-<số thứ tự>, ví dụ {example}.")
            .format(text=text, example=EXAMPLE_DOSSIER_CODE)
        )
    return DossierCodeParts(agency_code=match.group(1), day=day, seq=seq)


def find_dossier_code(text: str) -> str | None:
    """The first valid dossier code inside ``text`` (a receipt QR: the bare code or a
    portal URL such as ``https://dichvucong.../tra-cuu?ma=000.00.14.H20-200703-0002``),
    normalised to upper case; None when there is none."""
    if not isinstance(text, str):
        return None
    # Percent-encoding never touches the code's characters, but a QR may encode them anyway.
    for candidate in (text, unquote(text)):
        for match in _FIND_RE.finditer(candidate):
            day = _day_from_yymmdd(match.group(2))
            if day is not None and int(match.group(3)) >= 1:
                return match.group(0).upper()
    return None

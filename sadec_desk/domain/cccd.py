"""The QR code on a Vietnamese citizen ID card (CCCD), docs/design.md §3.5.

``ID (12 digits) | old CMND (9 digits or empty) | full name | date of birth ddmmyyyy |
gender (Nam/Nữ) | permanent address | issue date ddmmyyyy`` and, on cards issued from
2024, further trailing fields (11 fields seen, the extras empty).

Text reaches us from two kinds of path that each damage it in their own way:
- image decoders (ZBar) guess the encoding and hand back UTF-8 bytes read as Shift-JIS or
  Latin-1 ("Tr蘯ｧn Vﾄハ ﾄ雪ｻｩc", "Nguyá»…n"); that is reversible, so we repair it;
- keyboard-wedge scanners type the text into whatever keyboard layout or Vietnamese IME
  (Unikey Telex/VNI) is active, which loses letters for good; we detect it and tell the
  clerk how to set the scanner up.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime

from sadec_desk.domain.timezone import VN_TZ
from sadec_desk.errors import InvalidInput
from sadec_desk.i18n import _

MIN_FIELDS = 7
_EDGE_JUNK = " \t\r\n\v\f\x00\ufeff"
EARLIEST_BIRTH = date(1900, 1, 1)

_VN_LOWER = (
    "aàáảãạăằắẳẵặâầấẩẫậbcdđeèéẻẽẹêềếểễệfghiìíỉĩịjklmnoòóỏõọôồốổỗộơờớởỡợpqrstu"
    "ùúủũụưừứửữựvwxyỳýỷỹỵz"
)
VIETNAMESE_LETTERS = frozenset(_VN_LOWER + _VN_LOWER.upper())
# Names are letters and spaces; ethnic-minority names also use an apostrophe or a hyphen
# (e.g. "H'Hen Niê").
_NAME_PUNCTUATION = frozenset(" '-")

_DIGITS_RE = re.compile(r"[0-9]+")
_DATE_RE = re.compile(r"[0-9]{8}")

# East-Asian scripts never occur on a Vietnamese card: they come from an encoding guess
# (ZBar reads UTF-8 as Shift-JIS) or from an IME that captured the scanner's keystrokes.
_EAST_ASIAN_RE = re.compile(
    "[\u2e80-\u2fff\u3000-\u30ff\u3100-\u31ff\u3400-\u4dbf\u4e00-\u9fff"
    "\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]"
)
# UTF-8 read as cp1252/Latin-1: a lead byte (U+00C2–U+00EF) followed by what was a
# continuation byte (0x80–0xBF, or its cp1252 punctuation).  No Vietnamese spelling
# puts a letter of that range before such a character.
_CP1252_CONTINUATIONS = "€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ"
_LATIN1_MOJIBAKE_RE = re.compile(
    f"[\u00c2-\u00ef][\u0080-\u00bf{_CP1252_CONTINUATIONS}]"
)
_C1_CONTROLS_RE = re.compile("[\u0080-\u009f]")
# Unikey Telex typed over ASCII letters: doubled vowels (aa, ee, oo → â, ê, ô), dd → đ,
# w after a vowel (ư, ơ, ă), and tone keys f/j/x/z that no Vietnamese word ends with.
_TELEX_RE = re.compile(r"aa|ee|oo|dd|[aeiouy]w|[aeiouy][a-z]*[fjxz]$", re.IGNORECASE)
# VNI typed over ASCII letters: a tone/shape digit right after a letter (Nguye6n4).
_VNI_RE = re.compile(r"[A-Za-z][0-9]")


class CccdQrError(InvalidInput):
    """The text is not a readable citizen ID card QR."""

    code = "cccd_qr"

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None):
        super().__init__(message, code=code)
        #: which card field is at fault (e.g. "date_of_birth"), for a view to highlight
        self.field = field


class ScannerMangledError(CccdQrError):
    """The scanner (keyboard layout/IME) or decoder damaged the Vietnamese letters."""

    code = "cccd_scanner_mangled"


@dataclass(frozen=True)
class CitizenCard:
    id_number: str
    old_id_number: str | None
    full_name: str
    date_of_birth: date
    gender: str
    address: str
    issue_date: date | None
    extra_fields: tuple[str, ...] = ()

    def to_qr_text(self) -> str:
        """The card's QR text (the inverse of :func:`parse_cccd_qr`)."""
        return "|".join(
            [
                self.id_number,
                self.old_id_number or "",
                self.full_name,
                self.date_of_birth.strftime("%d%m%Y"),
                self.gender,
                self.address,
                self.issue_date.strftime("%d%m%Y") if self.issue_date else "",
                *self.extra_fields,
            ]
        )

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.id_number)


def mask_id_number(id_number: str) -> str:
    """``"034303011829"`` → ``"********1829"``: only the last 4 digits are shown on screens
    and slips that others can see (personal data, NĐ 13/2023)."""
    text = id_number.strip()
    if len(text) <= 4:
        return "*" * len(text)
    return "*" * (len(text) - 4) + text[-4:]


# ---------------------------------------------------------------------------
# Mojibake


def _suspicion(text: str) -> int:
    """How many traces of a wrong decoding ``text`` carries (0 = looks clean)."""
    return (
        len(_EAST_ASIAN_RE.findall(text))
        + len(_LATIN1_MOJIBAKE_RE.findall(text))
        + len(_C1_CONTROLS_RE.findall(text))
        + text.count("\ufffd")
    )


def _encode_cp1252_or_latin1(text: str) -> bytes:
    # Windows decoders map the five bytes cp1252 leaves undefined (0x81, 0x8D, 0x8F, 0x90,
    # 0x9D) to U+0081... as Latin-1 does, so "Đ" (C4 90) arrives as "Ä\x90": accept both.
    out = bytearray()
    for ch in text:
        try:
            out += ch.encode("cp1252")
        except UnicodeEncodeError:
            if ord(ch) > 0xFF:
                raise
            out.append(ord(ch))
    return bytes(out)


_REENCODERS = (
    lambda t: t.encode("shift_jis"),
    lambda t: t.encode("cp932"),
    _encode_cp1252_or_latin1,
)


def repair_mojibake(text: str) -> str:
    """Undo UTF-8 that a decoder read as Shift-JIS or cp1252/Latin-1.

    Re-encode with the wrongly guessed codec and decode as UTF-8; the result is accepted
    only if it decodes strictly and carries no trace of a wrong decoding, so correct
    Vietnamese text (which never re-encodes to valid UTF-8) comes back unchanged.
    When the whole text does not come back clean, each '|'-separated field is tried on
    its own, for text of which only a part was misread.
    """
    if not isinstance(text, str) or text.isascii():
        return text
    whole = _repair(text)
    if whole != text or "|" not in text:
        return whole
    parts = [_repair(part) for part in text.split("|")]
    joined = "|".join(parts)
    return joined if _suspicion(joined) == 0 else text


def _repair(text: str) -> str:
    current = text
    for _round in range(2):  # text that went through a wrong decoding twice
        if _suspicion(current) == 0:
            break
        for reencode in _REENCODERS:
            try:
                candidate = reencode(current).decode("utf-8")
            except (UnicodeError, ValueError):
                continue
            if candidate != current and _suspicion(candidate) < _suspicion(current):
                current = candidate
                break
        else:
            break
    return current if _suspicion(current) == 0 else text


# ---------------------------------------------------------------------------
# Parsing


def _mangled(where: str, field: str | None) -> ScannerMangledError:
    return ScannerMangledError(
        _("Máy quét đã làm sai các chữ tiếng Việt trong {where}; hãy tắt Unikey/bộ gõ tiếng "
          "Việt và chuyển bàn phím sang tiếng Anh (EN), hoặc đặt máy quét ở chế độ cổng COM "
          "(USB-COM/serial), rồi quét lại.").format(where=where),
        field=field,
    )


def _looks_mangled(text: str) -> bool:
    return "?" in text or _suspicion(text) > 0


def _name_looks_typed_by_ime(name: str) -> bool:
    for word in name.split():
        if word.isascii() and (_TELEX_RE.search(word) or _VNI_RE.search(word)):
            return True
    return False


def _parse_date(raw: str, *, field: str, label: str) -> date:
    value = raw.strip()
    parsed: date | None = None
    if _DATE_RE.fullmatch(value):
        try:
            parsed = date(int(value[4:]), int(value[2:4]), int(value[:2]))
        except ValueError:
            parsed = None
    if parsed is None:
        raise CccdQrError(
            _("{label} «{value}» không phải là ngày có thật (cần dạng ngày tháng năm "
              "ddmmyyyy, ví dụ 21032003); hãy quét lại hoặc nhập tay.")
            .format(label=label, value=value),
            field=field,
        )
    return parsed


def _fmt(d: date) -> str:
    return d.strftime("%d/%m/%Y")


def parse_cccd_qr(text: str, *, today: date | None = None) -> CitizenCard:
    """Parse the text of a CCCD QR (from a scanner or an image decoder).

    Raises :class:`ScannerMangledError` when the Vietnamese letters were damaged on the
    way and :class:`CccdQrError` for any other problem; both say what to do.
    """
    if not isinstance(text, str):
        raise TypeError(f"parse_cccd_qr expects str, got {type(text).__name__}")
    today = today or datetime.now(VN_TZ).date()
    # Keyboard-wedge scanners end with Enter (CR/LF); some send a BOM or NUL padding.
    # Only ASCII whitespace goes before the repair: in Latin-1 mojibake U+0085 and U+00A0
    # (whitespace to str.strip) are bytes of a Vietnamese letter.
    raw = text.strip(_EDGE_JUNK)
    # Decoders hand back bytes as encoded: repair, then compare and store in NFC.
    raw = unicodedata.normalize("NFC", repair_mojibake(raw)).strip()
    if not raw:
        raise CccdQrError(
            _("Không đọc được nội dung mã QR trên thẻ căn cước; hãy quét lại."), field=None
        )
    if _suspicion(raw):
        raise _mangled(_("mã QR"), None)

    fields = raw.split("|")
    if len(fields) < MIN_FIELDS:
        raise CccdQrError(
            _("Mã QR trên thẻ căn cước có {found} trường, cần ít nhất {expected} trường "
              "ngăn cách bởi dấu «|»; hãy quét đúng mã QR trên thẻ căn cước.")
            .format(found=len(fields), expected=MIN_FIELDS),
            field=None,
        )
    id_raw, old_raw, name_raw, dob_raw, gender_raw, address_raw, issue_raw = (
        f.strip() for f in fields[:MIN_FIELDS]
    )
    extras = tuple(fields[MIN_FIELDS:])

    full_name = " ".join(name_raw.split())
    address = address_raw
    # Damaged letters first: the clerk has to fix the scanner set-up, not the card.
    if _looks_mangled(full_name) or _name_looks_typed_by_ime(full_name):
        raise _mangled(_("họ tên"), "full_name")
    gender_key = gender_raw.casefold()
    if _looks_mangled(gender_raw) or (gender_key.isascii() and gender_key.startswith("nu")):
        # A real card always says "Nữ": "Nu" (diacritics dropped), "Nuwx" (Telex) or
        # "Nu74" (VNI) mean the letters were damaged on the way.
        raise _mangled(_("giới tính"), "gender")
    if _looks_mangled(address):
        raise _mangled(_("địa chỉ"), "address")

    if not (len(id_raw) == 12 and _DIGITS_RE.fullmatch(id_raw)):
        raise CccdQrError(
            _("Số định danh cá nhân đọc được là «{value}», không phải 12 chữ số; hãy quét "
              "lại hoặc nhập tay số trên thẻ.").format(value=id_raw[:40]),
            field="id_number",
        )
    # Old ID cards (CMND) have 9 digits; those issued 2012–2016 had 12.
    if old_raw and not (len(old_raw) in (9, 12) and _DIGITS_RE.fullmatch(old_raw)):
        raise CccdQrError(
            _("Số CMND cũ đọc được là «{value}», không phải 9 hoặc 12 chữ số; hãy quét lại "
              "hoặc nhập tay.").format(value=old_raw[:40]),
            field="old_id_number",
        )

    if not full_name:
        raise CccdQrError(
            _("Mã QR không có họ tên; hãy quét lại hoặc nhập tay họ tên."), field="full_name"
        )
    if not all(c in VIETNAMESE_LETTERS or c in _NAME_PUNCTUATION for c in full_name) or not any(
        c in VIETNAMESE_LETTERS for c in full_name
    ):
        raise CccdQrError(
            _("Họ tên «{value}» có ký tự không phải chữ cái; hãy quét lại hoặc nhập tay "
              "họ tên.").format(value=full_name[:60]),
            field="full_name",
        )

    dob = _parse_date(dob_raw, field="date_of_birth", label=_("Ngày sinh"))
    if dob > today:
        raise CccdQrError(
            _("Ngày sinh {value} ở sau ngày hôm nay; hãy quét lại hoặc nhập tay ngày sinh.")
            .format(value=_fmt(dob)),
            field="date_of_birth",
        )
    if dob < EARLIEST_BIRTH:
        raise CccdQrError(
            _("Ngày sinh {value} trước năm 1900; hãy quét lại hoặc nhập tay ngày sinh.")
            .format(value=_fmt(dob)),
            field="date_of_birth",
        )

    if gender_key == "nam":
        gender = "Nam"
    elif gender_key == "nữ":
        gender = "Nữ"
    else:
        raise CccdQrError(
            _("Giới tính đọc được là «{value}», phải là «Nam» hoặc «Nữ»; hãy quét lại.")
            .format(value=gender_raw[:20]),
            field="gender",
        )

    if not address:
        raise CccdQrError(
            _("Mã QR không có nơi thường trú; hãy quét lại hoặc nhập tay địa chỉ."),
            field="address",
        )

    issue_date: date | None = None
    if issue_raw:
        issue_date = _parse_date(issue_raw, field="issue_date", label=_("Ngày cấp"))
        if issue_date < dob:
            raise CccdQrError(
                _("Ngày cấp {issue} ở trước ngày sinh {dob}; hãy quét lại hoặc nhập tay.")
                .format(issue=_fmt(issue_date), dob=_fmt(dob)),
                field="issue_date",
            )
        if issue_date > today:
            raise CccdQrError(
                _("Ngày cấp {issue} ở sau ngày hôm nay; hãy quét lại hoặc nhập tay.")
                .format(issue=_fmt(issue_date)),
                field="issue_date",
            )

    return CitizenCard(
        id_number=id_raw,
        old_id_number=old_raw or None,
        full_name=full_name,
        date_of_birth=dob,
        gender=gender,
        address=address,
        issue_date=issue_date,
        extra_fields=extras,
    )

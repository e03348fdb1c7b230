"""Limits on what a person or a QR code gives the app: text lengths, control characters,
and the window of believable dates (issue #18).

Every service that stores a text typed by a clerk or a citizen, or read from a card QR,
passes it through :func:`clean_text` with the field's Vietnamese label, so a refusal always
says which field is wrong. The limits are generous for real data and stop what only a
mistake or an attack produces (a 1 MB address, an ANSI escape that would repaint the
terminal of whoever runs ``dossier show``, bytes that are not text at all).
"""

from __future__ import annotations

import unicodedata
from datetime import date, datetime, timedelta

from sadec_desk.errors import InvalidInput
from sadec_desk.i18n import _

#: a person's full name: the longest on record in Vietnam are about 40-50 letters
NAME_MAX = 100
#: an address (the card's permanent address is at most a few lines)
ADDRESS_MAX = 300
#: a short label: an office, a queue group or counter name, a paper's name
LABEL_MAX = 200
#: a note, a reason, a comment (several paragraphs)
NOTE_MAX = 2000
#: the whole text of a card QR: 7-11 short fields are under 300 characters
QR_MAX = 1000
#: more '|'-separated fields than any card has (11 seen on cards issued from 2024)
MAX_CARD_FIELDS = 20

#: the earliest date the app believes (a birth, a receipt): nothing older is a real case
EARLIEST = date(1900, 1, 1)
#: the last year a date may fall in; later ones are typing mistakes (and year 9999 breaks
#: date arithmetic)
LATEST_YEAR = 2100
#: how far in the future a "received at" time may be: the clocks of two counters of one
#: office differ by a few minutes at most
CLOCK_SKEW = timedelta(minutes=15)

_EDGE_JUNK = " \t\r\n\v\f\ufeff"


def _bad_character(text: str, multiline: bool, allow_c1: bool = False) -> str | None:
    """The first character no field may hold, or None. Control characters (Cc, except a
    line break or tab in multi-line text), format characters (Cf: bidirectional overrides
    that reverse what is shown, zero-width marks) and lone surrogates (Cs: bytes that were
    not UTF-8, as Python hands them over from a command line). ``allow_c1`` lets U+0080-
    U+009F through: in a card QR they are the trace of a wrong decoding, which the card
    parser recognises and explains better (domain/cccd.py)."""
    for ch in text:
        category = unicodedata.category(ch)
        if category == "Cc" and ((multiline and ch in "\n\t")
                                 or (allow_c1 and "\x80" <= ch <= "\x9f")):
            continue
        if category in ("Cc", "Cf", "Cs", "Co"):
            return ch
    return None


def describe_character(ch: str) -> str:
    """How to name a character a person cannot see: U+001B, U+DCFF."""
    return f"U+{ord(ch):04X}"


def clean_text(value: object, *, field: str, max_length: int, multiline: bool = False,
               required: bool = False, allow_c1: bool = False) -> str:
    """``value`` as stored: NFC, without blank edges; refused with a sentence naming
    ``field`` when too long, empty but required, or holding control characters."""
    text = "" if value is None else str(value)
    if len(text) > max_length * 4:
        # far too long to be worth normalising first
        raise InvalidInput(_("«{field}» dài quá {n} ký tự; hãy kiểm tra lại.")
                           .format(field=field, n=max_length))
    if multiline:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    # what a scanner or a paste leaves at the edges (Enter, a BOM, spaces) goes quietly
    text = text.strip(_EDGE_JUNK)
    bad = _bad_character(text, multiline, allow_c1)
    if bad is not None:
        if unicodedata.category(bad) == "Cs":
            raise InvalidInput(_("«{field}» có byte không phải chữ (không đúng mã UTF-8); "
                                 "hãy nhập hoặc quét lại.").format(field=field))
        raise InvalidInput(_("«{field}» có ký tự điều khiển không hiển thị được ({char}); "
                             "hãy nhập lại bằng chữ thường.")
                           .format(field=field, char=describe_character(bad)))
    text = unicodedata.normalize("NFC", text).strip(_EDGE_JUNK)
    if len(text) > max_length:
        raise InvalidInput(_("«{field}» dài quá {n} ký tự; hãy kiểm tra lại.")
                           .format(field=field, n=max_length))
    if required and not text:
        raise InvalidInput(_("Hãy nhập «{field}».").format(field=field))
    return text


def card_field_limits() -> tuple[tuple[str, int], ...]:
    """(label, longest length) of the card QR's fields in order (docs/design.md §3.5)."""
    return ((_("Số CCCD"), 20), (_("Số CMND"), 20), (_("Họ tên"), NAME_MAX),
            (_("Ngày sinh"), 20), (_("Giới tính"), 10), (_("Địa chỉ"), ADDRESS_MAX),
            (_("Ngày cấp"), 20))


def clean_card_qr(text: object) -> str:
    """A card QR's text with every field within its limits and free of control characters,
    each refusal naming the field; what is left to check (the field count, the ID, the
    dates, damaged letters) is the card parser's work (domain/cccd.py)."""
    raw = "" if text is None else str(text)
    too_long = InvalidInput(_("Mã QR dài {n} ký tự, quá dài để là mã của thẻ CCCD (tối đa "
                              "{max}); hãy quét lại đúng mã trên thẻ.")
                            .format(n=len(raw), max=QR_MAX))
    limits = card_field_limits()
    fields = raw.strip(_EDGE_JUNK).split("|", MAX_CARD_FIELDS)
    if len(fields) > MAX_CARD_FIELDS:
        raise too_long
    cleaned = []
    for index, value in enumerate(fields):
        # field by field first, so that a refusal names the field that is wrong
        label, longest = (limits[index] if index < len(limits)
                          else (_("Trường bổ sung {n}").format(n=index + 1), LABEL_MAX))
        cleaned.append(clean_text(value, field=label, max_length=longest, allow_c1=True))
    joined = "|".join(cleaned)
    if len(joined) > QR_MAX:
        raise too_long
    return joined


def check_moment(moment: datetime, *, field: str) -> datetime:
    """A date-time within the believable window (1900 to 2100)."""
    if not EARLIEST.year <= moment.year <= LATEST_YEAR:
        raise InvalidInput(_("«{field}» = {value} nằm ngoài khoảng thời gian hợp lý "
                             "(từ năm {low} đến năm {high}).")
                           .format(field=field, value=moment.date().isoformat(),
                                   low=EARLIEST.year, high=LATEST_YEAR))
    return moment


def check_received_at(received_at: datetime, now: datetime, *,
                      date_of_birth: date | None = None) -> datetime:
    """When a dossier was received: not in the future (beyond a clock-skew allowance), not
    before 1900, not before the applicant was born. A later date would give reports like
    "trễ 9307 ngày làm việc"."""
    field = _("Thời điểm tiếp nhận")
    check_moment(received_at, field=field)
    if received_at.date() < EARLIEST:
        raise InvalidInput(_("«{field}» không thể trước năm {year}.")
                           .format(field=field, year=EARLIEST.year))
    if received_at > now + CLOCK_SKEW:
        raise InvalidInput(_("«{field}» ({value}) ở tương lai; hồ sơ chỉ tiếp nhận đến thời "
                             "điểm hiện tại. Kiểm tra đồng hồ của máy hoặc ngày giờ đã nhập.")
                           .format(field=field, value=received_at.isoformat(timespec="minutes")))
    if date_of_birth is not None and received_at.date() < date_of_birth:
        raise InvalidInput(_("«{field}» ({value}) trước ngày sinh của người nộp ({birth}).")
                           .format(field=field, value=received_at.date().isoformat(),
                                   birth=date_of_birth.strftime("%d/%m/%Y")))
    return received_at

"""VietQR payloads for paying a fee by bank transfer (docs/design.md §3.7).

The format is NAPAS's VietQR, an EMVCo merchant-presented QR ("EMV QRCPS
Merchant-Presented Mode") with the NAPAS 247 account transfer service in
field 38. Every field is a TLV: two-digit ID, two-digit length, value.
The checksum (field 63) is CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF, no
reflection, no final xor) over the whole payload up to and including "6304"
(EMV QRCPS §4.7.3), written as four upper-case hex digits.

Pure functions: no I/O.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from sadec_desk.errors import InvalidInput
from sadec_desk.i18n import _

NAPAS_GUID = "A000000727"  # NAPAS application identifier (field 38.00)
SERVICE_ACCOUNT = "QRIBFTTA"  # transfer to an account number (field 38.02)
SERVICE_CARD = "QRIBFTTC"  # transfer to a card number
CURRENCY_VND = "704"  # ISO 4217 numeric
COUNTRY_VN = "VN"

#: EMVCo: the transaction amount is at most 13 characters; VND has no decimals.
MAX_AMOUNT_VND = 9_999_999_999_999
#: EMVCo field 62 sub-fields are at most 25 characters.
MAX_PURPOSE_LENGTH = 25

_PURPOSE_CHARS = re.compile(r"^[A-Za-z0-9 .,\-_/:()+]*$")


def crc16_ccitt_false(data: bytes) -> int:
    crc = 0xFFFF
    for byte in data:
        crc ^= byte << 8
        for _bit in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else (crc << 1)
            crc &= 0xFFFF
    return crc


def tlv(tag: str, value: str) -> str:
    if len(value) > 99:
        raise ValueError(f"EMV field {tag} is longer than 99 characters")
    return f"{tag}{len(value):02d}{value}"


def parse_tlv(text: str) -> list[tuple[str, str]]:
    """Split one level of EMV TLV fields; ValueError when the text is not TLV."""
    fields: list[tuple[str, str]] = []
    pos = 0
    while pos < len(text):
        tag, length = text[pos:pos + 2], text[pos + 2:pos + 4]
        if len(tag) < 2 or not length.isdigit():
            raise ValueError(f"bad TLV at position {pos}")
        value = text[pos + 4:pos + 4 + int(length)]
        if len(value) != int(length):
            raise ValueError(f"field {tag} is cut short")
        fields.append((tag, value))
        pos += 4 + int(length)
    return fields


def ascii_purpose(text: str) -> str:
    """Vietnamese text without diacritics ("Lệ phí" -> "Le phi").

    Bank apps show field 62.08 as typed and many reject non-ASCII, so the purpose
    is written the way Vietnamese people type transfer notes.
    """
    text = text.replace("Đ", "D").replace("đ", "d")
    stripped = "".join(c for c in unicodedata.normalize("NFD", text)
                       if not unicodedata.combining(c))
    return " ".join(stripped.split())


@dataclass(frozen=True)
class VietQR:
    bank_bin: str
    account: str
    amount_vnd: int | None
    purpose: str
    payload: str


def build_vietqr(bank_bin: str, account: str, amount_vnd: int | None = None,
                 purpose: str = "") -> VietQR:
    """The payload for a transfer to ``account`` at the bank with NAPAS BIN ``bank_bin``.

    With an amount the QR is dynamic (01 = 12, the payer cannot change the sum);
    without, static (01 = 11).
    """
    bank_bin = (bank_bin or "").strip()
    account = (account or "").strip()
    if not re.fullmatch(r"\d{6}", bank_bin):
        raise InvalidInput(_("Mã BIN ngân hàng '{v}' không hợp lệ: cần đúng 6 chữ số "
                             "(ví dụ 970415 là VietinBank). Sửa thiết lập payment.bank_bin."
                             ).format(v=bank_bin))
    if not re.fullmatch(r"[0-9A-Za-z]{1,19}", account):
        raise InvalidInput(_("Số tài khoản '{v}' không hợp lệ: chỉ gồm chữ số hoặc chữ cái, "
                             "tối đa 19 ký tự. Sửa thiết lập payment.account.").format(v=account))
    if amount_vnd is not None:
        if isinstance(amount_vnd, bool) or not isinstance(amount_vnd, int):
            raise InvalidInput(_("Số tiền phải là số nguyên đồng."))
        if not 1 <= amount_vnd <= MAX_AMOUNT_VND:
            raise InvalidInput(_("Số tiền {v} đồng không hợp lệ: phải từ 1 đến {max} đồng."
                                 ).format(v=amount_vnd, max=MAX_AMOUNT_VND))
    purpose = ascii_purpose(purpose or "")
    if len(purpose) > MAX_PURPOSE_LENGTH:
        raise InvalidInput(_("Nội dung chuyển khoản '{v}' dài quá {n} ký tự; hãy viết ngắn hơn."
                             ).format(v=purpose, n=MAX_PURPOSE_LENGTH))
    if not _PURPOSE_CHARS.match(purpose):
        raise InvalidInput(_("Nội dung chuyển khoản '{v}' có ký tự ngân hàng không nhận; "
                             "chỉ dùng chữ, số, dấu cách và . , - / : ( ) +.").format(v=purpose))

    beneficiary = tlv("00", bank_bin) + tlv("01", account)
    merchant = tlv("00", NAPAS_GUID) + tlv("01", beneficiary) + tlv("02", SERVICE_ACCOUNT)
    parts = [
        tlv("00", "01"),
        tlv("01", "12" if amount_vnd is not None else "11"),
        tlv("38", merchant),
        tlv("53", CURRENCY_VND),
    ]
    if amount_vnd is not None:
        parts.append(tlv("54", str(amount_vnd)))
    parts.append(tlv("58", COUNTRY_VN))
    if purpose:
        parts.append(tlv("62", tlv("08", purpose)))
    body = "".join(parts) + "6304"
    payload = body + f"{crc16_ccitt_false(body.encode('utf-8')):04X}"
    return VietQR(bank_bin=bank_bin, account=account, amount_vnd=amount_vnd,
                  purpose=purpose, payload=payload)


@dataclass(frozen=True)
class ParsedVietQR:
    bank_bin: str
    account: str
    amount_vnd: int | None
    purpose: str
    dynamic: bool


def parse_vietqr(payload: str) -> ParsedVietQR:
    """Read a VietQR payload back, checking its CRC; ValueError if it is not one."""
    if len(payload) < 8 or payload[-8:-4] != "6304":
        raise ValueError("no CRC field at the end")
    expected = f"{crc16_ccitt_false(payload[:-4].encode('utf-8')):04X}"
    if payload[-4:].upper() != expected:
        raise ValueError(f"CRC mismatch: {payload[-4:]} != {expected}")
    fields = dict(parse_tlv(payload[:-8]))
    merchant = dict(parse_tlv(fields["38"]))
    if merchant.get("00") != NAPAS_GUID:
        raise ValueError("not a NAPAS VietQR")
    beneficiary = dict(parse_tlv(merchant["01"]))
    extra = dict(parse_tlv(fields["62"])) if "62" in fields else {}
    return ParsedVietQR(
        bank_bin=beneficiary["00"], account=beneficiary.get("01", ""),
        amount_vnd=int(fields["54"]) if "54" in fields else None,
        purpose=extra.get("08", ""), dynamic=fields.get("01") == "12",
    )

"""Text mode: Vietnamese through CP1258 (decomposed tone marks) and TCVN-3."""

from __future__ import annotations

import unicodedata

from escpos import capabilities
from slip_samples import receipt_data, ticket_data

from sadec_desk.printers import encode as enc
from sadec_desk.printers import render as rnd
from sadec_desk.printers.profiles import get_profile

SENTENCE = ("Giấy tiếp nhận hồ sơ và hẹn trả kết quả — Nguyễn Thị Hoa, Đồng Tháp: "
            "Ủy ban nhân dân xã Tân Khánh Đông, Lưu Quỳnh Như, ỨNG VIÊN ĐỖ")


def test_cp1258_round_trips_every_vietnamese_letter():
    from sadec_desk.printers.fonts import VIETNAMESE_CHARS

    letters = "".join(sorted(c for c in VIETNAMESE_CHARS if c.isalpha()))
    for text in (letters, SENTENCE):
        data = enc.encode_cp1258(text)
        assert b"?" not in data
        assert unicodedata.normalize("NFC", data.decode("cp1258")) == text


def test_cp1258_keeps_the_vowel_precomposed_and_adds_only_the_tone_mark():
    # "ễ" = "ê" (0xEA) + combining tilde (0xDE); "ở" = "ơ" (0xF5) + hook above (0xD2)
    assert enc.encode_cp1258("ễ") == b"\xea\xde"
    assert enc.encode_cp1258("ở") == b"\xf5\xd2"
    assert enc.encode_cp1258("à") == b"\xe0"  # in the code page as one letter
    assert enc.encode_cp1258("★") == b"?"


def decode_tcvn3(data: bytes) -> str:
    pages = {30: capabilities.CAPABILITIES["encodings"]["TCVN-3-1"]["data"],
             31: capabilities.CAPABILITIES["encodings"]["TCVN-3-2"]["data"]}
    tables = {n: "".join(rows) for n, rows in pages.items()}
    out, page, i = [], 30, 0
    while i < len(data):
        if data[i:i + 2] == b"\x1bt":
            page = data[i + 2]
            i += 3
            continue
        byte = data[i]
        out.append(chr(byte) if byte < 0x80 else tables[page][byte - 0x80])
        i += 1
    return "".join(out).replace("Ð", "Đ")


def test_tcvn3_round_trips_and_switches_pages_only_when_the_case_class_changes():
    text = SENTENCE.replace(" — ", " - ")  # TCVN-3 has no dashes beyond ASCII
    data, page = enc.encode_tcvn3(text)
    assert b"?" not in data
    assert decode_tcvn3(data) == text
    assert page == 31
    lower, _page = enc.encode_tcvn3("nguyễn thị hoa")
    assert lower.count(b"\x1bt") == 1


def test_text_mode_documents_select_the_code_page_and_cut():
    profile = get_profile("generic-80")
    ticket = enc.encode_text(rnd.load_layout("ticket"), ticket_data(), profile, "cp1258")
    assert ticket.startswith(b"\x1b@\x1bt\x34")
    assert enc.encode_cp1258("Hộ tịch — chứng thực").replace(b"?", b"") in ticket.replace(
        b"?", b"")
    assert b"\x1d!\x11" in ticket  # the queue number in double size
    receipt = enc.encode_text(rnd.load_layout("receipt"), receipt_data(), profile, "tcvn3")
    assert b"\x1d(k" in receipt  # native QR (GS ( k) on a printer that has it
    small = enc.encode_text(rnd.load_layout("receipt"), receipt_data(), get_profile("generic-58"),
                            "tcvn3")
    assert b"\x1d(k" not in small and b"\x1dv0" in small  # QR as an image instead
    assert b"\x1dV" not in small  # no cutter on the 58 mm profile


def test_text_support_is_checked_against_the_profile_code_pages():
    assert enc.describe_text_support(get_profile("TM-T82"), "cp1258") is None
    assert "CP1258" in enc.describe_text_support(get_profile("XP-80"), "cp1258")
    assert enc.describe_text_support(get_profile("XP-80"), "tcvn3") is None

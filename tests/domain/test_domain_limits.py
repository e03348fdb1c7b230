from datetime import date, datetime, timedelta

import pytest

from sadec_desk.domain.limits import (
    CLOCK_SKEW,
    NAME_MAX,
    check_moment,
    check_received_at,
    clean_card_qr,
    clean_text,
)
from sadec_desk.domain.timezone import VN_TZ
from sadec_desk.errors import InvalidInput

SAMPLE_QR = ("034303011829||Nguyễn Thị Hoa|21032003|Nữ|"
             "Thôn Lai Ổn, An Quý, Quỳnh Phụ, Thái Bình|14082021")
NOW = datetime(2026, 11, 26, 9, 0, tzinfo=VN_TZ)


def test_clean_text_normalises_and_trims_edges():
    decomposed = "Nguye\u0302\u0303n"  # "Nguyễn" with combining marks
    assert clean_text(f"\ufeff {decomposed}\r\n", field="Họ tên", max_length=10) == "Nguyễn"


@pytest.mark.parametrize("text, shown", [("a\x1b[31mb", "U+001B"), ("a\x00b", "U+0000"),
                                         ("a\u202eb", "U+202E"), ("a\nb", "U+000A")])
def test_clean_text_refuses_control_characters_naming_the_field(text, shown):
    with pytest.raises(InvalidInput) as caught:
        clean_text(text, field="Địa chỉ", max_length=50)
    assert "Địa chỉ" in str(caught.value) and shown in str(caught.value)


def test_multiline_text_keeps_line_breaks_only():
    assert clean_text("dòng 1\r\ndòng 2\n", field="Ghi chú", max_length=50,
                      multiline=True) == "dòng 1\ndòng 2"
    with pytest.raises(InvalidInput):
        clean_text("dòng\x07", field="Ghi chú", max_length=50, multiline=True)


def test_surrogates_and_lengths_are_refused():
    with pytest.raises(InvalidInput, match="UTF-8"):
        clean_text("Nguy\udcffn", field="Họ tên", max_length=NAME_MAX)
    with pytest.raises(InvalidInput, match="Họ tên.*100"):
        clean_text("x" * 101, field="Họ tên", max_length=NAME_MAX)
    with pytest.raises(InvalidInput, match="Họ tên"):
        clean_text("x" * 10_000_000, field="Họ tên", max_length=NAME_MAX)
    with pytest.raises(InvalidInput, match="Hãy nhập «Họ tên»"):
        clean_text("  ", field="Họ tên", max_length=NAME_MAX, required=True)


def test_card_qr_fields_are_checked_by_name():
    assert clean_card_qr(SAMPLE_QR + "\r\n") == SAMPLE_QR
    with pytest.raises(InvalidInput, match="Địa chỉ"):
        clean_card_qr(SAMPLE_QR.replace("Thôn", "x" * 300 + "Thôn"))
    with pytest.raises(InvalidInput, match="Họ tên.*U\\+001B"):
        clean_card_qr(SAMPLE_QR.replace("Hoa", "Hoa\x1b[0m"))
    with pytest.raises(InvalidInput, match="quá dài"):
        clean_card_qr(SAMPLE_QR * 20)
    # a wrong decoding's traces (C1 controls) are left for the card parser to explain
    mojibake = SAMPLE_QR.replace("Thị", "Th\u00e1\u00bb\u008b")
    assert "\u008b" in clean_card_qr(mojibake)


def test_received_window():
    assert check_received_at(NOW + CLOCK_SKEW, NOW) == NOW + CLOCK_SKEW
    with pytest.raises(InvalidInput, match="tương lai"):
        check_received_at(NOW + CLOCK_SKEW + timedelta(minutes=1), NOW)
    with pytest.raises(InvalidInput, match="1900"):
        check_received_at(datetime(1899, 12, 31, tzinfo=VN_TZ), NOW)
    with pytest.raises(InvalidInput, match="ngày sinh"):
        check_received_at(datetime(2003, 3, 20, 10, tzinfo=VN_TZ), NOW,
                          date_of_birth=date(2003, 3, 21))
    with pytest.raises(InvalidInput, match="9999"):
        check_moment(datetime(9999, 12, 31, tzinfo=VN_TZ), field="Ngày hẹn")

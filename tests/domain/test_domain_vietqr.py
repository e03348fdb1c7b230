import pytest

from sadec_desk.domain.vietqr import (
    ascii_purpose,
    build_vietqr,
    crc16_ccitt_false,
    parse_tlv,
    parse_vietqr,
)
from sadec_desk.errors import InvalidInput

# docs/design.md §3.7
SAMPLE = ("00020101021238570010A00000072701270006970415011300110019324180208QRIBFTTA"
          "530370454061200005802VN62170813ung ho lu lut6304C15C")


def test_crc16_ccitt_false_check_value():
    # the catalogue check value of CRC-16/CCITT-FALSE
    assert crc16_ccitt_false(b"123456789") == 0x29B1


def test_the_known_good_sample_round_trips():
    parsed = parse_vietqr(SAMPLE)
    assert (parsed.bank_bin, parsed.account, parsed.amount_vnd, parsed.purpose, parsed.dynamic) \
        == ("970415", "0011001932418", 120000, "ung ho lu lut", True)
    assert build_vietqr("970415", "0011001932418", 120000, "ung ho lu lut").payload == SAMPLE


def test_static_qr_without_amount():
    payload = build_vietqr("970436", "1234567890").payload
    fields = dict(parse_tlv(payload))
    assert fields["01"] == "11" and "54" not in fields and "62" not in fields
    assert parse_vietqr(payload).amount_vnd is None


def test_vietnamese_purpose_is_written_without_diacritics():
    assert ascii_purpose("Lệ phí chứng thực  Đồng Tháp") == "Le phi chung thuc Dong Thap"
    assert parse_vietqr(build_vietqr("970415", "1", 2000, "Lệ phí").payload).purpose == "Le phi"


@pytest.mark.parametrize("kwargs, message", [
    ({"bank_bin": "97041"}, "BIN"),
    ({"account": "12 34"}, "Số tài khoản"),
    ({"amount_vnd": 0}, "Số tiền"),
    ({"amount_vnd": -5}, "Số tiền"),
    ({"amount_vnd": 10**13}, "Số tiền"),
    ({"amount_vnd": 1.5}, "số nguyên"),
    ({"purpose": "x" * 26}, "dài quá"),
    ({"purpose": "a&b"}, "ký tự"),
])
def test_bad_input_is_refused_with_a_vietnamese_sentence(kwargs, message):
    args = {"bank_bin": "970415", "account": "0011001932418", "amount_vnd": 1000,
            "purpose": "ok", **kwargs}
    with pytest.raises(InvalidInput, match=message):
        build_vietqr(**args)


def test_a_damaged_payload_fails_its_crc():
    with pytest.raises(ValueError, match="CRC"):
        parse_vietqr(SAMPLE.replace("120000", "920000"))

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sadec_desk.domain.dossier_code import (
    DossierCodeParts,
    find_dossier_code,
    format_dossier_code,
    parse_dossier_code,
    validate_agency_code,
)
from sadec_desk.errors import InvalidInput


@pytest.mark.parametrize(
    "raw, expected",
    [("000.00.14.H20", "000.00.14.H20"), (" 000.31.14.h20\n", "000.31.14.H20"),
     ("000.00.00.H20", "000.00.00.H20"), ("1.2.3.A", "1.2.3.A")],
)
def test_valid_agency_codes_are_normalised(raw, expected):
    assert validate_agency_code(raw) == expected


@pytest.mark.parametrize(
    "raw", ["", "000.00.14", "0000.00.14.H20", "000-00-14-H20", "000.00.14.H20.X",
            "000..14.H20", "000.00.14.Đ20", "000.00.14.H2 0"],
)
def test_invalid_agency_codes_give_an_example(raw):
    with pytest.raises(InvalidInput) as info:
        validate_agency_code(raw)
    assert "000.31.14.H20" in str(info.value)


def test_format_the_design_example():
    assert format_dossier_code("000.00.14.H20", date(2020, 7, 3), 2) == "000.00.14.H20-200703-0002"
    assert format_dossier_code("000.00.14.h20", date(2026, 1, 9), 1) == "000.00.14.H20-260109-0001"


def test_sequence_widens_past_9999():
    assert format_dossier_code("000.00.14.H20", date(2026, 1, 9), 9999).endswith("-9999")
    assert format_dossier_code("000.00.14.H20", date(2026, 1, 9), 10000).endswith("-10000")


@pytest.mark.parametrize("seq", [0, -1])
def test_sequence_must_be_positive(seq):
    with pytest.raises(ValueError):
        format_dossier_code("000.00.14.H20", date(2026, 1, 9), seq)


def test_parse():
    assert parse_dossier_code("000.00.14.H20-200703-0002") == DossierCodeParts(
        "000.00.14.H20", date(2020, 7, 3), 2
    )
    assert parse_dossier_code(" 000.00.14.h20-200703-12345 ") == DossierCodeParts(
        "000.00.14.H20", date(2020, 7, 3), 12345
    )


@pytest.mark.parametrize(
    "text",
    ["", "000.00.14.H20-201340-0002", "000.00.14.H20-200703-002", "000.00.14.H20-200703-0000",
     "000.00.14.H20_200703_0002", "000.00.14-200703-0002", "hello"],
)
def test_parse_refuses_non_codes(text):
    with pytest.raises(InvalidInput) as info:
        parse_dossier_code(text)
    assert "000.00.14.H20-200703-0002" in str(info.value)


@given(
    agency=st.from_regex(r"[A-Z0-9]{1,3}(\.[A-Z0-9]{1,3}){3}", fullmatch=True),
    day=st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)),
    seq=st.integers(min_value=1, max_value=200_000),
)
def test_format_parse_round_trip(agency, day, seq):
    code = format_dossier_code(agency, day, seq)
    assert parse_dossier_code(code) == DossierCodeParts(agency, day, seq)
    assert find_dossier_code(f"https://dichvucong.example/tra-cuu?ma={code}&x=1") == code


@pytest.mark.parametrize(
    "text",
    [
        "000.00.14.H20-200703-0002",
        "000.00.14.H20-200703-0002\r\n",
        "https://dichvucong.dongthap.gov.vn/tra-cuu?ma=000.00.14.H20-200703-0002",
        "https://dichvucong.gov.vn/p/home/dvc-tra-cuu-ho-so.html?maHoSo=000.00.14.h20-200703-0002&t=1",
        "https://example.vn/tra-cuu?ma=000%2E00%2E14%2EH20%2D200703%2D0002",
        "Mã hồ sơ: 000.00.14.H20-200703-0002.",
        '{"ma": "000.00.14.H20-200703-0002"}',
    ],
)
def test_find_dossier_code_in_receipt_qr(text):
    assert find_dossier_code(text) == "000.00.14.H20-200703-0002"


@pytest.mark.parametrize(
    "text",
    ["", "034303011829||Nguyễn Thị Hoa|21032003|Nữ|Thôn Lai Ổn|14082021",
     "https://dichvucong.gov.vn/tra-cuu", "000.00.14.H20-201399-0002",
     "000.00.14.H20-200703-002", "X1000.00.14.H20-200703-0002"],
)
def test_find_dossier_code_none(text):
    assert find_dossier_code(text) is None


def test_find_skips_an_impossible_date_and_takes_the_next():
    text = "a=000.00.14.H20-201399-0001&b=000.00.14.H20-200703-0002"
    assert find_dossier_code(text) == "000.00.14.H20-200703-0002"

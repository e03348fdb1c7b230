import unicodedata
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sadec_desk.domain.cccd import (
    CccdQrError,
    CitizenCard,
    ScannerMangledError,
    mask_id_number,
    parse_cccd_qr,
    repair_mojibake,
)
from sadec_desk.errors import InvalidInput

TODAY = date(2026, 1, 1)
SAMPLE = (
    "034303011829||Nguyễn Thị Hoa|21032003|Nữ|Thôn Lai Ổn, An Quý, Quỳnh Phụ, Thái Bình|14082021"
)
SAMPLE_CARD = CitizenCard(
    id_number="034303011829",
    old_id_number=None,
    full_name="Nguyễn Thị Hoa",
    date_of_birth=date(2003, 3, 21),
    gender="Nữ",
    address="Thôn Lai Ổn, An Quý, Quỳnh Phụ, Thái Bình",
    issue_date=date(2021, 8, 14),
    extra_fields=(),
)


def parse(text: str) -> CitizenCard:
    return parse_cccd_qr(text, today=TODAY)


def fields(**changes) -> str:
    """The sample with some fields replaced by position name."""
    names = ["id", "old", "name", "dob", "gender", "address", "issue"]
    values = dict(zip(names, SAMPLE.split("|"), strict=True))
    values.update(changes)
    return "|".join(values[n] for n in names)


def error(text: str, kind: type[CccdQrError] = CccdQrError) -> CccdQrError:
    with pytest.raises(kind) as info:
        parse(text)
    assert isinstance(info.value, InvalidInput)
    return info.value


# --- good cards --------------------------------------------------------------


def test_design_sample_parses():
    assert parse(SAMPLE) == SAMPLE_CARD
    assert SAMPLE_CARD.to_qr_text() == SAMPLE


@pytest.mark.parametrize("suffix", ["\r\n", "\n", "\r", "  \r\n", "\t"])
def test_keyboard_wedge_enter_is_stripped(suffix):
    assert parse(SAMPLE + suffix) == SAMPLE_CARD
    assert parse("\ufeff" + SAMPLE + suffix) == SAMPLE_CARD


def test_decomposed_text_is_normalised_to_nfc():
    card = parse(unicodedata.normalize("NFD", SAMPLE))
    assert card == SAMPLE_CARD
    assert unicodedata.is_normalized("NFC", card.full_name)


def test_card_from_2024_with_eleven_fields():
    card = parse(SAMPLE + "||||")
    assert card.extra_fields == ("", "", "", "")
    assert card.issue_date == date(2021, 8, 14)
    assert parse(SAMPLE + "|a|b|c|d|e|f").extra_fields == ("a", "b", "c", "d", "e", "f")


def test_old_id_and_empty_issue_date():
    card = parse(fields(old="123456789", issue=""))
    assert card.old_id_number == "123456789"
    assert card.issue_date is None
    assert parse(fields(old="012345678901")).old_id_number == "012345678901"


@pytest.mark.parametrize("gender, expected", [("Nam", "Nam"), ("NAM", "Nam"), ("nam", "Nam"),
                                              ("Nữ", "Nữ"), ("NỮ", "Nữ"), ("nữ", "Nữ")])
def test_gender_is_case_insensitive(gender, expected):
    assert parse(fields(gender=gender)).gender == expected


def test_name_spacing_and_minority_names():
    assert parse(fields(name="  Nguyễn   Thị  Hoa ")).full_name == "Nguyễn Thị Hoa"
    assert parse(fields(name="H'Hen Niê")).full_name == "H'Hen Niê"
    assert parse(fields(name="Ksor Y Wơn")).full_name == "Ksor Y Wơn"
    assert parse(fields(name="Lò Văn A")).full_name == "Lò Văn A"


def test_mask_id_number():
    assert mask_id_number("034303011829") == "********1829"
    assert SAMPLE_CARD.masked_id_number == "********1829"
    assert mask_id_number("123") == "***"


# --- bad cards ---------------------------------------------------------------


@pytest.mark.parametrize("count", [1, 2, 6])
def test_too_few_fields(count):
    text = "|".join(SAMPLE.split("|")[:count])
    message = str(error(text))
    assert f"có {count} trường" in message
    assert "ít nhất 7" in message


def test_empty_text():
    assert "quét lại" in str(error("   \r\n"))


@pytest.mark.parametrize(
    "bad", ["03430301182", "0343030118290", "03430301182X", "", "034 303 011 829"]
)
def test_id_not_12_digits_shows_what_was_read(bad):
    err = error(fields(id=bad))
    assert f"«{bad}»" in str(err)
    assert "12 chữ số" in str(err)
    assert err.field == "id_number"


def test_unicode_digits_are_not_digits():
    assert error(fields(id="٠٣٤٣٠٣٠١١٨٢٩")).field == "id_number"


def test_bad_old_id():
    err = error(fields(old="12345678"))
    assert "12345678" in str(err) and err.field == "old_id_number"


@pytest.mark.parametrize(
    "changes, field, needle",
    [
        ({"dob": "31022000"}, "date_of_birth", "31022000"),
        ({"dob": "2103200"}, "date_of_birth", "2103200"),
        ({"dob": "00002003"}, "date_of_birth", "00002003"),
        ({"dob": "21/03/2003"}, "date_of_birth", "21/03/2003"),
        ({"dob": "01012030"}, "date_of_birth", "01/01/2030"),
        ({"dob": "31121899"}, "date_of_birth", "1900"),
        ({"issue": "31042021"}, "issue_date", "31042021"),
        ({"issue": "14082001"}, "issue_date", "14/08/2001"),
        ({"issue": "14082027"}, "issue_date", "14/08/2027"),
    ],
)
def test_impossible_dates_name_the_field(changes, field, needle):
    err = error(fields(**changes))
    assert err.field == field
    assert needle in str(err)
    label = "Ngày sinh" if field == "date_of_birth" else "Ngày cấp"
    assert label in str(err)


@pytest.mark.parametrize("gender", ["Male", "F", "", "Nữ giới"])
def test_wrong_gender(gender):
    err = error(fields(gender=gender))
    assert err.field == "gender" and "«Nam» hoặc «Nữ»" in str(err)
    assert not isinstance(err, ScannerMangledError)


def test_bad_name_and_address():
    assert error(fields(name="")).field == "full_name"
    err = error(fields(name="Nguyễn Thị @Hoa"))
    assert err.field == "full_name" and not isinstance(err, ScannerMangledError)
    assert error(fields(address="")).field == "address"


# --- mojibake ----------------------------------------------------------------


def test_repair_shift_jis_mojibake_from_zbar():
    mojibake = "Trần Văn Đức".encode().decode("shift_jis")
    assert mojibake == "Tr蘯ｧn Vﾄハ ﾄ雪ｻｩc"  # exactly what docs/design.md §3.5 reports
    assert repair_mojibake(mojibake) == "Trần Văn Đức"
    card = parse(fields(name=mojibake))
    assert card.full_name == "Trần Văn Đức"


def test_repair_cp1252_and_latin1_mojibake():
    assert repair_mojibake("Nguyá»…n") == "Nguyễn"
    assert parse(SAMPLE.encode().decode("cp1252")) == SAMPLE_CARD
    assert parse(SAMPLE.encode().decode("latin-1")) == SAMPLE_CARD
    # "Đ" is C4 90 and cp1252 has no 0x90: Windows decoders leave U+0090 in place.
    name = "Đặng Đức Hữu"
    assert repair_mojibake(name.encode().decode("latin-1")) == name


@pytest.mark.parametrize(
    "text", [SAMPLE, "Nguyễn Thị Hoa", "Lê Hà", "plain ascii", "NGÃ BA Ô MÔN", ""]
)
def test_repair_leaves_correct_text_alone(text):
    assert repair_mojibake(text) == text


# --- scanner mangling ----------------------------------------------------------


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"name": "Nguy?n Th? Hoa"}, "full_name"),
        ({"name": "Nguy\ufffdn Thị Hoa"}, None),
        ({"name": "Nguyeenx Thij Hoa"}, "full_name"),  # Unikey Telex typed as keys
        ({"name": "Nguye6n4 Thi5 Hoa"}, "full_name"),  # VNI
        ({"name": "Tr蘯ｧn Thị Hoa"}, None),
        ({"name": "ﾄ雪ｻc"}, None),  # Shift-JIS mojibake with a byte lost
        ({"name": "Nguyá»n Thị Hoa"}, None),  # Latin-1 mojibake with a byte lost
        ({"gender": "N?"}, "gender"),
        ({"gender": "Nu"}, "gender"),  # diacritics dropped
        ({"gender": "Nuwx"}, "gender"),
        ({"address": "Th?n Lai ?n"}, "address"),
        ({"address": "Thôn Lai 盻馬"}, None),
    ],
)
def test_scanner_mangling_is_reported(changes, field):
    err = error(fields(**changes), ScannerMangledError)
    assert err.field == field
    message = str(err)
    assert "Máy quét" in message
    assert "Unikey" in message and "tiếng Anh" in message and "USB-COM" in message


def test_lossy_shift_jis_cannot_be_repaired():
    lossy = "Nguyễn Thị Hoa".encode().decode("shift_jis", errors="replace")
    assert repair_mojibake(lossy) == lossy
    error(fields(name=lossy), ScannerMangledError)


# --- properties ----------------------------------------------------------------

VN_WORDS = ["Nguyễn", "Trần", "Lê", "Phạm", "Huỳnh", "Võ", "Đặng", "Thị", "Văn", "Đức", "Hoa",
            "Minh", "Anh", "Ngọc", "Hùng", "Dũng", "Yến", "Khánh", "Phương", "Quỳnh", "Ánh",
            "Ổn", "Hữu", "Thủy", "Ý", "Ân", "Ưng", "Lợi", "Giàu", "Kiệt"]
VN_DIACRITIC_LETTERS = "ăâđêôơưàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ"
VN_DIACRITIC_LETTERS += VN_DIACRITIC_LETTERS.upper()

words = st.one_of(
    st.sampled_from(VN_WORDS), st.text(alphabet=VN_DIACRITIC_LETTERS, min_size=1, max_size=7)
)
names = st.lists(words, min_size=1, max_size=5).map(" ".join)
addresses = st.text(
    alphabet=VN_DIACRITIC_LETTERS + "abcdefghiklmnopqrstuvxyABCDEHKLMNPQSTVX0123456789 ,./-",
    min_size=1, max_size=80,
).map(str.strip).filter(bool)
digits = st.text(alphabet="0123456789", min_size=1, max_size=1)


@st.composite
def cards(draw) -> CitizenCard:
    dob = draw(st.dates(min_value=date(1900, 1, 1), max_value=TODAY))
    issue = draw(st.none() | st.dates(min_value=dob, max_value=TODAY))
    return CitizenCard(
        id_number="".join(draw(st.lists(digits, min_size=12, max_size=12))),
        old_id_number=draw(st.none() | st.text(alphabet="0123456789", min_size=9, max_size=9)),
        full_name=draw(names),
        date_of_birth=dob,
        gender=draw(st.sampled_from(["Nam", "Nữ"])),
        address=draw(addresses),
        issue_date=issue,
        extra_fields=tuple(draw(st.lists(st.text(alphabet="0123456789ABC", max_size=5),
                                         max_size=6))),
    )


@given(card=cards(), enter=st.sampled_from(["", "\r\n", "\n"]))
def test_valid_cards_round_trip(card, enter):
    assert parse(card.to_qr_text() + enter) == card


@given(card=cards())
def test_mojibake_of_valid_cards_is_repaired(card):
    encoded = card.to_qr_text().encode()
    assert parse(encoded.decode("latin-1")) == card
    for codec in ("cp1252", "shift_jis", "cp932"):
        try:
            mojibake = encoded.decode(codec)
        except UnicodeDecodeError:
            continue
        assert parse(mojibake) == card


QR_ALPHABET = st.sampled_from(
    list("|0123456789 ?aăâđêNnuwxữỮ\r\n\ufffd\u00c3\u00a1\u00bb\u2026蘯ｧﾄハ\x00\ufeff")
)


@settings(max_examples=300)
@given(text=st.one_of(st.text(), st.text(alphabet=QR_ALPHABET),
                      cards().map(CitizenCard.to_qr_text).flatmap(
                          lambda t: st.integers(0, len(t)).map(lambda i: t[:i] + t[i + 1:]))))
def test_fuzz_parse_only_raises_cccd_errors(text):
    try:
        card = parse_cccd_qr(text, today=TODAY)
    except CccdQrError as err:
        assert str(err)
    else:
        assert isinstance(card, CitizenCard)
        assert len(card.id_number) == 12 and card.gender in ("Nam", "Nữ")

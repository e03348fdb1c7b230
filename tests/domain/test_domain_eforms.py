"""Declaration forms as data (domain.eforms): parsing, the seed forms, prefill, validation."""

from __future__ import annotations

import copy
import json
import unicodedata
from datetime import date
from importlib import resources

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sadec_desk.domain.catalogue import CatalogueError, procedure_to_data, procedures_from_data
from sadec_desk.domain.cccd import parse_cccd_qr
from sadec_desk.domain.eforms import (
    CCCD_FIELDS,
    FormDataError,
    date_in_words,
    form_from_data,
    form_to_data,
    normalise,
    number_in_words,
    prefill,
    validate,
)

TODAY = date(2026, 11, 26)
HOA = parse_cccd_qr("034303011829||Nguyễn Thị Hoa|21032003|Nữ|"
                    "Thôn Lai Ổn, An Quý, Quỳnh Phụ, Thái Bình|14082021", today=TODAY)
DUC = parse_cccd_qr("087099001234|351234567|Trần Văn Đức|05061999|Nam|"
                    "Phường 1, Sa Đéc, Đồng Tháp|01022022", today=TODAY)


def seed_data() -> dict:
    text = (resources.files("sadec_desk.db") / "seed" / "procedures.json").read_text("utf-8")
    return json.loads(text)


def seed_forms():
    return {p.code: p.form for p in procedures_from_data(seed_data())}


BIRTH = "1.001193"


def birth_values(**changes) -> dict[str, str]:
    values = {
        **prefill(seed_forms()[BIRTH], HOA), "req_relation": "mẹ",
        "child_name": "Trần Minh Khôi", "child_birth_date": "20/11/2026", "child_gender": "Nam",
        "child_ethnicity": "Kinh", "child_birth_place": "Bệnh viện Đa khoa Sa Đéc",
        "child_hometown": "Sa Đéc, Đồng Tháp", "mother_name": "Nguyễn Thị Hoa",
        "mother_birth_date": "21/03/2003", "mother_ethnicity": "Kinh",
        "mother_residence": "Phường 1, Sa Đéc, Đồng Tháp",
    }
    values.update(changes)
    return values


def test_every_seed_procedure_has_a_form_with_the_facts_it_needs():
    procedures = procedures_from_data(seed_data())
    assert len(procedures) == 10
    for p in procedures:
        form = p.form
        assert form is not None, p.code
        assert form.title.isupper() and form.source and form.version
        assert form.paper_size in ("A4", "A5")
        names = [f.name for f in form.fields]
        assert len(names) == len(set(names))
        for section in form.sections:  # a label twice in a section is a copy-paste slip
            labels = [f.label for f in section.fields]
            assert len(labels) == len(set(labels)), (p.code, section.title)
        assert any(f.required for f in form.fields)
        # the card fills someone on every form
        assert {"full_name", "id_number"} <= {f.cccd for f in form.fields}
        assert all(f.label == unicodedata.normalize("NFC", f.label) for f in form.fields)
        if form.paper_index is not None:
            assert p.papers[form.paper_index].name.startswith("Tờ khai")
        else:  # the chứng thực procedures have no tờ khai: say so in the data
            assert p.code in ("2.000815", "2.000884")
            assert "source" in form.unverified and "không bắt buộc" in form.source


def test_birth_form_asks_about_child_parents_and_requester():
    form = seed_forms()[BIRTH]
    assert form.form_id == "tt04-2020/khai-sinh"
    assert form.title == "TỜ KHAI ĐĂNG KÝ KHAI SINH"
    assert "04/2020/TT-BTP" in form.source and "03/2023/TT-BTP" in form.source
    titles = [s.title for s in form.sections]
    assert titles[:4] == ["Người yêu cầu", "Người được khai sinh", "Mẹ", "Cha"]
    child = {f.name for f in form.sections[1].fields}
    assert {"child_name", "child_birth_date", "child_gender", "child_ethnicity",
            "child_nationality", "child_birth_place", "child_hometown"} == child
    assert form.field("req_id").cccd == "id_number"
    assert not form.field("father_name").required


def test_form_data_round_trips_through_the_catalogue():
    data = seed_data()
    procedures = procedures_from_data(data)
    assert [procedure_to_data(p) for p in procedures] == data["procedures"]
    for p in procedures:
        assert form_from_data(form_to_data(p.form)) == p.form


@pytest.mark.parametrize(("change", "words"), [
    (lambda f: f["sections"][1]["fields"][0].update(type="colour"), "loại «colour»"),
    (lambda f: f["sections"][1]["fields"][0].update(cccd="hair"), "«cccd»"),
    (lambda f: f["sections"][1]["fields"][0].update(name="Họ tên"), "tên không hợp lệ"),
    (lambda f: f["sections"][1]["fields"][2].update(choices=["Nam"]), "ít nhất hai"),
    (lambda f: f["sections"][1]["fields"][1].update(not_before="child_name"), "not_before"),
    (lambda f: f["sections"][2]["fields"].append({"name": "child_name", "label": "x"}),
     "trùng: child_name"),
    (lambda f: f.update(paper_size="Letter"), "khổ giấy"),
    (lambda f: f.update(colour="red"), "trường lạ «colour»"),
    (lambda f: f.update(paper_index=7), "paper_index"),
    (lambda f: f["sections"][1]["fields"][0].update(in_words=True), "«in_words» chỉ dùng"),
])
def test_bad_form_data_is_refused_naming_procedure_and_field(change, words):
    data = seed_data()
    entry = data["procedures"][0]
    change(entry["form"])
    with pytest.raises(CatalogueError) as info:
        procedures_from_data({"format": 1, "procedures": [entry]})
    message = str(info.value)
    assert words in message
    assert "1.001193" in message


def test_form_from_data_alone_raises_form_data_error():
    raw = copy.deepcopy(seed_data()["procedures"][0]["form"])
    raw["sections"] = []
    with pytest.raises(FormDataError, match="sections"):
        form_from_data(raw, where="thủ tục 1.001193")


def test_prefill_fills_the_requester_from_the_card_and_the_defaults():
    form = seed_forms()[BIRTH]
    values = prefill(form, HOA)
    assert values["req_name"] == "Nguyễn Thị Hoa"
    assert values["req_id"] == "034303011829"
    assert values["req_residence"] == "Thôn Lai Ổn, An Quý, Quỳnh Phụ, Thái Bình"
    assert values["child_nationality"] == "Việt Nam"
    assert "child_name" not in values
    assert set(CCCD_FIELDS) >= {f.cccd for f in form.fields if f.cccd}


def test_marriage_card_fills_the_party_of_the_holders_sex():
    form = seed_forms()["1.000894"]
    bride = prefill(form, HOA)
    assert bride["bride_name"] == "Nguyễn Thị Hoa" and "groom_name" not in bride
    assert bride["bride_birth_date"] == "21/03/2003"
    groom = prefill(form, DUC)
    assert groom["groom_name"] == "Trần Văn Đức" and "bride_name" not in groom


def test_a_complete_birth_form_is_valid():
    assert validate(seed_forms()[BIRTH], birth_values(), today=TODAY) == {}


def test_validation_says_what_is_wrong_in_vietnamese():
    form = seed_forms()[BIRTH]
    errors = validate(form, birth_values(child_birth_date="27/11/2026", child_name="",
                                         req_id="12345", child_gender="Trai",
                                         req_phone="12345", copies="abc",
                                         mother_birth_date="31/02/1990"), today=TODAY)
    assert errors["child_birth_date"] == (
        "«Ngày, tháng, năm sinh» (Người được khai sinh) không được sau hôm nay "
        "(26/11/2026); hãy kiểm tra lại.")
    assert errors["child_name"].startswith("Hãy nhập «Họ, chữ đệm, tên» (Người được khai sinh)")
    assert "12 chữ số" in errors["req_id"]
    assert "Nam, Nữ" in errors["child_gender"]
    assert "10 chữ số" in errors["req_phone"]
    assert "phải là một số" in errors["copies"]
    assert "không phải ngày có thật" in errors["mother_birth_date"]


def test_a_date_before_the_one_it_follows_is_refused():
    form = seed_forms()[BIRTH]
    errors = validate(form, birth_values(child_birth_date="01/01/2000"), today=TODAY)
    assert "không được trước «Ngày, tháng, năm sinh» (Mẹ) (21/03/2003)" in \
        errors["child_birth_date"]
    death = seed_forms()["1.000656"]
    values = {**prefill(death, DUC), "req_relation": "con", "dec_name": "Trần Văn Ba",
              "dec_gender": "Nam", "dec_ethnicity": "Kinh", "dec_residence": "Sa Đéc",
              "dec_birth_date": "01/01/1950", "dec_death_date": "01/01/1949",
              "dec_death_place": "Sa Đéc", "dec_death_time": "25:10"}
    errors = validate(death, values, today=TODAY)
    assert set(errors) == {"dec_death_date", "dec_death_time"}


def test_number_bounds_length_and_required_checkbox():
    raw = {"form_id": "test/x", "version": "1", "title": "T", "source": "S",
           "paper_size": "A5", "paper_index": None,
           "sections": [{"title": "Phần", "fields": [
               {"name": "n", "label": "Số bản", "type": "number", "min": 1, "max": 5},
               {"name": "t", "label": "Tên", "max_length": 5},
               {"name": "ok", "label": "Đồng ý", "type": "checkbox", "required": True}]}]}
    form = form_from_data(raw)
    errors = validate(form, {"n": "9", "t": "Nguyễn Văn"}, today=TODAY)
    assert errors["n"] == "«Số bản» (Phần) phải từ 1 đến 5."
    assert "tối đa 5" in errors["t"]
    assert errors["ok"].startswith("Hãy đánh dấu")
    assert validate(form, {"n": "2", "t": "Hoa", "ok": "có"}, today=TODAY) == {}


def test_values_are_normalised():
    form = seed_forms()[BIRTH]
    decomposed = unicodedata.normalize("NFD", "  Trần   Minh  Khôi ")
    clean = normalise(form, {"child_name": decomposed, "req_phone": "0912 345.678",
                             "child_birth_date": "5/9/2026", "child_gender": "nữ",
                             "unknown": "x"})
    assert clean["child_name"] == "Trần Minh Khôi"
    assert clean["req_phone"] == "0912345678"
    assert clean["child_birth_date"] == "05/09/2026"
    assert clean["child_gender"] == "Nữ"
    assert "unknown" not in clean and clean["father_name"] == ""


@given(st.text(max_size=40))
def test_any_text_validates_to_sentences_never_an_exception(text):
    form = seed_forms()[BIRTH]
    errors = validate(form, {f.name: text for f in form.fields}, today=TODAY)
    assert all(isinstance(v, str) and v.endswith(".") for v in errors.values())
    clean = normalise(form, {"child_name": text})["child_name"]
    assert clean == unicodedata.normalize("NFC", clean) and clean == clean.strip()


@pytest.mark.parametrize(("n", "words"), [
    (0, "không"), (5, "năm"), (10, "mười"), (15, "mười lăm"), (21, "hai mươi mốt"),
    (25, "hai mươi lăm"), (31, "ba mươi mốt"), (105, "một trăm linh năm"),
    (110, "một trăm mười"), (2003, "hai nghìn không trăm linh ba"),
    (2026, "hai nghìn không trăm hai mươi sáu"), (1999, "một nghìn chín trăm chín mươi chín"),
])
def test_numbers_in_words_as_civil_status_papers_write_them(n, words):
    assert number_in_words(n) == words


def test_birth_date_is_also_written_in_words():
    assert seed_forms()[BIRTH].field("child_birth_date").in_words
    assert date_in_words(date(2026, 11, 20)) == (
        "Ngày hai mươi tháng mười một năm hai nghìn không trăm hai mươi sáu")

"""Pick lists on the declaration forms (issue #17 item 4): ethnicity from the 54 ethnic
groups, relation from a list, and "the declarant is the child's mother/father" copying
the card's data into that parent's part."""

from __future__ import annotations

from datetime import date

import pytest

from sadec_desk.domain.cccd import parse_cccd_qr
from sadec_desk.domain.eforms import (
    FormDataError,
    declarant_values,
    form_from_data,
    form_to_data,
    validate,
)
from sadec_desk.domain.ethnic_groups import ETHNIC_GROUP_NAMES, ETHNIC_GROUPS

QR = "034303011829||Nguyễn Thị Hoa|21032003|Nữ|Thôn Lai Ổn, An Quý, Quỳnh Phụ, Thái Bình|14082021"


def form_data(**extra) -> dict:
    data = {
        "form_id": "test/khai-sinh", "version": "1", "title": "TỜ KHAI", "source": "thử",
        "paper_size": "A4", "paper_index": 0,
        "sections": [
            {"title": "Người yêu cầu", "fields": [
                {"name": "req_name", "label": "Họ tên", "cccd": "full_name", "required": True},
                {"name": "req_relation", "label": "Quan hệ", "type": "choice",
                 "choices": ["Mẹ", "Cha", "Bà"], "required": True}]},
            {"title": "Mẹ", "fields": [
                {"name": "mother_name", "label": "Họ tên"},
                {"name": "mother_birth_date", "label": "Ngày sinh", "type": "date"},
                {"name": "mother_ethnicity", "label": "Dân tộc", "type": "choice",
                 "choices_from": "ethnic_groups", "required": True}]}],
    }
    data.update(extra)
    return data


COPY = {"label": "Người khai là mẹ của cháu", "relation": ["req_relation", "Mẹ"],
        "fields": {"mother_name": "full_name", "mother_birth_date": "date_of_birth"}}


def test_the_list_has_the_54_groups_with_their_codes_kinh_first():
    assert len(ETHNIC_GROUPS) == 54 == len(set(ETHNIC_GROUP_NAMES))
    assert ETHNIC_GROUPS[0] == ("01", "Kinh") and ETHNIC_GROUPS[-1] == ("54", "Rơ Măm")
    assert [code for code, _name in ETHNIC_GROUPS] == [f"{n:02d}" for n in range(1, 55)]
    assert {"Khmer", "Hoa", "Chăm", "Mông", "Ê Đê", "Ơ Đu"} <= set(ETHNIC_GROUP_NAMES)


def test_an_ethnicity_field_takes_the_list_and_refuses_free_text():
    form = form_from_data(form_data())
    field = form.field("mother_ethnicity")
    assert field.choices == ETHNIC_GROUP_NAMES and field.choices_from == "ethnic_groups"
    values = {"req_name": "Nguyễn Thị Hoa", "req_relation": "Mẹ",
              "mother_ethnicity": "Dân tộc Kinh"}
    assert "mother_ethnicity" in validate(form, values, today=date(2026, 11, 26))
    values["mother_ethnicity"] = "kinh"  # another case is the same choice
    assert validate(form, values, today=date(2026, 11, 26)) == {}
    # the data file keeps the list's name, not 54 copies of it
    saved = form_to_data(form)
    (ethnicity,) = [f for f in saved["sections"][1]["fields"] if f["name"] == "mother_ethnicity"]
    assert ethnicity["choices_from"] == "ethnic_groups" and "choices" not in ethnicity
    assert form_from_data(saved) == form


@pytest.mark.parametrize("field,problem", [
    ({"choices_from": "tinh_thanh"}, "choices_from"),
    ({"choices_from": "ethnic_groups", "choices": ["Kinh", "Hoa"]}, "choices_from"),
])
def test_a_wrong_list_name_is_a_sentence(field, problem):
    data = form_data()
    data["sections"][1]["fields"][2] = {"name": "mother_ethnicity", "label": "Dân tộc",
                                        "type": "choice", **field}
    with pytest.raises(FormDataError, match=problem):
        form_from_data(data)


def test_the_declarant_is_the_mother_copies_her_card():
    form = form_from_data(form_data(declarant_copies=[COPY]))
    card = parse_cccd_qr(QR, today=date(2026, 11, 26))
    assert declarant_values(form, 0, card) == {
        "req_relation": "Mẹ", "mother_name": "Nguyễn Thị Hoa", "mother_birth_date": "21/03/2003"}
    assert form_from_data(form_to_data(form)) == form


@pytest.mark.parametrize("copy", [
    {**COPY, "relation": ["req_relation", "Dì"]},  # not one of the field's choices
    {**COPY, "relation": ["req_name", "Mẹ"]},  # not a choice field
    {**COPY, "fields": {"mother_name": "nickname"}},  # not a card field
    {**COPY, "fields": {"aunt_name": "full_name"}},  # not a field of the form
])
def test_a_wrong_declarant_copy_is_a_sentence(copy):
    with pytest.raises(FormDataError):
        form_from_data(form_data(declarant_copies=[copy]))


def test_the_seed_birth_form_offers_mother_and_father():
    import json
    from importlib import resources

    from sadec_desk.domain.catalogue import procedures_from_data

    text = (resources.files("sadec_desk.db") / "seed" / "procedures.json").read_text("utf-8")
    birth = next(p for p in procedures_from_data(json.loads(text)) if p.code == "1.001193")
    assert [c.label for c in birth.form.declarant_copies] == [
        "Người khai là mẹ của cháu", "Người khai là cha của cháu"]
    assert birth.form.field("child_ethnicity").choices == ETHNIC_GROUP_NAMES
    assert "Mẹ" in birth.form.field("req_relation").choices

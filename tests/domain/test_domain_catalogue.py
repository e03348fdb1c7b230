import copy
import json
import unicodedata
from pathlib import Path

import pytest

import sadec_desk.db
from sadec_desk.domain.catalogue import (
    CatalogueError,
    FeeRule,
    Paper,
    Procedure,
    catalogue_to_data,
    procedure_to_data,
    procedures_from_data,
)
from sadec_desk.errors import InvalidInput

SEED = Path(sadec_desk.db.__file__).parent / "seed" / "procedures.json"

CODES = {
    "1.001193", "1.000894", "1.000656", "1.004884", "1.004873",
    "2.000635", "2.000815", "2.000884", "1.001022", "1.004859",
}


def seed_data() -> dict:
    return json.loads(SEED.read_text(encoding="utf-8"))


def seed() -> dict[str, Procedure]:
    return {p.code: p for p in procedures_from_data(seed_data())}


def minimal(**overrides) -> dict:
    entry = {
        "code": "1.000001",
        "name": "Thủ tục thử",
        "field_name": "Hộ tịch",
        "time_limit_days": 3,
        "fee": {"kind": "free"},
    }
    entry.update(overrides)
    return entry


def error_for(entries: list) -> CatalogueError:
    with pytest.raises(CatalogueError) as info:
        procedures_from_data({"format": 1, "procedures": entries})
    assert isinstance(info.value, InvalidInput)
    return info.value


def test_seed_has_the_ten_procedures_of_the_design():
    procedures = procedures_from_data(seed_data())
    assert len(procedures) == 10
    assert {p.code for p in procedures} == CODES
    # version 2 carries the declaration forms (issue #8), version 3 the pick lists for
    # relation and ethnicity (issue #17): existing databases adopt them
    assert all(p.version >= 2 and p.form is not None for p in procedures)
    picked = {p.code for p in procedures if any(
        f.choices_from == "ethnic_groups" or f.name == "req_relation" for f in p.form.fields)}
    assert {p.code for p in procedures if p.version == 3} == picked
    assert {p.field_name for p in procedures} == {"Hộ tịch", "Chứng thực"}


def test_seed_time_limits_and_verification():
    p = seed()
    limits = {code: (x.time_limit_days, x.verification_extra_days) for code, x in p.items()}
    assert limits == {
        "1.001193": (0, 0),
        "1.000894": (0, 5),
        "1.000656": (0, 3),
        "1.004884": (5, 0),
        "1.004873": (3, 0),
        "2.000635": (0, 0),
        "2.000815": (0, 0),
        "2.000884": (0, 0),
        "1.001022": (3, 5),
        "1.004859": (3, 3),
    }
    assert p["1.004859"].time_limit(needs_verification=True) == 6
    assert p["1.004859"].time_limit() == 3


def test_seed_same_day_eligibility_follows_no_appointment_thursday():
    eligible = {code for code, x in seed().items() if x.same_day_eligible}
    assert eligible == {
        "1.000894", "1.000656", "2.000635", "1.004884", "1.004873", "2.000815", "2.000884",
    }


def test_seed_fees():
    fees = {code: (x.fee.kind, x.fee.amount_vnd) for code, x in seed().items()}
    assert fees == {
        "1.001193": ("free_if_on_time", 0),
        "1.000894": ("free", 0),
        "1.000656": ("free_if_on_time", 0),
        "1.004884": ("council", 0),
        "1.004873": ("council", 0),
        "2.000635": ("per_copy", 8000),
        "2.000815": ("certified_copy", 0),
        "2.000884": ("fixed", 10000),
        "1.001022": ("council", 0),
        "1.004859": ("council", 0),
    }


def test_seed_marks_the_unverified_facts():
    p = seed()
    assert set(p["1.004884"].unverified) == {"time_limit_days", "papers"}
    assert p["1.004873"].unverified == ("time_limit_days",)
    assert all(not x.unverified for code, x in p.items() if code not in ("1.004884", "1.004873"))


def test_seed_text_is_vietnamese_nfc_with_papers_and_legal_basis():
    p = seed()
    assert p["1.001193"].name == "Đăng ký khai sinh"
    assert p["1.004873"].name == "Cấp giấy xác nhận tình trạng hôn nhân"
    assert p["2.000884"].name == "Chứng thực chữ ký"
    for x in p.values():
        assert x.papers, x.code
        assert x.legal_basis, x.code
        for text in (x.name, x.legal_basis, *(paper.name for paper in x.papers)):
            assert unicodedata.normalize("NFC", text) == text
    assert "Luật Hộ tịch 2014 (Điều 9, 11, 16)" in p["1.001193"].legal_basis
    assert "Nghị định 23/2015/NĐ-CP (Điều 7" in p["2.000815"].legal_basis
    assert "226/2016" in p["2.000815"].legal_basis
    assert any(paper.kind == "copy" for paper in p["2.000815"].papers)


def test_seed_round_trips():
    data = seed_data()
    procedures = procedures_from_data(data)
    assert [procedure_to_data(x) for x in procedures] == data["procedures"]
    assert catalogue_to_data(procedures) == data
    assert procedures_from_data(json.loads(json.dumps(catalogue_to_data(procedures)))) == (
        procedures
    )


def test_paper_label():
    assert Paper("Tờ khai").label == "Tờ khai (bản chính, 1)"
    assert Paper("Bản sao", kind="copy", count=2).label == "Bản sao (bản sao, 2)"
    assert Paper("Giấy tờ", kind="original_or_copy").label == (
        "Giấy tờ (bản chính hoặc bản sao, 1)"
    )
    assert Paper("Giấy ủy quyền", required=False).label == (
        "Giấy ủy quyền (bản chính, 1, nếu có)"
    )


def test_defaults_are_filled_in():
    [p] = procedures_from_data({"format": 1, "procedures": [minimal()]})
    assert p.version == 1
    assert p.verification_extra_days == 0
    assert p.same_day_eligible is False
    assert p.fee == FeeRule("free")
    assert p.papers == ()
    assert p.unverified == ()


def test_duplicate_codes_are_refused_naming_the_procedure():
    err = error_for([minimal(), minimal(name="Thủ tục khác")])
    assert "1.000001" in str(err)
    assert "Thủ tục khác" in str(err)
    assert "trùng" in str(err)


def test_unknown_fee_kind_names_the_procedure():
    err = error_for([minimal(fee={"kind": "gratis"})])
    assert "1.000001" in str(err) and "Thủ tục thử" in str(err)
    assert "gratis" in str(err)


@pytest.mark.parametrize(
    "field, value",
    [("time_limit_days", -1), ("verification_extra_days", -3), ("version", 0),
     ("time_limit_days", 5000), ("time_limit_days", True), ("time_limit_days", "3")],
)
def test_bad_numbers_are_refused(field, value):
    err = error_for([minimal(**{field: value})])
    assert "1.000001" in str(err)
    assert field in str(err) or "phiên bản" in str(err)


def test_negative_fee_and_paper_count_are_refused():
    err = error_for([minimal(fee={"kind": "fixed", "amount_vnd": -10})])
    assert "1.000001" in str(err) and "-10" in str(err)
    err = error_for([minimal(papers=[{"name": "Tờ khai", "count": 0}])])
    assert "Tờ khai" in str(err) and "1.000001" in str(err)


@pytest.mark.parametrize("code", ["1.1193", "1001193", "x.001193", "12.001193", "1.0011930", ""])
def test_bad_code_format(code):
    err = error_for([minimal(code=code)])
    assert "d.dddddd" in str(err)


def test_other_structural_errors():
    assert "format" in str(error_for_doc({"format": 2, "procedures": []}))
    assert "procedures" in str(error_for_doc({"format": 1}))
    assert "thiếu tên thủ tục" in str(error_for([minimal(name="")]))
    assert "thiếu tên thủ tục" in str(error_for([minimal(name=None)]))
    err = error_for([minimal(time_limit=3)])  # a typo for time_limit_days
    assert "time_limit" in str(err)
    err = error_for([{"code": "1.000002"}])
    assert "thiếu" in str(err) and "1.000002" in str(err)
    err = error_for([minimal(papers=[{"name": "Tờ khai", "kind": "scan"}])])
    assert "scan" in str(err)
    err = error_for([minimal(unverified=["colour"])])
    assert "unverified" in str(err)
    err = error_for(["not a table"])
    assert "thủ tục thứ 1" in str(err)


def error_for_doc(doc) -> CatalogueError:
    with pytest.raises(CatalogueError) as info:
        procedures_from_data(doc)
    return info.value


def test_procedures_from_data_does_not_modify_its_input():
    data = seed_data()
    before = copy.deepcopy(data)
    procedures_from_data(data)
    assert data == before

"""Nothing typed into the receive form can do worse than a sentence saying what to fix."""

from __future__ import annotations

import string

from appfixtures import OTHER_QR, SAMPLE_QR
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sadec_desk.db.search_index import fold_name
from sadec_desk.errors import UserError
from sadec_desk.services.reception import intake, search

texts = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=80)
counts = st.one_of(texts, st.integers(-5, 20000).map(str),
                   st.text(alphabet=string.digits, max_size=8))
qrs = st.one_of(texts, st.just(SAMPLE_QR),
                st.lists(texts, min_size=5, max_size=12).map("|".join),
                st.builds(lambda t: SAMPLE_QR.replace("Hoa", t), texts))
procedures = st.one_of(texts, st.sampled_from(["2.000815", "1.001193", "2.000635",
                                               "1.004873", " 2.000884 "]))
papers = st.lists(st.builds(intake.FormPaper, name=texts,
                            kind=st.sampled_from(["original", "copy", "original_or_copy"]),
                            count=st.integers(-3, 200), received=st.booleans()), max_size=4)


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(qr=qrs, procedure=procedures, phone=texts, pages=counts, copies=counts,
       verification=st.booleans(), late=st.booleans(), paper_list=papers)
def test_receive_form_never_crashes(ctx, qr, procedure, phone, pages, copies, verification,
                                    late, paper_list):
    try:
        info = intake.receive_from_form(
            ctx, qr_text=qr, procedure_code=procedure, phone=phone, pages=pages,
            copies=copies, needs_verification=verification, late=late, papers=paper_list)
    except UserError as exc:
        message = str(exc)
        assert message and "Traceback" not in message
    else:
        assert info.code.startswith("000.00.14.H20-")
        assert info.citizen.id_number.isdigit()
    for field, value in (("phone", phone), ("pages", pages), ("copies", copies),
                         ("id_number", qr[:12])):
        assert isinstance(intake.check_field(field, value), str)


def test_good_form_is_saved_with_the_ticked_papers(ctx):
    info = intake.receive_from_form(
        ctx, qr_text=SAMPLE_QR, procedure_code="2.000815", phone="0912 345 678", pages="3",
        copies="2", papers=[intake.FormPaper("Bản chính", "original", 1, True),
                            intake.FormPaper("Bản sao", "copy", 2, False)],
        missing_action="accept", missing_reason="Bản sao nộp sau")
    assert info.fee_vnd == 10000 and info.phone == "0912345678"
    assert [p.name for p in info.papers] == ["Bản chính"]


def test_typed_mistakes_are_named():
    assert "số nguyên" in intake.check_field("pages", "3a")
    assert "từ 1 đến 1000" in intake.check_field("copies", "0")
    assert "10 chữ số" in intake.check_field("phone", "12345")
    assert intake.check_field("phone", "0912 345 678") == ""


def test_find_ignores_diacritics(ctx):
    intake.receive_from_form(ctx, qr_text=SAMPLE_QR, procedure_code="2.000635")
    assert [d.citizen.full_name for d in search.find_dossiers(ctx, "nguyen thi HOA")] == [
        "Nguyễn Thị Hoa"]
    assert len(search.find_dossiers(ctx, "034303011829")) == 1
    assert search.find_dossiers(ctx, "tran van") == []
    # a citizen received later is found too (the index is written with the name)
    intake.receive_from_form(ctx, qr_text=OTHER_QR, procedure_code="2.000635")
    assert [d.citizen.full_name for d in search.find_dossiers(ctx, "tran van duc")] == [
        "Trần Văn Đức"]
    assert fold_name("Đặng Thị Ánh") == "dang thi anh"

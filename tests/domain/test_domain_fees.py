import pytest

from sadec_desk.domain.catalogue import FeeRule
from sadec_desk.domain.fees import certified_copy_fee, compute_fee, describe_fee, format_vnd
from sadec_desk.errors import InvalidInput


@pytest.mark.parametrize(
    "pages, fee",
    [(1, 2_000), (2, 4_000), (3, 5_000), (4, 6_000), (10, 12_000),
     (197, 199_000), (198, 200_000), (199, 200_000), (10_000, 200_000)],
)
def test_certified_copy_page_rule_and_cap(pages, fee):
    # TT 226/2016: 2,000/page for pages 1–2, 1,000/page from page 3, ≤ 200,000 per copy.
    assert certified_copy_fee(pages) == fee


def test_certified_copy_multiplies_by_copies_after_the_cap():
    assert certified_copy_fee(3, copies=3) == 15_000
    assert certified_copy_fee(199, copies=2) == 400_000


@pytest.mark.parametrize(
    "pages, copies", [(0, 1), (-1, 1), (10_001, 1), (1, 0), (1, -2), (1, 10_001), (True, 1)]
)
def test_certified_copy_refuses_bad_counts(pages, copies):
    with pytest.raises(InvalidInput) as info:
        certified_copy_fee(pages, copies)
    assert "10.000" in str(info.value)


def test_compute_fee_for_every_kind():
    assert compute_fee(FeeRule("free")) == 0
    assert compute_fee(FeeRule("fixed", 10_000)) == 10_000
    assert compute_fee(FeeRule("per_copy", 8_000), copies=3) == 24_000
    assert compute_fee(FeeRule("certified_copy"), pages=3, copies=2) == 10_000
    # The council amount is a setting: 0 until someone configures it.
    assert compute_fee(FeeRule("council")) == 0
    assert compute_fee(FeeRule("council"), council_amount_vnd=5_000) == 5_000
    assert compute_fee(FeeRule("council", 3_000)) == 3_000
    assert compute_fee(FeeRule("council", 3_000), council_amount_vnd=5_000) == 5_000


def test_free_if_on_time_charges_the_council_fee_when_late():
    rule = FeeRule("free_if_on_time")
    assert compute_fee(rule, on_time=True, council_amount_vnd=5_000) == 0
    assert compute_fee(rule, on_time=False, council_amount_vnd=5_000) == 5_000
    assert compute_fee(rule, on_time=False) == 0


def test_compute_fee_validates_inputs():
    with pytest.raises(InvalidInput):
        compute_fee(FeeRule("certified_copy"), pages=0)
    with pytest.raises(InvalidInput):
        compute_fee(FeeRule("per_copy", 8_000), copies=0)
    with pytest.raises(InvalidInput):
        compute_fee(FeeRule("council"), council_amount_vnd=-1)


def test_fee_rule_validates_itself():
    with pytest.raises(InvalidInput):
        FeeRule("gratis")
    with pytest.raises(InvalidInput):
        FeeRule("fixed", -1)


@pytest.mark.parametrize(
    "amount, text",
    [(0, "0 đ"), (800, "800 đ"), (12_000, "12.000 đ"), (200_000, "200.000 đ"),
     (1_234_567, "1.234.567 đ"), (-5_000, "-5.000 đ")],
)
def test_format_vnd(amount, text):
    assert format_vnd(amount) == text


def test_describe_fee():
    assert describe_fee(FeeRule("free")) == "Miễn lệ phí"
    assert describe_fee(FeeRule("per_copy", 8_000)) == "8.000 đ/bản"
    assert describe_fee(FeeRule("fixed", 10_000)) == "10.000 đ/trường hợp"
    assert "Hội đồng nhân dân" in describe_fee(FeeRule("council"))
    assert describe_fee(FeeRule("council"), council_amount_vnd=5_000) == "5.000 đ"
    assert "200.000 đ" in describe_fee(FeeRule("certified_copy"))

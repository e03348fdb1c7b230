"""Fee arithmetic for the commune desk (Thông tư 226/2016/TT-BTC, Thông tư 281/2016/TT-BTC).

Amounts are whole Vietnamese đồng (int): there is no smaller unit in use.
"""

from __future__ import annotations

from sadec_desk.domain.catalogue import FeeRule
from sadec_desk.errors import InvalidInput
from sadec_desk.i18n import _

# Thông tư 226/2016/TT-BTC Art. 4: certifying a copy from the original costs 2,000 VND
# per page for the first two pages, 1,000 VND per page from the third page, and at most
# 200,000 VND per copy.
CERTIFIED_COPY_FIRST_PAGES = 2
CERTIFIED_COPY_FIRST_PAGE_FEE = 2_000
CERTIFIED_COPY_NEXT_PAGE_FEE = 1_000
CERTIFIED_COPY_MAX_PER_COPY = 200_000

# Sanity bounds for what a clerk types: no dossier has ten thousand pages or copies,
# and a bigger number is almost always a typo (an extra zero, a barcode in the field).
MAX_PAGES = 10_000
MAX_COPIES = 10_000


def _check_count(value: object, *, what: str, maximum: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= maximum:
        raise InvalidInput(
            _("{what} «{value}» không hợp lệ; hãy nhập một số nguyên từ 1 đến {max}.").format(
                what=what, value=value, max=format_number(maximum)
            )
        )
    return value


def certified_copy_fee(pages: int, copies: int = 1) -> int:
    """Fee for certifying ``copies`` copies of a ``pages``-page document (TT 226/2016 Art. 4)."""
    _check_count(pages, what=_("Số trang"), maximum=MAX_PAGES)
    _check_count(copies, what=_("Số bản"), maximum=MAX_COPIES)
    first = min(pages, CERTIFIED_COPY_FIRST_PAGES) * CERTIFIED_COPY_FIRST_PAGE_FEE
    rest = max(pages - CERTIFIED_COPY_FIRST_PAGES, 0) * CERTIFIED_COPY_NEXT_PAGE_FEE
    per_copy = min(first + rest, CERTIFIED_COPY_MAX_PER_COPY)
    return per_copy * copies


def compute_fee(
    rule: FeeRule,
    *,
    pages: int = 0,
    copies: int = 1,
    on_time: bool = True,
    council_amount_vnd: int = 0,
) -> int:
    """The fee (VND) for one case under ``rule``.

    ``council_amount_vnd`` is the amount the provincial People's Council set for this
    procedure (an office setting); when it is 0 the rule's own ``amount_vnd`` is used,
    which is also 0 until someone configures it (docs/design.md §3.1).
    """
    if (
        not isinstance(council_amount_vnd, int)
        or isinstance(council_amount_vnd, bool)
        or council_amount_vnd < 0
    ):
        raise InvalidInput(
            _("Mức phí do Hội đồng nhân dân tỉnh quy định «{value}» không hợp lệ; "
              "hãy nhập số đồng không âm trong phần cài đặt.").format(value=council_amount_vnd)
        )
    council = council_amount_vnd or rule.amount_vnd
    if rule.kind == "free":
        return 0
    if rule.kind == "free_if_on_time":
        # Luật Hộ tịch 2014 Art. 11(1): birth and death registered on time are free;
        # a late registration pays the fee the provincial council set.
        return 0 if on_time else council
    if rule.kind == "council":
        return council
    if rule.kind == "fixed":
        return rule.amount_vnd
    if rule.kind == "per_copy":
        _check_count(copies, what=_("Số bản"), maximum=MAX_COPIES)
        return rule.amount_vnd * copies
    if rule.kind == "certified_copy":
        return certified_copy_fee(pages, copies)
    raise ValueError(f"unknown fee kind {rule.kind!r}")  # FeeRule validates kinds


def format_number(value: int) -> str:
    """Vietnamese grouping: thousands separated by '.', e.g. 1.234.567."""
    return f"{value:,}".replace(",", ".")


def format_vnd(amount: int) -> str:
    """E.g. ``format_vnd(12000) == "12.000 đ"``."""
    return f"{format_number(amount)} đ"


def describe_fee(rule: FeeRule, *, council_amount_vnd: int = 0) -> str:
    """One line for a lookup screen or receipt ("Chạm để biết"): what the citizen pays."""
    council = council_amount_vnd or rule.amount_vnd
    council_text = (
        format_vnd(council) if council else _("theo mức Hội đồng nhân dân tỉnh quy định")
    )
    if rule.kind == "free":
        return _("Miễn lệ phí")
    if rule.kind == "free_if_on_time":
        return _("Miễn lệ phí nếu đăng ký đúng hạn; quá hạn: {fee}").format(fee=council_text)
    if rule.kind == "council":
        return council_text
    if rule.kind == "fixed":
        return _("{fee}/trường hợp").format(fee=format_vnd(rule.amount_vnd))
    if rule.kind == "per_copy":
        return _("{fee}/bản").format(fee=format_vnd(rule.amount_vnd))
    return _(
        "{first}/trang cho trang 1 và 2, {next}/trang từ trang thứ 3, tối đa {max}/bản"
    ).format(
        first=format_vnd(CERTIFIED_COPY_FIRST_PAGE_FEE),
        next=format_vnd(CERTIFIED_COPY_NEXT_PAGE_FEE),
        max=format_vnd(CERTIFIED_COPY_MAX_PER_COPY),
    )

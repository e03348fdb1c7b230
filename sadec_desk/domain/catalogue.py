"""The procedure catalogue: what a commune desk receives, how long it may take, what it costs.

The catalogue is data, not code (docs/design.md §3.1): it ships as ``db/seed/procedures.json``,
is refreshed from the portal and is editable by IT staff, so everything here validates
its input and names the procedure at fault in Vietnamese.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any

from sadec_desk.domain.eforms import FormDataError, FormDefinition, form_from_data, form_to_data
from sadec_desk.errors import InvalidInput
from sadec_desk.i18n import _

CATALOGUE_FORMAT = 1

# Paper kinds as printed on the Mẫu 01 receipt (TT 01/2018/TT-VPCP Art. 9): name,
# original/copy, count.  Labels are looked up at call time so a language switch applies.
_PAPER_KIND_LABELS: dict[str, Callable[[], str]] = {
    "original": lambda: _("bản chính"),
    "copy": lambda: _("bản sao"),
    "original_or_copy": lambda: _("bản chính hoặc bản sao"),
}
PAPER_KINDS = frozenset(_PAPER_KIND_LABELS)

FEE_KINDS = frozenset(
    {"free", "free_if_on_time", "fixed", "per_copy", "certified_copy", "council"}
)

# National TTHC codes look like 1.001193 (national procedures database).
_CODE_RE = re.compile(r"[0-9]\.[0-9]{6}")

# Facts that the seed may flag as unverified (docs/design.md: such facts must stay data).
UNVERIFIABLE_FIELDS = frozenset(
    {
        "name",
        "field_name",
        "time_limit_days",
        "verification_extra_days",
        "same_day_eligible",
        "fee",
        "papers",
        "legal_basis",
    }
)

# Bounds that no real procedure comes near; they catch typos such as 50 instead of 5.
MAX_DAYS = 365
MAX_PAPER_COUNT = 100
MAX_FEE_VND = 100_000_000


class CatalogueError(InvalidInput):
    """The catalogue data (seed file, portal download, IT edit) is not usable."""

    code = "catalogue"


def _is_int(value: object) -> bool:
    # bool is an int subclass; "true" for a day count is a data error, not 1.
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(frozen=True)
class Paper:
    """One paper the citizen hands in (Mẫu 01 lists name, original/copy, count)."""

    name: str
    kind: str = "original"
    count: int = 1
    required: bool = True

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise CatalogueError(_("Giấy tờ phải có tên; hãy nhập tên giấy tờ."))
        if self.kind not in PAPER_KINDS:
            raise CatalogueError(
                _("Giấy tờ «{name}» có loại «{kind}» không hợp lệ; hãy dùng một trong: {kinds}.")
                .format(name=self.name, kind=self.kind, kinds=", ".join(sorted(PAPER_KINDS)))
            )
        if not _is_int(self.count) or not 1 <= self.count <= MAX_PAPER_COUNT:
            raise CatalogueError(
                _("Giấy tờ «{name}» có số lượng «{count}» không hợp lệ; "
                  "hãy nhập một số từ 1 đến {max}.")
                .format(name=self.name, count=self.count, max=MAX_PAPER_COUNT)
            )
        if not isinstance(self.required, bool):
            raise CatalogueError(
                _("Giấy tờ «{name}»: trường «required» phải là true hoặc false.")
                .format(name=self.name)
            )

    @property
    def kind_label(self) -> str:
        """"bản chính" / "bản sao" in the interface language (an official paper asks for
        the Vietnamese words inside ``i18n.vietnamese_texts()``)."""
        return _PAPER_KIND_LABELS[self.kind]()

    @property
    def label(self) -> str:
        """E.g. "Tờ khai (bản chính, 1)", the way the receipt lists papers (interface
        language, as :attr:`kind_label`)."""
        if self.required:
            return _("{name} ({kind}, {count})").format(
                name=self.name, kind=self.kind_label, count=self.count
            )
        return _("{name} ({kind}, {count}, nếu có)").format(
            name=self.name, kind=self.kind_label, count=self.count
        )


@dataclass(frozen=True)
class FeeRule:
    """How the fee of a procedure is computed (TT 226/2016, TT 281/2016, council decisions).

    kinds: ``free``; ``free_if_on_time`` (Luật Hộ tịch 2014 Art. 11: free when registered
    on time, a late registration pays the council fee); ``fixed`` (amount per case);
    ``per_copy`` (amount per copy); ``certified_copy`` (the page rule of TT 226/2016);
    ``council`` (set by the provincial People's Council: a setting, 0 until configured).
    """

    kind: str
    amount_vnd: int = 0
    note: str = ""

    def __post_init__(self) -> None:
        if self.kind not in FEE_KINDS:
            raise CatalogueError(
                _("Loại phí «{kind}» không hợp lệ; hãy dùng một trong: {kinds}.")
                .format(kind=self.kind, kinds=", ".join(sorted(FEE_KINDS)))
            )
        if not _is_int(self.amount_vnd) or not 0 <= self.amount_vnd <= MAX_FEE_VND:
            raise CatalogueError(
                _("Mức phí «{amount}» không hợp lệ; hãy nhập số đồng từ 0 đến {max}.")
                .format(amount=self.amount_vnd, max=MAX_FEE_VND)
            )
        if not isinstance(self.note, str):
            raise CatalogueError(_("Ghi chú về phí phải là một đoạn chữ."))


@dataclass(frozen=True)
class Procedure:
    """One administrative procedure (TTHC) of the commune catalogue.

    ``time_limit_days`` 0 means the result is due the same day (Luật Hộ tịch 2014 Art. 9);
    ``verification_extra_days`` is added when the case needs verification (e.g. marriage
    0 + 5, Art. 18; death 0 + 3, Art. 33).
    """

    code: str
    name: str
    field_name: str
    version: int
    time_limit_days: int
    verification_extra_days: int
    same_day_eligible: bool
    fee: FeeRule
    papers: tuple[Paper, ...]
    legal_basis: str
    unverified: tuple[str, ...] = ()
    #: the declaration form (tờ khai) the citizen fills, None when the procedure has none
    form: FormDefinition | None = None
    #: the result document's name and code (e.g. "Trích lục khai sinh"), "" when the
    #: catalogue does not say: the default name of an attached result, and the gateway's
    #: MaGiayToKetQua (issue #15)
    result_name: str = ""
    result_code: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.code, str) or not _CODE_RE.fullmatch(self.code):
            raise CatalogueError(
                _("Mã thủ tục «{code}» không đúng dạng; hãy dùng dạng d.dddddd, ví dụ 1.001193.")
                .format(code=self.code)
            )
        for attr, label in (("name", _("tên thủ tục")), ("field_name", _("lĩnh vực"))):
            value = getattr(self, attr)
            if not isinstance(value, str) or not value.strip():
                raise CatalogueError(
                    _("Thủ tục {code} thiếu {what}; hãy nhập {what}.").format(
                        code=self.code, what=label
                    )
                )
        if not _is_int(self.version) or self.version < 1:
            raise CatalogueError(
                _("Thủ tục {code} có phiên bản «{value}» không hợp lệ; "
                  "hãy nhập một số nguyên từ 1 trở lên.")
                .format(code=self.code, value=self.version)
            )
        for attr in ("time_limit_days", "verification_extra_days"):
            value = getattr(self, attr)
            if not _is_int(value) or not 0 <= value <= MAX_DAYS:
                raise CatalogueError(
                    _("Thủ tục {code} có «{field}» = «{value}» không hợp lệ; "
                      "hãy nhập số ngày làm việc từ 0 đến {max}.")
                    .format(code=self.code, field=attr, value=value, max=MAX_DAYS)
                )
        if not isinstance(self.same_day_eligible, bool):
            raise CatalogueError(
                _("Thủ tục {code}: «same_day_eligible» phải là true hoặc false.")
                .format(code=self.code)
            )
        if not isinstance(self.fee, FeeRule):
            raise CatalogueError(
                _("Thủ tục {code} thiếu quy tắc tính phí.").format(code=self.code)
            )
        if not isinstance(self.papers, tuple) or not all(
            isinstance(p, Paper) for p in self.papers
        ):
            raise CatalogueError(
                _("Thủ tục {code}: danh sách giấy tờ không hợp lệ.").format(code=self.code)
            )
        if not isinstance(self.legal_basis, str):
            raise CatalogueError(
                _("Thủ tục {code}: căn cứ pháp lý phải là một đoạn chữ.").format(code=self.code)
            )
        if self.form is not None and not isinstance(self.form, FormDefinition):
            raise CatalogueError(
                _("Thủ tục {code}: tờ khai không hợp lệ.").format(code=self.code)
            )
        if (self.form is not None and self.form.paper_index is not None
                and self.form.paper_index >= len(self.papers)):
            raise CatalogueError(
                _("Thủ tục {code}: tờ khai trỏ tới giấy tờ thứ {n} nhưng thủ tục chỉ có "
                  "{count} giấy tờ; sửa «paper_index».")
                .format(code=self.code, n=self.form.paper_index + 1, count=len(self.papers))
            )
        unknown = [u for u in self.unverified if u not in UNVERIFIABLE_FIELDS]
        if not isinstance(self.unverified, tuple) or unknown:
            raise CatalogueError(
                _("Thủ tục {code}: «unverified» chỉ được chứa: {allowed}.").format(
                    code=self.code, allowed=", ".join(sorted(UNVERIFIABLE_FIELDS))
                )
            )

    def time_limit(self, *, needs_verification: bool = False) -> int:
        """Working days allowed (0 = same day)."""
        extra = self.verification_extra_days if needs_verification else 0
        return self.time_limit_days + extra


# ---------------------------------------------------------------------------
# Data format: {"format": 1, "procedures": [ {...}, ... ]}

_PROCEDURE_KEYS = {f.name for f in fields(Procedure)}
_REQUIRED_PROCEDURE_KEYS = {"code", "name", "field_name", "time_limit_days", "fee"}
_FEE_KEYS = {"kind", "amount_vnd", "note"}
_PAPER_KEYS = {"name", "kind", "count", "required"}


def _where(index: int, raw: Any) -> str:
    """How to name a procedure in a message: its code and name when they are readable."""
    if isinstance(raw, dict):
        code, name = raw.get("code"), raw.get("name")
        if isinstance(code, str) and isinstance(name, str):
            return _("thủ tục {code} ({name})").format(code=code, name=name)
        if isinstance(code, str):
            return _("thủ tục {code}").format(code=code)
    return _("thủ tục thứ {n}").format(n=index + 1)


class _LocatedError(CatalogueError):
    """A catalogue error whose message already says which procedure is at fault."""


def _fail(where: str, problem: str) -> CatalogueError:
    return _LocatedError(
        _("Danh mục thủ tục có lỗi ở {where}: {problem}").format(where=where, problem=problem)
    )


def _check_keys(where: str, raw: dict, allowed: set[str], what: str) -> None:
    unknown = sorted(set(raw) - allowed)
    if unknown:
        raise _fail(
            where,
            _("{what} có trường lạ «{keys}»; các trường hợp lệ là: {allowed}.").format(
                what=what, keys=", ".join(map(str, unknown)), allowed=", ".join(sorted(allowed))
            ),
        )


def _fee_from_data(where: str, raw: Any) -> FeeRule:
    if not isinstance(raw, dict):
        raise _fail(where, _("«fee» phải là một bảng có «kind» và «amount_vnd»."))
    _check_keys(where, raw, _FEE_KEYS, _("phí"))
    if "kind" not in raw:
        raise _fail(where, _("phí thiếu trường «kind»."))
    return FeeRule(
        kind=raw["kind"], amount_vnd=raw.get("amount_vnd", 0), note=raw.get("note", "")
    )


def _paper_from_data(where: str, raw: Any) -> Paper:
    if not isinstance(raw, dict):
        raise _fail(where, _("mỗi giấy tờ phải là một bảng có «name», «kind», «count»."))
    _check_keys(where, raw, _PAPER_KEYS, _("giấy tờ"))
    return Paper(
        name=raw.get("name", ""),
        kind=raw.get("kind", "original"),
        count=raw.get("count", 1),
        required=raw.get("required", True),
    )


def _string_tuple(where: str, raw: Any, key: str) -> tuple[str, ...]:
    if not isinstance(raw, list | tuple) or not all(isinstance(x, str) for x in raw):
        raise _fail(where, _("«{key}» phải là một danh sách chữ.").format(key=key))
    return tuple(raw)


def _procedure_from_data(index: int, raw: Any) -> Procedure:
    where = _where(index, raw)
    if not isinstance(raw, dict):
        raise _fail(where, _("mỗi thủ tục phải là một bảng các trường."))
    _check_keys(where, raw, _PROCEDURE_KEYS, _("thủ tục"))
    missing = sorted(_REQUIRED_PROCEDURE_KEYS - set(raw))
    if missing:
        raise _fail(where, _("thiếu trường «{keys}».").format(keys=", ".join(missing)))
    papers_raw = raw.get("papers", [])
    if not isinstance(papers_raw, list | tuple):
        raise _fail(where, _("«papers» phải là một danh sách giấy tờ."))
    try:
        form = None
        if raw.get("form") is not None:
            form = form_from_data(raw["form"], where=where)
    except FormDataError as err:
        # its message already names the procedure and the field
        raise _LocatedError(str(err)) from None
    try:
        fee = _fee_from_data(where, raw["fee"])
        papers = tuple(_paper_from_data(where, p) for p in papers_raw)
    except _LocatedError:
        raise
    except CatalogueError as err:
        # Paper/FeeRule do not know which procedure they belong to: say it here.
        raise _fail(where, str(err)) from None
    # Procedure's own messages already name the procedure by its code.
    return Procedure(
        code=raw["code"],
        name=raw["name"],
        field_name=raw["field_name"],
        version=raw.get("version", 1),
        time_limit_days=raw["time_limit_days"],
        verification_extra_days=raw.get("verification_extra_days", 0),
        same_day_eligible=raw.get("same_day_eligible", False),
        fee=fee,
        papers=papers,
        legal_basis=raw.get("legal_basis", ""),
        unverified=_string_tuple(where, raw.get("unverified", []), "unverified"),
        form=form,
        result_name=_optional_text(where, raw, "result_name"),
        result_code=_optional_text(where, raw, "result_code"),
    )


def _optional_text(where: str, raw: dict, key: str) -> str:
    value = raw.get(key, "")
    if not isinstance(value, str) or len(value) > 255:
        raise _fail(where, _("«{key}» phải là chữ, nhiều nhất 255 ký tự.").format(key=key))
    return value.strip()


def procedures_from_data(data: dict) -> list[Procedure]:
    """Parse and validate ``{"format": 1, "procedures": [...]}`` (seed file or portal)."""
    if not isinstance(data, dict):
        raise CatalogueError(
            _("Tệp danh mục thủ tục không đúng dạng; hãy dùng một bảng có «format» và "
              "«procedures».")
        )
    if data.get("format") != CATALOGUE_FORMAT:
        raise CatalogueError(
            _("Danh mục thủ tục có «format» = «{value}», phần mềm này chỉ đọc được format "
              "{expected}; hãy cập nhật phần mềm hoặc dùng tệp danh mục đúng phiên bản.")
            .format(value=data.get("format"), expected=CATALOGUE_FORMAT)
        )
    raw_list = data.get("procedures")
    if not isinstance(raw_list, list):
        raise CatalogueError(
            _("Danh mục thủ tục thiếu danh sách «procedures»; hãy kiểm tra lại tệp danh mục.")
        )
    procedures: list[Procedure] = []
    seen: dict[str, int] = {}
    for index, raw in enumerate(raw_list):
        procedure = _procedure_from_data(index, raw)
        if procedure.code in seen:
            raise _fail(
                _where(index, raw),
                _("mã {code} bị trùng với thủ tục thứ {n}; mỗi mã chỉ được xuất hiện một lần.")
                .format(code=procedure.code, n=seen[procedure.code] + 1),
            )
        seen[procedure.code] = index
        procedures.append(procedure)
    return procedures


def procedure_to_data(p: Procedure) -> dict:
    """The inverse of one entry of :func:`procedures_from_data` (JSON-ready)."""
    return {
        "code": p.code,
        "name": p.name,
        "field_name": p.field_name,
        "version": p.version,
        "time_limit_days": p.time_limit_days,
        "verification_extra_days": p.verification_extra_days,
        "same_day_eligible": p.same_day_eligible,
        "fee": {"kind": p.fee.kind, "amount_vnd": p.fee.amount_vnd, "note": p.fee.note},
        "papers": [
            {"name": x.name, "kind": x.kind, "count": x.count, "required": x.required}
            for x in p.papers
        ],
        "legal_basis": p.legal_basis,
        "unverified": list(p.unverified),
        **({"form": form_to_data(p.form)} if p.form is not None else {}),
        **({"result_name": p.result_name} if p.result_name else {}),
        **({"result_code": p.result_code} if p.result_code else {}),
    }


def catalogue_to_data(procedures: list[Procedure]) -> dict:
    """The whole ``{"format": 1, "procedures": [...]}`` document."""
    return {
        "format": CATALOGUE_FORMAT,
        "procedures": [procedure_to_data(p) for p in procedures],
    }

"""Declaration forms (tờ khai) as data: definitions, pre-filling from the CCCD, validation.

Issue #8: each catalogue procedure carries its declaration form under ``"form"`` of its
catalogue entry (``db/seed/procedures.json``), so the procedure version fixes the form
version and one generic renderer draws every form. The civil-status forms follow the
tờ khai of Thông tư 04/2020/TT-BTP as replaced by Thông tư 03/2023/TT-BTP; what could
not be checked against the published text is listed in the form's ``unverified``
(docs/kiosk-submission.md, "E-forms").

Values are text (``dict[str, str]``): what a person typed, normalised (NFC, trimmed,
inner spaces collapsed). Dates are ``dd/mm/yyyy`` as on the paper form; a ticked
checkbox is ``"1"``.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Any

from sadec_desk.domain.cccd import CitizenCard
from sadec_desk.domain.ethnic_groups import CHOICE_LISTS
from sadec_desk.errors import InvalidInput
from sadec_desk.i18n import _

FIELD_TYPES = frozenset(
    {"text", "textarea", "date", "number", "choice", "phone", "id_number", "checkbox"}
)
#: the CCCD QR fields a form field can be filled from (docs/design.md §3.5)
CCCD_FIELDS = frozenset(
    {"id_number", "old_id_number", "full_name", "date_of_birth", "gender", "address",
     "issue_date"}
)
PAPER_SIZES = frozenset({"A4", "A5"})
#: what a form may flag as not checked against the published text
UNVERIFIABLE_FORM_PARTS = frozenset({"source", "title", "fields", "commitment", "paper_size"})
CHECKED = "1"

# Lengths no honest entry reaches; they stop a stuck key or a pasted document.
DEFAULT_MAX_LENGTH = {"text": 120, "textarea": 600}
MAX_MAX_LENGTH = 4000
EARLIEST_DATE = date(1900, 1, 1)

_NAME_RE = re.compile(r"[a-z][a-z0-9_]{0,39}")
_ID_RE = re.compile(r"[a-z0-9][a-z0-9./-]{0,79}")
_DATE_RE = re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})")
_NUMBER_RE = re.compile(r"-?[0-9]+")
_ID_NUMBER_RE = re.compile(r"[0-9]{12}")
_PHONE_RE = re.compile(r"(?:\+84|0)[0-9]{9,10}")
_PHONE_JUNK_RE = re.compile(r"[\s.\-()]")
_SPACES_RE = re.compile(r"[^\S\n]+")


class FormDataError(InvalidInput):
    """A form definition is not usable; the catalogue re-raises it as a CatalogueError."""

    code = "form_data"


@dataclass(frozen=True)
class FormField:
    """One labelled line of the form.

    ``cccd`` names the card field that fills it; ``not_before`` names a date field of the
    same form this date may not precede (e.g. death after birth); dates are never after
    today unless ``allow_future``.
    """

    name: str
    label: str
    type: str = "text"
    required: bool = False
    help: str = ""
    choices: tuple[str, ...] = ()
    max_length: int | None = None
    pattern: str | None = None
    min: int | None = None
    max: int | None = None
    cccd: str | None = None
    not_before: str | None = None
    allow_future: bool = False
    default: str = ""  # shown before anyone types (e.g. nationality "Việt Nam")
    #: a date also printed in words, as the birth forms ask ("ghi bằng chữ")
    in_words: bool = False
    #: the named list ``choices`` came from (domain/ethnic_groups.CHOICE_LISTS), if any
    choices_from: str | None = None

    @property
    def limit(self) -> int | None:
        return self.max_length or DEFAULT_MAX_LENGTH.get(self.type)


@dataclass(frozen=True)
class FormSection:
    """A heading and its fields. ``cccd_gender`` ("Nam"/"Nữ"): the card fills this section
    only for a card holder of that sex (the two parties of a marriage form)."""

    title: str
    fields: tuple[FormField, ...]
    cccd_gender: str | None = None


@dataclass(frozen=True)
class DeclarantCopy:
    """"Người khai là mẹ của cháu": one touch sets ``relation_field`` to ``relation`` and
    fills ``fields`` (form field -> CCCD field) from the declarant's card, so a mother who
    declares her child does not type her own data a second time."""

    label: str
    relation_field: str
    relation: str
    fields: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class FormDefinition:
    form_id: str  # e.g. "tt04-2020/khai-sinh"
    version: str
    title: str  # e.g. "TỜ KHAI ĐĂNG KÝ KHAI SINH"
    source: str  # the official form it follows, with the circular
    paper_size: str  # A4 | A5
    paper_index: int | None  # which paper of the procedure the form is, None = extra
    sections: tuple[FormSection, ...]
    addressee: str = ""  # "Kính gửi" line; empty = the office's People's Committee
    request: str = ""  # the sentence before the requested facts, as on the paper form
    commitment: str = ""  # the pledge above the signature
    #: who signs under the form, one signature block each
    signers: tuple[str, ...] = ("Người yêu cầu",)
    unverified: tuple[str, ...] = ()
    declarant_copies: tuple[DeclarantCopy, ...] = ()

    @property
    def fields(self) -> tuple[FormField, ...]:
        return tuple(f for s in self.sections for f in s.fields)

    def field(self, name: str) -> FormField:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)

    def section_of(self, name: str) -> FormSection:
        for s in self.sections:
            if any(f.name == name for f in s.fields):
                return s
        raise KeyError(name)


# ---------------------------------------------------------------------------
# Data: {"form_id", "version", "title", "source", "paper_size", "paper_index",
#        "sections": [{"title", "cccd_gender"?, "fields": [{...}]}], ...}

_FORM_KEYS = {"form_id", "version", "title", "source", "paper_size", "paper_index",
              "sections", "addressee", "request", "commitment", "signers", "unverified",
              "declarant_copies"}
_COPY_KEYS = {"label", "relation", "fields"}
_SECTION_KEYS = {"title", "fields", "cccd_gender"}
_FIELD_KEYS = {"name", "label", "type", "required", "help", "choices", "max_length",
               "pattern", "min", "max", "cccd", "not_before", "allow_future", "default",
               "in_words", "choices_from"}


def _bad(where: str, problem: str) -> FormDataError:
    return FormDataError(
        _("Tờ khai của {where} có lỗi: {problem}").format(where=where, problem=problem))


def _text(where: str, raw: dict, key: str, *, required: bool = False) -> str:
    value = raw.get(key, "")
    if not isinstance(value, str) or (required and not value.strip()):
        raise _bad(where, _("«{key}» phải là một đoạn chữ không rỗng.").format(key=key)
                   if required else _("«{key}» phải là một đoạn chữ.").format(key=key))
    return unicodedata.normalize("NFC", value)


def _int_or_none(where: str, raw: dict, key: str) -> int | None:
    value = raw.get(key)
    if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
        raise _bad(where, _("«{key}» phải là một số nguyên.").format(key=key))
    return value


def _keys(where: str, raw: Any, allowed: set[str], what: str) -> dict:
    if not isinstance(raw, dict):
        raise _bad(where, _("{what} phải là một bảng các trường.").format(what=what))
    unknown = sorted(set(raw) - allowed)
    if unknown:
        raise _bad(where, _("{what} có trường lạ «{keys}»; các trường hợp lệ là: {allowed}.")
                   .format(what=what, keys=", ".join(map(str, unknown)),
                           allowed=", ".join(sorted(allowed))))
    return raw


def _field_from_data(where: str, raw: Any) -> FormField:
    raw = _keys(where, raw, _FIELD_KEYS, _("mỗi ô"))
    name = raw.get("name")
    if not isinstance(name, str) or not _NAME_RE.fullmatch(name):
        raise _bad(where, _("ô «{name}» có tên không hợp lệ; tên ô là chữ thường không dấu, "
                            "số và «_», bắt đầu bằng chữ.").format(name=name))
    at = _("{where}, ô «{name}»").format(where=where, name=name)
    kind = raw.get("type", "text")
    if kind not in FIELD_TYPES:
        raise _bad(at, _("loại «{kind}» không có; hãy dùng một trong: {kinds}.")
                   .format(kind=kind, kinds=", ".join(sorted(FIELD_TYPES))))
    for key in ("required", "allow_future", "in_words"):
        if not isinstance(raw.get(key, False), bool):
            raise _bad(at, _("«{key}» phải là true hoặc false.").format(key=key))
    choices = raw.get("choices", [])
    if not isinstance(choices, list) or not all(
            isinstance(c, str) and c.strip() for c in choices):
        raise _bad(at, _("«choices» phải là một danh sách chữ."))
    choices_from = raw.get("choices_from")
    if choices_from is not None:
        if choices_from not in CHOICE_LISTS:
            raise _bad(at, _("«choices_from» = «{value}» không có; hãy dùng một trong: {known}.")
                       .format(value=choices_from, known=", ".join(sorted(CHOICE_LISTS))))
        if choices:
            raise _bad(at, _("ô có «choices_from» không ghi thêm «choices»."))
        choices = list(CHOICE_LISTS[choices_from])
    if kind == "choice" and len(choices) < 2:
        raise _bad(at, _("ô chọn phải có ít nhất hai lựa chọn trong «choices»."))
    if kind != "choice" and choices:
        raise _bad(at, _("chỉ ô loại «choice» mới có «choices»."))
    max_length = _int_or_none(at, raw, "max_length")
    if max_length is not None and not 1 <= max_length <= MAX_MAX_LENGTH:
        raise _bad(at, _("«max_length» phải từ 1 đến {max}.").format(max=MAX_MAX_LENGTH))
    pattern = raw.get("pattern")
    if pattern is not None:
        try:
            re.compile(pattern)
        except (re.error, TypeError):
            raise _bad(at, _("«pattern» không phải biểu thức chính quy hợp lệ.")) from None
    low, high = _int_or_none(at, raw, "min"), _int_or_none(at, raw, "max")
    if low is not None and high is not None and low > high:
        raise _bad(at, _("«min» lớn hơn «max»."))
    cccd = raw.get("cccd")
    if cccd is not None and cccd not in CCCD_FIELDS:
        raise _bad(at, _("«cccd» = «{value}» không có; hãy dùng một trong: {known}.")
                   .format(value=cccd, known=", ".join(sorted(CCCD_FIELDS))))
    for key in ("not_before", "in_words"):
        if raw.get(key) not in (None, False) and kind != "date":
            raise _bad(at, _("«{key}» chỉ dùng cho ô ngày.").format(key=key))
    not_before = raw.get("not_before")
    return FormField(
        name=name, label=_text(at, raw, "label", required=True), type=kind,
        required=raw.get("required", False), help=_text(at, raw, "help"),
        choices=tuple(unicodedata.normalize("NFC", c) for c in choices),
        max_length=max_length, pattern=pattern, min=low, max=high, cccd=cccd,
        not_before=not_before, allow_future=raw.get("allow_future", False),
        default=_text(at, raw, "default"), in_words=raw.get("in_words", False),
        choices_from=choices_from,
    )


def form_from_data(raw: Any, *, where: str = "") -> FormDefinition:
    """Parse and check one form definition; ``where`` names the procedure in messages."""
    where = where or _("thủ tục")
    raw = _keys(where, raw, _FORM_KEYS, _("tờ khai"))
    form_id = raw.get("form_id")
    if not isinstance(form_id, str) or not _ID_RE.fullmatch(form_id):
        raise _bad(where, _("«form_id» = «{value}» không hợp lệ; dùng chữ thường không dấu, "
                            "số, «-», «.», «/», ví dụ tt04-2020/khai-sinh.").format(value=form_id))
    paper_size = raw.get("paper_size", "A4")
    if paper_size not in PAPER_SIZES:
        raise _bad(where, _("khổ giấy «{value}» không có; dùng A4 hoặc A5.").format(
            value=paper_size))
    paper_index = _int_or_none(where, raw, "paper_index")
    if paper_index is not None and paper_index < 0:
        raise _bad(where, _("«paper_index» phải từ 0 trở lên."))
    sections_raw = raw.get("sections")
    if not isinstance(sections_raw, list) or not sections_raw:
        raise _bad(where, _("«sections» phải là một danh sách phần, ít nhất một phần."))
    sections = []
    for index, section_raw in enumerate(sections_raw):
        at = _("{where}, phần {n}").format(where=where, n=index + 1)
        section_raw = _keys(at, section_raw, _SECTION_KEYS, _("mỗi phần"))
        gender = section_raw.get("cccd_gender")
        if gender is not None and gender not in ("Nam", "Nữ"):
            raise _bad(at, _("«cccd_gender» phải là «Nam» hoặc «Nữ»."))
        fields_raw = section_raw.get("fields")
        if not isinstance(fields_raw, list) or not fields_raw:
            raise _bad(at, _("«fields» phải là một danh sách ô, ít nhất một ô."))
        sections.append(FormSection(
            title=_text(at, section_raw, "title", required=True),
            fields=tuple(_field_from_data(at, f) for f in fields_raw), cccd_gender=gender))
    signers = raw.get("signers", ["Người yêu cầu"])
    if not isinstance(signers, list) or not signers or not all(
            isinstance(x, str) and x.strip() for x in signers):
        raise _bad(where, _("«signers» phải là danh sách người ký, ít nhất một người."))
    unverified = raw.get("unverified", [])
    if not isinstance(unverified, list) or not set(unverified) <= UNVERIFIABLE_FORM_PARTS:
        raise _bad(where, _("«unverified» chỉ được chứa: {allowed}.").format(
            allowed=", ".join(sorted(UNVERIFIABLE_FORM_PARTS))))
    form = FormDefinition(
        form_id=form_id, version=_text(where, raw, "version", required=True),
        title=_text(where, raw, "title", required=True),
        source=_text(where, raw, "source", required=True), paper_size=paper_size,
        paper_index=paper_index, sections=tuple(sections),
        addressee=_text(where, raw, "addressee"), request=_text(where, raw, "request"),
        commitment=_text(where, raw, "commitment"),
        signers=tuple(unicodedata.normalize("NFC", x) for x in signers),
        unverified=tuple(unverified))
    names = [f.name for f in form.fields]
    copies = raw.get("declarant_copies", [])
    if not isinstance(copies, list):
        raise _bad(where, _("«declarant_copies» phải là một danh sách."))
    form = dataclasses.replace(form, declarant_copies=tuple(
        _copy_from_data(where, form, raw_copy) for raw_copy in copies))
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise _bad(where, _("tên ô bị trùng: {names}; mỗi ô phải có tên riêng.").format(
            names=", ".join(twice)))
    for f in form.fields:
        if f.not_before is not None and (f.not_before not in names
                                         or form.field(f.not_before).type != "date"):
            raise _bad(where, _("ô «{name}»: «not_before» phải là tên một ô ngày của tờ khai.")
                       .format(name=f.name))
    return form


def _copy_from_data(where: str, form: FormDefinition, raw: Any) -> DeclarantCopy:
    raw = _keys(where, raw, _COPY_KEYS, _("mỗi mục «declarant_copies»"))
    label = _text(where, raw, "label", required=True)
    relation = raw.get("relation")
    names = {f.name for f in form.fields}
    if (not isinstance(relation, list) or len(relation) != 2
            or relation[0] not in names or form.field(relation[0]).type != "choice"
            or relation[1] not in form.field(relation[0]).choices):
        raise _bad(where, _("«relation» của «{label}» phải là [tên một ô chọn, một lựa chọn "
                            "của ô đó].").format(label=label))
    fields = raw.get("fields")
    if not isinstance(fields, dict) or not fields or any(
            target not in names or source not in CCCD_FIELDS
            for target, source in fields.items()):
        raise _bad(where, _("«fields» của «{label}» phải nối tên ô của tờ khai với trường của "
                            "thẻ CCCD ({known}).").format(label=label,
                                                         known=", ".join(sorted(CCCD_FIELDS))))
    return DeclarantCopy(label, relation[0], relation[1], tuple(fields.items()))


def form_to_data(form: FormDefinition) -> dict:
    """The inverse of :func:`form_from_data` (JSON-ready; defaults left out)."""
    def field_data(f: FormField) -> dict:
        out: dict[str, Any] = {"name": f.name, "label": f.label, "type": f.type}
        if f.required:
            out["required"] = True
        if f.help:
            out["help"] = f.help
        if f.choices_from:
            out["choices_from"] = f.choices_from
        elif f.choices:
            out["choices"] = list(f.choices)
        for key in ("max_length", "pattern", "min", "max", "cccd", "not_before"):
            if getattr(f, key) is not None:
                out[key] = getattr(f, key)
        if f.allow_future:
            out["allow_future"] = True
        if f.default:
            out["default"] = f.default
        if f.in_words:
            out["in_words"] = True
        return out

    def section_data(s: FormSection) -> dict:
        out: dict[str, Any] = {"title": s.title}
        if s.cccd_gender:
            out["cccd_gender"] = s.cccd_gender
        out["fields"] = [field_data(f) for f in s.fields]
        return out

    data: dict[str, Any] = {
        "form_id": form.form_id, "version": form.version, "title": form.title,
        "source": form.source, "paper_size": form.paper_size, "paper_index": form.paper_index,
    }
    for key in ("addressee", "request", "commitment"):
        if getattr(form, key):
            data[key] = getattr(form, key)
    if form.signers != ("Người yêu cầu",):
        data["signers"] = list(form.signers)
    data["sections"] = [section_data(s) for s in form.sections]
    if form.unverified:
        data["unverified"] = list(form.unverified)
    if form.declarant_copies:
        data["declarant_copies"] = [
            {"label": c.label, "relation": [c.relation_field, c.relation],
             "fields": dict(c.fields)} for c in form.declarant_copies]
    return data


# ---------------------------------------------------------------------------
# Filling


def format_date(d: date) -> str:
    return d.strftime("%d/%m/%Y")


def parse_date(text: str) -> date | None:
    """``dd/mm/yyyy`` (one-digit day/month accepted) → date; None if not a real date."""
    m = _DATE_RE.fullmatch((text or "").strip())
    if not m:
        return None
    try:
        return date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
    except ValueError:
        return None


def defaults(form: FormDefinition) -> dict[str, str]:
    """The values an empty form starts with (fields that have a ``default``)."""
    return {f.name: f.default for f in form.fields if f.default}


_DIGITS = ("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín")


def number_in_words(n: int) -> str:
    """0..9999 in Vietnamese words as civil-status papers write them: 21 "hai mươi mốt",
    15 "mười lăm", 105 "một trăm linh năm", 2026 "hai nghìn không trăm hai mươi sáu"."""
    if not 0 <= n <= 9999:
        raise ValueError(n)
    if n < 10:
        return _DIGITS[n]
    thousands, rest = divmod(n, 1000)
    hundreds, tens_units = divmod(rest, 100)
    tens, units = divmod(tens_units, 10)
    words: list[str] = []
    if thousands:
        words += [_DIGITS[thousands], "nghìn"]
    if hundreds or (thousands and tens_units):
        words += [_DIGITS[hundreds], "trăm"]
    if tens == 0:
        if units and words:
            words += ["linh", _DIGITS[units]]
        elif units:
            words.append(_DIGITS[units])
    else:
        words += ["mười"] if tens == 1 else [_DIGITS[tens], "mươi"]
        if units == 1 and tens > 1:
            words.append("mốt")
        elif units == 5:
            words.append("lăm")
        elif units:
            words.append(_DIGITS[units])
    return " ".join(words)


def date_in_words(d: date) -> str:
    """E.g. "Ngày hai mươi tháng mười một năm hai nghìn không trăm hai mươi sáu".

    Not translated: it is the wording of the official paper, like the form's labels."""
    day, month, year = (number_in_words(x) for x in (d.day, d.month, d.year))
    return f"Ngày {day} tháng {month} năm {year}"


def _card_values(card: CitizenCard) -> dict[str, str]:
    return {
        "id_number": card.id_number, "old_id_number": card.old_id_number or "",
        "full_name": card.full_name, "date_of_birth": format_date(card.date_of_birth),
        "gender": card.gender, "address": card.address,
        "issue_date": format_date(card.issue_date) if card.issue_date else "",
    }


def declarant_values(form: FormDefinition, index: int, card: CitizenCard) -> dict[str, str]:
    """The values "Người khai là mẹ/cha của cháu" (``form.declarant_copies[index]``) sets:
    the relation, and the declarant's own data copied from their card."""
    copy = form.declarant_copies[index]
    card_values = _card_values(card)
    out = {copy.relation_field: copy.relation}
    for target, source in copy.fields:
        if card_values[source]:
            out[target] = unicodedata.normalize("NFC", card_values[source])
    return out


def prefill(form: FormDefinition, card: CitizenCard) -> dict[str, str]:
    """The form's defaults and what the card fills (fields with a ``cccd`` source)."""
    card_values = _card_values(card)
    out = defaults(form)
    for section in form.sections:
        if section.cccd_gender and section.cccd_gender != card.gender:
            continue
        for f in section.fields:
            if f.cccd and card_values[f.cccd]:
                out[f.name] = unicodedata.normalize("NFC", card_values[f.cccd])
    return out


def normalise_value(f: FormField, value: Any) -> str:
    """What a person typed as the form stores it: NFC, trimmed, spaces collapsed."""
    text = unicodedata.normalize("NFC", "" if value is None else str(value))
    if f.type == "textarea":
        lines = [_SPACES_RE.sub(" ", line).strip() for line in text.replace("\r", "").split("\n")]
        return "\n".join(lines).strip()
    text = " ".join(text.split())
    if f.type in ("phone",):
        return _PHONE_JUNK_RE.sub("", text)
    if f.type in ("id_number", "number"):
        return text.replace(" ", "")
    if f.type == "checkbox":
        return CHECKED if text.casefold() in ("1", "true", "x", "có", "yes", "on") else ""
    if f.type == "choice":
        # a choice typed in another case still means the same choice
        for choice in f.choices:
            if choice.casefold() == text.casefold():
                return choice
    if f.type == "date":
        d = parse_date(text)
        return format_date(d) if d else text
    return text


def normalise(form: FormDefinition, values: dict[str, Any]) -> dict[str, str]:
    """Every field of the form, normalised (missing ones empty); unknown keys are dropped."""
    return {f.name: normalise_value(f, values.get(f.name)) for f in form.fields}


def _name(form: FormDefinition, f: FormField) -> str:
    return _("«{label}» ({section})").format(label=f.label,
                                             section=form.section_of(f.name).title)


def _field_error(form: FormDefinition, f: FormField, value: str, today: date) -> str | None:
    name = _name(form, f)
    if not value:
        if f.required:
            if f.type == "checkbox":
                return _("Hãy đánh dấu {name}.").format(name=name)
            if f.type == "choice":
                return _("Hãy chọn {name}.").format(name=name)
            return _("Hãy nhập {name}.").format(name=name)
        return None
    limit = f.limit
    if limit is not None and len(value) > limit:
        return _("{name} dài {n} ký tự, tối đa {max}; hãy viết ngắn lại.").format(
            name=name, n=len(value), max=limit)
    if f.type == "date":
        d = parse_date(value)
        if d is None:
            return _("{name} «{value}» không phải ngày có thật; hãy nhập theo dạng "
                     "ngày/tháng/năm, ví dụ 05/09/2026.").format(name=name, value=value)
        if d < EARLIEST_DATE:
            return _("{name} không được trước năm 1900; hãy kiểm tra lại.").format(name=name)
        if d > today and not f.allow_future:
            return _("{name} không được sau hôm nay ({today}); hãy kiểm tra lại.").format(
                name=name, today=format_date(today))
    elif f.type == "number":
        if not _NUMBER_RE.fullmatch(value):
            return _("{name} phải là một số (chỉ gồm chữ số).").format(name=name)
        n = int(value)
        if f.min is not None and n < f.min or f.max is not None and n > f.max:
            return _("{name} phải từ {low} đến {high}.").format(
                name=name, low=f.min if f.min is not None else "…",
                high=f.max if f.max is not None else "…")
    elif f.type == "choice":
        if value not in f.choices:
            return _("{name} phải là một trong: {choices}.").format(
                name=name, choices=", ".join(f.choices))
    elif f.type == "phone":
        if not _PHONE_RE.fullmatch(value):
            return _("{name} «{value}» không hợp lệ: cần 10 chữ số bắt đầu bằng 0 (hoặc +84)."
                     ).format(name=name, value=value)
    elif f.type == "id_number":
        if not _ID_NUMBER_RE.fullmatch(value):
            return _("{name} phải gồm đúng 12 chữ số như trên thẻ căn cước; hãy kiểm tra lại."
                     ).format(name=name)
    if f.pattern is not None and not re.fullmatch(f.pattern, value):
        return _("{name} «{value}» không đúng dạng; xem hướng dẫn dưới ô.").format(
            name=name, value=value)
    return None


def validate(form: FormDefinition, values: dict[str, Any], *, today: date) -> dict[str, str]:
    """Field name → a Vietnamese sentence saying what is wrong; empty when the form is valid.

    Values are checked as :func:`normalise` stores them.
    """
    clean = normalise(form, values)
    errors: dict[str, str] = {}
    for f in form.fields:
        problem = _field_error(form, f, clean[f.name], today)
        if problem:
            errors[f.name] = problem
    for f in form.fields:
        if f.not_before and f.name not in errors and f.not_before not in errors:
            later, earlier = parse_date(clean[f.name]), parse_date(clean[f.not_before])
            if later and earlier and later < earlier:
                errors[f.name] = _("{name} không được trước {other} ({day}); hãy kiểm tra lại."
                                   ).format(name=_name(form, f),
                                            other=_name(form, form.field(f.not_before)),
                                            day=format_date(earlier))
    return errors

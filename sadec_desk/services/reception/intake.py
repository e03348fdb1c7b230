"""The counter's receive and find screens, as services.

The views hand over what the clerk typed, as typed (strings); everything is
checked here, so the same rules hold for the GUI, tests and any other front end,
and nothing a user types can do more than raise a :class:`UserError` with a
sentence saying what to fix (tests/gui/test_receive_fuzz.py).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from peewee import IntegrityError

from sadec_desk.db.database import translated_errors
from sadec_desk.db.models import Citizen, Dossier
from sadec_desk.db.models import Procedure as ProcedureRow
from sadec_desk.domain.cccd import CccdQrError, ScannerMangledError, parse_cccd_qr
from sadec_desk.domain.deadlines import compute_due
from sadec_desk.domain.fees import compute_fee, format_vnd
from sadec_desk.domain.lifecycle import (
    STATUS_LABELS,
    TRANSITIONS,
    VOID_STATUSES,
    DossierStatus,
    requires_note,
)
from sadec_desk.domain.timezone import VN_TZ
from sadec_desk.errors import InvalidInput, UserError
from sadec_desk.i18n import _, vietnamese
from sadec_desk.services.access import COUNTER_ROLES, READ_ROLES, require_role
from sadec_desk.services.catalogue import active_procedure, council_fee
from sadec_desk.services.query_rows import tuple_rows
from sadec_desk.services.reception import dossiers
from sadec_desk.services.records import DossierInfo, PaperInfo

if TYPE_CHECKING:
    from sadec_desk.services.context import AppContext

MAX_FIELD = 500  # longest text accepted in one form field


@dataclass(frozen=True)
class Quote:
    """What the receive form shows live: fee and appointment for the current choices."""

    procedure_code: str
    fee_vnd: int
    fee_text: str
    due_at: datetime
    same_day: bool


@dataclass(frozen=True)
class FormPaper:
    name: str
    kind: str
    count: int
    received: bool


def _text(value: object, what: str) -> str:
    text = "" if value is None else str(value)
    if len(text) > MAX_FIELD:
        raise InvalidInput(_("Ô «{what}» dài quá {n} ký tự; hãy kiểm tra lại.")
                           .format(what=what, n=MAX_FIELD))
    return unicodedata.normalize("NFC", text).strip()


def parse_count(text: object, what: str, low: int, high: int, field: str = "") -> int:
    """A whole number typed in a form field, within [low, high]; ``field``: the form
    field a refusal names (shown beside it)."""
    raw = _text(text, what)
    if not raw:
        return low
    if not re.fullmatch(r"\d{1,6}", raw):
        raise InvalidInput(_("«{what}» phải là một số nguyên (đang là «{value}»).")
                           .format(what=what, value=raw[:20]), field=field)
    value = int(raw)
    if not low <= value <= high:
        raise InvalidInput(_("«{what}» phải từ {low} đến {high} (đang là {value}).")
                           .format(what=what, low=low, high=high, value=value), field=field)
    return value


def check_field(name: str, text: str) -> str:
    """Validate one field as the clerk types; "" when fine, else what to fix."""
    try:
        if name == "phone":
            dossiers.normalise_phone(_text(text, _("Số điện thoại")))
        elif name == "pages":
            parse_count(text, _("Số trang"), 0, 10000)
        elif name == "copies":
            parse_count(text, _("Số bản sao"), 1, 1000)
        elif name == "id_number":
            raw = _text(text, _("Số CCCD"))
            if raw and not re.fullmatch(r"\d{12}", raw):
                raise InvalidInput(_("Số CCCD phải gồm đúng 12 chữ số."))
        return ""
    except UserError as exc:
        return str(exc)


# --- typing the citizen in by hand (no card QR) ------------------------------------------

#: the fields of the manual entry, in the card QR's order (docs/design.md §3.5)
MANUAL_FIELDS = ("id_number", "full_name", "date_of_birth", "gender", "address")
#: a valid card: each field is checked by putting the typed value in its place and running
#: the card parser, so typed and scanned citizens follow the same rules
_SAMPLE = {"id_number": "001203000001", "full_name": "Nguyễn Văn An",
           "date_of_birth": "01/01/1990", "gender": "Nam", "address": "Phường 1, Sa Đéc"}


def manual_labels() -> dict[str, str]:
    return {"id_number": _("Số CCCD"), "full_name": _("Họ tên"),
            "date_of_birth": _("Ngày sinh"), "gender": _("Giới tính"),
            "address": _("Địa chỉ thường trú")}


def _manual_messages() -> dict[str, str]:
    return {
        "id_number": _("Số CCCD phải gồm đúng 12 chữ số."),
        "full_name": _("Họ tên chỉ gồm chữ cái tiếng Việt có dấu, dấu cách, «'» hoặc «-»; "
                       "ví dụ Nguyễn Thị Hoa."),
        "date_of_birth": _("Ngày sinh phải là ngày có thật, dạng ngày/tháng/năm (ví dụ "
                           "21/03/2003), không sau hôm nay và không trước năm 1900."),
        "gender": _("Giới tính là «Nam» hoặc «Nữ»."),
        "address": _("Hãy nhập địa chỉ thường trú (như ghi trên thẻ)."),
    }


def _date_digits(text: str) -> str:
    """"21/03/2003", "21-3-2003", "21.03.2003" or "21032003" → "21032003"."""
    raw = text.strip()
    match = re.fullmatch(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})", raw)
    if match:
        d, m, y = match.groups()
        return f"{int(d):02d}{int(m):02d}{y}"
    return raw


def manual_qr_text(fields: dict[str, str]) -> str:
    """The card QR text the typed fields stand for (no issue date)."""
    values = []
    for name in MANUAL_FIELDS:
        text = _text(fields.get(name, ""), manual_labels()[name])
        if "|" in text:
            raise InvalidInput(_("Các ô thông tin công dân không được chứa dấu «|»."))
        if name == "full_name":  # "le thi HOA" typed: saved as "Le Thi Hoa"
            text = " ".join(w[:1].upper() + w[1:].lower() for w in text.split())
        values.append(_date_digits(text) if name == "date_of_birth" else text)
    id_number, full_name, dob, gender, address = values
    return "|".join([id_number, "", full_name, dob, gender, address, ""])


def _manual_error(exc: CccdQrError, field: str) -> str:
    if isinstance(exc, ScannerMangledError) and field == "full_name":
        return _("Hãy gõ họ tên có dấu tiếng Việt (bật bộ gõ Unikey), ví dụ Nguyễn Thị Hoa.")
    # the parser's sentences speak of scanning again: a typed field gets its own sentence
    return _manual_messages()[field]


def check_manual_field(name: str, text: str, *, today=None) -> str:
    """Validate one typed citizen field as the clerk types; "" when fine (or still empty)."""
    if name not in MANUAL_FIELDS:
        raise ValueError(name)
    try:
        value = _text(text, manual_labels()[name])
    except UserError as exc:
        return str(exc)
    if not value:
        return ""
    fields = dict(_SAMPLE, **{name: value})
    try:
        parse_cccd_qr(manual_qr_text(fields), today=today)
    except CccdQrError as exc:
        return _manual_error(exc, name)
    except UserError as exc:
        return str(exc)
    return ""


def citizen_from_fields(ctx: AppContext, fields: dict[str, str]) -> str:
    """Check every typed field; the card QR text for :func:`receive_from_form`."""
    today = ctx.now().astimezone(VN_TZ).date()
    labels = manual_labels()
    missing = [name for name in MANUAL_FIELDS if not _text(fields.get(name, ""), labels[name])]
    if missing:
        raise InvalidInput(_("Còn thiếu: {fields}. Hãy nhập đủ thông tin trên thẻ của công dân.")
                           .format(fields=", ".join(labels[m] for m in missing)),
                           field=missing[0])
    for name in MANUAL_FIELDS:
        problem = check_manual_field(name, fields.get(name, ""), today=today)
        if problem:
            raise InvalidInput(problem, field=name)
    text = manual_qr_text(fields)
    parse_cccd_qr(text, today=today)
    return text


def quote(ctx: AppContext, procedure_code: str, *, pages: str = "0", copies: str = "1",
          needs_verification: bool = False, late: bool = False,
          received_at: datetime | None = None) -> Quote:
    """Fee and appointment for the form's current values (nothing is written)."""
    pages_n = parse_count(pages, _("Số trang"), 0, 10000)
    copies_n = parse_count(copies, _("Số bản sao"), 1, 1000)
    received_at = received_at or ctx.now()
    with translated_errors():
        _row, procedure = active_procedure(ctx, _text(procedure_code, _("Thủ tục")))
        fee = compute_fee(procedure.fee, pages=pages_n, copies=copies_n, on_time=not late,
                          council_amount_vnd=council_fee(ctx, procedure.code))
        due = compute_due(procedure, received_at, ctx.calendar,
                          needs_verification=needs_verification)
    local_due = due.astimezone(VN_TZ)
    # "Miễn lệ phí", the wording of Luật Hộ tịch 2014 Art. 11 for a fee waived by law (the
    # catalogue and the receipt say the same): "miễn phí" would read as a favour
    return Quote(procedure_code=procedure.code, fee_vnd=fee,
                 fee_text=format_vnd(fee) if fee else _("Miễn lệ phí"), due_at=local_due,
                 same_day=local_due.date() == received_at.astimezone(VN_TZ).date())


#: what the clerk chose for a dossier missing a required paper
MISSING_ACTIONS = ("supplement", "accept")


class PossibleDuplicate(InvalidInput):
    code = "possible_duplicate"


@dataclass(frozen=True)
class SaveCheck:
    """What the counter must ask before saving the form (nothing when both are empty)."""

    same_day_codes: tuple[str, ...]  # today's dossiers of this citizen and procedure
    missing: tuple[str, ...]  # required papers not ticked


def _form_citizen(ctx: AppContext, qr_text: str, manual: dict[str, str] | None) -> str:
    if manual is not None:
        qr_text = citizen_from_fields(ctx, manual)
    qr = _text(qr_text, _("Mã QR thẻ CCCD"))
    if not qr:
        raise InvalidInput(_("Chưa có thông tin người nộp: hãy quét mã QR trên thẻ CCCD "
                             "(hoặc mở ảnh chụp thẻ)."), field="citizen")
    return qr


def _form_procedure(procedure_code: str) -> str:
    code = _text(procedure_code, _("Thủ tục"))
    if not code:
        raise InvalidInput(_("Hãy chọn thủ tục hành chính."), field="procedure")
    return code


def same_day_receipts(ctx: AppContext, id_number: str, procedure_code: str) -> tuple[str, ...]:
    """Codes of the dossiers received today (Vietnam time) for this ID number and
    procedure, voided ones left out: a second one is usually a stray key press."""
    require_role(ctx, *READ_ROLES)
    today = ctx.now().astimezone(VN_TZ)
    start = today.replace(hour=0, minute=0, second=0, microsecond=0)
    with translated_errors():
        return tuple(code for (code,) in tuple_rows(Dossier.select(Dossier.code)
                     .join(Citizen, on=Dossier.citizen == Citizen.id)
                     .switch(Dossier).join(ProcedureRow, on=Dossier.procedure == ProcedureRow.id)
                     .where(Citizen.id_number == id_number, ProcedureRow.code == procedure_code,
                            Dossier.received_at >= start,
                            Dossier.received_at < start + timedelta(days=1),
                            Dossier.status.not_in([s.value for s in VOID_STATUSES]))
                     .order_by(Dossier.id)))


def check_before_save(ctx: AppContext, *, qr_text: str, procedure_code: str,
                      papers: list[FormPaper] | tuple = (),
                      manual: dict[str, str] | None = None) -> SaveCheck:
    """What the counter asks before :func:`receive_from_form`: a same-day dossier of the
    same citizen and procedure, the required papers not ticked. Bad input raises the same
    sentence the save would."""
    require_role(ctx, *COUNTER_ROLES)
    card = parse_cccd_qr(_form_citizen(ctx, qr_text, manual))
    code = _form_procedure(procedure_code)
    return SaveCheck(same_day_receipts(ctx, card.id_number, code),
                     tuple(_text(p.name, _("Giấy tờ")) for p in papers if not p.received))


def receive_from_form(ctx: AppContext, *, qr_text: str, procedure_code: str, phone: str = "",
                      pages: str = "0", copies: str = "1", needs_verification: bool = False,
                      late: bool = False, papers: list[FormPaper] | tuple = (),
                      manual: dict[str, str] | None = None, form_id: str | None = None,
                      same_day_confirmed: bool = False, missing_action: str = "",
                      missing_reason: str = "", result_delivery: str = "office"
                      ) -> DossierInfo:
    """Save the receive form: the citizen from the card's QR (or, without a QR, from the
    fields the clerk typed in ``manual``), the ticked papers, how the citizen wants the
    result (``result_delivery``: "office" or "post", by public post).

    ``form_id``: the form's identity (the dossier's UUID to be): the same form saved twice
    is one dossier. A second dossier of the same citizen and procedure the same day needs
    ``same_day_confirmed``. A required paper not ticked needs ``missing_action``:
    "supplement" receives the dossier and asks for the papers at once (Mẫu 02, NĐ 61/2018
    Art. 15.2.b: the clerk says in writing what to complete), "accept" receives it as it
    is with ``missing_reason`` recorded in its history."""
    require_role(ctx, *COUNTER_ROLES)
    qr = _form_citizen(ctx, qr_text, manual)
    code = _form_procedure(procedure_code)
    ticked = tuple(PaperInfo(_text(p.name, _("Giấy tờ")), p.kind,
                             parse_count(str(p.count), _("Số lượng giấy tờ"), 1, 100))
                   for p in papers if p.received)
    missing = [_text(p.name, _("Giấy tờ")) for p in papers if not p.received]
    reason = _text(missing_reason, _("Lý do"))
    if missing and missing_action not in MISSING_ACTIONS:
        raise InvalidInput(_("Còn thiếu giấy tờ: {papers}. Hãy đánh dấu giấy tờ đã nhận, in "
                             "Mẫu 02 (yêu cầu bổ sung) hoặc chọn «Vẫn tiếp nhận» và ghi lý do.")
                           .format(papers=", ".join(missing)))
    if missing and missing_action == "accept" and not reason:
        raise InvalidInput(_("Vẫn tiếp nhận hồ sơ còn thiếu giấy tờ cần ghi rõ lý do."))
    if form_id and Dossier.select().where(Dossier.uuid == str(form_id).lower()).exists():
        return dossiers.get_dossier(ctx, str(form_id))  # this form is saved already
    if not same_day_confirmed:
        earlier = same_day_receipts(ctx, parse_cccd_qr(qr).id_number, code)
        if earlier:
            raise PossibleDuplicate(_("Hôm nay công dân này đã có hồ sơ {codes} cùng thủ tục; "
                                      "hãy xác nhận trước khi tiếp nhận thêm một hồ sơ.")
                                    .format(codes=", ".join(earlier)))
    note = ""
    if missing:
        # stored in the history and read on the forms and by the gateway: Vietnamese
        note = vietnamese("Thiếu giấy tờ: {papers}.").format(papers=", ".join(missing))
        if missing_action == "accept":
            note += " " + vietnamese("Vẫn tiếp nhận, lý do: {reason}").format(reason=reason)
    phone_text = _text(phone, _("Số điện thoại"))
    pages_n = parse_count(pages, _("Số trang"), 0, 10000, field="pages")
    copies_n = parse_count(copies, _("Số bản sao"), 1, 1000, field="copies")
    delivery = _text(result_delivery, _("Cách nhận kết quả")) or "office"

    def receive() -> DossierInfo:
        return dossiers.receive_dossier(
            ctx, procedure_code=code, qr_text=qr, phone=phone_text, pages=pages_n,
            copies=copies_n, needs_verification=bool(needs_verification), on_time=not late,
            result_delivery=delivery, papers=ticked if papers else None,
            dossier_uuid=form_id, note=note)

    try:
        if not (missing and missing_action == "supplement"):
            return receive()
        with ctx.database.atomic():  # received and sent back for the papers, or neither
            info = receive()
            return dossiers.advance_dossier(
                ctx, info.code, DossierStatus.SUPPLEMENT_REQUESTED.value,
                note=vietnamese("Cần bổ sung: {papers}").format(papers=", ".join(missing)))
    except IntegrityError:
        # the same form saved at the same moment by another thread: its dossier, not a 2nd
        if form_id and Dossier.select().where(Dossier.uuid == str(form_id).lower()).exists():
            return dossiers.get_dossier(ctx, str(form_id))
        raise


def parse_local(text: str, what: str) -> datetime:
    """A date-time typed as dd/mm/yyyy HH:MM (Vietnam time)."""
    raw = _text(text, what)
    try:
        return datetime.strptime(raw, "%d/%m/%Y %H:%M").replace(tzinfo=VN_TZ)
    except ValueError:
        raise InvalidInput(_("«{what}» = «{text}» chưa đúng dạng dd/mm/yyyy HH:MM, ví dụ "
                             "30/11/2026 10:00.").format(what=what, text=raw[:40])) from None


def reschedule_from_form(ctx: AppContext, reference: str, new_due: str, reason: str
                         ) -> DossierInfo:
    require_role(ctx, *COUNTER_ROLES)
    return dossiers.reschedule_dossier(ctx, reference, parse_local(new_due, _("Hẹn mới")),
                                       _text(reason, _("Lý do")))


#: steps the counter asks about first: they end the dossier and cannot be undone
CONFIRMED_STEPS = frozenset({DossierStatus.REFUSED, DossierStatus.WITHDRAWN,
                             DossierStatus.VOIDED})


def next_statuses(status: str) -> list[tuple[str, str, bool, bool, bool]]:
    """The counter's life-cycle buttons, always the same ones in the same order (a button
    that moves after each step sends the pointer to the wrong one): (status, label, needs
    a note, allowed from ``status`` now, asks for a confirmation first). The void ("Hủy do
    nhập nhầm") is the last one; who may void is checked by the service."""
    try:
        current = DossierStatus(status)
    except ValueError:
        current = None
    allowed = TRANSITIONS[current] if current is not None else frozenset()
    return [(s.value, STATUS_LABELS[s], requires_note(s), s in allowed, s in CONFIRMED_STEPS)
            for s in DossierStatus if s is not DossierStatus.RECEIVED]

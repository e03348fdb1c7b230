"""Receiving civil-status dossiers and moving them through their life cycle.

Every change writes, in one transaction: the dossier row, an append-only event
and the outbox row that will carry the change to the portal (docs/design.md §5).
"""

from __future__ import annotations

import json
import re
import uuid as uuidlib
from dataclasses import replace
from datetime import UTC, date, datetime
from types import SimpleNamespace
from typing import TYPE_CHECKING

from sadec_desk.db.database import (
    insert_row,
    insert_rows,
    is_sqlite,
    sql_text,
    translated_errors,
)
from sadec_desk.db.models import (
    Citizen,
    Dossier,
    DossierEvent,
    DossierSequence,
    PaperReceived,
)
from sadec_desk.db.models import Procedure as ProcedureRow
from sadec_desk.db.search_index import fold_name
from sadec_desk.domain.cccd import CitizenCard, parse_cccd_qr
from sadec_desk.domain.deadlines import compute_due
from sadec_desk.domain.dossier_code import (
    find_dossier_code,
    format_dossier_code,
)
from sadec_desk.domain.fees import compute_fee
from sadec_desk.domain.lifecycle import (
    FINISHED_STATUSES,
    STATUS_LABELS,
    VOID_STATUSES,
    DossierStatus,
    check_transition,
    dossier_deadline_state,
    parse_status,
    requires_note,
)
from sadec_desk.domain.limits import (
    ADDRESS_MAX,
    NAME_MAX,
    NOTE_MAX,
    QR_MAX,
    check_moment,
    check_received_at,
    clean_card_qr,
    clean_text,
)
from sadec_desk.domain.timezone import VN_TZ
from sadec_desk.errors import InvalidInput, NotFound
from sadec_desk.i18n import _
from sadec_desk.services import actors
from sadec_desk.services.access import COUNTER_ROLES, READ_ROLES, PermissionDenied, require_role
from sadec_desk.services.audit import append_event
from sadec_desk.services.catalogue import active_procedure, council_fee
from sadec_desk.services.outbox import queue_change
from sadec_desk.services.records import (
    CitizenInfo,
    DossierInfo,
    EventInfo,
    PaperInfo,
)

if TYPE_CHECKING:
    from sadec_desk.services.context import AppContext

CHANNELS = ("counter", "kiosk", "online", "postal")
#: how the citizen wants the result: at the desk, or by public post (QĐ 45/2016/QĐ-TTg)
RESULT_DELIVERIES = ("office", "post")
_PHONE = re.compile(r"^(?:\+84|0)\d{9,10}$")


def citizen_info(card: CitizenCard, phone: str = "") -> CitizenInfo:
    return CitizenInfo(
        id_number=card.id_number, full_name=card.full_name, date_of_birth=card.date_of_birth,
        gender=card.gender, address=card.address, old_id_number=card.old_id_number,
        issue_date=card.issue_date, phone=phone,
    )


def normalise_phone(phone: str) -> str:
    cleaned = re.sub(r"[\s.\-()]", "", phone or "")
    if cleaned and not _PHONE.match(cleaned):
        raise InvalidInput(_("Số điện thoại '{phone}' không hợp lệ: cần 10 chữ số bắt đầu bằng 0 "
                             "(hoặc +84).").format(phone=phone), field="phone")
    return cleaned


def _check_card_limits(card: CitizenCard) -> None:
    """A card built by code (the kiosk, a form) meets the same limits as a scanned one."""
    clean_text(card.full_name, field=_("Họ tên"), max_length=NAME_MAX, required=True)
    clean_text(card.address, field=_("Địa chỉ"), max_length=ADDRESS_MAX)


def _check_count(name: str, value: int, low: int, high: int) -> int:
    if not low <= value <= high:
        raise InvalidInput(_("{name} phải từ {low} đến {high} (đang là {value}).")
                           .format(name=name, low=low, high=high, value=value))
    return value


# The statements of a receipt are plain SQL (db/database.py sql_text, insert_row): peewee
# composing six statements was most of a receipt's time (bench/receive.py).

def _next_sequence(ctx: AppContext, agency_code: str, day) -> int:
    """Atomically take the next number of the day: one upsert, no read-then-write race."""
    sql = sql_text(ctx.database, "dossiers.next_sequence",
                   "INSERT INTO dossier_sequence (agency_code, day, last) VALUES (?, ?, 1) "
                   "ON CONFLICT (agency_code, day) DO UPDATE SET last = dossier_sequence.last + 1 "
                   "RETURNING last")
    return ctx.database.execute_sql(
        sql, (agency_code, DossierSequence.day.db_value(day))).fetchone()[0]


_CITIZEN_COLUMNS = ("id_number", "old_id_number", "full_name", "folded_name", "date_of_birth",
                    "gender", "address", "issue_date", "updated_at", "phone")


def _upsert_citizen(ctx: AppContext, card: CitizenCard, phone: str) -> int:
    """The card read today is the freshest copy of the citizen's data; returns the row id.
    An empty phone keeps the one on file. The folded name goes in the same statement, and
    the search index follows it in this transaction (db/search_index.py)."""
    columns = _CITIZEN_COLUMNS
    updated = [c for c in columns[1:] if c != "phone" or phone]
    sql = sql_text(ctx.database, f"dossiers.upsert_citizen.{bool(phone)}",
                   f"INSERT INTO citizen ({', '.join(columns)}) "
                   f"VALUES ({', '.join('?' * len(columns))}) ON CONFLICT (id_number) DO UPDATE "
                   f"SET {', '.join(f'{c} = excluded.{c}' for c in updated)} RETURNING id")
    row = {"id_number": card.id_number, "old_id_number": card.old_id_number,
           "full_name": card.full_name, "folded_name": fold_name(card.full_name),
           "date_of_birth": card.date_of_birth,
           "gender": card.gender, "address": card.address, "issue_date": card.issue_date,
           "updated_at": ctx.now(), "phone": phone}
    fields = Citizen._meta.fields
    return ctx.database.execute_sql(
        sql, tuple(fields[c].db_value(row[c]) for c in columns)).fetchone()[0]


def receive_dossier(
    ctx: AppContext,
    *,
    procedure_code: str,
    qr_text: str | None = None,
    card: CitizenCard | None = None,
    phone: str = "",
    pages: int = 0,
    copies: int = 1,
    needs_verification: bool = False,
    on_time: bool = True,
    channel: str = "counter",
    result_delivery: str = "office",
    received_at: datetime | None = None,
    papers: tuple[PaperInfo, ...] | None = None,
    dossier_uuid: str | None = None,
    note: str = "",
) -> DossierInfo:
    """Receive one dossier: code, due date and fee, stored durably with its outbox row.

    ``dossier_uuid``: the identity the counter's form chose when it opened; saving the
    same form twice (a second F10, a double press) returns the dossier already saved
    instead of making a second one. ``note``: recorded on the "received" event (e.g. why
    a dossier missing a paper was still received)."""
    require_role(ctx, *COUNTER_ROLES)
    if dossier_uuid is not None:
        try:
            dossier_uuid = str(uuidlib.UUID(str(dossier_uuid)))
        except ValueError:
            raise InvalidInput(_("Mã định danh biểu mẫu không hợp lệ; hãy bấm «Hồ sơ mới» "
                                 "rồi nhập lại.")) from None
        if Dossier.select().where(Dossier.uuid == dossier_uuid).exists():
            return get_dossier(ctx, dossier_uuid)
    if card is None:
        if not qr_text:
            raise InvalidInput(_("Thiếu thông tin người nộp: hãy quét mã QR trên thẻ CCCD."))
        card = parse_cccd_qr(clean_card_qr(qr_text))
    else:
        _check_card_limits(card)
    if channel not in CHANNELS:
        raise InvalidInput(_("Kênh tiếp nhận '{channel}' không hợp lệ; chọn một trong: {known}.")
                           .format(channel=channel, known=", ".join(CHANNELS)))
    if result_delivery not in RESULT_DELIVERIES:
        raise InvalidInput(_("Cách nhận kết quả '{value}' không hợp lệ: chọn 'office' (tại bộ "
                             "phận một cửa) hoặc 'post' (qua bưu chính công ích).")
                           .format(value=result_delivery))
    phone = normalise_phone(phone)
    _check_count(_("Số bản sao"), copies, 1, 1000)
    _check_count(_("Số trang"), pages, 0, 10000)
    received_at = received_at or ctx.now()
    if received_at.tzinfo is None:
        raise InvalidInput(_("Thời điểm tiếp nhận phải có múi giờ (ví dụ 2026-11-26T09:30+07:00)."))
    check_received_at(received_at, ctx.now(), date_of_birth=card.date_of_birth)
    note = clean_text(note, field=_("Ghi chú"), max_length=NOTE_MAX, multiline=True)

    with translated_errors():
        procedure_row, procedure = active_procedure(ctx, procedure_code)
        if procedure.fee.kind == "certified_copy" and pages < 1:
            # the fee of a certified copy is per page (TT 226/2016 Art. 4): 0 pages is a
            # forgotten field, not a free copy
            raise InvalidInput(_("Thủ tục {code} tính lệ phí theo số trang: hãy cho biết số "
                                 "trang mỗi bản (ô «Số trang»; trên dòng lệnh: --pages N).")
                               .format(code=procedure.code), field="pages")
        fee = compute_fee(procedure.fee, pages=pages, copies=copies, on_time=on_time,
                          council_amount_vnd=council_fee(ctx, procedure.code))
        due_at = compute_due(procedure, received_at, ctx.calendar,
                             needs_verification=needs_verification)
        paper_list = papers if papers is not None else tuple(
            PaperInfo(p.name, p.kind, p.count) for p in procedure.papers)
        local_day = received_at.astimezone(VN_TZ).date()
        office = ctx.office()
        with ctx.database.atomic():
            code = format_dossier_code(office.agency_code, local_day,
                                       _next_sequence(ctx, office.agency_code, local_day))
            dossier_uuid = dossier_uuid or str(uuidlib.uuid4())
            dossier = Dossier(
                uuid=dossier_uuid, code=code, office=office.id, procedure=procedure_row.id,
                citizen=_upsert_citizen(ctx, card, phone), channel=channel,
                result_delivery=result_delivery,
                status=DossierStatus.RECEIVED.value, received_at=received_at, due_at=due_at,
                needs_verification=needs_verification, pages=pages, copies=copies, fee_vnd=fee,
                phone=phone, received_by=ctx.clerk, updated_at=ctx.now(),
            )
            dossier.id = insert_row(ctx.database, Dossier, dossier.__data__)
            insert_rows(ctx.database, PaperReceived,
                        [{"dossier": dossier.id, "name": p.name, "kind": p.kind, "count": p.count}
                         for p in paper_list])
            append_event(ctx.database, dossier=dossier.id, at=received_at, actor=ctx.actor,
                         kind="received", to_status=DossierStatus.RECEIVED.value,
                         note=(note or "").strip())
            info = _info(ctx, dossier, procedure_row, citizen_info(card, phone),
                         papers=tuple(paper_list))
            queue_change(ctx, dossier_uuid, "dossier.received", info)
    return info


def _info(ctx: AppContext, dossier: Dossier | SimpleNamespace,
          procedure: ProcedureRow | SimpleNamespace, citizen: CitizenInfo,
          *, papers: tuple[PaperInfo, ...] = (), events: tuple[EventInfo, ...] = (),
          now: datetime | None = None) -> DossierInfo:
    """The record of ``dossier`` (a row or its attributes); ``now``: the moment the
    deadline state is judged at (one for a whole list), else the context's clock."""
    status = DossierStatus(dossier.status)
    return DossierInfo(
        code=dossier.code, uuid=dossier.uuid, procedure_code=procedure.code,
        procedure_name=procedure.name, status=status.value, status_label=STATUS_LABELS[status],
        channel=dossier.channel, result_delivery=dossier.result_delivery,
        received_at=dossier.received_at.astimezone(VN_TZ),
        due_at=dossier.due_at.astimezone(VN_TZ),
        finished_at=dossier.finished_at.astimezone(VN_TZ) if dossier.finished_at else None,
        deadline_state=dossier_deadline_state(dossier.status, dossier.due_at, dossier.finished_at,
                                              now or ctx.now()).value,
        fee_vnd=dossier.fee_vnd, pages=dossier.pages, copies=dossier.copies, phone=dossier.phone,
        received_by=dossier.received_by, sync_state=dossier.sync_state, citizen=citizen,
        papers=papers, events=events,
    )


def _dossier_query():
    """Dossiers with the procedure's name (not its whole JSON) and the citizen, in one query."""
    return (Dossier.select(Dossier, ProcedureRow.code, ProcedureRow.name, Citizen)
            .join(ProcedureRow).switch(Dossier).join(Citizen))


def _found(query, reference: str):
    """``query`` narrowed to the dossier named by code, UUID or the text of its receipt
    QR; its first row, or a sentence if there is none."""
    text = clean_text(reference, field=_("Mã hồ sơ"), max_length=QR_MAX)
    code = find_dossier_code(text)
    wanted = (Dossier.code == (code or text.upper())) | (Dossier.uuid == text.lower())
    row = query.where(wanted).first()
    if row is None:
        raise NotFound(_("Không tìm thấy hồ sơ '{ref}'. Kiểm tra lại mã hồ sơ "
                         "(dạng 000.00.14.H20-200703-0002) hoặc quét mã QR trên phiếu hẹn.")
                       .format(ref=reference))
    return row


def find_dossier_row(reference: str) -> Dossier:
    """The dossier's row (for services only: views get :func:`get_dossier`'s record) by
    code, UUID or the text of its receipt QR; a sentence if there is none."""
    return _found(_dossier_query(), reference)


def get_dossier(ctx: AppContext, reference: str) -> DossierInfo:
    """A dossier by code, UUID or the text of its receipt QR, with papers and history
    (built as the search's records are: :func:`dossier_infos`)."""
    require_role(ctx, *READ_ROLES)
    with translated_errors():
        dossier = _found(Dossier.select(Dossier.id), reference)
    return dossier_infos(ctx, [dossier.id])[0]


def _utc_value(value, field=Dossier.received_at):
    """A UTC datetime column's raw value as :class:`UtcDateTimeField` gives it (aware
    UTC), without peewee's parse by trial of formats."""
    if type(value) is datetime and value.tzinfo is None:  # PostgreSQL's, the common case
        return value.replace(tzinfo=UTC)
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return field.python_value(value)
        return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else field.python_value(value)
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return field.python_value(value)


def _date_value(value, field=Citizen.date_of_birth):
    """A date column's raw value as :class:`peewee.DateField` gives it."""
    if type(value) is date:  # PostgreSQL's, the common case
        return value
    if isinstance(value, str) and len(value) == 10:
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    return field.python_value(value)


#: what a found dossier's record is made of (:func:`dossier_records`), in this order
_RECORD_COLUMNS = ("d.id, d.code, d.uuid, d.status, d.channel, d.result_delivery, "
                   "d.received_at, d.due_at, d.finished_at, d.fee_vnd, d.pages, d.copies, "
                   "d.phone, d.received_by, d.sync_state, p.code, p.name, c.id_number, "
                   "c.full_name, c.date_of_birth, c.gender, c.address, c.old_id_number, "
                   "c.issue_date, c.phone")
#: the rows :func:`dossier_records` builds records of, for the caller's ``WHERE`` on the
#: dossier ``d`` (the search puts its question there: one statement per search)
RECORD_QUERY = (f"SELECT {_RECORD_COLUMNS} FROM dossier d JOIN procedure p ON p.id = "
                "d.procedure_id JOIN citizen c ON c.id = d.citizen_id")


def dossier_infos(ctx: AppContext, dossier_ids: list[int], *, details: bool = True
                  ) -> list[DossierInfo]:
    """The records of these dossiers in the order given, as :func:`get_dossier` gives
    them (see :func:`dossier_records`)."""
    require_role(ctx, *READ_ROLES)
    if not dossier_ids:
        return []
    wanted = ", ".join(str(int(i)) for i in dossier_ids)  # our own integer ids
    with translated_errors():
        rows = ctx.database.execute_sql(f"{RECORD_QUERY} WHERE d.id IN ({wanted})").fetchall()
    records = {record_id: record for record_id, record
               in zip([row[0] for row in rows], dossier_records(ctx, rows, details=details),
                      strict=True)}
    return [records[i] for i in dossier_ids if i in records]


def dossier_records(ctx: AppContext, rows: list[tuple], *, details: bool = True
                    ) -> list[DossierInfo]:
    """The records of ``rows`` read with :data:`RECORD_QUERY`, in their order, as
    :func:`get_dossier` gives them: papers and history in two more queries whatever their
    number; ``details=False``: without them, as :func:`list_dossiers` gives them. Only the
    columns a record shows are read, as plain tuples, and only the date columns converted:
    peewee's model instances and its per-value conversion were most of a search's time
    (bench/search.py)."""
    require_role(ctx, *READ_ROLES)
    if not rows:
        return []
    now = ctx.now()
    papers: dict[int, list[PaperInfo]] = {row[0]: [] for row in rows}
    events: dict[int, list[EventInfo]] = {row[0]: [] for row in rows}
    names: dict[str, str] = {}
    if details:
        wanted = ", ".join(str(int(row[0])) for row in rows)
        db = ctx.database
        with translated_errors():
            for dossier_id, name, kind, count in db.execute_sql(
                    "SELECT dossier_id, name, kind, count FROM paper_received "
                    f"WHERE dossier_id IN ({wanted}) ORDER BY id").fetchall():
                papers[dossier_id].append(PaperInfo(name, kind, count))
            for dossier_id, at, actor, kind, from_status, to_status, note in db.execute_sql(
                    "SELECT dossier_id, at, actor, kind, from_status, to_status, note "
                    f"FROM dossier_event WHERE dossier_id IN ({wanted}) ORDER BY id"
                    ).fetchall():
                events[dossier_id].append(EventInfo(_utc_value(at).astimezone(VN_TZ), actor,
                                                    kind, from_status, to_status, note,
                                                    username=actor))
            names = actors.full_names(e.username for found in events.values() for e in found)
    records = []
    for (dossier_id, code, uuid, status, channel, delivery, received_at, due_at, finished_at,
         fee, pages, copies, phone, received_by, sync_state, procedure_code, procedure_name,
         id_number, full_name, born, gender, address, old_id_number, issue_date,
         citizen_phone) in rows:
        dossier = SimpleNamespace(
            code=code, uuid=uuid, status=status, channel=channel, result_delivery=delivery,
            received_at=_utc_value(received_at), due_at=_utc_value(due_at),
            finished_at=_utc_value(finished_at) if finished_at is not None else None,
            fee_vnd=fee, pages=pages, copies=copies, phone=phone, received_by=received_by,
            sync_state=sync_state)
        citizen = CitizenInfo(id_number=id_number, full_name=full_name,
                              date_of_birth=_date_value(born), gender=gender, address=address,
                              old_id_number=old_id_number, issue_date=_date_value(issue_date),
                              phone=phone or citizen_phone)
        records.append(_info(
            ctx, dossier, SimpleNamespace(code=procedure_code, name=procedure_name), citizen,
            papers=tuple(papers[dossier_id]),
            events=tuple(replace(e, actor=names.get(e.actor, e.actor))
                         for e in events[dossier_id]), now=now))
    return records


def list_dossiers(ctx: AppContext, *, status: str | None = None, limit: int = 50,
                  offset: int = 0) -> list[DossierInfo]:
    """Newest first; papers and history are left out (see :func:`get_dossier`)."""
    require_role(ctx, *READ_ROLES)
    _check_count("limit", limit, 1, 10000)
    where, params = ("WHERE d.status = ? ", [parse_status(status).value]) if status else ("", [])
    sql = (f"{RECORD_QUERY} {where}ORDER BY d.received_at DESC, d.id DESC "
           f"LIMIT {int(limit)} OFFSET {int(offset)}").replace("?", ctx.database.param)
    with translated_errors():
        rows = ctx.database.execute_sql(sql, params).fetchall()
    return dossier_records(ctx, rows, details=False)


def _locked(ctx: AppContext, reference: str) -> Dossier:
    dossier = find_dossier_row(reference)
    if not is_sqlite(ctx.database):
        # SQLite's BEGIN IMMEDIATE already serialises writers; PostgreSQL needs a row lock
        Dossier.select().where(Dossier.id == dossier.id).for_update().first()
        dossier = find_dossier_row(reference)
    return dossier


def advance_dossier(ctx: AppContext, reference: str, to: str, *, note: str = "",
                    actor: str | None = None) -> DossierInfo:
    """Move a dossier to ``to``; illegal moves are refused naming the allowed ones."""
    require_role(ctx, *COUNTER_ROLES)
    target = parse_status(to)
    if target in VOID_STATUSES:
        # a void has its own rules (who, until when): void_dossier below
        raise InvalidInput(_("Hủy hồ sơ do nhập nhầm có thao tác riêng: nút «Hủy do nhập "
                             "nhầm» ở quầy, hoặc lệnh «sadec-desk dossier void MÃ --reason …»."))
    note = clean_text(note, field=_("Ghi chú"), max_length=NOTE_MAX, multiline=True)
    if requires_note(target) and not note:
        raise InvalidInput(_("Chuyển sang '{label}' cần ghi rõ lý do (--note).")
                           .format(label=STATUS_LABELS[target]))
    actor = ctx.actor if actor is None else actor
    with translated_errors(), ctx.database.atomic():
        dossier = _locked(ctx, reference)
        current = DossierStatus(dossier.status)
        check_transition(current, target)
        _record_status(ctx, dossier, current, target, note, actor)
    return get_dossier(ctx, dossier.uuid)


def _shown(ctx: AppContext, actor: str) -> str:
    """The actor as the portal and the provincial gateway show it (the handler's name):
    the signed-in person's full name; events keep the username (services/actors.py)."""
    return ctx.clerk if actor == ctx.actor else actor


def _record_status(ctx: AppContext, dossier: Dossier, current: DossierStatus,
                   target: DossierStatus, note: str, actor: str) -> None:
    """The row, its event and its outbox op of one status change (in the caller's
    transaction)."""
    now = ctx.now()
    changes = {Dossier.status: target.value, Dossier.updated_at: now}
    if target in FINISHED_STATUSES and dossier.finished_at is None:
        changes[Dossier.finished_at] = now
    Dossier.update(changes).where(Dossier.id == dossier.id).execute()
    append_event(ctx.database, dossier=dossier.id, at=now, actor=actor, kind="status",
                 from_status=current.value, to_status=target.value, note=note)
    queue_change(ctx, dossier.uuid, "dossier.status",
                 {"uuid": dossier.uuid, "code": dossier.code, "from_status": current.value,
                  "to_status": target.value, "at": now, "actor": _shown(ctx, actor),
                  "note": note})


def reschedule_dossier(ctx: AppContext, reference: str, new_due: datetime, reason: str,
                       *, actor: str | None = None) -> DossierInfo:
    """Mẫu 04 (TT 01/2018/TT-VPCP): apologise and set a new appointment, with the reason."""
    require_role(ctx, *COUNTER_ROLES)
    if new_due.tzinfo is None:
        raise InvalidInput(_("Ngày hẹn mới phải có múi giờ (ví dụ 2026-12-01T10:00+07:00)."))
    check_moment(new_due, field=_("Ngày hẹn mới"))
    reason = clean_text(reason, field=_("Lý do"), max_length=NOTE_MAX, multiline=True)
    if not reason:
        raise InvalidInput(_("Gia hạn hồ sơ cần ghi rõ lý do (Mẫu 04)."))
    actor = ctx.actor if actor is None else actor
    with translated_errors(), ctx.database.atomic():
        dossier = _locked(ctx, reference)
        if DossierStatus(dossier.status) in FINISHED_STATUSES:
            raise InvalidInput(_("Hồ sơ {code} đã kết thúc ({label}); không thể hẹn lại.")
                               .format(code=dossier.code,
                                       label=STATUS_LABELS[DossierStatus(dossier.status)]))
        if new_due <= dossier.due_at:
            raise InvalidInput(_("Ngày hẹn mới phải sau ngày hẹn cũ ({old}).")
                               .format(old=dossier.due_at.astimezone(VN_TZ)
                                       .strftime("%H:%M %d/%m/%Y")))
        now = ctx.now()
        # the receipt's due time stays beside the new one: the reports judge the result
        # against it (docs/reports.md); the row is locked, so reading it here is safe
        Dossier.update({Dossier.due_at: new_due, Dossier.updated_at: now,
                        Dossier.receipt_due_at: dossier.receipt_due_at or dossier.due_at}
                       ).where(Dossier.id == dossier.id).execute()
        append_event(ctx.database, dossier=dossier.id, at=now, actor=actor,
                     kind="rescheduled", from_status=dossier.status, to_status=dossier.status,
                     note=reason, data=json.dumps({"old_due": dossier.due_at.isoformat(),
                                                   "new_due": new_due.isoformat()}))
        queue_change(ctx, dossier.uuid, "dossier.rescheduled",
                     {"uuid": dossier.uuid, "code": dossier.code, "old_due": dossier.due_at,
                      "new_due": new_due, "reason": reason, "at": now,
                      "actor": _shown(ctx, actor)})
    return get_dossier(ctx, dossier.uuid)



def _void_problem(ctx: AppContext, dossier: Dossier) -> str:
    """Why the signed-in person may not void ``dossier`` ("" when they may).

    A void corrects the counter's own mistake, so it belongs to whoever made it while the
    mistake is fresh (the receiving clerk, the same day) or to a leader, who answers for
    the office's records. The command line with nobody signed in is the machine's
    administrator, as everywhere else (services/access.py)."""
    user = getattr(ctx, "user", None)
    if user is None or user.role == "leader":
        return ""
    received_day = dossier.received_at.astimezone(VN_TZ).date()
    if not _received_by_user(dossier, user):
        return _("Chỉ cán bộ đã tiếp nhận hồ sơ {code} ({who}) hoặc lãnh đạo mới được hủy "
                 "hồ sơ này.").format(code=dossier.code, who=dossier.received_by or "—")
    if received_day != ctx.now().astimezone(VN_TZ).date():
        return _("Hồ sơ {code} được tiếp nhận ngày {day}; sau ngày tiếp nhận chỉ lãnh đạo mới "
                 "được hủy hồ sơ nhập nhầm.").format(code=dossier.code,
                                                     day=received_day.strftime("%d/%m/%Y"))
    return ""


def _received_by_user(dossier: Dossier, user) -> bool:
    """Whether ``user`` received ``dossier``: its ``received`` event's actor is their
    username (#18 item 5: full names are not unique). An event written before usernames
    were recorded holds a full name that is no account's username: it is compared with the
    full name, as then."""
    recorded = (DossierEvent.select(DossierEvent.actor)
                .where(DossierEvent.dossier == dossier.id, DossierEvent.kind == "received")
                .order_by(DossierEvent.seq).scalar())
    if recorded is None:
        return dossier.received_by == user.full_name
    if recorded == user.username:
        return True
    return recorded == user.full_name and not actors.is_username(recorded)


def void_dossier(ctx: AppContext, reference: str, reason: str) -> DossierInfo:
    """End a dossier made by mistake ("Hủy do nhập nhầm"): the reason recorded in its
    events, the change sent to the portal; no form for the citizen, no report counts it."""
    require_role(ctx, *COUNTER_ROLES)
    reason = clean_text(reason, field=_("Lý do hủy"), max_length=500, multiline=True)
    if not reason:
        raise InvalidInput(_("Hủy hồ sơ do nhập nhầm cần ghi rõ lý do (ví dụ: «trùng hồ sơ "
                             "vừa lưu», «chọn nhầm thủ tục»)."))
    if len(reason) > 500:
        raise InvalidInput(_("Lý do hủy dài quá 500 ký tự; hãy viết ngắn gọn hơn."))
    target = DossierStatus.VOIDED
    with translated_errors(), ctx.database.atomic():
        dossier = _locked(ctx, reference)
        current = DossierStatus(dossier.status)
        check_transition(current, target)
        problem = _void_problem(ctx, dossier)
        if problem:
            raise PermissionDenied(problem)
        # the portal takes it as any other status change (sync/protocol.py STATUSES)
        _record_status(ctx, dossier, current, target, reason, ctx.actor)
    return get_dossier(ctx, dossier.uuid)

"""The walk-in queue: service groups, counters, tickets, calling and the board's data.

Every change to a ticket writes the ticket row and a :class:`TicketEvent` in one
transaction. Calling is safe with several counters (processes) on one database:
on SQLite every transaction is ``BEGIN IMMEDIATE`` (one writer at a time); on
PostgreSQL a counter first locks the :class:`GroupCallState` rows of the groups
it calls from (in id order, so two counters never deadlock) and picks tickets
transferred to it with ``FOR UPDATE SKIP LOCKED``. On both, the ticket is
claimed with a compare-and-set ``UPDATE ... WHERE status = <the status read>``,
so a ticket is never handed to two counters even if the locking were bypassed.
"""

from __future__ import annotations

import json
import logging
import time
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from peewee import fn

from sadec_desk.config import save_setting
from sadec_desk.db.database import is_sqlite, sql_text, translated_errors
from sadec_desk.db.models import Dossier, Procedure
from sadec_desk.db.queue_models import (
    Counter,
    CounterGroup,
    GroupCallState,
    ServiceGroup,
    Ticket,
    TicketDossier,
    TicketEvent,
)
from sadec_desk.domain.calendar import VN_TZ, weekday_name
from sadec_desk.domain.dossier_code import find_dossier_code
from sadec_desk.domain.queue_policy import (
    AT_COUNTER_STATUSES,
    Candidate,
    QueueAction,
    TicketStatus,
    check_action,
    check_template,
    choose_next,
    format_ticket_number,
    parse_ticket_number,
    render_announcement,
    status_label,
    streak_after,
    validate_interleave,
    validate_prefix,
)
from sadec_desk.errors import InvalidInput, NotFound, UserError
from sadec_desk.i18n import _
from sadec_desk.services.access import ANY_ROLE, COUNTER_ROLES, require_role
from sadec_desk.services.printing import jobs
from sadec_desk.services.queue.records import (
    CallInfo,
    CounterInfo,
    CounterStatus,
    GroupStatus,
    QueueStatus,
    SameDayPolicyInfo,
    ServiceGroupInfo,
    TicketInfo,
)

if TYPE_CHECKING:
    from sadec_desk.services.context import AppContext

log = logging.getLogger(__name__)

_WAITING = [TicketStatus.WAITING.value, TicketStatus.TRANSFERRED.value]
_AT_COUNTER = [s.value for s in AT_COUNTER_STATUSES]


class QueueEmpty(NotFound):
    code = "queue_empty"


class TicketFromAnotherDay(InvalidInput):
    code = "ticket_other_day"


class TicketTaken(UserError):
    """Another counter changed the ticket between our read and our write."""

    code = "ticket_taken"


# Defaults a commune can start with (issue #4): the civil-status procedures of the seed
# catalogue (Luật Hộ tịch 2014), the certification ones (NĐ 23/2015), and the rest.
DEFAULT_GROUPS = (
    ("A", "Hộ tịch", ("1.001193", "1.000894", "1.000656", "1.004884", "1.004873",
                      "2.000635", "1.001022", "1.004859")),
    ("B", "Chứng thực", ("2.000815", "2.000884")),
    ("C", "Việc khác", ()),
)
DEFAULT_COUNTERS = ((1, "Quầy 1", ("A", "C")), (2, "Quầy 2", ("B", "C")))


def local_day(ctx: AppContext) -> date:
    return ctx.now().astimezone(VN_TZ).date()


def _fold(text: str) -> str:
    return unicodedata.normalize("NFC", (text or "").strip()).casefold()


# --- service groups and counters --------------------------------------------------------


#: how long a counter trusts its copy of the groups, counters and their links; edits made
#: at this counter apply at once, edits made at another one within this many seconds
SETUP_CACHE_SECONDS = 10.0


@dataclass(frozen=True)
class _Setup:
    loaded: float
    groups: tuple[ServiceGroup, ...]  # by position
    counters: tuple[Counter, ...]  # by number
    links: frozenset[tuple[int, int]]  # (counter id, group id)


def _setup(ctx: AppContext) -> _Setup:
    """The office's groups, counters and links, read once per few seconds: every call and
    every ticket needs them, and they change a few times a year."""
    cached = ctx.queue_setup
    if cached is not None and time.monotonic() - cached.loaded < SETUP_CACHE_SECONDS:
        return cached
    office_id = ctx.office().id
    setup = _Setup(
        loaded=time.monotonic(),
        groups=tuple(ServiceGroup.select().where(ServiceGroup.office == office_id)
                     .order_by(ServiceGroup.position, ServiceGroup.prefix)),
        counters=tuple(Counter.select().where(Counter.office == office_id)
                       .order_by(Counter.number)),
        links=frozenset((row.counter_id, row.service_group_id) for row in
                        CounterGroup.select().join(Counter)
                        .where(Counter.office == office_id)))
    ctx.queue_setup = setup
    return setup


def forget_setup(ctx: AppContext) -> None:
    ctx.queue_setup = None


def _groups(ctx: AppContext, *, active_only: bool = False) -> list[ServiceGroup]:
    return [g for g in _setup(ctx).groups if g.active or not active_only]


def _counters(ctx: AppContext, *, active_only: bool = False) -> list[Counter]:
    return [c for c in _setup(ctx).counters if c.active or not active_only]


def _links(ctx: AppContext) -> list[tuple[int, int]]:
    """(counter id, group id) pairs of this office."""
    return sorted(_setup(ctx).links)


def _served(ctx: AppContext, group_id: int) -> bool:
    """Does an active counter serve the group?"""
    setup = _setup(ctx)
    active = {c.id for c in setup.counters if c.active}
    return any(gid == group_id and cid in active for cid, gid in setup.links)


def _group_info(group: ServiceGroup, counters_of: dict[int, list[int]]) -> ServiceGroupInfo:
    return ServiceGroupInfo(
        id=group.id, prefix=group.prefix, name=group.name,
        procedure_codes=tuple(json.loads(group.procedure_codes)),
        counters=tuple(sorted(counters_of.get(group.id, []))), position=group.position,
        active=group.active)


def list_groups(ctx: AppContext) -> list[ServiceGroupInfo]:
    with translated_errors():
        numbers = {c.id: c.number for c in _counters(ctx)}
        counters_of: dict[int, list[int]] = {}
        for counter_id, group_id in _links(ctx):
            counters_of.setdefault(group_id, []).append(numbers[counter_id])
        return [_group_info(g, counters_of) for g in _groups(ctx)]


def list_counters(ctx: AppContext) -> list[CounterInfo]:
    with translated_errors():
        prefixes = {g.id: g.prefix for g in _groups(ctx)}
        groups_of: dict[int, list[str]] = {}
        for counter_id, group_id in _links(ctx):
            groups_of.setdefault(counter_id, []).append(prefixes[group_id])
        return [CounterInfo(id=c.id, number=c.number, name=c.name,
                            groups=tuple(sorted(groups_of.get(c.id, []))), active=c.active)
                for c in _counters(ctx)]


def _known_groups(ctx: AppContext) -> str:
    return ", ".join(f"{g.prefix} ({g.name})" for g in _groups(ctx, active_only=True)) or "—"


def _known_counters(ctx: AppContext) -> str:
    return ", ".join(str(c.number) for c in _counters(ctx, active_only=True)) or "—"


def find_group(ctx: AppContext, ref: str | int, *, active_only: bool = True) -> ServiceGroup:
    """A group by letter ("A"), name ("Hộ tịch", any case) or id."""
    wanted = _fold(str(ref))
    for group in _groups(ctx, active_only=active_only):
        if wanted in (_fold(group.prefix), _fold(group.name), str(group.id)):
            return group
    raise NotFound(_("Không có nhóm dịch vụ «{ref}». Các nhóm hiện có: {known}.")
                   .format(ref=ref, known=_known_groups(ctx)))


def find_counter(ctx: AppContext, ref: str | int, *, active_only: bool = True) -> Counter:
    """A counter by number ("2"), name ("Quầy 2", any case) or the spoken "quầy số 2"."""
    wanted = _fold(str(ref))
    for counter in _counters(ctx, active_only=active_only):
        if wanted in (str(counter.number), _fold(counter.name)):
            return counter
    raise NotFound(_("Không có quầy «{ref}». Các quầy hiện có: {known} "
                     "(xem 'sadec-desk queue counter list').")
                   .format(ref=ref, known=_known_counters(ctx)))


def _check_procedures(codes: Iterable[str]) -> list[str]:
    codes = [c.strip() for c in codes if c and c.strip()]
    if codes:
        known = {r.code for r in Procedure.select(Procedure.code).where(Procedure.active)}
        unknown = [c for c in codes if c not in known]
        if unknown:
            raise NotFound(_("Không có thủ tục mã {codes} trong danh mục. Xem 'sadec-desk "
                             "catalog list'.").format(codes=", ".join(unknown)))
    return list(dict.fromkeys(codes))


def _check_name(name: str, what: str) -> str:
    name = unicodedata.normalize("NFC", (name or "").strip())
    if not name:
        raise InvalidInput(_("Tên {what} không được để trống.").format(what=what))
    if len(name) > 60:
        raise InvalidInput(_("Tên {what} quá dài (tối đa 60 ký tự).").format(what=what))
    return name


def _set_links(*, counter_ids: Iterable[int] | None = None, group_ids: Iterable[int] | None = None,
               group: ServiceGroup | None = None, counter: Counter | None = None) -> None:
    if group is not None and counter_ids is not None:
        CounterGroup.delete().where(CounterGroup.service_group == group.id).execute()
        rows = [{"counter": cid, "service_group": group.id} for cid in dict.fromkeys(counter_ids)]
    elif counter is not None and group_ids is not None:
        CounterGroup.delete().where(CounterGroup.counter == counter.id).execute()
        rows = [{"counter": counter.id, "service_group": gid} for gid in dict.fromkeys(group_ids)]
    else:
        return
    if rows:
        CounterGroup.insert_many(rows).execute()


def create_group(ctx: AppContext, *, prefix: str, name: str, procedure_codes: Sequence[str] = (),
                 counters: Sequence[str | int] = ()) -> ServiceGroupInfo:
    prefix = validate_prefix(prefix)
    name = _check_name(name, _("nhóm dịch vụ"))
    forget_setup(ctx)
    with translated_errors(), ctx.database.atomic():
        office = ctx.office()
        if ServiceGroup.get_or_none(ServiceGroup.office == office.id,
                                    ServiceGroup.prefix == prefix):
            raise InvalidInput(_("Chữ cái {prefix} đã dùng cho một nhóm khác; chọn chữ khác.")
                               .format(prefix=prefix))
        codes = _check_procedures(procedure_codes)
        counter_rows = [find_counter(ctx, c) for c in counters]
        position = (ServiceGroup.select().where(ServiceGroup.office == office.id).count())
        group = ServiceGroup.create(office=office.id, prefix=prefix, name=name,
                                    procedure_codes=json.dumps(codes), position=position,
                                    updated_at=ctx.now())
        _set_links(group=group, counter_ids=[c.id for c in counter_rows])
    forget_setup(ctx)
    return _one_group(ctx, group.id)


def _one_group(ctx: AppContext, group_id: int) -> ServiceGroupInfo:
    return next(g for g in list_groups(ctx) if g.id == group_id)


def update_group(ctx: AppContext, ref: str, *, name: str | None = None, prefix: str | None = None,
                 procedure_codes: Sequence[str] | None = None,
                 counters: Sequence[str | int] | None = None,
                 active: bool | None = None) -> ServiceGroupInfo:
    """Change a group; a new letter applies to tickets issued from now on."""
    forget_setup(ctx)
    with translated_errors(), ctx.database.atomic():
        group = find_group(ctx, ref, active_only=False)
        changes: dict = {ServiceGroup.updated_at: ctx.now()}
        if name is not None:
            changes[ServiceGroup.name] = _check_name(name, _("nhóm dịch vụ"))
        if prefix is not None:
            prefix = validate_prefix(prefix)
            clash = ServiceGroup.get_or_none(ServiceGroup.office == group.office_id,
                                             ServiceGroup.prefix == prefix)
            if clash is not None and clash.id != group.id:
                raise InvalidInput(_("Chữ cái {prefix} đã dùng cho nhóm «{name}»; chọn chữ khác.")
                                   .format(prefix=prefix, name=clash.name))
            changes[ServiceGroup.prefix] = prefix
        if procedure_codes is not None:
            changes[ServiceGroup.procedure_codes] = json.dumps(_check_procedures(procedure_codes))
        if active is not None:
            changes[ServiceGroup.active] = active
        ServiceGroup.update(changes).where(ServiceGroup.id == group.id).execute()
        if counters is not None:
            _set_links(group=group, counter_ids=[find_counter(ctx, c).id for c in counters])
    forget_setup(ctx)
    return _one_group(ctx, group.id)


def create_counter(ctx: AppContext, *, number: int, name: str | None = None,
                   groups: Sequence[str] = ()) -> CounterInfo:
    if isinstance(number, bool) or not isinstance(number, int) or not 1 <= number <= 99:
        raise InvalidInput(_("Số quầy phải là số từ 1 đến 99 (đang là {n}).").format(n=number))
    name = _check_name(name if name is not None else _("Quầy {n}").format(n=number),
                       _("quầy"))
    forget_setup(ctx)
    with translated_errors(), ctx.database.atomic():
        office = ctx.office()
        if Counter.get_or_none(Counter.office == office.id, Counter.number == number):
            raise InvalidInput(_("Quầy số {n} đã có; chọn số khác.").format(n=number))
        group_rows = [find_group(ctx, g) for g in groups]
        counter = Counter.create(office=office.id, number=number, name=name,
                                 updated_at=ctx.now())
        _set_links(counter=counter, group_ids=[g.id for g in group_rows])
    forget_setup(ctx)
    return next(c for c in list_counters(ctx) if c.id == counter.id)


def update_counter(ctx: AppContext, ref: str, *, name: str | None = None,
                   groups: Sequence[str] | None = None, active: bool | None = None
                   ) -> CounterInfo:
    forget_setup(ctx)
    with translated_errors(), ctx.database.atomic():
        counter = find_counter(ctx, ref, active_only=False)
        changes: dict = {Counter.updated_at: ctx.now()}
        if name is not None:
            changes[Counter.name] = _check_name(name, _("quầy"))
        if active is not None:
            changes[Counter.active] = active
        Counter.update(changes).where(Counter.id == counter.id).execute()
        if groups is not None:
            _set_links(counter=counter, group_ids=[find_group(ctx, g).id for g in groups])
    forget_setup(ctx)
    return next(c for c in list_counters(ctx) if c.id == counter.id)


def ensure_default_queue(ctx: AppContext) -> bool:
    """Create the default groups and counters for an office that has none; True if created.

    Called by ``sadec-desk init``; an office that already set up (or deleted) its own
    groups is left alone.
    """
    forget_setup(ctx)
    with translated_errors(), ctx.database.atomic():
        office = ctx.office()
        if ServiceGroup.select().where(ServiceGroup.office == office.id).exists():
            return False
        known = {r.code for r in Procedure.select(Procedure.code).where(Procedure.active)}
        now = ctx.now()
        group_ids = {}
        for position, (prefix, name, codes) in enumerate(DEFAULT_GROUPS):
            group = ServiceGroup.create(
                office=office.id, prefix=prefix, name=name, position=position,
                procedure_codes=json.dumps([c for c in codes if c in known]), updated_at=now)
            group_ids[prefix] = group.id
        for number, name, prefixes in DEFAULT_COUNTERS:
            if Counter.get_or_none(Counter.office == office.id, Counter.number == number):
                continue
            counter = Counter.create(office=office.id, number=number, name=name, updated_at=now)
            _set_links(counter=counter, group_ids=[group_ids[p] for p in prefixes])
    forget_setup(ctx)
    return True


# --- tickets ----------------------------------------------------------------------------


def _counter_numbers(ids: Iterable[int | None]) -> dict[int, int]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return {c.id: c.number for c in Counter.select(Counter.id, Counter.number)
            .where(Counter.id.in_(wanted))}


def _ticket_info(ticket: Ticket, group: ServiceGroup, numbers: dict[int, int], *,
                 dossiers: tuple[str, ...] = (), **extra) -> TicketInfo:
    def local(moment):
        return moment.astimezone(VN_TZ) if moment is not None else None

    return TicketInfo(
        id=ticket.id, day=ticket.day, number=ticket.display, sequence=ticket.number,
        group_prefix=group.prefix, group_name=group.name, priority=ticket.priority,
        status=ticket.status, status_label=status_label(ticket.status),
        counter=numbers.get(ticket.counter_id),
        target_counter=numbers.get(ticket.target_counter_id),
        issued_at=local(ticket.issued_at), called_at=local(ticket.called_at),
        last_called_at=local(ticket.last_called_at), call_count=ticket.call_count,
        serving_at=local(ticket.serving_at), finished_at=local(ticket.finished_at),
        dossiers=dossiers, **extra)


# The calls below run for every ticket taken and every call made: plain SQL built once
# (db/database.py sql_text).
def _sql(ctx: AppContext, name: str, text: str) -> str:
    return sql_text(ctx.database, "queue." + name, text)


def _group_by_id(ctx: AppContext, group_id: int) -> ServiceGroup:
    for group in _setup(ctx).groups:
        if group.id == group_id:
            return group
    forget_setup(ctx)  # created at another counter since we last looked
    return next(g for g in _setup(ctx).groups if g.id == group_id)


def _numbers(ctx: AppContext) -> dict[int, int]:
    numbers = {c.id: c.number for c in _setup(ctx).counters}
    return numbers


def _load_info(ctx: AppContext, ticket_id: int, **extra) -> TicketInfo:
    ticket = next(iter(Ticket.raw(_sql(ctx, "ticket", "SELECT * FROM ticket WHERE id = ?"),
                                  ticket_id)))
    codes = tuple(row[0] for row in ctx.database.execute_sql(_sql(
        ctx, "ticket_dossiers", "SELECT d.code FROM ticket_dossier td JOIN dossier d "
        "ON d.id = td.dossier_id WHERE td.ticket_id = ? ORDER BY td.id"), (ticket_id,)))
    numbers = _numbers(ctx)
    if any(c is not None and c not in numbers
           for c in (ticket.counter_id, ticket.target_counter_id)):
        forget_setup(ctx)
        numbers = _numbers(ctx)
    return _ticket_info(ticket, _group_by_id(ctx, ticket.service_group_id), numbers,
                        dossiers=codes, **extra)


def _event(ctx: AppContext, ticket_id: int, kind: str, *, counter_id: int | None = None,
           note: str = "", at: datetime | None = None) -> None:
    ctx.database.execute_sql(_sql(
        ctx, "event", "INSERT INTO ticket_event (ticket_id, at, kind, counter_id, actor, note) "
        "VALUES (?, ?, ?, ?, ?, ?)"),
        (ticket_id, _utc(at or ctx.now()), kind, counter_id, ctx.clerk, note))


def _utc(moment: datetime) -> datetime:
    return TicketEvent.at.db_value(moment)


def _next_number(ctx: AppContext, group_id: int, day: date) -> int:
    """One upsert: two kiosks issuing at the same instant never get the same number."""
    cursor = ctx.database.execute_sql(_sql(
        ctx, "next_number", "INSERT INTO ticket_sequence (service_group_id, day, last) "
        "VALUES (?, ?, 1) ON CONFLICT (service_group_id, day) "
        "DO UPDATE SET last = ticket_sequence.last + 1 RETURNING last"),
        (group_id, day.isoformat()))
    return cursor.fetchone()[0]


def _waiting_query(group_id: int, day: date):
    return Ticket.select().where(Ticket.service_group == group_id, Ticket.day == day,
                                 Ticket.status.in_(_WAITING), Ticket.target_counter.is_null())


def _enqueue_ticket_print(ctx: AppContext, office_name: str, info: TicketInfo) -> str:
    """Queue the ticket slip in the caller's transaction (the print worker prints it)."""
    job = jobs.enqueue_print(ctx, "ticket", {
        "office_name": office_name, "number": info.number, "service_name": info.group_name,
        "issued_at": info.issued_at.isoformat(), "waiting_ahead": info.waiting_ahead or 0,
        "priority": info.priority})
    return str(job.id)


def take_ticket(ctx: AppContext, group: str, *, priority: bool = False,
                print_ticket: bool = True) -> TicketInfo:
    """Issue the day's next number of ``group`` and queue its slip for printing.

    Ticket, event and print job are written in one transaction: a crash after it leaves a
    ticket that is issued *and* whose slip is queued (the printer worker prints it when it
    comes back); a crash before it leaves neither.
    """
    require_role(ctx, *ANY_ROLE)  # the kiosk runs under a staff sign-in
    now = ctx.now()
    day = now.astimezone(VN_TZ).date()
    with translated_errors(), ctx.database.atomic():
        office = ctx.office()
        row = find_group(ctx, group)
        if not _served(ctx, row.id):
            raise InvalidInput(_("Nhóm «{name}» chưa có quầy nào phục vụ nên không phát số được. "
                                 "Gán quầy: sadec-desk queue group edit {prefix} --counters 1,2.")
                               .format(name=row.name, prefix=row.prefix))
        ahead = ctx.database.execute_sql(_sql(
            ctx, "ahead_priority" if priority else "ahead",
            "SELECT COUNT(*) FROM ticket WHERE service_group_id = ? AND day = ? "
            "AND status IN ('waiting', 'transferred') AND target_counter_id IS NULL"
            + (" AND priority = ?" if priority else "")),
            (row.id, day.isoformat(), *((True,) if priority else ()))).fetchone()[0]
        number = _next_number(ctx, row.id, day)
        display = format_ticket_number(row.prefix, number)
        ticket_id = ctx.database.execute_sql(_sql(
            ctx, "insert_ticket",
            "INSERT INTO ticket (office_id, day, service_group_id, number, display, priority, "
            "status, issued_at, call_count, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, ?) "
            "RETURNING id"),
            (office.id, day.isoformat(), row.id, number, display, priority,
             TicketStatus.WAITING.value, _utc(now), _utc(now))).fetchone()[0]
        _event(ctx, ticket_id, "issued", note="priority" if priority else "", at=now)
        ticket = Ticket(id=ticket_id, office=office.id, day=day, service_group=row.id,
                        number=number, display=display, priority=priority,
                        status=TicketStatus.WAITING.value, issued_at=now, updated_at=now)
        info = _ticket_info(ticket, row, {}, waiting_ahead=ahead)
        if print_ticket:
            job = _enqueue_ticket_print(ctx, office.name, info)
            info = _ticket_info(ticket, row, {}, waiting_ahead=ahead, print_state="queued",
                                print_job=job)
    return info


def _today_check(ctx: AppContext, ticket: Ticket) -> None:
    today = local_day(ctx)
    if ticket.day != today:
        raise TicketFromAnotherDay(
            _("Vé {number} là vé của ngày {day}, không phải hôm nay ({today}); vé của ngày "
              "khác không gọi hay xử lý được nữa. Hãy mời công dân lấy số mới.")
            .format(number=ticket.display, day=ticket.day.strftime("%d/%m/%Y"),
                    today=today.strftime("%d/%m/%Y")))


def find_ticket(ctx: AppContext, ref: str | int, *, day: date | None = None) -> Ticket:
    """Today's ticket by number ("A012") or any ticket by id (refused if not today's)."""
    today = day or local_day(ctx)
    office = ctx.office()
    if isinstance(ref, int):  # the views keep ids; people type numbers like A012
        ticket = Ticket.get_or_none(Ticket.id == int(ref), Ticket.office == office.id)
        if ticket is None:
            raise NotFound(_("Không có vé mã {ref}.").format(ref=ref))
        if day is None:
            _today_check(ctx, ticket)
        return ticket
    prefix, number = parse_ticket_number(str(ref))
    display = None
    for group in _groups(ctx):
        if group.prefix == prefix:
            display = format_ticket_number(prefix, number)
            ticket = Ticket.get_or_none(Ticket.service_group == group.id, Ticket.day == today,
                                        Ticket.number == number)
            if ticket is not None:
                return ticket
            earlier = (Ticket.select().where(Ticket.service_group == group.id,
                                             Ticket.number == number, Ticket.day < today)
                       .order_by(Ticket.day.desc()).first())
            if earlier is not None and day is None:
                _today_check(ctx, earlier)
    if display is None:
        raise NotFound(_("Không có nhóm dịch vụ nào mang chữ {prefix}. Các nhóm: {known}.")
                       .format(prefix=prefix, known=_known_groups(ctx)))
    if day is not None:
        raise NotFound(_("Ngày {day} không có vé {number}.")
                       .format(day=today.strftime("%d/%m/%Y"), number=display))
    raise NotFound(_("Hôm nay ({day}) chưa phát vé {number}.")
                   .format(day=today.strftime("%d/%m/%Y"), number=display))


def get_ticket(ctx: AppContext, ref: str | int, *, day: date | None = None) -> TicketInfo:
    with translated_errors():
        return _load_info(ctx, find_ticket(ctx, ref, day=day).id)


def _lock_ticket(ctx: AppContext, ticket: Ticket) -> Ticket:
    if not is_sqlite(ctx.database):
        return Ticket.select().where(Ticket.id == ticket.id).for_update().get()
    return Ticket.get_by_id(ticket.id)


def _claim(ticket_id: int, expected: str, changes: dict) -> None:
    """Compare-and-set: write only if nobody changed the ticket since we read it."""
    updated = Ticket.update(changes).where(Ticket.id == ticket_id,
                                           Ticket.status == expected).execute()
    if updated != 1:
        raise TicketTaken(_("Vé vừa được một quầy khác xử lý; hãy xem lại hàng đợi rồi thử lại."))


def _lock_groups(ctx: AppContext, group_ids: list[int], day: date) -> dict[int, int]:
    """The groups' priority streaks today; on PostgreSQL also their call locks."""
    if not group_ids:
        return {}
    if not is_sqlite(ctx.database):
        (GroupCallState.insert_many([{"service_group": g, "day": day, "priority_streak": 0}
                                     for g in sorted(group_ids)])
         .on_conflict_ignore().execute())
        rows = list(GroupCallState.select()
                    .where(GroupCallState.service_group.in_(group_ids), GroupCallState.day == day)
                    .order_by(GroupCallState.service_group).for_update())
        return {r.service_group_id: r.priority_streak for r in rows}
    marks = ", ".join("?" * len(group_ids))
    cursor = ctx.database.execute_sql(_sql(
        ctx, f"streaks{len(group_ids)}", "SELECT service_group_id, priority_streak FROM "
        f"group_call_state WHERE day = ? AND service_group_id IN ({marks})"),
        (day.isoformat(), *group_ids))
    return dict(cursor.fetchall())


def _save_streak(ctx: AppContext, group_id: int, day: date, streak: int) -> None:
    ctx.database.execute_sql(_sql(
        ctx, "save_streak", "INSERT INTO group_call_state (service_group_id, day, "
        "priority_streak) VALUES (?, ?, ?) ON CONFLICT (service_group_id, day) "
        "DO UPDATE SET priority_streak = excluded.priority_streak"),
        (group_id, day.isoformat(), streak))


_CANDIDATE_COLUMNS = "id, service_group_id, priority, issued_at, status"


def _candidates(ctx: AppContext, counter: Counter, group_ids: list[int], day: date
                ) -> list[tuple[Candidate, str]]:
    """The oldest priority and oldest regular ticket of each group, and the oldest ticket
    transferred to this counter, with their statuses: all :func:`choose_next` needs,
    each an index search bounded by the day."""
    targeted_sql = (f"SELECT {_CANDIDATE_COLUMNS} FROM ticket WHERE target_counter_id = ? "
                    "AND day = ? AND status = 'transferred' ORDER BY issued_at, id LIMIT 1")
    if not is_sqlite(ctx.database):
        targeted_sql += " FOR UPDATE SKIP LOCKED"
    rows = list(Ticket.raw(_sql(ctx, "targeted", targeted_sql), counter.id, day.isoformat()))
    if rows:
        return [(Candidate(t.id, t.service_group_id, bool(t.priority), t.issued_at,
                           targeted=True), t.status) for t in rows]
    if not group_ids:
        return []
    head = (f"SELECT * FROM (SELECT {_CANDIDATE_COLUMNS} FROM ticket "
            "WHERE service_group_id = ? AND day = ? AND priority = ? "
            "AND status IN ('waiting', 'transferred') AND target_counter_id IS NULL "
            "ORDER BY issued_at, id LIMIT 1) h{n}")
    union = " UNION ALL ".join(head.format(n=n) for n in range(2 * len(group_ids)))
    params = [value for g in group_ids for p in (True, False) for value in (g, day.isoformat(), p)]
    return [(Candidate(t.id, t.service_group_id, bool(t.priority), t.issued_at), t.status)
            for t in Ticket.raw(_sql(ctx, f"heads{len(group_ids)}", union), *params)]


def _call_changes(ctx: AppContext, ticket: Ticket, counter: Counter) -> dict:
    now = ctx.now()
    changes = {Ticket.status: TicketStatus.CALLED.value, Ticket.counter: counter.id,
               Ticket.target_counter: None, Ticket.last_called_at: now,
               Ticket.call_count: Ticket.call_count + 1, Ticket.updated_at: now}
    if ticket.called_at is None:  # the first call ends the wait (statistics)
        changes[Ticket.called_at] = now
    return changes


def call_next(ctx: AppContext, counter: str | int) -> TicketInfo:
    """Call the next ticket to ``counter`` (policy: :mod:`sadec_desk.domain.queue_policy`)."""
    require_role(ctx, *COUNTER_ROLES)
    interleave = validate_interleave(ctx.config["queue.priority_interleave"])
    day = local_day(ctx)
    for _attempt in range(5):
        with translated_errors(), ctx.database.atomic():
            row = find_counter(ctx, counter)
            active = {g.id for g in _groups(ctx, active_only=True)}
            group_ids = sorted(gid for cid, gid in _links(ctx) if cid == row.id and gid in active)
            streaks = _lock_groups(ctx, group_ids, day)
            candidates = _candidates(ctx, row, group_ids, day)
            chosen = choose_next([c for c, _status in candidates], streaks, interleave)
            if chosen is None:
                groups = ", ".join(g.name for g in _groups(ctx) if g.id in group_ids) or "—"
                raise QueueEmpty(_("Không còn ai chờ ở {counter} (nhóm: {groups}).")
                                 .format(counter=row.name, groups=groups))
            status = next(st for c, st in candidates if c is chosen)
            now = _utc(ctx.now())
            claimed = ctx.database.execute_sql(_sql(
                ctx, "claim_call", "UPDATE ticket SET status = 'called', counter_id = ?, "
                "target_counter_id = NULL, last_called_at = ?, called_at = COALESCE(called_at, ?), "
                "call_count = call_count + 1, updated_at = ? WHERE id = ? AND status = ?"),
                (row.id, now, now, now, chosen.ticket_id, status)).rowcount
            if claimed != 1:
                continue  # only possible if something bypassed the locks: pick again
            if not chosen.targeted:
                _save_streak(ctx, chosen.group_id, day,
                             streak_after(streaks.get(chosen.group_id, 0), chosen))
            _event(ctx, chosen.ticket_id, "called", counter_id=row.id)
            return _load_info(ctx, chosen.ticket_id)
    raise TicketTaken(_("Nhiều quầy cùng gọi một lúc; hãy bấm gọi lại."))


def _act(ctx: AppContext, action: QueueAction, ticket_ref: str | int | None,
         counter_ref: str | int | None, *, event: str, changes_fn, note: str = "",
         event_counter: Counter | None = None) -> TicketInfo:
    require_role(ctx, *COUNTER_ROLES)
    with translated_errors(), ctx.database.atomic():
        counter = find_counter(ctx, counter_ref) if counter_ref is not None else None
        if ticket_ref is None:
            if counter is None:
                raise InvalidInput(_("Cho biết số vé hoặc quầy (--counter)."))
            ticket = current_ticket_row(ctx, counter)
        else:
            ticket = find_ticket(ctx, ticket_ref)
        ticket = _lock_ticket(ctx, ticket)
        check_action(action, ticket.status, ticket.display)
        if (counter is not None and action not in (QueueAction.CALL, QueueAction.TRANSFER)
                and ticket.counter_id not in (None, counter.id)):
            here = Counter.get_by_id(ticket.counter_id)
            raise InvalidInput(_("Vé {number} đang ở {where}, không phải {counter}.")
                               .format(number=ticket.display, where=here.name,
                                       counter=counter.name))
        changes = changes_fn(ticket, counter)
        changes.setdefault(Ticket.updated_at, ctx.now())
        _claim(ticket.id, ticket.status, changes)
        where = event_counter or counter
        _event(ctx, ticket.id, event, note=note,
               counter_id=where.id if where is not None else ticket.counter_id)
        return _load_info(ctx, ticket.id)


def current_ticket_row(ctx: AppContext, counter: Counter) -> Ticket:
    ticket = (Ticket.select().where(Ticket.counter == counter.id, Ticket.day == local_day(ctx),
                                    Ticket.status.in_([TicketStatus.CALLED.value,
                                                       TicketStatus.SERVING.value]))
              .order_by(Ticket.last_called_at.desc(), Ticket.id.desc()).first())
    if ticket is None:
        raise NotFound(_("{counter} không có vé nào đang gọi hay đang phục vụ.")
                       .format(counter=counter.name))
    return ticket


def call_ticket(ctx: AppContext, ticket: str | int, counter: str | int) -> TicketInfo:
    """Call one ticket by number: a citizen back from a hold or after being skipped."""
    if counter is None:
        raise InvalidInput(_("Gọi vé cần cho biết quầy (--counter)."))
    return _act(ctx, QueueAction.CALL, ticket, counter, event="called",
                changes_fn=lambda t, c: _call_changes(ctx, t, c))


def recall(ctx: AppContext, ticket: str | int | None = None, *,
           counter: str | int | None = None) -> TicketInfo:
    """Call the same ticket again (the citizen did not come up yet)."""
    now = ctx.now()
    return _act(ctx, QueueAction.RECALL, ticket, counter, event="recalled",
                changes_fn=lambda t, c: {Ticket.last_called_at: now,
                                         Ticket.call_count: Ticket.call_count + 1})


def serve(ctx: AppContext, ticket: str | int | None = None, *,
          counter: str | int | None = None) -> TicketInfo:
    now = ctx.now()
    return _act(ctx, QueueAction.SERVE, ticket, counter, event="serving",
                changes_fn=lambda t, c: {Ticket.status: TicketStatus.SERVING.value,
                                         Ticket.serving_at: now})


def skip(ctx: AppContext, ticket: str | int | None = None, *,
         counter: str | int | None = None) -> TicketInfo:
    """No-show: the citizen did not come after the calls."""
    now = ctx.now()
    return _act(ctx, QueueAction.SKIP, ticket, counter, event="no_show",
                changes_fn=lambda t, c: {Ticket.status: TicketStatus.NO_SHOW.value,
                                         Ticket.finished_at: now})


def hold(ctx: AppContext, ticket: str | int | None = None, *,
         counter: str | int | None = None, note: str = "") -> TicketInfo:
    """Put aside (e.g. the citizen fetches a missing paper); call it again by number later."""
    now = ctx.now()
    return _act(ctx, QueueAction.HOLD, ticket, counter, event="on_hold", note=note,
                changes_fn=lambda t, c: {Ticket.status: TicketStatus.ON_HOLD.value,
                                         Ticket.held_at: now})


def finish(ctx: AppContext, ticket: str | int | None = None, *,
           counter: str | int | None = None) -> TicketInfo:
    now = ctx.now()
    return _act(ctx, QueueAction.DONE, ticket, counter, event="done",
                changes_fn=lambda t, c: {Ticket.status: TicketStatus.DONE.value,
                                         Ticket.finished_at: now})


def transfer(ctx: AppContext, ticket: str | int | None = None, *,
             counter: str | int | None = None, to_counter: str | int | None = None,
             to_group: str | None = None, note: str = "") -> TicketInfo:
    """Send the ticket to another counter (called there first) or another group's queue
    (keeping its place by issue time)."""
    if (to_counter is None) == (to_group is None):
        raise InvalidInput(_("Chuyển vé cần đúng một nơi đến: --to-counter hoặc --to-group."))
    now = ctx.now()
    def changes(t: Ticket, c: Counter | None) -> dict:
        base = {Ticket.status: TicketStatus.TRANSFERRED.value, Ticket.transferred_at: now}
        if to_counter is not None:
            dest = find_counter(ctx, to_counter)
            if dest.id == t.counter_id and t.status in _AT_COUNTER:
                raise InvalidInput(_("Vé {number} đang ở {counter} rồi.")
                                   .format(number=t.display, counter=dest.name))
            return {**base, Ticket.target_counter: dest.id}
        group = find_group(ctx, to_group)
        if not CounterGroup.select().join(Counter).where(
                CounterGroup.service_group == group.id, Counter.active).exists():
            raise InvalidInput(_("Nhóm «{name}» chưa có quầy nào phục vụ; không chuyển được.")
                               .format(name=group.name))
        return {**base, Ticket.service_group: group.id, Ticket.target_counter: None}

    info = _act(ctx, QueueAction.TRANSFER, ticket, counter, event="transferred",
                changes_fn=changes, note=note or (f"-> {to_counter}" if to_counter is not None
                                                  else f"-> {to_group}"))
    return info


def link_dossier(ctx: AppContext, ticket: str | int, dossier: str) -> TicketInfo:
    """Record that the citizen holding ``ticket`` handed in ``dossier`` (code or UUID)."""
    text = (dossier or "").strip()
    code = find_dossier_code(text)
    with translated_errors(), ctx.database.atomic():
        row = find_ticket(ctx, ticket)
        found = Dossier.get_or_none((Dossier.code == (code or text.upper()))
                                    | (Dossier.uuid == text.lower()))
        if found is None:
            raise NotFound(_("Không tìm thấy hồ sơ «{ref}» để gắn với vé {number}.")
                           .format(ref=dossier, number=row.display))
        TicketDossier.insert(ticket=row.id, dossier=found.id, linked_at=ctx.now()
                             ).on_conflict_ignore().execute()
        _event(ctx, row.id, "linked", counter_id=row.counter_id, note=found.code)
        return _load_info(ctx, row.id)


def tickets_of_dossier(ctx: AppContext, dossier_code: str) -> list[TicketInfo]:
    with translated_errors():
        ids = [link.ticket_id for link in TicketDossier.select().join(Dossier)
               .where(Dossier.code == dossier_code)]
        return [_load_info(ctx, i) for i in ids]


# --- the board: status and calls --------------------------------------------------------


def _call_info(ctx: AppContext, event: TicketEvent, ticket_display: str, counter: Counter,
               template: str) -> CallInfo:
    return CallInfo(
        cursor=event.id, at=event.at.astimezone(VN_TZ), kind=event.kind,
        ticket=ticket_display, counter=counter.number, counter_name=counter.name,
        text=render_announcement(template, ticket_display, counter.number, counter.name),
        speech=render_announcement(template, ticket_display, counter.number, counter.name,
                                   spoken=True))


def _calls_query(office_id: int):
    return (TicketEvent.select(TicketEvent, Ticket.display, Counter)
            .join(Ticket).switch(TicketEvent).join(Counter)
            .where(TicketEvent.kind.in_(["called", "recalled"]), Ticket.office == office_id))


def calls_since(ctx: AppContext, cursor: int | None, *, limit: int = 50
                ) -> tuple[list[CallInfo], int]:
    """Calls after ``cursor`` (oldest first) and the cursor to pass next time.

    ``cursor=None`` starts from now: the board announces only calls made after it opened.
    """
    template = check_template(ctx.config["queue.announce_template"])
    with translated_errors():
        if cursor is None:
            return [], latest_cursor(ctx)
        rows = list(_calls_query(ctx.office().id).where(TicketEvent.id > cursor)
                    .order_by(TicketEvent.id).limit(limit))
        calls = [_call_info(ctx, e, e.ticket.display, e.counter, template) for e in rows]
        return calls, (calls[-1].cursor if calls else cursor)


def announcement(ctx: AppContext, ticket: TicketInfo) -> tuple[str, str]:
    """(text shown, text spoken) of the call of a ticket that is at a counter."""
    template = check_template(ctx.config["queue.announce_template"])
    if ticket.counter is None:
        raise InvalidInput(_("Vé {number} chưa được gọi đến quầy nào.")
                           .format(number=ticket.number))
    with translated_errors():
        counter = find_counter(ctx, ticket.counter, active_only=False)
    return (render_announcement(template, ticket.number, counter.number, counter.name),
            render_announcement(template, ticket.number, counter.number, counter.name,
                                spoken=True))


def latest_cursor(ctx: AppContext) -> int:
    with translated_errors():
        return TicketEvent.select(fn.MAX(TicketEvent.id)).scalar() or 0


def same_day_policy(ctx: AppContext) -> SameDayPolicyInfo:
    """"Ngày thứ Năm không hẹn" (DESIGN.md §3.2): on these weekdays eligible procedures
    are due the same day; :func:`sadec_desk.domain.calendar.due_for` applies it."""
    weekdays = tuple(sorted(ctx.calendar.settings.same_day_weekdays))
    today = ctx.now().astimezone(VN_TZ)
    procedures = tuple((r.code, r.name) for r in Procedure.select(Procedure.code, Procedure.name)
                       .where(Procedure.active, Procedure.same_day_eligible,
                              Procedure.time_limit_days > 0)
                       .order_by(Procedure.code))
    return SameDayPolicyInfo(
        weekdays=weekdays, weekday_names=tuple(weekday_name(d) for d in weekdays),
        applies_today=today.weekday() in weekdays and ctx.calendar.is_working_day(today.date()),
        procedures=procedures)


def _parse_weekdays(values: Iterable[int]) -> list[int]:
    days = sorted(set(values))
    if any(isinstance(d, bool) or not isinstance(d, int) or not 0 <= d <= 6 for d in days):
        raise InvalidInput(_("Ngày trong tuần phải là số từ 0 (thứ Hai) đến 6 (Chủ nhật)."))
    return days


def set_same_day_weekdays(ctx: AppContext, weekdays: Iterable[int]) -> SameDayPolicyInfo:
    """Save the office's "không hẹn" weekdays (config ``calendar.same_day_weekdays``)."""
    days = _parse_weekdays(weekdays)
    save_setting("calendar.same_day_weekdays", days, ctx.config.path)
    ctx.reload_config()
    return same_day_policy(ctx)


def queue_status(ctx: AppContext, *, recent: int = 5, next_count: int = 3) -> QueueStatus:
    """What the display board and the counter screens show right now."""
    template = check_template(ctx.config["queue.announce_template"])
    day = local_day(ctx)
    with translated_errors():
        office = ctx.office()
        groups = _groups(ctx, active_only=True)
        counters = _counters(ctx, active_only=True)
        links = _links(ctx)
        by_group = {g.id: g for g in groups}
        numbers = {c.id: c.number for c in counters}
        group_rows = []
        for g in groups:
            waiting = list(_waiting_query(g.id, day)
                           .select(Ticket.display, Ticket.priority, Ticket.issued_at, Ticket.id)
                           .order_by(Ticket.issued_at, Ticket.id))
            group_rows.append(GroupStatus(
                prefix=g.prefix, name=g.name, waiting=len(waiting),
                waiting_priority=sum(1 for t in waiting if t.priority),
                next_tickets=tuple(t.display for t in waiting[:next_count]),
                counters=tuple(sorted(numbers[c] for c, gid in links
                                      if gid == g.id and c in numbers))))
        counter_rows = []
        for c in counters:
            at_counter = list(Ticket.select().where(Ticket.counter == c.id, Ticket.day == day,
                                                    Ticket.status.in_(_AT_COUNTER))
                              .order_by(Ticket.last_called_at.desc(), Ticket.id.desc()))
            current = next((t for t in at_counter if t.status != TicketStatus.ON_HOLD.value),
                           None)
            now_serving = None
            if current is not None:
                group = by_group.get(current.service_group_id) or ServiceGroup.get_by_id(
                    current.service_group_id)
                now_serving = _ticket_info(current, group, numbers)
            transferred_in = (Ticket.select().where(
                Ticket.target_counter == c.id, Ticket.day == day,
                Ticket.status == TicketStatus.TRANSFERRED.value).count())
            counter_rows.append(CounterStatus(
                number=c.number, name=c.name,
                groups=tuple(sorted(by_group[gid].prefix for cid, gid in links
                                    if cid == c.id and gid in by_group)),
                now_serving=now_serving,
                on_hold=tuple(t.display for t in at_counter
                              if t.status == TicketStatus.ON_HOLD.value),
                transferred_in=transferred_in))
        # today's events belong to today's tickets, whose ids come after every earlier
        # ticket's: bounding by ticket id keeps this an index range, not a history scan
        first_today = (Ticket.select(fn.MIN(Ticket.id))
                       .where(Ticket.service_group.in_([g.id for g in _groups(ctx)]),
                              Ticket.day == day).scalar())
        calls = [] if first_today is None else list(
            _calls_query(office.id).where(TicketEvent.ticket >= first_today)
            .order_by(TicketEvent.id.desc()).limit(recent))
        recent_calls = tuple(_call_info(ctx, e, e.ticket.display, e.counter, template)
                             for e in calls)
        return QueueStatus(
            day=day, office_name=office.name, groups=tuple(group_rows),
            counters=tuple(counter_rows), recent_calls=recent_calls,
            same_day=same_day_policy(ctx),
            no_wait_today=day.weekday() in ctx.config["queue.no_wait_weekdays"])

"""The walk-in queue's tickets: take a number, call, recall, serve, no-show, hold,
transfer, done, and the link from a ticket to the dossiers it handed in.

Every change to a ticket writes the ticket row and a :class:`TicketEvent` in one
transaction. Calling is safe with several counters (processes) on one database:
on SQLite every transaction is ``BEGIN IMMEDIATE`` (one writer at a time); on
PostgreSQL a counter first locks the :class:`GroupCallState` rows of the groups
it calls from (in id order, so two counters never deadlock) and picks tickets
transferred to it with ``FOR UPDATE SKIP LOCKED``. On both, the ticket is
claimed with a compare-and-set ``UPDATE ... WHERE status = <the status read>``,
so a ticket is never handed to two counters even if the locking were bypassed.

The groups and counters are in :mod:`.setup`, the display board's data in :mod:`.board`.
"""

from __future__ import annotations

import logging
from datetime import date, datetime
from typing import TYPE_CHECKING

from sadec_desk.db.database import is_sqlite, sql_text, translated_errors
from sadec_desk.db.models import Dossier
from sadec_desk.db.queue_models import (
    Counter,
    CounterGroup,
    GroupCallState,
    ServiceGroup,
    Ticket,
    TicketDossier,
    TicketEvent,
)
from sadec_desk.domain.dossier_code import find_dossier_code
from sadec_desk.domain.queue_policy import (
    AT_COUNTER_STATUSES,
    Candidate,
    QueueAction,
    TicketStatus,
    check_action,
    choose_next,
    format_ticket_number,
    parse_ticket_number,
    status_label,
    streak_after,
    validate_interleave,
)
from sadec_desk.domain.timezone import VN_TZ
from sadec_desk.errors import InvalidInput, NotFound, UserError
from sadec_desk.i18n import _
from sadec_desk.services.access import ANY_ROLE, COUNTER_ROLES, READ_ROLES, require_role
from sadec_desk.services.printing import jobs
from sadec_desk.services.queue.records import TicketInfo
from sadec_desk.services.queue.setup import (
    counter_numbers,
    find_counter,
    find_group,
    forget_setup,
    group_by_id,
    is_served,
    known_groups,
    office_groups,
    office_links,
)

if TYPE_CHECKING:
    from sadec_desk.services.context import AppContext

log = logging.getLogger(__name__)

_WAITING = [TicketStatus.WAITING.value, TicketStatus.TRANSFERRED.value]
#: the statuses of a ticket that is at a counter (called, serving, on hold), as stored
AT_COUNTER = [s.value for s in AT_COUNTER_STATUSES]


class QueueEmpty(NotFound):
    code = "queue_empty"


class TicketFromAnotherDay(InvalidInput):
    code = "ticket_other_day"


class TicketTaken(UserError):
    """Another counter changed the ticket between our read and our write."""

    code = "ticket_taken"


def local_day(ctx: AppContext) -> date:
    """Today in the office's time zone: the day tickets are numbered and called in."""
    return ctx.now().astimezone(VN_TZ).date()


def ticket_info(ticket: Ticket, group: ServiceGroup, numbers: dict[int, int], *,
                dossiers: tuple[str, ...] = (), **extra) -> TicketInfo:
    def local(moment):
        return moment.astimezone(VN_TZ) if moment is not None else None

    return TicketInfo(
        id=ticket.id, day=ticket.day, number=ticket.display, sequence=ticket.number,
        group_prefix=group.prefix, group_name=group.name, priority=ticket.priority,
        status=ticket.status, status_label=status_label(ticket.status),
        counter=numbers.get(ticket.counter_id) if ticket.counter_id is not None else None,
        target_counter=(numbers.get(ticket.target_counter_id)
                        if ticket.target_counter_id is not None else None),
        issued_at=local(ticket.issued_at), called_at=local(ticket.called_at),
        last_called_at=local(ticket.last_called_at), call_count=ticket.call_count,
        serving_at=local(ticket.serving_at), finished_at=local(ticket.finished_at),
        dossiers=dossiers, **extra)


# The calls below run for every ticket taken and every call made: plain SQL built once
# (db/database.py sql_text).
def _sql(ctx: AppContext, name: str, text: str) -> str:
    return sql_text(ctx.database, "queue." + name, text)


def _load_info(ctx: AppContext, ticket_id: int, **extra) -> TicketInfo:
    ticket = next(iter(Ticket.raw(_sql(ctx, "ticket", "SELECT * FROM ticket WHERE id = ?"),
                                  ticket_id)))
    codes = tuple(row[0] for row in ctx.database.execute_sql(_sql(
        ctx, "ticket_dossiers", "SELECT d.code FROM ticket_dossier td JOIN dossier d "
        "ON d.id = td.dossier_id WHERE td.ticket_id = ? ORDER BY td.id"), (ticket_id,)))
    numbers = counter_numbers(ctx)
    if any(c is not None and c not in numbers
           for c in (ticket.counter_id, ticket.target_counter_id)):
        forget_setup(ctx)
        numbers = counter_numbers(ctx)
    return ticket_info(ticket, group_by_id(ctx, ticket.service_group_id), numbers,
                       dossiers=codes, **extra)


def _event(ctx: AppContext, ticket_id: int, kind: str, *, counter_id: int | None = None,
           note: str = "", at: datetime | None = None) -> None:
    ctx.database.execute_sql(_sql(
        ctx, "event", "INSERT INTO ticket_event (ticket_id, at, kind, counter_id, actor, note) "
        "VALUES (?, ?, ?, ?, ?, ?)"),
        (ticket_id, _utc(at or ctx.now()), kind, counter_id, ctx.actor, note))


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


def waiting_query(group_id: int, day: date):
    """The group's tickets of ``day`` still waiting in its own queue (not sent to a counter)."""
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
        if not is_served(ctx, row.id):
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
            "INSERT INTO ticket (office_id, day, service_group_id, issued_group_id, number, "
            "display, priority, status, issued_at, call_count, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?) RETURNING id"),
            (office.id, day.isoformat(), row.id, row.id, number, display, priority,
             TicketStatus.WAITING.value, _utc(now), _utc(now))).fetchone()[0]
        _event(ctx, ticket_id, "issued", note="priority" if priority else "", at=now)
        ticket = Ticket(id=ticket_id, office=office.id, day=day, service_group=row.id,
                        issued_group=row.id, number=number, display=display, priority=priority,
                        status=TicketStatus.WAITING.value, issued_at=now, updated_at=now)
        info = ticket_info(ticket, row, {}, waiting_ahead=ahead)
        if print_ticket:
            job = _enqueue_ticket_print(ctx, office.name, info)
            info = ticket_info(ticket, row, {}, waiting_ahead=ahead, print_state="queued",
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
    require_role(ctx, *READ_ROLES)
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
    for group in office_groups(ctx):
        if group.prefix == prefix:
            display = format_ticket_number(prefix, number)
            # by the group that issued the number: the ticket may wait in another now
            ticket = Ticket.get_or_none(Ticket.issued_group == group.id, Ticket.day == today,
                                        Ticket.number == number)
            if ticket is not None:
                return ticket
            earlier = (Ticket.select().where(Ticket.issued_group == group.id,
                                             Ticket.number == number, Ticket.day < today)
                       .order_by(Ticket.day.desc()).first())
            if earlier is not None and day is None:
                _today_check(ctx, earlier)
    if display is None:
        raise NotFound(_("Không có nhóm dịch vụ nào mang chữ {prefix}. Các nhóm: {known}.")
                       .format(prefix=prefix, known=known_groups(ctx)))
    if day is not None:
        raise NotFound(_("Ngày {day} không có vé {number}.")
                       .format(day=today.strftime("%d/%m/%Y"), number=display))
    raise NotFound(_("Hôm nay ({day}) chưa phát vé {number}.")
                   .format(day=today.strftime("%d/%m/%Y"), number=display))


def get_ticket(ctx: AppContext, ref: str | int, *, day: date | None = None) -> TicketInfo:
    require_role(ctx, *READ_ROLES)
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
            active = {g.id for g in office_groups(ctx, active_only=True)}
            group_ids = sorted(gid for cid, gid in office_links(ctx)
                               if cid == row.id and gid in active)
            streaks = _lock_groups(ctx, group_ids, day)
            candidates = _candidates(ctx, row, group_ids, day)
            chosen = choose_next([c for c, _status in candidates], streaks, interleave)
            if chosen is None:
                groups = ", ".join(g.name for g in office_groups(ctx) if g.id in group_ids) or "—"
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
    require_role(ctx, *READ_ROLES)
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
    require_role(ctx, *COUNTER_ROLES)
    if counter is None:
        raise InvalidInput(_("Gọi vé cần cho biết quầy (--counter)."))
    return _act(ctx, QueueAction.CALL, ticket, counter, event="called",
                changes_fn=lambda t, c: _call_changes(ctx, t, c))


def recall(ctx: AppContext, ticket: str | int | None = None, *,
           counter: str | int | None = None) -> TicketInfo:
    """Call the same ticket again (the citizen did not come up yet)."""
    require_role(ctx, *COUNTER_ROLES)
    now = ctx.now()
    return _act(ctx, QueueAction.RECALL, ticket, counter, event="recalled",
                changes_fn=lambda t, c: {Ticket.last_called_at: now,
                                         Ticket.call_count: Ticket.call_count + 1})


def serve(ctx: AppContext, ticket: str | int | None = None, *,
          counter: str | int | None = None) -> TicketInfo:
    require_role(ctx, *COUNTER_ROLES)
    now = ctx.now()
    return _act(ctx, QueueAction.SERVE, ticket, counter, event="serving",
                changes_fn=lambda t, c: {Ticket.status: TicketStatus.SERVING.value,
                                         Ticket.serving_at: now})


def skip(ctx: AppContext, ticket: str | int | None = None, *,
         counter: str | int | None = None) -> TicketInfo:
    """No-show: the citizen did not come after the calls."""
    require_role(ctx, *COUNTER_ROLES)
    now = ctx.now()
    return _act(ctx, QueueAction.SKIP, ticket, counter, event="no_show",
                changes_fn=lambda t, c: {Ticket.status: TicketStatus.NO_SHOW.value,
                                         Ticket.finished_at: now})


def hold(ctx: AppContext, ticket: str | int | None = None, *,
         counter: str | int | None = None, note: str = "") -> TicketInfo:
    """Put aside (e.g. the citizen fetches a missing paper); call it again by number later."""
    require_role(ctx, *COUNTER_ROLES)
    now = ctx.now()
    return _act(ctx, QueueAction.HOLD, ticket, counter, event="on_hold", note=note,
                changes_fn=lambda t, c: {Ticket.status: TicketStatus.ON_HOLD.value,
                                         Ticket.held_at: now})


def finish(ctx: AppContext, ticket: str | int | None = None, *,
           counter: str | int | None = None) -> TicketInfo:
    require_role(ctx, *COUNTER_ROLES)
    now = ctx.now()
    return _act(ctx, QueueAction.DONE, ticket, counter, event="done",
                changes_fn=lambda t, c: {Ticket.status: TicketStatus.DONE.value,
                                         Ticket.finished_at: now})


def transfer(ctx: AppContext, ticket: str | int | None = None, *,
             counter: str | int | None = None, to_counter: str | int | None = None,
             to_group: str | None = None, note: str = "") -> TicketInfo:
    """Send the ticket to another counter (called there first) or another group's queue
    (keeping its place by issue time)."""
    require_role(ctx, *COUNTER_ROLES)
    if (to_counter is None) == (to_group is None):
        raise InvalidInput(_("Chuyển vé cần đúng một nơi đến: --to-counter hoặc --to-group."))
    now = ctx.now()
    def changes(t: Ticket, c: Counter | None) -> dict:
        base = {Ticket.status: TicketStatus.TRANSFERRED.value, Ticket.transferred_at: now}
        if to_counter is not None:
            dest = find_counter(ctx, to_counter)
            if dest.id == t.counter_id and t.status in AT_COUNTER:
                raise InvalidInput(_("Vé {number} đang ở {counter} rồi.")
                                   .format(number=t.display, counter=dest.name))
            return {**base, Ticket.target_counter: dest.id}
        assert to_group is not None  # exactly one destination (checked above)
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
    require_role(ctx, *COUNTER_ROLES)
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
    require_role(ctx, *READ_ROLES)
    with translated_errors():
        ids = [link.ticket_id for link in TicketDossier.select().join(Dossier)
               .where(Dossier.code == dossier_code)]
        return [_load_info(ctx, i) for i in ids]


"""The display board's data: the queue's state right now and the calls to announce.

The board and the counter screens poll :func:`queue_status`; the board (and
``sadec-desk queue announce``) follows :func:`calls_since` with a cursor, the id of the
last call event it has seen.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from peewee import fn

from sadec_desk.db.database import translated_errors
from sadec_desk.db.queue_models import Counter, ServiceGroup, Ticket, TicketEvent
from sadec_desk.domain.queue_policy import TicketStatus, check_template, render_announcement
from sadec_desk.domain.timezone import VN_TZ
from sadec_desk.errors import InvalidInput
from sadec_desk.i18n import _
from sadec_desk.services.access import ANY_ROLE, require_role
from sadec_desk.services.queue.records import (
    CallInfo,
    CounterStatus,
    GroupStatus,
    QueueStatus,
    TicketInfo,
)
from sadec_desk.services.queue.setup import (
    find_counter,
    office_counters,
    office_groups,
    office_links,
    same_day_policy,
)
from sadec_desk.services.queue.tickets import AT_COUNTER, local_day, ticket_info, waiting_query

if TYPE_CHECKING:
    from sadec_desk.services.context import AppContext


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
    require_role(ctx, *ANY_ROLE)
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
    require_role(ctx, *ANY_ROLE)
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
    require_role(ctx, *ANY_ROLE)
    with translated_errors():
        return TicketEvent.select(fn.MAX(TicketEvent.id)).scalar() or 0


def queue_status(ctx: AppContext, *, recent: int = 5, next_count: int = 3) -> QueueStatus:
    """What the display board and the counter screens show right now."""
    require_role(ctx, *ANY_ROLE)
    template = check_template(ctx.config["queue.announce_template"])
    day = local_day(ctx)
    with translated_errors():
        office = ctx.office()
        groups = office_groups(ctx, active_only=True)
        counters = office_counters(ctx, active_only=True)
        links = office_links(ctx)
        by_group = {g.id: g for g in groups}
        numbers = {c.id: c.number for c in counters}
        group_rows = []
        for g in groups:
            waiting = list(waiting_query(g.id, day)
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
                                                    Ticket.status.in_(AT_COUNTER))
                              .order_by(Ticket.last_called_at.desc(), Ticket.id.desc()))
            current = next((t for t in at_counter if t.status != TicketStatus.ON_HOLD.value),
                           None)
            now_serving = None
            if current is not None:
                group = by_group.get(current.service_group_id) or ServiceGroup.get_by_id(
                    current.service_group_id)
                now_serving = ticket_info(current, group, numbers)
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
                       .where(Ticket.service_group.in_([g.id for g in office_groups(ctx)]),
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

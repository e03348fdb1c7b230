"""The end of a queue day: tickets nobody served by the end of their day are closed as
``expired`` at the first start of the next day (issue #18), so yesterday's tickets never
wait for ever, never get called today, and count in the statistics as what they were.

Numbering restarts every day (tickets belong to their local day), so an old ticket only
needs closing; each gets an ``expired`` event for its history.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sadec_desk.db.database import translated_errors
from sadec_desk.db.queue_models import Ticket, TicketEvent
from sadec_desk.domain.queue_policy import OPEN_STATUSES, TicketStatus
from sadec_desk.domain.timezone import VN_TZ
from sadec_desk.services.access import ANY_ROLE, require_role

if TYPE_CHECKING:
    from sadec_desk.services.context import AppContext

_OPEN = [s.value for s in OPEN_STATUSES]


def close_past_days(ctx: AppContext) -> int:
    """Close the open tickets of days before today as expired; returns how many. A read
    first: on every start but the first of a day nothing is written (no write lock)."""
    require_role(ctx, *ANY_ROLE)
    now = ctx.now()
    today = now.astimezone(VN_TZ).date()
    past_open = Ticket.select(Ticket.id).where(Ticket.day < today, Ticket.status.in_(_OPEN))
    with translated_errors():
        if not past_open.exists():
            return 0
        with ctx.database.atomic():
            # the status condition again inside the write: only what is still open expires
            closed = [row.id for row in
                      Ticket.update(status=TicketStatus.EXPIRED.value, finished_at=now,
                                    updated_at=now)
                      .where(Ticket.day < today, Ticket.status.in_(_OPEN))
                      .returning(Ticket.id).execute()]
            if closed:
                TicketEvent.insert_many(
                    [{"ticket": i, "at": now, "kind": TicketStatus.EXPIRED.value,
                      "actor": "", "note": ""} for i in closed]).execute()
    return len(closed)

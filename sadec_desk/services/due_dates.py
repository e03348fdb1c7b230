"""Due dates for the counter and the CLI."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sadec_desk.domain.deadlines import due_for
from sadec_desk.domain.timezone import VN_TZ
from sadec_desk.services.catalogue import active_procedure
from sadec_desk.services.records import DueInfo

if TYPE_CHECKING:
    from sadec_desk.services.context import AppContext


def due_date(ctx: AppContext, procedure_code: str, received_at: datetime, *,
             needs_verification: bool = False) -> DueInfo:
    _row, procedure = active_procedure(ctx, procedure_code)
    due = due_for(procedure, received_at, ctx.calendar, needs_verification=needs_verification)
    return DueInfo(procedure_code=procedure.code, received_at=received_at.astimezone(VN_TZ),
                   counted_from=due.start_at, due_at=due.due_at, same_day=due.same_day,
                   same_day_policy=due.policy_applied)

"""The due date of a procedure received at the desk (docs/design.md §3.2).

When the time limit starts counting (the cut-off hour, days off), how many working days a
procedure takes (with or without verification) and the office's "Ngày thứ Năm không hẹn"
policy, counted on the office's :class:`~sadec_desk.domain.calendar.WorkingCalendar`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from sadec_desk.domain.calendar import WorkingCalendar, weekday_name
from sadec_desk.domain.catalogue import Procedure
from sadec_desk.domain.timezone import VN_TZ, to_local
from sadec_desk.i18n import _


@dataclass(frozen=True)
class DueDate:
    """When a result is due, and why (for the Mẫu 01 receipt)."""

    due_at: datetime
    start_at: datetime
    same_day: bool
    policy_applied: bool

    @property
    def note(self) -> str:
        """E.g. "Trả trong ngày (Ngày thứ Năm không hẹn)"; empty for an ordinary appointment."""
        if self.policy_applied:
            policy = _("Ngày {weekday} không hẹn").format(
                weekday=weekday_name(self.start_at.weekday())
            )
            return _("Trả trong ngày ({policy})").format(policy=policy)
        if self.same_day:
            return _("Trả trong ngày")
        return ""


def _at(day: date, t: time) -> datetime:
    return datetime.combine(day, t, tzinfo=VN_TZ)


def effective_start(received_at: datetime, calendar: WorkingCalendar) -> datetime:
    """The moment the time limit starts counting (Luật Hộ tịch 2014 Art. 9; NĐ 61/2018
    Art. 18(2); NĐ 23/2015 Art. 7).

    Received on a working day up to the cut-off: that moment (or the opening time when it
    came in before opening, e.g. at a 24/7 kiosk).  After the cut-off, or on a day off:
    the opening time of the next working day.
    """
    s = calendar.settings
    local = to_local(received_at, what=_("tiếp nhận"))
    day = local.date()
    # "after 15:00" (sau 15 giờ): exactly 15:00:00 is still in time.
    if calendar.is_working_day(day) and local.timetz().replace(tzinfo=None) <= s.cutoff:
        return max(local, _at(day, s.opening))
    return _at(calendar.next_working_day(day), s.opening)


def due_for(
    procedure: Procedure,
    received_at: datetime,
    calendar: WorkingCalendar,
    *,
    needs_verification: bool = False,
) -> DueDate:
    """The due moment of a dossier with the reason a receipt needs to print."""
    s = calendar.settings
    start = effective_start(received_at, calendar)
    limit = procedure.time_limit(needs_verification=needs_verification)
    # "Ngày thứ Năm không hẹn": on the office's policy weekdays eligible procedures are
    # returned the same day; a case that needs verification cannot be.
    policy = (
        limit > 0
        and procedure.same_day_eligible
        and not needs_verification
        and start.weekday() in s.same_day_weekdays
    )
    if limit == 0 or policy:
        return DueDate(
            due_at=_at(start.date(), s.closing),
            start_at=start,
            same_day=True,
            policy_applied=policy,
        )
    due_day = calendar.add_working_days(start.date(), limit)
    start_time = start.timetz().replace(tzinfo=None)
    due_time = min(max(start_time, s.opening), s.closing)
    if due_time == s.opening:
        # Counted from the opening (received after the cut-off, on a day off or before
        # opening), N working days end at the next opening: "07:30" on the receipt, while
        # a same-day result reads "17:00". Both are the same working time; the close of the
        # working day before is the one the citizen reads the same way ("by the end of a
        # working day"), so every appointment counted from an opening ends at a closing:
        # with or without "Cần xác minh" (the extra days of Luật Hộ tịch 2014 Art. 18(2),
        # 33(2)) the receipt reads 17:00, N whole working days (issue #17).
        due_day, due_time = calendar.previous_working_day(due_day), s.closing
    return DueDate(
        due_at=_at(due_day, due_time), start_at=start, same_day=False, policy_applied=False
    )


def compute_due(
    procedure: Procedure,
    received_at: datetime,
    calendar: WorkingCalendar,
    *,
    needs_verification: bool = False,
) -> datetime:
    """The aware local (Asia/Ho_Chi_Minh) moment the result is due."""
    return due_for(
        procedure, received_at, calendar, needs_verification=needs_verification
    ).due_at

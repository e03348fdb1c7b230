"""Plain records of the reports (never ORM rows)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sadec_desk.services.queue.records import StatsRow


@dataclass(frozen=True)
class Period:
    date_from: date  # first local day, inclusive
    date_to: date  # last local day, inclusive
    start: datetime  # aware, local midnight of date_from
    end: datetime  # aware, local midnight after date_to (exclusive)


@dataclass(frozen=True)
class DeadlineCounts:
    """Dossiers whose result was produced (done/returned) in the period, by deadline state
    against the ORIGINAL due time (docs/reports.md)."""

    resolved: int
    early: int
    on_time: int
    late: int
    on_time_rate: float | None  # (early + on_time) / resolved
    rescheduled: int  # resolved dossiers that had an apology slip (Mẫu 04)
    rescheduled_met_new_due: int  # of those, finished by their new due time


@dataclass(frozen=True)
class ProcedureLine:
    code: str
    name: str
    received: int
    by_channel: tuple[tuple[str, int], ...]  # (channel, count) for every channel
    deadline: DeadlineCounts


@dataclass(frozen=True)
class SummaryReport:
    period: Period
    generated_at: datetime
    received: int
    by_channel: tuple[tuple[str, int], ...]
    online_share: float | None  # dossiers received online / all received
    procedures: tuple[ProcedureLine, ...]
    deadline: DeadlineCounts
    refused: int
    withdrawn: int
    overdue_now: int
    due_soon: int


@dataclass(frozen=True)
class OverdueItem:
    code: str
    procedure_code: str
    procedure_name: str
    status: str
    status_label: str
    channel: str
    received_at: datetime
    due_at: datetime
    original_due_at: datetime
    rescheduled: bool
    working_days_late: int  # working days past the due day (0 = due today, already past)
    received_by: str


@dataclass(frozen=True)
class OverdueReport:
    now: datetime
    due_soon_until: datetime  # end of the 2nd working day after today
    overdue: tuple[OverdueItem, ...]
    due_soon: tuple[OverdueItem, ...]


@dataclass(frozen=True)
class WeekdayLine:
    weekday: int  # 0 = Monday
    label: str
    days: int  # days of that weekday with at least one ticket
    no_wait_day: bool  # the office promises no waiting on this weekday
    stats: StatsRow


@dataclass(frozen=True)
class QueueReport:
    period: Period
    promise_minutes: int
    total: StatsRow
    weekdays: tuple[WeekdayLine, ...]
    groups: tuple[StatsRow, ...]


@dataclass(frozen=True)
class SatisfactionLine:
    level: str
    label: str
    count: int
    share: float | None


@dataclass(frozen=True)
class SatisfactionReport:
    period: Period
    total: int
    levels: tuple[SatisfactionLine, ...]
    satisfied_share: float | None  # (very satisfied + satisfied) / total
    by_channel: tuple[tuple[str, int], ...]  # where the ratings came from (kiosk, counter)

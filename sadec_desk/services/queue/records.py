"""Plain records of the walk-in queue that services hand to the CLI and the views."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sadec_desk.domain.queue_policy import Durations


@dataclass(frozen=True)
class ServiceGroupInfo:
    id: int
    prefix: str
    name: str
    procedure_codes: tuple[str, ...]
    counters: tuple[int, ...]  # numbers of the counters that serve the group
    position: int
    active: bool


@dataclass(frozen=True)
class CounterInfo:
    id: int
    number: int
    name: str
    groups: tuple[str, ...]  # prefixes of the groups it serves
    active: bool


@dataclass(frozen=True)
class TicketInfo:
    id: int
    day: date
    number: str  # "A012"
    sequence: int
    group_prefix: str
    group_name: str
    priority: bool
    status: str
    status_label: str
    counter: int | None  # number of the counter it is (or was last) at
    target_counter: int | None
    issued_at: datetime
    called_at: datetime | None = None
    last_called_at: datetime | None = None
    call_count: int = 0
    serving_at: datetime | None = None
    finished_at: datetime | None = None
    dossiers: tuple[str, ...] = ()
    waiting_ahead: int | None = None
    #: printing of a new ticket: "queued" | "unavailable" | "not_requested"
    print_state: str = "not_requested"
    print_job: str | None = None


@dataclass(frozen=True)
class CallInfo:
    """One call for the board and the voice: ``cursor`` orders them."""

    cursor: int
    at: datetime
    kind: str  # called | recalled
    ticket: str
    counter: int
    counter_name: str
    text: str  # as shown
    speech: str  # as spoken (digits one by one)


@dataclass(frozen=True)
class GroupStatus:
    prefix: str
    name: str
    waiting: int
    waiting_priority: int
    next_tickets: tuple[str, ...]
    counters: tuple[int, ...]


@dataclass(frozen=True)
class CounterStatus:
    number: int
    name: str
    groups: tuple[str, ...]
    now_serving: TicketInfo | None
    on_hold: tuple[str, ...]
    transferred_in: int  # tickets transferred to this counter, waiting


@dataclass(frozen=True)
class SameDayPolicyInfo:
    """"Ngày thứ Năm không hẹn": the weekdays and the procedures it covers."""

    weekdays: tuple[int, ...]
    weekday_names: tuple[str, ...]
    applies_today: bool
    procedures: tuple[tuple[str, str], ...]  # (code, name) of the eligible procedures


@dataclass(frozen=True)
class QueueStatus:
    day: date
    office_name: str
    groups: tuple[GroupStatus, ...]
    counters: tuple[CounterStatus, ...]
    recent_calls: tuple[CallInfo, ...]
    same_day: SameDayPolicyInfo
    no_wait_today: bool


@dataclass(frozen=True)
class StatsRow:
    key: str  # "all", a group prefix or a counter number
    label: str
    issued: int
    called: int
    served: int
    no_shows: int
    still_waiting: int
    waiting: Durations  # issue -> first call, seconds
    service: Durations  # first call -> done, seconds
    over_promise: int  # tickets waiting longer than the promise (called late or never)
    over_promise_share: float | None
    expired: int = 0  # not served by the end of their day (closed the next morning)


@dataclass(frozen=True)
class QueueStats:
    day: date
    promise_minutes: int
    no_wait_day: bool
    total: StatsRow
    groups: tuple[StatsRow, ...]
    counters: tuple[StatsRow, ...]

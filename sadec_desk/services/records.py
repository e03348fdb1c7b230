"""Plain records that services hand to the CLI and the views (never ORM rows)."""

from __future__ import annotations

import dataclasses
import enum
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any


@dataclass(frozen=True)
class OfficeInfo:
    agency_code: str
    name: str
    province: str
    database: str  # where the data lives, for the IT officer


@dataclass(frozen=True)
class PaperInfo:
    name: str
    kind: str
    count: int


@dataclass(frozen=True)
class ProcedureInfo:
    code: str
    name: str
    field_name: str
    version: int
    time_limit_days: int
    verification_extra_days: int
    same_day_eligible: bool
    fee_kind: str
    fee_amount_vnd: int
    fee_text: str
    papers: tuple[PaperInfo, ...]
    legal_basis: str


@dataclass(frozen=True)
class CitizenInfo:
    id_number: str
    full_name: str
    date_of_birth: date | None
    gender: str
    address: str
    old_id_number: str | None = None
    issue_date: date | None = None
    phone: str = ""


@dataclass(frozen=True)
class DueInfo:
    procedure_code: str
    received_at: datetime
    counted_from: datetime
    due_at: datetime
    same_day: bool
    same_day_policy: bool  # due today because of a "Ngày … không hẹn" weekday


#: the history event of an IT officer settling a refused sync operation
#: (sync/conflicts.dismiss_rejected): an office matter, not a step in handling the dossier
SYNC_DISMISSED_EVENT = "sync_dismissed"


@dataclass(frozen=True)
class EventInfo:
    at: datetime
    actor: str
    kind: str
    from_status: str | None
    to_status: str | None
    note: str
    #: the actor as recorded (a username since #18; ``actor`` is what to show: the full name)
    username: str = ""


@dataclass(frozen=True)
class DossierInfo:
    code: str
    uuid: str
    procedure_code: str
    procedure_name: str
    status: str
    status_label: str
    channel: str
    received_at: datetime
    due_at: datetime
    finished_at: datetime | None
    deadline_state: str
    fee_vnd: int
    pages: int
    copies: int
    phone: str
    received_by: str
    sync_state: str
    citizen: CitizenInfo
    papers: tuple[PaperInfo, ...] = ()
    events: tuple[EventInfo, ...] = ()
    result_delivery: str = "office"  # office | post: how the citizen wants the result


@dataclass(frozen=True)
class ScanResult:
    """What a scanned QR turned out to be."""

    kind: str  # "cccd" | "receipt" | "other"
    text: str
    decoder: str
    citizen: CitizenInfo | None = None
    dossier_code: str | None = None


def to_jsonable(value: Any) -> Any:
    """Records to JSON-ready values: ISO dates, enums by value, tuples as lists."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    return value

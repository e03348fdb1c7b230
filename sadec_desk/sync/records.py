"""Plain records the sync services hand to the CLI and the views."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class SyncStatus:
    online: bool  # a portal is configured
    adapter: str
    portal_url: str
    enrolled: bool
    pending: int  # outbox operations waiting to be sent
    held: int  # operations held with a conflicting or rejected dossier
    conflicts: int
    rejected: int
    oldest_pending_at: datetime | None
    oldest_pending_age_seconds: int | None
    next_try_at: datetime | None  # backing off after a failure until then
    last_success_at: datetime | None
    last_error: str
    last_error_at: datetime | None
    cursor: int
    # scanned pages of dossiers still to be sent that the portal does not hold yet
    pages_waiting: int = 0
    pages_waiting_bytes: int = 0
    # changes from the portal set aside because they could not be applied here
    quarantined: int = 0


@dataclass(frozen=True)
class SyncReport:
    pushed: int  # applied at the portal
    duplicates: int  # the portal had them already (an earlier answer was lost)
    conflicts: int
    rejected: int
    pulled: int  # portal changes applied here
    new_dossiers: int  # online dossiers that came down
    procedures_updated: int
    cursor: int
    error: str = ""  # why the run stopped early; rows are kept for the next run
    skipped: str = ""  # why nothing was tried (offline, backing off, not enrolled)
    pages_uploaded: int = 0  # scanned pages sent to the portal (whole or the rest of them)
    page_bytes_sent: int = 0
    pages_downloaded: int = 0  # page files of online dossiers fetched from the portal
    page_bytes_received: int = 0
    quarantined: int = 0  # portal changes set aside this run (sync conflicts lists them)


@dataclass(frozen=True)
class ConflictInfo:
    dossier_uuid: str
    code: str
    state: str  # conflict | rejected
    message: str
    local_status: str  # a DossierStatus value (the CLI's JSON, scripts)
    portal_status: str | None
    portal_version: int | None
    pending_operations: int
    detected_at: datetime | None
    # what a clerk reads (the IT tab): Vietnamese words, never the codes above
    state_label: str  # "xung đột" | "bị từ chối"
    local_status_label: str  # "Hủy do nhập nhầm" for voided
    portal_status_label: str  # "—" when the portal sent no copy


@dataclass(frozen=True)
class QuarantinedInfo:
    """A change from the portal set aside because it could not be applied here."""

    id: int  # what ``sync quarantine apply|dismiss`` and the IT tab name it by
    seq: int | None  # its place in the portal's feed
    dossier_uuid: str
    code: str  # the dossier code it names, "" when it names none readable
    reason: str
    received_at: datetime
    state: str  # open | applied | dismissed
    settled_at: datetime | None
    settled_by: str
    note: str


@dataclass(frozen=True)
class DismissedInfo:
    """A refused dossier the IT officer settled (``sync dismiss``, the IT tab)."""

    code: str
    dossier_uuid: str
    discarded_operations: int  # held operations that will not be sent
    reason: str
    dismissed_by: str
    dismissed_at: datetime
    refusal: str  # what the gateway or portal had said

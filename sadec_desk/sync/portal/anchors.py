"""The portal as a second anchor of each office's audit trail, and of its dossier numbers.

Issue #14 item 8: an office keeps a hash-chained trail of its dossier events
(services/audit.py) and seals its head outside the database, but whoever holds that machine
can rewrite both. When the office syncs, it also tells the portal its chain head (sequence,
hash); the portal keeps, per office, the newest head it has acknowledged and answers it
back. ``audit verify`` then checks that the office's chain still holds that event with that
hash: newest events deleted, or the end of the chain rewritten, after a sync are caught by a
record the office cannot reach.

The rules, so that the record cannot be moved by the office to cover a rewrite:

* it only moves forward, and only along the chain it acknowledged: a new head must come
  with the hash the office's chain has at the acknowledged sequence (``base_seq``,
  ``base_hash``); a chain that no longer holds it is refused (409) and the record stays;
* a restore of a backup legitimately ends the chain earlier: the office says so
  (``restore: true``) and the portal moves the record back, but keeps the restore in the
  office's history (``restores``), which ``audit verify`` names unless the office's own
  sealed records hold the same restore;
* a device reads and moves its own office's record only (the device's agency, fixed at
  enrolment): another office's is never named in a request.

Issue #18 item 5: the answer also carries, per day, the highest dossier number the portal
holds under the office's agency code (``issued``), so that a restored backup (or a new
computer) never issues a code again that the portal already has.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

import peewee

from sadec_desk.db.models import UtcDateTimeField
from sadec_desk.domain.dossier_code import parse_dossier_code
from sadec_desk.domain.timezone import VN_TZ
from sadec_desk.errors import UserError
from sadec_desk.sync.portal.models import PortalDossier, PortalModel, utcnow

GENESIS = "0" * 64
MAX_SEQ = 2 ** 63 - 1
#: days back (from today, Vietnam time) whose highest dossier number the answer carries: a
#: restore rewinds the counters of the days after its backup, and receipts can be dated back
ISSUED_DAYS = 400
#: restores the answer lists, newest first
MAX_RESTORES = 20
_HASH = re.compile(r"[0-9a-f]{64}")


class OfficeAnchor(PortalModel):
    """Every head the portal acknowledged for an office, oldest first; the office's current
    anchor is its newest row. ``kind`` is ``sync`` (the chain went forward from the previous
    row) or ``restore`` (the office restored a backup: ``from_*`` is where it stood)."""

    agency = peewee.CharField()
    seq = peewee.BigIntegerField()
    hash = peewee.CharField()
    kind = peewee.CharField(default="sync")
    from_seq = peewee.BigIntegerField(default=0)
    from_hash = peewee.CharField(default="")
    device_id = peewee.CharField()
    at = UtcDateTimeField()

    class Meta:
        table_name = "office_anchor"
        indexes = ((("agency", "id"), False),)


def create_tables(database: peewee.Database) -> None:
    """The table beside the portal's others (on every start; nothing when it is there)."""
    was_closed = database.is_closed()
    database.connect(reuse_if_open=True)
    try:
        database.create_tables([OfficeAnchor], safe=True)
    finally:
        if was_closed:
            database.close()


def _current(agency: str) -> OfficeAnchor | None:
    return (OfficeAnchor.select().where(OfficeAnchor.agency == agency)
            .order_by(OfficeAnchor.id.desc()).first())


def highest_numbers(agency: str, since: date) -> dict[str, int]:
    """``{"YYYY-MM-DD": highest number}`` of the dossier codes the portal holds under
    ``agency`` for the days from ``since`` (the office's own and its online dossiers)."""
    found: dict[str, int] = {}
    # a prefix, not a range of codes: PostgreSQL's collation may order the '.' and '-' of
    # codes unlike bytes do. The dossiers last changed before ``since`` cannot hold a code of
    # a later day (a code's day is its receipt's; one day's margin for a counter's clock)
    query = (PortalDossier.select(PortalDossier.code)
             .where(PortalDossier.code.startswith(f"{agency}-"),
                    PortalDossier.updated_at >= datetime.combine(
                        since - timedelta(days=1), time(0), tzinfo=VN_TZ))
             .tuples())
    for (code,) in query.iterator():
        try:
            parts = parse_dossier_code(code)
        except UserError:
            continue
        if parts.agency_code != agency or parts.day < since:
            continue
        day = parts.day.isoformat()
        found[day] = max(found.get(day, 0), parts.seq)
    return dict(sorted(found.items()))


def office_state(agency: str) -> dict:
    """What the portal holds for office ``agency`` (the answer of GET and POST /v1/anchor)."""
    current = _current(agency)
    restores = (OfficeAnchor.select().where(OfficeAnchor.agency == agency,
                                            OfficeAnchor.kind == "restore")
                .order_by(OfficeAnchor.id.desc()).limit(MAX_RESTORES))
    today = utcnow().astimezone(VN_TZ).date()
    return {
        "agency": agency,
        "seq": current.seq if current else 0,
        "hash": current.hash if current else GENESIS,
        "acknowledged_at": current.at.isoformat() if current else "",
        "restores": [{"at": r.at.isoformat(), "from_seq": r.from_seq, "from_hash": r.from_hash,
                      "to_seq": r.seq, "to_hash": r.hash} for r in restores],
        "issued": highest_numbers(agency, today - timedelta(days=ISSUED_DAYS)),
    }


def _seq_of(data: dict, name: str) -> int | None:
    value = data.get(name, 0)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_SEQ:
        return None
    return value


def body_problem(data: dict) -> str:
    """Why a POST /v1/anchor body does not fit the document ("" when it does)."""
    unknown = set(data) - {"seq", "hash", "base_seq", "base_hash", "restore"}
    if unknown:
        return f"unknown fields: {sorted(unknown)}"
    for name in ("seq", "base_seq"):
        if _seq_of(data, name) is None:
            return f"'{name}' must be an integer from 0 to {MAX_SEQ}"
    if "seq" not in data or "hash" not in data:
        return "'seq' and 'hash' (the office's audit chain head) are required"
    for name in ("hash", "base_hash"):
        value = data.get(name, GENESIS)
        if not isinstance(value, str) or not _HASH.fullmatch(value):
            return f"'{name}' must be 64 lower-case hex digits (a SHA-256)"
    if not isinstance(data.get("restore", False), bool):
        return "'restore' must be true or false"
    return ""


def acknowledge(store, device_id: str, agency: str, data: dict) -> tuple[int, dict]:
    """Move office ``agency``'s anchor to the head in ``data`` (POST /v1/anchor); returns
    (HTTP status, answer). 200: acknowledged (or already so); 409: the head does not extend
    the acknowledged one, nothing changed; 400: a body that does not fit."""
    problem = body_problem(data)
    if problem:
        return 400, {"error": problem}
    seq, chain_hash = data["seq"], data["hash"]
    with store.write():
        current = _current(agency)
        held_seq, held_hash = (current.seq, current.hash) if current else (0, GENESIS)
        if data.get("restore"):
            OfficeAnchor.create(agency=agency, seq=seq, hash=chain_hash, kind="restore",
                                from_seq=held_seq, from_hash=held_hash, device_id=device_id,
                                at=utcnow())
            return 200, office_state(agency)
        if (seq, chain_hash) == (held_seq, held_hash):
            return 200, office_state(agency)
        base = (data.get("base_seq", 0), data.get("base_hash", GENESIS))
        if seq <= held_seq or base != (held_seq, held_hash):
            return 409, {"error": f"the portal has acknowledged event {held_seq} of this "
                                  "office's audit chain: a new head must extend it (base_seq "
                                  "and base_hash as the chain holds them)",
                         "anchor": office_state(agency)}
        OfficeAnchor.create(agency=agency, seq=seq, hash=chain_hash, kind="sync",
                            from_seq=held_seq, from_hash=held_hash, device_id=device_id,
                            at=utcnow())
        return 200, office_state(agency)

"""The tamper-evident audit trail of dossier events (docs/design.md §3.4).

Every dossier event is a link of ONE office-wide hash chain:

* ``seq`` is its position (1, 2, 3 ... with no gaps),
* ``prev_hash`` is the ``hash`` of event ``seq - 1`` (:data:`GENESIS` for the first),
* ``hash`` is SHA-256 over a canonical JSON of the event's fields and ``prev_hash``.

Why one global chain and not one per dossier: a per-dossier chain cannot see that a
whole dossier's history was removed, nor that the newest events of a dossier were cut
off; a global chain numbers every event of the office, so any deleted event leaves a
gap or a broken link. The price is that event writers are serialised — which SQLite
already does (every transaction is ``BEGIN IMMEDIATE``), and on PostgreSQL a
transaction-scoped advisory lock does for the few milliseconds left of the writing
transaction. Reading the chain head is one index lookup, so receiving stays within
its budget (bench/receive.py).

What the chain proves, honestly: edits or deletions made with the triggers dropped or
with a raw SQLite editor are detected and named, unless the editor also recomputes
every later hash. That last case, and a chain cut short or lengthened, is caught by the records
kept outside the database and sealed with a key the database never holds
(:mod:`sadec_desk.services.audit_seal`): the newest events this machine wrote, the chain
head at every backup (``<data dir>/audit/anchors.jsonl``) and in the newest backup's
manifest; ``audit verify`` checks that the chain still agrees with each of them.

All inserts of ``DossierEvent`` go through :func:`append_events` — nothing else may
write that table.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import peewee

from sadec_desk.db.database import is_sqlite, translated_errors
from sadec_desk.db.models import Dossier, DossierEvent
from sadec_desk.domain.timezone import VN_TZ
from sadec_desk.i18n import _
from sadec_desk.services import audit_seal, issued_numbers, portal_anchor
from sadec_desk.services.access import ANY_ROLE, READ_ROLES, require_role

if TYPE_CHECKING:
    from sadec_desk.services.context import AppContext

GENESIS = "0" * 64
#: PostgreSQL advisory lock that serialises writers of the chain (any constant of ours)
_CHAIN_LOCK_KEY = 7270011
_FIELDS = ("dossier", "at", "actor", "kind", "from_status", "to_status", "note", "data")


def _utc_text(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("naive datetime in a dossier event")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")


def event_hash(seq: int, dossier_id: int, at: datetime, actor: str, kind: str,
               from_status: str | None, to_status: str | None, note: str, data: str,
               prev_hash: str) -> str:
    """SHA-256 (hex) of one event's canonical form; the same on SQLite and PostgreSQL."""
    canonical = json.dumps(
        [seq, dossier_id, _utc_text(at), actor or "", kind, from_status, to_status,
         note or "", data or "{}", prev_hash],
        ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


# Plain SQL on the hot path (every receipt): peewee's query building cost more than the
# queries themselves (bench/reports.py times append_event)
_HEAD_SQL = "SELECT seq, hash FROM dossier_event ORDER BY seq DESC LIMIT 1"
_COLUMNS = ("dossier", "at", "actor", "kind", "from_status", "to_status", "note", "data", "seq",
            "prev_hash", "hash")


def _head(database: peewee.Database) -> tuple[int, str]:
    row = database.execute_sql(_HEAD_SQL).fetchone()
    return (int(row[0]), row[1]) if row else (0, GENESIS)


def _insert_sql(database: peewee.Database) -> str:
    fields = [DossierEvent._meta.fields[n] for n in _COLUMNS]
    return (f"INSERT INTO dossier_event ({', '.join(f.column_name for f in fields)}) "
            f"VALUES ({', '.join([database.param] * len(fields))})")


def append_events(database: peewee.Database, rows: list[dict]) -> list[dict]:
    """Insert dossier events, chained; the ONLY way to write ``DossierEvent``.

    ``rows``: dicts with ``dossier`` (id), ``at`` (aware datetime), ``kind`` and
    optionally ``actor``, ``from_status``, ``to_status``, ``note``, ``data`` (JSON text).
    Must run inside the caller's transaction, so that the events commit with the change
    they record. Returns the rows as stored (with ``seq``, ``prev_hash``, ``hash``).
    """
    if not rows:
        return []
    if not database.in_transaction():
        raise RuntimeError("append_events must run inside the writing transaction")
    if not is_sqlite(database):
        # SQLite's BEGIN IMMEDIATE already holds the write lock; PostgreSQL writers would
        # otherwise read the same head and fork the chain
        database.execute_sql("SELECT pg_advisory_xact_lock(%s)", (_CHAIN_LOCK_KEY,))
    seq, prev = start_seq, start_hash = _head(database)
    stored = []
    for row in rows:
        unknown = set(row) - set(_FIELDS)
        if unknown:
            raise ValueError(f"unknown dossier event fields: {sorted(unknown)}")
        values = {"actor": "", "from_status": None, "to_status": None, "note": "",
                  "data": "{}", **row}
        dossier_id = values["dossier"]
        dossier_id = dossier_id.id if isinstance(dossier_id, Dossier) else int(dossier_id)
        values["dossier"] = dossier_id
        seq += 1
        values["seq"] = seq
        values["prev_hash"] = prev
        values["hash"] = prev = event_hash(
            seq, dossier_id, values["at"], values["actor"], values["kind"],
            values["from_status"], values["to_status"], values["note"], values["data"], prev)
        stored.append(values)
    fields = [DossierEvent._meta.fields[n] for n in _COLUMNS]
    db_rows = [tuple(f.db_value(row[n]) for f, n in zip(fields, _COLUMNS, strict=True))
               for row in stored]
    database.cursor().executemany(_insert_sql(database), db_rows)
    received = [row["dossier"] for row in stored if row["kind"] == "received"]
    if received:
        # the numbers issued, outside the database: a restore never issues them again (#18)
        issued_numbers.note_codes(code for (code,) in database.execute_sql(
            f"SELECT code FROM dossier WHERE id IN ({', '.join([database.param] * len(received))})",
            received).fetchall())
    # the new head outside the database, before the commit (audit_seal: never behind it)
    audit_seal.write_head(seq, prev, start_seq, start_hash, _utc_text(stored[-1]["at"]),
                          single_writer=is_sqlite(database))
    return stored


def append_event(database: peewee.Database, **row) -> dict:
    """One event; see :func:`append_events`."""
    return append_events(database, [row])[0]


# --- verification ------------------------------------------------------------------


@dataclass(frozen=True)
class AuditProblem:
    kind: str  # edited | deleted | relinked | orphan | no_history | status_mismatch |
    #            pages_mismatch | anchor | appended | truncated
    message: str  # one Vietnamese sentence naming the event
    seq: int | None = None
    event_id: int | None = None
    dossier_code: str | None = None


@dataclass(frozen=True)
class AuditReport:
    events_checked: int
    head_seq: int
    head_hash: str
    anchors_checked: int
    problems: tuple[AuditProblem, ...]
    #: what could not be checked, or cannot be told from an accident (never silence)
    warnings: tuple[str, ...] = ()
    #: which portal anchor the chain was compared with, from when, or why none (#14 item 8)
    portal_note: str = ""

    @property
    def ok(self) -> bool:
        return not self.problems


def _describe(seq, event_id, code, kind, at) -> str:
    when = at.astimezone(VN_TZ).strftime("%H:%M:%S %d/%m/%Y") if at else "?"
    return _("sự kiện số {seq} (id {id}, hồ sơ {code}, loại {kind}, lúc {when})").format(
        seq=seq, id=event_id, code=code or _("không rõ"), kind=kind, when=when)


def anchors_path(ctx: AppContext) -> Path:
    return audit_seal.anchors_file()


def chain_head(ctx: AppContext) -> tuple[int, str]:
    require_role(ctx, *READ_ROLES)
    with translated_errors():
        return _head(ctx.database)


def chain_hash_at(ctx: AppContext, seq: int) -> str | None:
    """The stored hash of event ``seq`` (None when the chain has no such event)."""
    require_role(ctx, *READ_ROLES)
    with translated_errors():
        row = ctx.database.execute_sql(
            f"SELECT hash FROM dossier_event WHERE seq = {ctx.database.param}", (seq,)
        ).fetchone()
    return row[0] if row else None


def record_anchor(ctx: AppContext, *, reason: str) -> dict:
    """Write the chain head outside the database, sealed (called by every backup)."""
    require_role(ctx, *ANY_ROLE)  # every backup, the scheduled one under a clerk too
    seq, head = chain_head(ctx)
    return audit_seal.append_anchor({"at": ctx.now().astimezone(UTC).isoformat(), "seq": seq,
                                     "hash": head, "reason": reason})


def record_restore(ctx: AppContext) -> dict:
    """After a restore the chain legitimately ends earlier: anchors taken after the
    restored point no longer apply (the line says so, for whoever reads the file), and the
    next write records the new head."""
    require_role(ctx, "it")
    seq, head = chain_head(ctx)
    audit_seal.reset_head(seq, head, _utc_text(ctx.now()))
    # the portal's anchor may be past the restored point: told at the next sync
    portal_anchor.note_restore(seq, head, ctx.now().astimezone(UTC).isoformat())
    return audit_seal.append_anchor({"at": ctx.now().astimezone(UTC).isoformat(), "seq": seq,
                                     "hash": head, "reason": "restore", "restore": True})


def verify_chain(ctx: AppContext, *, max_problems: int = 200,
                 portal_refresh: str = "") -> AuditReport:
    """Walk the whole chain; name every edited, deleted or re-linked event (leader/IT).

    ``portal_refresh``: the caller's sentence about asking the portal for its anchor just
    now (sync.api.refresh_office_anchor; services never reach the network themselves)."""
    require_role(ctx, "leader", "it")
    problems: list[AuditProblem] = []

    def add(problem: AuditProblem) -> None:
        if len(problems) < max_problems:
            problems.append(problem)

    E = DossierEvent
    query = (E.select(E.seq, E.id, E.dossier, Dossier.code, E.at, E.actor, E.kind,
                      E.from_status, E.to_status, E.note, E.data, E.prev_hash, E.hash)
             .join(Dossier, peewee.JOIN.LEFT_OUTER, on=(E.dossier == Dossier.id))
             .order_by(E.seq).tuples())
    expected_seq, prev_hash, prev_desc = 1, GENESIS, None
    count = 0
    hashes_at: dict[int, str] = {}
    outside = audit_seal.read_all(ctx.config)
    anchors = outside.anchors
    wanted = {a["seq"] for a in anchors}
    if outside.head:
        wanted |= {outside.head["seq"], outside.head["prev_seq"]}
    portal = portal_anchor.read_findings(ctx.config, portal_refresh)
    if portal.wanted_seq:
        wanted.add(portal.wanted_seq)
    with translated_errors(), _read_snapshot(ctx.database):
        for (seq, event_id, dossier_id, code, at, actor, kind, from_status, to_status, note,
             data, stored_prev, stored_hash) in query.iterator():
            count += 1
            desc = _describe(seq, event_id, code, kind, at)
            gap = seq != expected_seq
            if gap:
                add(AuditProblem("deleted", _(
                    "Thiếu sự kiện số {first}–{last} (đã bị xoá) trước {event}.").format(
                        first=expected_seq, last=seq - 1, event=desc),
                    seq=seq, event_id=event_id, dossier_code=code))
            elif stored_prev != prev_hash:
                add(AuditProblem("relinked", _(
                    "Chuỗi bị đứt tại {event}: {previous} đã bị sửa (kể cả mã băm của nó) "
                    "hoặc sự kiện này đã bị nối lại.").format(
                        event=desc, previous=prev_desc or _("sự kiện trước")),
                    seq=seq, event_id=event_id, dossier_code=code))
            if code is None:
                add(AuditProblem("orphan", _(
                    "{event} thuộc về một hồ sơ không còn trong cơ sở dữ liệu (hồ sơ đã bị "
                    "xoá).").format(event=desc), seq=seq, event_id=event_id))
            recomputed = event_hash(seq, dossier_id, at, actor, kind, from_status, to_status,
                                    note, data, stored_prev)
            if recomputed != stored_hash:
                add(AuditProblem("edited", _("{event} đã bị sửa sau khi ghi.").format(
                    event=desc), seq=seq, event_id=event_id, dossier_code=code))
            if seq in wanted:
                hashes_at[seq] = stored_hash
            expected_seq, prev_hash, prev_desc = seq + 1, stored_hash, desc
        head_seq, head_hash = expected_seq - 1, prev_hash
        _check_dossiers(add)
        _check_pages(add)
    for anchor in anchors:
        if anchor["seq"] == 0:
            continue
        found = hashes_at.get(anchor["seq"])
        if found != anchor["hash"]:
            add(AuditProblem("anchor", _(
                "Mốc kiểm tra lúc {at} (sự kiện số {seq}) không còn khớp: nhật ký đã bị viết "
                "lại hoặc cắt bớt sau mốc đó.").format(at=anchor["at"], seq=anchor["seq"]),
                seq=anchor["seq"]))
    for message in outside.problems:
        add(AuditProblem("anchor", message))
    warnings = list(outside.warnings)
    _check_head(outside.head, hashes_at, head_seq, is_sqlite(ctx.database), add, warnings)
    for message in portal.problems:
        add(AuditProblem("anchor", message))
    warnings += portal.warnings
    portal_anchor.compare(portal, hashes_at, head_seq, outside.restores,
                          lambda kind, message, seq: add(AuditProblem(kind, message, seq=seq)),
                          warnings)
    return AuditReport(events_checked=count, head_seq=head_seq, head_hash=head_hash,
                       anchors_checked=len([a for a in anchors if a["seq"]]),
                       problems=tuple(problems), warnings=tuple(warnings),
                       portal_note=portal.note)


def _check_head(head: dict | None, hashes_at: dict[int, str], chain_end: int,
                single_writer: bool, add, warnings: list[str]) -> None:
    """The chain against the newest events this machine wrote (audit_seal's head)."""
    if head is None:
        if chain_end:
            warnings.append(_("Chưa có bản ghi sự kiện mới nhất ngoài cơ sở dữ liệu (các sự kiện "
                              "do phiên bản trước ghi): phần cuối nhật ký được đối chiếu từ lần "
                              "ghi tới."))
        return
    seq, prev_seq = head["seq"], head["prev_seq"]
    if hashes_at.get(seq) == head["hash"]:
        if single_writer and chain_end > seq:
            add(AuditProblem("appended", _(
                "Sự kiện số {first}–{last} không do phần mềm ghi (sự kiện cuối phần mềm đã ghi "
                "là số {seq}): đã bị thêm vào nhật ký từ bên ngoài.").format(
                    first=seq + 1, last=chain_end, seq=seq), seq=seq + 1))
        return
    intact_before = prev_seq == 0 or hashes_at.get(prev_seq) == head["prev_hash"]
    if intact_before and (chain_end == prev_seq or not single_writer):
        warnings.append(_(
            "Sự kiện số {first}–{last} ghi lúc {at} (UTC) không có trong nhật ký: hoặc lần lưu "
            "đó không hoàn tất (mất điện, lỗi), hoặc các sự kiện ấy đã bị xoá ngay sau khi ghi. "
            "Nếu lúc đó không có sự cố, nhật ký đã bị cắt bớt.").format(
                first=prev_seq + 1, last=seq, at=head["at"]))
        return
    add(AuditProblem("truncated", _(
        "Nhật ký không còn sự kiện số {seq} mà phần mềm đã ghi lúc {at} (UTC) (nhật ký hiện "
        "dừng ở số {end}): các sự kiện mới nhất đã bị xoá hoặc viết lại.").format(
            seq=seq, at=head["at"], end=chain_end), seq=seq))


@contextlib.contextmanager
def _read_snapshot(database: peewee.Database):
    """One consistent view for the whole walk, without taking the write lock: counters
    keep receiving while the trail is checked (SQLite BEGIN DEFERRED is a WAL reader;
    PostgreSQL REPEATABLE READ is one snapshot)."""
    if is_sqlite(database):
        with database.atomic(lock_type="DEFERRED"):
            yield
    else:
        with database.atomic():
            database.execute_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            yield


def _check_dossiers(add) -> None:
    """Each dossier's status must be the one its newest event moved it to."""
    last = (DossierEvent.select(DossierEvent.dossier, peewee.fn.MAX(DossierEvent.seq)
                                .alias("seq"))
            .group_by(DossierEvent.dossier).alias("last"))
    E = DossierEvent.alias("e")
    query = (Dossier.select(Dossier.code, Dossier.status, E.to_status, E.seq)
             .join(last, peewee.JOIN.LEFT_OUTER, on=(last.c.dossier_id == Dossier.id))
             .join(E, peewee.JOIN.LEFT_OUTER, on=(E.seq == last.c.seq))
             .tuples())
    for code, status, to_status, seq in query.iterator():
        if seq is None:
            add(AuditProblem("no_history", _(
                "Hồ sơ {code} không còn sự kiện nào (lịch sử đã bị xoá).").format(code=code),
                dossier_code=code))
        elif to_status != status:
            add(AuditProblem("status_mismatch", _(
                "Hồ sơ {code} đang ở trạng thái «{status}» nhưng sự kiện mới nhất (số {seq}) "
                "ghi «{to}»: sự kiện cuối đã bị xoá hoặc trạng thái bị sửa ngoài phần mềm."
            ).format(code=code, status=status, seq=seq, to=to_status), seq=seq,
                dossier_code=code))


def _check_pages(add) -> None:
    """Each dossier's scanned pages must be the ones its newest ``pages`` event lists: a
    page row added, removed or pointed at another image outside the software shows."""
    from sadec_desk.db.attachment_models import DossierPage, PageBlob

    last = (DossierEvent.select(DossierEvent.dossier, peewee.fn.MAX(DossierEvent.seq)
                                .alias("seq"))
            .where(DossierEvent.kind == "pages").group_by(DossierEvent.dossier).alias("last"))
    E = DossierEvent.alias("e")
    recorded = {dossier_id: (seq, code, sorted(map(tuple, json.loads(data)["pages"])))
                for dossier_id, seq, code, data in
                E.select(E.dossier, E.seq, Dossier.code, E.data)
                .join(last, on=(E.seq == last.c.seq))
                .join(Dossier, on=(Dossier.id == E.dossier)).tuples().iterator()}
    current: dict[int, list] = {}
    for dossier_id, paper, position, sha in (
            DossierPage.select(DossierPage.dossier, DossierPage.paper_index,
                               DossierPage.position, PageBlob.sha256)
            .join(PageBlob).where(DossierPage.dossier.is_null(False)).tuples().iterator()):
        current.setdefault(dossier_id, []).append((paper, position, sha))
    for dossier_id in sorted(set(recorded) | set(current)):
        seq, code, pages = recorded.get(dossier_id, (None, None, []))
        if sorted(current.get(dossier_id, [])) != pages:
            if code is None:
                code = Dossier.select(Dossier.code).where(Dossier.id == dossier_id).scalar()
            add(AuditProblem("pages_mismatch", _(
                "Các trang giấy tờ đã quét của hồ sơ {code} khác với lần ghi cuối trong nhật "
                "ký{where}: trang đã bị thêm, xoá hoặc thay ảnh ngoài phần mềm.").format(
                    code=code, where=_(" (sự kiện số {seq})").format(seq=seq) if seq else ""),
                seq=seq, dossier_code=code))


# --- logs without personal data -----------------------------------------------------

#: a citizen ID (CCCD, 12 digits) or an old ID card number (CMND, 9 digits) standing alone;
#: dossier codes (…-261126-0001), dates and times never have such a run of digits
_ID_NUMBER = re.compile(r"(?<!\d)(\d{12}|\d{9})(?!\d)")


def redact(text: str) -> str:
    return _ID_NUMBER.sub(lambda m: "*" * (len(m[0]) - 4) + m[0][-4:], text)


class PersonalDataFilter(logging.Filter):
    """Masks ID numbers in every log record, tracebacks included (Luật An ninh mạng 2018,
    NĐ 13/2023 on personal data). Names cannot be recognised by a pattern: the code
    never logs them (tests/test_report_privacy.py checks the log after a working run)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if record.exc_info:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = redact(record.exc_text)
        record.msg, record.args = redact(message), None
        return True

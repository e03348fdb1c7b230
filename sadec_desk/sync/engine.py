"""Synchronisation with the portal: push the outbox exactly once, pull changes by cursor.

DESIGN.md §5. The outbox rows are written by services/dossiers.py in the same
transaction as each change; this module sends them oldest first, in batches, one
request at a time, and applies the portal's per-operation answers in one local
transaction. Exactly-once rests on the portal keeping every ``op_id``: when an
answer is lost (timeout, dropped connection, the app killed before its commit)
the rows stay pending and the next run gets ``duplicate`` for them.

Pull comes after push: the portal's change feed is read from the stored cursor
(a number the portal issues, never a client clock) and each page is applied in
the same transaction that stores the new cursor, guarded by a compare-and-set so
two workers never apply one page twice.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import random
import signal
import socket
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import peewee

from sadec_desk.config import save_setting
from sadec_desk.db.attachment_models import DossierPage, PageBlob
from sadec_desk.db.database import translated_errors
from sadec_desk.db.models import Citizen, Dossier, DossierSequence, Outbox
from sadec_desk.db.models import Procedure as ProcedureRow
from sadec_desk.db.sync_models import SyncConflict, SyncState
from sadec_desk.domain.catalogue import CatalogueError, procedures_from_data
from sadec_desk.domain.dossier_code import parse_dossier_code
from sadec_desk.domain.lifecycle import FINISHED_STATUSES, DossierStatus
from sadec_desk.errors import InvalidInput, NotFound, UserError
from sadec_desk.i18n import _
from sadec_desk.services import catalogue
from sadec_desk.services.audit import append_event, append_events
from sadec_desk.services.reception.dossiers import find_dossier_row
from sadec_desk.sync import online_pages
from sadec_desk.sync import protocol as P
from sadec_desk.sync.adapters.reference import (
    AuthExpired,
    BlobCorrupted,
    OffsetMismatch,
    PortalClient,
    Refused,
    SyncError,
    TransientError,
)
from sadec_desk.sync.bulk import update_rows
from sadec_desk.sync.records import ConflictInfo, SyncReport, SyncStatus

if TYPE_CHECKING:
    from sadec_desk.services.context import AppContext

log = logging.getLogger(__name__)

#: test hook: "after_push_answer" makes the process SIGKILL itself after the portal
#: answered a push and before the local commit (tests/sync/test_faults.py)
TEST_KILL_ENV = "SADEC_DESK_SYNC_TEST_KILL"

PENDING, DONE, FAILED, DISCARDED = "pending", "done", "failed", "discarded"
PULL_PAGE = 500
#: chunks re-sent after a 409/422 within one blob upload before the run gives up
MAX_UPLOAD_SETBACKS = 5


# --- small state store ----------------------------------------------------------------


def get_state(key: str, default: str = "") -> str:
    row = SyncState.get_or_none(SyncState.key == key)
    return row.value if row else default


def set_state(ctx: AppContext, key: str, value: str) -> None:
    (SyncState.insert(key=key, value=value, updated_at=ctx.now())
     .on_conflict(conflict_target=[SyncState.key],
                  update={SyncState.value: value, SyncState.updated_at: ctx.now()})
     .execute())


def _parse_time(text: str) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


# --- adapters -------------------------------------------------------------------------


class ReferenceAdapter:
    """The reference portal API (sync/portal.py, docs/portal-openapi.json)."""

    name = "reference"
    supports_pull = True

    def __init__(self, ctx: AppContext):
        config = ctx.config
        self.ctx = ctx
        self.client = PortalClient(config["sync.portal_url"],
                                   timeout=float(config["sync.timeout_seconds"]),
                                   ca_bundle=config["sync.ca_bundle"],
                                   token=get_state("token"))

    def close(self) -> None:
        self.client.close()

    def _refresh(self) -> None:
        device_id, key = get_state("device_id"), get_state("device_key")
        if not device_id:
            raise SyncError(_("Máy này chưa đăng ký với cổng dịch vụ. Chạy 'sadec-desk sync "
                              "enrol --portal URL --code MÃ' với mã do quản trị cổng cấp."))
        answer = self.client.refresh_token(device_id, key)
        self.client.token = answer["token"]
        with self.ctx.database.atomic():
            set_state(self.ctx, "token", answer["token"])
            set_state(self.ctx, "token_expires_at", str(answer.get("expires_at", "")))

    def authorised(self, call: Callable, *args):
        """Call; on 401 get a new token with the device key and call once more."""
        try:
            return call(*args)
        except AuthExpired:
            self._refresh()
            return call(*args)

    def push(self, ops: list[dict]) -> list[dict]:
        return self.authorised(self.client.push, ops)

    def changes(self, since: int, limit: int) -> dict:
        return self.authorised(self.client.changes, since, limit)

    def procedures(self) -> list[dict]:
        return self.authorised(self.client.procedures)

    def send_bundle(self, bundle: dict) -> list[dict]:
        return self.authorised(self.client.send_bundle, bundle)

    #: the engine uploads the blobs a ``dossier.pages`` op names before pushing it
    uploads_blobs = True

    def upload_blob(self, sha256: str, data: bytes, chunk_bytes: int) -> int:
        """Upload one blob from where the portal's copy ends; returns the bytes sent
        (0 when the portal already holds it all; chunks sent again count again). A
        dropped connection, a timeout or a 5xx raises TransientError: the portal keeps
        what it confirmed and the next run resumes from its offset."""
        offset = self.authorised(self.client.blob_offset, sha256)
        sent = setbacks = 0
        while offset is not None and offset < len(data):
            chunk = data[offset:offset + max(1, chunk_bytes)]
            try:
                offset = self.authorised(self.client.upload_chunk, sha256, offset, len(data),
                                         chunk)
                continue
            except OffsetMismatch as exc:
                # our idea of the offset is stale (an answer was lost, or another
                # machine is sending the same page): go on from the portal's
                offset = exc.offset if exc.offset is not None else self.authorised(
                    self.client.blob_offset, sha256)
            except BlobCorrupted:
                offset = 0  # the portal dropped its partial copy: send the page whole again
            finally:
                sent += len(chunk)  # sent, whatever became of it
            setbacks += 1
            if setbacks > MAX_UPLOAD_SETBACKS:
                raise TransientError(_("Tải tệp trang {sha}… lên cổng chưa được sau {n} lần "
                                       "gửi lại; sẽ thử lại lần đồng bộ sau.").format(
                    sha=sha256[:12], n=setbacks - 1))
        return sent

    def download_blob(self, sha256: str, out, limit: int) -> str:
        """Stream a page of an online dossier into ``out``; returns its SHA-256."""
        return self.authorised(self.client.download_blob, sha256, out, limit)


def make_adapter(ctx: AppContext):
    kind = ctx.config["sync.adapter"]
    if kind == "reference":
        return ReferenceAdapter(ctx)
    if kind == "gateway":
        from sadec_desk.sync.adapters.gateway import GatewayAdapter

        return GatewayAdapter(ctx)
    raise InvalidInput(_("Thiết lập sync.adapter = '{value}' không hợp lệ: chọn 'reference' "
                         "hoặc 'gateway'.").format(value=kind))


# --- enrolment ------------------------------------------------------------------------


def enrol(ctx: AppContext, portal_url: str, code: str, name: str = "") -> str:
    """Exchange an enrolment code for a device identity; returns the device id."""
    url = portal_url.strip()
    with PortalClient(url, timeout=float(ctx.config["sync.timeout_seconds"]),
                      ca_bundle=ctx.config["sync.ca_bundle"]) as client:
        try:
            answer = client.enrol(code.strip(), name or socket.gethostname(),
                                  ctx.config["office.agency_code"])
        except Refused as exc:
            raise SyncError(_("Cổng dịch vụ từ chối mã đăng ký '{code}' ({error}). Xin mã mới "
                              "từ quản trị cổng.").format(code=code, error=exc)) from None
    with translated_errors(), ctx.database.atomic():
        for key in ("device_id", "device_key", "token"):
            set_state(ctx, key, answer[key])
        set_state(ctx, "token_expires_at", answer["expires_at"])
        set_state(ctx, "portal_url", url)
    save_setting("sync.portal_url", url, ctx.config.path)
    ctx.reload_config()
    return answer["device_id"]


# --- push -----------------------------------------------------------------------------


def _blocked_dossiers():
    return Outbox.select(Outbox.dossier_uuid).where(Outbox.state == FAILED)


def _as_op(row: Outbox) -> dict:
    return {"op_id": row.op_id, "dossier_uuid": row.dossier_uuid, "op": row.op,
            "base_version": row.base_version, "payload": json.loads(row.payload),
            "created_at": row.created_at.isoformat()}


def _backoff_until(ctx: AppContext) -> datetime | None:
    """When the last failure's wait ends; a wait beyond the cap (a clock that was set
    days ahead when it was stored) is ignored, so rows are never stuck behind it."""
    latest = (Outbox.select(peewee.fn.MAX(Outbox.next_try_at))
              .where(Outbox.state == PENDING).scalar())
    if latest is None:
        return None
    latest = latest.replace(tzinfo=UTC) if latest.tzinfo is None else latest
    now = ctx.now()
    cap = timedelta(seconds=ctx.config["sync.backoff_max_seconds"])
    if latest <= now or latest > now + cap:
        return None
    return latest


def backoff_delay(ctx: AppContext, attempts: int) -> float:
    """Exponential backoff with full jitter, capped (sync.backoff_* settings)."""
    base = max(1, ctx.config["sync.backoff_base_seconds"])
    cap = max(base, ctx.config["sync.backoff_max_seconds"])
    return random.uniform(base / 2, min(cap, base * 2 ** max(0, attempts - 1)))


def _note_failure(ctx: AppContext, rows: list[Outbox], error: str) -> None:
    with ctx.database.atomic():
        attempts = max((r.attempts for r in rows), default=0) + 1
        next_try = ctx.now() + timedelta(seconds=backoff_delay(ctx, attempts))
        if rows:
            Outbox.update(attempts=Outbox.attempts + 1, last_error=error, next_try_at=next_try
                          ).where(Outbox.id.in_([r.id for r in rows]),
                                  Outbox.state == PENDING).execute()
        set_state(ctx, "last_error", error)
        set_state(ctx, "last_error_at", ctx.now().isoformat())


def _store_conflict(ctx: AppContext, uuid: str, copy: dict | None, message: str) -> None:
    version = copy.get("version", 0) if copy else 0
    values = {SyncConflict.server_version: version,
              SyncConflict.server_copy: json.dumps(copy or {}, ensure_ascii=False),
              SyncConflict.reason: message, SyncConflict.detected_at: ctx.now()}
    (SyncConflict.insert({SyncConflict.dossier_uuid: uuid, **values})
     .on_conflict(conflict_target=[SyncConflict.dossier_uuid], update=values).execute())


def _mark_synced(uuids) -> None:
    """Dossiers with nothing left to send and no open conflict are synced."""
    uuids = list(uuids)
    if len(uuids) > 500:
        for chunk in _chunks(uuids):
            _mark_synced(chunk)
        return
    if not uuids:
        return
    busy = Outbox.select(Outbox.dossier_uuid).where(Outbox.dossier_uuid.in_(uuids),
                                                     Outbox.state.in_([PENDING, FAILED]))
    open_conflicts = SyncConflict.select(SyncConflict.dossier_uuid).where(
        SyncConflict.dossier_uuid.in_(uuids))
    (Dossier.update(sync_state="synced", sync_message="")
     .where(Dossier.uuid.in_(uuids), Dossier.uuid.not_in(busy),
            Dossier.uuid.not_in(open_conflicts)).execute())


def apply_push_answers(ctx: AppContext, rows: list[Outbox], results: list[dict]) -> dict:
    """Apply one batch's answers in one transaction; returns counts per result."""
    counts = dict.fromkeys(P.RESULTS, 0)
    with ctx.database.atomic():
        failed_now: set[str] = set()
        touched: set[str] = set()
        versions: dict[str, int] = {}
        done_ids: list[int] = []
        for row, answer in zip(rows, results, strict=True):
            result = answer["result"]
            touched.add(row.dossier_uuid)
            if result in (P.APPLIED, P.DUPLICATE):
                counts[result] += 1
                done_ids.append(row.id)
                versions[row.dossier_uuid] = max(versions.get(row.dossier_uuid, 0),
                                                 answer["version"])
                continue
            if row.dossier_uuid in failed_now:
                # the portal held it back behind an earlier refused op of the same
                # dossier: it stays pending, in order, behind that op
                continue
            counts[result] += 1
            failed_now.add(row.dossier_uuid)
            message = answer.get("message", "")
            Outbox.update(state=FAILED, attempts=Outbox.attempts + 1, last_error=message,
                          next_try_at=None).where(Outbox.id == row.id).execute()
            if result == P.CONFLICT:
                _store_conflict(ctx, row.dossier_uuid, answer.get("dossier"), message)
            Dossier.update(sync_state=result, sync_message=message).where(
                Dossier.uuid == row.dossier_uuid).execute()
        for chunk in _chunks(done_ids):
            Outbox.update(state=DONE, attempts=Outbox.attempts + 1, last_error="",
                          next_try_at=None).where(Outbox.id.in_(chunk)).execute()
        by_version: dict[int, list[str]] = {}
        for uuid, version in versions.items():
            by_version.setdefault(version, []).append(uuid)
        for version, uuids in by_version.items():  # one UPDATE per version, not per dossier
            for chunk in _chunks(uuids):
                Dossier.update(portal_version=version).where(
                    Dossier.uuid.in_(chunk), Dossier.portal_version < version).execute()
        _mark_synced(touched - failed_now)
        set_state(ctx, "last_success_at", ctx.now().isoformat())
    return counts


def _chunks(items: list, size: int = 500):
    """Keep IN lists under SQLite's bound-parameter limit."""
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _next_batch(ctx: AppContext, after_id: int) -> list[Outbox]:
    return list(Outbox.select()
                .where(Outbox.state == PENDING, Outbox.id > after_id,
                       Outbox.dossier_uuid.not_in(_blocked_dossiers()))
                .order_by(Outbox.id).limit(max(1, ctx.config["sync.batch_size"])))


def _send(adapter, rows: list[Outbox]) -> list[dict]:
    """Send a batch; a 4xx refusal of the whole batch is narrowed down op by op, so
    one bad operation is rejected alone and does not block the other dossiers."""
    ops = [_as_op(r) for r in rows]
    try:
        return adapter.push(ops)
    except Refused as exc:
        if len(ops) == 1:
            return [{"op_id": ops[0]["op_id"], "result": P.REJECTED,
                     "message": f"HTTP {exc.status}: {exc}"}]
    results: list[dict] = []
    refused: set[str] = set()
    for row in rows:
        if row.dossier_uuid in refused:
            results.append({"op_id": row.op_id, "result": P.CONFLICT,
                            "message": "held behind a refused operation"})
            continue
        answer = _send(adapter, [row])[0]
        if answer["result"] in (P.CONFLICT, P.REJECTED):
            refused.add(row.dossier_uuid)
        results.append(answer)
    return results


class PageFileMissing(SyncError):
    """A page named by a ``dossier.pages`` op is missing or damaged on this machine."""

    code = "sync_page_missing"


def page_file(ctx: AppContext, blob: PageBlob) -> Path:
    """Where a page's bytes live (<data dir>/pages/<sha[:2]>/<sha>.<jpg|png>)."""
    from sadec_desk.services.pages.store import blob_path

    return blob_path(ctx, blob.sha256)


def named_pages(payload: dict) -> list[str]:
    """The distinct SHA-256 names a ``dossier.pages`` payload uses, in order."""
    shas = [page.get("sha256") for paper in payload.get("papers") or []
            for page in paper.get("pages") or []]
    return list(dict.fromkeys(s for s in shas if isinstance(s, str)))


def read_page_file(ctx: AppContext, blob: PageBlob | None, sha256: str) -> bytes:
    """The page's bytes, checked against its name: a damaged file is never sent."""
    data = None
    if blob is not None:
        try:
            data = page_file(ctx, blob).read_bytes()
        except (OSError, UserError):
            data = None
    if data is None or hashlib.sha256(data).hexdigest() != sha256:
        raise PageFileMissing(_("Tệp ảnh trang {sha}… trên máy này bị mất hoặc hỏng nên chưa "
                                "gửi được trang của hồ sơ. Quét hoặc chụp lại trang đó, rồi "
                                "chạy 'sadec-desk sync retry'.").format(sha=sha256[:12]))
    return data


def _pages_to_upload(row: Outbox) -> list[tuple[str, PageBlob | None]]:
    shas = named_pages(json.loads(row.payload))
    blobs = {b.sha256: b for b in PageBlob.select().where(PageBlob.sha256.in_(shas))}
    return [(sha, blobs.get(sha)) for sha in shas
            if blobs.get(sha) is None or blobs[sha].uploaded_at is None]


def upload_pages(ctx: AppContext, adapter, row: Outbox, counts: dict) -> None:
    """Upload the blobs a ``dossier.pages`` row names that the portal has not
    confirmed; each is marked ``uploaded_at`` as soon as it is confirmed, so a page
    shared by several dossiers goes once."""
    for sha256, blob in _pages_to_upload(row):
        data = read_page_file(ctx, blob, sha256)
        chunk = min(max(1024, int(ctx.config["sync.chunk_bytes"])), P.MAX_CHUNK_BYTES)
        sent = adapter.upload_blob(sha256, data, chunk)
        with ctx.database.atomic():
            PageBlob.update(uploaded_at=ctx.now()).where(PageBlob.sha256 == sha256,
                                                         PageBlob.uploaded_at.is_null()).execute()
        if sent:
            counts["pages_uploaded"] += 1
            counts["page_bytes"] += sent


def _with_pages_uploaded(ctx: AppContext, adapter, rows: list[Outbox], counts: dict):
    """Split a batch before it is pushed: (rows to send, rows refused here with their
    answers, the transient error that stopped the uploads). A ``dossier.pages`` op
    goes only once its pages are on the portal; when they cannot be, it and every
    later op of its dossier wait (never reordered), while other dossiers go on."""
    if not getattr(adapter, "uploads_blobs", False):
        return rows, [], None
    send: list[Outbox] = []
    refused: list[tuple[Outbox, dict]] = []
    held: set[str] = set()
    error: SyncError | None = None
    for row in rows:
        if row.dossier_uuid in held:
            continue
        if row.op == "dossier.pages" and _pages_to_upload(row):
            if error is None:
                try:
                    upload_pages(ctx, adapter, row, counts)
                    send.append(row)
                    continue
                except (TransientError, AuthExpired) as exc:
                    error = exc  # stop uploading: the network is not there
                except (PageFileMissing, Refused) as exc:
                    refused.append((row, {"op_id": row.op_id, "result": P.REJECTED,
                                          "message": str(exc)}))
            held.add(row.dossier_uuid)
            continue
        send.append(row)
    return send, refused, error


def superseded_pages(rows: list[Outbox]) -> set[int]:
    """Ids of the ``dossier.pages`` rows that a later pending one of the same dossier
    replaces: each carries the whole page list, so only the newest matters, and an
    older one may name pages the clerk has since removed (whose files may be gone)."""
    pages = [r for r in rows if r.op == "dossier.pages"]
    if not pages:
        return set()
    newest: dict[str, int] = {}
    for chunk in _chunks(list({r.dossier_uuid for r in pages})):
        newest.update(Outbox.select(Outbox.dossier_uuid, peewee.fn.MAX(Outbox.id))
                      .where(Outbox.op == "dossier.pages", Outbox.state == PENDING,
                             Outbox.dossier_uuid.in_(chunk))
                      .group_by(Outbox.dossier_uuid).tuples())
    return {r.id for r in pages if newest.get(r.dossier_uuid, r.id) > r.id}


def _without_superseded(ctx: AppContext, rows: list[Outbox]) -> list[Outbox]:
    """The batch without superseded page lists, which are marked discarded, never sent."""
    stale = superseded_pages(rows)
    if not stale:
        return rows
    with ctx.database.atomic():
        Outbox.update(state=DISCARDED, last_error="superseded by a newer page list").where(
            Outbox.id.in_(list(stale)), Outbox.state == PENDING).execute()
    return [r for r in rows if r.id not in stale]


def push(ctx: AppContext, adapter, counts: dict) -> None:
    """Send every pending row, oldest first; raises TransientError to stop the run."""
    last_id = 0
    while True:
        batch = _next_batch(ctx, last_id)
        if not batch:
            return
        rows = _without_superseded(ctx, batch)
        send, refused, upload_error = _with_pages_uploaded(ctx, adapter, rows, counts)
        results: list[dict] = []
        if send:
            try:
                results = _send(adapter, send)
            except (TransientError, AuthExpired) as exc:
                _note_failure(ctx, rows, str(exc))
                raise
            if os.environ.get(TEST_KILL_ENV) == "after_push_answer":
                os.kill(os.getpid(), signal.SIGKILL)
        answered = send + [row for row, _answer in refused]
        if answered:
            for key, value in apply_push_answers(
                    ctx, answered, results + [answer for _row, answer in refused]).items():
                counts[key] += value
        if upload_error is not None:
            _note_failure(ctx, rows, str(upload_error))  # only the rows still pending
            raise upload_error
        last_id = batch[-1].id


# --- pull -----------------------------------------------------------------------------


def refresh_catalogue(ctx: AppContext, adapter) -> int:
    """Adopt newer procedure versions from the portal (source "portal")."""
    items = adapter.procedures()
    adopted = 0
    with ctx.database.atomic():
        for item in items:
            try:
                procedure = procedures_from_data({"format": 1, "procedures": [item["data"]]})[0]
            except (CatalogueError, KeyError, TypeError) as exc:
                log.warning("portal procedure %s refused: %s", item.get("code"), exc)
                continue
            if catalogue.adopt_procedure(ctx, procedure, "portal"):
                adopted += 1
    ctx.forget_cached()
    return adopted


def _dt(text: str | None) -> datetime | None:
    if not text:
        return None
    value = datetime.fromisoformat(text)
    if value.tzinfo is None:
        raise P.SchemaError(f"date-time without offset: {text}")
    return value


def _citizen_id(ctx: AppContext, data: dict) -> int:
    """The applicant of an online dossier; a card read at the counter is never overwritten."""
    id_number = str(data.get("id_number", "")).strip()
    if not id_number:
        raise P.SchemaError("citizen without id_number")
    dob = data.get("date_of_birth")
    Citizen.insert(id_number=id_number, full_name=str(data.get("full_name", "")),
                   date_of_birth=datetime.fromisoformat(dob).date() if dob else None,
                   gender=str(data.get("gender", "")), address=str(data.get("address", "")),
                   phone=str(data.get("phone", "")), updated_at=ctx.now()
                   ).on_conflict_ignore().execute()
    return Citizen.get(Citizen.id_number == id_number).id


class _Page:
    """One page of the change feed applied with a few bulk statements (bulk.py)."""

    def __init__(self, ctx: AppContext, changes: list[dict], device_id: str, counts: dict):
        self.ctx, self.device_id, self.counts = ctx, device_id, counts
        uuids = list({c["dossier"]["uuid"] for c in changes})
        self.local: dict[str, dict] = {}
        self.busy: set[str] = set()
        for chunk in _chunks(uuids):
            for row in (Dossier.select(Dossier.id, Dossier.uuid, Dossier.status, Dossier.due_at,
                                       Dossier.finished_at, Dossier.portal_version,
                                       Dossier.sync_state, Dossier.sync_message)
                        .where(Dossier.uuid.in_(chunk)).dicts()):
                self.local[row["uuid"]] = row
            self.busy.update(u for (u,) in Outbox.select(Outbox.dossier_uuid).where(
                Outbox.dossier_uuid.in_(chunk), Outbox.state.in_([PENDING, FAILED])).tuples())
        self.updates: dict[int, dict] = {}
        self.events: list[dict] = []

    def apply(self, change: dict) -> None:
        copy = change["dossier"]
        uuid, version = copy["uuid"], copy["version"]
        local = self.local.get(uuid)
        if change["origin"] == self.device_id or (
                local is not None and version <= local["portal_version"]):
            # our own change coming back, or a page applied before (cursor lost): nothing new
            if local is not None and version > local["portal_version"]:
                local["portal_version"] = version
                self._update(local, portal_version=version)
            return
        if copy["status"] not in P.STATUSES:
            raise P.SchemaError(f"unknown status {copy['status']!r}")
        if local is None:
            self._create(copy)
        elif uuid in self.busy:
            # never overwrite a change the portal has not seen: a clerk decides (DESIGN.md §5)
            message = _("Hồ sơ đã được sửa trên cổng trong khi máy này còn thay đổi chưa gửi.")
            _store_conflict(self.ctx, uuid, copy, message)
            if local["sync_state"] != "conflict":  # not already counted by this run's push
                self.counts["conflicts"] += 1
            local["sync_state"] = "conflict"
            self._update(local, sync_state="conflict", sync_message=message)
        else:
            self._overwrite(local, copy, _("Cập nhật từ cổng dịch vụ"))
            self.counts["pulled"] += 1

    def _update(self, local: dict, **values) -> None:
        row = self.updates.setdefault(local["id"], {
            "portal_version": local["portal_version"], "sync_state": local["sync_state"],
            "sync_message": local.get("sync_message", ""), "status": local["status"],
            "due_at": local["due_at"],
            "finished_at": local["finished_at"], "updated_at": self.ctx.now(),
            "id": local["id"]})
        row.update(values)

    def _overwrite(self, local: dict, copy: dict, note: str) -> None:
        values = overwrite_values(self.ctx, local["status"], local["finished_at"], copy)
        if values["status"] != local["status"] or values["due_at"] != local["due_at"]:
            self.events.append({"dossier": local["id"], "at": self.ctx.now(), "actor": "portal",
                                "kind": "status", "from_status": local["status"],
                                "to_status": values["status"],
                                "note": copy.get("portal_note") or note, "data": "{}"})
        local.update(values)
        self._update(local, **values)
        online_pages.apply_attachments(self.ctx, local["id"], values["status"], copy,
                                       self.events)

    def _create(self, copy: dict) -> None:
        procedure = (ProcedureRow.select().where(ProcedureRow.code == copy["procedure_code"])
                     .order_by(ProcedureRow.active.desc(), ProcedureRow.version.desc()).first())
        if procedure is None:
            raise P.SchemaError(f"procedure {copy['procedure_code']} unknown here")
        received_at = _dt(copy["received_at"])
        status = copy["status"]
        if Dossier.select().where(Dossier.code == copy["code"]).exists():
            # the portal gave an online dossier a code this office already used: nothing
            # can be stored under it; the run stops here until the portal corrects it
            raise SyncError(_("Hồ sơ trực tuyến từ cổng có mã {code} trùng với một hồ sơ đã "
                              "tiếp nhận tại đây. Báo quản trị cổng để sửa mã; các thay đổi "
                              "sau nó sẽ được nhận khi đã sửa.").format(code=copy["code"]))
        _reserve_code(copy["code"])
        dossier_id = Dossier.insert(
            uuid=copy["uuid"], code=copy["code"], office=self.ctx.office().id,
            procedure=procedure.id, citizen=_citizen_id(self.ctx, copy["citizen"]),
            channel=copy.get("channel") or "online", status=status, received_at=received_at,
            due_at=_dt(copy["due_at"]), finished_at=_dt(copy.get("finished_at")),
            fee_vnd=int(copy.get("fee_vnd") or 0), phone=str(copy.get("phone") or ""),
            received_by=str(copy.get("received_by") or ""), sync_state="synced",
            portal_version=copy["version"], updated_at=self.ctx.now()).execute()
        self.events.append({"dossier": dossier_id, "at": received_at, "actor": "portal",
                            "kind": "received", "from_status": None, "to_status": status,
                            "note": _("Hồ sơ nộp trực tuyến, nhận từ cổng"), "data": "{}"})
        online_pages.apply_attachments(self.ctx, dossier_id, status, copy, self.events)
        self.local[copy["uuid"]] = {
            "id": dossier_id, "uuid": copy["uuid"], "status": status,
            "due_at": _dt(copy["due_at"]), "finished_at": _dt(copy.get("finished_at")),
            "portal_version": copy["version"], "sync_state": "synced"}
        self.counts["new"] += 1
        self.counts["pulled"] += 1

    def flush(self) -> None:
        update_rows(self.ctx.database, Dossier, "id", list(self.updates.values()))
        append_events(self.ctx.database, self.events)  # chained (services/audit.py)


def _reserve_code(code: str) -> None:
    """Move this office's daily counter past an online dossier's number, so that the
    next dossier received at the counter never takes the same code (TT 01/2018 Art. 19)."""
    try:
        parts = parse_dossier_code(code)
    except InvalidInput:
        return  # not in the Art. 19 layout: it cannot collide with our own codes
    (DossierSequence.insert(agency_code=parts.agency_code, day=parts.day, last=parts.seq)
     .on_conflict(conflict_target=[DossierSequence.agency_code, DossierSequence.day],
                  update={DossierSequence.last: peewee.Case(
                      None, [(DossierSequence.last < parts.seq, parts.seq)],
                      DossierSequence.last)})
     .execute())


def overwrite_values(ctx: AppContext, status_before: str, finished_before, copy: dict) -> dict:
    """The local columns that take the portal's copy of a dossier."""
    status = copy["status"]
    finished = _dt(copy.get("finished_at"))
    if finished is None and DossierStatus(status) in FINISHED_STATUSES:
        finished = finished_before or ctx.now()
    return {"status": status, "due_at": _dt(copy["due_at"]), "finished_at": finished,
            "portal_version": copy["version"], "sync_state": "synced", "sync_message": ""}


def _overwrite(ctx: AppContext, local: Dossier, copy: dict, note: str) -> None:
    values = overwrite_values(ctx, local.status, local.finished_at, copy)
    Dossier.update(updated_at=ctx.now(), **values).where(Dossier.id == local.id).execute()
    if values["status"] != local.status or values["due_at"] != local.due_at:
        append_event(ctx.database, dossier=local.id, at=ctx.now(), actor="portal",
                     kind="status", from_status=local.status, to_status=values["status"],
                     note=copy.get("portal_note") or note)
    events: list[dict] = []
    online_pages.apply_attachments(ctx, local.id, values["status"], copy, events)
    append_events(ctx.database, events)


def pull(ctx: AppContext, adapter, counts: dict) -> int:
    """Apply the change feed from the stored cursor; returns the new cursor."""
    device_id = get_state("device_id")
    cursor = int(get_state("cursor", "0"))
    while True:
        page = adapter.changes(cursor, PULL_PAGE)
        with ctx.database.atomic():
            if int(get_state("cursor", "0")) != cursor:
                # another worker applied this page meanwhile: it is its job now
                return int(get_state("cursor", "0"))
            try:
                applied = _Page(ctx, page["changes"], device_id, counts)
                for change in page["changes"]:
                    applied.apply(change)
                applied.flush()
            except (P.SchemaError, KeyError, ValueError, TypeError) as exc:
                raise TransientError(_("Thay đổi từ cổng không dùng được ({error}); chưa áp "
                                       "dụng trang này.").format(error=exc)) from None
            set_state(ctx, "cursor", str(page["cursor"]))
        cursor = page["cursor"]
        if not page["has_more"]:
            return cursor


# --- one run --------------------------------------------------------------------------


def run_once(ctx: AppContext, *, adapter=None, force: bool = False) -> SyncReport:
    """Push then pull once. Network failures end the run with the rows kept."""
    counts = {**dict.fromkeys(P.RESULTS, 0), "pulled": 0, "new": 0, "conflicts": 0,
              "pages_uploaded": 0, "page_bytes": 0, "pages_downloaded": 0,
              "page_bytes_received": 0}
    procedures = 0
    error = ""
    own_adapter = adapter is None
    if not ctx.config["sync.portal_url"] and ctx.config["sync.adapter"] == "reference" \
            and adapter is None:
        return _report(counts, procedures, skipped=_("Chưa cấu hình cổng (sync.portal_url): "
                                                     "đang làm việc ngoại tuyến."))
    with translated_errors():
        if not force:
            until = _backoff_until(ctx)
            if until is not None:
                return _report(counts, procedures, skipped=_(
                    "Đang chờ thử lại sau lỗi mạng đến {at}.").format(at=until.isoformat()))
        try:
            adapter = adapter or make_adapter(ctx)
        except SyncError as exc:
            return _report(counts, procedures, error=str(exc))
        try:
            with ctx.database.atomic():
                set_state(ctx, "last_attempt_at", ctx.now().isoformat())
            push(ctx, adapter, counts)
            if adapter.supports_pull:
                procedures = refresh_catalogue(ctx, adapter)
                pull(ctx, adapter, counts)
                if hasattr(adapter, "download_blob"):
                    # after the pull's pages are committed: a slow or failed download
                    # never holds back the dossiers themselves
                    online_pages.download_pages(ctx, adapter, counts)
            with ctx.database.atomic():
                set_state(ctx, "last_success_at", ctx.now().isoformat())
                set_state(ctx, "last_error", "")
        except (SyncError, Refused) as exc:
            error = str(exc)
            with ctx.database.atomic():
                set_state(ctx, "last_error", error)
                set_state(ctx, "last_error_at", ctx.now().isoformat())
        finally:
            if own_adapter and hasattr(adapter, "close"):
                adapter.close()
    return _report(counts, procedures, error=error)


def _report(counts, procedures, *, error="", skipped="") -> SyncReport:
    return SyncReport(pushed=counts[P.APPLIED], duplicates=counts[P.DUPLICATE],
                      conflicts=counts[P.CONFLICT] + counts["conflicts"],
                      rejected=counts[P.REJECTED], pulled=counts["pulled"],
                      new_dossiers=counts["new"], procedures_updated=procedures,
                      cursor=int(get_state("cursor", "0") or 0), error=error, skipped=skipped,
                      pages_uploaded=counts["pages_uploaded"],
                      page_bytes_sent=counts["page_bytes"],
                      pages_downloaded=counts["pages_downloaded"],
                      page_bytes_received=counts["page_bytes_received"])


# --- status, retry, conflicts -----------------------------------------------------------


def sync_status(ctx: AppContext) -> SyncStatus:
    with translated_errors():
        pending = Outbox.select().where(Outbox.state == PENDING)
        blocked = _blocked_dossiers()
        oldest = pending.select(peewee.fn.MIN(Outbox.created_at)).scalar()
        if oldest is not None and oldest.tzinfo is None:
            oldest = oldest.replace(tzinfo=UTC)
        return SyncStatus(
            online=bool(ctx.config["sync.portal_url"] or ctx.config["sync.gateway_url"]),
            adapter=ctx.config["sync.adapter"], portal_url=ctx.config["sync.portal_url"],
            enrolled=bool(get_state("device_id")),
            pending=pending.where(Outbox.dossier_uuid.not_in(blocked)).count(),
            held=Outbox.select().where(Outbox.state.in_([PENDING, FAILED]),
                                       Outbox.dossier_uuid.in_(blocked)).count(),
            conflicts=Dossier.select().where(Dossier.sync_state == "conflict").count(),
            rejected=Dossier.select().where(Dossier.sync_state == "rejected").count(),
            oldest_pending_at=oldest,
            oldest_pending_age_seconds=(max(0, int((ctx.now() - oldest).total_seconds()))
                                        if oldest else None),
            next_try_at=_backoff_until(ctx),
            last_success_at=_parse_time(get_state("last_success_at")),
            last_error=get_state("last_error"),
            last_error_at=_parse_time(get_state("last_error_at")),
            cursor=int(get_state("cursor", "0") or 0),
            **_pages_waiting(),
        )


def _pages_waiting() -> dict:
    """Pages of dossiers whose page list is still to be sent, not yet on the portal."""
    waiting_dossiers = Outbox.select(Outbox.dossier_uuid).where(
        Outbox.op == "dossier.pages", Outbox.state.in_([PENDING, FAILED]))
    used = (DossierPage.select(DossierPage.blob).join(Dossier)
            .where(Dossier.uuid.in_(waiting_dossiers)))
    count, size = (PageBlob.select(peewee.fn.COUNT(PageBlob.id),
                                   peewee.fn.COALESCE(peewee.fn.SUM(PageBlob.size), 0))
                   .where(PageBlob.uploaded_at.is_null(), PageBlob.id.in_(used))
                   .tuples().first())
    return {"pages_waiting": count, "pages_waiting_bytes": size}


def retry(ctx: AppContext, reference: str | None = None) -> int:
    """Send held operations again and end any backoff wait; returns rows re-queued."""
    with translated_errors(), ctx.database.atomic():
        query = Outbox.update(state=PENDING, next_try_at=None, attempts=0)
        where = [Outbox.state.in_([PENDING, FAILED])]
        if reference:
            uuid = find_dossier_row(reference).uuid
            where.append(Outbox.dossier_uuid == uuid)
            Dossier.update(sync_state="pending", sync_message="").where(
                Dossier.uuid == uuid, Dossier.sync_state == "rejected").execute()
        else:
            Dossier.update(sync_state="pending", sync_message="").where(
                Dossier.sync_state == "rejected").execute()
        return query.where(*where).execute()


def list_conflicts(ctx: AppContext) -> list[ConflictInfo]:
    with translated_errors():
        rows = (Dossier.select().where(Dossier.sync_state.in_(["conflict", "rejected"]))
                .order_by(Dossier.received_at))
        out = []
        for d in rows:
            conflict = SyncConflict.get_or_none(SyncConflict.dossier_uuid == d.uuid)
            copy = json.loads(conflict.server_copy) if conflict else {}
            out.append(ConflictInfo(
                dossier_uuid=d.uuid, code=d.code, state=d.sync_state, message=d.sync_message,
                local_status=d.status, portal_status=copy.get("status"),
                portal_version=conflict.server_version if conflict else None,
                pending_operations=Outbox.select().where(
                    Outbox.dossier_uuid == d.uuid,
                    Outbox.state.in_([PENDING, FAILED])).count(),
                detected_at=conflict.detected_at if conflict else None))
        return out


def resolve(ctx: AppContext, reference: str, keep: str) -> str:
    """Settle a conflict: keep the local changes (sent again on top of the portal's
    version) or the portal's copy (local unsent changes are dropped, history kept)."""
    if keep not in ("local", "portal"):
        raise InvalidInput(_("Chọn --keep local (giữ bản trên máy) hoặc --keep portal "
                             "(giữ bản trên cổng)."))
    with translated_errors(), ctx.database.atomic():
        dossier = find_dossier_row(reference)
        conflict = SyncConflict.get_or_none(SyncConflict.dossier_uuid == dossier.uuid)
        if conflict is None:
            raise NotFound(_("Hồ sơ {code} không có xung đột đồng bộ nào cần giải quyết."
                             ).format(code=dossier.code))
        copy = json.loads(conflict.server_copy)
        open_rows = Outbox.dossier_uuid == dossier.uuid, Outbox.state.in_([PENDING, FAILED])
        if keep == "local":
            Outbox.update(state=PENDING, base_version=conflict.server_version, attempts=0,
                          next_try_at=None, last_error="").where(*open_rows).execute()
            Dossier.update(portal_version=conflict.server_version, sync_state="pending",
                           sync_message="").where(Dossier.id == dossier.id).execute()
        else:
            if not copy:
                raise InvalidInput(_("Cổng không gửi kèm bản của hồ sơ {code}; không thể giữ "
                                     "bản trên cổng. Hãy chạy 'sadec-desk sync run' rồi thử lại."
                                     ).format(code=dossier.code))
            Outbox.update(state=DISCARDED).where(*open_rows).execute()
            _overwrite(ctx, dossier, copy, note=_("Giải quyết xung đột: giữ bản trên cổng"))
        SyncConflict.delete().where(SyncConflict.id == conflict.id).execute()
    return dossier.code

"""The push: the outbox sent to the portal exactly once, oldest first, in batches.

docs/design.md §5. The outbox rows are written by ``services/outbox.queue_change`` in the
same transaction as each change; this module sends them one batch per request and
applies the portal's per-operation answers in one local transaction. Exactly-once
rests on the portal keeping every ``op_id``: when an answer is lost (timeout, dropped
connection, the app killed before its commit) the rows stay pending and the next run
gets ``duplicate`` for them. A dossier whose operation was refused holds its later
operations back (never reordered) while other dossiers go on; the page files a
``dossier.pages`` operation names are uploaded before it goes.
"""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import peewee

from sadec_desk.db.attachment_models import PageBlob
from sadec_desk.db.models import Dossier, Outbox
from sadec_desk.db.sync_models import SyncConflict
from sadec_desk.i18n import _
from sadec_desk.sync import protocol as P
from sadec_desk.sync.adapters.base import uploader
from sadec_desk.sync.errors import AuthExpired, Refused, SyncError, TransientError
from sadec_desk.sync.outbox_ops import (
    DISCARDED,
    DONE,
    FAILED,
    PENDING,
    PageFileMissing,
    as_op,
    blocked_dossiers,
    chunks,
    named_pages,
    read_page_file,
    superseded_pages,
)
from sadec_desk.sync.state import set_state, store_conflict

if TYPE_CHECKING:
    from sadec_desk.services.context import AppContext
    from sadec_desk.sync.adapters.base import BlobUploader, SyncAdapter

# --- backoff after a failure ----------------------------------------------------------


def backoff_until(ctx: AppContext) -> datetime | None:
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


# --- the portal's answers --------------------------------------------------------------


def _mark_synced(uuids) -> None:
    """Dossiers with nothing left to send and no open conflict are synced."""
    uuids = list(uuids)
    if len(uuids) > 500:
        for chunk in chunks(uuids):
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
                store_conflict(ctx, row.dossier_uuid, answer.get("dossier"), message)
            Dossier.update(sync_state=result, sync_message=message).where(
                Dossier.uuid == row.dossier_uuid).execute()
        for chunk in chunks(done_ids):
            Outbox.update(state=DONE, attempts=Outbox.attempts + 1, last_error="",
                          next_try_at=None).where(Outbox.id.in_(chunk)).execute()
        by_version: dict[int, list[str]] = {}
        for uuid, version in versions.items():
            by_version.setdefault(version, []).append(uuid)
        for version, uuids in by_version.items():  # one UPDATE per version, not per dossier
            for chunk in chunks(uuids):
                Dossier.update(portal_version=version).where(
                    Dossier.uuid.in_(chunk), Dossier.portal_version < version).execute()
        _mark_synced(touched - failed_now)
        set_state(ctx, "last_success_at", ctx.now().isoformat())
    return counts


# --- one batch after another -----------------------------------------------------------


def _next_batch(ctx: AppContext, after_id: int) -> list[Outbox]:
    return list(Outbox.select()
                .where(Outbox.state == PENDING, Outbox.id > after_id,
                       Outbox.dossier_uuid.not_in(blocked_dossiers()))
                .order_by(Outbox.id).limit(max(1, ctx.config["sync.batch_size"])))


def _send(adapter: SyncAdapter, rows: list[Outbox]) -> list[dict]:
    """Send a batch; a 4xx refusal of the whole batch is narrowed down op by op, so
    one bad operation is rejected alone and does not block the other dossiers."""
    ops = [as_op(r) for r in rows]
    try:
        return adapter.push(ops)
    except Refused as exc:
        if len(ops) == 1:
            return [{"op_id": ops[0]["op_id"], "result": P.REJECTED,
                     # stored where the IT officer reads it: our words, the portal's quoted
                     "message": _("Cổng từ chối (HTTP {status}): «{message}»").format(
                         status=exc.status, message=exc)}]
    results: list[dict] = []
    refused: set[str] = set()
    for row in rows:
        if row.dossier_uuid in refused:
            results.append({"op_id": row.op_id, "result": P.CONFLICT,
                            "message": P.held_message()})
            continue
        answer = _send(adapter, [row])[0]
        if answer["result"] in (P.CONFLICT, P.REJECTED):
            refused.add(row.dossier_uuid)
        results.append(answer)
    return results


# --- page files before the dossier.pages operations that name them -------------------


def _pages_to_upload(row: Outbox) -> list[tuple[str, PageBlob | None]]:
    shas = named_pages(json.loads(row.payload))
    blobs = {b.sha256: b for b in PageBlob.select().where(PageBlob.sha256.in_(shas))}
    return [(sha, blobs.get(sha)) for sha in shas
            if blobs.get(sha) is None or blobs[sha].uploaded_at is None]


def upload_pages(ctx: AppContext, adapter: BlobUploader, row: Outbox, counts: dict) -> None:
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


def _with_pages_uploaded(ctx: AppContext, adapter: SyncAdapter, rows: list[Outbox], counts: dict):
    """Split a batch before it is pushed: (rows to send, rows refused here with their
    answers, the transient error that stopped the uploads). A ``dossier.pages`` op
    goes only once its pages are on the portal; when they cannot be, it and every
    later op of its dossier wait (never reordered), while other dossiers go on."""
    up = uploader(adapter)
    if up is None:
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
                    upload_pages(ctx, up, row, counts)
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


def _without_superseded(ctx: AppContext, rows: list[Outbox]) -> list[Outbox]:
    """The batch without superseded page lists, which are marked discarded, never sent."""
    stale = superseded_pages(rows)
    if not stale:
        return rows
    with ctx.database.atomic():
        Outbox.update(state=DISCARDED, last_error=_("Không gửi: đã có danh sách trang mới "
                                                    "hơn của hồ sơ này.")).where(
            Outbox.id.in_(list(stale)), Outbox.state == PENDING).execute()
    return [r for r in rows if r.id not in stale]


def push(ctx: AppContext, adapter: SyncAdapter, counts: dict) -> None:
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
        answered = send + [row for row, _answer in refused]
        if answered:
            for key, value in apply_push_answers(
                    ctx, answered, results + [answer for _row, answer in refused]).items():
                counts[key] += value
        if upload_error is not None:
            _note_failure(ctx, rows, str(upload_error))  # only the rows still pending
            raise upload_error
        last_id = batch[-1].id



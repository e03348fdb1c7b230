"""Offline transfer: pending operations to a signed file, and that file to the portal.

When an office is offline for days, the IT officer exports the pending outbox to a
file (USB stick) and imports it on a connected machine, which hands it to the
portal. The file is signed with HMAC-SHA256 under the device key the portal gave
at enrolment (stdlib ``hmac``), so the portal can tell a tampered or foreign file;
the ops keep their op_ids, so importing twice — or the office pushing the same
rows later — gives ``duplicate`` and changes nothing.

Scanned pages travel inside the signed file: ``blobs`` maps the SHA-256 of each page
a ``dossier.pages`` op names, and the portal has not confirmed, to its bytes in
base64; the portal stores them (checking each hash) before it applies the ops.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sadec_desk.db.attachment_models import PageBlob
from sadec_desk.db.database import translated_errors
from sadec_desk.db.models import Outbox
from sadec_desk.errors import InvalidInput
from sadec_desk.files import atomic_writer
from sadec_desk.i18n import _
from sadec_desk.sync import protocol as P
from sadec_desk.sync.adapters.reference import ReferenceAdapter
from sadec_desk.sync.errors import Refused, SyncError
from sadec_desk.sync.outbox_ops import (
    PENDING,
    PageFileMissing,
    as_op,
    blocked_dossiers,
    named_pages,
    read_page_file,
    superseded_pages,
)
from sadec_desk.sync.push import apply_push_answers
from sadec_desk.sync.state import get_state

if TYPE_CHECKING:
    from sadec_desk.services.context import AppContext

@dataclass(frozen=True)
class ExportInfo:
    path: str
    operations: int
    device_id: str
    pages: int = 0  # scanned pages carried in the file
    pages_missing: int = 0  # pages whose file is missing or damaged here: left out


@dataclass(frozen=True)
class ImportInfo:
    operations: int
    applied: int
    duplicates: int
    conflicts: int
    rejected: int
    device_id: str


def _bundle_blobs(ctx: AppContext, rows: list[Outbox]) -> tuple[dict[str, str], int]:
    """The pages the rows' dossier.pages ops name that the portal has not confirmed."""
    shas = list(dict.fromkeys(sha for r in rows if r.op == "dossier.pages"
                              for sha in named_pages(json.loads(r.payload))))
    blobs: dict[str, str] = {}
    missing = 0
    for start in range(0, len(shas), 500):
        chunk = shas[start:start + 500]
        known = {b.sha256: b for b in PageBlob.select().where(PageBlob.sha256.in_(chunk))}
        for sha in chunk:
            if known.get(sha) is not None and known[sha].uploaded_at is not None:
                continue
            try:
                blobs[sha] = base64.b64encode(read_page_file(ctx, known.get(sha), sha)
                                              ).decode("ascii")
            except PageFileMissing:
                # the portal refuses that page list until the page is scanned again;
                # the rest of the file is still good to carry
                missing += 1
    return blobs, missing


def export_pending(ctx: AppContext, out: Path) -> ExportInfo:
    with translated_errors():
        device_id, key = get_state("device_id"), get_state("device_key")
        if not device_id:
            raise SyncError(_("Máy này chưa đăng ký với cổng nên không ký được tệp xuất. "
                              "Hãy chạy 'sadec-desk sync enrol' một lần khi có mạng."))
        # as in a push: operations held behind a conflict or a rejection stay here
        rows = list(Outbox.select().where(Outbox.state == PENDING,
                                          Outbox.dossier_uuid.not_in(blocked_dossiers()))
                    .order_by(Outbox.id))
        stale = superseded_pages(rows)  # left here: the office's next run discards them
        rows = [r for r in rows if r.id not in stale]
        blobs, missing = _bundle_blobs(ctx, rows)
    body: dict[str, Any] = {"format": P.BUNDLE_FORMAT, "device_id": device_id,
                            "created_at": ctx.now().isoformat(), "ops": [as_op(r) for r in rows]}
    if blobs:
        body["blobs"] = blobs
    bundle = P.sign_bundle(body, key)
    out = Path(out)
    try:
        # the file holds citizens' personal data: readable by its owner only (the temp
        # file atomic_writer makes is created 0600, and the rename keeps that)
        with atomic_writer(out, mode="w", encoding="utf-8") as handle:
            json.dump(bundle, handle, ensure_ascii=False)
    except OSError as exc:
        raise InvalidInput(_("Không ghi được tệp {path} ({error}). Kiểm tra USB và quyền ghi."
                             ).format(path=out, error=exc)) from None
    return ExportInfo(path=str(out), operations=len(rows), device_id=device_id,
                      pages=len(blobs), pages_missing=missing)


def read_bundle(path: Path) -> dict:
    try:
        bundle = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidInput(_("Không đọc được tệp {path} ({error}).").format(
            path=path, error=exc)) from None
    if not isinstance(bundle, dict) or bundle.get("format") != P.BUNDLE_FORMAT:
        raise InvalidInput(_("Tệp {path} không phải tệp xuất hàng đợi đồng bộ của "
                             "Sa Đéc Desk.").format(path=path))
    return bundle


def import_bundle(ctx: AppContext, path: Path, *, adapter=None) -> ImportInfo:
    """Hand an exported file to the portal; the portal checks the signature."""
    bundle = read_bundle(path)
    if bundle["device_id"] == get_state("device_id"):
        # this machine made it: check it here as well, before anything leaves
        try:
            P.verify_bundle(bundle, lambda _d: get_state("device_key"))
        except P.BundleError as exc:
            raise InvalidInput(_("Tệp {path} không hợp lệ: {error}.").format(
                path=path, error=exc)) from None
    ops = bundle["ops"]
    counts = dict.fromkeys(P.RESULTS, 0)
    if ops:
        own = adapter is None
        adapter = adapter or ReferenceAdapter(ctx)
        try:
            results = adapter.send_bundle(bundle)
        except Refused as exc:
            raise SyncError(_("Cổng dịch vụ từ chối tệp {path}: {error}.").format(
                path=path, error=exc)) from None
        finally:
            if own:
                adapter.close()
        for r in results:
            counts[r["result"]] += 1
        # rows of this very database (the office machine itself) take the answers too
        with translated_errors():
            rows = {r.op_id: r for r in Outbox.select().where(
                Outbox.op_id.in_([o["op_id"] for o in ops]), Outbox.state == "pending")}
            pairs = [(rows[r["op_id"]], r) for r in results if r["op_id"] in rows]
            if pairs:
                apply_push_answers(ctx, [p[0] for p in pairs], [p[1] for p in pairs])
            if bundle.get("blobs") and isinstance(bundle["blobs"], dict):
                # the portal stored them (it answered): never upload them again from here
                with ctx.database.atomic():
                    PageBlob.update(uploaded_at=ctx.now()).where(
                        PageBlob.sha256.in_(list(bundle["blobs"])),
                        PageBlob.uploaded_at.is_null()).execute()
    return ImportInfo(operations=len(ops), applied=counts[P.APPLIED],
                      duplicates=counts[P.DUPLICATE], conflicts=counts[P.CONFLICT],
                      rejected=counts[P.REJECTED], device_id=bundle["device_id"])

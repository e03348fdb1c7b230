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
import hashlib
import hmac
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sadec_desk.db.database import translated_errors
from sadec_desk.db.models import Outbox
from sadec_desk.errors import InvalidInput
from sadec_desk.i18n import _
from sadec_desk.sync import protocol as P
from sadec_desk.sync.adapters.reference import SyncError

if TYPE_CHECKING:
    from sadec_desk.services.context import AppContext

FORMAT = "sadec-desk-outbox/1"


class BundleError(ValueError):
    """A bundle that is not well-formed or whose signature does not verify."""


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


def _canonical(bundle: dict) -> bytes:
    body = {k: v for k, v in bundle.items() if k != "signature"}
    return json.dumps(body, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False).encode("utf-8")


def sign_bundle(bundle: dict, key: str) -> dict:
    signature = hmac.new(key.encode(), _canonical(bundle), hashlib.sha256).hexdigest()
    return {**bundle, "signature": signature}


def verify_bundle(bundle: dict, key_for: Callable[[str], str | None]) -> str:
    """Check the shape and the signature; returns the device id that signed it."""
    if not isinstance(bundle, dict) or bundle.get("format") != FORMAT:
        raise BundleError("not a sadec-desk outbox file")
    device_id, signature = bundle.get("device_id"), bundle.get("signature")
    if not isinstance(device_id, str) or not isinstance(signature, str):
        raise BundleError("device_id or signature missing")
    if not isinstance(bundle.get("ops"), list):
        raise BundleError("ops missing")
    key = key_for(device_id)
    if key is None:
        raise BundleError("unknown device")
    expected = hmac.new(key.encode(), _canonical(bundle), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, signature):
        raise BundleError("the signature does not match: the file was changed or not "
                          "made by this device")
    return device_id


def _bundle_blobs(ctx: AppContext, rows: list[Outbox]) -> tuple[dict[str, str], int]:
    """The pages the rows' dossier.pages ops name that the portal has not confirmed."""
    from sadec_desk.db.attachment_models import PageBlob
    from sadec_desk.sync.engine import PageFileMissing, named_pages, read_page_file

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
    from sadec_desk.sync.engine import (
        PENDING,
        _as_op,
        _blocked_dossiers,
        get_state,
        superseded_pages,
    )

    with translated_errors():
        device_id, key = get_state("device_id"), get_state("device_key")
        if not device_id:
            raise SyncError(_("Máy này chưa đăng ký với cổng nên không ký được tệp xuất. "
                              "Hãy chạy 'sadec-desk sync enrol' một lần khi có mạng."))
        # as in a push: operations held behind a conflict or a rejection stay here
        rows = list(Outbox.select().where(Outbox.state == PENDING,
                                          Outbox.dossier_uuid.not_in(_blocked_dossiers()))
                    .order_by(Outbox.id))
        stale = superseded_pages(rows)  # left here: the office's next run discards them
        rows = [r for r in rows if r.id not in stale]
        blobs, missing = _bundle_blobs(ctx, rows)
    body = {"format": FORMAT, "device_id": device_id, "created_at": ctx.now().isoformat(),
            "ops": [_as_op(r) for r in rows]}
    if blobs:
        body["blobs"] = blobs
    bundle = sign_bundle(body, key)
    out = Path(out)
    tmp = out.with_name(out.name + ".tmp")
    try:
        # the file holds citizens' personal data: readable by its owner only
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(bundle, handle, ensure_ascii=False)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, out)
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
    if not isinstance(bundle, dict) or bundle.get("format") != FORMAT:
        raise InvalidInput(_("Tệp {path} không phải tệp xuất hàng đợi đồng bộ của "
                             "Sa Đéc Desk.").format(path=path))
    return bundle


def import_bundle(ctx: AppContext, path: Path, *, adapter=None) -> ImportInfo:
    """Hand an exported file to the portal; the portal checks the signature."""
    from sadec_desk.sync.adapters.reference import Refused
    from sadec_desk.sync.engine import ReferenceAdapter, apply_push_answers, get_state

    bundle = read_bundle(path)
    if bundle["device_id"] == get_state("device_id"):
        # this machine made it: check it here as well, before anything leaves
        try:
            verify_bundle(bundle, lambda _d: get_state("device_key"))
        except BundleError as exc:
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
                from sadec_desk.db.attachment_models import PageBlob

                with ctx.database.atomic():
                    PageBlob.update(uploaded_at=ctx.now()).where(
                        PageBlob.sha256.in_(list(bundle["blobs"])),
                        PageBlob.uploaded_at.is_null()).execute()
    return ImportInfo(operations=len(ops), applied=counts[P.APPLIED],
                      duplicates=counts[P.DUPLICATE], conflicts=counts[P.CONFLICT],
                      rejected=counts[P.REJECTED], device_id=bundle["device_id"])

"""The outbox as the sync reads it: row states, operations as sent, and the page files
a ``dossier.pages`` operation names.

Shared by the push (:mod:`sadec_desk.sync.push`), the offline export
(:mod:`sadec_desk.sync.transfer`) and the gateway adapter, so none of them reaches into
another. The rows themselves are written by ``services/outbox.queue_change`` in the
transaction of each change.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING

import peewee

from sadec_desk.db.attachment_models import PageBlob
from sadec_desk.db.models import Outbox
from sadec_desk.errors import UserError
from sadec_desk.i18n import _
from sadec_desk.services.pages.store import blob_path
from sadec_desk.services.query_rows import tuple_rows
from sadec_desk.sync.errors import SyncError

if TYPE_CHECKING:
    from sadec_desk.services.context import AppContext

#: the states of an outbox row
PENDING, DONE, FAILED, DISCARDED = "pending", "done", "failed", "discarded"


def blocked_dossiers():
    """The dossiers with a failed (conflicting or rejected) operation: their later
    operations wait behind it (a subquery of dossier uuids)."""
    return Outbox.select(Outbox.dossier_uuid).where(Outbox.state == FAILED)


def as_op(row: Outbox) -> dict:
    """An outbox row as the portal receives it (sync/protocol.py)."""
    return {"op_id": row.op_id, "dossier_uuid": row.dossier_uuid, "op": row.op,
            "base_version": row.base_version, "payload": json.loads(row.payload),
            "created_at": row.created_at.isoformat()}


def chunks(items: list, size: int = 500):
    """Keep IN lists under SQLite's bound-parameter limit."""
    for start in range(0, len(items), size):
        yield items[start:start + size]


def superseded_pages(rows: list[Outbox]) -> set[int]:
    """Ids of the ``dossier.pages`` rows that a later pending one of the same dossier
    replaces: each carries the whole page list, so only the newest matters, and an
    older one may name pages the clerk has since removed (whose files may be gone)."""
    pages = [r for r in rows if r.op == "dossier.pages"]
    if not pages:
        return set()
    newest: dict[str, int] = {}
    for chunk in chunks(list({r.dossier_uuid for r in pages})):
        newest.update(tuple_rows(Outbox.select(Outbox.dossier_uuid, peewee.fn.MAX(Outbox.id))
                                 .where(Outbox.op == "dossier.pages", Outbox.state == PENDING,
                                        Outbox.dossier_uuid.in_(chunk))
                                 .group_by(Outbox.dossier_uuid)))
    return {r.id for r in pages if newest.get(r.dossier_uuid, r.id) > r.id}


# --- the page files a dossier.pages operation names ------------------------------------


class PageFileMissing(SyncError):
    """A page named by a ``dossier.pages`` op is missing or damaged on this machine."""

    code = "sync_page_missing"


def page_file(ctx: AppContext, blob: PageBlob) -> Path:
    """Where a page's bytes live (<data dir>/pages/<sha[:2]>/<sha>.<jpg|png>)."""
    return blob_path(ctx, blob.sha256)


def named_pages(payload: dict) -> list[str]:
    """The distinct SHA-256 names a ``dossier.pages`` payload uses, in order: its pages,
    then its result documents (services/pages/results.py), uploaded the same way."""
    shas = [page.get("sha256") for paper in payload.get("papers") or []
            for page in paper.get("pages") or []]
    shas += [result.get("sha256") for result in payload.get("results") or []]
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

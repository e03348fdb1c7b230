"""Operations the portal held back, and what the IT officer does about them.

A refused operation (``rejected``) or one the portal's newer copy contradicts
(``conflict``) stops its dossier's queue (:mod:`sadec_desk.sync.push`); here it is sent
again (:func:`retry`), listed (:func:`list_conflicts`) or settled by keeping one side
(:func:`resolve`).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from sadec_desk.db.database import translated_errors
from sadec_desk.db.models import Dossier, Outbox
from sadec_desk.db.sync_models import SyncConflict
from sadec_desk.errors import InvalidInput, NotFound
from sadec_desk.i18n import _
from sadec_desk.services.access import ADMIN_ROLES, require_role
from sadec_desk.services.reception.dossiers import find_dossier_row
from sadec_desk.sync.outbox_ops import DISCARDED, FAILED, PENDING
from sadec_desk.sync.pull import overwrite_dossier
from sadec_desk.sync.records import ConflictInfo

if TYPE_CHECKING:
    from sadec_desk.services.context import AppContext


def retry(ctx: AppContext, reference: str | None = None) -> int:
    """Send held operations again and end any backoff wait; returns rows re-queued."""
    require_role(ctx, *ADMIN_ROLES)
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
    require_role(ctx, *ADMIN_ROLES)
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
    require_role(ctx, *ADMIN_ROLES)
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
            overwrite_dossier(ctx, dossier, copy, note=_("Giải quyết xung đột: giữ bản trên cổng"))
        SyncConflict.delete().where(SyncConflict.id == conflict.id).execute()
    return dossier.code

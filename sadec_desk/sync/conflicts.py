"""Operations the portal held back, changes set aside, and what the IT officer does.

A refused operation (``rejected``) or one the portal's newer copy contradicts
(``conflict``) stops its dossier's queue (:mod:`sadec_desk.sync.push`); here it is sent
again (:func:`retry`), listed (:func:`list_conflicts`) or settled by keeping one side
(:func:`resolve`); a refusal the IT officer dealt with outside the app (the province
removed or fixed the record on its side) is dismissed with a recorded reason
(:func:`dismiss_rejected`). A change of the portal's feed this office could not apply was set
aside by the pull (:func:`sadec_desk.sync.pull.quarantine`): it is listed
(:func:`list_quarantined`), applied again after an update (:func:`apply_quarantined`)
or dismissed with a recorded reason (:func:`dismiss_quarantined`).
"""

from __future__ import annotations

import json
import unicodedata
from typing import TYPE_CHECKING

from sadec_desk.db.database import is_sqlite, translated_errors
from sadec_desk.db.models import Dossier, Outbox
from sadec_desk.db.sync_models import QuarantinedChange, SyncConflict
from sadec_desk.domain.lifecycle import STATUS_LABELS, DossierStatus
from sadec_desk.errors import InvalidInput, NotFound
from sadec_desk.i18n import _, vietnamese
from sadec_desk.services.access import ADMIN_ROLES, require_role
from sadec_desk.services.audit import append_event
from sadec_desk.services.display import sync_label
from sadec_desk.services.reception.dossiers import find_dossier_row
from sadec_desk.services.records import SYNC_DISMISSED_EVENT
from sadec_desk.sync.outbox_ops import DISCARDED, FAILED, PENDING, blocked_dossiers, chunks
from sadec_desk.sync.pull import apply_kept, overwrite_dossier
from sadec_desk.sync.records import ConflictInfo, DismissedInfo, QuarantinedInfo

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


def _held_state(dossier: Dossier) -> str:
    """What holds a dossier's operations back: ``conflict``, ``rejected`` or "" (nothing).

    A change made at the counter after the refusal leaves a held dossier's state alone
    (services/outbox.queue_change), but releases before that set it back to ``pending``
    while its operations still waited behind the refused one: for such a dossier the
    failed row, or the portal's copy kept for a conflict, still tells."""
    if dossier.sync_state == "conflict" or SyncConflict.select().where(
            SyncConflict.dossier_uuid == dossier.uuid).exists():
        return "conflict"
    if dossier.sync_state == "rejected" or Outbox.select().where(
            Outbox.dossier_uuid == dossier.uuid, Outbox.state == FAILED).exists():
        return "rejected"
    return ""


def _held_state_label(state: str) -> str:
    """The words for a held dossier's state (``conflict`` | ``rejected``)."""
    return {"conflict": _("xung đột"), "rejected": _("bị từ chối")}.get(state, state)


def _status_label(status: str | None) -> str:
    """A dossier status as the clerk knows it ("Hủy do nhập nhầm" for ``voided``); "—"
    for none. A status this version does not know (the portal's copy may come from a
    newer one) is shown as the portal wrote it: there are no words for it here."""
    if not status:
        return "—"
    try:
        return STATUS_LABELS[DossierStatus(status)]
    except ValueError:
        return status


def list_conflicts(ctx: AppContext) -> list[ConflictInfo]:
    """The dossiers held back by a conflict or a refusal, oldest first (also those whose
    ``sync_state`` a later local change set back to ``pending``: see :func:`_held_state`)."""
    require_role(ctx, *ADMIN_ROLES)
    with translated_errors():
        rows = (Dossier.select().where(
            Dossier.sync_state.in_(["conflict", "rejected"])
            | Dossier.uuid.in_(blocked_dossiers())
            | Dossier.uuid.in_(SyncConflict.select(SyncConflict.dossier_uuid)))
                .order_by(Dossier.received_at))
        out = []
        for d in rows:
            conflict = SyncConflict.get_or_none(SyncConflict.dossier_uuid == d.uuid)
            copy = json.loads(conflict.server_copy) if conflict else {}
            state, portal_status = _held_state(d), copy.get("status")
            out.append(ConflictInfo(
                dossier_uuid=d.uuid, code=d.code, state=state, message=d.sync_message,
                local_status=d.status, portal_status=portal_status,
                state_label=_held_state_label(state), local_status_label=_status_label(d.status),
                portal_status_label=_status_label(portal_status),
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
            overwrite_dossier(ctx, dossier, copy,
                              note=vietnamese("Giải quyết xung đột: giữ bản trên cổng"))
        SyncConflict.delete().where(SyncConflict.id == conflict.id).execute()
    return dossier.code


#: bounds of a typed reason (as long as the other recorded reasons: void, set-aside change)
REASON_MIN, REASON_MAX = 3, 500


def _who(ctx: AppContext) -> str:
    """Who settles a held item, as the set-aside list records it: the signed-in user's
    username, or the machine's administrator at the command line."""
    user = getattr(ctx, "user", None)
    return user.username if user else "admin (CLI)"


def dismiss_rejected(ctx: AppContext, reference: str, reason: str) -> DismissedInfo:
    """Settle a dossier the gateway or the portal refused for good (``rejected``, see
    :func:`_held_state`), once the IT officer dealt with it outside the app (the province
    deleted a voided dossier, or fixed the record on its side) or decided nothing is to
    be sent.

    In one transaction: the refused operation (the failed one) is discarded with the
    reason and who/when in ``last_error``; the changes made since, which waited behind
    it, go on as usual (the dossier is ``pending`` again; with none, ``synced``): the
    gateway's record is rebuilt whole by each, and the portal must not miss a status
    the office gave later. So ``sync conflicts``, ``sync status`` and the IT tab no
    longer count it, unless a later change is refused in its turn. Its history gets a
    ``sync_dismissed`` event with the reason as typed. A conflict is not dismissed: it
    is settled by keeping one side (:func:`resolve`)."""
    require_role(ctx, *ADMIN_ROLES)
    reason = " ".join((reason or "").split())
    if len(reason) < REASON_MIN:
        raise InvalidInput(_("Hãy ghi lý do bỏ qua (ít nhất vài chữ), ví dụ «tỉnh đã xóa hồ "
                             "sơ trên trục»."))
    if len(reason) > REASON_MAX:
        raise InvalidInput(_("Lý do bỏ qua dài quá {n} ký tự.").format(n=REASON_MAX))
    if any(unicodedata.category(c) in ("Cc", "Cf") for c in reason):
        raise InvalidInput(_("Lý do bỏ qua có ký tự điều khiển; hãy gõ lại bằng chữ."))
    with translated_errors(), ctx.database.atomic():
        dossier = find_dossier_row(reference)
        if not is_sqlite(ctx.database):
            # SQLite's BEGIN IMMEDIATE already serialises writers; on PostgreSQL a second
            # officer's dismissal (or a clerk's change) waits, then sees the settled row
            Dossier.select(Dossier.id).where(Dossier.id == dossier.id).for_update().first()
            dossier = find_dossier_row(reference)
        held_by = _held_state(dossier)
        if held_by == "conflict":
            raise InvalidInput(_(
                "Hồ sơ {code} đang xung đột với bản trên cổng, không phải bị từ chối: hãy giải "
                "quyết bằng 'sadec-desk sync resolve {code} --keep local|portal' (giữ bản trên "
                "máy hoặc bản trên cổng).").format(code=dossier.code))
        if held_by != "rejected":
            raise InvalidInput(_(
                "Hồ sơ {code} không có thao tác nào bị từ chối ({state}); chỉ bỏ qua được hồ "
                "sơ mà cổng hoặc trục đã từ chối (xem 'sadec-desk sync conflicts')."
            ).format(code=dossier.code, state=sync_label(dossier.sync_state)))
        now, who = ctx.now(), _who(ctx)
        held = list(Outbox.select(Outbox.id, Outbox.op_id).where(
            Outbox.dossier_uuid == dossier.uuid, Outbox.state == FAILED).order_by(Outbox.id))
        waiting = Outbox.select().where(Outbox.dossier_uuid == dossier.uuid,
                                        Outbox.state == PENDING).exists()
        settled = vietnamese("Đã bỏ qua bởi {who} lúc {at}: {reason}").format(
            who=who, at=now.isoformat(timespec="seconds"), reason=reason)
        for chunk in chunks([row.id for row in held]):
            Outbox.update(state=DISCARDED, next_try_at=None, last_error=settled).where(
                Outbox.id.in_(chunk)).execute()
        Dossier.update(sync_state="pending" if waiting else "synced",
                       sync_message=settled).where(
            Dossier.id == dossier.id).execute()
        append_event(ctx.database, dossier=dossier.id, at=now, actor=ctx.actor,
                     kind=SYNC_DISMISSED_EVENT, from_status=None, to_status=dossier.status,
                     note=vietnamese("Bỏ qua thao tác đồng bộ bị từ chối (đã xử lý ngoài "
                                     "phần mềm): {reason}").format(reason=reason),
                     data=json.dumps({"operations": [row.op_id for row in held],
                                      "refusal": dossier.sync_message[:2000]},
                                     ensure_ascii=False, separators=(",", ":")))
    return DismissedInfo(code=dossier.code, dossier_uuid=dossier.uuid,
                         discarded_operations=len(held), reason=reason, dismissed_by=who,
                         dismissed_at=now, refusal=dossier.sync_message)


# --- changes from the portal set aside ------------------------------------------------

OPEN, APPLIED, DISMISSED = "open", "applied", "dismissed"


def _quarantined_info(row: QuarantinedChange) -> QuarantinedInfo:
    code = None
    try:
        dossier = json.loads(row.change).get("dossier")
        code = dossier.get("code") if isinstance(dossier, dict) else None
    except (ValueError, AttributeError):
        pass  # kept cut or not an object: named by its uuid only
    return QuarantinedInfo(id=row.id, seq=row.seq, dossier_uuid=row.dossier_uuid,
                           code=code if isinstance(code, str) else "", reason=row.reason,
                           received_at=row.received_at, state=row.state,
                           settled_at=row.settled_at, settled_by=row.settled_by, note=row.note)


def list_quarantined(ctx: AppContext, *, settled: bool = False) -> list[QuarantinedInfo]:
    """The changes set aside and still open (with ``settled``, also those applied or
    dismissed since, with who did it and why), oldest first."""
    require_role(ctx, *ADMIN_ROLES)
    with translated_errors():
        query = QuarantinedChange.select().order_by(QuarantinedChange.id)
        if not settled:
            query = query.where(QuarantinedChange.state == OPEN)
        return [_quarantined_info(row) for row in query]


def _open_row(ident: int) -> QuarantinedChange:
    row = QuarantinedChange.get_or_none(QuarantinedChange.id == ident)
    if row is None:
        raise NotFound(_("Không có thay đổi nào số {id} trong danh sách để riêng.").format(
            id=ident))
    if row.state != OPEN:
        raise InvalidInput(_("Thay đổi số {id} đã được xử lý ({state}) lúc {at}.").format(
            id=ident, state=_("áp dụng") if row.state == APPLIED else _("bỏ qua"),
            at=row.settled_at.isoformat(timespec="minutes") if row.settled_at else "—"))
    return row


def _settle(ctx: AppContext, row: QuarantinedChange, state: str, note: str = "") -> None:
    QuarantinedChange.update(state=state, settled_at=ctx.now(), note=note,
                             settled_by=_who(ctx)).where(
        QuarantinedChange.id == row.id).execute()


def apply_quarantined(ctx: AppContext, ident: int | None = None) -> tuple[int, list[str]]:
    """Apply set-aside changes again (one, or every open one, oldest first), as the pull
    would now — after the app, its catalogue or the portal's copy was corrected. Returns
    how many applied and, for each one that still cannot be, why (it stays open with
    the new reason)."""
    require_role(ctx, *ADMIN_ROLES)
    applied, problems = 0, []
    with translated_errors():
        if ident is None:
            rows = list(QuarantinedChange.select().where(QuarantinedChange.state == OPEN)
                        .order_by(QuarantinedChange.id))
        else:
            rows = [_open_row(ident)]
        for row in rows:
            with ctx.database.atomic():
                try:
                    change = json.loads(row.change)
                except ValueError:
                    problem = _("bản lưu không còn đọc được (quá dài, đã bị cắt)")
                else:
                    problem = apply_kept(ctx, change)
                if problem:
                    QuarantinedChange.update(reason=problem[:2000]).where(
                        QuarantinedChange.id == row.id).execute()
                    problems.append(_("Thay đổi số {id}: {reason}").format(id=row.id,
                                                                           reason=problem))
                else:
                    _settle(ctx, row, APPLIED)
                    applied += 1
    return applied, problems


def dismiss_quarantined(ctx: AppContext, ident: int, reason: str) -> QuarantinedInfo:
    """Give up on a set-aside change, with the reason recorded (who, when, why); the
    portal's later changes of the same dossier still come as usual."""
    require_role(ctx, *ADMIN_ROLES)
    reason = " ".join((reason or "").split())
    if len(reason) < 3:
        raise InvalidInput(_("Hãy ghi lý do bỏ qua thay đổi này (ít nhất vài chữ)."))
    if len(reason) > 500:
        raise InvalidInput(_("Lý do bỏ qua dài quá 500 ký tự."))
    if any(unicodedata.category(c) in ("Cc", "Cf") for c in reason):
        raise InvalidInput(_("Lý do bỏ qua có ký tự điều khiển; hãy gõ lại bằng chữ."))
    with translated_errors(), ctx.database.atomic():
        row = _open_row(ident)
        _settle(ctx, row, DISMISSED, reason)
        return _quarantined_info(QuarantinedChange.get_by_id(row.id))

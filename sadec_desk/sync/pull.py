"""The pull: the portal's change feed applied here, page by page, from the stored cursor.

docs/design.md §5. Pull comes after push: the feed is read from the stored cursor (a number
the portal issues, never a client clock) and each page is applied in the same
transaction that stores the new cursor, guarded by a compare-and-set so two workers
never apply one page twice. A dossier with local changes the portal has not seen is
never overwritten: it becomes a conflict for a clerk (:mod:`sadec_desk.sync.conflicts`).
Online dossiers come down whole, with their papers and form (:mod:`online_pages`).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from copy import deepcopy
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

import peewee

from sadec_desk.db.models import Citizen, Dossier, DossierSequence, Outbox
from sadec_desk.db.models import Procedure as ProcedureRow
from sadec_desk.db.search_index import fold_name
from sadec_desk.db.sync_models import QuarantinedChange
from sadec_desk.domain.catalogue import CatalogueError, procedures_from_data
from sadec_desk.domain.dossier_code import parse_dossier_code
from sadec_desk.domain.lifecycle import FINISHED_STATUSES, DossierStatus
from sadec_desk.errors import InvalidInput
from sadec_desk.i18n import _, vietnamese
from sadec_desk.services import catalogue
from sadec_desk.services.access import ADMIN_ROLES, require_role
from sadec_desk.services.actors import PORTAL_ACTOR
from sadec_desk.services.audit import append_event, append_events
from sadec_desk.services.query_rows import tuple_rows
from sadec_desk.sync import online_pages
from sadec_desk.sync import protocol as P
from sadec_desk.sync.bulk import update_rows
from sadec_desk.sync.errors import SyncError
from sadec_desk.sync.outbox_ops import FAILED, PENDING, chunks
from sadec_desk.sync.state import get_state, set_state, store_conflict

if TYPE_CHECKING:
    from sadec_desk.services.context import AppContext
    from sadec_desk.sync.adapters.base import PullAdapter

log = logging.getLogger(__name__)

#: changes asked for per request
PULL_PAGE = 500
#: the longest change kept aside whole (a page of the feed is bounded by the portal)
MAX_KEPT_CHARS = 1_000_000


# --- the procedure catalogue ----------------------------------------------------------


def refresh_catalogue(ctx: AppContext, adapter: PullAdapter) -> int:
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


# --- the change feed ------------------------------------------------------------------


def _dt(text: str | None) -> datetime | None:
    """A moment of the feed (with its UTC offset: protocol.change_problem checked it)."""
    return datetime.fromisoformat(text) if text else None


def _citizen_id(ctx: AppContext, data: dict) -> int:
    """The applicant of an online dossier; a card read at the counter is never overwritten.
    (protocol.change_problem checked that the ID number is there.)"""
    id_number = str(data["id_number"]).strip()
    dob = data.get("date_of_birth")
    full_name = str(data.get("full_name", ""))
    Citizen.insert(id_number=id_number, full_name=full_name, folded_name=fold_name(full_name),
                   date_of_birth=datetime.fromisoformat(dob).date() if dob else None,
                   gender=str(data.get("gender", "")), address=str(data.get("address", "")),
                   phone=str(data.get("phone", "")), updated_at=ctx.now()
                   ).on_conflict_ignore().execute()
    return Citizen.get(Citizen.id_number == id_number).id


def _why_not_applied(exc: Exception) -> str:
    """The reason kept with a change that could not be applied: our own sentences as they
    are; a technical one (a field, a database constraint) under a Vietnamese head, as the
    feed's format problems are (:func:`pull`), for the IT officer's list."""
    words = str(exc) or type(exc).__name__
    if isinstance(exc, SyncError | InvalidInput):
        return words
    if isinstance(exc, peewee.IntegrityError):
        return _("Cơ sở dữ liệu không nhận thay đổi từ cổng: {problem}").format(
            problem=f"«{words}»")
    if isinstance(exc, KeyError):
        words = _("thiếu trường {key}").format(key=words)
    elif not isinstance(exc, P.SchemaError):
        words = f"«{words}»"  # a library's words (Python's)
    return _("Thay đổi từ cổng không đúng định dạng: {problem}").format(problem=words)


class _Page:
    """One page of the change feed applied with a few bulk statements (bulk.py)."""

    def __init__(self, ctx: AppContext, changes: list[dict], device_id: str, counts: dict):
        """``changes``: those of the page that passed :func:`protocol.change_problem`."""
        self.ctx, self.device_id, self.counts = ctx, device_id, counts
        uuids = list({c["dossier"]["uuid"] for c in changes})
        self.local: dict[str, dict] = {}
        self.busy: set[str] = set()
        for chunk in chunks(uuids):
            # .dicts(): peewee's stubs type it as the query, whose rows are models
            rows = cast("Iterable[dict[str, Any]]", Dossier.select(
                Dossier.id, Dossier.uuid, Dossier.status, Dossier.due_at, Dossier.finished_at,
                Dossier.portal_version, Dossier.sync_state, Dossier.sync_message)
                .where(Dossier.uuid.in_(chunk)).dicts())
            for row in rows:
                self.local[row["uuid"]] = row
            self.busy.update(u for (u,) in tuple_rows(Outbox.select(Outbox.dossier_uuid).where(
                Outbox.dossier_uuid.in_(chunk), Outbox.state.in_([PENDING, FAILED]))))
        self.updates: dict[int, dict] = {}
        self.events: list[dict] = []

    def apply_or_keep_aside(self, change: dict) -> str:
        """Apply one change; when it cannot be applied here, undo what it did (a
        savepoint for the database, a copy for this page's pending writes) and return
        why ("" when it applied)."""
        uuid = change["dossier"]["uuid"]
        local = self.local.get(uuid)
        saved = (deepcopy(local), len(self.events), dict(self.counts),
                 deepcopy(self.updates.get(local["id"])) if local else None)
        try:
            with self.ctx.database.atomic():  # a savepoint inside the page's transaction
                self.apply(change)
            return ""
        except (P.SchemaError, SyncError, InvalidInput, KeyError, ValueError, TypeError,
                peewee.IntegrityError) as exc:
            problem = _why_not_applied(exc)
            before, events, counts, update = saved
            if before is None:
                self.local.pop(uuid, None)
            else:
                self.local[uuid] = before
                if update is None:
                    self.updates.pop(before["id"], None)
                else:
                    self.updates[before["id"]] = update
            del self.events[events:]
            self.counts.clear()
            self.counts.update(counts)
            return problem

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
        if local is None:
            self._create(copy)
        elif uuid in self.busy:
            # never overwrite a change the portal has not seen: a clerk decides (docs/design.md §5)
            message = _("Hồ sơ đã được sửa trên cổng trong khi máy này còn thay đổi chưa gửi.")
            store_conflict(self.ctx, uuid, copy, message)
            if local["sync_state"] != "conflict":  # not already counted by this run's push
                self.counts["conflicts"] += 1
            local["sync_state"] = "conflict"
            self._update(local, sync_state="conflict", sync_message=message)
        else:
            self._overwrite(local, copy, vietnamese("Cập nhật từ cổng dịch vụ"))
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
            self.events.append({"dossier": local["id"], "at": self.ctx.now(),
                                "actor": PORTAL_ACTOR, "kind": "status",
                                "from_status": local["status"],
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
            # the commonest reason a change waits aside (the province added a procedure
            # this office's catalogue has not yet): said so, for the IT officer to act on
            raise SyncError(_("Thủ tục {code} chưa có trong danh mục thủ tục của máy này. Cập "
                              "nhật danh mục rồi áp dụng lại.").format(
                                  code=copy["procedure_code"]))
        received_at = _dt(copy["received_at"])
        status = copy["status"]
        try:
            office = parse_dossier_code(copy["code"]).agency_code
        except InvalidInput:
            office = None  # not in the Art. 19 layout: the portal's own numbering
        ours = str(self.ctx.config["office.agency_code"]).strip().upper()
        if office is not None and ours and office != ours:
            # the feed is the office's own (the portal filters it); a dossier of another
            # office in it is the portal's mistake, never taken in here
            raise SyncError(_("Hồ sơ {code} thuộc cơ quan {other}, không phải cơ quan này "
                              "({ours}).").format(code=copy["code"], other=office, ours=ours))
        if Dossier.select().where(Dossier.code == copy["code"]).exists():
            # the portal gave an online dossier a code this office already used: nothing
            # can be stored under it; it waits aside until the portal corrects it
            raise SyncError(_("Hồ sơ trực tuyến từ cổng có mã {code} trùng với một hồ sơ đã "
                              "tiếp nhận tại đây. Báo quản trị cổng để sửa mã rồi áp dụng "
                              "lại.").format(code=copy["code"]))
        _reserve_code(copy["code"])
        dossier_id = Dossier.insert(
            uuid=copy["uuid"], code=copy["code"], office=self.ctx.office().id,
            procedure=procedure.id, citizen=_citizen_id(self.ctx, copy["citizen"]),
            channel=copy.get("channel") or "online", status=status, received_at=received_at,
            due_at=_dt(copy["due_at"]), finished_at=_dt(copy.get("finished_at")),
            fee_vnd=int(copy.get("fee_vnd") or 0), phone=str(copy.get("phone") or ""),
            received_by=str(copy.get("received_by") or ""), sync_state="synced",
            portal_version=copy["version"], updated_at=self.ctx.now()).execute()
        self.events.append({"dossier": dossier_id, "at": received_at, "actor": PORTAL_ACTOR,
                            "kind": "received", "from_status": None, "to_status": status,
                            "note": vietnamese("Hồ sơ nộp trực tuyến, nhận từ cổng"),
                            "data": "{}"})
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


def overwrite_dossier(ctx: AppContext, local: Dossier, copy: dict, note: str) -> None:
    """One local dossier takes the portal's copy, with its history event, papers and form
    (a clerk chose the portal's side of a conflict)."""
    values = overwrite_values(ctx, local.status, local.finished_at, copy)
    Dossier.update(updated_at=ctx.now(), **values).where(Dossier.id == local.id).execute()
    if values["status"] != local.status or values["due_at"] != local.due_at:
        append_event(ctx.database, dossier=local.id, at=ctx.now(), actor=PORTAL_ACTOR,
                     kind="status", from_status=local.status, to_status=values["status"],
                     note=copy.get("portal_note") or note)
    events: list[dict] = []
    online_pages.apply_attachments(ctx, local.id, values["status"], copy, events)
    append_events(ctx.database, events)


def quarantine(ctx: AppContext, change, reason: str) -> None:
    """Keep a change this office cannot apply aside, with the reason (issue #14 item 3):
    the cursor moves past it and the IT officer applies it again or dismisses it
    (:mod:`sadec_desk.sync.conflicts`). The same change served again (a cursor lost
    with a restored backup) is kept once."""
    require_role(ctx, *ADMIN_ROLES)
    seq = change.get("seq") if isinstance(change, dict) else None
    seq = seq if isinstance(seq, int) and not isinstance(seq, bool) else None
    dossier = change.get("dossier") if isinstance(change, dict) else None
    uuid = dossier.get("uuid") if isinstance(dossier, dict) else None
    text = json.dumps(change, ensure_ascii=False)
    if len(text) > MAX_KEPT_CHARS:
        text = text[:MAX_KEPT_CHARS]  # no longer JSON: it can be read and dismissed only
    log.warning("portal change %s set aside: %s", seq, reason)
    (QuarantinedChange.insert(seq=seq, dossier_uuid=uuid if isinstance(uuid, str) else "",
                              change=text, reason=reason[:2000], received_at=ctx.now())
     .on_conflict_ignore().execute())


def apply_kept(ctx: AppContext, change: dict) -> str:
    """Apply a change that was set aside, as the pull would now (after an update of the
    app or of the catalogue); returns why it still cannot be ("" when it applied).
    Call inside a transaction."""
    problem = P.change_problem(change)
    if problem:
        return problem
    counts = {"pulled": 0, "new": 0, "conflicts": 0}
    page = _Page(ctx, [change], get_state("device_id"), counts)
    problem = page.apply_or_keep_aside(change)
    if not problem:
        page.flush()
    return problem


def pull(ctx: AppContext, adapter: PullAdapter, counts: dict) -> int:
    """Apply the change feed from the stored cursor; returns the new cursor. A change
    that cannot be applied here is set aside (:func:`quarantine`), never a reason to
    stop: the rest of the feed goes on."""
    device_id = get_state("device_id")
    cursor = int(get_state("cursor", "0"))
    while True:
        page = adapter.changes(cursor, PULL_PAGE)
        with ctx.database.atomic():
            if int(get_state("cursor", "0")) != cursor:
                # another worker applied this page meanwhile: it is its job now
                return int(get_state("cursor", "0"))
            problems = [P.change_problem(change) for change in page["changes"]]
            applied = _Page(ctx, [c for c, problem in zip(page["changes"], problems,
                                                          strict=True) if not problem],
                            device_id, counts)
            for change, problem in zip(page["changes"], problems, strict=True):
                if problem:
                    reason = _("Thay đổi từ cổng không đúng định dạng: {problem}").format(
                        problem=problem)
                else:
                    reason = applied.apply_or_keep_aside(change)
                if reason:
                    quarantine(ctx, change, reason)
                    counts["quarantined"] = counts.get("quarantined", 0) + 1
            applied.flush()
            set_state(ctx, "cursor", str(max(cursor, page["cursor"])))
        if not page["has_more"] or page["cursor"] <= cursor:
            return max(cursor, page["cursor"])
        cursor = page["cursor"]

"""The one way to queue a change for the portal (docs/design.md §5).

Every service that changes what the portal must know calls :func:`queue_change` inside
the transaction of the change itself, so the change and its outbox row commit together
or not at all; the sync engine pushes the rows later, oldest first, exactly once.
"""

from __future__ import annotations

import dataclasses
import json
import uuid as uuidlib
from typing import TYPE_CHECKING, Any

from sadec_desk.db.database import insert_row
from sadec_desk.db.models import Dossier, Outbox
from sadec_desk.domain.lifecycle import STATUS_LABELS, DossierStatus
from sadec_desk.i18n import vietnamese_texts
from sadec_desk.services.access import ANY_ROLE, require_role
from sadec_desk.services.records import DossierInfo, to_jsonable

#: a dossier in these states has operations the portal or the gateway held back
HELD_SYNC_STATES = ("conflict", "rejected")

if TYPE_CHECKING:
    from sadec_desk.services.context import AppContext


def queue_change(ctx: AppContext, dossier_uuid: str, op: str,
                 payload: dict[str, Any] | DossierInfo) -> None:
    """Queue the change for the portal; the caller's transaction makes it atomic.

    ``payload`` is a JSON object, or the received dossier's record (made JSON by
    :func:`~sadec_desk.services.records.to_jsonable`).

    The base version is the portal's version of the dossier as known here, so the
    portal can answer ``conflict`` when someone else changed it since (docs/design.md §5).

    The dossier is then ``pending`` (something to send), unless the portal or the gateway
    holds its operations back (``conflict``, ``rejected``): the new change waits behind
    the held one, and the dossier stays listed and counted as held until the IT officer
    settles it (sync/conflicts.py).
    """
    require_role(ctx, *ANY_ROLE)
    if isinstance(payload, DossierInfo):
        # what the portal keeps is Vietnamese, whatever the language of the clerk's screen
        with vietnamese_texts():
            label = STATUS_LABELS[DossierStatus(payload.status)]
        payload = dataclasses.replace(payload, status_label=label)
    if op == "dossier.received":
        base_version = 0
    else:
        base_version = (Dossier.select(Dossier.portal_version)
                        .where(Dossier.uuid == dossier_uuid).scalar()) or 0
    insert_row(ctx.database, Outbox, {
        "op_id": str(uuidlib.uuid4()), "dossier_uuid": dossier_uuid, "op": op,
        "payload": json.dumps(to_jsonable(payload), ensure_ascii=False),
        "created_at": ctx.now(), "base_version": base_version, "state": "pending",
        "attempts": 0, "last_error": ""})
    if op != "dossier.received":  # (a new dossier is inserted pending)
        Dossier.update(sync_state="pending").where(
            Dossier.uuid == dossier_uuid,
            Dossier.sync_state.not_in(HELD_SYNC_STATES)).execute()

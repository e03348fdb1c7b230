"""The sync's own records on this machine: the key/value state and the stored conflicts.

``SyncState`` keeps what a run needs next time (device identity, the pull cursor, the
last success and error); the secrets among them (the device key, the token, the gateway
password: :data:`sadec_desk.services.secrets.SYNC_SECRETS`) go to the machine's secret
store instead, never into the database or its backups (#14 item 9), behind the same two
functions. ``SyncConflict`` keeps the portal's copy of a
dossier that could not take a local change, until a clerk settles it
(:mod:`sadec_desk.sync.conflicts`). Adapters read their credentials here, so this
module depends on nothing else in ``sync``.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING

from sadec_desk.db.sync_models import SyncConflict, SyncState
from sadec_desk.services import secrets
from sadec_desk.services.access import ADMIN_ROLES, require_role

if TYPE_CHECKING:
    from sadec_desk.services.context import AppContext


def get_state(key: str, default: str = "") -> str:
    if key in secrets.SYNC_SECRETS:
        return secrets.read_secret(key) or default
    row = SyncState.get_or_none(SyncState.key == key)
    return row.value if row else default


def set_state(ctx: AppContext, key: str, value: str) -> None:
    require_role(ctx, *ADMIN_ROLES)
    if key in secrets.SYNC_SECRETS:
        secrets.write_secret(key, value)
        return
    (SyncState.insert(key=key, value=value, updated_at=ctx.now())
     .on_conflict(conflict_target=[SyncState.key],
                  update={SyncState.value: value, SyncState.updated_at: ctx.now()})
     .execute())


def parse_time(text: str) -> datetime | None:
    """A moment stored with :func:`set_state` (ISO text; empty for never)."""
    return datetime.fromisoformat(text) if text else None


def store_conflict(ctx: AppContext, uuid: str, copy: dict | None, message: str) -> None:
    """Keep (or replace) the portal's copy of a dossier in conflict with local changes."""
    require_role(ctx, *ADMIN_ROLES)
    version = copy.get("version", 0) if copy else 0
    values = {SyncConflict.server_version: version,
              SyncConflict.server_copy: json.dumps(copy or {}, ensure_ascii=False),
              SyncConflict.reason: message, SyncConflict.detected_at: ctx.now()}
    (SyncConflict.insert({SyncConflict.dossier_uuid: uuid, **values})
     .on_conflict(conflict_target=[SyncConflict.dossier_uuid], update=values).execute())

"""Office-side tables of the portal synchronisation (docs/design.md §5).

``SyncState`` holds the pull cursor, the last success/error and the device's
credentials (in the database, never in the world-readable config file);
``SyncConflict`` keeps the portal's copy of a dossier that changed on both sides
until a clerk decides which one to keep.
"""

from __future__ import annotations

from peewee import CharField, IntegerField, TextField

from sadec_desk.db.models import BaseModel, UtcDateTimeField


class SyncState(BaseModel):
    key = CharField(unique=True)
    value = TextField()
    updated_at = UtcDateTimeField()


class SyncConflict(BaseModel):
    dossier_uuid = CharField(unique=True)
    server_version = IntegerField()
    server_copy = TextField()  # the portal's dossier as JSON
    reason = TextField(default="")
    detected_at = UtcDateTimeField()


SYNC_MODELS = (SyncState, SyncConflict)

"""Office-side tables of the portal synchronisation (docs/design.md §5).

``SyncState`` holds the pull cursor, the last success/error and the device's
credentials (in the database, never in the world-readable config file);
``SyncConflict`` keeps the portal's copy of a dossier that changed on both sides
until a clerk decides which one to keep; ``QuarantinedChange`` keeps a change of the
portal's feed that could not be applied here, so the feed goes on past it (issue #14).
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


class QuarantinedChange(BaseModel):
    """A change from the portal's feed this office could not apply (malformed, unknown
    status, a procedure or code it cannot take): kept whole with the reason, the cursor
    moved past it, until the IT officer applies it again or dismisses it with a reason."""

    # the change's place in the portal's feed (None when the change does not say)
    seq = IntegerField(null=True, unique=True)
    dossier_uuid = CharField(default="", index=True)  # "" when the change names none
    change = TextField()  # the change as received (JSON text, cut to a bounded size)
    reason = TextField()
    received_at = UtcDateTimeField()
    state = CharField(default="open", index=True)  # open | applied | dismissed
    settled_at = UtcDateTimeField(null=True)
    settled_by = CharField(default="")
    note = TextField(default="")  # why it was dismissed


SYNC_MODELS = (SyncState, SyncConflict, QuarantinedChange)

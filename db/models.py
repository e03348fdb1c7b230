"""Peewee models of the office database.

Timestamps are stored as naive UTC and handed back timezone-aware
(:class:`UtcDateTimeField`); services convert to Asia/Ho_Chi_Minh for display
(docs/design.md §3.2). Tables bind to :data:`database_proxy`, which
:func:`sadec_desk.db.database.open_database` points at SQLite or PostgreSQL.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from peewee import (
    AutoField,
    BigIntegerField,
    BooleanField,
    CharField,
    CompositeKey,
    DatabaseProxy,
    DateField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    Model,
    ModelSelect,
    TextField,
)

database_proxy = DatabaseProxy()


class UtcDateTimeField(DateTimeField):
    """Aware datetimes in, aware UTC datetimes out; naive UTC on disk."""

    def db_value(self, value):
        if isinstance(value, datetime):
            if value.tzinfo is None:
                raise ValueError("naive datetime given to a UTC field")
            value = value.astimezone(UTC).replace(tzinfo=None)
        return super().db_value(value)

    def python_value(self, value):
        value = super().python_value(value)
        if isinstance(value, datetime):
            value = value.replace(tzinfo=UTC)
        return value


class BaseModel(Model):
    # What peewee adds without a declaration, spelled out for the type checker only (a
    # bare annotation creates no field). ``id`` is the implicit primary key; the tables
    # with a CompositeKey have none. A foreign key ``x`` also gives ``x_id``, the raw id
    # (class access: the field itself), declared in each model as ForeignKeyField[int].
    id: AutoField[int]

    class Meta:
        database = database_proxy
        legacy_table_names = False


class SchemaVersion(BaseModel):
    version = IntegerField()
    applied_at = UtcDateTimeField()
    app_version = CharField()


class Office(BaseModel):
    # QCVN 102:2016 agency identifier, the prefix of every dossier code
    agency_code = CharField(unique=True)
    name = CharField()
    province = CharField(default="")
    created_at = UtcDateTimeField()


class Procedure(BaseModel):
    """One version of a catalogue procedure; dossiers point at the version they used."""

    code = CharField()  # TTHC code of the national procedures database
    version = IntegerField()
    name = CharField()
    field_name = CharField(default="")
    time_limit_days = IntegerField()
    verification_extra_days = IntegerField(default=0)
    same_day_eligible = BooleanField(default=False)
    data = TextField()  # the whole procedure as JSON (fee rule, papers, legal basis)
    active = BooleanField(default=True)
    source = CharField(default="seed")  # seed | portal | local
    updated_at = UtcDateTimeField()

    class Meta:
        indexes = ((("code", "version"), True),)


class Citizen(BaseModel):
    id_number = CharField(unique=True)  # 12-digit CCCD number
    old_id_number = CharField(null=True, index=True)  # 9-digit CMND: found by it too
    full_name = CharField()
    # full_name folded for search (db/search_index.py fold_name), written with the name;
    # the substring index over it is db/search_index.py's
    folded_name = CharField(default="", index=True)
    date_of_birth = DateField(null=True)
    gender = CharField(default="")
    address = TextField(default="")
    issue_date = DateField(null=True)
    phone = CharField(default="", index=True)
    updated_at = UtcDateTimeField()


#: the results of a period and all the summary needs to judge them (reports/summary.py)
FINISHED_INDEX_COLUMNS = ("finished_at", "procedure_id", "status", "due_at", "receipt_due_at")


class Dossier(BaseModel):
    uuid = CharField(unique=True)  # sync identity; never changes
    code = CharField(unique=True)  # mã hồ sơ, TT 01/2018/TT-VPCP Art. 19
    office = ForeignKeyField(Office, backref="dossiers")
    procedure = ForeignKeyField(Procedure, backref="dossiers")
    citizen = ForeignKeyField(Citizen, backref="dossiers")
    office_id: ForeignKeyField[int]
    procedure_id: ForeignKeyField[int]
    citizen_id: ForeignKeyField[int]
    channel = CharField(default="counter")  # counter | kiosk | online | postal
    # how the citizen wants the result: "office" (at the desk) or "post" (public post,
    # QĐ 45/2016/QĐ-TTg); the gateway's HinhThuc (0 / 1)
    result_delivery = CharField(default="office")
    status = CharField(default="received")
    received_at = UtcDateTimeField(index=True)
    due_at = UtcDateTimeField()
    # the due time on the receipt (Mẫu 01) once an apology slip (Mẫu 04) has moved due_at;
    # NULL while it never has. The reports judge a result against it (docs/reports.md).
    receipt_due_at = UtcDateTimeField(null=True)
    finished_at = UtcDateTimeField(null=True)  # the reports' period of results (index below)
    needs_verification = BooleanField(default=False)
    pages = IntegerField(default=0)
    copies = IntegerField(default=1)
    fee_vnd = IntegerField(default=0)
    phone = CharField(default="", index=True)  # dossiers are found by phone
    received_by = CharField(default="")
    sync_state = CharField(default="pending")  # pending | synced | conflict | rejected
    sync_message = TextField(default="")
    # the portal's version of this dossier as last seen here (docs/design.md §5): outbox rows
    # carry it as their base version so the portal can tell a conflicting change
    portal_version = IntegerField(default=0)
    updated_at = UtcDateTimeField()

    # backrefs of PaperReceived.dossier and DossierEvent.dossier (reads go through a row)
    papers: ModelSelect[PaperReceived]
    events: ModelSelect[DossierEvent]

    class Meta:
        # (status, due_at): the reports count unfinished dossiers past or near their due
        # time from the index alone; (finished_at, ...): the summary judges the results of a
        # period from the index alone (schema step 9)
        indexes = ((("status", "received_at"), False), (("status", "due_at"), False),
                   (FINISHED_INDEX_COLUMNS, False))


def rescheduled_from(data: str) -> datetime | None:
    """The due time a ``rescheduled`` event's ``data`` says it moved away from (written by
    services/reception/dossiers.reschedule_dossier), or None when it does not say."""
    try:
        return datetime.fromisoformat(json.loads(data)["old_due"])
    except (ValueError, KeyError, TypeError):
        return None


class DossierEvent(BaseModel):
    """Append-only history (triggers refuse UPDATE and DELETE).

    Rows are written only through :func:`sadec_desk.services.audit.append_events`,
    which links them into one office-wide hash chain: ``seq`` is the position in
    the chain, ``prev_hash`` the hash of event ``seq - 1`` and ``hash`` the SHA-256
    of this event's fields plus ``prev_hash`` (``sadec-desk audit verify``).
    """

    dossier = ForeignKeyField(Dossier, backref="events")
    dossier_id: ForeignKeyField[int]
    at = UtcDateTimeField()
    actor = CharField(default="")
    kind = CharField()  # received | status | rescheduled | pages | form
    from_status = CharField(null=True)
    to_status = CharField(null=True)
    note = TextField(default="")
    data = TextField(default="{}")
    seq = BigIntegerField(unique=True)
    prev_hash = CharField(max_length=64)
    hash = CharField(max_length=64)


# the few rescheduled dossiers, found without reading every event (reports/summary.py)
DossierEvent.add_index(DossierEvent.index(DossierEvent.dossier, name="dossier_event_rescheduled",
                                          where=(DossierEvent.kind == "rescheduled")))


class PaperReceived(BaseModel):
    dossier = ForeignKeyField(Dossier, backref="papers")
    dossier_id: ForeignKeyField[int]
    name = CharField()
    kind = CharField(default="original")  # original | copy | original_or_copy
    count = IntegerField(default=1)


class DossierSequence(BaseModel):
    """Last dossier number used per agency per day (the NNNN of the code)."""

    agency_code = CharField()
    day = DateField()
    last = IntegerField()

    class Meta:
        primary_key = CompositeKey("agency_code", "day")


class Setting(BaseModel):
    """Settings shared by every counter using this database."""

    key = CharField(unique=True)
    value = TextField()


class Outbox(BaseModel):
    """Changes waiting for the portal, written in the same transaction as the change."""

    op_id = CharField(unique=True)
    dossier_uuid = CharField(index=True)
    op = CharField()  # dossier.received | dossier.status | dossier.rescheduled
    payload = TextField()
    created_at = UtcDateTimeField()
    # pending -> done (applied/duplicate at the portal) | failed (conflict/rejected: held
    # with the dossier until retried or resolved) | discarded (conflict resolved for the
    # portal's copy); rows are never deleted, the id order is the push order
    state = CharField(default="pending", index=True)
    base_version = IntegerField(default=0)  # portal version the change was made on
    attempts = IntegerField(default=0)
    next_try_at = UtcDateTimeField(null=True)  # backoff after a network/5xx failure
    last_error = TextField(default="")


class GatewayProcedure(BaseModel):
    """What the provincial gateway's ``LayThuTuc`` said of one procedure code (TenTTHC,
    the field MaLinhVuc / TenLinhVuc, the fee code), kept so records need no call each;
    refreshed daily by sync/adapters/gateway/catalogue.py. ``found`` False = the gateway
    did not know the code when asked (the hand-kept table is used until the next ask)."""

    code = CharField(unique=True)
    name = TextField(default="")  # procedure names can pass 255 characters
    field_code = CharField(default="")
    field_name = TextField(default="")
    fee_code = CharField(default="")
    found = BooleanField(default=False)
    fetched_at = UtcDateTimeField()


MODELS = (
    SchemaVersion, Office, Procedure, Citizen, Dossier, DossierEvent, PaperReceived,
    DossierSequence, Setting, Outbox, GatewayProcedure,
)

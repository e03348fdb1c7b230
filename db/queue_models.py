"""Tables of the walk-in queue: service groups, counters, tickets and their history.

Tickets are numbered per office, per service group and per local day
(:class:`TicketSequence`), so numbering restarts every morning while every past
ticket stays in the table for the statistics. Every query the counters run on a
busy day is bounded by ``day`` through the indexes below, so taking and calling
a ticket cost the same after a year of history (bench/ticket_queue.py). Statistics read a
day through the ``(service_group, day, ...)`` indexes, one group at a time.
"""

from __future__ import annotations

from peewee import (
    BooleanField,
    CharField,
    CompositeKey,
    DateField,
    ForeignKeyField,
    IntegerField,
    TextField,
)

from sadec_desk.db.models import BaseModel, Dossier, Office, UtcDateTimeField


class ServiceGroup(BaseModel):
    office = ForeignKeyField(Office, backref="service_groups")
    office_id: ForeignKeyField[int]  # the raw id (see BaseModel)
    prefix = CharField(max_length=1)  # ticket letter: "A" -> A001, A002...
    name = CharField()
    procedure_codes = TextField(default="[]")  # JSON list of TTHC codes this group receives
    position = IntegerField(default=0)  # order on the kiosk and the board
    active = BooleanField(default=True)
    updated_at = UtcDateTimeField()

    class Meta:
        indexes = ((("office", "prefix"), True),)


class Counter(BaseModel):
    office = ForeignKeyField(Office, backref="counters")
    office_id: ForeignKeyField[int]  # the raw id (see BaseModel)
    number = IntegerField()  # "quầy số 2" in the announcement
    name = CharField()
    active = BooleanField(default=True)
    updated_at = UtcDateTimeField()

    class Meta:
        indexes = ((("office", "number"), True),)


class CounterGroup(BaseModel):
    """Which counters serve which groups (many to many)."""

    counter = ForeignKeyField(Counter, backref="group_links", on_delete="CASCADE")
    service_group = ForeignKeyField(ServiceGroup, backref="counter_links", on_delete="CASCADE")
    # the raw ids (see BaseModel)
    counter_id: ForeignKeyField[int]
    service_group_id: ForeignKeyField[int]
    issued_group_id: ForeignKeyField[int | None]

    class Meta:
        primary_key = CompositeKey("counter", "service_group")


class TicketSequence(BaseModel):
    """Last ticket number used per group per local day; a new day starts at 1."""

    service_group = ForeignKeyField(ServiceGroup)
    service_group_id: ForeignKeyField[int]  # the raw id (see BaseModel)
    day = DateField()
    last = IntegerField()

    class Meta:
        primary_key = CompositeKey("service_group", "day")


class GroupCallState(BaseModel):
    """How many priority tickets a group gave in a row today (the interleave rule).

    Also the row a PostgreSQL counter locks to call from the group, so that two
    counters never read the same candidates at once.
    """

    service_group = ForeignKeyField(ServiceGroup)
    service_group_id: ForeignKeyField[int]  # the raw id (see BaseModel)
    day = DateField()
    priority_streak = IntegerField(default=0)

    class Meta:
        primary_key = CompositeKey("service_group", "day")


class Ticket(BaseModel):
    # Every index costs pages to write (and fsync) on each ticket taken and each call, so
    # the foreign keys get no index of their own: the composite indexes below start with
    # them and serve both the lookups and the foreign-key checks.
    office = ForeignKeyField(Office, index=False)
    day = DateField()  # local (Asia/Ho_Chi_Minh) day of issue: the numbering day
    service_group = ForeignKeyField(ServiceGroup, index=False)  # whose queue it is in now
    # the group that issued its number: a ticket sent to another group keeps the number on
    # the citizen's slip ("A012" queued in group C), so the number is unique per issuing
    # group and day, not per the group it waits in (schema step 10; NULL never after it)
    issued_group = ForeignKeyField(ServiceGroup, index=False, null=True, backref="+")
    number = IntegerField()
    display = CharField()  # "A012"
    priority = BooleanField(default=False)
    status = CharField(default="waiting")
    # where it is (or was last) served
    counter = ForeignKeyField(Counter, null=True, index=False)
    target_counter = ForeignKeyField(Counter, null=True, index=False)  # transferred here
    # the raw ids (see BaseModel)
    office_id: ForeignKeyField[int]
    service_group_id: ForeignKeyField[int]
    counter_id: ForeignKeyField[int | None]
    target_counter_id: ForeignKeyField[int | None]
    issued_at = UtcDateTimeField()
    called_at = UtcDateTimeField(null=True)  # first call: the end of the wait
    last_called_at = UtcDateTimeField(null=True)
    call_count = IntegerField(default=0)
    serving_at = UtcDateTimeField(null=True)
    held_at = UtcDateTimeField(null=True)
    transferred_at = UtcDateTimeField(null=True)
    finished_at = UtcDateTimeField(null=True)  # done or no-show
    updated_at = UtcDateTimeField()

    class Meta:
        indexes = (
            (("issued_group", "day", "number"), True),
            # the head of a group's queue: oldest waiting (priority | regular) ticket today
            (("service_group", "day", "status", "priority", "issued_at"), False),
            # tickets transferred to a counter; what a counter has now
            (("target_counter", "day", "status"), False),
            (("counter", "day", "status"), False),
        )


class TicketEvent(BaseModel):
    """Every step of a ticket (who, when, which counter); the board's call feed."""

    ticket = ForeignKeyField(Ticket, backref="events")
    at = UtcDateTimeField()
    kind = CharField()  # issued | called | recalled | serving | no_show | on_hold | done...
    counter = ForeignKeyField(Counter, null=True, index=False)
    # the raw ids (see BaseModel)
    ticket_id: ForeignKeyField[int]
    counter_id: ForeignKeyField[int | None]
    actor = CharField(default="")
    note = TextField(default="")


class TicketDossier(BaseModel):
    """The dossier(s) received from the citizen holding a ticket."""

    ticket = ForeignKeyField(Ticket, backref="dossier_links")
    dossier = ForeignKeyField(Dossier, backref="ticket_links")
    # the raw ids (see BaseModel)
    ticket_id: ForeignKeyField[int]
    dossier_id: ForeignKeyField[int]
    linked_at = UtcDateTimeField()

    class Meta:
        indexes = ((("ticket", "dossier"), True),)


QUEUE_MODELS = (
    ServiceGroup, Counter, CounterGroup, TicketSequence, GroupCallState, Ticket,
    TicketEvent, TicketDossier,
)

"""Satisfaction ratings (docs/design.md §3.8; NĐ 61/2018 Art. 29, TT 32/2017 Art. 12).

One row per rating given on the kiosk or counter screen, optionally tied to the
served ticket or the dossier. No personal data: the rating is anonymous.
"""

from __future__ import annotations

from peewee import CharField, ForeignKeyField

from sadec_desk.db.models import BaseModel, Dossier, Office, UtcDateTimeField
from sadec_desk.db.queue_models import Ticket


class SatisfactionRating(BaseModel):
    office = ForeignKeyField(Office)
    at = UtcDateTimeField(index=True)
    level = CharField()  # very_satisfied | satisfied | not_satisfied
    source = CharField(default="counter")  # kiosk | counter
    ticket = ForeignKeyField(Ticket, null=True)
    dossier = ForeignKeyField(Dossier, null=True)
    # the raw ids (see BaseModel)
    office_id: ForeignKeyField[int]
    ticket_id: ForeignKeyField[int | None]
    dossier_id: ForeignKeyField[int | None]


FEEDBACK_MODELS = (SatisfactionRating,)

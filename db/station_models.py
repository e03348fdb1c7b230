"""The PCs of the office that run the app (issue #17 item 2): one row per PC and role.

Each running app (counter, kiosk, board) notes every ``station.heartbeat_seconds`` that
it is alive, from a worker thread; the IT screens and ``sadec-desk stations`` list the
rows, and a row not renewed for twice the interval reads as lost. Rows are kept (a PC
switched off stays listed with the moment it was last seen); nothing here is personal
data beyond the signed-in staff member's name, which the staff list shows anyway.
"""

from __future__ import annotations

from peewee import CharField, IntegerField

from sadec_desk.db.models import BaseModel, UtcDateTimeField


class Station(BaseModel):
    machine = CharField()  # station.name, or the host name
    role = CharField()  # counter | kiosk | board
    version = CharField(default="")  # the app's version on that PC
    user_name = CharField(default="")  # the staff member signed in there ("" = nobody)
    pid = IntegerField(default=0)  # the process, to tell two starts on one PC apart in logs
    interval_seconds = IntegerField(default=30)  # that PC's station.heartbeat_seconds
    started_at = UtcDateTimeField()
    last_seen = UtcDateTimeField()

    class Meta:
        indexes = ((("machine", "role"), True),)


STATION_MODELS = (Station,)

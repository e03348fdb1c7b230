"""Staff accounts of the office: who signs in at a counter, a kiosk or the IT screens.

Secrets are never stored: only an argon2id hash (argon2-cffi) of the password or
PIN. Failed sign-ins are counted on the row so that the lock-out holds across
restarts and across the counters sharing one database.
"""

from __future__ import annotations

from peewee import BooleanField, CharField, IntegerField

from sadec_desk.db.models import BaseModel, UtcDateTimeField


class User(BaseModel):
    username = CharField(unique=True)  # lower-case login name
    full_name = CharField()  # printed on receipts as the receiving officer
    role = CharField()  # clerk | leader | it
    secret_kind = CharField(default="password")  # password | pin
    secret_hash = CharField()  # argon2id encoded hash (parameters and salt included)
    counter = IntegerField(null=True)  # the counter number this clerk usually sits at
    active = BooleanField(default=True)
    failed_attempts = IntegerField(default=0)  # consecutive failures since the last success
    locked_until = UtcDateTimeField(null=True)
    last_sign_in_at = UtcDateTimeField(null=True)
    created_at = UtcDateTimeField()
    updated_at = UtcDateTimeField()


USER_MODELS = (User,)

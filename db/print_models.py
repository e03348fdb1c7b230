"""The print-job queue (printers/, services/printing.py).

A job keeps the data its slip is drawn from, not the picture: a reprint after a
crash, on another printer or with a new profile renders again from the same
data, so what is printed is what was recorded when the job was made.
"""

from __future__ import annotations

from peewee import CharField, IntegerField, TextField

from sadec_desk.db.models import BaseModel, UtcDateTimeField


class PrintJob(BaseModel):
    kind = CharField()  # ticket | receipt | return_slip | test_page
    printer = CharField()  # printer name (printing.printers key, or "preview")
    data = TextField()  # JSON: the layout's data, rendered again on every attempt
    title = CharField(default="")  # what the clerk sees in the queue ("Số 12", a dossier code)
    reference = CharField(default="", index=True)  # dossier code or ticket number
    status = CharField(default="queued")  # queued | printing | printed | failed
    attempts = IntegerField(default=0)
    last_error = TextField(default="")
    reprint_of = IntegerField(null=True)
    created_at = UtcDateTimeField()
    updated_at = UtcDateTimeField()
    next_attempt_at = UtcDateTimeField(null=True)
    printed_at = UtcDateTimeField(null=True)
    claimed_by = CharField(default="")  # who is printing it now (crash recovery)
    # the PC that queued it (station.name or the host name): only that PC's print worker takes
    # it up, with that PC's printers; "" = queued before schema step 8, any PC may
    station = CharField(default="")

    class Meta:
        indexes = ((("status", "next_attempt_at"), False),)


PRINT_MODELS = (PrintJob,)

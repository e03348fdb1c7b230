"""Rows of the dossier tracking book (Mẫu 06, TT 01/2018/TT-VPCP Art. 9): every dossier
received in the period, with the applicant — personal data (see services/reports.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sadec_desk.db.models import Citizen, Dossier, DossierEvent
from sadec_desk.db.models import Procedure as ProcedureRow
from sadec_desk.domain.lifecycle import REPORTED_STATUSES, STATUS_LABELS, DossierStatus
from sadec_desk.domain.timezone import VN_TZ
from sadec_desk.i18n import _
from sadec_desk.services.access import REPORT_ROLES, require_role
from sadec_desk.services.documents.pdf import BookRow
from sadec_desk.services.query_rows import tuple_rows
from sadec_desk.services.reports.figures import Period

if TYPE_CHECKING:
    from sadec_desk.services.context import AppContext

_CHUNK = 500
_NOTE_KINDS = (DossierStatus.REFUSED.value, DossierStatus.WITHDRAWN.value,
               DossierStatus.SUPPLEMENT_REQUESTED.value)


def book_rows(ctx: AppContext, period: Period) -> list[BookRow]:
    require_role(ctx, *REPORT_ROLES)
    rows = list(tuple_rows(
        Dossier.select(Dossier.id, Dossier.code, ProcedureRow.name, Citizen.full_name,
                       Citizen.address, Dossier.phone, Dossier.received_at,
                       Dossier.due_at, Dossier.finished_at, Dossier.status)
        .join(ProcedureRow).switch(Dossier).join(Citizen)
        .where(Dossier.office == ctx.office().id, Dossier.received_at >= period.start,
               Dossier.received_at < period.end, Dossier.status.in_(REPORTED_STATUSES))
        .order_by(Dossier.received_at, Dossier.code)))
    ids = [r[0] for r in rows]
    notes: dict[int, list[str]] = {}
    for start in range(0, len(ids), _CHUNK):
        for dossier_id, kind, to_status, note in tuple_rows(
                DossierEvent.select(DossierEvent.dossier, DossierEvent.kind,
                                    DossierEvent.to_status, DossierEvent.note)
                .where(DossierEvent.dossier.in_(ids[start:start + _CHUNK]),
                       (DossierEvent.kind == "rescheduled")
                       # the status changes only: every event carries the dossier's
                       # status (pages, results, a sync dismissal…) and is no note here
                       | ((DossierEvent.kind == "status")
                          & DossierEvent.to_status.in_(_NOTE_KINDS)))
                .order_by(DossierEvent.seq)):
            label = (_("Hẹn lại (Mẫu 04)") if kind == "rescheduled"
                     else STATUS_LABELS[DossierStatus(to_status)])
            notes.setdefault(dossier_id, []).append(f"{label}: {note}" if note else label)
    out = []
    for (dossier_id, code, procedure, name, address, phone, received_at, due_at, finished_at,
         status) in rows:
        note = notes.get(dossier_id, [])
        if status in (DossierStatus.REFUSED.value, DossierStatus.WITHDRAWN.value):
            finished_at = None  # no result was returned
        out.append(BookRow(
            code=code, procedure=procedure, count=1, applicant=name,
            address_phone=", ".join(x for x in (address, phone) if x),
            received_at=received_at.astimezone(VN_TZ), due_at=due_at.astimezone(VN_TZ),
            finished_at=finished_at.astimezone(VN_TZ) if finished_at else None,
            note="; ".join(note)))
    return out

"""The counter desk's workflow: what follows a save and what follows a status change.

The counter screen calls these after the service that saved or moved the dossier, in its
worker thread, and only shows the plain result; the CLI or another screen calling them
gets the same follow-ups:

- after a dossier is received (:func:`after_receive`): the citizen's queue ticket is
  linked to it and the receipt, Mẫu 01 (TT 01/2018/TT-VPCP Art. 9), is printed on the
  thermal printer;
- after a life-cycle step (:func:`after_status_change`): the form the step hands to the
  citizen, Mẫu 02 (supplement), 03 (refusal) or 04 (new appointment), is made for the
  office printer, and a returned result gets its return slip.

A follow-up that fails does not undo the step before it (the dossier is saved, its status
recorded): its sentence comes back in the result for the counter to show.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sadec_desk.domain.lifecycle import FINISHED_STATUSES, VOID_STATUSES, DossierStatus
from sadec_desk.errors import UserError
from sadec_desk.services.access import COUNTER_ROLES, require_role
from sadec_desk.services.documents import office_forms
from sadec_desk.services.printing import jobs
from sadec_desk.services.queue import tickets
from sadec_desk.services.reception.dossiers import get_dossier

if TYPE_CHECKING:
    from sadec_desk.services.context import AppContext
    from sadec_desk.services.documents.office_forms import OfficePrintResult
    from sadec_desk.services.printing.jobs import PrintJobInfo
    from sadec_desk.services.queue.records import TicketInfo
    from sadec_desk.services.records import DossierInfo

#: the step :func:`after_status_change` takes for a new appointment (not a status)
RESCHEDULED = "rescheduled"


@dataclass(frozen=True)
class ReceiveFollowUp:
    """What followed the save of dossier ``code`` at the counter."""

    code: str
    receipt: PrintJobInfo | None  # the receipt's print job (printed, or waiting); None when
    #                               the dossier went straight to a supplement request
    ticket: TicketInfo | None = None  # the ticket linked to the dossier, if one was called
    link_error: str = ""  # why the ticket could not be linked (the receipt still printed)
    form: OfficePrintResult | None = None  # Mẫu 02 instead of the receipt
    form_error: str = ""  # why Mẫu 02 could not be made


@dataclass(frozen=True)
class StatusFollowUp:
    """What followed life-cycle step ``step`` (a status, or "rescheduled") of ``code``."""

    code: str
    step: str
    form: OfficePrintResult | None = None  # Mẫu 02/03/04: printed, saved, or failed
    form_error: str = ""  # why the form could not be made at all
    return_slip: PrintJobInfo | None = None  # after "returned"
    slip_error: str = ""  # why the return slip could not be queued

    @property
    def errors(self) -> list[str]:
        return [e for e in (self.form_error, self.slip_error) if e]


def after_receive(ctx: AppContext, code: str, *, ticket: int | str | None = None
                  ) -> ReceiveFollowUp:
    """Link the called ``ticket`` (id or number; None: nobody was called) to the dossier
    just saved, then print its receipt. A ticket that cannot be linked does not keep the
    citizen from the receipt; a receipt that cannot be queued raises the UserError.

    A dossier saved straight into a supplement request (a required paper missing) gets
    Mẫu 02 instead of the receipt: TT 01/2018/TT-VPCP Art. 9 gives the citizen the
    request to complete the dossier, not an appointment for a result."""
    require_role(ctx, *COUNTER_ROLES)
    linked, link_error = None, ""
    if ticket is not None:
        try:
            linked = tickets.link_dossier(ctx, ticket, code)
        except UserError as exc:
            link_error = str(exc)
    if get_dossier(ctx, code).status == DossierStatus.SUPPLEMENT_REQUESTED:
        form, form_error = None, ""
        try:
            form = office_forms.print_form_for(ctx, code, "02")
        except UserError as exc:
            form_error = str(exc)
        return ReceiveFollowUp(code, None, linked, link_error, form, form_error)
    receipt = jobs.print_receipt(ctx, code)
    return ReceiveFollowUp(code, receipt, linked, link_error)


def form_after(step: str) -> str | None:
    """The form ("02", "03", "04") a life-cycle step hands to the citizen, or None."""
    return office_forms.form_for(step)


def slip_after(step: str) -> bool:
    """Whether the step gives the citizen a return slip (the result handed back)."""
    return step == DossierStatus.RETURNED


def after_status_change(ctx: AppContext, code: str, step: str) -> StatusFollowUp:
    """Carry out what follows ``step`` (the dossier's new status, or "rescheduled") of
    dossier ``code``: its form for the office printer and/or its return slip. Each one's
    failure is a sentence in the result; the other still happens."""
    require_role(ctx, *COUNTER_ROLES)
    form = form_error = None
    slip = slip_error = None
    number = form_after(step)
    if number is not None:
        try:
            form = office_forms.print_form_for(ctx, code, number)
        except UserError as exc:
            form_error = str(exc)
    if slip_after(step):
        try:
            slip = jobs.print_return_slip(ctx, code)
        except UserError as exc:
            slip_error = str(exc)
    return StatusFollowUp(code, step, form, form_error or "", slip, slip_error or "")


def is_finished(status: str) -> bool:
    """Done, returned, refused, withdrawn or voided: nothing more happens to the dossier,
    so it can no longer get a new appointment (Mẫu 04)."""
    return status in FINISHED_STATUSES


def is_void(status: str) -> bool:
    """A record voided as made by mistake (or the step that voids one)."""
    return status in VOID_STATUSES


def can_reschedule(status: str) -> bool:
    return not is_finished(status)


def awaits_clerk(info: DossierInfo) -> bool:
    """A kiosk dossier no clerk has taken up yet (the same rule as
    :func:`sadec_desk.services.reception.papers.kiosk_waiting`)."""
    return info.channel == "kiosk" and info.status == DossierStatus.RECEIVED

"""Printing tickets, receipts and slips through a durable print-job queue.

The slips' data and drawing are in :mod:`.slips`, the configured printers in :mod:`.devices`.

Every print is a row in ``PrintJob`` first (kind, printer, the data the slip is
drawn from), committed before the printer is touched; then one attempt is made
at once. When the printer is off, out of paper or unplugged the job stays
``failed`` with the reason in Vietnamese, and :func:`process_queue` retries it
with exponential backoff (``printing.retry_seconds``, doubling, at most 10
minutes) until ``printing.max_attempts``. A clerk can retry a job now or
reprint any past job (:func:`retry_job`, :func:`reprint_job`).

Crash safety: a job is claimed (``queued``/``failed`` -> ``printing``) by a
conditional UPDATE, so two counters never print the same job; a job left
``printing`` by a crashed process is taken back after a grace period and
retried. A crash between the printer printing and the commit can print a
slip twice — never lose it.
"""

from __future__ import annotations

import json
import logging
import random
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sadec_desk.db import database as dbmod
from sadec_desk.db.print_models import PrintJob
from sadec_desk.errors import InvalidInput, NotFound, UserError
from sadec_desk.i18n import _, vietnamese
from sadec_desk.printers import transports as tr
from sadec_desk.services.access import ADMIN_ROLES, ANY_ROLE, COUNTER_ROLES, require_role
from sadec_desk.services.admin.stations import machine_name
from sadec_desk.services.printing.devices import preview_dir, resolve_printer, timeout_seconds
from sadec_desk.services.printing.slips import (
    encode_job,
    receipt_data,
    return_slip_data,
    test_page_data,
    ticket_data,
)
from sadec_desk.services.reception import dossiers

if TYPE_CHECKING:
    from sadec_desk.services.context import AppContext

log = logging.getLogger(__name__)

STATUSES = ("queued", "printing", "printed", "failed")
MAX_BACKOFF = timedelta(minutes=10)

#: how a job's status and kind read on screen (translated when shown)
STATUS_LABELS = {"queued": "Đang chờ in", "printing": "Đang in", "printed": "Đã in",
                 "failed": "Chưa in được"}
KIND_LABELS = {"ticket": "Phiếu số thứ tự", "receipt": "Giấy tiếp nhận và hẹn trả",
               "return_slip": "Phiếu trả kết quả", "test_page": "Trang in thử"}


@dataclass(frozen=True)
class PrintJobInfo:
    id: int
    kind: str
    kind_label: str
    printer: str
    title: str
    reference: str
    status: str
    status_label: str
    attempts: int
    last_error: str
    created_at: datetime
    updated_at: datetime
    next_attempt_at: datetime | None
    printed_at: datetime | None
    reprint_of: int | None
    message: str = ""  # outcome of the attempt just made (e.g. where the preview went)


def _job_info(job: PrintJob, message: str = "") -> PrintJobInfo:
    return PrintJobInfo(
        id=job.id, kind=job.kind, kind_label=_(KIND_LABELS.get(job.kind, job.kind)),
        printer=job.printer, title=job.title, reference=job.reference, status=job.status,
        status_label=_(STATUS_LABELS.get(job.status, job.status)), attempts=job.attempts,
        last_error=job.last_error, created_at=job.created_at, updated_at=job.updated_at,
        next_attempt_at=job.next_attempt_at, printed_at=job.printed_at,
        reprint_of=job.reprint_of, message=message)



# --- the queue ------------------------------------------------------------------------


def _enqueue(ctx: AppContext, kind: str, data: dict[str, Any], printer: str, title: str,
             reference: str, reprint_of: int | None = None) -> int:
    now = ctx.now()
    with dbmod.translated_errors(), ctx.database.atomic():
        job = PrintJob.create(kind=kind, printer=printer, data=json.dumps(data, ensure_ascii=False),
                              title=title, reference=reference, status="queued",
                              created_at=now, updated_at=now, next_attempt_at=now,
                              reprint_of=reprint_of, station=machine_name(ctx))
    return job.id


def _get(job_id: int) -> PrintJob:
    job = PrintJob.get_or_none(PrintJob.id == job_id)
    if job is None:
        raise NotFound(_("Không có lệnh in số {id}. Xem danh sách bằng 'sadec-desk print queue'."
                         ).format(id=job_id))
    return job


def _backoff(ctx: AppContext, attempts: int) -> timedelta:
    base = max(1, ctx.config["printing.retry_seconds"])
    seconds = min(base * 2 ** max(0, attempts - 1), MAX_BACKOFF.total_seconds())
    # jitter: counters that failed together do not all come back at the same second
    return timedelta(seconds=seconds * random.uniform(0.8, 1.0))


def _stale_after(ctx: AppContext) -> timedelta:
    # longer than the longest bounded attempt (see transports.send), so a live attempt
    # is never taken from a slow but working counter
    return timedelta(seconds=6 * timeout_seconds(ctx) + 60)


def _claim(ctx: AppContext, job_id: int, token: str) -> bool:
    now = ctx.now()
    stale = now - _stale_after(ctx)
    with dbmod.translated_errors(), ctx.database.atomic():
        claimable = (PrintJob.status.in_(("queued", "failed"))
                     | ((PrintJob.status == "printing") & (PrintJob.updated_at < stale)))
        return (PrintJob.update(status="printing", attempts=PrintJob.attempts + 1,
                                claimed_by=token, updated_at=now)
                .where((PrintJob.id == job_id) & claimable).execute()) == 1


def _finish(ctx: AppContext, job_id: int, token: str, *, error: str | None) -> PrintJob:
    now = ctx.now()
    with dbmod.translated_errors(), ctx.database.atomic():
        job = _get(job_id)
        if job.claimed_by != token:
            return job  # taken over as stale by another counter; its outcome wins
        if error is None:
            job.status, job.printed_at, job.last_error, job.next_attempt_at = (
                "printed", now, "", None)
        else:
            job.status, job.last_error = "failed", error
            job.next_attempt_at = (now + _backoff(ctx, job.attempts)
                                   if job.attempts < ctx.config["printing.max_attempts"]
                                   else None)
        job.updated_at = now
        job.save()
    return job


def attempt_job(ctx: AppContext, job_id: int) -> PrintJobInfo:
    """Print one job now (if nobody else is printing it); never raises for printer trouble."""
    require_role(ctx, *ANY_ROLE)
    token = uuid.uuid4().hex
    if not _claim(ctx, job_id, token):
        return _job_info(_get(job_id))
    job = _get(job_id)
    message = ""
    try:
        name, conn, profile = resolve_printer(ctx, job.printer)
        data = json.loads(job.data)
        payload, rendered = encode_job(ctx, job.kind, data, profile)
        stamp = ctx.now().astimezone().strftime("%Y%m%d-%H%M%S")
        message = tr.send(conn, payload, timeout=timeout_seconds(ctx),
                          status_check=ctx.config["printing.status_check"],
                          preview_dir=preview_dir(ctx), stem=f"{stamp}-job{job.id}-{job.kind}",
                          image=rendered.image)
    except UserError as exc:
        log.info("print job %s failed: %s", job_id, exc)
        job = _finish(ctx, job_id, token, error=str(exc))
        return _job_info(job, str(exc))
    except Exception:
        _finish(ctx, job_id, token, error=_("Lỗi chương trình khi in; chi tiết trong tệp nhật ký."))
        raise
    job = _finish(ctx, job_id, token, error=None)
    return _job_info(job, message)


def _submit(ctx: AppContext, kind: str, data: dict[str, Any], printer: str | None, title: str,
            reference: str, attempt: bool) -> PrintJobInfo:
    name, _conn, _profile = resolve_printer(ctx, printer)  # a typo fails before queueing
    job_id = _enqueue(ctx, kind, data, name, title, reference)
    return attempt_job(ctx, job_id) if attempt else _job_info(_get(job_id))


def enqueue_print(ctx: AppContext, kind: str, data: dict[str, Any], *,
                  printer: str | None = None) -> PrintJobInfo:
    """Queue a slip without trying the printer, inside the caller's transaction if any.

    The queue calls it while issuing a ticket so that "ticket issued" and "slip queued"
    commit together; the print worker (:func:`process_queue`) prints it later.
    Ticket data: office_name, number, service_name, issued_at (ISO), waiting_ahead,
    priority. Receipt and return slip data: {"dossier": code or UUID}.
    """
    require_role(ctx, *ANY_ROLE)
    name, _conn, _profile = resolve_printer(ctx, printer)
    if kind == "ticket":
        slip = ticket_data(ctx, number=data["number"], service=data["service_name"],
                           waiting_ahead=int(data.get("waiting_ahead") or 0),
                           priority=bool(data.get("priority")),
                           issued_at=datetime.fromisoformat(data["issued_at"]))
        slip["office_name"] = data.get("office_name") or slip["office_name"]
        title, reference = vietnamese("Số {n}").format(n=slip["number"]), slip["number"]
    elif kind in ("receipt", "return_slip"):
        info = dossiers.get_dossier(ctx, data["dossier"])
        slip = (receipt_data if kind == "receipt" else return_slip_data)(ctx, info)
        title = reference = info.code
    else:
        raise ValueError(f"enqueue_print cannot queue {kind!r} slips")
    return _job_info(_get(_enqueue(ctx, kind, slip, name, title, reference)))


def print_ticket(ctx: AppContext, *, number: str | int, service: str, waiting_ahead: int = 0,
                 priority: bool = False, printer: str | None = None,
                 attempt: bool = True) -> PrintJobInfo:
    require_role(ctx, *ANY_ROLE)
    data = ticket_data(ctx, number=number, service=service, waiting_ahead=waiting_ahead,
                       priority=priority)
    # the job's title is stored: Vietnamese, as the slip (sadec_desk/i18n.py)
    return _submit(ctx, "ticket", data, printer, vietnamese("Số {n}").format(n=data["number"]),
                   data["number"], attempt)


def print_receipt(ctx: AppContext, reference: str, *, printer: str | None = None,
                  attempt: bool = True) -> PrintJobInfo:
    require_role(ctx, *COUNTER_ROLES)
    info = dossiers.get_dossier(ctx, reference)
    return _submit(ctx, "receipt", receipt_data(ctx, info), printer, info.code, info.code,
                   attempt)


def print_return_slip(ctx: AppContext, reference: str, *, printer: str | None = None,
                      attempt: bool = True) -> PrintJobInfo:
    require_role(ctx, *COUNTER_ROLES)
    info = dossiers.get_dossier(ctx, reference)
    return _submit(ctx, "return_slip", return_slip_data(ctx, info), printer, info.code,
                   info.code, attempt)


def print_test_page(ctx: AppContext, printer: str | None = None) -> PrintJobInfo:
    require_role(ctx, *ADMIN_ROLES)
    name, conn, profile = resolve_printer(ctx, printer)
    return _submit(ctx, "test_page", test_page_data(ctx, name, conn, profile), name,
                   vietnamese("Trang in thử"), name, True)


def list_jobs(ctx: AppContext, *, status: str | None = None, limit: int = 50
              ) -> list[PrintJobInfo]:
    require_role(ctx, *ADMIN_ROLES)
    if status is not None and status not in STATUSES:
        raise InvalidInput(_("Trạng thái lệnh in '{s}' không có; dùng một trong: {all}.").format(
            s=status, all=", ".join(STATUSES)))
    with dbmod.translated_errors():
        query = PrintJob.select().order_by(PrintJob.id.desc()).limit(max(1, limit))
        if status:
            query = query.where(PrintJob.status == status)
        return [_job_info(job) for job in query]


def get_job(ctx: AppContext, job_id: int) -> PrintJobInfo:
    require_role(ctx, *ADMIN_ROLES)
    with dbmod.translated_errors():
        return _job_info(_get(job_id))


def reprint_job(ctx: AppContext, job_id: int, *, printer: str | None = None) -> PrintJobInfo:
    """A new job with the same slip (a lost ticket, a second copy of a receipt)."""
    require_role(ctx, *ADMIN_ROLES)
    with dbmod.translated_errors():
        old = _get(job_id)
    name, _conn, _profile = resolve_printer(ctx, printer or old.printer)
    new_id = _enqueue(ctx, old.kind, json.loads(old.data), name, old.title, old.reference,
                      reprint_of=old.id)
    return attempt_job(ctx, new_id)


def retry_job(ctx: AppContext, job_id: int, *, printer: str | None = None) -> PrintJobInfo:
    """Try a waiting or failed job now (even past its attempt limit); a printed one is reprinted."""
    require_role(ctx, *ADMIN_ROLES)
    with dbmod.translated_errors():
        job = _get(job_id)
    if job.status == "printed" or printer and printer != job.printer:
        return reprint_job(ctx, job_id, printer=printer)
    return attempt_job(ctx, job_id)


def process_queue(ctx: AppContext, *, limit: int = 20) -> list[PrintJobInfo]:
    """Attempt every job of this PC that is due: new ones, failed ones whose backoff has
    passed, and ones a crashed process left half-printed. Oldest first.

    Only this PC's jobs (and those queued before jobs named their PC): in an office whose PCs
    share one database, a kiosk's ticket is printed by the kiosk on the kiosk's printer, never
    by a counter's worker on a printer of the same name at the counter."""
    require_role(ctx, *ANY_ROLE)
    now = ctx.now()
    stale = now - _stale_after(ctx)
    with dbmod.translated_errors():
        due = [job.id for job in PrintJob.select(PrintJob.id).where(
            PrintJob.station.in_((machine_name(ctx), ""))
            & ((PrintJob.status.in_(("queued", "failed")) & PrintJob.next_attempt_at.is_null(False)
                & (PrintJob.next_attempt_at <= now))
               | ((PrintJob.status == "printing") & (PrintJob.updated_at < stale)))
        ).order_by(PrintJob.id).limit(limit)]
    return [attempt_job(ctx, job_id) for job_id in due]

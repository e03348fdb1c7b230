"""Printing tickets, receipts and slips through a durable print-job queue.

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
from pathlib import Path
from typing import Any

from sadec_desk.db import database as dbmod
from sadec_desk.db.print_models import PrintJob
from sadec_desk.domain.fees import format_vnd
from sadec_desk.domain.vietqr import build_vietqr
from sadec_desk.errors import InvalidInput, NotFound, UserError
from sadec_desk.i18n import _
from sadec_desk.printers import encode as enc
from sadec_desk.printers import profiles as prof
from sadec_desk.printers import render as rnd
from sadec_desk.printers import transports as tr
from sadec_desk.printers.fonts import find_fonts
from sadec_desk.services import due_dates
from sadec_desk.services.context import AppContext
from sadec_desk.services.display import deadline_label, format_datetime
from sadec_desk.services.reception import dossiers
from sadec_desk.services.records import DossierInfo

log = logging.getLogger(__name__)

PREVIEW_PRINTER = "preview"
KINDS = ("ticket", "receipt", "return_slip", "test_page")
STATUSES = ("queued", "printing", "printed", "failed")
MAX_BACKOFF = timedelta(minutes=10)

_STATUS_LABELS = {"queued": "Đang chờ in", "printing": "Đang in", "printed": "Đã in",
                  "failed": "Chưa in được"}
_KIND_LABELS = {"ticket": "Phiếu số thứ tự", "receipt": "Giấy tiếp nhận và hẹn trả",
                "return_slip": "Phiếu trả kết quả", "test_page": "Trang in thử"}
_PAPER_KINDS = {"original": "bản chính", "copy": "bản sao",
                "original_or_copy": "bản chính hoặc bản sao"}

_SAMPLE = ("aàảãáạ ăằẳẵắặ âầẩẫấậ đ eèẻẽéẹ êềểễếệ iìỉĩíị oòỏõóọ ôồổỗốộ ơờởỡớợ "
           "uùủũúụ ưừửữứự yỳỷỹýỵ")


# --- records --------------------------------------------------------------------------


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


@dataclass(frozen=True)
class ProfileInfo:
    name: str
    vendor: str
    description: str
    width_dots: int
    dpi: int
    width_mm: int
    cut: bool
    native_qr: bool
    vietnamese_code_pages: dict[str, int]
    source: str  # "sadec-desk" (our entries) or "python-escpos"


@dataclass(frozen=True)
class PrinterInfo:
    name: str
    connection: str
    profile: str
    default: bool


@dataclass(frozen=True)
class PrinterStatusInfo:
    printer: str
    connection: str
    reachable: bool
    online: bool | None
    paper: str | None
    message: str


def _job_info(job: PrintJob, message: str = "") -> PrintJobInfo:
    return PrintJobInfo(
        id=job.id, kind=job.kind, kind_label=_(_KIND_LABELS.get(job.kind, job.kind)),
        printer=job.printer, title=job.title, reference=job.reference, status=job.status,
        status_label=_(_STATUS_LABELS.get(job.status, job.status)), attempts=job.attempts,
        last_error=job.last_error, created_at=job.created_at, updated_at=job.updated_at,
        next_attempt_at=job.next_attempt_at, printed_at=job.printed_at,
        reprint_of=job.reprint_of, message=message)


# --- printers and profiles --------------------------------------------------------------


def list_profiles() -> list[ProfileInfo]:
    ours = {p.name for p in prof.OUR_PROFILES}
    return [ProfileInfo(name=p.name, vendor=p.vendor, description=p.description,
                        width_dots=p.width_dots, dpi=p.dpi, width_mm=p.width_mm, cut=p.cut,
                        native_qr=p.native_qr, vietnamese_code_pages=p.vietnamese_code_pages,
                        source="sadec-desk" if p.name in ours else "python-escpos")
            for p in prof.all_profiles().values()]


def _printers(ctx: AppContext) -> dict[str, str]:
    printers = {PREVIEW_PRINTER: "preview:"}
    printers.update(ctx.config["printing.printers"])
    return printers


def list_printers(ctx: AppContext) -> list[PrinterInfo]:
    default = ctx.config["printing.printer"]
    return [PrinterInfo(name=name, connection=text, profile=_profile_name(ctx, name),
                        default=name == default) for name, text in _printers(ctx).items()]


def _profile_name(ctx: AppContext, printer: str) -> str:
    return ctx.config["printing.profiles"].get(printer) or ctx.config["printing.profile"]


def resolve_printer(ctx: AppContext, name: str | None
                    ) -> tuple[str, tr.Connection, prof.PrinterProfile]:
    name = name or ctx.config["printing.printer"] or PREVIEW_PRINTER
    printers = _printers(ctx)
    if name not in printers:
        raise NotFound(_("Không có máy in '{name}'. Các máy in đã cấu hình: {names}. Thêm máy in "
                         "bằng: sadec-desk config set printing.printers '{{{name} = "
                         "\"tcp://192.168.1.50:9100\"}}'").format(
                             name=name, names=", ".join(printers)))
    return name, tr.parse_connection(printers[name]), prof.get_profile(_profile_name(ctx, name))


def preview_dir(ctx: AppContext) -> Path:
    configured = ctx.config["printing.preview_dir"]
    return Path(configured).expanduser() if configured else ctx.config.data_dir / "print-preview"


def _timeout(ctx: AppContext) -> float:
    return max(1, ctx.config["printing.timeout_seconds"])


def printer_status(ctx: AppContext, name: str | None = None) -> PrinterStatusInfo:
    name, conn, _profile = resolve_printer(ctx, name)
    status = tr.read_status(conn, timeout=_timeout(ctx))
    return PrinterStatusInfo(printer=name, connection=conn.text, reachable=status.reachable,
                             online=status.online, paper=status.paper, message=status.message)


# --- slip data ------------------------------------------------------------------------


def mask_id_number(id_number: str) -> str:
    """Only the last 4 digits: the slip leaves the office in the citizen's pocket."""
    digits = (id_number or "").strip()
    if len(digits) <= 4:
        return digits
    return "*" * (len(digits) - 4) + digits[-4:]


def _office_name(ctx: AppContext) -> str:
    return ctx.office().name or ctx.config["office.name"]


def ticket_data(ctx: AppContext, *, number: str | int, service: str, waiting_ahead: int = 0,
                priority: bool = False, issued_at: datetime | None = None) -> dict[str, Any]:
    number_text = str(number).strip()
    if not number_text:
        raise InvalidInput(_("Thiếu số thứ tự để in phiếu."))
    if not (service or "").strip():
        raise InvalidInput(_("Thiếu tên dịch vụ/lĩnh vực để in trên phiếu."))
    if waiting_ahead < 0:
        raise InvalidInput(_("Số người chờ phía trước không thể âm."))
    return {
        "office_name": _office_name(ctx), "number": number_text, "service": service.strip(),
        "issued_at": format_datetime(issued_at or ctx.now()),
        "waiting_ahead": str(waiting_ahead), "priority": bool(priority),
        "footer": ctx.config["printing.ticket_footer"],
    }


def _vietqr(ctx: AppContext, info: DossierInfo) -> tuple[str, str]:
    bank_bin, account = ctx.config["payment.bank_bin"], ctx.config["payment.account"]
    if info.fee_vnd <= 0 or not bank_bin or not account:
        return "", ""
    # the dossier code is the transfer note, so the accountant can match the payment;
    # EMVCo limits the note to 25 characters (a code is exactly 25 with a QCVN agency id)
    purpose = info.code if len(info.code) <= 25 else info.code[-25:]
    qr = build_vietqr(bank_bin, account, info.fee_vnd, purpose)
    holder = ctx.config["payment.account_name"]
    caption = _("Lệ phí {fee} — TK {account}{holder} — nội dung: {purpose}").format(
        fee=format_vnd(info.fee_vnd), account=account,
        holder=f" ({holder})" if holder else "", purpose=qr.purpose)
    return qr.payload, caption


def _due_note(ctx: AppContext, info: DossierInfo) -> str:
    """Why the appointment is when it is, when that is not obvious (DESIGN.md §3.2)."""
    for verification in (False, True):
        try:
            due = due_dates.due_date(ctx, info.procedure_code, info.received_at,
                                            needs_verification=verification)
        except UserError:
            return ""
        if due.due_at != info.due_at:
            continue  # rescheduled, or the other verification case
        if due.same_day_policy:
            return _("Trả trong ngày theo chính sách ngày không hẹn của cơ quan.")
        if due.counted_from.date() != due.received_at.date():
            return _("Nhận sau giờ tiếp nhận hoặc vào ngày nghỉ: thời hạn tính từ {v}.").format(
                v=format_datetime(due.counted_from))
        return ""
    return ""


def receipt_data(ctx: AppContext, info: DossierInfo) -> dict[str, Any]:
    """Mẫu 01 fields (TT 01/2018/TT-VPCP Art. 9; DESIGN.md §3.6)."""
    lookup = ctx.config["printing.lookup_url"]
    vietqr, vietqr_caption = _vietqr(ctx, info)
    return {
        "office_name": _office_name(ctx), "code": info.code,
        "applicant": info.citizen.full_name,
        "id_masked": mask_id_number(info.citizen.id_number),
        "phone": info.phone,
        "procedure": f"{info.procedure_name} ({info.procedure_code})",
        "papers": [{"name": p.name, "kind": _(_PAPER_KINDS.get(p.kind, p.kind)),
                    "count": p.count} for p in info.papers],
        "received_at": format_datetime(info.received_at),
        "due_at": format_datetime(info.due_at),
        "due_note": _due_note(ctx, info),
        "fee": format_vnd(info.fee_vnd) if info.fee_vnd else _("Miễn lệ phí"),
        "officer": info.received_by or ctx.clerk or "—",
        "lookup_data": lookup.format(code=info.code) if lookup else info.code,
        "vietqr": vietqr, "vietqr_caption": vietqr_caption,
    }


def return_slip_data(ctx: AppContext, info: DossierInfo) -> dict[str, Any]:
    returned_at = info.finished_at if info.status == "returned" and info.finished_at else ctx.now()
    return {
        "office_name": _office_name(ctx), "code": info.code,
        "applicant": info.citizen.full_name,
        "id_masked": mask_id_number(info.citizen.id_number),
        "procedure": f"{info.procedure_name} ({info.procedure_code})",
        "received_at": format_datetime(info.received_at),
        "due_at": format_datetime(info.due_at),
        "returned_at": format_datetime(returned_at),
        "deadline": deadline_label(info.deadline_state),
        "fee": format_vnd(info.fee_vnd) if info.fee_vnd else _("Miễn lệ phí"),
        "officer": ctx.clerk or info.received_by or "—",
    }


def test_page_data(ctx: AppContext, name: str, conn: tr.Connection,
                   profile: prof.PrinterProfile) -> dict[str, Any]:
    return {
        "office_name": _office_name(ctx), "printer": name, "connection": conn.text,
        "profile": f"{profile.name} — {profile.description}",
        "width": str(profile.width_dots), "dpi": str(profile.dpi),
        "printed_at": format_datetime(ctx.now()),
        "sample": _SAMPLE, "sample_upper": _SAMPLE.upper(),
        "qr_data": "Sa Đéc Desk",
    }


# --- render and encode ------------------------------------------------------------------


def _fonts(ctx: AppContext):
    return find_fonts(ctx.config["printing.font_file"], ctx.config["printing.bold_font_file"])


def render_job(ctx: AppContext, kind: str, data: dict[str, Any],
               profile: prof.PrinterProfile) -> rnd.Rendered:
    if kind not in KINDS:
        raise ValueError(kind)
    return rnd.render_named(kind, data, profile, _fonts(ctx))


def encode_job(ctx: AppContext, kind: str, data: dict[str, Any],
               profile: prof.PrinterProfile) -> tuple[bytes, rnd.Rendered]:
    """The ESC/POS bytes of a job in the configured mode, and its picture (for previews)."""
    rendered = render_job(ctx, kind, data, profile)
    mode = ctx.config["printing.mode"]
    if mode == "text":
        encoding = ctx.config["printing.text_encoding"]
        if encoding not in enc.TEXT_ENCODINGS:
            raise InvalidInput(_("printing.text_encoding phải là 'cp1258' hoặc 'tcvn3'."))
        problem = enc.describe_text_support(profile, encoding)
        if problem:
            raise InvalidInput(problem)
        return enc.encode_text(rnd.load_layout(kind), data, profile, encoding), rendered
    if mode != "raster":
        raise InvalidInput(_("printing.mode phải là 'raster' hoặc 'text' (đang là '{v}')."
                             ).format(v=mode))
    return enc.encode_raster(rendered.image, profile), rendered


# --- the queue ------------------------------------------------------------------------


def _enqueue(ctx: AppContext, kind: str, data: dict[str, Any], printer: str, title: str,
             reference: str, reprint_of: int | None = None) -> int:
    now = ctx.now()
    with dbmod.translated_errors(), ctx.database.atomic():
        job = PrintJob.create(kind=kind, printer=printer, data=json.dumps(data, ensure_ascii=False),
                              title=title, reference=reference, status="queued",
                              created_at=now, updated_at=now, next_attempt_at=now,
                              reprint_of=reprint_of)
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
    return timedelta(seconds=6 * _timeout(ctx) + 60)


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
        message = tr.send(conn, payload, timeout=_timeout(ctx),
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
    name, _conn, _profile = resolve_printer(ctx, printer)
    if kind == "ticket":
        slip = ticket_data(ctx, number=data["number"], service=data["service_name"],
                           waiting_ahead=int(data.get("waiting_ahead") or 0),
                           priority=bool(data.get("priority")),
                           issued_at=datetime.fromisoformat(data["issued_at"]))
        slip["office_name"] = data.get("office_name") or slip["office_name"]
        title, reference = _("Số {n}").format(n=slip["number"]), slip["number"]
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
    data = ticket_data(ctx, number=number, service=service, waiting_ahead=waiting_ahead,
                       priority=priority)
    return _submit(ctx, "ticket", data, printer, _("Số {n}").format(n=data["number"]),
                   data["number"], attempt)


def print_receipt(ctx: AppContext, reference: str, *, printer: str | None = None,
                  attempt: bool = True) -> PrintJobInfo:
    info = dossiers.get_dossier(ctx, reference)
    return _submit(ctx, "receipt", receipt_data(ctx, info), printer, info.code, info.code,
                   attempt)


def print_return_slip(ctx: AppContext, reference: str, *, printer: str | None = None,
                      attempt: bool = True) -> PrintJobInfo:
    info = dossiers.get_dossier(ctx, reference)
    return _submit(ctx, "return_slip", return_slip_data(ctx, info), printer, info.code,
                   info.code, attempt)


def print_test_page(ctx: AppContext, printer: str | None = None) -> PrintJobInfo:
    name, conn, profile = resolve_printer(ctx, printer)
    return _submit(ctx, "test_page", test_page_data(ctx, name, conn, profile), name,
                   _("Trang in thử"), name, True)


def list_jobs(ctx: AppContext, *, status: str | None = None, limit: int = 50
              ) -> list[PrintJobInfo]:
    if status is not None and status not in STATUSES:
        raise InvalidInput(_("Trạng thái lệnh in '{s}' không có; dùng một trong: {all}.").format(
            s=status, all=", ".join(STATUSES)))
    with dbmod.translated_errors():
        query = PrintJob.select().order_by(PrintJob.id.desc()).limit(max(1, limit))
        if status:
            query = query.where(PrintJob.status == status)
        return [_job_info(job) for job in query]


def get_job(ctx: AppContext, job_id: int) -> PrintJobInfo:
    with dbmod.translated_errors():
        return _job_info(_get(job_id))


def reprint_job(ctx: AppContext, job_id: int, *, printer: str | None = None) -> PrintJobInfo:
    """A new job with the same slip (a lost ticket, a second copy of a receipt)."""
    with dbmod.translated_errors():
        old = _get(job_id)
    name, _conn, _profile = resolve_printer(ctx, printer or old.printer)
    new_id = _enqueue(ctx, old.kind, json.loads(old.data), name, old.title, old.reference,
                      reprint_of=old.id)
    return attempt_job(ctx, new_id)


def retry_job(ctx: AppContext, job_id: int, *, printer: str | None = None) -> PrintJobInfo:
    """Try a waiting or failed job now (even past its attempt limit); a printed one is reprinted."""
    with dbmod.translated_errors():
        job = _get(job_id)
    if job.status == "printed" or printer and printer != job.printer:
        return reprint_job(ctx, job_id, printer=printer)
    return attempt_job(ctx, job_id)


def process_queue(ctx: AppContext, *, limit: int = 20) -> list[PrintJobInfo]:
    """Attempt every job that is due: new ones, failed ones whose backoff has passed,
    and ones a crashed process left half-printed. Oldest first."""
    now = ctx.now()
    stale = now - _stale_after(ctx)
    with dbmod.translated_errors():
        due = [job.id for job in PrintJob.select(PrintJob.id).where(
            (PrintJob.status.in_(("queued", "failed")) & PrintJob.next_attempt_at.is_null(False)
             & (PrintJob.next_attempt_at <= now))
            | ((PrintJob.status == "printing") & (PrintJob.updated_at < stale))
        ).order_by(PrintJob.id).limit(limit)]
    return [attempt_job(ctx, job_id) for job_id in due]


# --- previews -------------------------------------------------------------------------


def _write_png(rendered: rnd.Rendered, out: Path) -> Path:
    out = Path(out)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        rendered.image.save(out, format="PNG")
    except (OSError, ValueError) as exc:
        raise InvalidInput(_("Không ghi được tệp {path} ({error}).").format(path=out, error=exc)
                           ) from None
    return out


def _preview_profile(ctx: AppContext, profile: str | None, printer: str | None):
    if profile:
        return prof.get_profile(profile)
    return resolve_printer(ctx, printer)[2]


def preview_ticket(ctx: AppContext, *, number: str | int, service: str, out: Path,
                   waiting_ahead: int = 0, priority: bool = False, profile: str | None = None,
                   printer: str | None = None) -> Path:
    data = ticket_data(ctx, number=number, service=service, waiting_ahead=waiting_ahead,
                       priority=priority)
    return _write_png(render_job(ctx, "ticket", data, _preview_profile(ctx, profile, printer)),
                      out)


def preview_dossier(ctx: AppContext, kind: str, reference: str, *, out: Path,
                    profile: str | None = None, printer: str | None = None) -> Path:
    info = dossiers.get_dossier(ctx, reference)
    if kind == "receipt":
        data = receipt_data(ctx, info)
    elif kind == "return_slip":
        data = return_slip_data(ctx, info)
    else:
        raise ValueError(kind)
    return _write_png(render_job(ctx, kind, data, _preview_profile(ctx, profile, printer)), out)

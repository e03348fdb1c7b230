"""The thermal slips: the data each one is drawn from (ticket, receipt Mẫu 01, return
slip, test page), drawing and encoding it for a printer profile, and PNG previews.

The layouts are TOML files in ``printers/layouts``; :mod:`sadec_desk.printers.render` draws
them and :mod:`sadec_desk.printers.encode` makes the ESC/POS bytes. The job queue
(:mod:`.jobs`) stores a slip's data and prints it through :func:`encode_job`.

A slip is a paper of the office handed to a citizen: its words (the layouts' and the data's)
are Vietnamese whatever the interface language (``vietnamese()``, sadec_desk/i18n.py); only
the refusals raised here follow the interface.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sadec_desk.domain.cccd import mask_id_number
from sadec_desk.domain.fees import format_vnd
from sadec_desk.domain.vietqr import build_vietqr
from sadec_desk.errors import InvalidInput, UserError
from sadec_desk.i18n import _, vietnamese, vietnamese_texts
from sadec_desk.printers import encode as enc
from sadec_desk.printers import profiles as prof
from sadec_desk.printers import render as rnd
from sadec_desk.printers import transports as tr
from sadec_desk.services import due_dates
from sadec_desk.services.access import ADMIN_ROLES, READ_ROLES, require_role
from sadec_desk.services.display import deadline_label, format_datetime, result_delivery_label
from sadec_desk.services.printing.devices import resolve_printer
from sadec_desk.services.printing.letterhead import fonts, office_name
from sadec_desk.services.reception import dossiers
from sadec_desk.services.records import DossierInfo

if TYPE_CHECKING:
    from sadec_desk.services.context import AppContext

KINDS = ("ticket", "receipt", "return_slip", "test_page")
#: how a paper's kind reads on the receipt (Vietnamese, as the whole slip)
PAPER_KIND_LABELS = {"original": "bản chính", "copy": "bản sao",
                     "original_or_copy": "bản chính hoặc bản sao"}

_SAMPLE = ("aàảãáạ ăằẳẵắặ âầẩẫấậ đ eèẻẽéẹ êềểễếệ iìỉĩíị oòỏõóọ ôồổỗốộ ơờởỡớợ "
           "uùủũúụ ưừửữứự yỳỷỹýỵ")


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
        "office_name": office_name(ctx), "number": number_text, "service": service.strip(),
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
    caption = vietnamese("Lệ phí {fee} — TK {account}{holder} — nội dung: {purpose}").format(
        fee=format_vnd(info.fee_vnd), account=account,
        holder=f" ({holder})" if holder else "", purpose=qr.purpose)
    return qr.payload, caption


def _due_note(ctx: AppContext, info: DossierInfo) -> str:
    """Why the appointment is when it is, when that is not obvious (docs/design.md §3.2)."""
    for verification in (False, True):
        try:
            due = due_dates.due_date(ctx, info.procedure_code, info.received_at,
                                            needs_verification=verification)
        except UserError:
            return ""
        if due.due_at != info.due_at:
            continue  # rescheduled, or the other verification case
        if due.same_day_policy:
            return vietnamese("Trả trong ngày theo chính sách ngày không hẹn của cơ quan.")
        if due.counted_from.date() != due.received_at.date():
            return vietnamese("Nhận sau giờ tiếp nhận hoặc vào ngày nghỉ: thời hạn tính từ "
                              "{v}.").format(v=format_datetime(due.counted_from))
        return ""
    return ""


def _receipt_papers(info: DossierInfo) -> list[dict[str, Any]]:
    """The papers on Mẫu 01. A kiosk dossier holds no paper at all: its papers are the
    pages the citizen scanned ("bản scan") and the e-form typed on the screen ("bản điện
    tử"), not the "bản chính" the catalogue asks for at the counter (issue #17 item 4)."""
    scanned: set[str] = set()
    if info.channel == "kiosk":
        from sadec_desk.db.attachment_models import DossierPage
        from sadec_desk.db.models import Dossier

        scanned = {row.paper_name for row in DossierPage.select(DossierPage.paper_name)
                   .join(Dossier).where(Dossier.uuid == info.uuid)}
    out = []
    for p in info.papers:
        if info.channel != "kiosk":
            kind = PAPER_KIND_LABELS.get(p.kind, p.kind)
        else:
            kind = vietnamese("bản scan") if p.name in scanned else vietnamese("bản điện tử")
        out.append({"name": p.name, "kind": kind, "count": p.count})
    return out


def receipt_data(ctx: AppContext, info: DossierInfo) -> dict[str, Any]:
    """Mẫu 01 fields (TT 01/2018/TT-VPCP Art. 9; docs/design.md §3.6)."""
    lookup = ctx.config["printing.lookup_url"]
    vietqr, vietqr_caption = _vietqr(ctx, info)
    with vietnamese_texts():
        delivery = result_delivery_label(info.result_delivery)
    return {
        "office_name": office_name(ctx), "code": info.code,
        "applicant": info.citizen.full_name,
        "id_masked": mask_id_number(info.citizen.id_number),
        "phone": info.phone,
        "procedure": f"{info.procedure_name} ({info.procedure_code})",
        "papers": _receipt_papers(info),
        "received_at": format_datetime(info.received_at),
        "due_at": format_datetime(info.due_at),
        "due_note": _due_note(ctx, info),
        "result_delivery": delivery,
        "by_post": info.result_delivery == "post",
        "fee": format_vnd(info.fee_vnd) if info.fee_vnd else vietnamese("Miễn lệ phí"),
        "officer": info.received_by or ctx.clerk or "—",
        "lookup_data": lookup.format(code=info.code) if lookup else info.code,
        "vietqr": vietqr, "vietqr_caption": vietqr_caption,
    }


def return_slip_data(ctx: AppContext, info: DossierInfo) -> dict[str, Any]:
    returned_at = info.finished_at if info.status == "returned" and info.finished_at else ctx.now()
    with vietnamese_texts():
        deadline = deadline_label(info.deadline_state)
    return {
        "office_name": office_name(ctx), "code": info.code,
        "applicant": info.citizen.full_name,
        "id_masked": mask_id_number(info.citizen.id_number),
        "procedure": f"{info.procedure_name} ({info.procedure_code})",
        "received_at": format_datetime(info.received_at),
        "due_at": format_datetime(info.due_at),
        "returned_at": format_datetime(returned_at),
        "deadline": deadline,
        "fee": format_vnd(info.fee_vnd) if info.fee_vnd else vietnamese("Miễn lệ phí"),
        "officer": ctx.clerk or info.received_by or "—",
    }


def test_page_data(ctx: AppContext, name: str, conn: tr.Connection,
                   profile: prof.PrinterProfile) -> dict[str, Any]:
    return {
        "office_name": office_name(ctx), "printer": name, "connection": conn.text,
        "profile": f"{profile.name} — {profile.description}",
        "width": str(profile.width_dots), "dpi": str(profile.dpi),
        "printed_at": format_datetime(ctx.now()),
        "sample": _SAMPLE, "sample_upper": _SAMPLE.upper(),
        "qr_data": "Sa Đéc Desk",
    }


# --- render and encode ------------------------------------------------------------------


def render_job(ctx: AppContext, kind: str, data: dict[str, Any],
               profile: prof.PrinterProfile) -> rnd.Rendered:
    if kind not in KINDS:
        raise ValueError(kind)
    return rnd.render_named(kind, data, profile, fonts(ctx))


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
    require_role(ctx, *ADMIN_ROLES)
    data = ticket_data(ctx, number=number, service=service, waiting_ahead=waiting_ahead,
                       priority=priority)
    return _write_png(render_job(ctx, "ticket", data, _preview_profile(ctx, profile, printer)),
                      out)


def preview_dossier(ctx: AppContext, kind: str, reference: str, *, out: Path,
                    profile: str | None = None, printer: str | None = None) -> Path:
    require_role(ctx, *READ_ROLES)
    info = dossiers.get_dossier(ctx, reference)
    if kind == "receipt":
        data = receipt_data(ctx, info)
    elif kind == "return_slip":
        data = return_slip_data(ctx, info)
    else:
        raise ValueError(kind)
    return _write_png(render_job(ctx, kind, data, _preview_profile(ctx, profile, printer)), out)


"""``sadec-desk dossier ...``, ``citizen ...`` and ``calendar due``: receiving and
following dossiers, reading a card's QR, and the due date of a procedure."""

from __future__ import annotations

import sys

from sadec_desk.cli.base import command, emit, group, parse_local_datetime
from sadec_desk.domain.fees import format_vnd
from sadec_desk.i18n import _
from sadec_desk.services import due_dates
from sadec_desk.services.context import AppContext
from sadec_desk.services.display import (
    deadline_label,
    dossier_lines,
    format_date,
    format_datetime,
    result_delivery_label,
)
from sadec_desk.services.reception import citizens, dossiers, search


def cmd_citizen_parse(args, ctx: AppContext | None) -> None:
    text = sys.stdin.read() if args.text == "-" else args.text
    citizen = citizens.parse_citizen_qr(text)
    emit(args, citizen, lambda: [
        _("Số CCCD:   {v}").format(v=citizen.id_number),
        _("Số CMND:   {v}").format(v=citizen.old_id_number or "—"),
        _("Họ tên:    {v}").format(v=citizen.full_name),
        _("Ngày sinh: {v}").format(v=format_date(citizen.date_of_birth)),
        _("Giới tính: {v}").format(v=citizen.gender),
        _("Địa chỉ:   {v}").format(v=citizen.address),
        _("Ngày cấp:  {v}").format(v=format_date(citizen.issue_date) or "—"),
    ])


def cmd_citizen_scan(args, ctx: AppContext | None) -> None:
    result = citizens.scan_image(args.image)

    def lines():
        if result.kind == "receipt":
            return [_("Mã QR phiếu hẹn — mã hồ sơ: {code}").format(code=result.dossier_code)]
        if result.kind == "cccd":
            c = result.citizen
            return [_("Mã QR thẻ CCCD: {name}, CCCD {id}, sinh ngày {dob}").format(
                name=c.full_name, id=c.id_number, dob=format_date(c.date_of_birth))]
        return [_("Mã QR khác (không phải thẻ CCCD hay phiếu hẹn): {text}").format(
            text=result.text)]

    emit(args, result, lines)


def cmd_calendar_due(args, ctx: AppContext) -> None:
    due = due_dates.due_date(ctx, args.procedure, parse_local_datetime(args.received),
                                    needs_verification=args.verification)

    def lines():
        out = [_("Hẹn trả: {v}").format(v=format_datetime(due.due_at))]
        if due.same_day_policy:
            out.append(_("Trả trong ngày theo chính sách ngày không hẹn của cơ quan."))
        if due.counted_from.date() != due.received_at.date():
            out.append(_("Tính từ: {v} (nhận sau giờ tiếp nhận hoặc ngày nghỉ)").format(
                v=format_datetime(due.counted_from)))
        return out

    emit(args, due, lines)


def cmd_dossier_receive(args, ctx: AppContext) -> None:
    info = dossiers.receive_dossier(
        ctx, procedure_code=args.procedure, qr_text=args.qr, phone=args.phone or "",
        pages=args.pages, copies=args.copies, needs_verification=args.verification,
        on_time=not args.late, channel=args.channel, result_delivery=args.delivery,
        received_at=parse_local_datetime(args.received) if args.received else None,
    )
    emit(args, info, lambda: [
        _("Đã tiếp nhận hồ sơ {code}").format(code=info.code),
        _("UUID:    {v}").format(v=info.uuid),
        _("Hẹn trả: {v}").format(v=format_datetime(info.due_at)),
        _("Lệ phí:  {v}").format(v=format_vnd(info.fee_vnd)),
        _("Nhận kết quả: {v}").format(v=result_delivery_label(info.result_delivery)),
    ])


def cmd_dossier_show(args, ctx: AppContext) -> None:
    info = dossiers.get_dossier(ctx, args.reference)
    emit(args, info, lambda: dossier_lines(info))


def _one_line_each(items, empty: str) -> list[str]:
    if not items:
        return [empty]
    return [f"{d.code}  {d.procedure_code}  {d.citizen.full_name}  {d.status_label}  "
            + _("hẹn {due}").format(due=format_datetime(d.due_at))
            + f"  {deadline_label(d.deadline_state)}" for d in items]


def cmd_dossier_list(args, ctx: AppContext) -> None:
    items = dossiers.list_dossiers(ctx, status=args.status, limit=args.limit)
    emit(args, items, lambda: _one_line_each(items, _("Chưa có hồ sơ nào.")))


def cmd_dossier_find(args, ctx: AppContext) -> None:
    items = search.find_dossiers(ctx, args.text, limit=args.limit, status=args.status,
                                 date_from=args.date_from, date_to=args.date_to,
                                 details=True)
    emit(args, items, lambda: _one_line_each(items, _("Không tìm thấy hồ sơ nào.")))


def cmd_dossier_advance(args, ctx: AppContext) -> None:
    info = dossiers.advance_dossier(ctx, args.reference, args.to, note=args.note or "")
    emit(args, info, lambda: [_("Hồ sơ {code}: {label}").format(
        code=info.code, label=info.status_label)])


def cmd_dossier_reschedule(args, ctx: AppContext) -> None:
    info = dossiers.reschedule_dossier(ctx, args.reference, parse_local_datetime(args.due),
                                       args.reason)
    emit(args, info, lambda: [_("Hồ sơ {code}: hẹn lại {due}").format(
        code=info.code, due=format_datetime(info.due_at))])


def cmd_dossier_void(args, ctx: AppContext) -> None:
    info = dossiers.void_dossier(ctx, args.reference, args.reason or "")
    emit(args, info, lambda: [_("Hồ sơ {code}: {label}").format(
        code=info.code, label=info.status_label)])


def register(sub) -> None:
    g = group(sub, "citizen", "citizen ID card (CCCD) QR")
    p = command(g, "parse-qr", cmd_citizen_parse, needs_db=False, help="parse CCCD QR text")
    p.add_argument("text", help="QR text as typed by the scanner ('-' reads standard input)")
    p = command(g, "scan", cmd_citizen_scan, needs_db=False, help="decode a QR from an image")
    p.add_argument("image", help="photo or scanner image (PNG, JPEG...)")

    g = group(sub, "calendar", "working days and due dates")
    p = command(g, "due", cmd_calendar_due, help="due date of a procedure")
    p.add_argument("--procedure", required=True, help="procedure code, e.g. 1.004873")
    p.add_argument("--received", required=True, help="ISO date-time received (Vietnam time)")
    p.add_argument("--verification", action="store_true", help="verification is needed")

    g = group(sub, "dossier", "civil-status dossiers")
    p = command(g, "receive", cmd_dossier_receive, help="receive a dossier")
    p.add_argument("--procedure", required=True, help="procedure code")
    p.add_argument("--qr", required=True, help="CCCD QR text of the applicant")
    p.add_argument("--phone", help="applicant's phone number")
    p.add_argument("--pages", type=int, default=0, help="pages per copy (certified copies)")
    p.add_argument("--copies", type=int, default=1, help="number of copies")
    p.add_argument("--verification", action="store_true", help="verification is needed")
    p.add_argument("--late", action="store_true", help="registration is past its legal time")
    p.add_argument("--channel", default="counter", choices=dossiers.CHANNELS)
    p.add_argument("--delivery", default="office", choices=dossiers.RESULT_DELIVERIES,
                   help="how the citizen wants the result: at the office or by public post")
    p.add_argument("--received", help="ISO date-time received (default: now)")
    p = command(g, "show", cmd_dossier_show, help="show one dossier")
    p.add_argument("reference", metavar="CODE_OR_UUID")
    p = command(g, "list", cmd_dossier_list, help="list dossiers, newest first")
    p.add_argument("--status", help="only this status")
    p.add_argument("--limit", type=int, default=50)
    p = command(g, "find", cmd_dossier_find,
                help="find dossiers by code or receipt QR, ID number, phone or name "
                     "(no diacritics needed), newest first")
    p.add_argument("text", help="what to look for, e.g. 'nguyen van an' or 034303011829")
    p.add_argument("--limit", type=int, default=50, help="at most this many (1-1000)")
    p.add_argument("--status", help="only this status")
    p.add_argument("--from", dest="date_from", metavar="DAY",
                   help="received on or after this day (dd/mm/yyyy or yyyy-mm-dd)")
    p.add_argument("--to", dest="date_to", metavar="DAY", help="received on or before this day")
    p = command(g, "advance", cmd_dossier_advance, help="move a dossier to another status")
    p.add_argument("reference", metavar="CODE")
    p.add_argument("--to", required=True, metavar="STATUS")
    p.add_argument("--note", help="reason or note (required to refuse, withdraw, supplement)")
    p = command(g, "reschedule", cmd_dossier_reschedule, help="new appointment (Mẫu 04)")
    p.add_argument("reference", metavar="CODE")
    p.add_argument("--due", required=True, help="new ISO date-time due")
    p.add_argument("--reason", required=True)
    p = command(g, "void", cmd_dossier_void,
                help="void a dossier created by mistake (Hủy do nhập nhầm)")
    p.add_argument("reference", metavar="CODE")
    p.add_argument("--reason", help="what the mistake was (required)")

"""``sadec-desk printer ...`` (IT set-up) and ``sadec-desk print ...`` (slips, queue)."""

from __future__ import annotations

from pathlib import Path

from sadec_desk.cli.base import command, emit, group
from sadec_desk.errors import UserError
from sadec_desk.i18n import _
from sadec_desk.services.display import format_datetime
from sadec_desk.services.printing import devices as printer_devices
from sadec_desk.services.printing import jobs as printing
from sadec_desk.services.printing import slips


class JobNotPrinted(UserError):
    code = "print_failed"


def _job_line(job: printing.PrintJobInfo) -> str:
    line = f"#{job.id}  {job.kind_label}  {job.title}  [{job.printer}]  {job.status_label}"
    if job.attempts:
        line += _("  ({n} lần thử)").format(n=job.attempts)
    if job.status == "failed":
        line += f" — {job.last_error}"
        if job.next_attempt_at:
            line += _(" — thử lại lúc {t}").format(t=format_datetime(job.next_attempt_at))
    return line


def _report(args, job: printing.PrintJobInfo) -> None:
    emit(args, job, lambda: [_job_line(job)] + ([job.message] if job.message
                                                and job.status == "printed" else []))
    if job.status == "failed":
        # exit 2 so scripts notice; the job itself is safe in the queue
        raise JobNotPrinted(_("Chưa in được lệnh in #{id}: {reason} Lệnh in đã lưu và sẽ tự in "
                              "lại; in lại ngay bằng: sadec-desk print retry {id}").format(
                                  id=job.id, reason=job.last_error))


# --- printer ----------------------------------------------------------------------------


def cmd_list_profiles(args, ctx) -> None:
    profiles = printer_devices.list_profiles()

    def lines():
        out = []
        for p in profiles:
            features = [_("dao cắt") if p.cut else _("không dao cắt"),
                        _("QR trong máy") if p.native_qr else _("QR vẽ ảnh")]
            if p.vietnamese_code_pages:
                features.append(_("bảng mã Việt: ") + ", ".join(p.vietnamese_code_pages))
            out.append(f"{p.name:<12} {p.width_dots} {_('điểm')}, {p.dpi} dpi  "
                       f"{p.description}  ({'; '.join(features)}) [{p.source}]")
        return out

    emit(args, profiles, lines)


def cmd_list_printers(args, ctx) -> None:
    printers = printer_devices.list_printers(ctx)
    emit(args, printers, lambda: [
        f"{'*' if p.default else ' '} {p.name:<12} {p.connection:<32} {p.profile}"
        for p in printers])


def cmd_printer_test(args, ctx) -> None:
    _report(args, printing.print_test_page(ctx, args.printer))


def cmd_printer_status(args, ctx) -> None:
    status = printer_devices.printer_status(ctx, args.printer)
    emit(args, status, lambda: [f"{status.printer} ({status.connection}): {status.message}"])
    if not status.reachable:
        raise JobNotPrinted(_("Không liên lạc được với máy in {name}.").format(
            name=status.printer))


# --- print ----------------------------------------------------------------------------


def cmd_print_ticket(args, ctx) -> None:
    _report(args, printing.print_ticket(ctx, number=args.number, service=args.service,
                                        waiting_ahead=args.waiting_ahead,
                                        priority=args.priority, printer=args.printer))


def cmd_print_receipt(args, ctx) -> None:
    _report(args, printing.print_receipt(ctx, args.code, printer=args.printer))


def cmd_print_return_slip(args, ctx) -> None:
    _report(args, printing.print_return_slip(ctx, args.code, printer=args.printer))


def _preview_done(args, path: Path) -> None:
    emit(args, {"path": str(path)}, lambda: [_("Đã vẽ bản xem trước: {p}").format(p=path)])


def cmd_preview_ticket(args, ctx) -> None:
    _preview_done(args, slips.preview_ticket(
        ctx, number=args.number, service=args.service, out=Path(args.out),
        waiting_ahead=args.waiting_ahead, priority=args.priority, profile=args.profile,
        printer=args.printer))


def cmd_preview_receipt(args, ctx) -> None:
    _preview_done(args, slips.preview_dossier(ctx, "receipt", args.code, out=Path(args.out),
                                              profile=args.profile, printer=args.printer))


def cmd_preview_return_slip(args, ctx) -> None:
    _preview_done(args, slips.preview_dossier(ctx, "return_slip", args.code,
                                              out=Path(args.out), profile=args.profile,
                                              printer=args.printer))


def cmd_print_poster(args, ctx) -> None:
    from sadec_desk.services.documents import poster

    made = poster.make_poster(ctx, args.out)
    emit(args, made, lambda: [_("Đã vẽ poster {n} mã QR ({pages} trang A4): {p}").format(
        n=len(made.items), pages=made.pages, p=made.path)])


def cmd_queue(args, ctx) -> None:
    jobs = printing.list_jobs(ctx, status=args.status, limit=args.limit)
    emit(args, jobs, lambda: [_job_line(j) for j in jobs] or [_("Hàng đợi in trống.")])


def cmd_retry(args, ctx) -> None:
    _report(args, printing.retry_job(ctx, args.job_id, printer=args.printer))


def cmd_reprint(args, ctx) -> None:
    _report(args, printing.reprint_job(ctx, args.job_id, printer=args.printer))


def cmd_process(args, ctx) -> None:
    jobs = printing.process_queue(ctx, limit=args.limit)
    emit(args, jobs, lambda: [_job_line(j) for j in jobs] or [_("Không có lệnh in nào đến hạn.")])


def _ticket_args(p) -> None:
    p.add_argument("--number", required=True, help="queue number printed large, e.g. 12 or A012")
    p.add_argument("--service", required=True, help="service or field, e.g. 'Hộ tịch'")
    p.add_argument("--waiting-ahead", type=int, default=0, help="people waiting ahead")
    p.add_argument("--priority", action="store_true",
                   help="priority citizen (elderly, disabled, pregnant...)")


def register(sub) -> None:
    g = group(sub, "printer", "printer set-up: models, test page, status")
    command(g, "list-profiles", cmd_list_profiles, needs_db=False,
            help="printer models (width, dpi, cutter, code pages)")
    command(g, "list", cmd_list_printers, help="configured printers")
    p = command(g, "test", cmd_printer_test, help="print a test page")
    p.add_argument("--printer", help="printer name (default: printing.printer)")
    p = command(g, "status", cmd_printer_status, help="online/paper status of a printer")
    p.add_argument("--printer", help="printer name (default: printing.printer)")

    g = group(sub, "print", "print tickets, receipts and slips; the print queue")
    p = command(g, "ticket", cmd_print_ticket, help="print a queue ticket")
    _ticket_args(p)
    p.add_argument("--printer")
    p = command(g, "receipt", cmd_print_receipt, help="print the receipt (Mẫu 01) of a dossier")
    p.add_argument("code", metavar="CODE")
    p.add_argument("--printer")
    p = command(g, "return-slip", cmd_print_return_slip, help="print the return slip of a dossier")
    p.add_argument("code", metavar="CODE")
    p.add_argument("--printer")

    pv = g.add_parser("preview", help="render a slip to a PNG file without printing")
    pv.set_defaults(handler=None, group_parser=pv)
    pvs = pv.add_subparsers(dest="preview_kind", metavar="KIND")
    p = command(pvs, "ticket", cmd_preview_ticket, help="preview a queue ticket")
    _ticket_args(p)
    kinds = [p]
    p = command(pvs, "receipt", cmd_preview_receipt, help="preview a dossier's receipt")
    p.add_argument("code", metavar="CODE")
    kinds.append(p)
    p = command(pvs, "return-slip", cmd_preview_return_slip, help="preview a return slip")
    p.add_argument("code", metavar="CODE")
    kinds.append(p)
    for p in kinds:
        p.add_argument("--out", required=True, metavar="FILE.png")
        p.add_argument("--profile", help="printer model (default: the printer's)")
        p.add_argument("--printer", help="take the model of this printer")

    p = command(g, "poster", cmd_print_poster,
                help="A4 PDF poster of QR codes: one per procedure (kiosk.procedure_url) "
                     "and the services of poster.extra_links")
    p.add_argument("--out", metavar="FILE.pdf",
                   help="where to write it (default: poster/poster-ma-qr.pdf in the data dir)")
    p = command(g, "queue", cmd_queue, help="print jobs, newest first")
    p.add_argument("--status", choices=printing.STATUSES)
    p.add_argument("--limit", type=int, default=50)
    p = command(g, "retry", cmd_retry, help="print a waiting/failed job now (printed: reprint)")
    p.add_argument("job_id", type=int, metavar="JOB_ID")
    p.add_argument("--printer", help="send to another printer instead")
    p = command(g, "reprint", cmd_reprint, help="print a past job again")
    p.add_argument("job_id", type=int, metavar="JOB_ID")
    p.add_argument("--printer")
    p = command(g, "process", cmd_process, help="print every job that is due (for a worker/cron)")
    p.add_argument("--limit", type=int, default=20)

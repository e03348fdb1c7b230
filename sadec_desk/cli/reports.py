"""``sadec-desk report ...``: the figures and exports for the commune leader."""

from __future__ import annotations

from datetime import timedelta

from sadec_desk.cli.base import command, emit, export_lines, group
from sadec_desk.i18n import _
from sadec_desk.services.display import channel_label, format_datetime, weekday_vi
from sadec_desk.services.reports import build
from sadec_desk.services.reports.text import minutes, pct, period_text


def _period_line(period) -> str:
    return period_text(period)


def cmd_report_summary(args, ctx) -> None:
    r = build.summary_report(ctx, args.date_from, args.date_to)

    def lines():
        d = r.deadline
        out = [_period_line(r.period),
               _("Hồ sơ tiếp nhận: {n}").format(n=r.received) + "  ("
               + ", ".join(f"{channel_label(c)} {n}" for c, n in r.by_channel) + ")",
               _("Tỷ lệ nộp trực tuyến: {v}").format(v=pct(r.online_share)),
               _("Đã giải quyết: {n} — trước hạn {e}, đúng hạn {o}, quá hạn {late}; "
                 "tỷ lệ đúng hạn {rate}").format(n=d.resolved, e=d.early, o=d.on_time,
                                                 late=d.late, rate=pct(d.on_time_rate)),
               _("Trong đó có xin lỗi, hẹn lại (Mẫu 04): {n}, kịp hẹn mới {m} "
                 "(vẫn tính quá hạn theo hẹn ban đầu)").format(
                   n=d.rescheduled, m=d.rescheduled_met_new_due),
               _("Từ chối: {r}; rút hồ sơ: {w}").format(r=r.refused, w=r.withdrawn),
               _("Đang quá hạn: {n}; sắp đến hạn (2 ngày làm việc): {m}").format(
                   n=r.overdue_now, m=r.due_soon), "",
               _("Theo thủ tục:")]
        for p in r.procedures:
            out.append(_("  {code} {name}: nhận {n}; giải quyết {res} (đúng hạn {rate})")
                       .format(code=p.code, name=p.name, n=p.received, res=p.deadline.resolved,
                               rate=pct(p.deadline.on_time_rate)))
        return out

    emit(args, r, lines)


def cmd_report_overdue(args, ctx) -> None:
    r = build.overdue_report(ctx)

    def item(i):
        text = f"  {i.code}  {i.procedure_name}  [{i.status_label}]  " + _("hẹn {due}").format(
            due=format_datetime(i.due_at))
        if i.rescheduled:
            text += _(" (hẹn ban đầu {due})").format(due=format_datetime(i.original_due_at))
        return text

    def lines():
        out = [_("Quá hạn lúc {now}: {n} hồ sơ").format(now=format_datetime(r.now),
                                                       n=len(r.overdue))]
        out += [item(i) + _(" — trễ {d} ngày làm việc").format(d=i.working_days_late)
                for i in r.overdue]
        last_day = (r.due_soon_until - timedelta(days=1)).date()
        out.append(_("Sắp đến hạn (đến hết {weekday}, {day}): {n} hồ sơ").format(
            weekday=weekday_vi(last_day), day=last_day.strftime("%d/%m/%Y"),
            n=len(r.due_soon)))
        out += [item(i) for i in r.due_soon]
        return out

    emit(args, r, lines)


def _stats_line(label, s) -> str:
    return _("  {label}: {n} phiếu, phục vụ {served}; chờ trung vị {w}, p90 {w90}; "
             "phục vụ trung vị {sv}; chờ quá hẹn {over} ({share})").format(
        label=label, n=s.issued, served=s.served, w=minutes(s.waiting.median_s),
        w90=minutes(s.waiting.p90_s), sv=minutes(s.service.median_s), over=s.over_promise,
        share=pct(s.over_promise_share))


def cmd_report_queue(args, ctx) -> None:
    r = build.queue_report(ctx, args.date_from, args.date_to)

    def lines():
        out = [_period_line(r.period),
               _("Thời gian chờ đã hứa: {m} phút").format(m=r.promise_minutes),
               _stats_line(_("Cả kỳ"), r.total), _("Theo thứ trong tuần:")]
        for w in r.weekdays:
            label = w.label + (_(" (ngày không chờ)") if w.no_wait_day else "")
            out.append(_stats_line(f"{label}, {w.days} " + _("ngày"), w.stats))
        if r.groups:
            out.append(_("Theo nhóm dịch vụ:"))
            out += [_stats_line(f"{g.key} {g.label}", g) for g in r.groups]
        return out

    emit(args, r, lines)


def cmd_report_satisfaction(args, ctx) -> None:
    r = build.satisfaction_report(ctx, args.date_from, args.date_to)

    def lines():
        out = [_period_line(r.period), _("Số lượt đánh giá: {n}").format(n=r.total)]
        out += [f"  {line.label}: {line.count} ({pct(line.share)})" for line in r.levels]
        out.append(_("Tỷ lệ hài lòng (rất hài lòng + hài lòng): {v}").format(
            v=pct(r.satisfied_share)))
        return out

    emit(args, r, lines)

#: exit code of a check that found problems (as fsck/diff do: the command itself worked)
def cmd_report_export(args, ctx) -> None:
    info = build.export_report(ctx, args.date_from, args.date_to, fmt=args.format,
                                 out=args.out, book=args.book)
    emit(args, info, lambda: export_lines(info))


def cmd_report_book(args, ctx) -> None:
    info = build.export_book(ctx, args.date_from, args.date_to, out=args.out)
    emit(args, info, lambda: export_lines(info))


def _period_args(p) -> None:
    p.add_argument("--from", dest="date_from", required=True, metavar="YYYY-MM-DD",
                   help="first day (Vietnam time), included")
    p.add_argument("--to", dest="date_to", required=True, metavar="YYYY-MM-DD",
                   help="last day, included")


def register(sub) -> None:
    g = group(sub, "report", "reports for the commune leader")
    _period_args(command(g, "summary", cmd_report_summary,
                         help="received, resolved early/on time/late, on-time rate"))
    command(g, "overdue", cmd_report_overdue,
            help="dossiers overdue now and due within 2 working days")
    _period_args(command(g, "queue", cmd_report_queue,
                         help="tickets, waiting and service time, share over the promise"))
    _period_args(command(g, "satisfaction", cmd_report_satisfaction,
                         help="satisfaction shares (three levels)"))
    p = command(g, "export", cmd_report_export, help="the report as PDF (charts) or XLSX")
    _period_args(p)
    p.add_argument("--format", required=True, choices=("pdf", "xlsx"))
    p.add_argument("--out", required=True, metavar="FILE")
    p.add_argument("--book", action="store_true",
                   help="XLSX: add the tracking book (Mẫu 06, personal data; leader/IT only)")
    p = command(g, "book", cmd_report_book,
                help="dossier tracking book, Mẫu 06 (A4 PDF; personal data, leader/IT only)")
    _period_args(p)
    p.add_argument("--out", required=True, metavar="FILE.pdf")

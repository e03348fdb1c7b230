"""``sadec-desk report ...`` (figures for the leader), ``audit ...`` (the tamper-evident
trail) and, as they are built, ``form`` and ``backup`` (issue #7)."""

from __future__ import annotations

import sys
from datetime import timedelta

from sadec_desk.cli import command, emit, group
from sadec_desk.errors import InvalidInput
from sadec_desk.i18n import _
from sadec_desk.services import audit
from sadec_desk.services.admin import backup
from sadec_desk.services.display import format_datetime, weekday_vi
from sadec_desk.services.reports import build
from sadec_desk.services.reports.text import channel_label, minutes, pct, period_text


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
EXIT_PROBLEMS = 1


def cmd_audit_verify(args, ctx) -> None:
    report = audit.verify_chain(ctx)

    def lines():
        if report.ok:
            out = [_("Nhật ký hồ sơ nguyên vẹn: {n} sự kiện, chuỗi băm khớp từ đầu đến sự kiện "
                     "số {seq}.").format(n=report.events_checked, seq=report.head_seq)]
        else:
            out = [_("PHÁT HIỆN {n} vấn đề trong nhật ký hồ sơ ({m} sự kiện đã kiểm tra):")
                   .format(n=len(report.problems), m=report.events_checked)]
            out += [f"  - {p.message}" for p in report.problems]
        out.append(_("Mã băm cuối: {h}").format(h=report.head_hash))
        if report.anchors_checked:
            out.append(_("Đã đối chiếu {n} mốc kiểm tra ghi khi sao lưu.").format(
                n=report.anchors_checked))
        return out

    emit(args, report, lines)
    if not report.ok:
        sys.exit(EXIT_PROBLEMS)


def _export_lines(info) -> list[str]:
    out = [_("Đã ghi {path}").format(path=info.path)]
    if info.pages:
        out[0] += _(" ({n} trang)").format(n=info.pages)
    if info.personal_data:
        out.append(_("Tệp có dữ liệu cá nhân: chỉ lưu ở nơi an toàn, không gửi ra ngoài."))
    return out


def cmd_report_export(args, ctx) -> None:
    info = build.export_report(ctx, args.date_from, args.date_to, fmt=args.format,
                                 out=args.out, book=args.book)
    emit(args, info, lambda: _export_lines(info))


def cmd_report_book(args, ctx) -> None:
    info = build.export_book(ctx, args.date_from, args.date_to, out=args.out)
    emit(args, info, lambda: _export_lines(info))


def cmd_form_print(args, ctx) -> None:
    info = build.print_form(ctx, args.reference, args.form, out=args.out)
    emit(args, info, lambda: _export_lines(info))


def cmd_form_declaration(args, ctx) -> None:
    from sadec_desk.services.reception import eforms

    path = eforms.declaration_pdf(ctx, args.reference, out=args.out)
    emit(args, {"path": str(path), "personal_data": True},
         lambda: [_("Đã ghi tờ khai {path}").format(path=path),
                  _("Tệp có dữ liệu cá nhân: chỉ lưu ở nơi an toàn, không gửi ra ngoài.")])


def _filled_lines(filled) -> list[str]:
    out = [_("Hồ sơ {code}: {title} (biểu mẫu {form}, phiên bản {version})").format(
        code=filled.dossier_code, title=filled.form.title, form=filled.form.form_id,
        version=filled.form.version)]
    for section in filled.form.sections:
        out.append(section.title)
        out += [f"  {f.label}: {filled.values.get(f.name) or '—'}  [{f.name}]"
                for f in section.fields]
    return out


def cmd_form_show(args, ctx) -> None:
    from sadec_desk.services.reception import eforms

    filled = eforms.form_of(ctx, args.reference)
    if filled is None:
        from sadec_desk.services.reception.dossiers import get_dossier

        raise eforms.NoFilledForm(get_dossier(ctx, args.reference).code)
    emit(args, filled, lambda: _filled_lines(filled))


def cmd_form_fill(args, ctx) -> None:
    from sadec_desk.services.reception import eforms

    values = {}
    for item in args.values:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise InvalidInput(_("«{item}» không đúng dạng TÊN_Ô=GIÁ_TRỊ, ví dụ "
                                 "child_name=\"Trần Minh Khôi\".").format(item=item))
        values[name.strip()] = value
    filled = eforms.update_form(ctx, args.reference, values)
    emit(args, filled, lambda: [_("Đã lưu tờ khai của hồ sơ {code}.").format(
        code=filled.dossier_code), *_filled_lines(filled)[1:]])


def _size(n: int) -> str:
    return f"{n / 1_048_576:.1f} MB".replace(".", ",")


PURPOSES = {"manual": lambda: _("tạo tay"), "scheduled": lambda: _("theo lịch"),
            "before-restore": lambda: _("trước khi khôi phục")}


def _backup_line(b) -> str:
    purpose = PURPOSES.get(b.purpose)
    line = _("{name}  {when}  {size}  lược đồ {schema}  {n} hồ sơ  {p} trang ảnh  [{purpose}]"
             ).format(name=b.name, when=format_datetime(b.created_at), size=_size(b.size_bytes),
                      schema=b.schema_version, n=b.row_counts.get("dossier", "?"), p=b.pages,
                      purpose=purpose() if purpose else b.purpose)
    if b.pages_missing:
        line += "\n  " + _("{n} trang ảnh đã mất khỏi thư mục dữ liệu trước khi sao lưu: hãy quét "
                           "lại (xem 'sadec-desk pages list').").format(n=b.pages_missing)
    return line


def cmd_backup_create(args, ctx) -> None:
    if args.if_due:
        info = backup.backup_if_due(ctx)
        if info is None:
            emit(args, {"created": None}, lambda: [
                _("Chưa đến hạn sao lưu (bản mới nhất chưa quá {h} giờ).").format(
                    h=ctx.config["backup.interval_hours"])])
            return
    else:
        info = backup.create_backup(ctx)
    emit(args, info, lambda: [_("Đã sao lưu và kiểm tra: {path}").format(path=info.path),
                              _backup_line(info)])


def cmd_backup_list(args, ctx) -> None:
    items = backup.list_backups(ctx)
    emit(args, items, lambda: [_("Thư mục sao lưu: {d}").format(d=backup.backup_dir(ctx))]
         + ([_backup_line(b) for b in items] or [_("Chưa có bản sao lưu nào.")]))


def cmd_backup_verify(args, ctx) -> None:
    result = backup.verify_backup(ctx, args.name)
    emit(args, result, lambda: (
        [_("Bản sao lưu {name} tốt: toàn vẹn, đúng mã SHA-256 và số dòng.").format(
            name=result.name)] if result.ok else
        [_("Bản sao lưu {name} KHÔNG dùng được:").format(name=result.name)]
        + [f"  - {p}" for p in result.problems]))
    if not result.ok:
        sys.exit(EXIT_PROBLEMS)


def cmd_backup_restore(args, ctx) -> None:
    if not args.yes:
        raise InvalidInput(_("Khôi phục sẽ thay dữ liệu hiện tại bằng bản sao lưu {name} (dữ liệu "
                             "hiện tại được giữ lại thành một bản 'before-restore'). Đóng Sa Đéc "
                             "Desk ở các quầy khác rồi chạy lại với --yes.").format(name=args.name))
    result = backup.restore_backup(ctx, args.name)
    emit(args, result, lambda: [
        _("Đã khôi phục {name} (lúc {when}).").format(
            name=result.restored.name, when=format_datetime(result.restored.created_at)),
        _("Dữ liệu trước khi khôi phục được giữ tại: {path}").format(path=result.aside.path),
        _("Đã chép lại {n} trang ảnh giấy tờ vào thư mục dữ liệu.").format(
            n=result.pages_restored)])


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

    g = group(sub, "form", "forms of TT 01/2018/TT-VPCP (A5) and declaration forms as PDF")
    p = command(g, "print", cmd_form_print, help="Mẫu 01-05 of a dossier to a PDF file")
    p.add_argument("reference", metavar="CODE")
    p.add_argument("--form", required=True, metavar="01..05")
    p.add_argument("--out", required=True, metavar="FILE.pdf")
    p = command(g, "declaration", cmd_form_declaration,
                help="the dossier's filled declaration form (tờ khai, A4/A5) to a PDF file")
    p.add_argument("reference", metavar="CODE")
    p.add_argument("--out", metavar="FILE.pdf",
                   help="default: <data dir>/forms/CODE.to-khai.du-lieu-ca-nhan.pdf")
    p = command(g, "show", cmd_form_show, help="the dossier's filled declaration form")
    p.add_argument("reference", metavar="CODE")
    p = command(g, "fill", cmd_form_fill,
                help="fill or correct fields of the dossier's declaration form")
    p.add_argument("reference", metavar="CODE")
    p.add_argument("values", nargs="+", metavar="FIELD=VALUE",
                   help="field names as 'form show' lists them")

    g = group(sub, "backup", "backups of the office database")
    p = command(g, "create", cmd_backup_create, help="back up now (online, verified)")
    p.add_argument("--if-due", action="store_true",
                   help="only when the newest backup is older than backup.interval_hours "
                        "(for cron / Task Scheduler)")
    command(g, "list", cmd_backup_list, help="list backups, newest first")
    p = command(g, "verify", cmd_backup_verify, help="check one backup; exit 1 if unusable")
    p.add_argument("name", help="file name from 'backup list'")
    p = command(g, "restore", cmd_backup_restore,
                help="restore a verified backup; the current data is kept aside")
    p.add_argument("name", help="file name from 'backup list'")
    p.add_argument("--yes", action="store_true", help="really restore")

    g = group(sub, "audit", "tamper-evident trail of dossier events")
    command(g, "verify", cmd_audit_verify,
            help="check the hash chain of dossier events; exit 1 and name every problem")

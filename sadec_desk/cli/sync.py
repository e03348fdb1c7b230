"""``sadec-desk sync ...``: the IT officer's synchronisation tasks, through
:mod:`sadec_desk.sync.api` (the reference portal server is ``sadec-desk portal``, cli/portal.py)."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from sadec_desk.cli.base import EXIT_PROBLEMS, command, emit, group
from sadec_desk.errors import InvalidInput
from sadec_desk.i18n import _
from sadec_desk.services.display import format_datetime, size_text
from sadec_desk.sync import api

if TYPE_CHECKING:
    from sadec_desk.sync.api import SyncReport


def _age(seconds: int | None) -> str:
    if seconds is None:
        return "—"
    hours, rest = divmod(seconds, 3600)
    return _("{h} giờ {m} phút").format(h=hours, m=rest // 60)


def cmd_status(args, ctx) -> None:
    s = api.status(ctx)

    def lines():
        out = [
            _("Cổng dịch vụ:      {v}").format(
                v=s.portal_url or _("chưa cấu hình (ngoại tuyến)")) + f"  [{s.adapter}]",
            _("Đã đăng ký máy:    {v}").format(v=_("có") if s.enrolled else _("chưa")),
            _("Chờ gửi:           {n} thao tác").format(n=s.pending),
            _("Trang ảnh chờ tải: {n} trang ({size})").format(
                n=s.pages_waiting, size=size_text(s.pages_waiting_bytes)),
            _("Cũ nhất chờ gửi:   {v}").format(v=_age(s.oldest_pending_age_seconds)),
            _("Bị giữ lại:        {n} thao tác ({c} xung đột, {r} bị từ chối)").format(
                n=s.held, c=s.conflicts, r=s.rejected),
            _("Thay đổi để riêng: {n} (xem 'sadec-desk sync quarantine list')").format(
                n=s.quarantined),
            _("Lần thành công:    {v}").format(v=format_datetime(s.last_success_at) or "—"),
            _("Lỗi gần nhất:      {v}").format(v=s.last_error or "—"),
            _("Con trỏ nhận:      {v}").format(v=s.cursor),
        ]
        if s.next_try_at:
            out.append(_("Thử lại lúc:       {v}").format(v=format_datetime(s.next_try_at)))
        return out

    emit(args, s, lines)


def _report_lines(r: SyncReport) -> list[str]:
    if r.skipped:
        return [r.skipped]
    out = [_("Đã gửi {p} thao tác ({d} trùng đã có trên cổng), {c} xung đột, {r} bị từ chối; "
             "nhận {n} thay đổi ({o} hồ sơ trực tuyến mới), {k} thủ tục cập nhật.").format(
        p=r.pushed, d=r.duplicates, c=r.conflicts, r=r.rejected, n=r.pulled,
        o=r.new_dossiers, k=r.procedures_updated)]
    if r.pages_downloaded:
        out.append(_("Đã tải về {n} trang ảnh của hồ sơ trực tuyến ({size}).").format(
            n=r.pages_downloaded, size=size_text(r.page_bytes_received)))
    if r.error:
        out.append(_("Dừng vì lỗi: {e} Các thao tác chưa gửi vẫn được giữ để gửi lại.").format(
            e=r.error))
    return out


def cmd_run(args, ctx) -> None:
    if args.once:
        report = api.run_now(ctx, force=args.force)
        emit(args, report, lambda: _report_lines(report))
        if report.error:
            sys.exit(1)
        return
    worker = api.new_worker(ctx)
    print(_("Đang đồng bộ mỗi {n} giây; nhấn Ctrl+C để dừng.").format(
        n=ctx.config["sync.interval_seconds"]), file=sys.stderr)
    try:
        while True:
            report = worker.step()
            if report is not None:
                emit(args, report, lambda r=report: _report_lines(r))
            time.sleep(max(1, ctx.config["sync.interval_seconds"]))
    except KeyboardInterrupt:
        return


def cmd_retry(args, ctx) -> None:
    count = api.retry(ctx, args.dossier)
    emit(args, {"requeued": count}, lambda: [
        _("Đã đưa {n} thao tác vào hàng đợi gửi lại; chạy 'sadec-desk sync run --once'.").format(
            n=count)])


def _quarantined_line(q) -> str:
    line = f"#{q.id}  " + _("thay đổi {seq} của cổng, hồ sơ {code}: {reason}").format(
        seq=q.seq if q.seq is not None else "?", code=q.code or q.dossier_uuid or "?",
        reason=q.reason)
    if q.state != "open":
        line += "  " + _("[{state} lúc {at} bởi {who}{note}]").format(
            state=_("đã áp dụng") if q.state == "applied" else _("đã bỏ qua"),
            at=format_datetime(q.settled_at) or "—", who=q.settled_by,
            note=f": {q.note}" if q.note else "")
    return line


def cmd_conflicts(args, ctx) -> None:
    items = api.conflicts(ctx)
    kept = api.quarantined(ctx)

    def lines():
        out = []
        if not items:
            out.append(_("Không có hồ sơ nào bị xung đột hoặc bị cổng từ chối."))
        # the labels, never the codes: an IT officer reads this (--json keeps the codes)
        out += [f"{c.code}  [{c.state_label}]  "
                + _("máy: {local}, cổng: {portal}; {n} thao tác chờ. {msg}").format(
                    local=c.local_status_label, portal=c.portal_status_label,
                    n=c.pending_operations, msg=c.message) for c in items]
        if any(c.state == "rejected" for c in items):
            out.append(_("Hồ sơ bị từ chối mà tỉnh đã xử lý bên ngoài (ví dụ đã xóa trên trục): "
                         "'sadec-desk sync dismiss MÃ --reason \"...\"' để thôi gửi."))
        if kept:
            out.append(_("Thay đổi từ cổng để riêng vì không áp dụng được ({n}); xử lý bằng "
                         "'sadec-desk sync quarantine apply|dismiss':").format(n=len(kept)))
            out += ["  " + _quarantined_line(q) for q in kept]
        return out

    emit(args, {"conflicts": items, "quarantined": kept}, lines)


def cmd_quarantine_list(args, ctx) -> None:
    kept = api.quarantined(ctx, settled=args.all)
    emit(args, kept, lambda: [_quarantined_line(q) for q in kept] or [
        _("Không có thay đổi nào từ cổng bị để riêng.")])


def cmd_quarantine_apply(args, ctx) -> None:
    applied, problems = api.apply_quarantined(ctx, args.id)
    emit(args, {"applied": applied, "problems": problems}, lambda: [
        _("Đã áp dụng {n} thay đổi để riêng.").format(n=applied), *problems])
    if problems:
        sys.exit(EXIT_PROBLEMS)


def cmd_quarantine_dismiss(args, ctx) -> None:
    info = api.dismiss_quarantined(ctx, args.id, args.reason)
    emit(args, info, lambda: [_("Đã bỏ qua thay đổi số {id} (lý do đã được ghi lại).").format(
        id=info.id)])


def cmd_resolve(args, ctx) -> None:
    code = api.resolve(ctx, args.dossier, args.keep)
    emit(args, {"code": code, "kept": args.keep}, lambda: [
        _("Hồ sơ {code}: đã giữ bản trên máy, sẽ gửi lại lên cổng.").format(code=code)
        if args.keep == "local" else
        _("Hồ sơ {code}: đã lấy bản trên cổng.").format(code=code)])


def cmd_dismiss(args, ctx) -> None:
    info = api.dismiss_rejected(ctx, args.dossier, args.reason)
    emit(args, info, lambda: [
        _("Hồ sơ {code}: đã bỏ qua {n} thao tác bị từ chối, sẽ không gửi nữa; lý do đã được "
          "ghi vào lịch sử hồ sơ. Thay đổi sau này của hồ sơ vẫn được gửi như thường.").format(
            code=info.code, n=info.discarded_operations)])


def cmd_enrol(args, ctx) -> None:
    device_id = api.enrol(ctx, args.portal, args.code, args.name or "")
    emit(args, {"device_id": device_id, "portal_url": args.portal}, lambda: [
        _("Đã đăng ký máy với cổng {url} (mã thiết bị {id}).").format(
            url=args.portal, id=device_id)])


def cmd_gateway_login(args, ctx) -> None:
    password = sys.stdin.readline().rstrip("\n") if args.password_stdin else None
    if not password:
        raise InvalidInput(_("Hãy nhập mật khẩu cổng trục qua đầu vào chuẩn (--password-stdin)."))
    api.save_gateway_password(ctx, password)
    emit(args, {"saved": True}, lambda: [_("Đã lưu mật khẩu cổng trục vào cơ sở dữ liệu.")])


def cmd_export(args, ctx) -> None:
    info = api.export_pending(ctx, Path(args.out))
    def lines():
        out = [_("Đã xuất {n} thao tác chờ gửi và {p} trang ảnh vào {path} (đã ký bằng khoá "
                 "của máy).").format(n=info.operations, p=info.pages, path=info.path)]
        if info.pages_missing:
            out.append(_("{n} trang ảnh bị mất hoặc hỏng trên máy này nên không có trong tệp; "
                         "quét lại các trang đó rồi xuất lại.").format(n=info.pages_missing))
        return out

    emit(args, info, lines)


def cmd_import(args, ctx) -> None:
    info = api.import_bundle(ctx, Path(args.file))
    emit(args, info, lambda: [_("Đã chuyển {n} thao tác lên cổng: {a} áp dụng, {d} đã có, "
                                "{c} xung đột, {r} bị từ chối.").format(
        n=info.operations, a=info.applied, d=info.duplicates, c=info.conflicts,
        r=info.rejected)])


def register(sub) -> None:
    g = group(sub, "sync", "synchronisation with the portal")
    command(g, "status", cmd_status, help="pending, failed, last success, cursor")
    p = command(g, "run", cmd_run, help="synchronise (in a loop, or --once)")
    p.add_argument("--once", action="store_true", help="one push + pull, then exit")
    p.add_argument("--force", action="store_true", help="do not wait for the backoff delay")
    p = command(g, "retry", cmd_retry, help="send held/rejected operations again")
    p.add_argument("dossier", nargs="?", metavar="DOSSIER", help="only this dossier")
    command(g, "conflicts", cmd_conflicts, help="dossiers in conflict or rejected")
    p = command(g, "resolve", cmd_resolve, help="settle a conflict")
    p.add_argument("dossier", metavar="DOSSIER")
    p.add_argument("--keep", required=True, choices=("local", "portal"))
    p = command(g, "dismiss", cmd_dismiss,
                help="settle a rejected dossier dealt with outside the app (not sent)")
    p.add_argument("dossier", metavar="DOSSIER")
    p.add_argument("--reason", required=True,
                   help="why (recorded in the dossier's history with your name)")
    q = group(g, "quarantine", "portal changes set aside because they could not be applied")
    p = command(q, "list", cmd_quarantine_list, help="the changes set aside")
    p.add_argument("--all", action="store_true", help="also those applied or dismissed")
    p = command(q, "apply", cmd_quarantine_apply,
                help="apply set-aside changes again (after an update)")
    p.add_argument("id", nargs="?", type=int, metavar="ID", help="only this one (default: all)")
    p = command(q, "dismiss", cmd_quarantine_dismiss, help="give up on a set-aside change")
    p.add_argument("id", type=int, metavar="ID")
    p.add_argument("--reason", required=True, help="why (recorded with your name and the time)")
    p = command(g, "enrol", cmd_enrol, help="register this machine with the portal")
    p.add_argument("--portal", required=True, metavar="URL")
    p.add_argument("--code", required=True, help="enrolment code from the portal operator")
    p.add_argument("--name", help="device name shown at the portal (default: host name)")
    p = command(g, "gateway-login", cmd_gateway_login,
                help="store the provincial gateway password (read from standard input)")
    p.add_argument("--password-stdin", action="store_true", required=True)
    p = command(g, "export", cmd_export, help="write pending operations to a signed file")
    p.add_argument("--out", required=True, metavar="FILE")
    p = command(g, "import", cmd_import, help="push an exported file to the portal")
    p.add_argument("file", metavar="FILE")

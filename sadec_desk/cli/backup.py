"""``sadec-desk backup ...`` (backups of the office database: create, list, verify,
restore) and ``sadec-desk audit verify`` (the tamper-evident trail of dossier events)."""

from __future__ import annotations

import sys

from sadec_desk.bootstrap import open_context, settings_context
from sadec_desk.cli.base import EXIT_PROBLEMS, command, emit, group
from sadec_desk.errors import InvalidInput
from sadec_desk.i18n import _
from sadec_desk.services import audit
from sadec_desk.services.admin import backup
from sadec_desk.services.display import format_datetime, size_text
from sadec_desk.sync import api as sync_api


def cmd_audit_verify(args, ctx) -> None:
    # the portal's acknowledged head first, when there is one to ask (bounded in time)
    asked = "" if args.offline else sync_api.refresh_office_anchor(ctx)
    report = audit.verify_chain(ctx, portal_refresh=asked)

    def lines():
        if report.ok:
            out = [_("Nhật ký hồ sơ nguyên vẹn: {n} sự kiện, chuỗi băm khớp từ đầu đến sự kiện "
                     "số {seq}.").format(n=report.events_checked, seq=report.head_seq)]
        else:
            out = [_("PHÁT HIỆN {n} vấn đề trong nhật ký hồ sơ ({m} sự kiện đã kiểm tra):")
                   .format(n=len(report.problems), m=report.events_checked)]
            out += [f"  - {p.message}" for p in report.problems]
        out += [_("Cảnh báo: {w}").format(w=w) for w in report.warnings]
        out.append(_("Mã băm cuối: {h}").format(h=report.head_hash))
        if report.anchors_checked:
            out.append(_("Đã đối chiếu {n} mốc kiểm tra ghi khi sao lưu.").format(
                n=report.anchors_checked))
        if report.portal_note:
            out.append(report.portal_note)
        return out

    emit(args, report, lines)
    if not report.ok:
        sys.exit(EXIT_PROBLEMS)


PURPOSES = {"manual": lambda: _("tạo tay"), "scheduled": lambda: _("theo lịch"),
            "before-restore": lambda: _("trước khi khôi phục")}


def _backup_line(b) -> str:
    purpose = PURPOSES.get(b.purpose)
    line = _("{name}  {when}  {size}  lược đồ {schema}  {n} hồ sơ  {p} trang ảnh  [{purpose}]"
             ).format(name=b.name, when=format_datetime(b.created_at), size=size_text(b.size_bytes),
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


def cmd_backup_list(args, _ctx) -> None:
    ctx = settings_context()
    items = backup.list_backups(ctx)
    emit(args, items, lambda: [_("Thư mục sao lưu: {d}").format(d=backup.backup_dir(ctx))]
         + ([_backup_line(b) for b in items] or [_("Chưa có bản sao lưu nào.")]))


def cmd_backup_verify(args, _ctx) -> None:
    result = backup.verify_backup(settings_context(), args.name)
    emit(args, result, lambda: (
        [_("Bản sao lưu {name} tốt: toàn vẹn, đúng mã SHA-256 và số dòng.").format(
            name=result.name)] if result.ok else
        [_("Bản sao lưu {name} KHÔNG dùng được:").format(name=result.name)]
        + [f"  - {p}" for p in result.problems]))
    if not result.ok:
        sys.exit(EXIT_PROBLEMS)


def cmd_backup_restore(args, _ctx) -> None:
    if not args.yes:
        raise InvalidInput(_("Khôi phục sẽ thay dữ liệu hiện tại bằng bản sao lưu {name} (dữ liệu "
                             "hiện tại được giữ lại thành một bản 'before-restore', hoặc nếu tệp "
                             "đã hỏng thì tệp được đổi tên thành '….damaged-…'). Đóng Sa Đéc "
                             "Desk ở các quầy khác rồi chạy lại với --yes.").format(name=args.name))
    ctx = settings_context()
    try:
        if not backup.live_database_damage(ctx) and (ctx.config.uses_server_database
                                                     or ctx.config.sqlite_path.exists()):
            # a healthy database opens (and migrates) as for any command; its safety backup
            # is taken first, as always
            ctx = open_context(ctx.config)
        result = backup.restore_backup(ctx, args.name)
    finally:
        ctx.close()

    def lines():
        out = [_("Đã khôi phục {name} (lúc {when}).").format(
            name=result.restored.name, when=format_datetime(result.restored.created_at))]
        if result.aside is not None:
            out.append(_("Dữ liệu trước khi khôi phục được giữ tại: {path}").format(
                path=result.aside.path))
        elif result.damaged:
            out.append(_("Cơ sở dữ liệu cũ bị hỏng ({damage}); tệp hỏng được giữ lại, không xoá, "
                         "tại: {path}").format(damage=" ".join(result.damage),
                                               path=result.damaged))
        else:
            out.append(_("Trước đó chưa có cơ sở dữ liệu; bản sao lưu đã được đặt vào {path}.")
                       .format(path=ctx.config.sqlite_path))
        out.append(_("Đã chép lại {n} trang ảnh giấy tờ vào thư mục dữ liệu.").format(
            n=result.pages_restored))
        return out

    emit(args, result, lines)


def register(sub) -> None:
    g = group(sub, "backup", "backups of the office database")
    p = command(g, "create", cmd_backup_create, help="back up now (online, verified)")
    p.add_argument("--if-due", action="store_true",
                   help="only when the newest backup is older than backup.interval_hours "
                        "(for cron / Task Scheduler)")
    # list, verify and restore never need the live database to be readable (needs_db=False:
    # they make their own context, see bootstrap.settings_context)
    command(g, "list", cmd_backup_list, needs_db=False, help="list backups, newest first")
    p = command(g, "verify", cmd_backup_verify, needs_db=False,
                help="check one backup; exit 1 if unusable")
    p.add_argument("name", help="file name from 'backup list'")
    p = command(g, "restore", cmd_backup_restore, needs_db=False,
                help="restore a verified backup; the current data (or damaged file) is kept "
                     "aside")
    p.add_argument("name", help="file name from 'backup list'")
    p.add_argument("--yes", action="store_true", help="really restore")

    g = group(sub, "audit", "tamper-evident trail of dossier events")
    p = command(g, "verify", cmd_audit_verify,
                help="check the hash chain of dossier events; exit 1 and name every problem")
    p.add_argument("--offline", action="store_true",
                   help="do not ask the portal for its anchor; use its last stored answer")

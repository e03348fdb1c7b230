"""``sadec-desk``: the one entry point, with a subcommand for every IT task.

Every command takes ``--json``; exit code 0 on success, 2 with one sentence on
stderr for input a person can fix, 70 for a bug (the traceback goes to the log
file, never to the user).
"""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import sys
from collections.abc import Callable, Sequence
from datetime import datetime

from sadec_desk import __version__
from sadec_desk.config import SETTINGS, data_dir, load_config, parse_value, save_setting
from sadec_desk.domain.calendar import VN_TZ
from sadec_desk.domain.fees import format_vnd
from sadec_desk.errors import InvalidInput, UserError
from sadec_desk.i18n import _
from sadec_desk.services import catalogue, due_dates
from sadec_desk.services.admin import office
from sadec_desk.services.audit import PersonalDataFilter
from sadec_desk.services.context import AppContext, open_context
from sadec_desk.services.display import deadline_label, dossier_lines, format_date, format_datetime
from sadec_desk.services.reception import citizens, dossiers
from sadec_desk.services.records import to_jsonable

log = logging.getLogger("sadec_desk")

EXIT_USER_ERROR = 2
EXIT_BUG = 70


def parse_local_datetime(text: str) -> datetime:
    """ISO date-time; without an offset it is Vietnam time (DESIGN.md §3.2)."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(_("'{text}' không phải ngày giờ hợp lệ. Dùng dạng ISO, ví dụ "
                             "2026-11-26T09:30 hoặc 2026-11-26T09:30+07:00.").format(text=text)
                           ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=VN_TZ)


def emit(args: argparse.Namespace, value, lines: Callable[[], list[str]]) -> None:
    if args.json:
        json.dump(to_jsonable(value), sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        print("\n".join(lines()))


# --- commands -------------------------------------------------------------------------


def cmd_init(args, ctx: AppContext) -> None:
    info = office.init_office(ctx, agency_code=args.agency_code, office_name=args.office_name)
    emit(args, info, lambda: [
        _("Đã sẵn sàng cơ sở dữ liệu của {name} (mã cơ quan {code}).").format(
            name=info.name, code=info.agency_code),
        _("Dữ liệu: {db}").format(db=info.database),
        _("Cấu hình: {path}").format(path=ctx.config.path),
    ])


def cmd_catalog_list(args, ctx: AppContext) -> None:
    procedures = catalogue.list_procedures(ctx)

    def lines():
        out = []
        for p in procedures:
            limit = (_("trong ngày") if p.time_limit_days == 0
                     else _("{n} ngày làm việc").format(n=p.time_limit_days))
            if p.verification_extra_days:
                limit += _(" (+{n} nếu phải xác minh)").format(n=p.verification_extra_days)
            out.append(f"{p.code}  {p.name}  [{limit}; {p.fee_text}]")
        return out

    emit(args, procedures, lines)


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
        on_time=not args.late, channel=args.channel,
        received_at=parse_local_datetime(args.received) if args.received else None,
    )
    emit(args, info, lambda: [
        _("Đã tiếp nhận hồ sơ {code}").format(code=info.code),
        _("UUID:    {v}").format(v=info.uuid),
        _("Hẹn trả: {v}").format(v=format_datetime(info.due_at)),
        _("Lệ phí:  {v}").format(v=format_vnd(info.fee_vnd)),
    ])


def cmd_dossier_show(args, ctx: AppContext) -> None:
    info = dossiers.get_dossier(ctx, args.reference)
    emit(args, info, lambda: dossier_lines(info))


def cmd_dossier_list(args, ctx: AppContext) -> None:
    items = dossiers.list_dossiers(ctx, status=args.status, limit=args.limit)

    def lines():
        if not items:
            return [_("Chưa có hồ sơ nào.")]
        return [f"{d.code}  {d.procedure_code}  {d.citizen.full_name}  {d.status_label}  "
                + _("hẹn {due}").format(due=format_datetime(d.due_at))
                + f"  {deadline_label(d.deadline_state)}" for d in items]

    emit(args, items, lines)


def cmd_dossier_advance(args, ctx: AppContext) -> None:
    info = dossiers.advance_dossier(ctx, args.reference, args.to, note=args.note or "")
    emit(args, info, lambda: [_("Hồ sơ {code}: {label}").format(
        code=info.code, label=info.status_label)])


def cmd_dossier_reschedule(args, ctx: AppContext) -> None:
    info = dossiers.reschedule_dossier(ctx, args.reference, parse_local_datetime(args.due),
                                       args.reason)
    emit(args, info, lambda: [_("Hồ sơ {code}: hẹn lại {due}").format(
        code=info.code, due=format_datetime(info.due_at))])


def cmd_config_show(args, ctx: AppContext | None) -> None:
    config = load_config()
    rows = [{"name": s.name, "value": config[s.name], "default": s.default, "help": s.help}
            for s in SETTINGS]
    value = {"path": str(config.path), "data_dir": str(data_dir()), "settings": rows,
             "warnings": list(config.warnings)}

    def lines():
        out = [_("Tệp cấu hình: {p}").format(p=config.path),
               _("Thư mục dữ liệu: {p}").format(p=data_dir()), ""]
        for row in rows:
            changed = "" if row["value"] == row["default"] else "  *"
            out.append(f"{row['name']} = {json.dumps(row['value'], ensure_ascii=False)}{changed}")
            out.append(f"    {row['help']}")
        return out

    emit(args, value, lines)


def cmd_config_set(args, ctx: AppContext | None) -> None:
    value = parse_value(args.name, args.value)
    path = save_setting(args.name, value)
    emit(args, {"name": args.name, "value": value, "path": str(path)},
         lambda: [_("Đã lưu {name} = {value} vào {path}").format(
             name=args.name, value=json.dumps(value, ensure_ascii=False), path=path)])


def cmd_demo(args, ctx: AppContext) -> None:
    from sadec_desk.cli.demo import run_demo

    run_demo(ctx)


# --- parser -------------------------------------------------------------------------


COMMON = argparse.ArgumentParser(add_help=False)
COMMON.add_argument("--json", action="store_true", help="machine-readable JSON output")


def command(parent, name: str, handler, needs_db: bool = True, **kwargs):
    """Add a subcommand; ``handler(args, ctx)`` gets an open AppContext when needs_db."""
    p = parent.add_parser(name, parents=[COMMON], **kwargs)
    p.set_defaults(handler=handler, needs_db=needs_db)
    return p


def group(sub, name: str, help_text: str):
    """Add a command group (``sadec-desk NAME SUBCOMMAND``); returns its subparsers."""
    p = sub.add_parser(name, help=help_text)
    p.set_defaults(handler=None, group_parser=p)
    return p.add_subparsers(dest="subcommand", metavar="SUBCOMMAND")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sadec-desk", parents=[COMMON],
        description="Sa Đéc Desk — bộ phận một cửa cấp xã (offline-first).")
    parser.add_argument("--version", action="version", version=f"sadec-desk {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    register_core(sub)
    # feature command modules: each has register(sub) using command() and group()
    for module in FEATURE_COMMANDS:
        importlib.import_module(module).register(sub)
    return parser


#: modules under sadec_desk/ that add command groups (printing, queue, sync...)
FEATURE_COMMANDS: list[str] = ["sadec_desk.cli.sync", "sadec_desk.cli.printing",
                               "sadec_desk.cli.queue", "sadec_desk.cli.users",
                               "sadec_desk.app", "sadec_desk.cli.reports",
                               "sadec_desk.cli.pages"]


def register_core(sub) -> None:
    p = command(sub, "init", cmd_init, help="create or open the office database")
    p.add_argument("--agency-code", help="agency identifier (QCVN 102:2016), e.g. 000.00.14.H20")
    p.add_argument("--office-name", help="office name printed on slips")

    command(sub, "demo", cmd_demo, help="interactive demo of the counter (text mode)")

    g = group(sub, "catalog", "procedure catalogue")
    command(g, "list", cmd_catalog_list, help="list procedures")

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
    p.add_argument("--received", help="ISO date-time received (default: now)")
    p = command(g, "show", cmd_dossier_show, help="show one dossier")
    p.add_argument("reference", metavar="CODE_OR_UUID")
    p = command(g, "list", cmd_dossier_list, help="list dossiers, newest first")
    p.add_argument("--status", help="only this status")
    p.add_argument("--limit", type=int, default=50)
    p = command(g, "advance", cmd_dossier_advance, help="move a dossier to another status")
    p.add_argument("reference", metavar="CODE")
    p.add_argument("--to", required=True, metavar="STATUS")
    p.add_argument("--note", help="reason or note (required to refuse, withdraw, supplement)")
    p = command(g, "reschedule", cmd_dossier_reschedule, help="new appointment (Mẫu 04)")
    p.add_argument("reference", metavar="CODE")
    p.add_argument("--due", required=True, help="new ISO date-time due")
    p.add_argument("--reason", required=True)

    g = group(sub, "config", "settings")
    command(g, "show", cmd_config_show, needs_db=False, help="show every setting")
    p = command(g, "set", cmd_config_set, needs_db=False, help="change a setting")
    p.add_argument("name")
    p.add_argument("value", help="TOML value, e.g. 15:00, [3], 'text'")


def setup_logging() -> str:
    log_dir = data_dir() / "logs"
    try:
        log_dir.mkdir(parents=True, exist_ok=True)
        handler: logging.Handler = logging.FileHandler(log_dir / "sadec-desk.log",
                                                       encoding="utf-8")
        where = str(log_dir / "sadec-desk.log")
    except OSError:
        handler, where = logging.StreamHandler(sys.stderr), "stderr"
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(PersonalDataFilter())  # no ID numbers in the log, tracebacks included
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)
    return where


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        # no arguments: the desktop app (with no display it says to use `sadec-desk demo`)
        args = parser.parse_args(["gui"])
    if getattr(args, "handler", None) is None:
        args.group_parser.print_help(sys.stderr)
        return EXIT_USER_ERROR
    log_file = setup_logging()
    ctx = None
    try:
        if args.needs_db:
            ctx = open_context()
            for warning in ctx.warnings:
                print(_("Cảnh báo: {w}").format(w=warning), file=sys.stderr)
        else:
            for warning in load_config().warnings:
                print(_("Cảnh báo: {w}").format(w=warning), file=sys.stderr)
        args.handler(args, ctx)
        return 0
    except UserError as exc:
        print(_("Lỗi: {message}").format(message=exc), file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        return 130
    except Exception:
        log.exception("unexpected error in %s", args.command)
        print(_("Lỗi không mong muốn; chi tiết đã ghi vào {log}. Hãy báo cho bộ phận CNTT.")
              .format(log=log_file), file=sys.stderr)
        return EXIT_BUG
    finally:
        if ctx is not None:
            ctx.close()

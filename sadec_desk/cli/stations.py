"""The PCs of an office (issue #17 item 2): ``sadec-desk counter``, ``kiosk`` and ``board``
start what one PC runs; ``sadec-desk stations`` lists the PCs running the app on this
database and when each was last seen.

``sadec-desk`` alone and ``sadec-desk gui --open kiosk|board`` keep the one-PC office's
way: the counter window, and the kiosk or board opened inside a clerk's session.
"""

from __future__ import annotations

import sys

from sadec_desk.cli.base import command, emit
from sadec_desk.errors import InvalidInput, UserError
from sadec_desk.i18n import _
from sadec_desk.services.admin import stations

#: as config_checks allows for board.monitor
MAX_MONITOR = 63


def say(text: str) -> None:
    print(_("Cảnh báo: {w}").format(w=text), file=sys.stderr, flush=True)


def cmd_counter(args, ctx) -> None:
    from sadec_desk.app import run_app  # Tk and the screens load only for these commands

    run_app(open_window="counter")


def cmd_kiosk(args, ctx) -> None:
    from sadec_desk.app import run_station

    run_station("kiosk", say=say)


def monitor_lines(monitors) -> list[str]:
    if not monitors:
        return [_("Không tìm thấy màn hình nào (cần chạy trên máy có màn hình đồ họa).")]
    return [_("Màn hình số {i}: {w}×{h} tại ({x}, {y}){name}{primary}").format(
        i=m.index, w=m.width, h=m.height, x=m.x, y=m.y,
        name=f" — {m.name}" if m.name else "",
        primary=_(" (màn hình chính)") if m.primary else "") for m in monitors]


def cmd_board(args, ctx) -> None:
    if args.monitor is not None and not 0 <= args.monitor <= MAX_MONITOR:
        raise InvalidInput(_("Số màn hình {n} không dùng được: cần một số từ 0 đến {max} "
                             "(xem «sadec-desk board --list-monitors»).")
                           .format(n=args.monitor, max=MAX_MONITOR))
    if args.list_monitors:
        from sadec_desk.adapters.monitors import list_monitors

        monitors = list_monitors()
        if not monitors:
            raise UserError(monitor_lines(monitors)[0])
        emit(args, monitors, lambda: monitor_lines(monitors))
        return
    from sadec_desk.app import run_station

    run_station("board", monitor=args.monitor, say=say)


def station_lines(found) -> list[str]:
    if not found:
        return [_("Chưa có máy nào chạy ứng dụng trên cơ sở dữ liệu này.")]
    out = []
    for s in found:
        who = _(", người dùng: {name}").format(name=s.user_name) if s.user_name else ""
        out.append(f"{s.machine} — {s.role_label} ({s.role}), {_('phiên bản')} {s.version}: "
                   f"{s.status_text}{who}")
    return out


def cmd_stations(args, ctx) -> None:
    if args.forget:
        stations.forget_station(ctx, args.forget, args.role)
        emit(args, {"forgotten": args.forget, "role": args.role},
             lambda: [_("Đã bỏ máy {machine} ({role}) khỏi danh sách.").format(
                 machine=args.forget, role=stations.station_role_label(args.role))])
        return
    found = stations.list_stations(ctx)
    emit(args, found, lambda: station_lines(found))


def register(sub) -> None:
    command(sub, "counter", cmd_counter, needs_db=False,
            help="open the counter window (the same as 'sadec-desk' alone)")
    command(sub, "kiosk", cmd_kiosk, needs_db=False,
            help="run the citizens' kiosk alone on this PC, full screen, with nobody "
                 "signed in (leave: 'Cán bộ' or Ctrl+Shift+F12, then a leader's or IT "
                 "officer's sign-in)")
    p = command(sub, "board", cmd_board, needs_db=False,
                help="run the display board alone on this PC, on the monitor board.monitor "
                     "(leave: Ctrl+Shift+F12 or stop the process)")
    p.add_argument("--monitor", type=int, default=None, metavar="N",
                   help="this monitor instead of board.monitor (0 = the first)")
    p.add_argument("--list-monitors", action="store_true",
                   help="list this PC's monitors and their numbers, then stop")
    p = command(sub, "stations", cmd_stations,
                help="list the PCs running the app on this database (counter, kiosk, board) "
                     "and when each was last seen")
    p.add_argument("--forget", metavar="MACHINE", default="",
                   help="take this PC off the list (with --role)")
    p.add_argument("--role", choices=stations.STATION_ROLES, default="counter",
                   help="the role of the PC to forget (default counter)")

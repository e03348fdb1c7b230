"""``sadec-desk queue ...``: tickets, calling, the board's data, statistics, set-up."""

from __future__ import annotations

import logging
import time
from datetime import date

from sadec_desk.adapters.speech import Announcer, find_engine
from sadec_desk.cli.base import command, emit, group
from sadec_desk.errors import InvalidInput
from sadec_desk.i18n import _
from sadec_desk.services.printing import jobs
from sadec_desk.services.queue import board as queue_board
from sadec_desk.services.queue import setup as queue_setup
from sadec_desk.services.queue import stats as queue_stats
from sadec_desk.services.queue import tickets
from sadec_desk.services.queue.records import StatsRow, TicketInfo

log = logging.getLogger(__name__)


def _csv(text: str | None) -> list[str] | None:
    if text is None:
        return None
    return [part.strip() for part in text.split(",") if part.strip()]


def _day(text: str | None) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(_("'{text}' không phải ngày hợp lệ; dùng dạng 2026-11-26.")
                           .format(text=text)) from None


def _weekdays(text: str) -> list[int]:
    try:
        return [int(part) for part in _csv(text) or []]
    except ValueError:
        raise InvalidInput(_("'{text}' không phải danh sách ngày trong tuần; ví dụ 3 (thứ Năm) "
                             "hoặc 1,4 (thứ Ba và thứ Sáu).").format(text=text)) from None


def _hm(moment) -> str:
    return moment.strftime("%H:%M") if moment else "—"


def _minutes(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    return f"{int(seconds // 60)}:{int(seconds % 60):02d}"


def _ticket_line(t: TicketInfo) -> str:
    parts = [t.number, t.group_name, t.status_label]
    if t.priority:
        parts.append(_("ưu tiên"))
    if t.counter is not None:
        parts.append(_("quầy {n}").format(n=t.counter))
    if t.target_counter is not None:
        parts.append(_("chuyển đến quầy {n}").format(n=t.target_counter))
    if t.dossiers:
        parts.append(_("hồ sơ {codes}").format(codes=", ".join(t.dossiers)))
    return "  ".join(parts)


# --- tickets ----------------------------------------------------------------------------


def cmd_take(args, ctx) -> None:
    info = tickets.take_ticket(ctx, args.group, priority=args.priority,
                             print_ticket=not args.no_print)
    # the ticket and its queued slip are committed; a printer fault leaves the job queued
    job = jobs.attempt_job(ctx, int(info.print_job)) if info.print_job else None

    def lines():
        out = [_("Số thứ tự: {number} — {group}{priority}").format(
                   number=info.number, group=info.group_name,
                   priority=_(" (ưu tiên)") if info.priority else ""),
               _("Lấy số lúc {time}; trước bạn còn {n} người chờ.").format(
                   time=_hm(info.issued_at), n=info.waiting_ahead)]
        if job is not None and job.status == "printed":
            out.append(_("Đã in phiếu (lệnh in {job}). {message}").format(
                job=job.id, message=job.message).strip())
        elif job is not None:
            out.append(_("CHƯA in được phiếu (lệnh in {job}): {message} Phiếu vẫn nằm trong "
                         "hàng đợi in và sẽ được in lại; có thể đọc số cho công dân.")
                       .format(job=job.id, message=job.message))
        return out

    emit(args, info, lines)


def cmd_call_next(args, ctx) -> None:
    info = tickets.call_next(ctx, args.counter)
    _maybe_say(args, ctx, info)
    emit(args, info, lambda: [_("Mời số {number} ({group}) đến quầy {counter}.").format(
        number=info.number, group=info.group_name, counter=info.counter)])


def cmd_call(args, ctx) -> None:
    info = tickets.call_ticket(ctx, args.ticket, args.counter)
    _maybe_say(args, ctx, info)
    emit(args, info, lambda: [_("Mời số {number} ({group}) đến quầy {counter}.").format(
        number=info.number, group=info.group_name, counter=info.counter)])


def _maybe_say(args, ctx, info: TicketInfo) -> None:
    """``--announce``: say the call on this machine and wait until it has been said."""
    if not getattr(args, "announce", False):
        return
    if not ctx.config["queue.speech"]:
        log.info("queue.speech is off: call %s not spoken", info.number)
        return
    _text, speech = queue_board.announcement(ctx, info)
    announcer = Announcer(find_engine(voice=ctx.config["queue.speech_voice"]))
    announcer.announce(speech)
    announcer.close()


def _action(name):
    fn = {"recall": tickets.recall, "serve": tickets.serve, "skip": tickets.skip,
          "hold": tickets.hold, "done": tickets.finish}[name]

    def handler(args, ctx) -> None:
        if args.ticket is None and args.counter is None:
            raise InvalidInput(_("Cho biết số vé (ví dụ A012) hoặc quầy (--counter 2)."))
        info = fn(ctx, args.ticket, counter=args.counter)
        if name == "recall":
            _maybe_say(args, ctx, info)
        emit(args, info, lambda: [_ticket_line(info)])

    return handler


def cmd_transfer(args, ctx) -> None:
    if args.ticket is None and args.counter is None:
        raise InvalidInput(_("Cho biết số vé (ví dụ A012) hoặc quầy đang giữ vé (--counter 2)."))
    info = tickets.transfer(ctx, args.ticket, counter=args.counter, to_counter=args.to_counter,
                          to_group=args.to_group, note=args.note or "")
    emit(args, info, lambda: [_ticket_line(info)])


def cmd_link(args, ctx) -> None:
    info = tickets.link_dossier(ctx, args.ticket, args.dossier)
    emit(args, info, lambda: [_ticket_line(info)])


def cmd_show(args, ctx) -> None:
    info = tickets.get_ticket(ctx, args.ticket, day=_day(args.date))
    emit(args, info, lambda: [
        _ticket_line(info),
        _("Lấy số: {a}  gọi: {b}  phục vụ: {c}  kết thúc: {d}  số lần gọi: {n}").format(
            a=_hm(info.issued_at), b=_hm(info.called_at), c=_hm(info.serving_at),
            d=_hm(info.finished_at), n=info.call_count)])


# --- board, statistics, policy ----------------------------------------------------------


def cmd_status(args, ctx) -> None:
    status = queue_board.queue_status(ctx)

    def lines():
        out = [_("{office} — hàng đợi ngày {day}").format(
            office=status.office_name, day=status.day.strftime("%d/%m/%Y"))]
        if status.same_day.applies_today:
            out.append(_("Hôm nay là ngày không hẹn: thủ tục đủ điều kiện được trả trong ngày."))
        if status.no_wait_today:
            out.append(_("Hôm nay là ngày không chờ."))
        out.append(_("Nhóm dịch vụ (đang chờ):"))
        for g in status.groups:
            nxt = ", ".join(g.next_tickets) or "—"
            out.append(_("  {prefix} {name}: {n} người chờ ({p} ưu tiên); tiếp theo: {next}; "
                         "quầy {counters}").format(
                prefix=g.prefix, name=g.name, n=g.waiting, p=g.waiting_priority, next=nxt,
                counters=", ".join(map(str, g.counters)) or "—"))
        out.append(_("Quầy (đang phục vụ):"))
        for c in status.counters:
            now = c.now_serving
            line = _("  {name} [{groups}]: {ticket}").format(
                name=c.name, groups=", ".join(c.groups) or "—",
                ticket=f"{now.number} ({now.status_label})" if now else "—")
            if c.on_hold:
                line += _("; tạm hoãn: {t}").format(t=", ".join(c.on_hold))
            if c.transferred_in:
                line += _("; {n} vé chuyển đến").format(n=c.transferred_in)
            out.append(line)
        if status.recent_calls:
            out.append(_("Vừa gọi:"))
            out += [f"  {_hm(call.at)}  {call.text}" for call in status.recent_calls]
        return out

    emit(args, status, lines)


def _stats_line(row: StatsRow) -> str:
    share = "—" if row.over_promise_share is None else f"{row.over_promise_share:.0%}"
    return _("  {label}: phát {issued}, đã gọi {called}, xong {served}, vắng {no_show}, "
             "còn chờ {waiting}; chờ (trung vị/p90/lâu nhất) {wm}/{wp}/{wx}; "
             "phục vụ {sm}/{sp}/{sx}; chờ quá hạn {over} ({share})").format(
        label=row.label, issued=row.issued, called=row.called, served=row.served,
        no_show=row.no_shows, waiting=row.still_waiting, wm=_minutes(row.waiting.median_s),
        wp=_minutes(row.waiting.p90_s), wx=_minutes(row.waiting.max_s),
        sm=_minutes(row.service.median_s), sp=_minutes(row.service.p90_s),
        sx=_minutes(row.service.max_s), over=row.over_promise, share=share)


def cmd_stats(args, ctx) -> None:
    stats = queue_stats.queue_stats(ctx, _day(args.date))

    def lines():
        out = [_("Thống kê hàng đợi ngày {day} (hẹn chờ tối đa {m} phút; thời gian dạng "
                 "phút:giây)").format(day=stats.day.strftime("%d/%m/%Y"), m=stats.promise_minutes)]
        if stats.no_wait_day:
            out.append(_("Đây là ngày cam kết không chờ."))
        out.append(_stats_line(stats.total))
        if stats.groups:
            out.append(_("Theo nhóm dịch vụ:"))
            out += [_stats_line(r) for r in stats.groups]
        if stats.counters:
            out.append(_("Theo quầy:"))
            out += [_stats_line(r) for r in stats.counters]
        return out

    emit(args, stats, lines)


def cmd_same_day(args, ctx) -> None:
    if args.clear:
        info = queue_setup.set_same_day_weekdays(ctx, [])
    elif args.set is not None:
        info = queue_setup.set_same_day_weekdays(ctx, _weekdays(args.set))
    else:
        info = queue_setup.same_day_policy(ctx)

    def lines():
        if not info.weekdays:
            return [_("Chưa đặt ngày không hẹn (trả trong ngày). Đặt bằng: "
                      "sadec-desk queue same-day --set 3")]
        out = [_("Ngày không hẹn: {days}{today}").format(
            days=", ".join(info.weekday_names),
            today=_(" (hôm nay áp dụng)") if info.applies_today else "")]
        out.append(_("Thủ tục được trả trong ngày vào những ngày này:"))
        out += [f"  {code}  {name}" for code, name in info.procedures]
        return out

    emit(args, info, lines)


def cmd_say(args, ctx) -> None:
    engine = find_engine(voice=ctx.config["queue.speech_voice"])
    if engine is None:
        raise InvalidInput(_("Máy này chưa có bộ đọc tiếng nói (espeak-ng trên Linux, "
                             "Windows Speech trên Windows); lời gọi chỉ hiện trên màn hình."))
    announcer = Announcer(engine)
    announcer.announce(args.text)
    announcer.close()
    emit(args, {"engine": engine.name, "text": args.text},
         lambda: [_("Đã đọc bằng {engine}: {text}").format(engine=engine.name, text=args.text)])


def cmd_announce(args, ctx) -> None:
    """The board's voice without the board: say every new call until stopped."""
    speak = ctx.config["queue.speech"]
    engine = find_engine(voice=ctx.config["queue.speech_voice"]) if speak else None
    announcer = Announcer(engine)
    _calls, cursor = queue_board.calls_since(ctx, None)
    deadline = time.monotonic() + args.duration if args.duration else None
    said = 0
    try:
        while deadline is None or time.monotonic() < deadline:
            calls, cursor = queue_board.calls_since(ctx, cursor)
            for call in calls:
                print(f"{_hm(call.at)}  {call.text}", flush=True)
                announcer.announce(call.speech)
                said += 1
            time.sleep(args.interval)
    except KeyboardInterrupt:
        pass
    finally:
        announcer.close()
    if args.json:
        emit(args, {"announced": said, "engine": engine.name if engine else None}, list)


# --- set-up: groups and counters --------------------------------------------------------


def cmd_group_list(args, ctx) -> None:
    groups = queue_setup.list_groups(ctx)
    emit(args, groups, lambda: [
        _("{prefix}  {name}{inactive}  quầy: {counters}  thủ tục: {codes}").format(
            prefix=g.prefix, name=g.name, inactive="" if g.active else _(" (ngừng)"),
            counters=", ".join(map(str, g.counters)) or "—",
            codes=", ".join(g.procedure_codes) or "—") for g in groups])


def cmd_group_add(args, ctx) -> None:
    info = queue_setup.create_group(ctx, prefix=args.prefix, name=args.name,
                                    procedure_codes=_csv(args.procedures) or [],
                                    counters=_csv(args.counters) or [])
    emit(args, info, lambda: [_("Đã thêm nhóm {prefix} {name}.").format(
        prefix=info.prefix, name=info.name)])


def cmd_group_edit(args, ctx) -> None:
    info = queue_setup.update_group(ctx, args.group, name=args.name, prefix=args.prefix,
                                    procedure_codes=_csv(args.procedures),
                                    counters=_csv(args.counters), active=_active(args))
    emit(args, info, lambda: [_("Đã sửa nhóm {prefix} {name}.").format(
        prefix=info.prefix, name=info.name)])


def _active(args) -> bool | None:
    if args.disable:
        return False
    if args.enable:
        return True
    return None


def cmd_counter_list(args, ctx) -> None:
    counters = queue_setup.list_counters(ctx)
    emit(args, counters, lambda: [
        _("{number}  {name}{inactive}  nhóm: {groups}").format(
            number=c.number, name=c.name, inactive="" if c.active else _(" (ngừng)"),
            groups=", ".join(c.groups) or "—") for c in counters])


def cmd_counter_add(args, ctx) -> None:
    info = queue_setup.create_counter(ctx, number=args.number, name=args.name,
                                      groups=_csv(args.groups) or [])
    emit(args, info, lambda: [_("Đã thêm {name}.").format(name=info.name)])


def cmd_counter_edit(args, ctx) -> None:
    info = queue_setup.update_counter(ctx, args.counter, name=args.name,
                                      groups=_csv(args.groups), active=_active(args))
    emit(args, info, lambda: [_("Đã sửa {name}.").format(name=info.name)])


# --- parser -----------------------------------------------------------------------------


def register(sub) -> None:
    g = group(sub, "queue", "walk-in queue: tickets, counters, display board data")

    p = command(g, "take", cmd_take, help="issue (and print) a ticket")
    p.add_argument("--group", required=True, help="service group: letter (A) or name")
    p.add_argument("--priority", action="store_true",
                   help="priority ticket (elderly, disabled, pregnant, small children)")
    p.add_argument("--no-print", action="store_true", help="do not queue the slip for printing")

    p = command(g, "call-next", cmd_call_next, help="call the next ticket to a counter")
    p.add_argument("--counter", required=True, help="counter number or name")
    p.add_argument("--announce", action="store_true", help="also say the call on this machine")

    p = command(g, "call", cmd_call, help="call one ticket by number (back from hold/no-show)")
    p.add_argument("ticket", help="ticket number, e.g. A012")
    p.add_argument("--counter", required=True)
    p.add_argument("--announce", action="store_true", help="also say the call on this machine")

    helps = {"recall": "call the ticket again", "serve": "start serving the called ticket",
             "skip": "no-show: the citizen did not come", "hold": "put the ticket on hold",
             "done": "finish the ticket"}
    for name, text in helps.items():
        p = command(g, name, _action(name), help=text)
        p.add_argument("ticket", nargs="?", help="ticket number (default: the counter's current)")
        p.add_argument("--counter", help="counter number or name")
        if name == "recall":
            p.add_argument("--announce", action="store_true", help="also say the call here")

    p = command(g, "transfer", cmd_transfer, help="send a ticket to another counter or group")
    p.add_argument("ticket", nargs="?")
    p.add_argument("--counter", help="counter that holds the ticket now")
    dest = p.add_mutually_exclusive_group(required=True)
    dest.add_argument("--to-counter")
    dest.add_argument("--to-group")
    p.add_argument("--note")

    p = command(g, "link", cmd_link, help="link a ticket to the dossier received")
    p.add_argument("ticket")
    p.add_argument("--dossier", required=True, help="dossier code or UUID")

    p = command(g, "show", cmd_show, help="one ticket and its times")
    p.add_argument("ticket")
    p.add_argument("--date", help="day of the ticket (default today), e.g. 2026-11-25")

    command(g, "status", cmd_status, help="groups, waiting, now serving (display board data)")
    p = command(g, "stats", cmd_stats, help="waiting and service times of a day")
    p.add_argument("--date", help="day, e.g. 2026-11-26 (default today)")

    p = command(g, "same-day", cmd_same_day,
                help="weekdays when eligible procedures are returned the same day")
    p.add_argument("--set", metavar="WEEKDAYS", help="e.g. 3 (Thursday) or 1,4; 0 = Monday")
    p.add_argument("--clear", action="store_true")

    p = command(g, "say", cmd_say, help="test the loudspeaker: say a sentence")
    p.add_argument("text")
    p = command(g, "announce", cmd_announce, help="say every new call (the board's voice)")
    p.add_argument("--interval", type=float, default=0.5, help="seconds between polls")
    p.add_argument("--duration", type=float, help="stop after this many seconds")

    gg = group(g, "group", "service groups")
    command(gg, "list", cmd_group_list, help="list service groups")
    p = command(gg, "add", cmd_group_add, help="add a service group")
    p.add_argument("--prefix", required=True, help="ticket letter, e.g. D")
    p.add_argument("--name", required=True)
    p.add_argument("--procedures", help="procedure codes, comma separated")
    p.add_argument("--counters", help="counter numbers, comma separated")
    p = command(gg, "edit", cmd_group_edit, help="change a service group")
    p.add_argument("group", help="letter or name")
    p.add_argument("--name")
    p.add_argument("--prefix")
    p.add_argument("--procedures", help="procedure codes, comma separated (replaces)")
    p.add_argument("--counters", help="counter numbers, comma separated (replaces)")
    p.add_argument("--disable", action="store_true")
    p.add_argument("--enable", action="store_true")

    cg = group(g, "counter", "counters")
    command(cg, "list", cmd_counter_list, help="list counters")
    p = command(cg, "add", cmd_counter_add, help="add a counter")
    p.add_argument("--number", type=int, required=True)
    p.add_argument("--name")
    p.add_argument("--groups", help="group letters, comma separated")
    p = command(cg, "edit", cmd_counter_edit, help="change a counter")
    p.add_argument("counter", help="number or name")
    p.add_argument("--name")
    p.add_argument("--groups", help="group letters, comma separated (replaces)")
    p.add_argument("--disable", action="store_true")
    p.add_argument("--enable", action="store_true")

"""What every command module shares: adding commands and groups, printing results
(text or ``--json``), the exit codes, and reading a date-time typed in Vietnam time."""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Callable
from datetime import datetime

from sadec_desk.domain.limits import check_moment
from sadec_desk.domain.timezone import VN_TZ
from sadec_desk.errors import InvalidInput
from sadec_desk.i18n import _
from sadec_desk.services.records import to_jsonable

#: exit codes: 0 done, 2 one sentence on stderr for input a person can fix, 70 a bug
#: (the traceback goes to the log file, never to the user)
EXIT_USER_ERROR = 2
EXIT_BUG = 70
#: a check that ran and found problems (``backup verify``, ``audit verify``)
EXIT_PROBLEMS = 1


def parse_local_datetime(text: str, field: str | None = None) -> datetime:
    """ISO date-time; without an offset it is Vietnam time (docs/design.md §3.2). Years
    outside 1900-2100 are refused here: year 1 or 9999 breaks every date computation."""
    try:
        moment = datetime.fromisoformat(text.strip())
        moment = moment if moment.tzinfo else moment.replace(tzinfo=VN_TZ)
        check_moment(moment, field=field or _("Ngày giờ"))
    except (ValueError, OverflowError):
        raise InvalidInput(_("'{text}' không phải ngày giờ hợp lệ. Dùng dạng ISO, ví dụ "
                             "2026-11-26T09:30 hoặc 2026-11-26T09:30+07:00.").format(text=text)
                           ) from None
    return moment


#: the largest whole number a command takes: what SQLite and C ints hold (a job number, a
#: limit, a port); anything bigger is a typing mistake
MAX_INT = 2**31 - 1
#: the largest number of hours, seconds... a command takes (about a century of hours)
MAX_FLOAT = 1e6


def _option_name(dest: str) -> str:
    return "--" + dest.replace("_", "-")


def check_arguments(args: argparse.Namespace) -> None:
    """What argparse lets through but no command can use: bytes that are not UTF-8 (they
    reach Python as lone surrogates and fail when stored or printed) and numbers too large
    for the database or for date arithmetic. One sentence naming the option."""
    for dest, value in vars(args).items():
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, str) and any("\ud800" <= ch <= "\udfff" for ch in item):
                raise InvalidInput(_("Giá trị của {option} có byte không phải chữ UTF-8; hãy "
                                     "gõ lại (đặt bảng mã của cửa sổ lệnh là UTF-8).")
                                   .format(option=_option_name(dest)))
            if isinstance(item, bool):
                continue
            if isinstance(item, int) and abs(item) > MAX_INT:
                raise InvalidInput(_("Số {value} của {option} quá lớn.")
                                   .format(value=str(item)[:30], option=_option_name(dest)))
            if isinstance(item, float) and not (math.isfinite(item) and abs(item) <= MAX_FLOAT):
                raise InvalidInput(_("Số {value} của {option} không dùng được (cần một số "
                                     "hữu hạn, không quá {max:g}).")
                                   .format(value=item, option=_option_name(dest), max=MAX_FLOAT))


def emit(args: argparse.Namespace, value, lines: Callable[[], list[str]]) -> None:
    if args.json:
        json.dump(to_jsonable(value), sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        print("\n".join(lines()))


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


def export_lines(info) -> list[str]:
    """What an export wrote, and a warning when the file holds personal data."""
    out = [_("Đã ghi {path}").format(path=info.path)]
    if info.pages:
        out[0] += _(" ({n} trang)").format(n=info.pages)
    if info.personal_data:
        out.append(_("Tệp có dữ liệu cá nhân: chỉ lưu ở nơi an toàn, không gửi ra ngoài."))
    return out

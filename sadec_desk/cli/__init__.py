"""``sadec-desk``: the one entry point, with a subcommand for every IT task.

Every command takes ``--json``; exit code 0 on success, 2 with one sentence on
stderr for input a person can fix, 70 for a bug (the traceback goes to the log
file, never to the user). Each command family lives in its own module here, with a
``register(sub)`` function that adds its commands (see docs/architecture.md).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence

from sadec_desk import __version__
from sadec_desk.bootstrap import open_context
from sadec_desk.cli import (
    autostart,
    backup,
    dossier,
    forms,
    gateway,
    gui,
    office,
    pages,
    portal,
    printing,
    queue,
    reports,
    stations,
    sync,
    users,
)
from sadec_desk.cli.base import COMMON, EXIT_BUG, EXIT_USER_ERROR, check_arguments
from sadec_desk.config import data_dir, load_config
from sadec_desk.db.database import translated_errors
from sadec_desk.errors import UserError
from sadec_desk.files import make_private, private_dir, set_private_umask
from sadec_desk.i18n import _
from sadec_desk.services.audit import PersonalDataFilter

log = logging.getLogger("sadec_desk")

#: the command families, in the order ``sadec-desk --help`` lists them
COMMAND_MODULES = (office, dossier, sync, gateway, portal, printing, queue, users, gui, reports,
                   forms, backup, pages, stations, autostart)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sadec-desk", parents=[COMMON],
        description="Sa Đéc Desk — bộ phận một cửa cấp xã (offline-first).")
    parser.add_argument("--version", action="version", version=f"sadec-desk {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in COMMAND_MODULES:
        module.register(sub)
    return parser


def setup_logging() -> str:
    log_dir = data_dir() / "logs"
    try:
        private_dir(log_dir)
        handler: logging.Handler = logging.FileHandler(log_dir / "sadec-desk.log",
                                                       encoding="utf-8")
        make_private(log_dir / "sadec-desk.log")  # one an older version made 0644
        where = str(log_dir / "sadec-desk.log")
    except OSError:
        handler, where = logging.StreamHandler(sys.stderr), "stderr"
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(PersonalDataFilter())  # no ID numbers in the log, tracebacks included
    root = logging.getLogger()
    for old in root.handlers:
        old.close()  # main() may run many times in one process (tests): no leaked files
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)
    return where


def use_utf8_streams() -> None:
    """Vietnamese output whatever the console or redirect: a Windows ``> out.txt`` is
    cp1252 by default and would fail on the first "ệ" (issue #19); a letter that cannot be
    written (an undecodable byte given on the command line) becomes "?" instead of a crash."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is None:
            continue
        try:
            reconfigure(encoding="utf-8", errors="replace")
        except (ValueError, OSError):
            # a stream already read from or detached: at least never crash on a letter
            try:
                reconfigure(errors="replace")
            except (ValueError, OSError):
                pass


def silence_stdout() -> None:
    """The reader of our output went away (``sadec-desk catalog list | head -1``): what
    is left to print has nobody to read it. Point stdout at the null device so that the
    interpreter's last flush does not raise BrokenPipeError again."""
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, sys.stdout.fileno())
        os.close(null)
    except (OSError, ValueError, AttributeError):
        pass  # no file descriptor (an in-memory stream): nothing will flush it later


def main(argv: Sequence[str] | None = None, *,
         parser: argparse.ArgumentParser | None = None) -> int:
    """Run one command; ``parser`` lets a caller that runs thousands (the property test)
    build the tree once (building it is most of a quick command's time)."""
    set_private_umask()  # every file this run creates is the user's only (#14 item 9)
    use_utf8_streams()
    parser = parser or build_parser()
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
        check_arguments(args)
        if args.needs_db:
            ctx = open_context()
            for warning in ctx.warnings:
                print(_("Cảnh báo: {w}").format(w=warning), file=sys.stderr)
        else:
            for warning in load_config().warnings:
                print(_("Cảnh báo: {w}").format(w=warning), file=sys.stderr)
        # database errors raised while reading rows (a damaged page met by a cursor) come
        # out of the handler, not out of a service's own translation
        with translated_errors():
            args.handler(args, ctx)
        sys.stdout.flush()
        return 0
    except BrokenPipeError:
        silence_stdout()
        return 0
    except UnicodeDecodeError:
        # the only text the commands decode is what a person gives them: standard input
        # (a secret, a QR) or a file; the bytes were not UTF-8
        print(_("Lỗi: dữ liệu đọc vào (đầu vào chuẩn hoặc tệp) không phải văn bản UTF-8; "
                "hãy lưu lại tệp ở dạng UTF-8 hoặc gõ lại."), file=sys.stderr)
        return EXIT_USER_ERROR
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

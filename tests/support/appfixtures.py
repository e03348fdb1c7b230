"""Helpers to open the app on a throwaway database with a fixed clock."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from sadec_desk.bootstrap import open_context
from sadec_desk.config import load_config, save_setting
from sadec_desk.domain.timezone import VN_TZ
from sadec_desk.services.context import AppContext

#: a database file as schema 1 left it (to test the upgrade steps)
SCHEMA1_SAMPLE = Path(__file__).parent / "data" / "schema1.sqlite3"
AGENCY = "000.00.14.H20"
SAMPLE_QR = ("034303011829||Nguyễn Thị Hoa|21032003|Nữ|"
             "Thôn Lai Ổn, An Quý, Quỳnh Phụ, Thái Bình|14082021")
OTHER_QR = "087099001234|351234567|Trần Văn Đức|05061999|Nam|Phường 1, Sa Đéc, Đồng Tháp|01022022"


class Clock:
    """A settable clock; starts on Thursday 26 Nov 2026, 09:00 Vietnam time."""

    def __init__(self, moment: datetime | None = None):
        self.moment = moment or datetime(2026, 11, 26, 9, 0, tzinfo=VN_TZ)

    def __call__(self) -> datetime:
        return self.moment


def vn(*args) -> datetime:
    return datetime(*args, tzinfo=VN_TZ)


def make_ctx(clock: Clock | None = None, **settings) -> AppContext:
    """Open the app with the given settings ('office.agency_code' style, dots as '__')."""
    settings.setdefault("office__agency_code", AGENCY)
    for name, value in settings.items():
        save_setting(name.replace("__", "."), value)
    return open_context(load_config(), clock=clock or Clock())


def run_cli(capsys, *argv) -> tuple[int, str, str]:
    """Run ``sadec-desk ARGV`` in-process: (exit code, stdout, stderr)."""
    from sadec_desk.cli import main

    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def run_cli_json(capsys, *argv):
    """Run ``sadec-desk ARGV --json``; it must succeed; returns the parsed output."""
    code, out, err = run_cli(capsys, *argv, "--json")
    assert code == 0, err
    return json.loads(out)


def sign_in_as(ctx: AppContext, username: str):
    """Put ``username`` on ``ctx`` as the signed-in user, without a password (the tests'
    shortcut past the sign-in screen). The account is read as the machine's administrator
    (like the command line): reading accounts is IT's work (issue #14 item 6)."""
    from sadec_desk.services.access import as_machine
    from sadec_desk.services.admin import users

    ctx.user = users.get_user(as_machine(ctx), username)
    return ctx.user

"""GUI tests: one hidden Tk root for the whole session (DESIGN.md §6.9).

The tests drive the real windows with ``event_generate`` + ``update()`` and assert
on what the widgets show and on the database. They need a display: the README's
test command (``sh bootstrap.sh test``) starts Xvfb when there is none.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import argon2
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # tests/: appfixtures

from appfixtures import Clock, make_ctx  # noqa: E402

from sadec_desk.services import office, users  # noqa: E402

#: keysyms of the characters the tests type (letters and digits are their own keysym)
KEYSYMS = {".": "period", "-": "minus", "|": "bar", "_": "underscore", " ": "space",
           ":": "colon", "/": "slash", "+": "plus", "@": "at", ",": "comma"}


@pytest.fixture(autouse=True)
def cheap_hashes(monkeypatch):
    monkeypatch.setattr(users, "HASHER",
                        argon2.PasswordHasher.from_parameters(argon2.profiles.CHEAPEST))
    monkeypatch.setattr(users, "_DUMMY_HASH", None)


@pytest.fixture(scope="session")
def tk_root():
    if sys.platform.startswith("linux") and not os.environ.get("DISPLAY"):
        if os.environ.get("CI"):
            pytest.fail("CI is set but there is no DISPLAY (bootstrap.sh starts Xvfb)",
                        pytrace=False)
        pytest.skip("no display: run under Xvfb (sh bootstrap.sh test does)")
    import ttkbootstrap as ttk

    root = ttk.Window(themename="flatly")
    root.withdraw()
    yield root
    root.destroy()


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def ctx(clock):
    c = make_ctx(clock)
    yield c
    c.close()


@pytest.fixture
def shell(tk_root, ctx):
    from sadec_desk.app import start_app

    sh, stop = start_app(tk_root, ctx, start_workers=False, kiosk_fullscreen=False)
    sh.tasks.pump()
    yield sh
    stop()
    if sh.window.winfo_exists():
        sh.close()
    ctx.user = None


def key(widget, keysym: str, *, time: int = 0) -> None:
    widget.event_generate("<KeyPress>", keysym=keysym, time=time)
    widget.event_generate("<KeyRelease>", keysym=keysym, time=time)


def type_text(widget, text: str, *, start_ms: int = 1000, gap_ms: int = 150,
              enter: bool = False) -> int:
    """Type ASCII ``text`` into ``widget`` key by key; ``gap_ms`` apart (a person: 150 ms,
    a scanner: 5 ms). Returns the time of the last key."""
    widget.focus_force()
    widget.update()
    t = start_ms
    for ch in text:
        widget.event_generate("<KeyPress>", keysym=KEYSYMS.get(ch, ch), time=t)
        t += gap_ms
    if enter:
        widget.event_generate("<KeyPress>", keysym="Return", time=t)
    widget.update()
    return t


def sign_in_clerk(shell, ctx, *, counter: int = 1):
    users.create_user(ctx, username="admin", full_name="Lê Văn Tín", role="it",
                      password="matkhau-cntt")
    ctx.user = users.get_user(ctx, "admin")
    office.init_office(ctx)  # the default service groups and counters
    users.create_user(ctx, username="hoa.nt", full_name="Nguyễn Thị Hoa", role="clerk",
                      pin="2468", counter=counter)
    users.sign_out(ctx)
    shell.on_sign_out()
    shell.tasks.pump()
    view = shell.screen
    type_text(view.username, "hoa.nt")
    type_text(view.secret, "2468", enter=True)
    assert shell.tasks.pump(until=lambda: type(shell.screen).__name__ == "CounterView")
    shell.tasks.pump()
    return shell.screen

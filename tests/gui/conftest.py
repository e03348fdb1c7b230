"""GUI tests: one hidden Tk root for the whole session (docs/design.md §6.9).

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

from sadec_desk.services.admin import users  # noqa: E402

GUI_DIR = Path(__file__).parent


def pytest_collection_modifyitems(config, items):
    """A Tk object freed off the Tk thread ("main thread is not in main loop" from a
    Variable/Image ``__del__``) fails the GUI test it happened in, not only warns."""
    for item in items:
        if GUI_DIR in Path(str(item.path)).parents:
            item.add_marker(pytest.mark.filterwarnings(
                "error::pytest.PytestUnraisableExceptionWarning"))


@pytest.fixture(autouse=True)
def cheap_hashes(monkeypatch):
    monkeypatch.setattr(users, "HASHER",
                        argon2.PasswordHasher.from_parameters(argon2.profiles.CHEAPEST))
    monkeypatch.setattr(users, "_DUMMY_HASH", None)


@pytest.fixture(scope="session")
def tk_root():
    if sys.platform.startswith("linux") and not os.environ.get("DISPLAY"):
        if os.environ.get("CI"):
            # bootstrap.sh passes on what Xvfb said when it did not start
            said = os.environ.get("SADEC_XVFB_ERROR", "").strip()
            pytest.fail("CI is set but there is no DISPLAY (bootstrap.sh starts Xvfb)"
                        + (f"; Xvfb said: {said}" if said else ""), pytrace=False)
        pytest.skip("no display: run under Xvfb (sh bootstrap.sh test does)")
    from sadec_desk.app import new_window

    root = new_window()
    root.withdraw()
    yield root
    root.destroy()


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

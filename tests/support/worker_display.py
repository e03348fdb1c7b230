"""A private X display for each parallel test worker (pytest -n, which bootstrap.sh uses).

The keyboard focus of an X display is one for the whole display: a GUI test in one worker
that calls ``focus_force()`` takes it from the window of a test running at the same time
in the other worker, whose ``focus_get()`` then answers None and whose typed keys go
nowhere. So each worker starts its own Xvfb (as bootstrap.sh does for a run without a
display) and points DISPLAY at it before any window is made; the servers and programs
the tests start inherit it. Without Xvfb, or when it does not start, DISPLAY is left as
it was (the GUI tests then say why they cannot run, see tests/gui/conftest.py).
"""

from __future__ import annotations

import contextlib
import os
import select
import shutil
import subprocess
import sys

START_TIMEOUT = 10.0  # seconds; Xvfb writes its display number once it accepts clients

_server: subprocess.Popen | None = None


def start_xvfb(screen: str) -> tuple[subprocess.Popen, str] | None:
    """A new Xvfb with one screen of ``screen`` ("1366x768x24") on a display number it
    picks itself (-displayfd: two workers never collide): the server and its display
    (":N"), or None when it did not start within :data:`START_TIMEOUT`."""
    read, write = os.pipe()
    server = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write), "-screen", "0", screen, "-nolisten", "tcp"],
        pass_fds=(write,), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL)
    os.close(write)
    number = ""
    with os.fdopen(read) as pipe:
        ready, _, _ = select.select([pipe], [], [], START_TIMEOUT)
        if ready:
            number = pipe.readline().strip()
    if not number.isdigit():
        _stop(server)
        return None
    return server, f":{number}"


def start_for_this_worker() -> str | None:
    """Start an Xvfb for this xdist worker and set DISPLAY; returns the display or None
    (not a worker, not Linux, no Xvfb, or it did not start). tests/conftest.py stops it
    when the worker ends (:func:`stop`)."""
    global _server
    if _server is not None or not os.environ.get("PYTEST_XDIST_WORKER"):
        return None
    if not sys.platform.startswith("linux") or not shutil.which("Xvfb"):
        return None
    started = start_xvfb("1280x1024x24")
    if started is None:
        return None
    _server, os.environ["DISPLAY"] = started
    return os.environ["DISPLAY"]


def _stop(server: subprocess.Popen) -> None:
    server.terminate()
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            server.wait(timeout=10)


def stop() -> None:
    global _server
    if _server is not None:
        _stop(_server)
        _server = None

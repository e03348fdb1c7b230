"""This PC's monitors for the display board: screeninfo on a real X display, the
xrandr --listmonitors fallback, numbering left to right and a missing monitor."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from sadec_desk.adapters import monitors
from sadec_desk.adapters.monitors import Monitor, parse_xrandr_monitors, pick_monitor

XRANDR = """Monitors: 2
 0: +*eDP-1 1366/344x768/194+0+0  eDP-1
 1: +HDMI-1 1920/598x1080/336+1366+0  HDMI-1
"""


def test_xrandr_output_is_read_and_numbered_left_to_right():
    # listed right to left on purpose: the numbers follow the desktop, not the list
    text = ("Monitors: 2\n 0: +HDMI-1 1920/598x1080/336+1366+0  HDMI-1\n"
            " 1: +*eDP-1 1366/344x768/194+0+0  eDP-1\n")
    found = parse_xrandr_monitors(text)
    assert found == [Monitor(0, 0, 0, 1366, 768, "eDP-1", True),
                     Monitor(1, 1366, 0, 1920, 1080, "HDMI-1", False)]
    assert found[1].geometry == "1920x1080+1366+0"
    assert parse_xrandr_monitors(XRANDR) == found


def test_portrait_mirrored_and_negative_positions():
    text = (" 0: +DP-1 1080/300x1920/530+-1080+0  DP-1\n"
            " 1: +*DP-2 1920/530x1080/300+0+0  DP-2\n"
            " 2: +DP-3 1920/530x1080/300+0+0  DP-3\n")  # a mirror of DP-2
    found = parse_xrandr_monitors(text)
    assert [(m.index, m.x, m.portrait) for m in found] == [(0, -1080, True), (1, 0, False)]
    assert parse_xrandr_monitors("garbage\n\n") == []


def test_pick_monitor_and_a_missing_one():
    found = parse_xrandr_monitors(XRANDR)
    assert pick_monitor(found, 1) == (found[1], "")
    chosen, why = pick_monitor(found, 4)
    assert chosen == found[0]
    assert why == ("Không có màn hình số 4 (máy này có 2 màn hình, số 0 đến 1); bảng hiển "
                   "thị mở trên màn hình số 0.")
    with pytest.raises(ValueError):
        pick_monitor([], 0)


def test_fallbacks(monkeypatch):
    monkeypatch.setattr(monitors, "from_screeninfo", lambda: [])
    monkeypatch.setattr(monitors, "from_xrandr", lambda: parse_xrandr_monitors(XRANDR))
    assert len(monitors.list_monitors()) == 2
    monkeypatch.setattr(monitors, "from_xrandr", lambda: [])
    assert monitors.list_monitors() == []
    assert monitors.list_monitors(desktop=(1280, 1024)) == [
        Monitor(0, 0, 0, 1280, 1024, "desktop", True)]


@pytest.mark.skipif(not sys.platform.startswith("linux") or not shutil.which("Xvfb"),
                    reason="needs Xvfb")
def test_screeninfo_reads_a_real_x_display(tmp_path):
    """A private Xvfb of 1920x1080 (its own display, stopped at the end): the library
    finds one monitor of that size."""
    read, write = os.pipe()
    server = subprocess.Popen(["Xvfb", "-displayfd", str(write), "-screen", "0",
                               "1920x1080x24", "-nolisten", "tcp"], pass_fds=(write,),
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write)
    try:
        with os.fdopen(read) as answer:
            display = answer.readline().strip()
        assert display, "Xvfb did not start"
        code = ("import json; from sadec_desk.adapters.monitors import from_screeninfo; "
                "print(json.dumps([m.geometry for m in from_screeninfo()]))")
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              timeout=60, env={**os.environ, "DISPLAY": f":{display}"})
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == '["1920x1080+0+0"]'
    finally:
        server.terminate()
        server.wait(timeout=30)

"""This PC's monitors and where each lies on the desktop (for the display board).

Tk knows only the whole desktop (all monitors as one rectangle), so the board cannot
find "the TV" by itself. The monitors come from the ``screeninfo`` library (Xinerama or
RandR on Linux, the Win32 API on Windows, AppKit on macOS); where it finds none (a
Wayland session, a library missing from a build) from ``xrandr --listmonitors``; and
failing both, the desktop Tk reports is taken as one monitor.

Monitors are numbered left to right, then top to bottom, from 0: what ``board.monitor``
names and ``sadec-desk board --list-monitors`` prints.
"""

from __future__ import annotations

import logging
import re
import shutil
import subprocess
from dataclasses import dataclass

from sadec_desk.i18n import _

log = logging.getLogger(__name__)

XRANDR_TIMEOUT_S = 5


@dataclass(frozen=True)
class Monitor:
    index: int
    x: int
    y: int
    width: int
    height: int
    name: str = ""
    primary: bool = False

    @property
    def geometry(self) -> str:
        """The Tk geometry string that covers this monitor exactly."""
        return f"{self.width}x{self.height}+{self.x}+{self.y}"

    @property
    def portrait(self) -> bool:
        return self.height > self.width


def numbered(found: list[tuple[int, int, int, int, str, bool]]) -> list[Monitor]:
    """(x, y, width, height, name, primary) -> monitors numbered left to right, then top
    to bottom; a monitor reported twice (mirrored outputs) counts once."""
    seen: set[tuple[int, int, int, int]] = set()
    unique = []
    for x, y, w, h, name, primary in sorted(found, key=lambda m: (m[0], m[1])):
        if w <= 0 or h <= 0 or (x, y, w, h) in seen:
            continue
        seen.add((x, y, w, h))
        unique.append((x, y, w, h, name, primary))
    return [Monitor(i, x, y, w, h, name, primary)
            for i, (x, y, w, h, name, primary) in enumerate(unique)]


def from_screeninfo() -> list[Monitor]:
    """Every way the library knows on this platform (RandR, Xinerama, DRM on Linux); the
    one that sees the most monitors wins: they agree on an ordinary PC, but some set-ups
    (separate X screens joined by Xinerama, some drivers) show every monitor to one of
    them only."""
    try:
        import screeninfo
        from screeninfo.common import Enumerator
    except ImportError:
        return []
    best: list = []
    for enumerator in Enumerator:
        try:
            found = list(screeninfo.get_monitors(enumerator))
        except Exception as exc:  # not this platform's, or a ctypes failure
            log.debug("screeninfo %s: %s", enumerator.value, exc)
            continue
        if len(found) > len(best):
            best = found
    return numbered([(m.x, m.y, m.width, m.height, m.name or "", bool(m.is_primary))
                     for m in best])


_XRANDR_LINE = re.compile(
    r"^\s*\d+:\s+\+?(?P<primary>\*?)(?P<name>\S+)\s+"
    r"(?P<w>\d+)/\d+x(?P<h>\d+)/\d+\+(?P<x>-?\d+)\+(?P<y>-?\d+)")


def parse_xrandr_monitors(text: str) -> list[Monitor]:
    """The monitors in ``xrandr --listmonitors`` output, e.g.
    `` 1: +HDMI-1 1920/598x1080/336+1366+0  HDMI-1``."""
    found = []
    for line in text.splitlines():
        match = _XRANDR_LINE.match(line)
        if match:
            found.append((int(match["x"]), int(match["y"]), int(match["w"]), int(match["h"]),
                          match["name"], bool(match["primary"])))
    return numbered(found)


def from_xrandr() -> list[Monitor]:
    program = shutil.which("xrandr")
    if program is None:
        return []
    try:
        done = subprocess.run([program, "--listmonitors"], capture_output=True, text=True,
                              timeout=XRANDR_TIMEOUT_S, check=False)
    except (OSError, subprocess.SubprocessError) as exc:
        log.info("xrandr failed: %s", exc)
        return []
    return parse_xrandr_monitors(done.stdout) if done.returncode == 0 else []


def list_monitors(desktop: tuple[int, int] | None = None) -> list[Monitor]:
    """This PC's monitors; ``desktop`` (Tk's screen width and height) is the one monitor
    when nothing better is known. Empty only without any of the three."""
    monitors = from_screeninfo() or from_xrandr()
    if not monitors and desktop is not None:
        monitors = [Monitor(0, 0, 0, desktop[0], desktop[1], "desktop", True)]
    return monitors


def pick_monitor(monitors: list[Monitor], index: int) -> tuple[Monitor, str]:
    """The monitor numbered ``index`` and "" — or, when there is no such monitor (the TV is
    off or unplugged at start), the first one and the reason, so that the board still
    shows somewhere instead of not starting on an unattended PC."""
    if not monitors:
        raise ValueError("no monitors")
    for monitor in monitors:
        if monitor.index == index:
            return monitor, ""
    return monitors[0], _("Không có màn hình số {index} (máy này có {n} màn hình, số 0 đến "
                          "{last}); bảng hiển thị mở trên màn hình số 0.").format(
        index=index, n=len(monitors), last=len(monitors) - 1)

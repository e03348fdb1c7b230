"""``sadec-desk autostart install|remove|show ROLE``: start the counter, the kiosk or the
board when this PC's user signs in to the desktop (issue #17 item 2).

Linux: an XDG autostart entry (``~/.config/autostart/sadec-desk-ROLE.desktop``, read by
GNOME, KDE, Xfce, LXQt...) or, with ``--method systemd``, a systemd user unit
(``~/.config/systemd/user/sadec-desk-ROLE.service``, restarted if it stops with an
error: a kiosk started before the main PC's database server tries again). Both run this
installation's own ``sadec-desk`` by its full path. The same files, with a plain
``sadec-desk``, are shipped in packaging/linux/ for a system-wide set-up.

Windows: the installer's task "Khởi động cùng Windows" puts the shortcut in the Startup
folder (README, "Nhiều máy trong một văn phòng"); this command says so.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from sadec_desk.app import STATION_ROLES
from sadec_desk.cli.base import command, emit, group
from sadec_desk.errors import InvalidInput, UserError
from sadec_desk.files import atomic_write
from sadec_desk.i18n import _

METHODS = ("desktop", "systemd")
TITLES = {"counter": "quầy tiếp nhận", "kiosk": "kiosk công dân", "board": "bảng hiển thị"}
SYSTEMCTL_TIMEOUT_S = 20


def config_home() -> Path:
    return Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")


def program() -> list[str]:
    """How to start this installation: the ``sadec-desk`` next to this Python (a venv,
    pipx), the frozen executable, the one on PATH, or ``python -m sadec_desk``."""
    if getattr(sys, "frozen", False):
        return [str(Path(sys.executable).resolve())]
    beside = Path(sys.executable).parent / "sadec-desk"
    if beside.is_file():
        return [str(beside)]
    found = shutil.which("sadec-desk")
    if found:
        return [str(Path(found).resolve())]
    return [str(Path(sys.executable).resolve()), "-m", "sadec_desk"]


def exec_line(role: str) -> str:
    """The command line, quoted for both a desktop entry's Exec and a unit's ExecStart."""
    return " ".join(f'"{part}"' if any(c in part for c in ' "\\') else part
                    for part in [*program(), role])


#: the command line of the files shipped in packaging/linux/ (sadec-desk on PATH)
SHIPPED_COMMAND = "sadec-desk {role}"


def desktop_entry(role: str, command_line: str | None = None) -> str:
    return (f"[Desktop Entry]\nType=Application\nName=Sa Đéc Desk — {TITLES[role]}\n"
            f"Comment=Sa Đéc Desk: {TITLES[role]} (sadec-desk {role})\n"
            f"Exec={command_line or exec_line(role)}\nTerminal=false\n"
            "X-GNOME-Autostart-enabled=true\nX-GNOME-Autostart-Delay=5\n")


def systemd_unit(role: str, command_line: str | None = None) -> str:
    return ("[Unit]\n"
            f"Description=Sa Đéc Desk — {TITLES[role]}\n"
            "PartOf=graphical-session.target\nAfter=graphical-session.target\n\n"
            "[Service]\n"
            f"ExecStart={command_line or exec_line(role)}\n"
            "# an IT exit ends with 0 and stays stopped; a crash or a database not up yet\n"
            "# (exit 2 after the two minutes' wait) starts again\n"
            "Restart=on-failure\nRestartSec=10\n\n"
            "[Install]\nWantedBy=graphical-session.target\n")


def target(role: str, method: str) -> Path:
    if method == "systemd":
        return config_home() / "systemd" / "user" / f"sadec-desk-{role}.service"
    return config_home() / "autostart" / f"sadec-desk-{role}.desktop"


def content(role: str, method: str) -> str:
    return systemd_unit(role) if method == "systemd" else desktop_entry(role)


def check_platform() -> None:
    if sys.platform == "win32":
        raise UserError(_("Trên Windows, chọn «Khởi động cùng Windows» khi chạy bộ cài, hoặc "
                          "đặt lối tắt «sadec-desk-gui kiosk» (hoặc board, counter) vào thư "
                          "mục Startup (Win+R, gõ shell:startup) — xem README, mục «Nhiều máy "
                          "trong một văn phòng»."))


def systemctl(*args: str) -> str:
    """Run ``systemctl --user ARGS``; "" when it worked, else what went wrong."""
    found = shutil.which("systemctl")
    if found is None:
        return _("không có systemctl")
    try:
        done = subprocess.run([found, "--user", *args], capture_output=True, text=True,
                              timeout=SYSTEMCTL_TIMEOUT_S, check=False)
    except (OSError, subprocess.SubprocessError) as exc:
        return str(exc)
    return "" if done.returncode == 0 else (done.stderr.strip() or f"exit {done.returncode}")


def cmd_install(args, ctx) -> None:
    check_platform()
    path = target(args.role, args.method)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, content(args.role, args.method).encode("utf-8"))
    except OSError as exc:
        raise InvalidInput(_("Không ghi được {path}: {error}").format(path=path,
                                                                     error=exc.strerror)) from None
    lines = [_("Đã ghi {path}: «{command}» chạy khi người dùng này đăng nhập vào máy.")
             .format(path=path, command=exec_line(args.role))]
    if args.method == "systemd":
        unit = path.name
        problem = systemctl("daemon-reload") or systemctl("enable", unit)
        lines.append(_("Đã bật {unit}.").format(unit=unit) if not problem else
                     _("Chưa bật được {unit} ({problem}); hãy chạy: systemctl --user "
                       "daemon-reload && systemctl --user enable {unit}")
                     .format(unit=unit, problem=problem))
    emit(args, {"path": str(path), "role": args.role, "method": args.method},
         lambda: lines)


def cmd_remove(args, ctx) -> None:
    check_platform()
    removed = []
    for method in METHODS:
        path = target(args.role, method)
        if path.exists():
            if method == "systemd":
                systemctl("disable", path.name)  # nothing to disable is fine
            path.unlink()
            removed.append(str(path))
    if not removed:
        raise InvalidInput(_("Máy này chưa đặt tự khởi động {role}.")
                           .format(role=TITLES[args.role]))
    emit(args, {"removed": removed},
         lambda: [_("Đã xóa {path}").format(path=p) for p in removed])


def cmd_show(args, ctx) -> None:
    text = content(args.role, args.method)
    emit(args, {"path": str(target(args.role, args.method)), "content": text},
         lambda: [text.rstrip("\n")])


def register(sub) -> None:
    g = group(sub, "autostart", "start the counter, kiosk or board when this PC's user "
                                "signs in (Linux: XDG autostart or a systemd user unit)")
    for name, handler, text in (
            ("install", cmd_install, "write the autostart entry for ROLE"),
            ("remove", cmd_remove, "remove ROLE's autostart entries"),
            ("show", cmd_show, "print the entry that install would write")):
        p = command(g, name, handler, needs_db=False, help=text)
        p.add_argument("role", choices=STATION_ROLES, metavar="ROLE",
                       help="counter, kiosk or board")
        if name != "remove":
            p.add_argument("--method", choices=METHODS, default="desktop",
                           help="desktop: an XDG autostart entry (default); systemd: a "
                                "systemd user unit, restarted after a failure")

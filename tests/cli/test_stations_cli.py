"""``sadec-desk stations``, ``board --list-monitors``, ``autostart`` and the window
commands without a display (issue #17 item 2)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from appfixtures import AGENCY, make_ctx
from appfixtures import run_cli as run
from appfixtures import run_cli_json as run_json

from sadec_desk.adapters import monitors
from sadec_desk.adapters.monitors import Monitor
from sadec_desk.cli import autostart
from sadec_desk.services.admin import stations


@pytest.fixture
def office(capsys):
    assert run(capsys, "init", "--agency-code", AGENCY, "--office-name", "UBND xã Tân Quy Tây"
               )[0] == 0


def test_stations_list_and_forget(capsys, office, clock):
    ctx = make_ctx(clock)
    try:
        ctx.config.values["station.name"] = "MAY-KIOSK"
        stations.record_heartbeat(ctx, "kiosk")
        ctx.config.values["station.name"] = "QUAY-1"
        clock.moment -= timedelta(hours=1)  # an hour ago: lost by now
        stations.record_heartbeat(ctx, "counter", user_name="Nguyễn Thị Hoa")
    finally:
        ctx.close()
    found = run_json(capsys, "stations")
    assert [(s["machine"], s["role"]) for s in found] == [("MAY-KIOSK", "kiosk"),
                                                         ("QUAY-1", "counter")]
    code, out, _err = run(capsys, "stations")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith("MAY-KIOSK — Kiosk công dân (kiosk), phiên bản ")
    assert "Mất kết nối (lần cuối" in lines[1] and "người dùng: Nguyễn Thị Hoa" in lines[1]
    code, _out, err = run(capsys, "stations", "--forget", "QUAY-1", "--role", "board")
    assert code == 2 and "Không có máy 'QUAY-1' (Bảng hiển thị)" in err
    code, out, _err = run(capsys, "stations", "--forget", "QUAY-1")
    assert code == 0 and "Đã bỏ máy QUAY-1 (Quầy tiếp nhận)" in out
    assert [s["machine"] for s in run_json(capsys, "stations")] == ["MAY-KIOSK"]


def test_no_station_yet(capsys, office):
    code, out, _err = run(capsys, "stations")
    assert code == 0 and "Chưa có máy nào" in out


def test_board_monitors(capsys, monkeypatch):
    monkeypatch.setattr(monitors, "list_monitors", lambda desktop=None: [
        Monitor(0, 0, 0, 1366, 768, "eDP-1", True), Monitor(1, 1366, 0, 1920, 1080, "HDMI-1")])
    code, out, _err = run(capsys, "board", "--list-monitors")
    assert code == 0
    assert out.splitlines() == [
        "Màn hình số 0: 1366×768 tại (0, 0) — eDP-1 (màn hình chính)",
        "Màn hình số 1: 1920×1080 tại (1366, 0) — HDMI-1"]
    listed = run_json(capsys, "board", "--list-monitors")
    assert listed[1]["width"] == 1920 and listed[1]["index"] == 1
    monkeypatch.setattr(monitors, "list_monitors", lambda desktop=None: [])
    code, _out, err = run(capsys, "board", "--list-monitors")
    assert code == 2 and "Không tìm thấy màn hình nào" in err
    code, _out, err = run(capsys, "board", "--monitor", "64")
    assert code == 2 and "Số màn hình 64 không dùng được" in err


@pytest.mark.parametrize("command", ["counter", "kiosk", "board"])
def test_window_commands_without_a_display(capsys, monkeypatch, command):
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    code, _out, err = run(capsys, command)
    assert code == 2 and "không có màn hình đồ họa" in err


def test_autostart_install_show_remove(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    calls = []
    monkeypatch.setattr(autostart, "systemctl", lambda *a: calls.append(a) or "")
    code, out, _err = run(capsys, "autostart", "show", "board")
    assert code == 0 and "[Desktop Entry]" in out and out.rstrip().count("\n") >= 5
    assert "Exec=" in out and out.split("Exec=")[1].split("\n")[0].endswith(" board")
    code, out, _err = run(capsys, "autostart", "install", "kiosk")
    entry = tmp_path / "cfg" / "autostart" / "sadec-desk-kiosk.desktop"
    assert code == 0 and str(entry) in out
    text = entry.read_text(encoding="utf-8")
    assert "Name=Sa Đéc Desk — kiosk công dân" in text and text.count("Exec=") == 1
    assert calls == []
    code, out, _err = run(capsys, "autostart", "install", "kiosk", "--method", "systemd")
    unit = tmp_path / "cfg" / "systemd" / "user" / "sadec-desk-kiosk.service"
    assert code == 0 and "Đã bật sadec-desk-kiosk.service" in out
    assert "Restart=on-failure" in unit.read_text(encoding="utf-8")
    assert calls == [("daemon-reload",), ("enable", "sadec-desk-kiosk.service")]
    code, out, _err = run(capsys, "autostart", "remove", "kiosk")
    assert code == 0 and not entry.exists() and not unit.exists()
    assert calls[-1] == ("disable", "sadec-desk-kiosk.service")
    code, _out, err = run(capsys, "autostart", "remove", "kiosk")
    assert code == 2 and "chưa đặt tự khởi động kiosk công dân" in err
    with pytest.raises(SystemExit) as refused:  # argparse's usage error
        run(capsys, "autostart", "install", "printer")
    assert refused.value.code == 2


def test_autostart_says_when_systemctl_fails(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    monkeypatch.setattr(autostart, "systemctl", lambda *a: "Failed to connect to bus")
    code, out, _err = run(capsys, "autostart", "install", "board", "--method", "systemd")
    assert code == 0
    assert "Chưa bật được sadec-desk-board.service (Failed to connect to bus)" in out


def test_autostart_on_windows_points_to_the_installer(capsys, monkeypatch):
    monkeypatch.setattr(autostart.sys, "platform", "win32")
    code, _out, err = run(capsys, "autostart", "install", "kiosk")
    assert code == 2 and "shell:startup" in err


@pytest.mark.parametrize("role", ["counter", "kiosk", "board"])
def test_shipped_linux_files_are_what_autostart_writes(role):
    """packaging/linux/ holds the same entries with a plain ``sadec-desk`` (on PATH)."""
    folder = Path(__file__).resolve().parents[2] / "packaging" / "linux"
    command = autostart.SHIPPED_COMMAND.format(role=role)
    assert (folder / f"sadec-desk-{role}.desktop").read_text(encoding="utf-8") == \
        autostart.desktop_entry(role, command)
    assert (folder / f"sadec-desk-{role}.service").read_text(encoding="utf-8") == \
        autostart.systemd_unit(role, command)

"""The office's PCs and when each was last seen (issue #17 item 2): notes written by the
heartbeat thread, read by the IT screens, lost after twice the interval; on SQLite and
on PostgreSQL (the shared database of an office with several PCs)."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from appfixtures import sign_in_as
from both_databases import any_ctx  # noqa: F401  (the fixture)

from sadec_desk.errors import InvalidInput, NotFound
from sadec_desk.services.access import PermissionDenied
from sadec_desk.services.admin import stations, users


def test_heartbeats_list_and_go_stale(any_ctx, clock):  # noqa: F811
    ctx = any_ctx
    stations.record_heartbeat(ctx, "kiosk")
    stations.record_heartbeat(ctx, "board")
    listed = stations.list_stations(ctx)
    assert [(s.role, s.connected) for s in listed] == [("kiosk", True), ("board", True)]
    assert listed[0].machine == stations.machine_name(ctx)
    assert listed[0].status_text == "Đang chạy"
    assert listed[0].role_label == "Kiosk công dân"

    # the board keeps noting; the kiosk stops: after twice the interval it is lost
    interval = ctx.config["station.heartbeat_seconds"]
    clock.moment += timedelta(seconds=2 * interval - 1)
    stations.record_heartbeat(ctx, "board")
    assert all(s.connected for s in stations.list_stations(ctx))
    clock.moment += timedelta(seconds=2)
    board, kiosk = stations.list_stations(ctx)  # connected first
    assert (board.role, board.connected, kiosk.role, kiosk.connected) == \
        ("board", True, "kiosk", False)
    assert kiosk.status_text == "Mất kết nối (lần cuối 09:00 26/11/2026)"


def test_one_row_per_pc_and_role(ctx, clock):
    stations.record_heartbeat(ctx, "counter", user_name="Nguyễn Văn A")
    first = stations.list_stations(ctx)[0]
    clock.moment += timedelta(seconds=10)
    stations.record_heartbeat(ctx, "counter", user_name="", started_at=first.started_at)
    (again,) = stations.list_stations(ctx)
    assert again.user_name == "" and again.last_seen == first.last_seen + timedelta(seconds=10)
    assert again.started_at == first.started_at


def test_station_name_setting(ctx):
    ctx.config.values["station.name"] = "Máy kiosk sảnh"
    stations.record_heartbeat(ctx, "kiosk")
    assert stations.list_stations(ctx)[0].machine == "Máy kiosk sảnh"


def test_roles_and_bad_input(ctx):
    with pytest.raises(InvalidInput, match="vai trò của máy"):
        stations.record_heartbeat(ctx, "printer")
    stations.record_heartbeat(ctx, "board")
    users.create_user(ctx, username="cntt", full_name="Cán bộ CNTT", role="it", pin="654321")
    users.create_user(ctx, username="canbo", full_name="Cán bộ Một", role="clerk", pin="123456")
    ctx.sign_in_required = True
    sign_in_as(ctx, "canbo")
    with pytest.raises(PermissionDenied):
        stations.list_stations(ctx)  # the IT screens only
    stations.record_heartbeat(ctx, "counter")  # any signed-in app notes itself
    ctx.user = None
    with pytest.raises(PermissionDenied):
        stations.record_heartbeat(ctx, "counter")  # nobody signed in in the GUI
    ctx.sign_in_required = False


def test_forget(ctx):
    stations.record_heartbeat(ctx, "board")
    name = stations.machine_name(ctx)
    with pytest.raises(NotFound):
        stations.forget_station(ctx, name, "kiosk")
    stations.forget_station(ctx, name, "board")
    assert stations.list_stations(ctx) == []


def test_worker_writes_from_its_thread_and_stops(ctx):
    """The thread notes at once and then every interval, as the machine (a GUI context
    with nobody signed in still notes), and ends when stopped."""
    ctx.sign_in_required = True
    names = iter(["", "Trần Thị B"] + ["Trần Thị B"] * 100)
    worker = stations.HeartbeatWorker(ctx, "counter", user_name=lambda: next(names),
                                      interval=0.05).start()
    deadline = time.monotonic() + 10
    while worker.beats < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    worker.stop()
    assert worker.beats >= 2 and not worker._thread.is_alive()
    ctx.sign_in_required = False
    (row,) = stations.list_stations(ctx)
    assert (row.role, row.user_name, row.connected) == ("counter", "Trần Thị B", True)


def test_worker_survives_a_database_failure(ctx, monkeypatch):
    def broken(*_a, **_k):
        raise RuntimeError("server gone")

    monkeypatch.setattr(stations, "record_heartbeat", broken)
    worker = stations.HeartbeatWorker(ctx, "kiosk", interval=0.05)
    assert worker.beat() is False and worker.beats == 0

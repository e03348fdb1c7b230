"""A kiosk process and a board process running at once on one office database, as on a
kiosk PC and a board PC (issue #17 item 2): a single PC's SQLite file shared by several
processes, and the office's PostgreSQL server. Each process notes its heartbeat; the
processes are real ``python -m sadec_desk kiosk|board`` runs on the test's display,
stopped at the end."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
from appfixtures import make_ctx, sign_in_as

from sadec_desk.bootstrap import open_context
from sadec_desk.config import load_config, save_setting
from sadec_desk.services.access import as_machine
from sadec_desk.services.admin import office, stations, users
from sadec_desk.services.queue import tickets

START_TIMEOUT_S = 90  # two interpreters importing Tk and the app on a loaded machine


def set_up(database_url: str = "") -> None:
    if database_url:
        save_setting("database.url", database_url)
    save_setting("queue.speech", False)
    save_setting("station.heartbeat_seconds", 5)
    ctx = make_ctx()
    try:
        users.create_user(ctx, username="admin", full_name="Lê Văn Tín", role="it",
                          password="matkhau-cntt")
        sign_in_as(ctx, "admin")
        office.init_office(ctx)
    finally:
        ctx.close()


def start(role: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "sadec_desk", role],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})


def stop(process: subprocess.Popen) -> str:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        _out, err = process.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        _out, err = process.communicate(timeout=30)
    return err


def wait_for(condition, timeout: float, processes) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        for p in processes:
            assert p.poll() is None, f"{p.args[-1]} stopped: {p.communicate()[1][-2000:]}"
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.25)


def run_kiosk_and_board() -> None:
    ctx = open_context(load_config())  # the real clock: the processes note real times
    machine = as_machine(ctx)
    kiosk, board = start("kiosk"), start("board")
    processes = (kiosk, board)
    try:
        def roles():
            return {s.role: s for s in stations.list_stations(machine)}

        wait_for(lambda: {"kiosk", "board"} <= set(roles()), START_TIMEOUT_S, processes)
        first = roles()
        assert first["kiosk"].connected and first["board"].connected
        assert first["kiosk"].machine == stations.machine_name(ctx)
        # a third writer (a counter) while both run: a ticket, on the same database
        assert tickets.take_ticket(machine, "A", print_ticket=False).number == "A001"
        # the heartbeat threads go on (every 5 s here)
        wait_for(lambda: all(roles()[r].last_seen > first[r].last_seen
                             for r in ("kiosk", "board")), 30, processes)
    finally:
        errors = [stop(p) for p in processes]
        ctx.close()
    for err in errors:
        assert "Traceback" not in err, err[-3000:]


@pytest.fixture
def display():
    if not os.environ.get("DISPLAY"):
        pytest.skip("no display: run under Xvfb (sh bootstrap.sh test does)")


def test_kiosk_and_board_processes_share_one_sqlite_file(display):
    set_up()
    run_kiosk_and_board()


@pytest.mark.postgres
def test_kiosk_and_board_processes_share_postgresql(display, pg_database):
    set_up(pg_database)
    run_kiosk_and_board()


BOARD_ON_MONITORS = """
import sys
from sadec_desk.app import create_root, start_station
from sadec_desk.bootstrap import open_context
from sadec_desk.config import load_config

ctx = open_context(load_config())
root = create_root()
for index in (1, 0):
    ctx.config.values["board.monitor"] = index
    host, stop, warnings = start_station(root, ctx, "board", start_workers=False)
    host.board.window.update()
    print(index, host.board.window.geometry(), host.board.layout.scale, warnings)
    stop()
root.destroy()
ctx.close()
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Xvfb")
def test_board_on_the_second_monitor_of_a_real_two_head_display():
    """A private Xvfb with two heads joined by Xinerama (1366×768 and 1920×1080; Xvfb puts
    both at 0,0): the monitors come from the real library, not a fake list, and
    board.monitor = 1 gives the board the TV's size and scale."""
    set_up()
    read, write = os.pipe()
    try:
        server = subprocess.Popen(["Xvfb", "-displayfd", str(write), "-screen", "0",
                                   "1366x768x24", "-screen", "1", "1920x1080x24",
                                   "+xinerama", "-nolisten", "tcp"], pass_fds=(write,),
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    except FileNotFoundError:
        pytest.skip("no Xvfb")
    os.close(write)
    try:
        with os.fdopen(read) as answer:
            display = answer.readline().strip()
        assert display, "Xvfb did not start"
        done = subprocess.run([sys.executable, "-c", BOARD_ON_MONITORS], capture_output=True,
                              text=True, timeout=START_TIMEOUT_S,
                              env={**os.environ, "DISPLAY": f":{display}"})
        assert done.returncode == 0, done.stderr[-3000:]
        first, second = done.stdout.splitlines()
        assert first.startswith("1 1920x1080+0+0 1.40") and first.endswith(" []")
        assert second.startswith("0 1366x768+0+0 1.0 ")
    finally:
        server.terminate()
        server.wait(timeout=30)

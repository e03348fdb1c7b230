"""A kiosk PC and a board PC on their own (issue #17 item 2): no clerk session, nobody
signed in; the kiosk locked with an IT exit; the board on the monitor board.monitor
names, scaled to it; each writes its heartbeat from a worker thread."""

from __future__ import annotations

import time

import pytest
from appfixtures import sign_in_as
from guikit import key

from sadec_desk.adapters.monitors import Monitor
from sadec_desk.app import start_station
from sadec_desk.services.access import as_machine
from sadec_desk.services.admin import office, stations, users
from sadec_desk.services.queue import tickets
from sadec_desk.views.board import BoardWindow, board_layout, counter_grid


def set_up_office(ctx) -> None:
    """The office, its default groups and counters, and three accounts, made as IT;
    then nobody is signed in (as on a kiosk PC)."""
    users.create_user(ctx, username="admin", full_name="Lê Văn Tín", role="it",
                      password="matkhau-cntt")
    sign_in_as(ctx, "admin")
    office.init_office(ctx)
    users.create_user(ctx, username="hoa.nt", full_name="Nguyễn Thị Hoa", role="clerk",
                      pin="246810", counter=1)
    users.create_user(ctx, username="lanh.dao", full_name="Phạm Văn Đạo", role="leader",
                      pin="135790")
    users.sign_out(ctx)


@pytest.fixture
def kiosk_host(tk_root, ctx):
    set_up_office(ctx)
    closed = []
    host, stop, warnings = start_station(tk_root, ctx, "kiosk", start_workers=False,
                                         fullscreen=False, on_close=lambda: closed.append(1))
    host.closed_calls = closed
    yield host
    stop()
    ctx.user = None


def test_kiosk_alone_gives_tickets_with_nobody_signed_in(kiosk_host, ctx):
    host = kiosk_host
    assert ctx.user is None and not ctx.sign_in_required
    kiosk = host.kiosk
    assert host.tasks.pump(until=lambda: "A" in getattr(kiosk, "group_buttons", {}))
    kiosk.group_buttons["A"].invoke()
    assert host.tasks.pump(until=lambda: hasattr(kiosk, "number_label"))
    assert kiosk.number_label.cget("text") == "A001"
    assert tickets.get_ticket(as_machine(ctx), "A001").number == "A001"
    # closing the window (the window manager's X, Alt+F4) is refused: the staff panel
    kiosk.window.tk.call(kiosk.window.protocol("WM_DELETE_WINDOW"))
    host.tasks.pump()
    assert kiosk.alive and kiosk.staff_panel.winfo_exists()


def staff_sign_in(host, username: str, secret: str) -> None:
    kiosk = host.kiosk
    kiosk.window.focus_force()
    kiosk.window.update()
    key(kiosk.window, "F12")  # alone, F12 does nothing
    assert getattr(kiosk, "staff_panel", None) is None or not kiosk.staff_panel.winfo_exists()
    kiosk.window.event_generate("<Control-Shift-KeyPress-F12>")
    host.tasks.pump()
    assert kiosk.staff_panel.winfo_exists()
    kiosk.staff_user.insert(0, username)
    kiosk.staff_secret.insert(0, secret)
    kiosk.on_staff_sign_in()


def test_only_a_leader_or_it_leaves_the_kiosk(kiosk_host, ctx):
    host = kiosk_host
    first = host.kiosk
    assert host.tasks.pump(until=lambda: hasattr(first, "group_buttons"))
    staff_sign_in(host, "hoa.nt", "246810")  # a clerk: refused, the kiosk comes back
    assert host.tasks.pump(until=lambda: host.kiosk is not first)
    host.tasks.pump()
    assert host.kiosk.alive and not host.closed and ctx.user is None
    assert "Chỉ lãnh đạo hoặc cán bộ CNTT" in host.refusal.cget("text")
    second = host.kiosk
    assert host.tasks.pump(until=lambda: hasattr(second, "group_buttons"))
    staff_sign_in(host, "lanh.dao", "135790")
    assert host.tasks.pump(until=lambda: host.closed)
    assert host.closed_calls == [1] and ctx.user is None
    assert not second.alive


def test_board_on_the_chosen_monitor_fills_it(tk_root, ctx):
    """Two monitors side by side (a fake list: the test display has one); board.monitor
    = 1 puts the board exactly on the TV, frameless."""
    set_up_office(ctx)
    ctx.config.values["board.monitor"] = 1
    monitors = [Monitor(0, 0, 0, 1366, 768, "eDP-1", True),
                Monitor(1, 1366, 0, 1920, 1080, "HDMI-1")]
    host, stop, warnings = start_station(tk_root, ctx, "board", monitors=monitors,
                                         start_workers=False)
    try:
        board = host.board
        board.window.update()
        assert warnings == []
        assert board.window.geometry() == "1920x1080+1366+0"
        assert board.window.overrideredirect()
        assert host.tasks.pump(until=lambda: board.last_status is not None)
        host.tasks.pump()
        assert board.layout.scale == pytest.approx(1080 / 768, rel=0.01)
        assert set(board.counter_labels) == {1, 2}  # the default office's counters
    finally:
        stop()
    # a monitor that is not there (the TV off at start): the first one, and why
    host, stop, warnings = start_station(tk_root, ctx, "board", monitor=3,
                                         monitors=monitors, start_workers=False)
    try:
        host.board.window.update()
        assert host.board.window.geometry() == "1366x768+0+0"
        assert warnings and "Không có màn hình số 3" in warnings[0]
    finally:
        stop()


def outside(window) -> list[str]:
    """The mapped widgets of ``window`` that reach past its edges, and the labels cut
    (given less room than their text needs)."""
    window.update()
    right, bottom = window.winfo_width(), window.winfo_height()
    left, top = window.winfo_rootx(), window.winfo_rooty()
    bad, todo = [], list(window.winfo_children())
    while todo:
        widget = todo.pop()
        todo.extend(widget.winfo_children())
        if not widget.winfo_ismapped():
            continue
        x, y = widget.winfo_rootx() - left, widget.winfo_rooty() - top
        if x < 0 or y < 0 or x + widget.winfo_width() > right + 1 \
                or y + widget.winfo_height() > bottom + 1:
            bad.append(f"{widget} at {x},{y} {widget.winfo_width()}x{widget.winfo_height()}")
        elif widget.winfo_class() == "Label" and (
                widget.winfo_width() < widget.winfo_reqwidth() - 1
                or widget.winfo_height() < widget.winfo_reqheight() - 1):
            bad.append(f"{widget} cut: {widget.winfo_width()}x{widget.winfo_height()} of "
                       f"{widget.winfo_reqwidth()}x{widget.winfo_reqheight()}")
    return bad


@pytest.mark.parametrize("size", ["1366x768", "1920x1080", "1080x1920"])
def test_board_scales_to_its_screen(tk_root, ctx, size):
    set_up_office(ctx)
    # a long name must wrap, not push the clock off or be cut
    ctx.config.values["office.name"] = ("Ủy ban nhân dân phường An Hòa, thành phố Sa Đéc, "
                                        "tỉnh Đồng Tháp")
    for _n in range(4):
        tickets.take_ticket(as_machine(ctx), "A", print_ticket=False)
    host, stop, _w = start_station(tk_root, ctx, "board", start_workers=False,
                                   monitors=[Monitor(0, 0, 0, *map(int, size.split("x")))])
    try:
        board = host.board
        assert host.tasks.pump(until=lambda: board.last_status is not None)
        host.tasks.pump()
        assert board.window.winfo_width() == int(size.split("x")[0])
        assert outside(board.window) == []
        width, height = map(int, size.split("x"))
        assert board.layout == board_layout(width, height)
        assert board.layout.portrait == (height > width)
        # the counters' boxes fill the room left: no screen is mostly empty
        boxes = board.counters_frame.winfo_children()
        covered = sum(b.winfo_width() * b.winfo_height() for b in boxes)
        assert covered > 0.4 * width * height
    finally:
        stop()


def test_board_fonts_grow_with_the_screen():
    small, tv = board_layout(1366, 768), board_layout(1920, 1080)
    assert tv.fonts["title"] > small.fonts["title"] * 1.3
    assert tv.fonts["line"] > small.fonts["line"] * 1.3
    assert small.scale == 1.0 and not small.portrait
    portrait = board_layout(1080, 1920)
    assert portrait.portrait and portrait.scale > 1.3 and portrait.wrap <= 1080
    # the counters' numbers: bigger on the TV, and the columns that give the biggest
    two_small, two_tv = counter_grid(1000, 560, 2), counter_grid(1450, 800, 2)
    assert two_tv.number_pt > two_small.number_pt * 1.3
    assert (two_small.columns, two_small.rows) == (1, 2)
    crowded = counter_grid(1000, 560, 12)
    assert crowded.columns * crowded.rows >= 12 and crowded.columns > 1
    assert crowded.number_pt < two_small.number_pt


def test_board_opened_from_the_counter_still_scales_on_resize(tk_root, ctx):
    """The single-PC way (the counter's "Mở bảng hiển thị"): a window that follows its
    size when maximised on the TV by hand."""
    set_up_office(ctx)

    class FakeShell:
        def __init__(self):
            from sadec_desk.views.tasks import TaskRunner

            self.ctx, self.announcer, self.board = ctx, None, None
            self.tasks = TaskRunner(tk_root)

    shell = FakeShell()
    board = BoardWindow(tk_root, shell, geometry="1366x768+0+0")
    try:
        assert shell.tasks.pump(until=lambda: board.last_status is not None)
        before = board.layout.fonts["counter_number"]
        board.window.geometry("1920x1080+0+0")
        deadline = time.monotonic() + 5
        while board.layout.fonts["counter_number"] == before and time.monotonic() < deadline:
            board.window.update()
            time.sleep(0.01)
        assert board.layout.fonts["counter_number"] > before
    finally:
        board.close()
        shell.tasks.close()


def test_heartbeats_of_a_standalone_board(tk_root, ctx):
    """With its workers, the board PC notes itself from the heartbeat thread."""
    set_up_office(ctx)
    ctx.config.values["queue.speech"] = False
    host, stop, _w = start_station(tk_root, ctx, "board",
                                   monitors=[Monitor(0, 0, 0, 1366, 768)])
    try:
        deadline = time.monotonic() + 10
        found = []
        while not found and time.monotonic() < deadline:
            host.tasks.pump(timeout=0.1)
            found = [s for s in stations.list_stations(as_machine(ctx)) if s.role == "board"]
        assert found and found[0].connected and found[0].user_name == ""
    finally:
        stop()


def test_it_screen_lists_the_pcs_and_who_is_lost(shell, ctx, clock):
    from datetime import timedelta

    from guikit import sign_in_it

    machine = as_machine(ctx)
    stations.record_heartbeat(machine, "board")
    clock.moment += timedelta(minutes=5)
    stations.record_heartbeat(machine, "kiosk")
    view = sign_in_it(shell, ctx, tab="stations")
    tab = view.stations
    tab.refresh()
    shell.tasks.pump()
    rows = [tab.tree.item(iid) for iid in tab.tree.get_children()]
    assert [r["values"][1] for r in rows] == ["Kiosk công dân", "Bảng hiển thị"]
    assert rows[0]["values"][2] == "Đang chạy" and rows[0]["tags"] in ("", [])
    assert rows[1]["values"][2] == "Mất kết nối (lần cuối 09:00 26/11/2026)"
    assert rows[1]["tags"] == ["lost"]
    assert stations.machine_name(ctx) in tab.this_pc.cget("text")
    tab.forget_button.invoke()
    shell.tasks.pump()
    assert "Hãy chọn một máy" in tab.message.text
    tab.tree.selection_set(tab.tree.get_children()[1])
    tab.forget_button.invoke()
    shell.tasks.pump()
    assert [s.role for s in stations.list_stations(machine)] == ["kiosk"]
    assert len(tab.tree.get_children()) == 1


def test_board_leaves_on_the_it_keys(tk_root, ctx):
    set_up_office(ctx)
    closed = []
    host, stop, _w = start_station(tk_root, ctx, "board", start_workers=False,
                                   monitors=[Monitor(0, 0, 0, 1366, 768)],
                                   on_close=lambda: closed.append(1))
    try:
        board = host.board
        assert host.tasks.pump(until=lambda: board.last_status is not None)
        key(board.window, "F12")
        host.tasks.pump()
        assert board.alive and not closed
        board.window.event_generate("<Control-Shift-KeyPress-F12>")
        assert host.tasks.pump(until=lambda: host.closed)
        assert closed == [1] and not board.alive
    finally:
        stop()


def test_kiosk_alone_is_full_screen_and_on_top(tk_root, ctx):
    set_up_office(ctx)
    host, stop, _w = start_station(tk_root, ctx, "kiosk", start_workers=False)
    try:
        window = host.kiosk.window
        window.update()
        assert window.attributes("-fullscreen") in (1, True)
        assert window.attributes("-topmost") in (1, True)
        assert window.winfo_width() == window.winfo_screenwidth()
    finally:
        stop()


def test_the_counter_heartbeat_names_whoever_is_signed_in(ctx):
    from sadec_desk.app import start_heartbeat

    set_up_office(ctx)
    sign_in_as(ctx, "hoa.nt")
    ctx.sign_in_required = True
    worker = start_heartbeat(ctx, "counter")
    try:
        deadline = time.monotonic() + 10
        while worker.beats < 1 and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        worker.stop()
    ctx.sign_in_required = False
    (row,) = stations.list_stations(as_machine(ctx))
    assert (row.role, row.user_name) == ("counter", "Nguyễn Thị Hoa")


def test_an_unattended_pc_waits_for_the_database(monkeypatch):
    """Switched on before the main PC: the database is tried again, each wait said; a
    database still away at the end is the error; a working one is returned."""
    from sadec_desk import bootstrap
    from sadec_desk.app import open_waiting
    from sadec_desk.errors import DatabaseError

    answers = [DatabaseError("máy chủ chưa chạy"), DatabaseError("máy chủ chưa chạy"), "ctx"]

    def opening():
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    monkeypatch.setattr(bootstrap, "open_context", opening)
    said = []
    assert open_waiting(said.append, wait_s=5, retry_s=0.01) == "ctx"
    assert said == ["Chưa mở được cơ sở dữ liệu (máy chủ chưa chạy); thử lại sau 0 giây."] * 2
    monkeypatch.setattr(bootstrap, "open_context",
                        lambda: (_ for _ in ()).throw(DatabaseError("vẫn chưa")))
    with pytest.raises(DatabaseError, match="vẫn chưa"):
        open_waiting(said.append, wait_s=0.05, retry_s=0.02)

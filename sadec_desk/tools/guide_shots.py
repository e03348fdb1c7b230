"""The user guide's own screenshots, beyond those of :mod:`sadec_desk.tools.screenshots`:
the walk-in queue with a held ticket, a receipt printer that is off (the status bar and
the counter's message), and the leader's overdue, queue and satisfaction tabs.

Runs the real windows on a throwaway database with a fixed clock (Thursday 26 Nov 2026)
the way :mod:`sadec_desk.tools.screenshots` does; called by ``python -m
sadec_desk.tools.guide images``.
"""

from __future__ import annotations

import socket
from datetime import datetime, timedelta
from pathlib import Path

SHOTS = ("quay-hang-doi.png", "quay-may-in-loi.png", "lanh-dao-qua-han.png",
         "lanh-dao-hang-cho.png", "lanh-dao-hai-long.png")


def closed_port() -> int:
    """A loopback port nobody listens on: the "printer that is off"."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def run(out: Path) -> None:
    """Save :data:`SHOTS` into ``out``. The caller points SADEC_DESK_CONFIG and
    SADEC_DESK_DATA_DIR at a throwaway folder first."""
    from sadec_desk.app import create_root, start_app
    from sadec_desk.bootstrap import open_context
    from sadec_desk.config import load_config
    from sadec_desk.domain.timezone import VN_TZ
    from sadec_desk.services.access import as_machine
    from sadec_desk.services.admin import users
    from sadec_desk.services.printing.worker import print_state
    from sadec_desk.services.queue import tickets
    from sadec_desk.tools.screenshots import SAMPLE_QR, fill_first_start, grab, report_month

    moment = [datetime(2026, 11, 26, 8, 0, tzinfo=VN_TZ)]

    def later(minutes: int) -> None:
        moment[0] += timedelta(minutes=minutes)

    root = create_root()
    ctx = open_context(load_config(), clock=lambda: moment[0])
    shell, stop = start_app(root, ctx, start_workers=False, kiosk_fullscreen=False)
    tasks, win = shell.tasks, shell.window
    win.geometry("1366x768+0+0")

    def settle() -> None:
        tasks.pump()
        win.update()

    def sign_in(username: str, secret: str, screen: str) -> None:
        shell.on_sign_out()
        settle()
        shell.screen.username.insert(0, username)
        shell.screen.secret.insert(0, secret)
        shell.screen.on_sign_in()
        tasks.pump(until=lambda: type(shell.screen).__name__ == screen, timeout=30)
        settle()

    settle()
    setup = shell.screen
    fill_first_start(setup)
    setup.on_save()
    tasks.pump(until=lambda: type(shell.screen).__name__ == "SettingsView", timeout=30)
    users.create_user(ctx, username="hoa.nt", full_name="Nguyễn Thị Hoa", role="clerk",
                      pin="246810", counter=1)
    users.create_user(ctx, username="binh.pv", full_name="Phạm Văn Bình", role="leader",
                      password="matkhau-lanh-dao")
    # the counter's receipt printer, switched off (nothing listens on its port)
    ctx.config.values["printing.printers"] = {"quay1": f"tcp://127.0.0.1:{closed_port()}"}
    ctx.config.values["printing.printer"] = "quay1"

    # a morning of walk-in tickets: served, one no-show, one held for a missing paper
    sign_in("hoa.nt", "246810", "CounterView")
    counter = shell.screen
    # citizens come in a few minutes apart; the clerk calls, serves, marks a no-show and
    # holds one who went to fetch a paper
    for event in ("A", "C", "next", "A", "done", "next", "A!", "done", "next", "C", "skip",
                  "next", "hold", "next", "A", "A", "C"):
        later(3)
        if event in ("A", "C", "A!"):
            tickets.take_ticket(ctx, event[0], priority=event.endswith("!"),
                                print_ticket=False)
        else:
            counter.on_queue_action(event)
        settle()
    counter.on_queue_action("recall")  # the panel shows the newest waiting tickets too
    settle()
    grab(win, out / SHOTS[0])

    # a dossier saved while the printer is off: the receipt waits in the print queue
    later(3)
    shell.on_scan(SAMPLE_QR)
    counter.choose_procedure("2.000635")
    settle()
    for _paper, var in counter.paper_vars:
        var.set(True)
    counter.on_save()
    tasks.pump(until=lambda: "Chưa in" in counter.receive_message.text
               or "Đã in" in counter.receive_message.text, timeout=30)
    shell.on_print_state(print_state(as_machine(ctx), check_printer=True, last=None))
    settle()
    grab(win, out / SHOTS[1])
    later(10)
    counter.on_queue_action("done")
    settle()

    # the leader's month: overdue list, queue figures, satisfaction
    sign_in("binh.pv", "matkhau-lanh-dao", "ReportsView")
    report_month(ctx, moment)
    later(120)
    reports = shell.screen
    reports.on_quick_period("this_month")
    tasks.pump(until=lambda: not reports.busy, timeout=60)
    for index, name in ((1, SHOTS[2]), (2, SHOTS[3]), (3, SHOTS[4])):
        reports.notebook.select(index)
        settle()
        grab(win, out / name)

    stop()
    shell.close()
    root.destroy()
    ctx.close()

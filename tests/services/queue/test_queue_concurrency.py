"""Counters in separate processes calling at the same instant never get the same ticket,
and kiosks issuing at once never get the same number (SQLite file and PostgreSQL)."""

import multiprocessing
import os
import time

import pytest
from appfixtures import Clock, make_ctx

from sadec_desk.bootstrap import open_context
from sadec_desk.config import load_config
from sadec_desk.services.admin import office
from sadec_desk.services.queue import board as queue_board
from sadec_desk.services.queue import setup as queue_setup
from sadec_desk.services.queue import tickets

COUNTERS = 4
TICKETS = 80


def _counter(env: dict, number: str, start, results) -> None:
    os.environ.update(env)
    ctx = open_context(load_config(), clock=Clock())  # every process: the same second
    try:
        start.wait(timeout=60)
        called = []
        while True:
            try:
                called.append(tickets.call_next(ctx, number).id)
            except tickets.QueueEmpty:
                break
            # the clerk's moment with the citizen (pacing, not waiting for anything): lets
            # the other counters' calls fall between this one's
            time.sleep(0.002)
        results.put((number, called))
    finally:
        ctx.close()


def _kiosk(env: dict, start, results) -> None:
    os.environ.update(env)
    ctx = open_context(load_config(), clock=Clock())
    try:
        start.wait(timeout=60)
        results.put([tickets.take_ticket(ctx, "C", print_ticket=False).number
                     for _ in range(TICKETS // COUNTERS)])
    finally:
        ctx.close()


def _run(target, args_for, n: int) -> list:
    env = {k: os.environ[k] for k in ("SADEC_DESK_CONFIG", "SADEC_DESK_DATA_DIR")}
    mp = multiprocessing.get_context("spawn")
    start, results = mp.Barrier(n), mp.Queue()
    procs = [mp.Process(target=target, args=(env, *args_for(i), start, results))
             for i in range(n)]
    for p in procs:
        p.start()
    out = [results.get(timeout=180) for _ in procs]
    for p in procs:
        p.join(timeout=30)
        assert p.exitcode == 0
    return out


def _calls_and_numbers(settings: dict) -> None:
    ctx = make_ctx(**settings)
    office.init_office(ctx)
    # four counters, all serving group C ("Việc khác")
    for n in (3, 4):
        queue_setup.create_counter(ctx, number=n, groups=["C"])
    for n in ("1", "2"):
        queue_setup.update_counter(ctx, n, groups=["C"])
    ctx.close()

    numbers = [num for batch in _run(_kiosk, lambda i: (), COUNTERS) for num in batch]
    assert sorted(numbers) == [f"C{n:03d}" for n in range(1, TICKETS + 1)]

    batches = _run(_counter, lambda i: (str(i + 1),), COUNTERS)
    called = [tid for _number, ids in batches for tid in ids]
    assert len(called) == len(set(called)) == TICKETS, "a ticket was called twice or lost"
    # the calls really interleaved between processes
    assert sum(1 for _number, ids in batches if ids) >= 2
    ctx = open_context(load_config(), clock=Clock())
    try:
        status = queue_board.queue_status(ctx)
        assert [g.waiting for g in status.groups] == [0, 0, 0]
    finally:
        ctx.close()


@pytest.mark.slow
def test_counters_in_processes_on_one_sqlite_file():
    _calls_and_numbers({"database__busy_timeout_ms": 30000})


@pytest.mark.slow
@pytest.mark.postgres
def test_counters_in_processes_on_postgresql(pg_database):
    _calls_and_numbers({"database__url": pg_database})

"""Several counters (processes) receiving at the same instant never share a dossier code."""

import multiprocessing
import os

import pytest
from appfixtures import AGENCY, SAMPLE_QR, Clock, make_ctx

from sadec_desk.bootstrap import open_context
from sadec_desk.config import load_config
from sadec_desk.services.reception import dossiers

WORKERS = 4
PER_WORKER = 25


def _counter(env: dict, start, results) -> None:
    os.environ.update(env)
    ctx = open_context(load_config(), clock=Clock())  # every process: the same second
    try:
        start.wait(timeout=30)
        codes = [dossiers.receive_dossier(ctx, procedure_code="1.001193", qr_text=SAMPLE_QR).code
                 for _ in range(PER_WORKER)]
        results.put(codes)
    finally:
        ctx.close()


def _receive_from_many_processes(settings: dict) -> list[str]:
    make_ctx(**settings).close()  # create and migrate once, like `sadec-desk init`
    env = {k: os.environ[k] for k in ("SADEC_DESK_CONFIG", "SADEC_DESK_DATA_DIR")}
    mp = multiprocessing.get_context("spawn")
    start, results = mp.Barrier(WORKERS), mp.Queue()
    procs = [mp.Process(target=_counter, args=(env, start, results)) for _ in range(WORKERS)]
    for p in procs:
        p.start()
    codes = [code for _ in procs for code in results.get(timeout=120)]
    for p in procs:
        p.join(timeout=30)
        assert p.exitcode == 0
    return codes


@pytest.mark.slow
def test_concurrent_sqlite_counters_get_unique_sequential_codes():
    codes = _receive_from_many_processes({"database__busy_timeout_ms": 30000})
    total = WORKERS * PER_WORKER
    assert len(set(codes)) == total
    assert sorted(codes) == [f"{AGENCY}-261126-{n:04d}" for n in range(1, total + 1)]


@pytest.mark.slow
@pytest.mark.postgres
def test_concurrent_postgresql_counters_get_unique_sequential_codes(pg_database):
    codes = _receive_from_many_processes({"database__url": pg_database})
    total = WORKERS * PER_WORKER
    assert sorted(codes) == [f"{AGENCY}-261126-{n:04d}" for n in range(1, total + 1)]

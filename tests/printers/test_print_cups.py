"""The cups: and lp: transports against a real CUPS scheduler on 127.0.0.1.

A private cupsd (tests/cupsserver.py) serves a raw queue ``Quay1`` whose device is an
AppSocket printer emulator; the bytes the emulator receives are what a receipt printer
behind CUPS would print. Every test sets ``CUPS_SERVER`` to that scheduler (or to a dead
or silent port), never touching the machine's own CUPS.

``cups:`` runs through pycups (python-escpos's CupsPrinter) when pycups is installed
(the test extra has it; building it needs gcc, libcups2-dev and the Python headers),
else through its ``lp`` fallback; both paths are tested here (the fallback by hiding
pycups). pycups has no timeout of its own: against a scheduler that never answers, only
the send's overall deadline (4 x timeout + 2 s) ends the attempt, while ``lp`` is killed
after 2 x timeout.
"""

from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest
from appfixtures import make_ctx
from cupsserver import CupsServer, cups_server  # noqa: F401 (the fixture)
from printer_emulator import PrinterEmulator, refusing_port

from sadec_desk.db.print_models import PrintJob
from sadec_desk.printers import transports as tr
from sadec_desk.services.printing import devices as printer_devices
from sadec_desk.services.printing import jobs, slips

TIMEOUT = 1  # seconds: printing.timeout_seconds in these tests
BOUND = 4 * TIMEOUT + 2  # transports.send's own deadline: nothing may take longer
# ESC @, every byte value (NUL, ESC, LF, 0xFF... must pass unchanged), feed and cut
JOB = b"\x1b@" + bytes(range(256)) * 40 + b"\x1bd\x03\x1dV\x00"

try:
    import cups as _pycups  # noqa: F401

    HAVE_PYCUPS = True
except ImportError:
    HAVE_PYCUPS = False

KINDS = [pytest.param("lp", id="lp"),
         pytest.param("cups", id="cups-pycups" if HAVE_PYCUPS else "cups-lp-fallback")]


def wait_until(predicate, timeout: float = 5.0, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.02)


@pytest.fixture
def quay1(cups_server: CupsServer, monkeypatch) -> PrinterEmulator:  # noqa: F811
    """Raw queue Quay1 on the private scheduler, printing to a fresh emulator."""
    with cups_server.raw_queue("Quay1", monkeypatch) as printer:
        yield printer


def open_ctx(clock, url):
    return make_ctx(clock, printing__printers={"quay1": url}, printing__printer="quay1",
                    printing__timeout_seconds=TIMEOUT)


def payload_of(ctx, job_id: int) -> bytes:
    job = PrintJob.get_by_id(job_id)
    _name, _conn, profile = printer_devices.resolve_printer(ctx, job.printer)
    payload, _rendered = slips.encode_job(ctx, job.kind, json.loads(job.data), profile)
    return payload


def send_failure(url: str) -> tuple[tr.PrintFailed, float]:
    started = time.monotonic()
    with pytest.raises(tr.PrintFailed) as info:
        tr.send(tr.parse_connection(url), JOB, timeout=TIMEOUT)
    return info.value, time.monotonic() - started


@pytest.mark.parametrize("kind", KINDS)
def test_the_exact_bytes_reach_the_printer_and_cups_keeps_no_job(kind, quay1, cups_server):  # noqa: F811
    message = tr.send(tr.parse_connection(f"{kind}:Quay1"), JOB, timeout=TIMEOUT)
    assert message == "Đã gửi tới máy in."
    assert quay1.wait_for_jobs(1) == [JOB]  # a raw queue changes nothing, adds nothing
    # every job CUPS got is finished: no second, empty job left waiting for a document
    wait_until(lambda: cups_server.unfinished_jobs() == [], what="CUPS to finish its jobs")
    time.sleep(0.2)  # nothing more arrives either (a stray job would connect again)
    assert len(quay1.jobs) == 1


@pytest.mark.parametrize("kind", KINDS)
def test_a_ticket_through_the_print_queue_is_printed(kind, quay1, clock):
    ctx = open_ctx(clock, f"{kind}:Quay1")
    try:
        job = jobs.print_ticket(ctx, number=12, service="Hộ tịch")
        assert job.status == "printed", job.last_error
        # lp/cups cannot read the printer's status: the job alone, no DLE EOT around it
        assert quay1.wait_for_jobs(1) == [payload_of(ctx, job.id)]
    finally:
        ctx.close()


def test_cups_without_pycups_prints_through_lp(quay1, monkeypatch):
    from escpos.printer import CupsPrinter

    monkeypatch.setattr(CupsPrinter, "is_usable", staticmethod(lambda: False))
    assert tr.send(tr.parse_connection("cups:Quay1"), JOB, timeout=TIMEOUT)
    assert quay1.wait_for_jobs(1) == [JOB]


@pytest.mark.parametrize("kind", KINDS)
def test_an_unknown_queue_is_named_with_the_queues_there_are(kind, quay1):
    error, elapsed = send_failure(f"{kind}:Quay9")
    assert elapsed < 2 * TIMEOUT + 1
    text = str(error)
    assert "Quay9" in text and "Quay1" in text  # the wrong name and the right one
    assert "hàng đợi" in text and "Traceback" not in text
    assert quay1.jobs == []


@pytest.mark.parametrize("kind", KINDS)
def test_a_queue_that_rejects_jobs_fails_with_cups_reason(kind, quay1, cups_server):  # noqa: F811
    cups_server.run("cupsreject", "-r", "paper jam", "Quay1")
    error, elapsed = send_failure(f"{kind}:Quay1")
    assert elapsed < 2 * TIMEOUT + 1
    assert "Quay1" in str(error) and "not accepting jobs" in str(error)
    assert "vẫn chờ trong hàng đợi" in str(error)
    assert quay1.jobs == []


@pytest.mark.parametrize("kind", KINDS)
def test_no_scheduler_fails_at_once_and_the_job_waits_for_a_retry(kind, monkeypatch, clock):
    dead = f"127.0.0.1:{refusing_port()}"
    monkeypatch.setenv("CUPS_SERVER", dead)
    error, elapsed = send_failure(f"{kind}:Quay1")
    assert elapsed < TIMEOUT  # connection refused: no need to wait for anything
    assert "CUPS" in str(error) and dead in str(error)
    assert error.reason == "offline"
    ctx = open_ctx(clock, f"{kind}:Quay1")
    try:
        job = jobs.print_ticket(ctx, number=3, service="Chứng thực")
        assert job.status == "failed" and job.attempts == 1
        assert job.last_error == str(error)
        assert job.next_attempt_at > clock.moment  # queued for a retry, not given up
    finally:
        ctx.close()


@pytest.mark.parametrize("kind", KINDS)
def test_a_scheduler_that_never_answers_is_given_up_in_time(kind, monkeypatch):
    with PrinterEmulator("stall") as silent:  # accepts the connection, then says nothing
        monkeypatch.setenv("CUPS_SERVER", f"127.0.0.1:{silent.port}")
        error, elapsed = send_failure(f"{kind}:Quay1")
    assert elapsed < BOUND + 0.5
    assert error.reason == "timeout"
    assert "giây" in str(error) and "vẫn chờ trong hàng đợi" in str(error)


def test_a_crashed_scheduler_loses_no_job(monkeypatch, clock):
    """cupsd killed: the job fails and waits; once CUPS is back, the retry prints it."""
    server = CupsServer().start()
    try:
        monkeypatch.setenv("CUPS_SERVER", server.address)
        with PrinterEmulator("ok") as printer:
            server.add_queue("Quay1", f"socket://127.0.0.1:{printer.port}/?snmp=false")
            ctx = open_ctx(clock, "lp:Quay1")
            try:
                server.kill()
                job = jobs.print_ticket(ctx, number=5, service="Hộ tịch")
                assert job.status == "failed" and "CUPS" in job.last_error
                assert printer.jobs == []
                server.restart()
                clock.moment = job.next_attempt_at + timedelta(seconds=1)
                done = jobs.process_queue(ctx)
                assert [(j.id, j.status) for j in done] == [(job.id, "printed")]
                assert printer.wait_for_jobs(1) == [payload_of(ctx, job.id)]
            finally:
                ctx.close()
    finally:
        server.stop()


def test_a_config_cupsd_refuses_fails_with_cupsds_own_sentence(monkeypatch):
    """The generated files are checked with ``cupsd -t`` first: a refusal (here an unknown
    group, refused by every 2.4 build) is raised with cupsd's sentence, not "(no cupsd log)",
    and leaves no temp dir behind."""
    import cupsserver

    monkeypatch.setattr(cupsserver, "CUPS_FILES_CONF",
                        cupsserver.CUPS_FILES_CONF + "SystemGroup no-such-group-sadec\n")
    server = CupsServer()
    with pytest.raises(RuntimeError) as caught:
        server.start()
    assert 'Unknown SystemGroup "no-such-group-sadec"' in str(caught.value)
    assert server.base is None

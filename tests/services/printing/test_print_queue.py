"""The print queue against network printers on 127.0.0.1, the preview printer and the CLI."""

from __future__ import annotations

import json
import os
import time
from datetime import timedelta

import pytest
from appfixtures import SAMPLE_QR, make_ctx
from PIL import Image
from printer_emulator import STATUS_ONLINE, STATUS_PAPER, PrinterEmulator, refusing_port
from slip_samples import decode_raster

from sadec_desk.cli import main
from sadec_desk.db.print_models import PrintJob
from sadec_desk.errors import InvalidInput, NotFound
from sadec_desk.printers import transports as tr
from sadec_desk.printers.encode import encode_cp1258
from sadec_desk.printers.profiles import get_profile
from sadec_desk.services.printing import devices as printer_devices
from sadec_desk.services.printing import jobs as printing
from sadec_desk.services.printing import slips
from sadec_desk.services.reception import dossiers

TIMEOUT = 1  # seconds; every network test is bounded by it


def open_ctx(clock, url, **settings):
    return make_ctx(clock, printing__printers={"quay1": url}, printing__printer="quay1",
                    printing__timeout_seconds=TIMEOUT, **settings)


def expected_stream(ctx, job_id):
    """What the printer must receive for a job: status, the whole job, status again."""
    job = PrintJob.get_by_id(job_id)
    payload, _rendered = slips.encode_job(ctx, job.kind, json.loads(job.data),
                                          get_profile("generic-80"))
    status = STATUS_ONLINE + STATUS_PAPER
    return status + payload + status


def test_a_network_printer_receives_complete_jobs(clock):
    with PrinterEmulator("ok") as printer:
        ctx = open_ctx(clock, printer.url)
        first = printing.print_ticket(ctx, number=1, service="Hộ tịch")
        second = printing.print_ticket(ctx, number=2, service="Chứng thực", priority=True)
        jobs = printer.wait_for_jobs(2)
        assert (first.status, second.status) == ("printed", "printed")
        assert jobs[0] == expected_stream(ctx, first.id)
        assert jobs[1] == expected_stream(ctx, second.id)
        # the picture inside the bytes is the ticket
        decoded = decode_raster(jobs[1])
        assert decoded.width == 576 and decoded.height > 300
        ctx.close()


@pytest.mark.parametrize("behaviour", ["stall", "refuse", "close_mid_job", "no_paper"])
def test_failing_printer_gives_a_failed_job_that_is_retried_and_never_lost(clock, behaviour):
    if behaviour == "refuse":
        port, bad = refusing_port(), None
    else:
        bad = PrinterEmulator(behaviour, close_after=2000)
        port = bad.port
    ctx = open_ctx(clock, f"tcp://127.0.0.1:{port}")
    try:
        started = time.monotonic()
        job = printing.print_ticket(ctx, number=7, service="Hộ tịch")
        elapsed = time.monotonic() - started
        assert job.status == "failed", job
        assert elapsed < 4 * TIMEOUT + 2  # bounded: never python-escpos's 60 s
        assert job.attempts == 1 and job.last_error
        reason = {"stall": "không trả lời", "refuse": "từ chối kết nối",
                  "close_mid_job": "", "no_paper": "hết giấy"}[behaviour]
        assert reason in job.last_error
        assert job.next_attempt_at > clock.moment
        # not due yet: nothing happens
        assert printing.process_queue(ctx) == []
    finally:
        if bad is not None:
            bad.stop()
    # the printer is fixed (same address); after the backoff the queue prints the job
    with PrinterEmulator("ok", port=port) as good:
        clock.moment += timedelta(seconds=11)
        done = printing.process_queue(ctx)
        assert [(j.id, j.status, j.attempts) for j in done] == [(job.id, "printed", 2)]
        jobs = good.wait_for_jobs(1)
        assert jobs[0] == expected_stream(ctx, job.id)
    assert [(j.id, j.status) for j in printing.list_jobs(ctx)] == [(job.id, "printed")]
    ctx.close()


def test_backoff_doubles_and_stops_at_max_attempts(clock):
    ctx = open_ctx(clock, f"tcp://127.0.0.1:{refusing_port()}", printing__max_attempts=3,
                   printing__retry_seconds=10)
    job = printing.print_ticket(ctx, number=3, service="Hộ tịch")
    waits = []
    for _attempt in range(2):
        info = printing.get_job(ctx, job.id)
        waits.append((info.next_attempt_at - clock.moment).total_seconds())
        clock.moment = info.next_attempt_at
        printing.process_queue(ctx)
    info = printing.get_job(ctx, job.id)
    assert info.attempts == 3 and info.status == "failed"
    assert info.next_attempt_at is None  # gave up: stays visible for a clerk
    assert 8 <= waits[0] <= 10 and 16 <= waits[1] <= 20
    clock.moment += timedelta(days=1)
    assert printing.process_queue(ctx) == []
    # the clerk can still retry it by hand
    assert printing.retry_job(ctx, job.id).attempts == 4
    ctx.close()


def test_a_job_left_printing_by_a_crash_is_taken_back_and_printed(clock):
    ctx = make_ctx(clock)
    job = printing.print_ticket(ctx, number=9, service="Hộ tịch", attempt=False)
    assert job.status == "queued"
    # a process claimed it and died before finishing
    assert printing._claim(ctx, job.id, "dead-process")
    assert printing.process_queue(ctx) == []  # still inside the grace period
    clock.moment += timedelta(minutes=5)
    done = printing.process_queue(ctx)
    assert [(j.id, j.status) for j in done] == [(job.id, "printed")]
    ctx.close()


def test_only_one_claim_wins(clock):
    ctx = make_ctx(clock)
    job = printing.print_ticket(ctx, number=4, service="Hộ tịch", attempt=False)
    assert printing._claim(ctx, job.id, "a")
    assert not printing._claim(ctx, job.id, "b")
    ctx.close()


def test_preview_printer_writes_png_and_bytes_and_reprints(clock):
    ctx = make_ctx(clock)
    info = dossiers.receive_dossier(ctx, procedure_code="2.000815", qr_text=SAMPLE_QR,
                                    pages=2, copies=1)
    job = printing.print_receipt(ctx, info.code)
    assert job.status == "printed" and "print-preview" in job.message
    folder = ctx.config.data_dir / "print-preview"
    pngs = sorted(folder.glob("*.png"))
    bins = sorted(folder.glob("*.bin"))
    assert len(pngs) == len(bins) == 1
    image = Image.open(pngs[0])
    assert image.width == 576
    assert decode_raster(bins[0].read_bytes()).size == image.size
    again = printing.retry_job(ctx, job.id)  # a printed job: reprint as a new job
    assert again.id != job.id and again.reprint_of == job.id and again.status == "printed"
    assert len(list(folder.glob("*.png"))) == 2
    ctx.close()


def test_receipt_masks_the_id_and_adds_vietqr_only_when_configured(clock):
    ctx = make_ctx(clock)
    info = dossiers.receive_dossier(ctx, procedure_code="2.000815", qr_text=SAMPLE_QR,
                                    pages=2, copies=1)
    data = slips.receipt_data(ctx, info)
    assert data["id_masked"] == "********1829"
    assert "034303011829" not in json.dumps(data)
    assert data["vietqr"] == ""
    ctx.close()
    ctx = make_ctx(clock, payment__bank_bin="970415", payment__account="0011001932418")
    data = slips.receipt_data(ctx, dossiers.get_dossier(ctx, info.code))
    from sadec_desk.domain.vietqr import parse_vietqr

    parsed = parse_vietqr(data["vietqr"])
    assert (parsed.amount_vnd, parsed.purpose) == (info.fee_vnd, info.code)
    ctx.close()


def test_text_mode_sends_cp1258_text_and_refuses_a_printer_without_the_page(clock):
    ctx = make_ctx(clock, printing__mode="text")
    job = printing.print_ticket(ctx, number=5, service="Hộ tịch")
    assert job.status == "printed"
    payload = next((ctx.config.data_dir / "print-preview").glob("*.bin")).read_bytes()
    assert b"\x1bt\x34" in payload  # ESC t 52: CP1258
    assert encode_cp1258("Số người chờ trước bạn") in payload
    ctx.close()
    ctx = make_ctx(clock, printing__mode="text", printing__text_encoding="cp1258",
                   printing__profile="XP-80")
    job = printing.print_ticket(ctx, number=6, service="Hộ tịch")
    assert job.status == "failed" and "CP1258" in job.last_error
    ctx.close()


def test_unknown_printer_and_job_are_clear_errors(clock):
    ctx = make_ctx(clock)
    with pytest.raises(NotFound, match="Không có máy in 'quay9'"):
        printing.print_ticket(ctx, number=1, service="Hộ tịch", printer="quay9")
    with pytest.raises(NotFound, match="Không có lệnh in số 999"):
        printing.retry_job(ctx, 999)
    with pytest.raises(InvalidInput):
        printing.print_ticket(ctx, number=" ", service="Hộ tịch")
    ctx.close()


def test_connection_strings_parse_and_bad_ones_explain_the_format():
    assert tr.parse_connection("tcp://10.0.0.5").options["port"] == "9100"
    assert tr.parse_connection("tcp://10.0.0.5:9101").options["port"] == "9101"
    usb = tr.parse_connection("usb://04b8:0202?out_ep=0x01")
    assert (usb.target, usb.options) == ("04b8:0202", {"out_ep": "0x01"})
    serial = tr.parse_connection("serial:///dev/ttyUSB0?baudrate=115200")
    assert (serial.target, serial.options["baudrate"]) == ("/dev/ttyUSB0", "115200")
    assert tr.parse_connection("serial://COM3").target == "COM3"
    assert tr.parse_connection("win32:EPSON TM-T82 Receipt").target == "EPSON TM-T82 Receipt"
    assert tr.parse_connection("file:///dev/usb/lp0").target == "/dev/usb/lp0"
    assert tr.parse_connection("preview:").kind == "preview"
    for bad in ("", "192.168.1.5", "tcp://", "usb://xyz", "ftp://a"):
        with pytest.raises(InvalidInput, match="không hợp lệ"):
            tr.parse_connection(bad)


def test_status_is_read_with_a_short_timeout(clock):
    with PrinterEmulator("ok") as printer:
        ctx = open_ctx(clock, printer.url)
        status = printer_devices.printer_status(ctx)
        assert (status.reachable, status.online, status.paper) == (True, True, "ok")
        ctx.close()
    with PrinterEmulator("stall") as printer:
        ctx = open_ctx(clock, printer.url)
        started = time.monotonic()
        status = printer_devices.printer_status(ctx)
        assert not status.reachable and "không trả lời" in status.message
        assert time.monotonic() - started < 3 * TIMEOUT + 1
        ctx.close()


@pytest.mark.slow
@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs a FIFO")
def test_a_hanging_device_file_fails_within_the_deadline(clock, tmp_path):
    fifo = tmp_path / "lp0"
    os.mkfifo(fifo)  # opening it for writing blocks until a reader comes: a hung driver
    ctx = open_ctx(clock, f"file://{fifo}")
    started = time.monotonic()
    job = printing.print_ticket(ctx, number=1, service="Hộ tịch")
    assert job.status == "failed" and "không phản hồi" in job.last_error
    assert time.monotonic() - started < 4 * TIMEOUT + 3
    # release the abandoned worker thread
    fd = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    os.close(fd)
    ctx.close()


# --- CLI ------------------------------------------------------------------------------


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_preview_print_queue_and_retry(capsys, tmp_path):
    code, out, err = run(capsys, "init", "--agency-code", "000.00.14.H20",
                         "--office-name", "UBND xã Tân Khánh Đông")
    assert code == 0, err
    code, out, err = run(capsys, "dossier", "receive", "--procedure", "1.004873", "--qr",
                         SAMPLE_QR, "--json")
    assert code == 0, err
    dossier_code = json.loads(out)["code"]
    for argv in (["ticket", "--number", "12", "--service", "Hộ tịch"],
                 ["receipt", dossier_code], ["return-slip", dossier_code]):
        out_png = tmp_path / f"{argv[0]}.png"
        code, out, err = run(capsys, "print", "preview", *argv, "--out", str(out_png))
        assert code == 0, err
        assert Image.open(out_png).width == 576
    code, out, err = run(capsys, "print", "preview", "ticket", "--number", "1", "--service",
                         "Hộ tịch", "--profile", "generic-58", "--out", str(tmp_path / "s.png"))
    assert code == 0 and Image.open(tmp_path / "s.png").width == 384
    code, out, err = run(capsys, "print", "ticket", "--number", "12", "--service", "Hộ tịch")
    assert code == 0, err
    code, out, err = run(capsys, "print", "receipt", dossier_code)
    assert code == 0 and "Đã in" in out
    code, out, err = run(capsys, "printer", "test")
    assert code == 0, err
    code, out, err = run(capsys, "print", "queue", "--json")
    jobs = json.loads(out)
    assert [j["kind"] for j in jobs] == ["test_page", "receipt", "ticket"]
    assert all(j["status"] == "printed" for j in jobs)
    code, out, err = run(capsys, "print", "retry", str(jobs[-1]["id"]), "--json")
    assert code == 0 and json.loads(out)["reprint_of"] == jobs[-1]["id"]
    code, out, err = run(capsys, "printer", "list-profiles", "--json")
    assert {"generic-80", "generic-58", "TM-T82", "TM-T88", "XP-80"} <= {
        p["name"] for p in json.loads(out)}


def test_cli_reports_a_dead_printer_with_exit_2_and_keeps_the_job(capsys):
    port = refusing_port()
    run(capsys, "config", "set", "printing.printers", f'{{quay1 = "tcp://127.0.0.1:{port}"}}')
    run(capsys, "config", "set", "printing.timeout_seconds", "1")
    code, out, err = run(capsys, "print", "ticket", "--number", "3", "--service", "Hộ tịch",
                         "--printer", "quay1")
    assert code == 2
    assert "từ chối kết nối" in err and "sadec-desk print retry" in err
    code, out, err = run(capsys, "print", "queue", "--status", "failed", "--json")
    assert [j["title"] for j in json.loads(out)] == ["Số 3"]
    code, out, err = run(capsys, "print", "ticket", "--number", "3", "--service", "Hộ tịch",
                         "--printer", "nope")
    assert code == 2 and "Không có máy in 'nope'" in err


def test_receipt_says_why_the_appointment_counts_from_the_next_day(clock):
    from appfixtures import vn

    ctx = make_ctx(clock)
    clock.moment = vn(2026, 11, 26, 16, 30)  # a receipt is never dated in the future
    late = dossiers.receive_dossier(ctx, procedure_code="1.004873", qr_text=SAMPLE_QR,
                                    received_at=vn(2026, 11, 26, 16, 0))
    assert "thời hạn tính từ" in slips.receipt_data(ctx, late)["due_note"]
    early = dossiers.receive_dossier(ctx, procedure_code="1.004873", qr_text=SAMPLE_QR,
                                     received_at=vn(2026, 11, 26, 9, 0))
    assert slips.receipt_data(ctx, early)["due_note"] == ""
    ctx.close()


@pytest.mark.postgres
def test_the_queue_works_on_a_shared_postgresql_database(clock, pg_database):
    ctx = make_ctx(clock, database__url=pg_database)
    job = printing.print_ticket(ctx, number=1, service="Hộ tịch", attempt=False)
    assert printing._claim(ctx, job.id, "counter-a")
    assert not printing._claim(ctx, job.id, "counter-b")
    clock.moment += timedelta(minutes=5)
    assert [j.status for j in printing.process_queue(ctx)] == ["printed"]
    ctx.close()


def test_enqueue_print_joins_the_callers_transaction_and_prints_later(clock):
    ctx = make_ctx(clock)
    info = dossiers.receive_dossier(ctx, procedure_code="1.001193", qr_text=SAMPLE_QR)
    ticket = {"office_name": "UBND xã Tân Khánh Đông", "number": "A012",
              "service_name": "Hộ tịch", "issued_at": clock().isoformat(),
              "waiting_ahead": 3, "priority": True}
    with pytest.raises(RuntimeError):
        with ctx.database.atomic():
            printing.enqueue_print(ctx, "ticket", ticket)
            raise RuntimeError("crash before the ticket's transaction commits")
    assert PrintJob.select().count() == 0  # rolled back with the caller

    with ctx.database.atomic():
        queued = printing.enqueue_print(ctx, "ticket", ticket)
        receipt = printing.enqueue_print(ctx, "receipt", {"dossier": info.code})
    assert queued.status == receipt.status == "queued"
    assert json.loads(PrintJob.get_by_id(queued.id).data)["office_name"] == ticket["office_name"]
    done = {job.id: job.status for job in printing.process_queue(ctx)}
    assert done == {queued.id: "printed", receipt.id: "printed"}
    with pytest.raises(ValueError):
        printing.enqueue_print(ctx, "poster", {})
    ctx.close()


def test_each_pc_retries_only_its_own_jobs(clock):
    """Several PCs on one database (issue #17 item 2): a kiosk's ticket that failed on the
    kiosk's printer is retried by the kiosk, never by a counter's worker on the counter's
    printer of the same name."""
    kiosk = open_ctx(clock, f"tcp://127.0.0.1:{refusing_port()}", station__name="ki-ot")
    job = printing.print_ticket(kiosk, number=4, service="Hộ tịch")
    assert job.status == "failed"
    assert PrintJob.get_by_id(job.id).station == "ki-ot"
    kiosk.close()
    with PrinterEmulator("ok") as counter_printer:
        counter = open_ctx(clock, counter_printer.url, station__name="quay-1")
        try:
            clock.moment += timedelta(minutes=11)
            assert printing.process_queue(counter) == []
            assert counter_printer.jobs == []
            # a job queued before jobs named their PC (schema step 8) is anybody's
            PrintJob.update(station="").where(PrintJob.id == job.id).execute()
            assert [j.id for j in printing.process_queue(counter)] == [job.id]
            assert len(counter_printer.wait_for_jobs(1)) == 1
        finally:
            counter.close()

"""Transports other than TCP: serial (on a pseudo-terminal), USB and LP without a device."""

from __future__ import annotations

import os
import threading
import time

import pytest
from printer_emulator import ONLINE_OK, PAPER_OK, STATUS_ONLINE, STATUS_PAPER

from sadec_desk.printers import transports as tr


class SerialPrinter:
    """The printer end of a pseudo-terminal: reads the job, answers DLE EOT."""

    def __init__(self):
        self.master, slave = os.openpty()
        self.path = os.ttyname(slave)
        self._slave = slave
        self.received = bytearray()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        import select

        while not self._stop.is_set():
            ready, _w, _x = select.select([self.master], [], [], 0.05)
            if not ready:
                continue
            try:
                chunk = os.read(self.master, 65536)
            except OSError:
                return
            self.received += chunk
            if self.received.endswith(STATUS_ONLINE):
                os.write(self.master, ONLINE_OK)
            elif self.received.endswith(STATUS_PAPER):
                os.write(self.master, PAPER_OK)

    def stop(self):
        self._stop.set()
        self._thread.join(2)
        os.close(self.master)
        os.close(self._slave)


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pseudo-terminal")
def test_serial_printer_gets_the_job_and_answers_status():
    pytest.importorskip("serial")
    printer = SerialPrinter()
    try:
        # raw mode on the printer side so that bytes pass unchanged (no CR/LF mapping)
        import tty

        tty.setraw(printer._slave)
        conn = tr.parse_connection(f"serial://{printer.path}?baudrate=115200")
        job = bytes(range(256)) * 20
        message = tr.send(conn, job, timeout=1, status_check=True)
        assert "Đã gửi" in message
        deadline = time.monotonic() + 5
        expected = STATUS_ONLINE + STATUS_PAPER + job + STATUS_ONLINE + STATUS_PAPER
        while len(printer.received) < len(expected) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert bytes(printer.received) == expected
        status = tr.read_status(conn, timeout=1)
        assert (status.online, status.paper) == (True, "ok")
    finally:
        printer.stop()


def test_a_missing_serial_port_fails_at_once_with_a_sentence():
    conn = tr.parse_connection("serial:///dev/does-not-exist?baudrate=9600")
    with pytest.raises(tr.PrintFailed, match="Không mở được máy in"):
        tr.send(conn, b"x", timeout=1)


def test_an_unplugged_usb_printer_fails_with_a_sentence():
    pytest.importorskip("usb")
    conn = tr.parse_connection("usb://04b8:0e15")
    started = time.monotonic()
    with pytest.raises(tr.PrintFailed) as info:
        tr.send(conn, b"x", timeout=1)
    assert time.monotonic() - started < 6
    assert "máy in" in str(info.value)


def test_lp_without_cups_client_says_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # no lp here, installed or not
    with pytest.raises(tr.PrintFailed, match="cups-client"):
        tr.send(tr.parse_connection("lp:Quay1"), b"x", timeout=1)

"""USB printers: tested with a stand-in for pyusb's device lookup.

A USB receipt printer cannot be attached to this machine, so these tests replace exactly
that — pyusb's device lookup — and drive everything else for real: our connection
parsing, python-escpos's printer classes, status reads and the job bytes. The Windows
spooler's stand-in is in test_print_win32.py.
"""

from __future__ import annotations

import types

import pytest
from printer_emulator import STATUS_ONLINE, STATUS_PAPER

from sadec_desk.printers import transports as tr

JOB = b"\x1b@" + "Số A012 — Hộ tịch".encode() + b"\n\x1dV\x00"
ONLINE_OK, PAPER_OK, PAPER_OUT = 0x12, 0x12, 0x7E  # DLE EOT answers (fixed bits set)


class _Backend:
    """A pyusb backend that is not libusb1 (its module name is this test's)."""


class FakeUsbDevice:
    """What pyusb's usb.core.find returns for a receipt printer, with a status answer."""

    def __init__(self, paper: int = PAPER_OK):
        # not libusb1: python-escpos skips the kernel-driver dance
        self.backend = _Backend()
        # what pyusb's usb.util.dispose_resources() calls when the printer is closed
        self._ctx = types.SimpleNamespace(dispose=lambda device: None)
        self.written = bytearray()
        self.pending: list[int] = []
        self.paper = paper
        self.configured = False

    def set_configuration(self):
        self.configured = True

    def reset(self):
        pass

    def write(self, endpoint, data, timeout):
        assert endpoint == 0x01 and timeout > 0
        data = bytes(data)
        if data == STATUS_ONLINE:
            self.pending.append(ONLINE_OK)
        elif data == STATUS_PAPER:
            self.pending.append(self.paper)
        else:
            self.written += data
        return len(data)

    def read(self, endpoint, size, timeout=None):
        assert endpoint == 0x82
        return bytes([self.pending.pop(0)]) if self.pending else b""


@pytest.fixture
def usb_device(monkeypatch):
    import usb.core

    device = FakeUsbDevice()
    found = []

    def find(idVendor=None, idProduct=None, **kwargs):  # noqa: N803 - pyusb's names
        found.append((idVendor, idProduct))
        return device if (idVendor, idProduct) == (0x04B8, 0x0202) else None

    monkeypatch.setattr(usb.core, "find", find)
    device.found = found
    return device


def test_usb_printer_gets_the_whole_job_after_a_status_check(usb_device):
    message = tr.send(tr.parse_connection("usb://04b8:0202"), JOB, timeout=1)
    assert bytes(usb_device.written) == JOB
    assert usb_device.configured and usb_device.found == [(0x04B8, 0x0202)]
    assert "Đã gửi" in message


def test_usb_printer_out_of_paper_keeps_the_job(usb_device):
    usb_device.paper = PAPER_OUT
    with pytest.raises(tr.PrintFailed, match="hết giấy") as failure:
        tr.send(tr.parse_connection("usb://04b8:0202"), JOB, timeout=1)
    assert failure.value.reason == "no_paper"
    assert bytes(usb_device.written) == b""  # nothing half-printed


def test_usb_printer_not_plugged_in_is_a_sentence(usb_device):
    with pytest.raises(tr.PrintFailed) as failure:
        tr.send(tr.parse_connection("usb://04b8:0e15"), JOB, timeout=1)
    assert "Traceback" not in str(failure.value) and "máy in" in str(failure.value).lower()

"""USB and Win32Raw printers: the only transports tested with stand-ins.

A USB receipt printer cannot be attached to this machine and the Windows spooler does
not exist on Linux, so these tests replace exactly those two things — pyusb's device
lookup and the ``win32print`` module — and drive everything else for real: our
connection parsing, python-escpos's printer classes, status reads and the job bytes.
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


class FakeWin32Print(types.ModuleType):
    """The part of pywin32's win32print that python-escpos's Win32Raw calls."""

    PRINTER_ENUM_NAME = 8

    def __init__(self, printers):
        super().__init__("win32print")
        self.printers = printers
        self.calls: list[tuple] = []
        self.data = bytearray()

    def EnumPrinters(self, flags, name, level):  # noqa: N802 - pywin32's names
        return [{"pPrinterName": p} for p in self.printers]

    def GetDefaultPrinter(self):  # noqa: N802
        return self.printers[0]

    def OpenPrinter(self, name):  # noqa: N802
        self.calls.append(("open", name))
        return f"handle:{name}"

    def StartDocPrinter(self, handle, level, info):  # noqa: N802
        self.calls.append(("doc", handle, info[2]))
        return 1

    def StartPagePrinter(self, handle):  # noqa: N802
        self.calls.append(("page", handle))

    def WritePrinter(self, handle, data):  # noqa: N802
        self.data += data
        return len(data)

    def EndPagePrinter(self, handle):  # noqa: N802
        self.calls.append(("endpage", handle))

    def EndDocPrinter(self, handle):  # noqa: N802
        self.calls.append(("enddoc", handle))

    def ClosePrinter(self, handle):  # noqa: N802
        self.calls.append(("close", handle))


@pytest.fixture
def win32print(monkeypatch):
    from escpos.printer import win32raw

    fake = FakeWin32Print(["EPSON TM-T82 Receipt", "Microsoft Print to PDF"])
    pywintypes = types.ModuleType("pywintypes")
    pywintypes.error = type("error", (Exception,), {})
    monkeypatch.setattr(win32raw, "win32print", fake, raising=False)
    monkeypatch.setattr(win32raw, "pywintypes", pywintypes, raising=False)
    monkeypatch.setattr(win32raw, "_DEP_WIN32PRINT", True)
    return fake


def test_win32raw_sends_a_raw_document_to_the_named_spooler_queue(win32print):
    tr.send(tr.parse_connection("win32:EPSON TM-T82 Receipt"), JOB, timeout=1)
    assert bytes(win32print.data) == JOB
    handle = "handle:EPSON TM-T82 Receipt"
    assert ("doc", handle, "RAW") in win32print.calls  # raw: the spooler adds nothing
    assert win32print.calls[-1] == ("close", handle)


def test_win32raw_unknown_printer_is_a_sentence(win32print):
    with pytest.raises(tr.PrintFailed) as failure:
        tr.send(tr.parse_connection("win32:Không có"), JOB, timeout=1)
    assert "Traceback" not in str(failure.value)
    assert bytes(win32print.data) == b""

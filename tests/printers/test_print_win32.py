"""``win32:`` printers through the Windows spooler, with a stand-in for pywin32.

The spooler does not exist on Linux, so ``win32print`` is replaced by a fake that records
the calls and can fail where the real one fails; everything else (connection parsing,
the send path with its deadline, the sentences) runs for real. Issue #19 item 5: every
failure is a Vietnamese sentence, and a job the spooler did not take is never counted
as printed.
"""

from __future__ import annotations

import subprocess
import sys
import types

import pytest

from sadec_desk.printers import transports as tr
from sadec_desk.printers import win32

JOB = b"\x1b@" + "Số A012 — Hộ tịch".encode() + b"\n\x1dV\x00"
NAME = "EPSON TM-T82 Receipt"


class SpoolerError(Exception):
    """pywintypes.error: (winerror, funcname, strerror)."""


class FakeWin32Print(types.ModuleType):
    PRINTER_ENUM_LOCAL = 2
    PRINTER_ENUM_CONNECTIONS = 4

    def __init__(self, printers):
        super().__init__("win32print")
        self.printers = printers
        self.calls: list[tuple] = []
        self.data = bytearray()
        self.state = {"Status": 0, "Attributes": 0}
        self.fail: dict[str, Exception] = {}
        self.short_write = False

    def _maybe_fail(self, call):
        if call in self.fail:
            raise self.fail[call]

    def EnumPrinters(self, flags, name, level):  # noqa: N802 - pywin32's names
        self._maybe_fail("enum")
        return [{"pPrinterName": p} for p in self.printers]

    def OpenPrinter(self, name):  # noqa: N802
        self.calls.append(("open", name))
        if name not in self.printers:
            raise SpoolerError(1801, "OpenPrinter", "The printer name is invalid.")
        return f"handle:{name}"

    def GetPrinter(self, handle, level):  # noqa: N802
        return dict(self.state, pPrinterName=handle)

    def StartDocPrinter(self, handle, level, info):  # noqa: N802
        self.calls.append(("doc", handle, info[2]))
        self._maybe_fail("doc")
        return 7

    def StartPagePrinter(self, handle):  # noqa: N802
        self.calls.append(("page", handle))

    def WritePrinter(self, handle, data):  # noqa: N802
        self._maybe_fail("write")
        taken = data[: len(data) // 2] if self.short_write else data
        self.data += taken
        return len(taken)

    def EndPagePrinter(self, handle):  # noqa: N802
        self.calls.append(("endpage", handle))

    def EndDocPrinter(self, handle):  # noqa: N802
        self.calls.append(("enddoc", handle))
        self._maybe_fail("enddoc")

    def AbortPrinter(self, handle):  # noqa: N802
        self.calls.append(("abort", handle))

    def ClosePrinter(self, handle):  # noqa: N802
        self.calls.append(("close", handle))


@pytest.fixture
def spooler(monkeypatch):
    fake = FakeWin32Print([NAME, "Microsoft Print to PDF"])
    monkeypatch.setitem(sys.modules, "win32print", fake)
    return fake


def send(name: str = NAME) -> str:
    return tr.send(tr.parse_connection(f"win32:{name}"), JOB, timeout=1)


def test_raw_document_reaches_the_named_queue_and_is_ended(spooler):
    said = send()
    assert bytes(spooler.data) == JOB
    handle = f"handle:{NAME}"
    assert ("doc", handle, "RAW") in spooler.calls  # raw: the spooler adds nothing
    assert spooler.calls[-3:] == [("endpage", handle), ("enddoc", handle), ("close", handle)]
    assert "Windows" in said and NAME in said  # says what is known: the spooler took it


def test_unknown_printer_names_the_ones_windows_has(spooler):
    with pytest.raises(tr.PrintFailed) as failure:
        send("Không có")
    message = str(failure.value)
    assert "Không có" in message and NAME in message and "Microsoft Print to PDF" in message
    assert bytes(spooler.data) == b""


def test_end_of_document_refused_fails_the_job(spooler):
    """EndDocPrinter hands the job over; when it fails the job was not printed."""
    spooler.fail["enddoc"] = SpoolerError(6, "EndDocPrinter", "The handle is invalid.")
    with pytest.raises(tr.PrintFailed) as failure:
        send()
    assert failure.value.reason == "closed"
    assert "The handle is invalid." in str(failure.value)
    assert ("close", f"handle:{NAME}") in spooler.calls  # the printer is still released


def test_half_written_job_fails_and_is_cancelled(spooler):
    spooler.short_write = True
    with pytest.raises(tr.PrintFailed) as failure:
        send()
    assert "byte" in str(failure.value)
    handle = f"handle:{NAME}"
    assert ("abort", handle) in spooler.calls and ("enddoc", handle) not in spooler.calls


@pytest.mark.parametrize(("status", "attributes", "reason", "words"), [
    (0x80, 0, "offline", "ngoại tuyến"),
    (0x1, 0, "offline", "tạm dừng"),
    (0x10, 0, "no_paper", "hết giấy"),
    (0x8, 0, "error", "kẹt giấy"),
    (0, 0x400, "offline", "Use Printer Offline"),
])
def test_printer_windows_knows_is_unable_refuses_the_job(spooler, status, attributes, reason,
                                                         words):
    spooler.state = {"Status": status, "Attributes": attributes}
    with pytest.raises(tr.PrintFailed) as failure:
        send()
    assert failure.value.reason == reason and words in str(failure.value)
    assert not any(call[0] == "doc" for call in spooler.calls)  # nothing queued in Windows


def test_spooler_refusing_the_document_is_a_sentence(spooler):
    spooler.fail["doc"] = SpoolerError(1722, "StartDocPrinter", "The RPC server is unavailable.")
    with pytest.raises(tr.PrintFailed) as failure:
        send()
    assert failure.value.reason == "refused" and "RPC" in str(failure.value)


def test_spooler_printers_for_the_picker(spooler):
    assert win32.spooler_printers() == [NAME, "Microsoft Print to PDF"]
    spooler.fail["enum"] = SpoolerError(1722, "EnumPrinters", "The RPC server is unavailable.")
    with pytest.raises(win32.UserError) as failure:
        win32.spooler_printers()
    assert "Print Spooler" in str(failure.value)


def test_without_pywin32_every_path_is_a_sentence(monkeypatch):
    monkeypatch.setitem(sys.modules, "win32print", None)  # import fails as without pywin32
    assert not win32.is_usable()
    with pytest.raises(tr.PrintFailed) as failure:
        send()
    assert failure.value.reason == "driver" and "pywin32" in str(failure.value)
    with pytest.raises(win32.UserError, match="pywin32"):
        win32.spooler_printers()


def test_test_page_command_without_pywin32_is_exit_2(tmp_path):
    """The command a person runs: a sentence and exit 2, never exit 70 (issue #19)."""
    env = {"SADEC_DESK_DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin",
           "SADEC_DESK_CONFIG": str(tmp_path / "config.toml")}
    (tmp_path / "config.toml").write_text(
        '[printing]\nprinter = "quay"\nprinters = { quay = "win32:EPSON TM-T82" }\n',
        encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "sadec_desk", "printer", "test"], capture_output=True,
        text=True, env=env, timeout=120, check=False)
    assert done.returncode == 2, done.stderr
    assert "pywin32" in done.stderr and "Traceback" not in done.stderr + done.stdout

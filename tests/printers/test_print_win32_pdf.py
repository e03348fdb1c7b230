"""The office forms (A5 PDFs) on a *named* Windows printer through GDI (issue #19 item 5).

pywin32's ``win32print`` and ``win32ui`` are replaced by stand-ins that record what a
printer device context is asked to do; the PDF is a real one and pypdfium2 renders it for
real, so the pages, their order and their fit on the printable area are checked.
"""

from __future__ import annotations

import sys
import types
from pathlib import Path

import pytest
from reportlab.lib.pagesizes import A5
from reportlab.pdfgen import canvas

from sadec_desk.printers import win32
from sadec_desk.services.documents import office_forms

OFFICE = "HP LaserJet M404 (Phòng một cửa)"


class FakeDC:
    def __init__(self, log: list, fail: str = ""):
        self.log, self.fail = log, fail

    def _call(self, name, *args):
        self.log.append((name, *args))
        if name == self.fail:
            raise RuntimeError(f"{name} failed: the printer is not responding")

    def CreatePrinterDC(self, name):  # noqa: N802 - pywin32's names
        self._call("CreatePrinterDC", name)

    def GetDeviceCaps(self, index):  # noqa: N802
        # an A5 printable area at 600 dpi (HORZRES, VERTRES, LOGPIXELSX, LOGPIXELSY)
        return {8: 3300, 10: 4720, 88: 600, 90: 600}[index]

    def StartDoc(self, name):  # noqa: N802
        self._call("StartDoc", name)

    def StartPage(self):  # noqa: N802
        self._call("StartPage")

    def EndPage(self):  # noqa: N802
        self._call("EndPage")

    def EndDoc(self):  # noqa: N802
        self._call("EndDoc")

    def AbortDoc(self):  # noqa: N802
        self._call("AbortDoc")

    def DeleteDC(self):  # noqa: N802
        self._call("DeleteDC")

    def GetHandleOutput(self):  # noqa: N802
        return 0x1234


@pytest.fixture
def windows(monkeypatch):
    state = types.SimpleNamespace(log=[], drawn=[], fail="")
    spooler = types.ModuleType("win32print")
    spooler.PRINTER_ENUM_LOCAL, spooler.PRINTER_ENUM_CONNECTIONS = 2, 4
    spooler.EnumPrinters = lambda flags, name, level: [
        {"pPrinterName": OFFICE}, {"pPrinterName": "Microsoft Print to PDF"}]
    ui = types.ModuleType("win32ui")
    ui.CreateDC = lambda: FakeDC(state.log, state.fail)
    monkeypatch.setitem(sys.modules, "win32print", spooler)
    monkeypatch.setitem(sys.modules, "win32ui", ui)
    monkeypatch.setattr(win32, "draw_on_dc", lambda handle, image, rect: state.drawn.append(
        (handle, image.size, rect)))
    return state


@pytest.fixture
def form_pdf(tmp_path: Path) -> Path:
    path = tmp_path / "000.00.14.H20-261202-0001.mau02.pdf"
    pdf = canvas.Canvas(str(path), pagesize=A5)
    for number in (1, 2):
        pdf.drawString(40, 500, f"Mẫu 02 — trang {number}")
        pdf.showPage()
    pdf.save()
    return path


def test_every_page_goes_to_the_named_printer(windows, form_pdf):
    assert win32.print_pdf(str(form_pdf), OFFICE, document="mau02") == 2
    names = [entry[0] for entry in windows.log]
    assert windows.log[0] == ("CreatePrinterDC", OFFICE)  # that printer, not the default
    assert names == ["CreatePrinterDC", "StartDoc", "StartPage", "EndPage", "StartPage",
                     "EndPage", "EndDoc", "DeleteDC"]
    for handle, size, (left, top, right, bottom) in windows.drawn:
        assert handle == 0x1234
        # rendered at 300 dpi: an A5 page is 1748 x 2480 pixels
        assert abs(size[0] - 1748) <= 2 and abs(size[1] - 2480) <= 2
        # fitted inside the printable area, its shape kept
        assert 0 <= left and 0 <= top and right <= 3300 and bottom <= 4720
        assert abs((right - left) / (bottom - top) - size[0] / size[1]) < 0.01


def test_printer_name_is_matched_without_case(windows, form_pdf):
    assert win32.print_pdf(str(form_pdf), OFFICE.upper()) == 2


def test_unknown_printer_names_the_ones_there_are(windows, form_pdf):
    with pytest.raises(win32.UserError) as failure:
        win32.print_pdf(str(form_pdf), "Máy in tầng 2")
    assert OFFICE in str(failure.value) and "printing.office_printer" in str(failure.value)
    assert windows.log == []


def test_a_failing_page_cancels_the_document(windows, form_pdf):
    windows.fail = "EndPage"
    with pytest.raises(win32.UserError) as failure:
        win32.print_pdf(str(form_pdf), OFFICE)
    assert "not responding" in str(failure.value)
    names = [entry[0] for entry in windows.log]
    assert "EndDoc" not in names and names[-2:] == ["AbortDoc", "DeleteDC"]


def test_not_a_pdf_is_a_sentence(windows, tmp_path):
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(b"not a pdf")
    with pytest.raises(win32.UserError, match="PDF"):
        win32.print_pdf(str(bad), OFFICE)


def test_without_pywin32_or_pypdfium2_a_sentence(monkeypatch, windows, form_pdf):
    monkeypatch.setitem(sys.modules, "pypdfium2", None)
    with pytest.raises(win32.UserError, match="pypdfium2"):
        win32.print_pdf(str(form_pdf), OFFICE)
    monkeypatch.setitem(sys.modules, "win32ui", None)
    with pytest.raises(win32.UserError, match="pywin32"):
        win32.print_pdf(str(form_pdf), OFFICE)


def test_office_forms_send_pdf_on_windows_uses_it(monkeypatch, windows, form_pdf):
    monkeypatch.setattr(office_forms.sys, "platform", "win32")
    assert office_forms.send_pdf(str(form_pdf), OFFICE, seconds=5) == ""
    assert ("CreatePrinterDC", OFFICE) in windows.log
    with pytest.raises(office_forms.OfficePrintFailed) as failure:
        office_forms.send_pdf(str(form_pdf), "Không có", seconds=5)
    assert "Không có" in str(failure.value)


def test_fit_keeps_the_shape_and_centres():
    assert win32.fit((100, 200), (1000, 1000)) == (250, 0, 750, 1000)
    assert win32.fit((200, 100), (1000, 1000)) == (0, 250, 1000, 750)

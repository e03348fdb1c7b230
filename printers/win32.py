"""``win32:PRINTER NAME``: raw ESC/POS bytes through the Windows print spooler (pywin32).

python-escpos' ``Win32Raw`` raises a bare RuntimeError when pywin32 is missing (before any
check could say so) and only logs the errors of ``EndDocPrinter``, the call that hands the
finished job to the spooler, so a job the spooler never took counted as printed. This
transport does the same calls itself and turns every failure into a :class:`PrintFailed`
sentence:

- without pywin32: :func:`is_usable` is False and the caller says which library is
  missing;
- before the job, the printer's spooler state is read (``GetPrinter`` level 2): a
  printer Windows knows to be offline, paused, out of paper, jammed or in error refuses
  the job, which stays in the app's queue;
- ``WritePrinter`` must take every byte, and ``EndPagePrinter``/``EndDocPrinter`` must
  succeed (:meth:`Win32Spooler.flush`): otherwise the job failed and will be sent again.

Success still means "the spooler took the job": Windows does not tell a raw job's fate on
the paper.

:func:`print_pdf` prints the office forms (A5/A4 PDFs) on the *named* office printer: each
page rendered with pypdfium2 and drawn through GDI (win32ui), so neither a PDF viewer nor
the default printer is involved.

Tested here with stand-ins for pywin32's ``win32print`` and ``win32ui`` (no Windows
machine); the PDF rendering is real.
"""

from __future__ import annotations

import logging
from typing import Any

from sadec_desk.errors import UserError
from sadec_desk.i18n import _
from sadec_desk.printers.failures import PrintFailed

log = logging.getLogger(__name__)

# PRINTER_STATUS_* flags of PRINTER_INFO_2.Status (winspool.h) that stop a job, and what
# to say; PRINTER_ATTRIBUTE_WORK_OFFLINE is the "Use Printer Offline" switch.
_STATUS_PROBLEMS = (
    (0x00000080, "offline", lambda n: _("Windows báo máy in '{name}' đang ngoại tuyến; kiểm tra "
                                         "máy in đã bật và cắm cáp.").format(name=n)),
    (0x00000001, "offline", lambda n: _("Máy in '{name}' đang bị tạm dừng trong Windows (Paused); "
                                         "mở hàng đợi in của máy in và chọn Resume.").format(
                                             name=n)),
    (0x00000010, "no_paper", lambda n: _("Máy in '{name}' hết giấy; hãy lắp giấy.").format(
        name=n)),
    (0x00000008, "error", lambda n: _("Máy in '{name}' bị kẹt giấy; hãy gỡ giấy ra.").format(
        name=n)),
    (0x00400000, "offline", lambda n: _("Nắp máy in '{name}' đang mở; hãy đóng nắp.").format(
        name=n)),
    (0x00000002, "error", lambda n: _("Windows báo máy in '{name}' đang lỗi; kiểm tra máy in."
                                       ).format(name=n)),
)
_ATTRIBUTE_WORK_OFFLINE = 0x00000400


def _win32print() -> Any:
    try:
        import win32print  # pywin32, a dependency on Windows only
    except ImportError:
        return None
    return win32print


def _win32ui() -> Any:
    try:
        import win32ui  # pywin32's MFC device contexts (GDI printing)
    except ImportError:
        return None
    return win32ui


def is_usable() -> bool:
    return _win32print() is not None


def missing_pywin32() -> UserError:
    return UserError(_("Máy in kiểu win32: cần thư viện pywin32 (chỉ có trên Windows) nhưng máy "
                       "này chưa có; trên Windows hãy cài lại Sa Đéc Desk, ở máy khác hãy chọn "
                       "kết nối tcp://, usb:// hoặc cups:."), code="print_failed")


def spooler_printers() -> list[str]:
    """The printers the Windows spooler knows (local and connected), for the IT screen's
    picker; a UserError sentence when pywin32 is missing."""
    win32print = _win32print()
    if win32print is None:
        raise missing_pywin32()
    flags = win32print.PRINTER_ENUM_LOCAL | win32print.PRINTER_ENUM_CONNECTIONS
    try:
        found = win32print.EnumPrinters(flags, None, 4)
    except Exception as exc:  # pywintypes.error: the spooler service is stopped
        raise UserError(_("Không đọc được danh sách máy in của Windows ({error}); kiểm tra "
                          "dịch vụ Print Spooler đang chạy.").format(error=_said(exc)),
                        code="print_failed") from None
    return sorted({str(p["pPrinterName"]) for p in found}, key=str.lower)


def _said(exc: BaseException) -> str:
    """pywintypes.error(winerror, funcname, strerror) -> its message."""
    args: tuple[Any, ...] = getattr(exc, "args", ())
    if len(args) >= 3 and isinstance(args[2], str):
        return f"{args[2].strip()} ({args[0]})"
    return str(exc) or type(exc).__name__


class Win32Spooler:
    """One raw job on a Windows printer; the interface ``printers.transports`` expects of a
    python-escpos printer (open, _raw, flush, close)."""

    def __init__(self, printer_name: str):
        self.printer_name = printer_name
        self.handle: Any = None
        self._doc = False
        self._page = False

    @staticmethod
    def is_usable() -> bool:
        return is_usable()

    def _failed(self, text: str, reason: str) -> PrintFailed:
        return PrintFailed(text, reason=reason)

    def open(self, job_name: str = "sadec-desk") -> None:
        win32print = _win32print()
        if win32print is None:
            raise self._failed(str(missing_pywin32()), "driver")
        name = self.printer_name
        try:
            self.handle = win32print.OpenPrinter(name)
        except Exception as exc:
            known = ", ".join(self._known()) or _("không có")
            raise self._failed(_("Windows không có máy in '{name}' ({error}). Các máy in hiện có: "
                                 "{known}. Sửa kết nối win32: trong thiết lập máy in.").format(
                                     name=name, error=_said(exc), known=known),
                               "offline") from None
        self._check_state(win32print)
        try:
            win32print.StartDocPrinter(self.handle, 1, (job_name, None, "RAW"))
            self._doc = True
            win32print.StartPagePrinter(self.handle)
            self._page = True
        except Exception as exc:
            raise self._failed(_("Windows không nhận lệnh in cho máy in '{name}' ({error}); "
                                 "lệnh in vẫn chờ trong hàng đợi.").format(
                                     name=name, error=_said(exc)), "refused") from None

    def _known(self) -> list[str]:
        try:
            return spooler_printers()
        except UserError:
            return []

    def _check_state(self, win32print) -> None:
        try:
            info = win32print.GetPrinter(self.handle, 2)
        except Exception:  # a driver that does not answer level 2: the spooler decides
            log.info("no spooler state for %s", self.printer_name, exc_info=True)
            return
        status = int(info.get("Status") or 0)
        if int(info.get("Attributes") or 0) & _ATTRIBUTE_WORK_OFFLINE:
            raise self._failed(_("Máy in '{name}' đang đặt «Use Printer Offline» trong Windows; "
                                 "bỏ chọn mục đó trong hàng đợi in rồi thử lại.").format(
                                     name=self.printer_name), "offline")
        for flag, reason, message in _STATUS_PROBLEMS:
            if status & flag:
                raise self._failed(message(self.printer_name) + " " + _(
                    "Lệnh in vẫn chờ trong hàng đợi."), reason)

    def _raw(self, data: bytes) -> None:
        win32print = _win32print()
        if self.handle is None or win32print is None:
            raise self._failed(_("Lệnh in chưa mở được trên máy in '{name}'.").format(
                name=self.printer_name), "error")
        try:
            written = win32print.WritePrinter(self.handle, data)
        except Exception as exc:
            raise self._failed(_("Windows không gửi được dữ liệu tới máy in '{name}' ({error}); "
                                 "lệnh in vẫn chờ trong hàng đợi.").format(
                                     name=self.printer_name, error=_said(exc)),
                               "closed") from None
        if written is not None and int(written) != len(data):
            raise self._failed(_("Máy in '{name}' chỉ nhận {n}/{total} byte; lệnh in sẽ được "
                                 "in lại.").format(name=self.printer_name, n=written,
                                                   total=len(data)), "closed")

    def flush(self) -> None:
        """End the page and the document: only then does the spooler own the job."""
        win32print = _win32print()
        if win32print is None or self.handle is None:
            return
        try:
            if self._page:
                win32print.EndPagePrinter(self.handle)
                self._page = False
            if self._doc:
                win32print.EndDocPrinter(self.handle)
                self._doc = False
        except Exception as exc:
            raise self._failed(_("Windows không hoàn tất lệnh in trên máy in '{name}' ({error}); "
                                 "lệnh in vẫn chờ trong hàng đợi và sẽ được in lại.").format(
                                     name=self.printer_name, error=_said(exc)),
                               "closed") from None

    def close(self) -> None:
        """Release the printer; a job that was not ended is cancelled, never half-sent."""
        win32print = _win32print()
        if win32print is None or self.handle is None:
            return
        handle, self.handle = self.handle, None
        try:
            if self._doc:
                win32print.AbortPrinter(handle)
        finally:
            self._doc = self._page = False
            win32print.ClosePrinter(handle)


# --- A5/A4 PDFs on a named office printer (GDI) ----------------------------------------------

# GetDeviceCaps indexes (wingdi.h)
_HORZRES, _VERTRES, _LOGPIXELSX, _LOGPIXELSY = 8, 10, 88, 90
#: pages are rendered at most this sharp; GDI stretches them to the printer's resolution
RENDER_DPI = 300


def draw_on_dc(handle: Any, image: Any, rect: tuple[int, int, int, int]) -> None:
    """Draw a Pillow image onto a Windows device context (StretchDIBits through Pillow)."""
    from PIL import ImageWin

    ImageWin.Dib(image).draw(handle, rect)


def fit(page_px: tuple[int, int], area: tuple[int, int]) -> tuple[int, int, int, int]:
    """The rectangle (left, top, right, bottom) of a page scaled to fit the printable area,
    its shape kept, centred."""
    scale = min(area[0] / page_px[0], area[1] / page_px[1])
    width, height = round(page_px[0] * scale), round(page_px[1] * scale)
    left, top = (area[0] - width) // 2, (area[1] - height) // 2
    return left, top, left + width, top + height


def print_pdf(path: str, printer: str, *, document: str = "Sa Đéc Desk") -> int:
    """Print every page of the PDF on the Windows printer named ``printer`` (not the
    default one): each page is rendered with pypdfium2 and drawn through GDI, scaled to the
    printable area. Returns the number of pages; a UserError sentence when it cannot."""
    win32print, win32ui = _win32print(), _win32ui()
    if win32print is None or win32ui is None:
        raise missing_pywin32()
    try:
        import pypdfium2  # type: ignore[import-untyped]  # no stubs; Windows only at run time
    except ImportError:
        raise UserError(_("Thiếu thư viện pypdfium2 để in tệp PDF ra máy in văn phòng; hãy cài "
                          "lại Sa Đéc Desk."), code="print_failed") from None
    known = spooler_printers()
    if printer.lower() not in {name.lower() for name in known}:
        raise UserError(_("Windows không có máy in '{name}' (các máy in hiện có: {known}); sửa "
                          "printing.office_printer.").format(
                              name=printer, known=", ".join(known) or _("không có")),
                        code="print_failed")
    try:
        pdf = pypdfium2.PdfDocument(path)
    except Exception as exc:  # pypdfium2.PdfiumError, OSError
        raise UserError(_("Không đọc được tệp PDF {path} ({error}).").format(
            path=path, error=exc), code="print_failed") from None
    dc = None
    started = False
    try:
        dc = win32ui.CreateDC()
        dc.CreatePrinterDC(printer)
        area = (dc.GetDeviceCaps(_HORZRES), dc.GetDeviceCaps(_VERTRES))
        dpi = min(dc.GetDeviceCaps(_LOGPIXELSX), dc.GetDeviceCaps(_LOGPIXELSY), RENDER_DPI)
        dc.StartDoc(document)
        started = True
        pages = len(pdf)
        for index in range(pages):
            page = pdf[index]
            image = page.render(scale=dpi / 72).to_pil()
            dc.StartPage()
            draw_on_dc(dc.GetHandleOutput(), image, fit(image.size, area))
            dc.EndPage()
        dc.EndDoc()
        started = False
        return pages
    except UserError:
        raise
    except Exception as exc:  # win32ui.error, pywintypes.error, a rendering failure
        log.warning("printing %s on %s failed", path, printer, exc_info=True)
        raise UserError(_("Windows không in được tệp PDF ra máy in '{name}' ({error}).").format(
            name=printer, error=_said(exc)), code="print_failed") from None
    finally:
        if dc is not None:
            if started:
                try:
                    dc.AbortDoc()
                except Exception:
                    log.debug("AbortDoc failed", exc_info=True)
            try:
                dc.DeleteDC()
            except Exception:
                log.debug("DeleteDC failed", exc_info=True)
        pdf.close()

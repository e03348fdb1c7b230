"""Sending ESC/POS bytes to a printer, through python-escpos's printer classes.

A printer connection is written as one string in the settings:

=====================================  ==========================================
``preview:`` (or ``preview:/folder``)  PNG + raw bytes into a folder (no hardware)
``tcp://HOST[:PORT]``                  Network (raw TCP, port 9100 by default)
``usb://VID:PID[?in_ep=..&out_ep=..]`` Usb (pyusb; Linux needs a udev rule)
``serial://DEVICE[?baudrate=9600]``    Serial (pyserial), e.g. serial:///dev/ttyUSB0, serial://COM3
``win32:PRINTER NAME``                 Windows spooler, raw (printers/win32.py)
``cups:NAME`` / ``lp:NAME``            CUPS (pycups if installed, else the ``lp`` command)
``file:///dev/usb/lp0``                File (a device node or a plain file)
=====================================  ==========================================

Every transport is bounded in time (docs/design.md §4: python-escpos waits 60 s by
default): the Network socket gets the configured timeout for connect, send and
status reads; serial writes get a timeout that allows for the baud rate; ``lp`` is
killed after twice the timeout; and the whole send runs under a deadline, so a
printer driver that hangs (a spooler, a device node of a switched-off printer)
fails in seconds and the job stays queued.

Status (online, paper) is read with ``DLE EOT`` where the transport can read back
(Network, USB, serial). With ``status_check`` on, a job is sent only to a printer
that answers it is online and has paper, and the printer must answer again after
the job: a printer that accepted the connection but stalls, or dropped it
mid-job, fails instead of being counted as printed.
"""

from __future__ import annotations

import functools
import logging
import os
import shutil
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from escpos.constants import RT_STATUS_ONLINE, RT_STATUS_PAPER
from PIL import Image

from sadec_desk.errors import InvalidInput
from sadec_desk.i18n import _
from sadec_desk.printers.failures import PrintFailed
from sadec_desk.printers.win32 import Win32Spooler

log = logging.getLogger(__name__)

KINDS = ("preview", "tcp", "usb", "serial", "win32", "cups", "lp", "file")
STATUS_KINDS = ("tcp", "usb", "serial")  # transports that can read the printer's answers


@dataclass(frozen=True)
class Connection:
    kind: str
    target: str
    options: dict[str, str] = field(default_factory=dict)
    text: str = ""

    @property
    def can_read_status(self) -> bool:
        return self.kind in STATUS_KINDS


def parse_connection(text: str) -> Connection:
    """Parse a connection string (see the module docstring); InvalidInput if malformed."""
    text = (text or "").strip()
    scheme, sep, rest = text.partition(":")
    scheme = scheme.lower()
    bad = InvalidInput(_("Kết nối máy in '{text}' không hợp lệ. Ví dụ: tcp://192.168.1.50:9100, "
                         "usb://04b8:0202, serial:///dev/ttyUSB0?baudrate=9600, win32:Tên máy in, "
                         "cups:Tên, file:///dev/usb/lp0, preview:.").format(text=text))
    if not sep or scheme not in KINDS:
        raise bad
    if scheme in ("win32", "cups", "lp"):
        return Connection(scheme, unquote(rest.removeprefix("//")), text=text)
    if scheme == "preview":
        return Connection(scheme, unquote(rest.removeprefix("//")), text=text)
    parts = urlsplit(text)
    options = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    if scheme == "tcp":
        try:
            port = parts.port or 9100
        except ValueError:
            raise bad from None
        if not parts.hostname:
            raise bad
        return Connection(scheme, parts.hostname, {**options, "port": str(port)}, text=text)
    if scheme == "usb":
        ids = (parts.netloc or parts.path.strip("/")).split(":")
        try:
            vid, pid = (int(x, 16) for x in ids)
        except ValueError:
            raise bad from None
        return Connection(scheme, f"{vid:04x}:{pid:04x}", options, text=text)
    # serial / file: a device path; serial://COM3 keeps the name in netloc
    path = unquote(parts.netloc + parts.path) if scheme == "serial" else unquote(parts.path)
    if not path:
        raise bad
    return Connection(scheme, path, options, text=text)


@dataclass(frozen=True)
class PrinterStatus:
    reachable: bool
    online: bool | None  # None: the transport cannot tell
    paper: str | None  # "ok" | "low" | "out" | None
    message: str


# --- status ---------------------------------------------------------------------------

# DLE EOT n answers (Epson ESC/POS reference, "DLE EOT"): n=1 bit 3 = offline;
# n=4 bits 2-3 = paper near end, bits 5-6 = paper end.
_OFFLINE_BIT = 0x08
_NEAR_END_BITS = 0x0C
_PAPER_END_BITS = 0x60


def _read_answer(printer, request: bytes, timeout: float) -> int:
    printer._raw(request)
    try:
        if type(printer).__name__ == "Serial":
            # python-escpos reads 16 bytes, which on a serial line waits out the whole
            # timeout for a 1-byte answer; the answer is one byte
            answer = printer.device.read(1)
        else:
            answer = printer._read()
    except TimeoutError:
        raise PrintFailed(_("Máy in không trả lời sau {s} giây (có thể đang kẹt giấy, mở nắp "
                            "hoặc treo). Kiểm tra máy in; lệnh in vẫn chờ trong hàng đợi. Nếu "
                            "máy in này không trả lời trạng thái, đặt printing.status_check = "
                            "false.").format(s=_fmt_seconds(timeout)),
                          reason="timeout") from None
    if answer is None or len(answer) == 0:
        raise PrintFailed(_("Máy in đã ngắt kết nối. Kiểm tra dây mạng/cáp; lệnh in vẫn chờ "
                            "trong hàng đợi."), reason="closed")
    return answer[-1]


def _read_status(printer, timeout: float) -> tuple[bool, str]:
    online = not (_read_answer(printer, RT_STATUS_ONLINE, timeout) & _OFFLINE_BIT)
    paper_byte = _read_answer(printer, RT_STATUS_PAPER, timeout)
    if paper_byte & _PAPER_END_BITS == _PAPER_END_BITS:
        paper = "out"
    elif paper_byte & _NEAR_END_BITS == _NEAR_END_BITS:
        paper = "low"
    else:
        paper = "ok"
    return online, paper


def _require_ready(printer, timeout: float) -> str:
    online, paper = _read_status(printer, timeout)
    if paper == "out":
        raise PrintFailed(_("Máy in hết giấy. Thay cuộn giấy mới; lệnh in sẽ được in lại."),
                          reason="no_paper")
    if not online:
        raise PrintFailed(_("Máy in đang ngoại tuyến (nắp mở hoặc báo lỗi). Kiểm tra máy in; "
                            "lệnh in vẫn chờ trong hàng đợi."), reason="offline")
    return paper


def _fmt_seconds(value: float) -> str:
    return f"{value:g}"


# --- transports ------------------------------------------------------------------------


def _escpos_printer(conn: Connection, timeout: float, size: int):
    """The python-escpos printer object for ``conn``, not yet opened."""
    from escpos import printer as p

    if conn.kind == "tcp":
        return p.Network(conn.target, int(conn.options["port"]), timeout=timeout)
    if conn.kind == "usb":
        vid, pid = (int(x, 16) for x in conn.target.split(":"))
        kwargs = {k: int(v, 0) for k, v in conn.options.items() if k in ("in_ep", "out_ep")}
        return p.Usb(vid, pid, timeout=int(timeout * 1000), **kwargs)
    if conn.kind == "serial":
        baudrate = int(conn.options.get("baudrate", 9600))
        return p.Serial(conn.target, baudrate=baudrate, timeout=timeout)
    if conn.kind == "win32":
        # not escpos' Win32Raw: it fails with a RuntimeError without pywin32 and loses the
        # errors of EndDocPrinter, which decides whether the spooler took the job
        return Win32Spooler(conn.target)
    if conn.kind == "cups" and p.CupsPrinter.is_usable():
        import cups

        # the server libcups names now (CUPS_SERVER, client.conf; this runs in a new
        # thread, so nothing cached), not the one python-escpos read at its import
        return p.CupsPrinter(conn.target, host=cups.getServer(), port=cups.getPort())
    if conn.kind in ("cups", "lp"):
        return _bounded_lp()(conn.target, 2 * timeout)
    if conn.kind == "file":
        return p.File(conn.target)
    raise ValueError(conn.kind)


@functools.cache
def _bounded_lp():
    from escpos.printer import LP

    class BoundedLP(LP):
        """python-escpos's LP with one bounded ``lp`` run per job, and lp's verdict.

        python-escpos 3.1's LP appends a newline to every job, checks the name with two
        ``lpstat`` runs (which cannot tell a stopped CUPS from a wrong name), starts
        another ``lp`` after each flush only to kill it, waits for ``lp`` without a limit
        and ignores its exit status: a job that CUPS refused counted as printed. Here
        :meth:`flush` hands the buffered bytes to a single ``lp -o raw`` (unchanged
        bytes on a raw queue) that is killed after ``seconds``, and a failing ``lp`` is
        a PrintFailed saying why; :meth:`close` sends nothing.
        """

        def __init__(self, printer_name: str, seconds: float):
            super().__init__(printer_name)
            self.seconds = seconds
            self.job = bytearray()

        def open(self, job_name: str = "python-escpos", raise_not_found: bool = True,
                 _close_opened: bool = True) -> None:
            self.job_name = job_name
            self.job = bytearray()
            self.device = self.job

        def _raw(self, msg: bytes) -> None:
            self.job += msg

        def flush(self) -> None:
            data, self.job = bytes(self.job), bytearray()
            if not data:
                return
            command = ["lp", "-t", self.job_name, "-o", "raw"]
            if self.printer_name:  # else the default destination
                command[1:1] = ["-d", self.printer_name]
            try:
                done = subprocess.run(command, input=data, capture_output=True,
                                      timeout=self.seconds, check=False)
            except subprocess.TimeoutExpired:  # lp is killed by then
                raise PrintFailed(_("Dịch vụ in CUPS không nhận xong lệnh in cho hàng đợi "
                                    "'{name}' sau {s} giây. Kiểm tra CUPS (lệnh lpstat -r); "
                                    "lệnh in vẫn chờ trong hàng đợi.").format(
                                        name=self.printer_name, s=_fmt_seconds(self.seconds)),
                                  reason="timeout") from None
            if done.returncode != 0:
                said = (done.stderr or done.stdout).decode(errors="replace").strip()
                raise _cups_failed(self.printer_name, said.removeprefix("lp: "),
                                   *lpstat_overview(self.seconds / 2))
            log.info("lp: %s", done.stdout.decode(errors="replace").strip())

        def close(self) -> None:
            self.job = bytearray()
            self._device = False

    return BoundedLP


def lpstat_overview(seconds: float) -> tuple[str, bool | None, list[str] | None]:
    """(server, running, queue names) as libcups sees them; None where unknown."""
    try:
        done = subprocess.run(["lpstat", "-H", "-r", "-e"], capture_output=True, text=True,
                              timeout=seconds, check=False,
                              env={**os.environ, "LC_ALL": "C"})  # parse the English
    except (OSError, subprocess.SubprocessError):
        return "", None, None
    lines = done.stdout.splitlines()
    if len(lines) < 2 or not lines[1].startswith("scheduler is"):
        return (lines[0] if lines else ""), None, None
    running = lines[1].strip() == "scheduler is running"
    return lines[0].strip(), running, ([q.strip() for q in lines[2:]] if running else None)


def _pycups_overview() -> tuple[str, bool | None, list[str] | None]:
    import cups

    server = cups.getServer()
    if not server.startswith("/"):
        server = f"{server}:{cups.getPort()}"
    try:
        return server, True, list(cups.Connection().getPrinters())
    except (RuntimeError, cups.IPPError):
        return server, False, None


def _cups_failed(name: str, said: str, server: str, running: bool | None,
                 queues: list[str] | None) -> PrintFailed:
    """Why CUPS did not take a job: no scheduler, no such queue, or the queue refused."""
    if running is False:
        return PrintFailed(_("Không kết nối được dịch vụ in CUPS ({server}). Kiểm tra CUPS đang "
                             "chạy (lệnh lpstat -r); lệnh in vẫn chờ trong hàng đợi.").format(
                                 server=server), reason="offline")
    if name and queues is not None and name.lower() not in {q.lower() for q in queues}:
        return PrintFailed(_("CUPS không có hàng đợi máy in '{name}' (các hàng đợi hiện có: "
                             "{queues}). Sửa tên trong cài đặt máy in; lệnh in vẫn chờ trong "
                             "hàng đợi.").format(name=name,
                                                 queues=", ".join(queues) or _("không có")),
                           reason="error")
    return PrintFailed(_("CUPS không nhận lệnh in cho hàng đợi '{name}': {said}. Kiểm tra máy in "
                         "trong CUPS; lệnh in vẫn chờ trong hàng đợi.").format(
                             name=name or _("mặc định"), said=said.rstrip(". ")),
                       reason="refused")


def _check_usable(printer, conn: Connection) -> None:
    runs_lp = conn.kind == "lp" or type(printer).__name__ == "BoundedLP"
    lp_missing = runs_lp and not shutil.which("lp")
    if lp_missing or (hasattr(printer, "is_usable") and not printer.is_usable()):
        need = {"usb": "pyusb", "serial": "pyserial", "win32": "pywin32 (chỉ trên Windows)",
                "cups": "pycups hoặc lệnh lp (gói cups-client)",
                "lp": "lệnh lp (gói cups-client)"}.get(conn.kind, conn.kind)
        raise PrintFailed(_("Kiểu kết nối {kind} cần {need} nhưng máy này chưa có. Cài đặt "
                            "rồi thử lại.").format(kind=conn.kind, need=need), reason="driver")


def _send_device(conn: Connection, data: bytes, timeout: float, status_check: bool) -> str:
    printer = _escpos_printer(conn, timeout, len(data))
    _check_usable(printer, conn)
    try:
        printer.open()
    except PrintFailed:
        raise
    except Exception as exc:  # escpos raises DeviceNotFoundError, USBNotFoundError, OSError...
        raise _open_failed(conn, exc) from None
    try:
        if conn.kind == "serial" and getattr(printer, "device", None) is not None:
            # bytes take 10 bit times each: 30 KB is 31 s at 9,600 baud (docs/design.md §4)
            baud = int(conn.options.get("baudrate", 9600))
            printer.device.write_timeout = timeout + len(data) * 10 / baud
        paper = "ok"
        check = status_check and conn.can_read_status
        if check:
            paper = _require_ready(printer, timeout)
        try:
            printer._raw(data)
            flush = getattr(printer, "flush", None)
            if flush is not None and conn.kind not in ("tcp", "usb", "serial"):
                flush()
            elif type(printer).__name__ == "CupsPrinter":
                _cups_send(printer)
        except TimeoutError:
            raise PrintFailed(_("Gửi lệnh in quá {s} giây mà máy in không nhận hết. Kiểm tra máy "
                                "in; lệnh in vẫn chờ trong hàng đợi.").format(
                                    s=_fmt_seconds(timeout)), reason="timeout") from None
        except (BrokenPipeError, ConnectionError) as exc:
            raise PrintFailed(_("Máy in ngắt kết nối giữa chừng ({error}); lệnh in sẽ được in "
                                "lại.").format(error=exc), reason="closed") from None
        if check:
            # The printer answers DLE EOT only after reading everything sent before it.
            paper = _require_ready(printer, timeout)
        if conn.kind == "win32":  # what Windows can tell of a raw job, no more
            return _("Hàng đợi in của Windows đã nhận lệnh in (máy in {name}).").format(
                name=conn.target)
        return _("Đã gửi tới máy in.") + (_(" Giấy sắp hết.") if paper == "low" else "")
    except OSError as exc:
        raise PrintFailed(_("Lỗi khi gửi tới máy in: {error}. Lệnh in vẫn chờ trong hàng đợi."
                            ).format(error=exc), reason="error") from None
    finally:
        try:
            printer.close()
        except Exception:  # closing a half-dead device must not hide the real error
            log.debug("closing %s failed", conn.text, exc_info=True)


def _cups_send(printer) -> None:
    """Send a pycups job now: python-escpos sends it in close(), where errors are lost."""
    import cups

    try:
        printer.send()
    except (cups.IPPError, RuntimeError) as exc:
        printer._clear()  # else close() and __del__ send the refused job again
        said = exc.args[-1] if exc.args else exc
        raise _cups_failed(printer.printer_name, str(said), *_pycups_overview()) from None


def _open_failed(conn: Connection, exc: Exception) -> PrintFailed:
    text = str(exc)
    if conn.kind == "cups":  # only pycups opens anything for cups:
        return _cups_failed(conn.target, (text.splitlines() or [""])[-1], *_pycups_overview())
    if conn.kind == "tcp":
        if "refused" in text.lower():
            return PrintFailed(_("Máy in {where} từ chối kết nối (máy đang tắt hoặc sai cổng). "
                                 "Kiểm tra máy in; lệnh in vẫn chờ trong hàng đợi.").format(
                                     where=conn.target), reason="refused")
        return PrintFailed(_("Không kết nối được máy in {where} ({error}). Kiểm tra máy in đã bật "
                             "và cắm mạng; lệnh in vẫn chờ trong hàng đợi.").format(
                                 where=conn.target, error=text.splitlines()[-1]),
                           reason="offline")
    return PrintFailed(_("Không mở được máy in {where} ({error}). Kiểm tra máy in đã bật và cắm "
                         "cáp; lệnh in vẫn chờ trong hàng đợi.").format(
                             where=conn.text, error=text.splitlines()[-1] if text else exc),
                       reason="offline")


def _with_deadline(fn: Callable[[], str], seconds: float, conn: Connection) -> str:
    """Run ``fn`` in a worker thread; give up after ``seconds`` (drivers that hang)."""
    box: dict = {}

    def run() -> None:
        try:
            box["value"] = fn()
        except BaseException as exc:  # handed to the caller's thread
            box["error"] = exc

    worker = threading.Thread(target=run, name=f"print-{conn.kind}", daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        log.warning("printer %s still busy after %.1f s; abandoning the attempt", conn.text,
                    seconds)
        raise PrintFailed(_("Máy in {where} không phản hồi trong {s} giây. Kiểm tra máy in; lệnh "
                            "in vẫn chờ trong hàng đợi.").format(where=conn.text,
                                                                 s=_fmt_seconds(seconds)),
                          reason="timeout")
    if "error" in box:
        raise box["error"]
    return box["value"]


def preview_folder(conn: Connection, default: Path) -> Path:
    return Path(conn.target).expanduser() if conn.target else default


def write_preview(folder: Path, stem: str, data: bytes, image: Image.Image | None) -> Path:
    """The preview printer: the job's PNG and its raw ESC/POS bytes side by side."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{stem}.bin").write_bytes(data)
        png = folder / f"{stem}.png"
        if image is not None:
            image.save(png)
    except OSError as exc:
        raise PrintFailed(_("Không ghi được bản xem trước vào {folder} ({error}). Kiểm tra thư "
                            "mục printing.preview_dir.").format(folder=folder, error=exc),
                          reason="error") from None
    return png


def send(conn: Connection, data: bytes, *, timeout: float, status_check: bool = True,
         preview_dir: Path | None = None, stem: str = "job",
         image: Image.Image | None = None) -> str:
    """Send one job; returns a sentence for the clerk, raises PrintFailed if it did not print."""
    if conn.kind == "preview":
        folder = preview_folder(conn, preview_dir or Path("print-preview"))
        path = write_preview(folder, stem, data, image)
        return _("Đã in ra bản xem trước: {path}").format(path=path)
    # connect + status + send + status, each bounded by ``timeout``, plus the time the
    # bytes need on a slow serial line
    budget = 4 * timeout + 2
    if conn.kind == "serial":
        budget += len(data) * 10 / int(conn.options.get("baudrate", 9600))
    return _with_deadline(lambda: _send_device(conn, data, timeout, status_check), budget, conn)


def read_status(conn: Connection, *, timeout: float) -> PrinterStatus:
    """Online and paper state where the transport can read it; never blocks past ``timeout``."""
    if conn.kind == "preview":
        return PrinterStatus(True, True, "ok", _("Máy in xem trước (ghi tệp PNG) luôn sẵn sàng."))
    if not conn.can_read_status:
        return PrinterStatus(True, None, None, _("Kiểu kết nối {kind} không đọc được trạng thái "
                                                 "máy in.").format(kind=conn.kind))

    def query() -> PrinterStatus:
        printer = _escpos_printer(conn, timeout, 0)
        _check_usable(printer, conn)
        try:
            printer.open()
        except Exception as exc:
            raise _open_failed(conn, exc) from None
        try:
            online, paper = _read_status(printer, timeout)
        finally:
            try:
                printer.close()
            except Exception:
                log.debug("closing %s failed", conn.text, exc_info=True)
        words = [_("trực tuyến") if online else _("ngoại tuyến"),
                 {"ok": _("còn giấy"), "low": _("giấy sắp hết"), "out": _("hết giấy")}[paper]]
        return PrinterStatus(True, online, paper, ", ".join(words))

    started = time.monotonic()
    try:
        box: dict = {}

        def run() -> str:
            box["status"] = query()
            return ""

        _with_deadline(run, 3 * timeout + 1, conn)
        return box["status"]
    except PrintFailed as exc:
        log.info("status of %s: %s (%.1f s)", conn.text, exc, time.monotonic() - started)
        return PrinterStatus(False, None, None, str(exc))

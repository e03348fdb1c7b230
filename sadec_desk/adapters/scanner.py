"""Getting a paper's picture: a flatbed/feeder scanner, or a webcam photo.

One interface, two drivers:

- Linux (and macOS): SANE through its command-line frontend ``scanimage`` (Debian
  package ``sane-utils``), run with a time limit. ``scanimage -L``-style listing, then
  ``scanimage -d DEVICE --format=pnm --mode Gray --resolution 200`` plus any
  ``scanning.options``. PNM is SANE's own uncompressed raster: a PNG would be encoded
  by scanimage only for the app to decode it again (~120 ms for an A4 page at 300 dpi,
  docs/benchmarks.md). Tested against SANE's own ``test`` backend (a real driver with
  a virtual device, ``test:0``), including the busy/jammed/no-paper answers it can be
  told to give.
- Windows: WIA 2.0 through its scripting objects (``WIA.DeviceManager`` via pywin32's
  ``win32com``, imported only there). Every WIA call runs on a thread of its own that
  initialises COM itself (``pythoncom.CoInitialize``; a COM object may not cross threads,
  and the GUI's shared worker must never hang on a driver) and is abandoned after
  ``scanning.timeout_seconds``. The page is asked for as BMP, the one format every WIA
  driver must deliver, and handed on as the driver gives it (uncompressed, decoded
  once). Tested with stand-ins for pywin32's ``win32com.client`` and ``pythoncom`` (no
  Windows machine here); without pywin32 it says so in a sentence.

What :func:`scan_page` returns is a raster for :func:`sadec_desk.adapters.imaging.normalise_page`
(or a thumbnail), never a file to keep: an A4 page at 300 dpi is ~8.7 MB of PNM; what is
stored and sent is the normalised page. :func:`as_png` makes a PNG of it where a file
is wanted (``scanner scan --out``).

Every failure a person meets (no scanner, scanner busy, cover open, no paper, a hang)
is :class:`ScannerUnavailable`, whose sentence ends by telling the citizen to take a
photo or choose a file instead, so the kiosk can always go on.

:func:`photo_from_camera` takes one still picture from a webcam (the source of
:func:`sadec_desk.adapters.camera.open_source`; OpenCV, the optional extra ``camera``)
and :func:`photo_from_frame` makes an uncompressed PPM of one frame (decoded once, when
normalised, like a scan). This module, like every edge
adapter, imports nothing of the services.
"""

from __future__ import annotations

import io
import logging
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from PIL import Image

from sadec_desk.errors import UserError
from sadec_desk.i18n import _

if TYPE_CHECKING:
    from sadec_desk.services.context import AppContext

log = logging.getLogger(__name__)

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
#: what scanimage --format=pnm writes first: P4 (Lineart), P5 (Gray), P6 (Color)
PNM_SIGNATURES = (b"P4", b"P5", b"P6")
BMP_SIGNATURE = b"BM"
#: listing devices probes USB and the network; it should never take long
LIST_TIMEOUT_SECONDS = 20
#: frames read and thrown away before a webcam photo: auto-exposure settles meanwhile
CAMERA_WARMUP_FRAMES = 8


class ScannerUnavailable(UserError):
    """No page from the scanner; ``str(self)`` says why and offers photo or file."""

    code = "scanner_unavailable"

    def __init__(self, reason: str, *, code: str | None = None):
        super().__init__(_("{reason} Bạn có thể chụp ảnh giấy tờ bằng máy ảnh hoặc chọn "
                           "tệp ảnh thay thế.").format(reason=reason.rstrip() or "?"),
                         code=code)
        self.reason = reason


@dataclass(frozen=True)
class ScannerInfo:
    device: str  # what scanning.device / scan_page(device=) takes
    vendor: str
    model: str
    kind: str  # e.g. "flatbed scanner"
    driver: str  # sane | wia

    @property
    def label(self) -> str:
        return " ".join(p for p in (self.vendor, self.model) if p) or self.device


def _windows() -> bool:
    return sys.platform == "win32"


class ScannerDriver(Protocol):
    """What the app needs of a paper-scanner system: SANE on Linux, WIA on Windows."""

    def available(self, ctx: AppContext) -> list[ScannerInfo]:
        """The scanners this system sees now (may be empty)."""
        ...

    def scan(self, ctx: AppContext, device: str) -> bytes:
        """One page from ``device`` ("" = the first found) as an uncompressed image file
        (PNM, BMP): decoded once by the app, never stored as it is."""
        ...


class SaneDriver:
    """SANE through Debian's ``scanimage`` (sane-utils)."""

    def available(self, ctx: AppContext) -> list[ScannerInfo]:
        return _sane_list(ctx)

    def scan(self, ctx: AppContext, device: str) -> bytes:
        return _sane_scan(ctx, device)


class WiaDriver:
    """Windows Image Acquisition through pywin32's COM client, each call on its own thread."""

    def available(self, ctx: AppContext) -> list[ScannerInfo]:
        return _wia_call(_wia_list, min(LIST_TIMEOUT_SECONDS,
                                        ctx.config["scanning.timeout_seconds"]))

    def scan(self, ctx: AppContext, device: str) -> bytes:
        return _wia_call(lambda: _wia_scan(ctx, device), ctx.config["scanning.timeout_seconds"])


def system_driver() -> ScannerDriver:
    """The scanner system of this machine."""
    return WiaDriver() if _windows() else SaneDriver()


def list_scanners(ctx: AppContext) -> list[ScannerInfo]:
    """The scanners this machine sees now (may be empty)."""
    return system_driver().available(ctx)


def scan_page(ctx: AppContext, device: str | None = None) -> bytes:
    """Scan one page on ``device`` (else ``scanning.device``, else the first scanner
    found) and return the image file as the scanner system gives it, uncompressed: PNM
    from SANE, BMP from WIA (decode it once; store only the normalised page)."""
    device = (device or ctx.config["scanning.device"] or "").strip()
    return system_driver().scan(ctx, device)


# --- SANE (scanimage) ---------------------------------------------------------------------


def _scanimage() -> str:
    program = shutil.which("scanimage")
    if program is None:
        raise ScannerUnavailable(_("Máy này chưa cài chương trình quét ảnh (scanimage, gói "
                                   "sane-utils); hãy báo cán bộ CNTT."), code="scanner_missing")
    return program


def _run(command: list[str], seconds: float) -> subprocess.CompletedProcess:
    # LC_ALL=C: scanimage's messages in English, as _sane_reason reads them
    env = {**os.environ, "LC_ALL": "C"}
    try:
        return subprocess.run(command, capture_output=True, timeout=seconds, check=False,
                              env=env, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:  # scanimage is killed by then
        raise ScannerUnavailable(_("Máy quét không trả lời sau {s} giây (có thể máy đang bận "
                                   "hoặc bị treo); hãy tắt máy quét, bật lại rồi thử lại.")
                                 .format(s=f"{seconds:g}"), code="scanner_timeout") from None
    except OSError as exc:
        raise ScannerUnavailable(_("Không chạy được chương trình quét ảnh ({error}).").format(
            error=exc), code="scanner_missing") from None


def _sane_list(ctx: AppContext) -> list[ScannerInfo]:
    done = _run([_scanimage(), "-f", "%d\t%v\t%m\t%t%n"],
                min(LIST_TIMEOUT_SECONDS, ctx.config["scanning.timeout_seconds"]))
    if done.returncode != 0:
        raise ScannerUnavailable(_sane_reason(done.stderr.decode("utf-8", "replace"), ""),
                                 code="scanner_failed")
    found = []
    for line in done.stdout.decode("utf-8", "replace").splitlines():
        parts = line.split("\t")
        if len(parts) == 4 and parts[0]:
            found.append(ScannerInfo(parts[0], parts[1], parts[2], parts[3], "sane"))
    return found


def _sane_scan(ctx: AppContext, device: str) -> bytes:
    program = _scanimage()
    if not device:
        scanners = _sane_list(ctx)
        if not scanners:
            raise ScannerUnavailable(_("Không tìm thấy máy quét nào; kiểm tra máy quét đã cắm "
                                       "dây và bật nguồn."), code="scanner_missing")
        device = scanners[0].device
    command = [program, "-d", device, "--format=pnm",
               "--mode", ctx.config["scanning.mode"],
               "--resolution", str(ctx.config["scanning.resolution"]),
               *ctx.config["scanning.options"]]
    log.info("scanning on %s", device)
    done = _run(command, ctx.config["scanning.timeout_seconds"])
    said = done.stderr.decode("utf-8", "replace")
    if done.returncode != 0:
        log.warning("scanimage on %s failed (%s): %s", device, done.returncode, said.strip())
        raise ScannerUnavailable(_sane_reason(said, device), code=_sane_code(said))
    if not done.stdout.startswith(PNM_SIGNATURES):
        log.warning("scanimage on %s gave no PNM: %s", device, said.strip())
        raise ScannerUnavailable(_("Máy quét {device} không gửi về ảnh nào.").format(
            device=device), code="scanner_failed")
    return done.stdout


#: scanimage's messages (SANE status strings) -> what to say; first match wins
_SANE_MESSAGES = (
    ("device busy", "scanner_busy",
     lambda d: _("Máy quét {device} đang bận (một chương trình khác đang dùng); chờ một lát "
                 "rồi thử lại.").format(device=d)),
    ("cover is open", "scanner_cover_open",
     lambda d: _("Nắp máy quét {device} đang mở; hãy đóng nắp rồi thử lại.").format(device=d)),
    ("jammed", "scanner_jammed",
     lambda d: _("Giấy bị kẹt trong máy quét {device}; hãy gỡ giấy ra rồi thử lại.").format(
         device=d)),
    ("out of documents", "scanner_no_paper",
     lambda d: _("Khay nạp giấy của máy quét {device} không có giấy; hãy đặt giấy vào rồi thử "
                 "lại.").format(device=d)),
    ("access to resource has been denied", "scanner_denied",
     lambda d: _("Máy này không được phép dùng máy quét {device} (quyền truy cập); hãy báo "
                 "cán bộ CNTT.").format(device=d)),
    ("open of device", "scanner_missing",
     lambda d: _("Không mở được máy quét {device}: máy quét chưa cắm, chưa bật hoặc tên máy "
                 "quét trong thiết lập scanning.device không đúng.").format(device=d)),
    ("no sane devices found", "scanner_missing",
     lambda d: _("Không tìm thấy máy quét nào; kiểm tra máy quét đã cắm dây và bật nguồn.")),
    ("setting of option", "scanner_settings",
     lambda d: _("Máy quét {device} không nhận thiết lập quét (scanning.mode, "
                 "scanning.resolution, scanning.options); hãy báo cán bộ CNTT.").format(
                     device=d)),
)


def _sane_code(said: str) -> str:
    low = said.lower()
    for needle, code, _message in _SANE_MESSAGES:
        if needle in low:
            return code
    return "scanner_failed"


def _sane_reason(said: str, device: str) -> str:
    low = said.lower()
    for needle, _code, message in _SANE_MESSAGES:
        if needle in low:
            return message(device)
    detail = " ".join(said.replace("scanimage:", "").split())[:200]
    return _("Máy quét {device} báo lỗi: {detail}.").format(
        device=device or "?", detail=detail.rstrip(".") or _("không rõ lỗi"))


# --- WIA (Windows) ------------------------------------------------------------------------
# Written against the WIA Automation Layer documentation; tested with stand-ins.

_WIA_SCANNER = 1  # WiaDeviceType.ScannerDeviceType
# wiaFormatBMP: the one transfer format every WIA driver supports (many refuse PNG)
_WIA_FORMAT_BMP = "{B96B3CAB-0728-11D3-9D7B-0000F81EF32E}"
_WIA_INTENT, _WIA_XRES, _WIA_YRES = 6146, 6147, 6148  # WIA_IPS_CUR_INTENT, _XRES, _YRES
_WIA_INTENT_GREY = 2  # WIA_INTENT_IMAGE_TYPE_GRAYSCALE
_WIA_ERRORS = {
    0x80210006: "scanner_busy", 0x8021000D: "scanner_busy", 0x80210016: "scanner_cover_open",
    0x80210002: "scanner_jammed", 0x80210003: "scanner_no_paper",
    0x80210005: "scanner_missing", 0x8021000A: "scanner_missing",
    0x80210009: "scanner_missing",
}


def _wia_call(call: Callable[[], Any], seconds: float) -> Any:
    """Run ``call`` on a new thread with COM initialised there; give up after ``seconds``
    (a WIA driver that hangs keeps only its own thread, never the caller's)."""
    try:
        import pythoncom  # pywin32, a dependency on Windows
    except ImportError:
        raise ScannerUnavailable(_("Máy này thiếu thư viện pywin32 để dùng máy quét (WIA); "
                                   "hãy báo cán bộ CNTT."), code="scanner_missing") from None
    box: dict[str, Any] = {}

    def run() -> None:
        pythoncom.CoInitialize()  # this thread's own single-threaded apartment
        try:
            box["value"] = call()
        except BaseException as exc:  # handed to the caller's thread
            box["error"] = exc
        finally:
            pythoncom.CoUninitialize()

    worker = threading.Thread(target=run, name="wia-scan", daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        log.warning("WIA call still running after %.0f s; abandoned", seconds)
        raise ScannerUnavailable(_("Máy quét không trả lời sau {s} giây (có thể máy đang bận "
                                   "hoặc bị treo); hãy tắt máy quét, bật lại rồi thử lại.")
                                 .format(s=f"{seconds:g}"), code="scanner_timeout")
    if "error" in box:
        raise box["error"]
    return box["value"]


def as_png(data: bytes) -> bytes:
    """The scanned picture (PNM, BMP) as a PNG file; a sentence if it is no picture."""
    if data.startswith(PNG_SIGNATURE):
        return data
    try:
        with Image.open(io.BytesIO(data)) as picture:
            out = io.BytesIO()
            picture.save(out, "PNG")
    except (OSError, ValueError, Image.DecompressionBombError):
        raise ScannerUnavailable(_("Máy quét gửi về dữ liệu không phải ảnh."),
                                 code="scanner_failed") from None
    return out.getvalue()


def _wia_manager():
    try:
        import win32com.client  # pywin32, a dependency on Windows
    except ImportError:
        raise ScannerUnavailable(_("Máy này thiếu thư viện pywin32 để dùng máy quét (WIA); "
                                   "hãy báo cán bộ CNTT."), code="scanner_missing") from None
    try:
        return win32com.client.Dispatch("WIA.DeviceManager")
    except Exception as exc:
        raise ScannerUnavailable(_("Windows không mở được dịch vụ máy quét WIA ({error})."
                                   ).format(error=exc), code="scanner_missing") from None


def _wia_property(properties: Any, name: str) -> str:
    try:
        return str(properties(name).Value)
    except Exception:
        return ""


def _wia_list() -> list[ScannerInfo]:
    manager = _wia_manager()
    found = []
    for index in range(1, manager.DeviceInfos.Count + 1):
        info = manager.DeviceInfos(index)
        if info.Type != _WIA_SCANNER:
            continue
        found.append(ScannerInfo(str(info.DeviceID),
                                 _wia_property(info.Properties, "Manufacturer"),
                                 _wia_property(info.Properties, "Name"),
                                 "scanner", "wia"))
    return found


def _wia_scan(ctx: AppContext, device: str) -> bytes:
    manager = _wia_manager()
    scanners = _wia_list()
    chosen = next((s for s in scanners if not device or s.device == device), None)
    if chosen is None:
        raise ScannerUnavailable(_("Không tìm thấy máy quét {device}; kiểm tra máy quét đã cắm "
                                   "dây và bật nguồn.").format(device=device or ""),
                                 code="scanner_missing")
    try:
        for index in range(1, manager.DeviceInfos.Count + 1):
            info = manager.DeviceInfos(index)
            if str(info.DeviceID) == chosen.device:
                break
        item = info.Connect().Items(1)
        for prop, value in ((_WIA_INTENT, _WIA_INTENT_GREY),
                            (_WIA_XRES, ctx.config["scanning.resolution"]),
                            (_WIA_YRES, ctx.config["scanning.resolution"])):
            try:
                item.Properties(str(prop)).Value = value
            except Exception:  # a driver without this property keeps its default
                log.info("WIA property %s not set", prop)
        picture = item.Transfer(_WIA_FORMAT_BMP)
        data = bytes(picture.FileData.BinaryData)
        if not data.startswith((BMP_SIGNATURE, PNG_SIGNATURE)):  # a driver may give PNG
            log.warning("WIA scan on %s gave no BMP (%r)", chosen.device, data[:8])
            raise ScannerUnavailable(_("Máy quét gửi về dữ liệu không phải ảnh."),
                                     code="scanner_failed")
        return data
    except ScannerUnavailable:
        raise
    except Exception as exc:
        hresult = _hresult(exc)
        code = _WIA_ERRORS.get(hresult, "scanner_failed")
        reason = {
            "scanner_busy": _("Máy quét {device} đang bận; chờ một lát rồi thử lại."),
            "scanner_cover_open": _("Nắp máy quét {device} đang mở; hãy đóng nắp rồi thử lại."),
            "scanner_jammed": _("Giấy bị kẹt trong máy quét {device}; hãy gỡ giấy ra rồi thử "
                                "lại."),
            "scanner_no_paper": _("Khay nạp giấy của máy quét {device} không có giấy."),
            "scanner_missing": _("Máy quét {device} không kết nối; kiểm tra dây cắm và nguồn."),
        }.get(code, _("Máy quét {device} báo lỗi."))
        log.warning("WIA scan on %s failed: %s", chosen.device, exc)
        raise ScannerUnavailable(reason.format(device=chosen.label), code=code) from None


def _hresult(exc: Exception) -> int:
    """The WIA error of a pywin32 com_error (its excepinfo's scode, else its hresult)."""
    args: tuple[Any, ...] = getattr(exc, "args", ())
    candidates = []
    if len(args) >= 3 and isinstance(args[2], tuple) and len(args[2]) >= 6:
        candidates.append(args[2][5])
    if args:
        candidates.append(args[0])
    for value in candidates:
        if isinstance(value, int):
            return value & 0xFFFFFFFF
    return 0


# --- webcam ---------------------------------------------------------------------------


def photo_from_frame(frame) -> bytes:
    """One RGB camera frame (an H×W×3 uint8 array) as a PPM, ready for add_page: no PNG
    to encode here and decode there (a 1080p frame is 6 MB, normalised, never stored)."""
    image = Image.fromarray(frame).convert("RGB")
    out = io.BytesIO()
    image.save(out, "PPM")
    return out.getvalue()


def photo_from_camera(index: int = 0, *, source=None,
                      warmup_frames: int = CAMERA_WARMUP_FRAMES) -> bytes:
    """Open webcam ``index`` (or use ``source``), let it settle for a few frames and
    return one picture as PPM. CameraUnavailable (a sentence) when there is none."""
    from sadec_desk.adapters.camera import CameraUnavailable, open_source

    owned = source is None
    source = open_source(index) if owned else source
    try:
        frame = None
        for _attempt in range(warmup_frames + 20):
            latest = source.read()
            if latest is not None:
                frame = latest
                warmup_frames -= 1
                if warmup_frames < 0:
                    break
        if frame is None:
            raise CameraUnavailable(_("Máy ảnh không gửi hình; kiểm tra dây cắm rồi thử lại, "
                                      "hoặc chọn tệp ảnh."))
        return photo_from_frame(frame)
    finally:
        if owned:
            source.close()

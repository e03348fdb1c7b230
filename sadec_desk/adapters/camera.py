"""Reading a QR code from a webcam (optional extra ``camera``: OpenCV).

A :class:`CameraSession` runs two worker threads: the capture thread reads frames at the
camera's pace (at most :data:`TARGET_FPS`) and keeps the newest one as a small preview the
window shows; the decode thread takes the newest frame whenever it is free and runs the
foundation's QR decoder on it, so a slow decode never slows the preview. What a decoded
text means is not this module's business: the session hands it to the ``classify`` it is
given (the counter's card-or-receipt rule is
:mod:`sadec_desk.services.reception.camera_session`), and the first text ``classify``
accepts ends the session through ``on_result``; the window never touches a frame.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from PIL import Image

from sadec_desk.errors import UserError
from sadec_desk.i18n import _

log = logging.getLogger(__name__)

TARGET_FPS = 25
PREVIEW_WIDTH = 480
MAX_READ_FAILURES = 50  # consecutive empty reads before the camera counts as gone

#: what ``classify`` makes of a decoded text (the counter's: a ScanResult)
Found = TypeVar("Found")


class CameraUnavailable(UserError):
    code = "camera"


class FrameSource(Protocol):
    def read(self) -> Any: ...  # an H×W×3 RGB uint8 array, or None

    def close(self) -> None: ...


@dataclass(frozen=True)
class PreviewFrame:
    number: int
    width: int
    height: int
    ppm: bytes  # binary PPM (P6), what Tk's PhotoImage reads without Pillow
    fps: float


def camera_library() -> str:
    """The version of the camera library, "" when it is not installed."""
    try:
        import cv2
    except ImportError:
        return ""
    return str(cv2.__version__)


class OpenCvSource:
    def __init__(self, index: int = 0):
        import cv2

        self._cv2 = cv2
        self.capture = cv2.VideoCapture(index)
        if not self.capture.isOpened():
            self.capture.release()
            raise CameraUnavailable(_("Không mở được máy ảnh số {n}; kiểm tra máy ảnh đã cắm và "
                                      "không có chương trình khác đang dùng.").format(n=index))

    def read(self):
        ok, frame = self.capture.read()
        return self._cv2.cvtColor(frame, self._cv2.COLOR_BGR2RGB) if ok else None

    def close(self) -> None:
        self.capture.release()


def open_source(index: int = 0) -> FrameSource:
    if not camera_library():
        raise CameraUnavailable(_("Máy này chưa cài thư viện máy ảnh (gói tùy chọn «camera»: "
                                  "pip install 'sadec-desk[camera]'); hãy dùng máy quét cầm tay "
                                  "hoặc mở ảnh chụp thẻ."))
    return OpenCvSource(index)


def preview_of(frame, number: int, fps: float) -> PreviewFrame:
    image = Image.fromarray(frame).convert("RGB")
    if image.width > PREVIEW_WIDTH:
        image = image.resize((PREVIEW_WIDTH, max(1, image.height * PREVIEW_WIDTH
                                                 // image.width)), Image.Resampling.NEAREST)
    header = f"P6 {image.width} {image.height} 255\n".encode("ascii")
    return PreviewFrame(number, image.width, image.height, header + image.tobytes(), fps)


class CameraSession(Generic[Found]):
    """Frames from ``source`` until a QR's text is accepted by ``classify``.

    ``classify(text, decoder)`` runs on the decode thread: it returns what was found, or
    raises :class:`~sadec_desk.errors.UserError` saying why this QR is not the one (said
    once per text through ``on_error``; the session keeps looking).
    """

    def __init__(self, source: FrameSource, *, classify: Callable[[str, str], Found],
                 on_result: Callable[[Found], None], on_error: Callable[[str], None],
                 target_fps: float = TARGET_FPS):
        self.source = source
        self.classify = classify
        self.on_result, self.on_error = on_result, on_error
        self.interval = 1.0 / target_fps
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._preview: PreviewFrame | None = None
        self._pending = None  # the newest frame waiting for the decoder
        self._wake = threading.Event()
        self._said: set[str] = set()  # texts already reported, not repeated every frame
        self.frames = 0
        self.decoded_frames = 0
        self._threads = [threading.Thread(target=self._capture, name="sadec-camera",
                                          daemon=True),
                         threading.Thread(target=self._decode, name="sadec-camera-qr",
                                          daemon=True)]

    def start(self) -> CameraSession:
        for thread in self._threads:
            thread.start()
        return self

    def latest_preview(self) -> PreviewFrame | None:
        with self._lock:
            return self._preview

    @property
    def running(self) -> bool:
        return not self._stop.is_set()

    def stop(self, timeout: float = 3.0) -> None:
        self._stop.set()
        self._wake.set()
        for thread in self._threads:
            if thread.is_alive() and thread is not threading.current_thread():
                thread.join(timeout)
        try:
            self.source.close()
        except Exception:  # a camera unplugged meanwhile
            log.exception("closing the camera")

    # --- worker threads -----------------------------------------------------------------

    def _capture(self) -> None:
        failures = 0
        times: list[float] = []
        while not self._stop.is_set():
            started = time.monotonic()
            try:
                frame = self.source.read()
            except Exception:
                log.exception("camera read")
                frame = None
            if frame is None:
                failures += 1
                if failures >= MAX_READ_FAILURES:
                    self.on_error(_("Máy ảnh không gửi hình; kiểm tra dây cắm rồi mở lại."))
                    self._stop.set()
                    break
            else:
                failures = 0
                self.frames += 1
                times = [t for t in times if started - t < 1.0] + [started]
                preview = preview_of(frame, self.frames, float(len(times)))
                with self._lock:
                    self._preview = preview
                    self._pending = frame
                self._wake.set()
            self._stop.wait(max(0.0, self.interval - (time.monotonic() - started)))
        self._wake.set()

    def _decode(self) -> None:
        from sadec_desk.adapters.qr_image import decode_first

        while not self._stop.is_set():
            self._wake.wait()
            self._wake.clear()
            with self._lock:
                frame, self._pending = self._pending, None
            if frame is None or self._stop.is_set():
                continue
            self.decoded_frames += 1
            try:
                decoded = decode_first(frame)
            except UserError:
                continue  # no QR in this frame yet: keep looking
            except Exception:
                log.exception("decoding a camera frame")
                continue
            try:
                result = self.classify(decoded.text, decoded.decoder)
            except UserError as exc:
                self._say_once(decoded.text, str(exc))
                continue
            self._stop.set()
            self.on_result(result)
            return

    def _say_once(self, text: str, message: str) -> None:
        if text not in self._said:
            self._said.add(text)
            self.on_error(message)

"""The counter's webcam: a citizen's ID card or receipt QR held to the camera.

The camera adapter (:mod:`sadec_desk.adapters.camera`) finds QR codes in frames and knows
nothing of cards; this module gives it the counter's rule (a CCCD card or a receipt, and
a sentence for any other QR) and is what the camera window uses to open the camera and
start a session, so the window never reaches the adapter itself.
"""

from __future__ import annotations

from collections.abc import Callable

from sadec_desk.adapters import camera
from sadec_desk.errors import InvalidInput
from sadec_desk.i18n import _
from sadec_desk.services.reception import citizens
from sadec_desk.services.records import ScanResult


def open_camera(index: int = 0) -> camera.FrameSource:
    """The webcam number ``index``; :class:`~sadec_desk.adapters.camera.CameraUnavailable`
    with a sentence saying what to use instead when there is none."""
    return camera.open_source(index)


def classify_camera_qr(text: str, decoder: str) -> ScanResult:
    """A card or receipt QR seen by the camera; any other QR is refused with a sentence
    (the session says it once and keeps looking)."""
    result = citizens.classify_qr_text(text, decoder)
    if result.kind == "other":
        raise InvalidInput(_("Mã QR trước máy ảnh không phải mã QR thẻ CCCD hay phiếu hẹn; "
                             "hãy đưa mặt trước thẻ CCCD vào."))
    return result


def start_card_session(source: camera.FrameSource, *,
                       on_result: Callable[[ScanResult], None],
                       on_error: Callable[[str], None]) -> camera.CameraSession[ScanResult]:
    """A running session that ends with the first card or receipt QR (``on_result``);
    both callbacks are called from the session's worker threads."""
    return camera.CameraSession(source, classify=classify_camera_qr, on_result=on_result,
                                on_error=on_error).start()

"""Webcam capture with a stand-in camera: live preview and decoding in the workers."""

from __future__ import annotations

import time

import numpy as np
from appfixtures import SAMPLE_QR
from guikit import sign_in_clerk

from sadec_desk.adapters import camera
from sadec_desk.printers.render import qr_image


def frame_with(text: str | None) -> np.ndarray:
    frame = np.full((480, 640, 3), 235, dtype=np.uint8)
    frame[:, :, 2] = 200  # not plain white: a room behind the card
    if text:
        code = np.asarray(qr_image(text, 4).convert("L"))
        h, w = code.shape
        frame[60:60 + h, 160:160 + w, :] = code[:, :, None]
    return frame


class FakeCamera:
    """Frames as a camera gives them: ``blank`` empty ones, then the card forever."""

    def __init__(self, text: str | None, blank: int = 0):
        self.frames = [frame_with(None)] * blank + [frame_with(text)]
        self.reads = 0
        self.closed = False

    def read(self):
        frame = self.frames[min(self.reads, len(self.frames) - 1)]
        self.reads += 1
        return frame

    def close(self):
        self.closed = True


def test_the_webcam_preview_runs_at_10_fps_and_a_card_fills_the_form(shell, ctx):
    counter = sign_in_clerk(shell, ctx)
    fake = FakeCamera(SAMPLE_QR, blank=40)
    shell.camera_source_factory = lambda: fake
    counter.camera_button.invoke()
    window = counter.camera_window
    assert shell.tasks.pump(until=lambda: window.shown >= 1, timeout=5)
    started, first = time.monotonic(), window.shown
    assert shell.tasks.pump(until=lambda: window.shown >= first + 10, timeout=5)
    fps = (window.shown - first) / (time.monotonic() - started)
    print(f"camera preview: {fps:.1f} pictures/s")
    assert fps >= 10, fps
    assert str(window.picture.cget("image"))  # the preview is on the screen
    assert shell.tasks.pump(
        until=lambda: counter.citizen_entries["full_name"].get() == "Nguyễn Thị Hoa",
        timeout=15)
    assert counter.citizen_entries["id_number"].get() == "034303011829"
    assert not window.alive
    assert shell.tasks.pump(until=lambda: fake.closed, timeout=5)
    assert shell.tasks.slowest[0] < 0.1, shell.tasks.slowest


def test_a_qr_that_is_not_a_card_is_said_once_and_the_camera_goes_on(shell, ctx):
    counter = sign_in_clerk(shell, ctx)
    fake = FakeCamera("https://example.com/khong-phai-the")
    shell.camera_source_factory = lambda: fake
    counter.camera_button.invoke()
    window = counter.camera_window
    assert shell.tasks.pump(until=lambda: "không phải mã QR thẻ CCCD" in window.message.text,
                            timeout=15)
    reads = fake.reads
    assert shell.tasks.pump(until=lambda: fake.reads > reads + 5, timeout=5)
    assert window.alive and window.session.running
    window.close()
    assert shell.tasks.pump(until=lambda: fake.closed, timeout=5)
    assert counter.citizen_entries["full_name"].get() == ""


def test_without_a_camera_library_the_window_says_what_to_use_instead(shell, ctx,
                                                                        monkeypatch):
    counter = sign_in_clerk(shell, ctx)
    monkeypatch.setattr(camera, "camera_library", lambda: "")
    counter.camera_button.invoke()
    window = counter.camera_window
    assert shell.tasks.pump(until=lambda: "chưa cài thư viện máy ảnh" in window.message.text)
    assert "máy quét cầm tay" in window.message.text
    window.close()

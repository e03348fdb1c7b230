"""The webcam window: a live preview while the card's QR is looked for (optional extra).

The camera and the decoder run in the session's worker threads
(:mod:`sadec_desk.services.reception.camera_session`); this window only shows the newest
preview every :data:`PREVIEW_MS` and hands a found card or receipt to the screen that
opened it.
"""

from __future__ import annotations

import tkinter as tk

import ttkbootstrap as ttk

from sadec_desk.i18n import _
from sadec_desk.services.reception import camera_session
from sadec_desk.views.widgets import MessageBar, font, release_tk_objects

PREVIEW_MS = 40  # up to 25 pictures a second; the camera decides the real pace


class CameraWindow:
    def __init__(self, root, shell, on_result, *, source_factory=None):
        self.shell, self.on_found = shell, on_result
        self.window = ttk.Toplevel(root)
        self.window.title(_("Quét mã QR bằng máy ảnh"))
        self.window.geometry("540x560")
        self.window.protocol("WM_DELETE_WINDOW", self.close)
        # "Đóng" and the message are packed first, from the bottom: whatever the picture
        # asks for, they keep their room (issue #17 item 3: "Đóng" was pushed out when no
        # camera was found)
        ttk.Button(self.window, text=_("Đóng"), bootstyle="secondary",
                   command=self.close).pack(side="bottom", pady=6)
        self.message = MessageBar(self.window, wraplength=480)
        self.message.pack(side="bottom", fill="x", padx=10)
        self.fps_label = ttk.Label(self.window, text="", font=font(9))
        self.fps_label.pack(side="bottom")
        ttk.Label(self.window, text=_("Đưa mã QR trên thẻ CCCD hoặc phiếu hẹn vào trước máy "
                                      "ảnh."), font=font(11), wraplength=480).pack(pady=(8, 4))
        # the preview in pixels (a label's own width counts characters while it shows text)
        frame = tk.Frame(self.window, width=480, height=360, bg="#222")
        frame.pack_propagate(False)
        frame.pack(fill="both", expand=True, padx=10)
        self.picture = tk.Label(frame, text=_("Đang mở máy ảnh…"), font=font(11),
                                bg="#222", fg="white", wraplength=440)
        self.picture.pack(fill="both", expand=True)
        self.session = None
        self.shown = 0  # preview pictures put on the screen
        self._last = 0
        self._image = None
        self._job = None
        self.alive = True
        factory = source_factory or camera_session.open_camera
        shell.tasks.submit(factory, on_done=self.on_opened, on_error=self.on_failed)

    def on_opened(self, source) -> None:
        if not self.alive:
            source.close()
            return
        post = self.shell.tasks.post
        self.session = camera_session.start_card_session(
            source, on_result=lambda r: post(self.on_result, r),
            on_error=lambda m: post(self.on_camera_error, m))
        self._job = self.window.after(PREVIEW_MS, self.on_tick)

    def on_failed(self, message: str) -> None:
        if self.alive:
            self.picture.configure(text=_("Không dùng được máy ảnh."))
            self.message.show(message, "error")

    def on_tick(self) -> None:
        self._job = None
        if not self.alive or self.session is None:
            return
        preview = self.session.latest_preview()
        if preview is not None and preview.number != self._last:
            self._last = preview.number
            self._image = tk.PhotoImage(data=preview.ppm, format="PPM")
            self.picture.configure(image=self._image, text="")
            self.shown += 1
            self.fps_label.configure(text=_("{fps:.0f} hình/giây").format(fps=preview.fps))
        self._job = self.window.after(PREVIEW_MS, self.on_tick)

    def on_camera_error(self, message: str) -> None:
        if self.alive:
            self.message.show(message, "error")

    def on_result(self, result) -> None:
        if not self.alive:
            return
        self.close()
        self.on_found(result)

    def close(self) -> None:
        if not self.alive:
            return
        self.alive = False
        if self._job is not None:
            self.window.after_cancel(self._job)
        if self.session is not None:
            self.shell.tasks.submit(self.session.stop)  # joins the threads: not on Tk's
        release_tk_objects(self, self.window)
        self.window.destroy()

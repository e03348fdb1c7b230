"""The document scanner's box on the IT printers tab: find the scanners SANE/WIA sees,
save ``scanning.device``, and a test scan shown in the tab's preview box.

A mixin rather than a tab of its own: the box sits in the printers tab's side column
and shares its preview label and message line.
"""

from __future__ import annotations

import ttkbootstrap as ttk

from sadec_desk.i18n import _
from sadec_desk.services.admin import settings
from sadec_desk.views.widgets import font


class ScannerBox:
    """The scanner box of :class:`~sadec_desk.views.settings.printers.PrintersTab`
    (needs the tab's ``preview`` label, ``_image``, ``message``, ``ok`` and ``submit``)."""

    def create_scanner_box(self, parent) -> None:
        box = ttk.Labelframe(parent, text=_("Máy quét giấy tờ (kiosk, quầy)"), padding=8)
        box.pack(anchor="w", fill="x", pady=(12, 0))
        ttk.Label(box, text=_("Máy quét"), font=font(11)).grid(row=0, column=0, sticky="w")
        self.scanner = ttk.Combobox(box, width=26, font=font(11))
        self.scanner.grid(row=0, column=1, sticky="w", padx=(6, 0))
        ttk.Label(box, text=_("Để trống: dùng máy quét đầu tiên tìm thấy."), font=font(10),
                  bootstyle="secondary").grid(row=1, column=1, sticky="w", padx=(6, 0))
        buttons = ttk.Frame(box)
        buttons.grid(row=2, column=1, sticky="w", padx=(6, 0), pady=(6, 0))
        self.find_scanners_button = ttk.Button(buttons, text=_("Tìm máy quét"),
                                               bootstyle="secondary",
                                               command=self.on_find_scanners)
        self.find_scanners_button.pack(side="left")
        self.save_scanner_button = ttk.Button(buttons, text=_("Lưu máy quét"),
                                              bootstyle="primary", command=self.on_save_scanner)
        self.save_scanner_button.pack(side="left", padx=(6, 0))
        self.test_scan_button = ttk.Button(buttons, text=_("Quét thử"), bootstyle="secondary",
                                           command=self.on_test_scan)
        self.test_scan_button.pack(side="left", padx=(6, 0))

    def on_scanner_device(self, device: str) -> None:
        self.scanner.set(device)

    def on_find_scanners(self) -> None:
        # a busy sign while SANE/WIA looks (it can take many seconds): the button off,
        # the line saying so — after submit, which clears the line
        self.find_scanners_button.configure(state="disabled", text=_("Đang tìm…"))
        self.submit(settings.find_scanners, on_done=self.on_scanners_found,
                    on_error=self.on_find_scanners_failed)
        self.message.show(_("Đang tìm máy quét… (có thể mất đến một phút)"), "info")

    def scanners_searched(self) -> None:
        self.find_scanners_button.configure(state="normal", text=_("Tìm máy quét"))

    def on_find_scanners_failed(self, message: str) -> None:
        self.scanners_searched()
        self.message.show(message, "error")

    def on_scanners_found(self, found) -> None:
        self.scanners_searched()
        self.scanner.configure(values=[s.device for s in found])
        if not found:
            self.message.show(_("Không tìm thấy máy quét nào; kiểm tra máy quét đã cắm dây, "
                                "bật nguồn và đã cài trình điều khiển (SANE/WIA)."), "warning")
            return
        if not self.scanner.get().strip():
            self.scanner.set(found[0].device)
        self.ok(_("Tìm thấy {n} máy quét: {names}.").format(
            n=len(found), names="; ".join(f"{s.device} ({s.label})" for s in found)))

    def on_save_scanner(self) -> None:
        self.submit(settings.save_scanner, self.scanner.get(), on_done=self.on_scanner_saved)

    def on_scanner_saved(self, device: str) -> None:
        self.on_scanner_device(device)
        self.ok(_("Đã lưu máy quét {device}.").format(device=device) if device else
                _("Đã lưu: dùng máy quét đầu tiên tìm thấy."))

    def on_test_scan(self) -> None:
        self.message.show(_("Đang quét thử… đặt một trang lên máy quét."), "info")
        self.test_scan_button.configure(state="disabled")
        self.shell.tasks.submit(settings.test_scan, self.ctx, self.scanner.get(),
                                on_done=self.on_test_scanned, on_error=self.on_test_scan_error)

    def on_test_scanned(self, png: bytes) -> None:
        from sadec_desk.views.pages import photo_image, release_tk_objects_image

        self.test_scan_button.configure(state="normal")
        # the scanned page takes the preview's place (the column has no room for both)
        old, self._image = self._image, photo_image(png, master=self)
        self.preview.configure(image=self._image, text="")
        if old is not None:
            release_tk_objects_image(old)
        self.ok(_("Quét thử được: máy quét dùng được (trang quét thử ở ô xem trước)."))

    def on_test_scan_error(self, message: str) -> None:
        self.test_scan_button.configure(state="normal")
        self.message.show(message, "error")

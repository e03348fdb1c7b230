"""The kiosk's only way to a file (issue #17 item 4): a touch list of the image and PDF
files on the USB sticks plugged in now, a page of big buttons at a time. No desktop file
window, no folder of the PC: the list comes from
:func:`sadec_desk.services.kiosk.usb_files.list_usb_files`, read in the worker."""

from __future__ import annotations

import tkinter as tk
from collections.abc import Callable

from sadec_desk.i18n import _
from sadec_desk.services.kiosk import usb_files
from sadec_desk.views.kiosk.scale import kfont, px

NAVY = "#0b3d6b"
RED = "#b02a37"
#: files per page of the list (big touch rows; paged rather than scrolled)
PER_PAGE = 6


class UsbPicker:
    """``on_pick(path)`` with the file the citizen touched; ``on_close()`` otherwise."""

    def __init__(self, flow, on_pick: Callable[[str], None], on_close: Callable[[], None]):
        self.flow = flow
        self.on_pick, self.on_close = on_pick, on_close
        self.files: list = []
        self.page = 0
        self.panel = tk.Frame(flow.kiosk.window, background="white", bd=3, relief="ridge",
                              padx=px(24), pady=px(16))
        self.panel.place(relx=0.5, rely=0.5, anchor="center", relwidth=0.86)
        tk.Label(self.panel, text=_("Chọn tệp từ USB"), font=kfont(24, "bold"), bg="white",
                 fg=NAVY).pack()
        self.status = tk.Label(self.panel, text=_("Đang tìm tệp trên USB…"), font=kfont(17),
                               bg="white", fg=NAVY, wraplength=px(900))
        self.status.pack(pady=(px(4), px(8)))
        self.rows = tk.Frame(self.panel, background="white")
        self.rows.pack(fill="x")
        self.file_buttons: dict[str, tk.Button] = {}
        bottom = tk.Frame(self.panel, background="white")
        bottom.pack(fill="x", pady=(px(10), 0))
        self.close_button = self.button(bottom, _("Đóng"), self.close, "#546e7a")
        self.close_button.pack(side="left")
        self.refresh_button = self.button(bottom, _("Tìm lại"), self.refresh, "#1565c0")
        self.refresh_button.pack(side="left", padx=px(12))
        self.next_button = self.button(bottom, _("Trang sau ›"), lambda: self.show(self.page + 1),
                                       "#00695c")
        self.next_button.pack(side="right")
        self.previous_button = self.button(bottom, _("‹ Trang trước"),
                                           lambda: self.show(self.page - 1), "#00695c")
        self.previous_button.pack(side="right", padx=px(12))
        self.refresh()

    @staticmethod
    def button(parent, text: str, command, bg: str) -> tk.Button:
        return tk.Button(parent, text=text, font=kfont(18, "bold"), bg=bg, fg="white",
                         activebackground=NAVY, activeforeground="white", relief="flat",
                         padx=px(16), pady=px(8), disabledforeground="#cfd8dc",
                         command=command)

    @property
    def alive(self) -> bool:
        return self.panel.winfo_exists()

    def refresh(self) -> None:
        self.status.configure(text=_("Đang tìm tệp trên USB…"), fg=NAVY)
        self.flow.run(usb_files.list_usb_files, self.flow.ctx, blocking=False,
                      on_done=self.on_files, on_error=self.on_error)

    def on_files(self, files: list) -> None:
        if not self.alive:
            return
        self.files = files
        if not files:
            self.status.configure(fg=RED, text=_(
                "Chưa thấy ảnh hoặc tệp PDF nào trên USB. Hãy cắm USB vào cổng của kiosk, "
                "chờ vài giây rồi bấm «Tìm lại»."))
        else:
            self.status.configure(fg=NAVY, text=_(
                "Chạm vào tệp ảnh hoặc PDF của giấy tờ ({n} tệp).").format(n=len(files)))
        self.show(0)

    def on_error(self, message: str) -> None:
        if self.alive:
            self.status.configure(text=message, fg=RED)

    def show(self, page: int) -> None:
        self.flow.kiosk.touched()
        pages = max(1, -(-len(self.files) // PER_PAGE))
        self.page = max(0, min(page, pages - 1))
        for child in self.rows.winfo_children():
            child.destroy()
        self.file_buttons = {}
        for file in self.files[self.page * PER_PAGE:(self.page + 1) * PER_PAGE]:
            kind = _("PDF") if file.is_pdf else _("Ảnh")
            text = f"{kind} · {file.name}  ({file.size_text}, USB {file.stick})"
            button = tk.Button(self.rows, text=text, font=kfont(17), bg="#e3f2fd", fg=NAVY,
                               activebackground="#bbdefb", relief="raised", bd=2, anchor="w",
                               padx=px(12), pady=px(6), wraplength=px(980), justify="left",
                               command=lambda p=file.path: self.pick(p))
            button.pack(fill="x", pady=px(3))
            self.file_buttons[file.name] = button
        self.previous_button.configure(state="normal" if self.page > 0 else "disabled")
        self.next_button.configure(state="normal" if self.page < pages - 1 else "disabled")

    def pick(self, path: str) -> None:
        self.destroy()
        self.on_pick(path)

    def close(self) -> None:
        self.destroy()
        self.on_close()

    def destroy(self) -> None:
        if self.panel.winfo_exists():
            self.panel.destroy()

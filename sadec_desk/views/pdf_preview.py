"""The pages of a saved A5 form shown in the app (issue #17 item 5): for an office with no
office printer set, the clerk sees the form before printing it on the default printer."""

from __future__ import annotations

import tkinter as tk

import ttkbootstrap as ttk

from sadec_desk.i18n import _
from sadec_desk.views.pages import photo_image
from sadec_desk.views.widgets import font


class PdfPreview(tk.Toplevel):
    """``pages``: PNG images of the pages, top to bottom in a scrolling window."""

    def __init__(self, parent, *, title: str, pages: list[bytes]):
        super().__init__(parent)
        self.title(title)
        self.transient(parent.winfo_toplevel())
        self.images = [photo_image(png, master=self) for png in pages]
        body = ttk.Frame(self, padding=8)
        body.pack(fill="both", expand=True)
        text = tk.Text(body, width=70, height=32, borderwidth=0, cursor="arrow")
        bar = ttk.Scrollbar(body, orient="vertical", command=text.yview)
        text.configure(yscrollcommand=bar.set)
        bar.pack(side="right", fill="y")
        text.pack(side="left", fill="both", expand=True)
        for image in self.images:
            text.image_create("end", image=image, padx=6, pady=6)
            text.insert("end", "\n")
        text.configure(state="disabled")
        ttk.Button(self, text=_("Đóng"), bootstyle="secondary", command=self.destroy
                   ).pack(side="bottom", pady=(0, 8))
        self.bind("<Escape>", lambda _e: self.destroy())
        ttk.Label(self, text=_("{n} trang").format(n=len(pages)), font=font(10)
                  ).pack(side="bottom")
        self.focus_force()  # Escape closes it at once, with or without a window manager

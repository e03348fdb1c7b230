"""Vietnamese open/save file windows of our own (issue #17 item 5).

Tk's own file dialogs on Linux are English, tiny and keyboard-only; this one is themed,
speaks Vietnamese and is big enough to click. It lists one folder at a time (sub-folders
first, then the files whose names match the patterns), walks up with "Lên thư mục trên"
and, to save, takes a file name. It does not block: ``on_chosen(path)`` is called after
it closes, with "" when the clerk cancelled. Only for staff screens: the kiosk never
shows a file window (issue #17 item 4).
"""

from __future__ import annotations

import fnmatch
import tkinter as tk
from collections.abc import Callable, Sequence
from pathlib import Path

import ttkbootstrap as ttk

from sadec_desk.i18n import _
from sadec_desk.views.widgets import MessageBar, font

MAX_ENTRIES = 2000  # a folder of thousands of scans: the first ones, then a sentence


class FileDialog(tk.Toplevel):
    def __init__(self, parent, *, title: str, patterns: Sequence[str], on_chosen:
                 Callable, save: bool = False, folder: str | Path | None = None,
                 file_name: str = "", multiple: bool = False, suffix: str = "",
                 folder_mode: bool = False):
        super().__init__(parent)
        self.withdraw()
        self.title(title)
        self.transient(parent.winfo_toplevel())
        self.patterns = tuple(patterns) or ("*",)
        self.on_chosen = on_chosen
        self.save = save
        self.multiple = multiple  # open: several files at once (on_chosen gets a list)
        self.suffix = suffix  # save: added when the name typed has none
        self.folder_mode = folder_mode  # choosing a folder: only folders are listed
        start = Path(folder).expanduser() if folder else Path.home()
        self.folder = start if start.is_dir() else Path.home()
        body = ttk.Frame(self, padding=12)
        body.pack(fill="both", expand=True)
        body.columnconfigure(0, weight=1)
        body.rowconfigure(1, weight=1)
        bar = ttk.Frame(body)
        bar.grid(row=0, column=0, sticky="we")
        ttk.Button(bar, text=_("Lên thư mục trên"), bootstyle="secondary-outline",
                   command=self.go_up).pack(side="left")
        self.folder_label = ttk.Label(bar, text="", font=font(10))
        self.folder_label.pack(side="left", padx=8)
        self.listing = ttk.Treeview(body, columns=("kind",), show="tree headings", height=14,
                                    selectmode="extended" if multiple else "browse")
        self.listing.heading("#0", text=_("Tên"))
        self.listing.heading("kind", text=_("Loại"))
        self.listing.column("#0", width=420)
        self.listing.column("kind", width=110, stretch=False)
        self.listing.grid(row=1, column=0, sticky="nsew", pady=6)
        self.listing.bind("<Double-1>", lambda _e: self.on_open_selected())
        self.listing.bind("<Return>", lambda _e: self.on_open_selected())
        self.listing.bind("<<TreeviewSelect>>", lambda _e: self.on_selected())
        self.name = None
        if save:
            row = ttk.Frame(body)
            row.grid(row=2, column=0, sticky="we")
            ttk.Label(row, text=_("Tên tệp"), font=font(10)).pack(side="left")
            self.name = ttk.Entry(row, font=font(11))
            self.name.pack(side="left", fill="x", expand=True, padx=6)
            self.name.insert(0, file_name)
        self.message = MessageBar(body, wraplength=520)
        self.message.grid(row=3, column=0, sticky="we")
        buttons = ttk.Frame(body)
        buttons.grid(row=4, column=0, sticky="we", pady=(6, 0))
        ttk.Button(buttons, text=_("Hủy"), bootstyle="secondary-outline",
                   command=self.cancel).pack(side="left")
        self.ok_button = ttk.Button(buttons, text=_("Lưu") if save else
                                    _("Chọn thư mục này") if folder_mode else _("Mở"),
                                    bootstyle="primary", command=self.on_ok)
        self.ok_button.pack(side="right")
        self.protocol("WM_DELETE_WINDOW", self.cancel)
        self.bind("<Escape>", lambda _e: self.cancel())
        self.show_folder(self.folder)
        self.update_idletasks()
        top = parent.winfo_toplevel()
        self.geometry(f"+{top.winfo_rootx() + 60}+{top.winfo_rooty() + 40}")
        self.deiconify()
        (self.name or self.listing).focus_set()
        try:
            self.grab_set()
        except tk.TclError:
            pass

    def matches(self, path: Path) -> bool:
        return any(fnmatch.fnmatch(path.name.lower(), p.lower()) for p in self.patterns)

    def show_folder(self, folder: Path) -> None:
        try:
            entries = sorted(folder.iterdir(), key=lambda p: (not p.is_dir(), p.name.lower()))
        except OSError as exc:
            self.message.show(_("Không mở được thư mục {folder}: {error}").format(
                folder=folder, error=exc.strerror or exc), "error")
            return
        self.folder = folder
        self.folder_label.configure(text=str(folder))
        self.listing.delete(*self.listing.get_children())
        self.message.clear()
        shown = 0
        for path in entries:
            if path.name.startswith("."):
                continue
            is_dir = path.is_dir()
            if not is_dir and (self.folder_mode or not self.matches(path)):
                continue
            if shown == MAX_ENTRIES:
                self.message.show(_("Thư mục có quá nhiều tệp; chỉ hiện {n} tệp đầu.")
                                  .format(n=MAX_ENTRIES), "warning")
                break
            self.listing.insert("", "end", iid=str(path), text=path.name,
                                values=(_("Thư mục") if is_dir else _("Tệp"),))
            shown += 1

    def go_up(self) -> None:
        if self.folder.parent != self.folder:
            self.show_folder(self.folder.parent)

    def selected(self) -> Path | None:
        chosen = self.listing.selection()
        return Path(chosen[0]) if chosen else None

    def on_selected(self) -> None:
        path = self.selected()
        if self.name is not None and path is not None and path.is_file():
            self.name.delete(0, "end")
            self.name.insert(0, path.name)

    def on_open_selected(self) -> None:
        path = self.selected()
        if path is not None and path.is_dir():
            self.show_folder(path)
        elif path is not None:
            self.on_ok()

    def chosen_folder(self) -> Path:
        """Folder mode: the folder selected in the list, else the one shown."""
        path = self.selected()
        return path if path is not None and path.is_dir() else self.folder

    def on_ok(self) -> None:
        if self.folder_mode:
            self.finish(str(self.chosen_folder()))
            return
        if self.save:
            name = self.name.get().strip()
            if not name or "/" in name or "\\" in name:
                self.message.show(_("Hãy nhập tên tệp (không có dấu / hay \\)."), "error")
                return
            if self.suffix and not name.lower().endswith(self.suffix.lower()):
                name += self.suffix
            self.finish(str(self.folder / name))
            return
        files = [Path(i) for i in self.listing.selection() if Path(i).is_file()]
        if not files:
            self.message.show(_("Hãy chọn một tệp trong danh sách."), "error")
            return
        self.finish([str(f) for f in files] if self.multiple else str(files[0]))

    def cancel(self) -> None:
        self.finish([] if self.multiple else "")

    def finish(self, path) -> None:
        try:
            self.grab_release()
        except tk.TclError:
            pass
        self.destroy()
        self.on_chosen(path)


def ask_open_file(parent, *, title: str, patterns: Sequence[str],
                  on_chosen: Callable[[str], None], folder: str | Path | None = None
                  ) -> FileDialog:
    parent.file_dialog = FileDialog(parent, title=title, patterns=patterns,
                                    on_chosen=on_chosen, folder=folder)
    return parent.file_dialog


def ask_open_files(parent, *, title: str, patterns: Sequence[str],
                   on_chosen: Callable[[list[str]], None], folder: str | Path | None = None
                   ) -> FileDialog:
    parent.file_dialog = FileDialog(parent, title=title, patterns=patterns,
                                    on_chosen=on_chosen, folder=folder, multiple=True)
    return parent.file_dialog


def ask_save_file(parent, *, title: str, patterns: Sequence[str],
                  on_chosen: Callable[[str], None], folder: str | Path | None = None,
                  file_name: str = "", suffix: str = "") -> FileDialog:
    parent.file_dialog = FileDialog(parent, title=title, patterns=patterns,
                                    on_chosen=on_chosen, save=True, folder=folder,
                                    file_name=file_name, suffix=suffix)
    return parent.file_dialog


def ask_folder(parent, *, title: str, on_chosen: Callable[[str], None],
               folder: str | Path | None = None) -> FileDialog:
    """A folder (the backup folder...): the one selected in the list or the one shown."""
    parent.file_dialog = FileDialog(parent, title=title, patterns=(), on_chosen=on_chosen,
                                    folder=folder, folder_mode=True)
    return parent.file_dialog

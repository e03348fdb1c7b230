"""Small building blocks shared by the screens."""

from __future__ import annotations

import re
import tkinter as tk

import ttkbootstrap as ttk

from sadec_desk.i18n import _

FONT = "DejaVu Sans"  # full Vietnamese coverage; Tk falls back if it is missing


def font(size: int = 11, weight: str = "normal") -> tuple:
    return (FONT, size, weight)


class MessageBar(ttk.Frame):
    """One line under a screen's title: what just happened, or what to fix (in red).

    A message never takes more than its one line (issue #17 item 3: a three-line message
    pushed the buttons under it out of the window): when the whole text does not fit the
    bar's width, the line shows its first sentence (or as much as fits, with "…") and a
    "Chi tiết" button opens the rest — file paths, setting names, what a device said —
    in a small window where it can be read and copied. ``text`` is always the whole
    message; ``details``, when given, is what "Chi tiết" shows instead (a sentence for the
    clerk on the line, the file's path and the setting's name behind the button)."""

    #: plain colours: a bootstyle on a Label subclass is not recognised by ttkbootstrap
    COLOURS = {"info": "#1f5f99", "ok": "#146c43", "error": "#b02a37", "warning": "#8a5a00"}

    def __init__(self, parent, wraplength: int = 900, **kw):
        # wraplength: kept for the callers' sake; the line follows the bar's own width
        super().__init__(parent, **kw)
        self.kind = "info"
        self._text = ""
        self.details = ""
        #: called after a message is shown (a scrolling tab brings its line into view)
        self.on_show = None
        self.line = ttk.Label(self, text="", anchor="w", font=font(11))
        self.details_button = ttk.Button(self, text=_("Chi tiết"), bootstyle="link",
                                         padding=(4, 0), command=self.on_details)
        self.line.pack(side="left")
        self.bind("<Configure>", lambda _e: self._fit())

    def show(self, text: str, kind: str = "info", details: str = "") -> None:
        self.kind, self._text, self.details = kind, text or "", details or ""
        self.line.configure(foreground=self.COLOURS.get(kind, self.COLOURS["info"]))
        self._fit()
        if self._text and self.on_show is not None:
            self.on_show()

    def clear(self) -> None:
        self.show("", self.kind)

    @property
    def text(self) -> str:
        return self._text

    @property
    def shown(self) -> str:
        """What the one line shows now (the whole text, or its start)."""
        return self.line.cget("text")

    def _fit(self) -> None:
        text = " ".join(self._text.split())  # one line: the message's own line breaks too
        width = self.winfo_width()
        if width <= 1:  # not laid out yet: a sensible guess, fitted again on <Configure>
            width = max(self.winfo_reqwidth(), 600)
        spec = self.line.cget("font")

        def measure(part: str) -> int:
            return int(self.tk.call("font", "measure", spec, part))

        if measure(text) <= width - 4 and not self.details:
            self.details_button.pack_forget()
            self.line.configure(text=text)
            return
        room = width - measure(_("Chi tiết")) - 30
        # as many whole sentences as fit; the rest behind "Chi tiết"
        sentences = re.split(r"(?<=[.!?])\s", text)
        short = ""
        for sentence in sentences:
            longer = f"{short} {sentence}".strip()
            if measure(longer) > room:
                break
            short = longer
        first = sentences[0]
        if not short:  # not even the first sentence: its longest start, with "…" (halving)
            low, high = 0, len(first)
            while low < high:
                middle = (low + high + 1) // 2
                if measure(first[:middle] + "…") <= room:
                    low = middle
                else:
                    high = middle - 1
            short = first[:low].rstrip() + "…"
        self.line.configure(text=short)
        if not self.details_button.winfo_manager():
            self.details_button.pack(side="left", padx=(6, 0))  # right after the text

    def on_details(self) -> None:
        DetailsWindow(self, title=_("Chi tiết"), text=self.details or self._text)


class DetailsWindow(tk.Toplevel):
    """The whole of a message too long for its line, readable and copyable."""

    def __init__(self, parent, *, title: str, text: str):
        super().__init__(parent)
        self.title(title)
        self.transient(parent.winfo_toplevel())
        body = ttk.Frame(self, padding=12)
        body.pack(fill="both", expand=True)
        ttk.Button(body, text=_("Đóng"), bootstyle="secondary", command=self.destroy
                   ).pack(side="bottom", anchor="e", pady=(8, 0))
        self.text = tk.Text(body, width=64, height=8, wrap="word", font=font(11),
                            borderwidth=0)
        self.text.insert("1.0", text)
        self.text.configure(state="disabled")  # still selectable: a path can be copied
        self.text.pack(fill="both", expand=True)
        self.bind("<Escape>", lambda _e: self.destroy())
        top = parent.winfo_toplevel()
        self.geometry(f"+{top.winfo_rootx() + 80}+{top.winfo_rooty() + 80}")
        self.focus_force()  # Escape closes it at once, with or without a window manager


class ScrollableFrame(ttk.Frame):
    """A frame whose content scrolls when it is taller or wider than the room it gets
    (issue #17 item 3: no control outside the window at 1366×740 or on a portrait
    screen). Put the content in ``interior``; the scroll bars show only when needed and
    the content stretches to the room when it is smaller (its own expanding layout still
    works). The mouse wheel scrolls it while the pointer is over it."""

    def __init__(self, parent, *, padding=0, **kw):
        super().__init__(parent, **kw)
        self.rowconfigure(0, weight=1)
        self.columnconfigure(0, weight=1)
        self.canvas = tk.Canvas(self, highlightthickness=0, borderwidth=0)
        self.canvas.grid(row=0, column=0, sticky="nsew")
        self.vbar = ttk.Scrollbar(self, orient="vertical", command=self.canvas.yview)
        self.hbar = ttk.Scrollbar(self, orient="horizontal", command=self.canvas.xview)
        self.canvas.configure(yscrollcommand=self.vbar.set, xscrollcommand=self.hbar.set)
        # the interior asks for the canvas's room at least (grid minsize), so a smaller
        # content stretches to it, and for its content's size when that is larger: the
        # canvas follows any change of what the content asks for by itself
        self.interior = ttk.Frame(self.canvas, padding=padding)
        self.interior.rowconfigure(0, weight=1)
        self.interior.columnconfigure(0, weight=1)
        self.canvas.create_window(0, 0, window=self.interior, anchor="nw")
        self.interior.bind("<Configure>", lambda _e: self._layout())
        self.canvas.bind("<Configure>", lambda _e: self._room())
        self.bind("<Enter>", lambda _e: self._wheel(True))
        self.bind("<Leave>", lambda _e: self._wheel(False))
        #: called with the room's width when it changes: content that can rearrange
        #: itself (two columns -> one) does so before it needs a horizontal scroll bar
        self.room_watchers: list = []

    def hold(self, content) -> None:
        """Put ``content`` (a child of ``interior``) in the scrolling area."""
        content.grid(row=0, column=0, sticky="nsew")

    def _room(self) -> None:
        for watcher in self.room_watchers:
            watcher(self.canvas.winfo_width())
        self.interior.columnconfigure(0, minsize=self.canvas.winfo_width())
        self.interior.rowconfigure(0, minsize=self.canvas.winfo_height())
        self._layout()

    def _layout(self) -> None:
        width, height = self.interior.winfo_width(), self.interior.winfo_height()
        self.canvas.configure(scrollregion=(0, 0, width, height))
        self._show_bar(self.vbar, height > self.canvas.winfo_height() + 1,
                       row=0, column=1, sticky="ns")
        self._show_bar(self.hbar, width > self.canvas.winfo_width() + 1,
                       row=1, column=0, sticky="we")

    @staticmethod
    def _show_bar(bar, needed: bool, **grid) -> None:
        if needed and not bar.winfo_manager():
            bar.grid(**grid)
        elif not needed and bar.winfo_manager():
            bar.grid_remove()

    def _wheel(self, on: bool) -> None:
        for sequence in ("<MouseWheel>", "<Button-4>", "<Button-5>"):
            if on:
                self.bind_all(sequence, self.on_wheel, add="+")
            else:
                self.unbind_all(sequence)

    def on_wheel(self, event) -> None:
        if not self.vbar.winfo_manager():
            return
        step = -1 if getattr(event, "num", 0) == 4 or getattr(event, "delta", 0) > 0 else 1
        self.canvas.yview_scroll(step * 3, "units")

    def see(self, widget) -> None:
        """Scroll so that ``widget`` (inside ``interior``) is in view."""
        if not self.vbar.winfo_manager():
            return  # all of it is in view
        self.update_idletasks()
        top = widget.winfo_rooty() - self.interior.winfo_rooty()
        height = max(1, self.interior.winfo_height())
        view_top, view_bottom = self.canvas.yview()
        if top / height < view_top or (top + widget.winfo_height()) / height > view_bottom:
            self.canvas.yview_moveto(max(0.0, top / height - 0.05))


def create_field(parent, row: int, label: str, *, width: int = 30, show: str = "",
                 column: int = 0) -> tuple[ttk.Entry, ttk.Label]:
    """A label, an entry and an error line under it (validation as you type)."""
    ttk.Label(parent, text=label, font=font(11)).grid(row=row, column=column, sticky="w",
                                                      padx=(0, 8), pady=(6, 0))
    entry = ttk.Entry(parent, width=width, font=font(12), show=show)
    entry.grid(row=row, column=column + 1, sticky="we", pady=(6, 0))
    error = ttk.Label(parent, text="", bootstyle="danger", font=font(9))
    error.grid(row=row + 1, column=column + 1, sticky="w")
    return entry, error


def set_entry(entry: tk.Entry, text: str) -> None:
    state = str(entry.cget("state"))
    if state in ("readonly", "disabled"):
        entry.configure(state="normal")
    entry.delete(0, "end")
    entry.insert(0, text)
    if state in ("readonly", "disabled"):
        entry.configure(state=state)


def watch(widget, callback) -> tk.StringVar:
    """Call ``callback()`` whenever the text of an Entry/Spinbox changes, however it changed
    (typing, pasting, a scanner, the program): validation as you type."""
    var = tk.StringVar(value=widget.get())
    widget.configure(textvariable=var)
    var.trace_add("write", lambda *_args: callback())
    widget._watch_var = var  # keep it alive as long as the widget
    return var


def release_tk_objects(*owners) -> None:
    """Free, here on the Tk thread, the Tk variables and images held by ``owners`` (a screen,
    a window's controller object) and by every widget inside them; call it as they close.

    A closed screen does not go away when its last outside reference does: a widget's
    attributes point at its children and every child's ``master`` points back, so the whole
    tree waits for Python's cyclic garbage collector. That collector runs on whichever thread
    happens to allocate — often a worker running a service call — and a ``Variable.__del__``
    or ``Image.__del__`` run there calls Tcl off the Tk thread ("main thread is not in main
    loop"). Here their Tcl side is removed now and the Python objects are made inert, so
    whatever thread collects the rest later never calls Tcl."""
    seen: set[int] = set()
    roots = [str(o) for o in owners if isinstance(o, tk.Misc)]

    def inside(widget: tk.Misc) -> bool:
        path = str(widget)
        return any(path == r or path.startswith(r + ".") or r == "." for r in roots)

    def visit(value, depth: int = 0) -> None:  # depth: containers nested in one attribute
        if id(value) in seen or depth > 4:
            return
        seen.add(id(value))
        if isinstance(value, tk.Variable):
            _release_variable(value)
        elif isinstance(value, tk.Image):
            _release_image(value)
        elif isinstance(value, list | tuple | set | frozenset):
            for item in value:
                visit(item, depth + 1)
        elif isinstance(value, dict):
            for item in value.values():
                visit(item, depth + 1)
        elif isinstance(value, tk.Misc):
            if inside(value):  # a widget of the closing tree: its own attributes afresh
                for item in list(vars(value).values()):
                    visit(item)
                for child in list(value.children.values()):
                    visit(child)

    for owner in owners:
        if isinstance(owner, tk.Misc):
            visit(owner)
        else:  # a plain controller object (KioskWindow): its own attributes only
            seen.add(id(owner))
            for item in list(vars(owner).values()):
                visit(item)


def _release_variable(var: tk.Variable) -> None:
    if getattr(var, "_tk", None) is None:
        return
    try:
        var.__del__()  # unset the Tcl variable, delete its trace commands
    except tk.TclError:
        pass
    var._tk = None  # its __del__ is a no-op from now on, on any thread


def _release_image(image: tk.Image) -> None:
    if not getattr(image, "name", None):
        return
    try:
        image.tk.call("image", "delete", image.name)
    except tk.TclError:
        pass
    image.name = None  # its __del__ is a no-op from now on, on any thread

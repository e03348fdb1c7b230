"""Small building blocks shared by the screens."""

from __future__ import annotations

import tkinter as tk

import ttkbootstrap as ttk

FONT = "DejaVu Sans"  # full Vietnamese coverage; Tk falls back if it is missing


def font(size: int = 11, weight: str = "normal") -> tuple:
    return (FONT, size, weight)


class MessageBar(ttk.Label):
    """One line under a screen's title: what just happened, or what to fix (in red)."""

    def __init__(self, parent, wraplength: int = 900, **kw):
        super().__init__(parent, text="", anchor="w", font=font(11), wraplength=wraplength,
                         **kw)

    #: plain colours: a bootstyle on a Label subclass is not recognised by ttkbootstrap
    COLOURS = {"info": "#1f5f99", "ok": "#146c43", "error": "#b02a37", "warning": "#8a5a00"}

    def show(self, text: str, kind: str = "info") -> None:
        self.kind = kind
        self.configure(text=text, foreground=self.COLOURS.get(kind, self.COLOURS["info"]))

    def clear(self) -> None:
        self.configure(text="")

    @property
    def text(self) -> str:
        return self.cget("text")


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

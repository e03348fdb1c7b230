"""Does every control of a window lie inside it? (issue #17 item 3)

``outside(window)`` walks the widget tree of a toplevel after the geometry managers ran and
lists, in words, every control a person could not see or reach:

- a mapped widget whose rectangle (root coordinates) is not inside its visible area — the
  toplevel, cut down by every ancestor (a frame narrower than what it holds cuts it too);
- a widget its geometry manager holds (pack, grid, place) that stayed unmapped although its
  parent is shown: pack unmaps what finds no room left, so a button pushed off the bottom
  of a window is *not* mapped and would escape a check on mapped widgets only;
- a button, check box or radio button narrower or lower than its text needs (cut text).

A widget inside a scrolling canvas counts as inside when the canvas's scroll region reaches
it: there its visible area is the scroll region (from the canvas's own items, which stay
right while the canvas unmaps an item scrolled out of view), and the canvas itself must lie
inside the window. Other tabs of a notebook and widgets taken off on purpose (pack_forget,
grid_remove: no manager) are skipped; child toplevels are windows of their own.
"""

from __future__ import annotations

import tkinter as tk

#: a pixel of rounding (borders, highlight rings) is not a control outside its window
SLACK = 1
#: controls whose text is cut when they get less than they asked for
TEXT_CONTROLS = {"TButton", "Button", "TCheckbutton", "Checkbutton", "TRadiobutton",
                 "Radiobutton", "TMenubutton"}

Rect = tuple[int, int, int, int]


def _inside(inner: Rect, outer: Rect) -> bool:
    return (inner[0] >= outer[0] - SLACK and inner[1] >= outer[1] - SLACK
            and inner[2] <= outer[2] + SLACK and inner[3] <= outer[3] + SLACK)


def _meet(a: Rect, b: Rect) -> Rect:
    return max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3])


def _name(widget) -> str:
    text = ""
    try:
        text = str(widget.cget("text"))[:40]
    except tk.TclError:
        pass
    return f"{widget.winfo_class()} {widget}" + (f" «{text}»" if text else "")


def _canvas_windows(canvas: tk.Canvas) -> dict[str, tuple[int, int]]:
    """Path of each embedded window -> where the canvas puts it (root coordinates)."""
    origin_x = canvas.winfo_rootx() - int(canvas.canvasx(0))
    origin_y = canvas.winfo_rooty() - int(canvas.canvasy(0))
    placed = {}
    for item in canvas.find_all():
        if canvas.type(item) != "window":
            continue
        path = canvas.itemcget(item, "window")
        box = canvas.bbox(item)
        if path and box:
            placed[path] = (origin_x + box[0], origin_y + box[1])
    return placed


def _scroll_region(canvas: tk.Canvas) -> Rect | None:
    region = str(canvas.cget("scrollregion")).split()
    if len(region) != 4:
        return None
    x0, y0, x1, y1 = (int(float(v)) for v in region)
    origin_x = canvas.winfo_rootx() - int(canvas.canvasx(0))
    origin_y = canvas.winfo_rooty() - int(canvas.canvasy(0))
    return origin_x + x0, origin_y + y0, origin_x + x1, origin_y + y1


def outside(window: tk.Misc) -> list[str]:
    """Every control of ``window`` a person could not see or reach, in words."""
    window.update_idletasks()
    window.update()
    top = (window.winfo_rootx(), window.winfo_rooty(),
           window.winfo_rootx() + window.winfo_width(),
           window.winfo_rooty() + window.winfo_height())
    found: list[str] = []

    def visit(widget, clip: Rect, shift: tuple[int, int], scrolled: bool) -> None:
        placed = _canvas_windows(widget) if isinstance(widget, tk.Canvas) else {}
        region = _scroll_region(widget) if placed else None
        for child in widget.winfo_children():
            if isinstance(child, tk.Toplevel | tk.Tk | tk.Menu):
                continue  # a window of its own (a menu is one too)
            manager = child.winfo_manager()
            if not manager:
                continue  # taken off on purpose (pack_forget, grid_remove, never placed)
            if manager in ("notebook", "panedwindow") and not child.winfo_ismapped():
                continue  # another tab
            child_shift, child_clip, child_scrolled = shift, clip, scrolled
            if str(child) in placed and region is not None:
                # inside a scrolling canvas: where the canvas says, reachable by scrolling
                at = placed[str(child)]
                child_shift = (at[0] - child.winfo_rootx(), at[1] - child.winfo_rooty())
                child_clip, child_scrolled = region, True
            elif manager == "canvas":
                continue  # a canvas item that does not scroll: the canvas draws it
            elif not child.winfo_ismapped() and not child_scrolled:
                found.append(f"{_name(child)}: no room left for it ({manager})")
                continue
            x = child.winfo_rootx() + child_shift[0]
            y = child.winfo_rooty() + child_shift[1]
            rect = (x, y, x + child.winfo_width(), y + child.winfo_height())
            if not _inside(rect, child_clip):
                found.append(f"{_name(child)}: at {rect}, visible area {child_clip}")
                continue  # what it holds is outside as well: one line is enough
            if child.winfo_class() in TEXT_CONTROLS and (
                    child.winfo_width() + SLACK < child.winfo_reqwidth()
                    or child.winfo_height() + SLACK < child.winfo_reqheight()):
                found.append(f"{_name(child)}: its text is cut ({child.winfo_width()}x"
                             f"{child.winfo_height()} of {child.winfo_reqwidth()}x"
                             f"{child.winfo_reqheight()})")
            visit(child, _meet(child_clip, rect), child_shift, child_scrolled)

    visit(window, top, (0, 0), False)
    return found

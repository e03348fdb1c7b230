"""Declarative slip layouts drawn with Pillow into a 1-bit image at the printer's width.

A layout is a TOML file in ``printers/layouts/`` (one per slip): a list of
``[[block]]`` tables drawn top to bottom. Block types:

- ``text``: ``text`` (a template filled from the data, never translated: a slip is an
  official Vietnamese paper, sadec_desk/i18n.py), ``size`` in points, ``bold``,
  ``align`` (left/center/right), ``fit`` (shrink a single line until it fits instead
  of wrapping);
- ``field``: ``label`` and ``value``: the bold label, then the value wrapping in
  the space after it (or under it when the label is wide);
- ``list``: ``items`` (name of a list in the data) and ``text`` (a template per
  item, wrapped with a hanging indent), ``empty`` (text when the list is empty);
- ``qr``: ``data`` (template), ``module`` (dots per module), ``caption``;
- ``rule`` (``thickness``, ``dashed``) and ``spacer`` (``height`` in points).

Every block takes ``when = "key"`` / ``unless = "key"`` to depend on a truthy
value in the data. Sizes are in points, so a slip has the same physical size on
a 203 dpi and a 180 dpi printer; on narrower paper text wraps, it is never cut
off at the right edge (long words are broken between letters as a last resort).
"""

from __future__ import annotations

import functools
import re
import tomllib
import unicodedata
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageDraw

from sadec_desk.printers.fonts import FontPair, find_fonts, load_font
from sadec_desk.printers.profiles import PrinterProfile

BLOCK_TYPES = ("text", "field", "list", "qr", "rule", "spacer")
ALIGNS = ("left", "center", "right")
MARGIN_PT = 1.5  # thermal heads print to the edge; a little air keeps text off it


class LayoutError(ValueError):
    """A layout file is malformed (a programming/packaging error, not the user's)."""


@dataclass(frozen=True)
class Layout:
    name: str
    blocks: tuple[dict[str, Any], ...]


_DEFAULTS: dict[str, dict[str, Any]] = {
    "text": {"text": "", "size": 9.0, "bold": False, "align": "left", "fit": False},
    "field": {"label": "", "value": "", "size": 9.0},
    "list": {"items": "", "text": "{item}", "size": 9.0, "bullet": "•", "empty": ""},
    "qr": {"data": "", "module": 0, "caption": "", "size": 8.0, "align": "center"},
    "rule": {"thickness": 2, "dashed": False},
    "spacer": {"height": 4.0},
}


def parse_layout(name: str, text: str) -> Layout:
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise LayoutError(f"layout {name}: {exc}") from None
    blocks = []
    for i, block in enumerate(raw.get("block", [])):
        kind = block.get("type")
        if kind not in BLOCK_TYPES:
            raise LayoutError(f"layout {name}, block {i}: unknown type {kind!r}")
        unknown = set(block) - set(_DEFAULTS[kind]) - {"type", "when", "unless"}
        if unknown:
            raise LayoutError(f"layout {name}, block {i} ({kind}): unknown keys {sorted(unknown)}")
        if block.get("align", "left") not in ALIGNS:
            raise LayoutError(f"layout {name}, block {i}: align must be one of {ALIGNS}")
        blocks.append({**_DEFAULTS[kind], **block})
    if not blocks:
        raise LayoutError(f"layout {name} has no blocks")
    return Layout(name=name, blocks=tuple(blocks))


@functools.cache
def load_layout(name: str) -> Layout:
    """One of the layouts shipped in ``printers/layouts/`` (ticket, receipt...)."""
    path = resources.files("sadec_desk.printers") / "layouts" / f"{name}.toml"
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise LayoutError(f"no layout called {name!r}") from None
    return parse_layout(name, text)


def layout_from_file(path: Path) -> Layout:
    return parse_layout(path.stem, path.read_text(encoding="utf-8"))


# --- QR codes ---------------------------------------------------------------------------


@functools.lru_cache(maxsize=256)
def qr_matrix(data: str) -> np.ndarray:
    """The QR code of ``data`` (error correction M) as a bool array, True = dark module."""
    import zxingcpp

    fmt = zxingcpp.BarcodeFormat.QRCode
    if hasattr(zxingcpp, "create_barcode"):  # zxing-cpp >= 2.3
        image = zxingcpp.create_barcode(data, fmt, ec_level="M").to_image(
            scale=1, add_quiet_zones=False)
    else:
        image = zxingcpp.write_barcode(fmt, data, width=0, height=0, quiet_zone=0, ec_level=4)
    return np.asarray(image) < 128


def qr_image(data: str, module: int) -> Image.Image:
    """A 1-bit QR image, ``module`` dots per module, with the 4-module quiet zone."""
    matrix = np.pad(qr_matrix(data), 4)
    scaled = np.kron(matrix, np.ones((module, module), dtype=bool))
    return Image.fromarray(~scaled)  # bool array -> mode "1"; True = white


# --- rendering --------------------------------------------------------------------------


@functools.lru_cache(maxsize=4096)
def text_mask(text: str, font) -> tuple[Image.Image, tuple[int, int]]:
    """The 1-bit glyphs of a line and their offset from the drawing origin.

    Pillow rasterises every glyph on every call; most lines of a slip (office name,
    labels, footer) repeat from one slip to the next, so they are drawn once and
    pasted after that: the same pixels ``ImageDraw.text`` gives, several times faster.
    """
    left, top, right, bottom = font.getbbox(text, mode="1")
    mask = Image.new("1", (max(1, right - left), max(1, bottom - top)), 0)
    ImageDraw.Draw(mask).text((-left, -top), text, font=font, fill=1)
    return mask, (left, top)


@dataclass
class _Canvas:
    width: int
    dpi: int
    fonts: FontPair
    ops: list = field(default_factory=list)  # (kind, x, y, payload...)
    y: int = 0
    texts: list[str] = field(default_factory=list)  # every string drawn (glyph checks)

    def px(self, points: float) -> int:
        return max(1, round(points * self.dpi / 72))

    @property
    def margin(self) -> int:
        return self.px(MARGIN_PT)

    def font(self, size_pt: float, bold: bool = False):
        return load_font(self.fonts.bold if bold else self.fonts.regular, self.px(size_pt))


def fill_template(template: str, data: dict[str, Any], extra: dict[str, Any] | None = None
                  ) -> str:
    """A layout's text with the slip's fields put in (``{code}``), NFC; the raster drawing
    here and the text mode of :mod:`.encode` both fill through it. Not translated: the
    slip is Vietnamese whatever the interface language."""
    if not template:
        return ""
    values = {**data, **(extra or {})}
    return unicodedata.normalize("NFC", template.format_map(values))


@functools.lru_cache(maxsize=8192)
def _length(font, text: str) -> float:
    # Slips are drawn without anti-aliasing (mode "1"), where hinting rounds every
    # advance to whole dots: measure the same way or lines overrun the margin.
    return font.getlength(text, mode="1")


_BREAK_AFTER = re.compile(r"(?<=[-./,_:])")


def _break_word(word: str, font, width: float) -> list[str]:
    """Split a word that is wider than the line: after - . / , _ : where possible (dossier
    codes, addresses, URLs), between letters as a last resort."""
    pieces: list[str] = []
    current = ""
    for part in _BREAK_AFTER.split(word):
        if _length(font, current + part) <= width:
            current += part
            continue
        if current:
            pieces.append(current)
            current = ""
        for char in part:
            if current and _length(font, current + char) > width:
                pieces.append(current)
                current = char
            else:
                current += char
    if current:
        pieces.append(current)
    return pieces


def wrap(text: str, font, width: float, first_width: float | None = None) -> list[str]:
    """Greedy word wrap to ``width`` dots (``first_width`` for the first line)."""
    return list(_wrap(text, font, width, first_width))


@functools.lru_cache(maxsize=4096)
def _wrap(text: str, font, width: float, first_width: float | None) -> tuple[str, ...]:
    # fonts come from load_font's cache, so the font object is a stable key
    lines: list[str] = []
    for paragraph in text.split("\n"):
        current = ""
        for word in paragraph.split():
            limit = first_width if (first_width is not None and not lines) else width
            candidate = f"{current} {word}" if current else word
            if _length(font, candidate) <= limit:
                current = candidate
                continue
            if current:
                lines.append(current)
                current = ""
                limit = width
            if _length(font, word) <= limit:
                current = word
            else:
                *full, current = _break_word(word, font, limit)
                lines.extend(full)
        lines.append(current)
    return tuple(lines)


def _line_height(font) -> int:
    ascent, descent = font.getmetrics()
    return ascent + descent + max(1, font.size // 8)


def _draw_lines(canvas: _Canvas, lines: list[str], font, align: str, x0: int,
                width: int, first_x: int | None = None) -> None:
    step = _line_height(font)
    for i, line in enumerate(lines):
        x = first_x if (first_x is not None and i == 0) else x0
        if align != "left":
            room = width - _length(font, line)
            x = x0 + int(room / 2 if align == "center" else room)
        if line:
            canvas.ops.append(("text", x, canvas.y, line, font))
            canvas.texts.append(line)
        canvas.y += step


def _text(canvas: _Canvas, block, data) -> None:
    text = fill_template(block["text"], data)
    width = canvas.width - 2 * canvas.margin
    font = canvas.font(block["size"], block["bold"])
    if block["fit"]:
        size = block["size"]
        while _length(font, text) > width and size > 6:
            size *= 0.9
            font = canvas.font(size, block["bold"])
    _draw_lines(canvas, wrap(text, font, width), font, block["align"], canvas.margin, width)


def _field(canvas: _Canvas, block, data) -> None:
    label = fill_template(block["label"], data)
    value = fill_template(block["value"], data)
    bold = canvas.font(block["size"], True)
    regular = canvas.font(block["size"])
    width = canvas.width - 2 * canvas.margin
    label_text = f"{label}: " if label else ""
    label_width = int(_length(bold, label_text))
    start_y = canvas.y
    if label_text:
        canvas.ops.append(("text", canvas.margin, canvas.y, label_text, bold))
        canvas.texts.append(label_text)
    if label_width > width * 0.6:
        # a long label: the value goes under it, indented
        canvas.y += _line_height(bold)
        indent = canvas.px(8)
        _draw_lines(canvas, wrap(value, regular, width - indent), regular, "left",
                    canvas.margin + indent, width - indent)
    else:
        indent = label_width
        lines = wrap(value, regular, width - indent)
        _draw_lines(canvas, lines, regular, "left", canvas.margin + indent, width - indent)
    canvas.y = max(canvas.y, start_y + _line_height(bold))


def _list(canvas: _Canvas, block, data) -> None:
    items = data.get(block["items"]) or []
    font = canvas.font(block["size"])
    width = canvas.width - 2 * canvas.margin
    if not items and block["empty"]:
        _draw_lines(canvas, wrap(fill_template(block["empty"], data), font, width), font, "left",
                    canvas.margin, width)
        return
    bullet = f"{block['bullet']} " if block["bullet"] else ""
    indent = int(_length(font, bullet))
    for item in items:
        extra = item if isinstance(item, dict) else {"item": item}
        text = fill_template(block["text"], data, extra)
        lines = wrap(text, font, width - indent)
        if bullet:
            canvas.ops.append(("text", canvas.margin, canvas.y, bullet, font))
            canvas.texts.append(bullet)
        _draw_lines(canvas, lines, font, "left", canvas.margin + indent, width - indent)


def _qr(canvas: _Canvas, block, data) -> None:
    payload = fill_template(block["data"], data)
    if not payload:
        return
    modules = qr_matrix(payload).shape[0] + 8
    # default module size: about 0.5 mm (what phone cameras read comfortably), and the
    # whole code at most 60 % of the paper width
    module = block["module"] or max(2, round(canvas.dpi / 50.8))
    module = max(1, min(module, int(canvas.width * 0.6) // modules))
    image = qr_image(payload, module)
    room = canvas.width - image.width
    x = {"left": canvas.margin, "center": room // 2, "right": room - canvas.margin}[block["align"]]
    canvas.ops.append(("image", x, canvas.y, image))
    canvas.y += image.height
    if block["caption"]:
        font = canvas.font(block["size"])
        width = canvas.width - 2 * canvas.margin
        _draw_lines(canvas, wrap(fill_template(block["caption"], data), font, width), font,
                    "center", canvas.margin, width)


def _rule(canvas: _Canvas, block, data) -> None:
    canvas.y += canvas.px(2)
    canvas.ops.append(("rule", canvas.margin, canvas.y, block["thickness"], block["dashed"]))
    canvas.y += block["thickness"] + canvas.px(2)


def _spacer(canvas: _Canvas, block, data) -> None:
    canvas.y += canvas.px(block["height"])


_DRAW = {"text": _text, "field": _field, "list": _list, "qr": _qr, "rule": _rule,
         "spacer": _spacer}


@dataclass(frozen=True)
class Rendered:
    image: Image.Image  # mode "1", width = the profile's width in dots
    texts: tuple[str, ...]  # every string drawn, for glyph checks and text mode


def render(layout: Layout, data: dict[str, Any], profile: PrinterProfile,
           fonts: FontPair | None = None) -> Rendered:
    """Draw ``layout`` filled with ``data`` at ``profile``'s width and dpi."""
    canvas = _Canvas(width=profile.width_dots, dpi=profile.dpi, fonts=fonts or find_fonts())
    for block in layout.blocks:
        if block.get("when") and not data.get(block["when"]):
            continue
        if block.get("unless") and data.get(block["unless"]):
            continue
        _DRAW[block["type"]](canvas, block, data)
    height = canvas.y + canvas.px(MARGIN_PT)
    image = Image.new("1", (canvas.width, height), 1)
    draw = ImageDraw.Draw(image)
    right = canvas.width - canvas.margin
    for op in canvas.ops:
        kind, x, y = op[:3]
        if kind == "text":
            mask, (left, top) = text_mask(op[3], op[4])
            image.paste(0, (x + left, y + top), mask)
        elif kind == "image":
            image.paste(op[3], (x, y))
        elif kind == "rule":
            thickness, dashed = op[3], op[4]
            if dashed:
                step = canvas.px(3)
                for start in range(x, right, 2 * step):
                    draw.rectangle((start, y, min(start + step, right) - 1, y + thickness - 1),
                                   fill=0)
            else:
                draw.rectangle((x, y, right - 1, y + thickness - 1), fill=0)
    return Rendered(image=image, texts=tuple(canvas.texts))


def render_named(name: str, data: dict[str, Any], profile: PrinterProfile,
                 fonts: FontPair | None = None) -> Rendered:
    return render(load_layout(name), data, profile, fonts)

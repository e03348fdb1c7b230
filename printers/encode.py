"""Turning a rendered slip into ESC/POS bytes with python-escpos.

Raster mode (the default, docs/design.md §4): the 1-bit image goes out as ``GS v 0``
raster blocks through python-escpos ``image(impl="bitImageRaster")``, then a cut.

Text mode (an option for printers whose firmware has a Vietnamese code page):
python-escpos's own ``text()`` cannot be used for Vietnamese — its automatic
encoder switches code pages mid-line and Python's cp1258 codec cannot encode
precomposed letters such as "ễ". So the text is encoded here:

- CP1258 (Windows-1258, ESC t 52 on Epson): Windows-1258 has the base letters
  (ă â ê ô ơ ư đ and a few toned vowels) plus five combining tone marks; a
  letter it lacks is written as its base letter followed by the combining tone
  mark (Unicode canonical decomposition, keeping the vowel's own diacritic
  precomposed), which is how Vietnamese is typed in Windows-1258.
- TCVN-3 (TCVN 5712:1993 VN3, ESC t 30 lower case / 31 upper case): every toned
  letter is one byte, lower and upper case in two pages; the page is switched
  only when the case class changes. The tables are python-escpos's own
  (``capabilities.json`` encodings ``TCVN-3-1`` / ``TCVN-3-2``).
"""

from __future__ import annotations

import functools
import textwrap
import unicodedata
from typing import Any

import numpy as np
from escpos import capabilities
from escpos.printer import Dummy
from PIL import Image

from sadec_desk.i18n import _
from sadec_desk.printers.profiles import (
    CP1258_PAGE,
    TCVN3_LOWER_PAGE,
    TCVN3_UPPER_PAGE,
    PrinterProfile,
)
from sadec_desk.printers.render import Layout, fill_template

ESC = b"\x1b"
GS = b"\x1d"
INIT = ESC + b"@"
TONE_MARKS = frozenset("\u0300\u0301\u0303\u0309\u0323")  # grave, acute, tilde, hook, dot
TEXT_ENCODINGS = ("cp1258", "tcvn3")


def _printer(profile: PrinterProfile) -> Dummy:
    return Dummy(profile=profile.escpos_profile())


def _finish(printer: Dummy, profile: PrinterProfile) -> None:
    if profile.cut:
        printer.cut()  # feeds past the cutter first
    else:
        printer.ln(4)  # tear-off printers: bring the end of the slip past the tear bar


#: rows per GS v 0 block, as python-escpos ``image(fragment_height=960)``: some
#: printers' receive buffers cannot take a whole receipt in one command
FRAGMENT_HEIGHT = 960


def raster_blocks(image: Image.Image, fragment_height: int = FRAGMENT_HEIGHT) -> bytes:
    """``GS v 0`` blocks of a 1-bit image, byte for byte what python-escpos's
    ``image(impl="bitImageRaster")`` sends (tests/test_print_layouts.py checks it).

    python-escpos converts every picture RGBA -> RGB -> L -> inverted -> dithered
    1-bit, which is most of the cost of a ticket; a slip drawn in mode "1" needs
    none of that, only the bits inverted (ESC/POS: 1 = black dot) and packed with
    white padding.
    """
    ink = ~np.asarray(image.convert("1"))  # True = black
    width_bytes = (image.width + 7) // 8
    out = bytearray()
    for top in range(0, image.height, fragment_height):
        rows = ink[top:top + fragment_height]
        out += (GS + b"v0\x00" + width_bytes.to_bytes(2, "little")
                + len(rows).to_bytes(2, "little") + np.packbits(rows, axis=1).tobytes())
    return bytes(out)


def encode_raster(image: Image.Image, profile: PrinterProfile) -> bytes:
    """ESC @, the image as ``GS v 0`` blocks, and a cut (or a feed to tear off)."""
    if image.width > profile.width_dots:
        raise ValueError(f"image is {image.width} dots wide, the paper {profile.width_dots}")
    printer = _printer(profile)
    printer._raw(INIT + raster_blocks(image))
    _finish(printer, profile)
    return printer.output


# --- Vietnamese text encoders --------------------------------------------------------


def encode_cp1258(text: str, errors_char: bytes = b"?") -> bytes:
    out = bytearray()
    for char in unicodedata.normalize("NFC", text):
        try:
            out += char.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        decomposed = unicodedata.normalize("NFD", char)
        marks = "".join(c for c in decomposed if c in TONE_MARKS)
        base = unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in TONE_MARKS))
        try:
            out += base.encode("cp1258") + marks.encode("cp1258")
        except UnicodeEncodeError:
            out += errors_char
    return bytes(out)


@functools.cache
def _tcvn3_tables() -> dict[str, tuple[int, int]]:
    """char -> (page number 30/31, byte) from python-escpos's TCVN-3 tables."""
    table: dict[str, tuple[int, int]] = {}
    for page_name, number in ((TCVN3_LOWER_PAGE, 30), (TCVN3_UPPER_PAGE, 31)):
        rows = capabilities.CAPABILITIES["encodings"][page_name]["data"]
        # the table lists the upper half of the page, bytes 0x80-0xFF
        for index, char in enumerate("".join(rows)):
            if char != " " and char not in table:
                table[char] = (number, 0x80 + index)
    # The upper page draws Đ at the Latin capital eth position.
    if "Ð" in table:
        table.setdefault("Đ", table["Ð"])
    return table


def encode_tcvn3(text: str, start_page: int | None = None, errors_char: bytes = b"?"
                 ) -> tuple[bytes, int | None]:
    """TCVN-3 bytes with ``ESC t`` switches; returns the bytes and the page left selected."""
    tables = _tcvn3_tables()
    out = bytearray()
    page = start_page
    for char in unicodedata.normalize("NFC", text):
        if ord(char) < 0x80:
            out.append(ord(char))
            continue
        entry = tables.get(char)
        if entry is None:
            out += errors_char
            continue
        number, byte = entry
        if number != page:
            out += ESC + b"t" + bytes([number])
            page = number
        out.append(byte)
    return bytes(out), page


class TextEncoder:
    """Encodes lines for one printer in cp1258 or tcvn3, selecting code pages as needed."""

    def __init__(self, encoding: str, profile: PrinterProfile):
        if encoding not in TEXT_ENCODINGS:
            raise ValueError(encoding)
        self.encoding = encoding
        self.page: int | None = None
        self.cp1258_page = profile.code_pages.get(CP1258_PAGE, 52)

    def start(self) -> bytes:
        if self.encoding == "cp1258":
            return ESC + b"t" + bytes([self.cp1258_page])
        return b""

    def encode(self, text: str) -> bytes:
        if self.encoding == "cp1258":
            return encode_cp1258(text)
        data, self.page = encode_tcvn3(text, self.page)
        return data


# --- text mode documents ---------------------------------------------------------------

_ALIGN = {"left": b"\x00", "center": b"\x01", "right": b"\x02"}
BIG_TEXT_PT = 20  # text blocks at least this large print double width and height


def encode_text(layout: Layout, data: dict[str, Any], profile: PrinterProfile,
                encoding: str) -> bytes:
    """The layout as ESC/POS text in a Vietnamese code page (QR codes as QR)."""
    encoder = TextEncoder(encoding, profile)
    printer = _printer(profile)
    raw = printer._raw
    raw(INIT + encoder.start())
    columns = profile.columns

    def lines(text: str, width: int, indent: str = "") -> list[str]:
        return textwrap.wrap(text, width=width, subsequent_indent=indent,
                             break_long_words=True) or [""]

    for block in layout.blocks:
        if block.get("when") and not data.get(block["when"]):
            continue
        if block.get("unless") and data.get(block["unless"]):
            continue
        kind = block["type"]
        if kind == "text":
            big = block["size"] >= BIG_TEXT_PT
            raw(ESC + b"a" + _ALIGN[block["align"]] + ESC + b"E" + bytes([block["bold"]]))
            raw(GS + b"!" + (b"\x11" if big else b"\x00"))
            for line in lines(fill_template(block["text"], data), columns // 2 if big else columns):
                raw(encoder.encode(line) + b"\n")
            raw(GS + b"!\x00" + ESC + b"E\x00" + ESC + b"a\x00")
        elif kind == "field":
            label, value = fill_template(block["label"], data), fill_template(block["value"], data)
            for line in lines(f"{label}: {value}", columns, "  "):
                raw(encoder.encode(line) + b"\n")
        elif kind == "list":
            items = data.get(block["items"]) or []
            if not items and block["empty"]:
                raw(encoder.encode(fill_template(block["empty"], data)) + b"\n")
            for item in items:
                extra = item if isinstance(item, dict) else {"item": item}
                text = f"- {fill_template(block['text'], data, extra)}"
                for line in lines(text, columns, "  "):
                    raw(encoder.encode(line) + b"\n")
        elif kind == "qr":
            payload = fill_template(block["data"], data)
            if payload:
                raw(ESC + b"a\x01")
                # python-escpos sends native QR even to printers without it (docs/design.md §4):
                # ask for native only when the profile says the printer has it.
                printer.qr(payload, size=4, native=profile.native_qr, center=False)
                if block["caption"]:
                    for line in lines(fill_template(block["caption"], data), columns):
                        raw(encoder.encode(line) + b"\n")
                raw(ESC + b"a\x00")
        elif kind == "rule":
            raw(("=" if block["thickness"] > 1 else "-").encode() * columns + b"\n")
        elif kind == "spacer":
            raw(b"\n")
    _finish(printer, profile)
    return printer.output


def describe_text_support(profile: PrinterProfile, encoding: str) -> str | None:
    """Why ``profile`` cannot print ``encoding`` text, or None if it can."""
    pages = profile.vietnamese_code_pages
    needed = [CP1258_PAGE] if encoding == "cp1258" else [TCVN3_LOWER_PAGE, TCVN3_UPPER_PAGE]
    missing = [p for p in needed if p not in pages]
    if missing:
        return _("Mẫu máy in {profile} không có bảng mã {pages} cho chế độ in chữ; hãy dùng "
                 "printing.mode = 'raster'.").format(profile=profile.name,
                                                    pages=", ".join(missing))
    return None

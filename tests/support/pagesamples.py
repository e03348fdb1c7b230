"""Synthetic paper pages for the page tests: a declaration-like text page, as a flatbed
scan (dark bed around it), askew, or as a phone photo with an EXIF orientation."""

from __future__ import annotations

import io

from PIL import Image, ImageDraw

from sadec_desk.printers.fonts import find_fonts, load_font

LINE = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM — Tờ khai đăng ký khai sinh"


def text_page(width: int = 1240, height: int = 1754, *, lines: int = 24, label: str = "",
              paper: int = 248, ink: int = 25) -> Image.Image:
    """An A4-shaped page (150 dpi by default) of text lines on slightly grey paper."""
    page = Image.new("L", (width, height), paper)
    draw = ImageDraw.Draw(page)
    size = max(10, width // 45)
    face = load_font(find_fonts().regular, size)
    bold = load_font(find_fonts().bold, size * 2)
    top = height // 10
    if label:
        draw.text((width // 10, top), label, fill=ink, font=bold)
        top += size * 4
    step = max(size * 2, (height - top - height // 10) // max(1, lines))
    for number in range(lines):
        y = top + number * step
        if y > height - height // 10:
            break
        draw.text((width // 10, y), f"{number + 1}. {LINE}", fill=ink, font=face)
    return page


def on_scanner_bed(page: Image.Image, *, border: int = 120, bed: int = 20) -> Image.Image:
    """The page lying on a dark flatbed, ``border`` px of bed on each side."""
    out = Image.new("L", (page.width + 2 * border, page.height + 2 * border), bed)
    out.paste(page, (border, border))
    return out


def askew(page: Image.Image, degrees: float, *, paper: int = 248) -> Image.Image:
    return page.rotate(degrees, resample=Image.Resampling.BICUBIC, expand=True,
                       fillcolor=paper)


def encode(image: Image.Image, fmt: str = "PNG", **options) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()

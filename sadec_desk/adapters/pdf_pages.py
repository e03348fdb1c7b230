"""The first pages of a PDF as PNG images: poppler's ``pdftoppm`` where it is installed
(Linux), else pypdfium2 (the Windows build ships it). One renderer for the counter's preview
of a saved form and the kiosk's PDF from a USB stick."""

from __future__ import annotations

import io
import logging
import shutil
import subprocess
import tempfile
from pathlib import Path

log = logging.getLogger(__name__)


def render_pages(pdf: bytes, *, max_pages: int, dpi: int = 0, width: int = 0,
                 seconds: float = 30) -> list[bytes] | None:
    """Up to ``max_pages`` pages as PNG bytes, ``width`` pixels wide when given, else at
    ``dpi``. ``None`` when no renderer is installed; ``[]`` when the file gives no page
    (broken, or not a PDF)."""
    poppler = _poppler(pdf, max_pages, dpi, width, seconds) if shutil.which("pdftoppm") else None
    if poppler:
        return poppler
    pdfium = _pdfium(pdf, max_pages, dpi, width)
    if pdfium is None and poppler is not None:
        return []  # poppler ran and found no page; nothing else to ask
    return pdfium


def _poppler(pdf: bytes, max_pages: int, dpi: int, width: int,
             seconds: float) -> list[bytes] | None:
    size = (["-scale-to-x", str(width), "-scale-to-y", "-1"] if width
            else ["-r", str(dpi)])
    with tempfile.TemporaryDirectory(prefix="sadec-pdf-") as folder:
        source = Path(folder) / "tep.pdf"
        source.write_bytes(pdf)
        try:
            subprocess.run(["pdftoppm", "-png", *size, "-f", "1", "-l", str(max_pages),
                            str(source), str(Path(folder) / "trang")],
                           capture_output=True, timeout=seconds, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            log.warning("pdftoppm failed: %s", exc)
            return None
        return [p.read_bytes() for p in sorted(Path(folder).glob("trang*.png"))]


def _pdfium(pdf: bytes, max_pages: int, dpi: int, width: int) -> list[bytes] | None:
    try:
        import pypdfium2  # type: ignore[import-untyped]
    except ImportError:
        return None
    try:
        document = pypdfium2.PdfDocument(pdf)
    except Exception as exc:  # pypdfium2.PdfiumError: a broken file
        log.warning("PDF not opened: %s", exc)
        return []
    pages = []
    try:
        for index in range(min(len(document), max_pages)):
            page = document[index]
            scale = width / page.get_width() if width else dpi / 72
            out = io.BytesIO()
            page.render(scale=scale).to_pil().save(out, format="PNG")
            pages.append(out.getvalue())
    finally:
        document.close()
    return pages

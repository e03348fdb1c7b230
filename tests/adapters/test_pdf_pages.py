"""PDF pages as pictures: poppler where installed, pypdfium2 otherwise, the same answer."""

from __future__ import annotations

import io
import shutil
import sys

import pytest
from PIL import Image
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from sadec_desk.adapters import pdf_pages


def three_page_pdf() -> bytes:
    out = io.BytesIO()
    sheet = canvas.Canvas(out, pagesize=A4)
    for number in range(1, 4):
        sheet.drawString(72, 720, f"Trang {number}")
        sheet.showPage()
    sheet.save()
    return out.getvalue()


def widths(pages: list[bytes]) -> list[int]:
    return [Image.open(io.BytesIO(p)).width for p in pages]


@pytest.mark.parametrize("renderer", ["poppler", "pdfium"])
def test_each_renderer_gives_the_first_pages_at_the_width_asked(monkeypatch, renderer):
    if renderer == "poppler" and shutil.which("pdftoppm") is None:
        pytest.skip("poppler-utils is not installed")
    if renderer == "pdfium":
        monkeypatch.setattr(pdf_pages.shutil, "which", lambda _name: None)
    pages = pdf_pages.render_pages(three_page_pdf(), max_pages=2, width=300)
    assert pages is not None and len(pages) == 2
    assert all(abs(w - 300) <= 1 for w in widths(pages))
    by_dpi = pdf_pages.render_pages(three_page_pdf(), max_pages=5, dpi=72)
    assert by_dpi is not None and len(by_dpi) == 3
    assert all(abs(w - 595) <= 1 for w in widths(by_dpi))  # A4 is 595 points wide


def test_a_broken_file_gives_no_page_and_no_renderer_gives_none(monkeypatch):
    assert pdf_pages.render_pages(b"%PDF-1.4 not really", max_pages=3, dpi=72) == []
    monkeypatch.setattr(pdf_pages.shutil, "which", lambda _name: None)
    monkeypatch.setitem(sys.modules, "pypdfium2", None)  # import fails
    assert pdf_pages.render_pages(three_page_pdf(), max_pages=3, dpi=72) is None

"""Result documents for the tests of issue #15's attached results: a small real PDF."""

from __future__ import annotations

import io


def make_pdf(text: str = "TRÍCH LỤC KHAI SINH", pages: int = 1) -> bytes:
    """A PDF of ``pages`` pages drawn by reportlab, each with ``text`` and its number."""
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    pdf = canvas.Canvas(out)
    for n in range(pages):
        pdf.drawString(72, 720, f"{text} {n + 1}")
        pdf.showPage()
    pdf.save()
    return out.getvalue()

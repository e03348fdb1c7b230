"""PDF output for an office laser printer, with reportlab and a Vietnamese-capable TTF.

* the leader's report (A4): key figures, charts (PNG from charts.py), tables;
* the forms of Thông tư 01/2018/TT-VPCP Art. 9 (docs/design.md §3.6): Mẫu 01 receipt and
  appointment, 02 request to supplement, 03 refusal, 04 apology and new appointment,
  05 processing control sheet — A5; Mẫu 06 dossier tracking book — A4 landscape.

The book can run to thousands of rows a month, so it is drawn straight on the reportlab
canvas with measured line wrapping (reportlab.lib.utils.simpleSplit) instead of one
platypus Paragraph per cell — the same look, a fraction of the time (bench/reports.py).
Text is NFC-normalised so that every letter is one precomposed glyph of the font.

The forms and the book are official papers: their words are Vietnamese whatever the
interface language (``vietnamese()``, sadec_desk/i18n.py). The leader's report is the
office's own, in the interface language the caller built it in.
"""

from __future__ import annotations

import io
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4, A5, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader, simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas as pdfcanvas
from reportlab.platypus import (
    Flowable,
    Image,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from sadec_desk.i18n import _, vietnamese

REGULAR, BOLD = "SadecSans", "SadecSans-Bold"
_registered: dict[str, str] = {}


def register_fonts(regular: Path, bold: Path) -> None:
    """Embed the slip fonts (printers/fonts.py found them) under fixed names."""
    if _registered.get(REGULAR) == str(regular) and _registered.get(BOLD) == str(bold):
        return
    pdfmetrics.registerFont(TTFont(REGULAR, str(regular)))
    pdfmetrics.registerFont(TTFont(BOLD, str(bold)))
    pdfmetrics.registerFontFamily(REGULAR, normal=REGULAR, bold=BOLD, italic=REGULAR,
                                  boldItalic=BOLD)
    _registered.update({REGULAR: str(regular), BOLD: str(bold)})


def nfc(text) -> str:
    return unicodedata.normalize("NFC", "" if text is None else str(text))


def _style(size: float = 10, *, bold: bool = False, align=None, leading=None,
           space_after: float = 0) -> ParagraphStyle:
    return ParagraphStyle("s", fontName=BOLD if bold else REGULAR, fontSize=size,
                          leading=leading or size * 1.3, alignment=align or 0,
                          spaceAfter=space_after)


def _p(text, size: float = 10, **kw) -> Paragraph:
    return Paragraph(escape(nfc(text)).replace("\n", "<br/>"), _style(size, **kw))


def _table(rows: Sequence[Sequence], widths, *, size: float = 8.5, header_rows: int = 1,
           align_right_from: int | None = None) -> Table:
    cells = [[_p(c, size, bold=i < header_rows) for c in row] for i, row in enumerate(rows)]
    table = Table(cells, colWidths=widths, repeatRows=header_rows)
    style: list[tuple[Any, ...]] = [("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                                    ("BACKGROUND", (0, 0), (-1, header_rows - 1),
                                     colors.HexColor("#e8eaf0"))]
    if align_right_from is not None:
        style.append(("ALIGN", (align_right_from, 0), (-1, -1), "RIGHT"))
    table.setStyle(TableStyle(style))
    return table


def _image(png: bytes, width: float) -> Image:
    reader = ImageReader(io.BytesIO(png))
    w, h = reader.getSize()
    return Image(io.BytesIO(png), width=width, height=width * h / w)


def _footer(text: str):
    def draw(canvas, doc) -> None:
        canvas.saveState()
        canvas.setFont(REGULAR, 7.5)
        canvas.drawString(doc.leftMargin, 8 * mm, nfc(text))
        canvas.drawRightString(doc.pagesize[0] - doc.rightMargin, 8 * mm,
                               _("Trang {n}").format(n=doc.page))
        canvas.restoreState()
    return draw


# --- the leader's report ----------------------------------------------------------------


@dataclass(frozen=True)
class ReportSection:
    title: str
    lines: tuple[str, ...] = ()
    table: tuple[tuple[str, ...], ...] = ()  # first row = header
    widths: tuple[float, ...] = ()  # fractions of the text width
    chart: bytes | None = None


def write_report_pdf(out, *, title: str, office_name: str, period_text: str,
                     generated_text: str, sections: Sequence[ReportSection]) -> None:
    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm,
                            topMargin=16 * mm, bottomMargin=16 * mm, title=nfc(title),
                            author=nfc(office_name))
    width = doc.width
    story: list[Flowable] = [_p(office_name.upper(), 10, bold=True),
                             _p(_("BỘ PHẬN TIẾP NHẬN VÀ TRẢ KẾT QUẢ"), 9, space_after=8),
                             _p(title, 15, bold=True, align=TA_CENTER, space_after=2),
                             _p(period_text, 10, align=TA_CENTER, space_after=10)]
    for section in sections:
        block: list[Flowable] = [_p(section.title, 12, bold=True, space_after=4)]
        block += [_p(line, 10, space_after=1) for line in section.lines]
        if section.chart:
            block += [Spacer(1, 4), _image(section.chart, width * 0.8)]
        if section.table:
            block.append(Spacer(1, 4))
            widths = [f * width for f in section.widths] if section.widths else None
            block.append(_table(section.table, widths, align_right_from=2))
        block.append(Spacer(1, 10))
        story.append(KeepTogether(block[:4]) if len(block) > 4 else KeepTogether(block))
        story += block[4:]
    doc.build(story, onFirstPage=_footer(generated_text), onLaterPages=_footer(generated_text))


# --- forms Mẫu 01-05 (A5) -----------------------------------------------------------------


@dataclass(frozen=True)
class FormDocument:
    """One filled form: the header is common, the body is a list of paragraphs/tables."""

    number: str  # "01".."05"
    title: str
    office_name: str
    code: str
    place_date: str  # "Sa Đéc, ngày 26 tháng 11 năm 2026"
    body: tuple  # items: str (paragraph), ("table", rows, widths), ("bold", str)
    signatures: tuple[tuple[str, str], ...]  # (role line, name)


def write_form_pdf(out, form: FormDocument) -> None:
    doc = SimpleDocTemplate(out, pagesize=A5, leftMargin=12 * mm, rightMargin=12 * mm,
                            topMargin=10 * mm, bottomMargin=12 * mm,
                            title=nfc(f"Mẫu {form.number} — {form.title}"),
                            author=nfc(form.office_name))
    w = doc.width
    header = Table([
        [_p(form.office_name.upper(), 8, bold=True, align=TA_CENTER),
         _p(vietnamese("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"), 8, bold=True, align=TA_CENTER)],
        [_p(vietnamese("BỘ PHẬN TIẾP NHẬN VÀ TRẢ KẾT QUẢ"), 7.5, bold=True, align=TA_CENTER),
         _p(vietnamese("Độc lập - Tự do - Hạnh phúc"), 8, bold=True, align=TA_CENTER)],
        [_p(vietnamese("Số: {code}").format(code=form.code), 7.5, align=TA_CENTER),
         _p(form.place_date, 7.5, align=TA_CENTER)],
    ], colWidths=[w * 0.46, w * 0.54])
    header.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                                ("LEFTPADDING", (0, 0), (-1, -1), 1),
                                ("RIGHTPADDING", (0, 0), (-1, -1), 1)]))
    story = [_p(vietnamese("Mẫu số {n}").format(n=form.number), 7, align=2), header, Spacer(1, 6),
             _p(form.title, 11.5, bold=True, align=TA_CENTER, space_after=6)]
    for item in form.body:
        if isinstance(item, tuple) and item[0] == "table":
            _kind, rows, widths = item
            story += [_table(rows, [f * w for f in widths], size=8), Spacer(1, 4)]
        elif isinstance(item, tuple) and item[0] == "bold":
            story.append(_p(item[1], 9, bold=True, space_after=2))
        else:
            story.append(_p(item, 9, space_after=2))
    story.append(Spacer(1, 8))
    signs = Table([[_p(role, 8.5, bold=True, align=TA_CENTER) for role, _n in form.signatures],
                   [_p(vietnamese("(Ký và ghi rõ họ tên)"), 7, align=TA_CENTER)
                    for _s in form.signatures],
                   [Spacer(1, 14 * mm) for _s in form.signatures],
                   [_p(name, 8.5, bold=True, align=TA_CENTER) for _r, name in form.signatures]],
                  colWidths=[w / len(form.signatures)] * len(form.signatures))
    story.append(KeepTogether([signs]))
    doc.build(story)


# --- Mẫu 06: the tracking book (A4 landscape) -----------------------------------------


BOOK_COLUMNS = (  # (header, width in mm): Mẫu 06 is an official book, Vietnamese always
    ("STT", 10), ("Mã hồ sơ", 34), ("Tên thủ tục hành chính", 42), ("Số lượng hồ sơ (bộ)", 13),
    ("Tên cá nhân, tổ chức", 32), ("Địa chỉ, số điện thoại", 45), ("Nhận hồ sơ", 22),
    ("Hẹn trả kết quả", 22), ("Trả kết quả", 22), ("Ký nhận", 14), ("Ghi chú", 25),
)


@dataclass(frozen=True)
class BookRow:
    code: str
    procedure: str
    count: int
    applicant: str
    address_phone: str
    received_at: datetime
    due_at: datetime
    finished_at: datetime | None
    note: str


def _break_long(line: str, font: str, size: float, width: float) -> list[str]:
    """A word wider than its column (a dossier code): break after '-', '.', '/' first,
    then anywhere, so nothing runs into the next column."""
    if pdfmetrics.stringWidth(line, font, size) <= width:
        return [line]
    out, current = [], ""
    for piece in re.split(r"(?<=[-./])", line):
        if pdfmetrics.stringWidth(current + piece, font, size) <= width:
            current += piece
            continue
        if current:
            out.append(current)
        current = ""
        for char in piece:
            if current and pdfmetrics.stringWidth(current + char, font, size) > width:
                out.append(current)
                current = ""
            current += char
    if current:
        out.append(current)
    return out


def _when(moment: datetime | None) -> str:
    return moment.strftime("%H:%M\n%d/%m/%Y") if moment else ""


def write_book_pdf(out, *, office_name: str, period_text: str, rows: Sequence[BookRow],
                   footer: str) -> int:
    """Mẫu 06 drawn on the canvas; returns the number of pages."""
    page_w, page_h = landscape(A4)
    margin = 10 * mm
    c = pdfcanvas.Canvas(out, pagesize=(page_w, page_h), pageCompression=1)
    c.setTitle(nfc(vietnamese("Sổ theo dõi hồ sơ (Mẫu 06)")))
    c.setAuthor(nfc(office_name))
    headers = [h for h, _w in BOOK_COLUMNS]
    scale = (page_w - 2 * margin) / (sum(w for _h, w in BOOK_COLUMNS) * mm)
    widths = [w * mm * scale for _h, w in BOOK_COLUMNS]
    size, leading, pad = 7.0, 8.4, 1.6
    page = [0]

    def wrap(text: str, width: float, font: str = REGULAR) -> list[str]:
        avail = width - 2 * pad
        lines: list[str] = []
        for part in nfc(text).split("\n"):
            for line in simpleSplit(part, font, size, avail) or [""]:
                lines += _break_long(line, font, size, avail)
        return lines

    header_lines = [wrap(h, w, BOLD) for h, w in zip(headers, widths, strict=True)]
    header_h = max(len(lines) for lines in header_lines) * leading + 2 * pad

    def draw_row(y: float, cells: list[list[str]], height: float, font: str,
                 fill=None) -> None:
        x = margin
        if fill is not None:
            c.setFillColor(fill)
            c.rect(margin, y - height, page_w - 2 * margin, height, stroke=0, fill=1)
            c.setFillColor(colors.black)
        c.setFont(font, size)
        for lines, w in zip(cells, widths, strict=True):
            c.rect(x, y - height, w, height, stroke=1, fill=0)
            ty = y - pad - size
            for line in lines:
                c.drawString(x + pad, ty, line)
                ty -= leading
            x += w

    def new_page(first: bool) -> float:
        if not first:
            c.setFont(REGULAR, 7)
            c.drawString(margin, 6 * mm, nfc(footer))
            c.drawRightString(page_w - margin, 6 * mm, vietnamese("Trang {n}").format(n=page[0]))
            c.showPage()
        page[0] += 1
        c.setLineWidth(0.4)
        c.setStrokeColor(colors.grey)
        y = page_h - margin
        if first:
            c.setFont(BOLD, 9)
            c.drawString(margin, y - 9, nfc(office_name.upper()))
            c.setFont(BOLD, 14)
            c.drawCentredString(page_w / 2, y - 26, nfc(vietnamese("SỔ THEO DÕI HỒ SƠ")))
            c.setFont(REGULAR, 9)
            c.drawCentredString(page_w / 2, y - 39, nfc(period_text))
            c.drawRightString(page_w - margin, y - 9, nfc(vietnamese("Mẫu số 06")))
            y -= 48
        draw_row(y, header_lines, header_h, BOLD, fill=colors.HexColor("#e8eaf0"))
        return y - header_h

    y = new_page(True)
    bottom = margin + 4 * mm
    for n, row in enumerate(rows, 1):
        cells = [[str(n)], wrap(row.code, widths[1]), wrap(row.procedure, widths[2]),
                 [str(row.count)], wrap(row.applicant, widths[4]),
                 wrap(row.address_phone, widths[5]), _when(row.received_at).split("\n"),
                 _when(row.due_at).split("\n"), _when(row.finished_at).split("\n"), [""],
                 wrap(row.note, widths[10])]
        height = max(len(lines) for lines in cells) * leading + 2 * pad
        if y - height < bottom:
            y = new_page(False)
        draw_row(y, cells, height, REGULAR)
        y -= height
    if not rows:
        c.setFont(REGULAR, 9)
        c.drawString(margin, y - 14, nfc(vietnamese("Không có hồ sơ nào trong kỳ.")))
    c.setFont(REGULAR, 7)
    c.drawString(margin, 6 * mm, nfc(footer))
    c.drawRightString(page_w - margin, 6 * mm, vietnamese("Trang {n}").format(n=page[0]))
    c.save()
    return page[0]

"""The A4 poster of QR codes for the office's "service space" table (issue #8, item 6).

One QR per active catalogue procedure opens that procedure's page on the public-service
portal (setting ``kiosk.procedure_url``, ``{code}`` = TTHC code: each province points it
at its own portal), followed by the extra services of ``poster.extra_links`` (VNeID,
VssID, online payment). Citizens scan them with their phone to read the procedure and
submit online.

The codes are drawn as vector paths (error correction M, 4-module quiet zone), so they
stay sharp at any printer resolution. Everything fits one A4 page up to 20 codes; a
larger catalogue continues on further pages. The poster hangs in the office for citizens:
its words are Vietnamese whatever the interface language (sadec_desk/i18n.py).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen import canvas as pdfcanvas

from sadec_desk.db.database import translated_errors
from sadec_desk.domain.timezone import VN_TZ
from sadec_desk.errors import InvalidInput
from sadec_desk.i18n import _, vietnamese
from sadec_desk.printers.render import qr_matrix
from sadec_desk.services import catalogue
from sadec_desk.services.access import ADMIN_ROLES, require_role
from sadec_desk.services.documents import pdf
from sadec_desk.services.documents.output import output_path, pdf_fonts, write_output
from sadec_desk.services.printing import letterhead

if TYPE_CHECKING:
    from sadec_desk.services.context import AppContext

log = logging.getLogger(__name__)

#: (columns, rows) of a page, tried in order: the first that holds everything gives the
#: biggest codes (see :func:`layout`)
GRIDS = ((2, 3), (3, 3), (3, 4), (4, 4), (4, 5))
QUIET_ZONE = 4  # modules of white around a code (ISO/IEC 18004)
MARGIN = 12 * mm
HEADER_HEIGHT = 34 * mm
FOOTER_HEIGHT = 10 * mm
CAPTION_LINES = 3


@dataclass(frozen=True)
class PosterItem:
    caption: str  # the procedure or service name
    sub_caption: str  # "Mã TTHC: 1.001193", or the service's site
    url: str
    kind: str  # procedure | service


@dataclass(frozen=True)
class Poster:
    title: str
    office_name: str
    intro: str
    footer: str
    items: tuple[PosterItem, ...]


@dataclass(frozen=True)
class PosterFile:
    path: str
    pages: int
    items: tuple[PosterItem, ...]


def default_path(ctx: AppContext) -> Path:
    return ctx.config.data_dir / "poster" / "poster-ma-qr.pdf"


def procedure_url(template: str, code: str) -> str:
    """The portal page of procedure ``code`` from ``kiosk.procedure_url``."""
    template = (template or "").strip()
    if not template:
        raise InvalidInput(_("Chưa đặt địa chỉ trang thủ tục trên Cổng dịch vụ công (thiết lập "
                             "kiosk.procedure_url), nên không có mã QR nào để in. Đặt địa chỉ "
                             "của tỉnh, {code} là mã thủ tục, ví dụ: sadec-desk config set "
                             "kiosk.procedure_url 'https://dichvucong.dongthap.gov.vn/"
                             "...?ma={code}'."))
    if "{code}" not in template:
        raise InvalidInput(_("Địa chỉ kiosk.procedure_url '{url}' thiếu chỗ ghi mã thủ tục "
                             "{{code}}: mọi mã QR sẽ mở cùng một trang. Thêm {{code}} vào địa "
                             "chỉ.").format(url=template))
    try:
        url = template.format(code=code)
    except (KeyError, IndexError, ValueError):
        raise InvalidInput(_("Địa chỉ kiosk.procedure_url '{url}' có dấu ngoặc nhọn lạ; chỉ "
                             "được dùng {{code}} (mã thủ tục).").format(url=template)) from None
    return _checked_url(url, "kiosk.procedure_url")


def _checked_url(url: str, setting: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or any(c.isspace() for c in url):
        raise InvalidInput(_("Địa chỉ '{url}' (thiết lập {setting}) không phải trang web hợp "
                             "lệ; địa chỉ phải bắt đầu bằng https:// và không có dấu cách."
                             ).format(url=url, setting=setting))
    return url


def poster_data(ctx: AppContext) -> Poster:
    """What the poster shows: every active procedure, then the extra services."""
    template = ctx.config["kiosk.procedure_url"]
    with translated_errors():
        procedures = catalogue.list_procedures(ctx)  # catalogue order: the common ones first
        office_name = letterhead.office_name(ctx)
    items = [PosterItem(p.name, vietnamese("Mã TTHC: {code}").format(code=p.code),
                        procedure_url(template, p.code), "procedure") for p in procedures]
    for caption, url in ctx.config["poster.extra_links"].items():
        url = _checked_url(url.strip(), "poster.extra_links")
        items.append(PosterItem(caption.strip(), urlsplit(url).netloc, url, "service"))
    if not items:
        raise InvalidInput(_("Danh mục chưa có thủ tục nào và poster.extra_links trống: không "
                             "có mã QR nào để in."))
    portal = urlsplit(procedure_url(template, "x")).netloc
    today = ctx.now().astimezone(VN_TZ)
    return Poster(
        title=(ctx.config["poster.title"] or "").strip()
        or vietnamese("QUÉT MÃ QR ĐỂ NỘP HỒ SƠ TRỰC TUYẾN"),
        office_name=office_name,
        intro=vietnamese("Dùng camera điện thoại quét mã để xem thủ tục, nộp hồ sơ trực tuyến "
                         "và theo dõi kết quả trên Cổng dịch vụ công."),
        footer=vietnamese("In ngày {date} · Cổng dịch vụ công: {portal}").format(
            date=today.strftime("%d/%m/%Y"), portal=portal),
        items=tuple(items))


def make_poster(ctx: AppContext, out: str | Path | None = None) -> PosterFile:
    """Write the A4 poster PDF (default under ``<data dir>/poster/``)."""
    require_role(ctx, *ADMIN_ROLES)
    poster = poster_data(ctx)
    if out is None:
        path = default_path(ctx)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise InvalidInput(_("Không tạo được thư mục {folder} ({error}).").format(
                folder=path.parent, error=exc)) from None
    else:
        path = output_path(out, "pdf", False)  # no personal data on the poster
    pdf_fonts(ctx)
    pages = []

    def write(f) -> None:
        pages.append(write_poster_pdf(f, poster))

    write_output(path, write)
    log.info("QR poster written: %d codes on %d pages", len(poster.items), pages[0])
    return PosterFile(path=str(path), pages=pages[0], items=poster.items)


# --- drawing ------------------------------------------------------------------------------


def layout(items: tuple[PosterItem, ...]) -> tuple[int, list[list[list[PosterItem]]]]:
    """(columns, pages of rows of items): the procedures fill rows first, the extra
    services start a row of their own; the first grid of :data:`GRIDS` that holds every
    row on one page wins, and past the largest one the rows continue on more pages."""

    def rows_of(cols: int) -> list[list[PosterItem]]:
        rows = []
        for kind in ("procedure", "service"):
            group = [i for i in items if i.kind == kind]
            rows += [group[n:n + cols] for n in range(0, len(group), cols)]
        return rows

    for cols, max_rows in GRIDS:
        rows = rows_of(cols)
        if len(rows) <= max_rows:
            return cols, [rows]
    cols, max_rows = GRIDS[-1]
    rows = rows_of(cols)
    return cols, [rows[n:n + max_rows] for n in range(0, len(rows), max_rows)]


def draw_qr(c: pdfcanvas.Canvas, data: str, x: float, y: float, size: float) -> None:
    """The QR of ``data`` as one filled vector path, quiet zone included, in a ``size``
    square whose lower-left corner is (x, y). One path (not a rectangle per module) so
    that anti-aliasing leaves no hairlines between neighbouring modules."""
    matrix = qr_matrix(data)
    n = matrix.shape[0]
    module = size / (n + 2 * QUIET_ZONE)
    c.setFillColor(colors.white)
    c.rect(x, y, size, size, stroke=0, fill=1)
    path = c.beginPath()
    origin_x = x + QUIET_ZONE * module
    top = y + size - QUIET_ZONE * module
    for row in range(n):
        col = 0
        while col < n:
            if not matrix[row, col]:
                col += 1
                continue
            start = col
            while col < n and matrix[row, col]:
                col += 1
            path.rect(origin_x + start * module, top - (row + 1) * module,
                      (col - start) * module, module)
    c.setFillColor(colors.black)
    c.drawPath(path, stroke=0, fill=1)


def _fit_lines(text: str, font: str, size: float, width: float) -> tuple[list[str], float]:
    """Wrap ``text`` into at most CAPTION_LINES lines, shrinking the font when needed."""
    while True:
        lines = simpleSplit(text, font, size, width)
        if len(lines) <= CAPTION_LINES or size <= 6:
            return lines[:CAPTION_LINES], size
        size -= 0.5


def _draw_header(c: pdfcanvas.Canvas, poster: Poster, page_w: float, page_h: float) -> None:
    centre = page_w / 2
    y = page_h - MARGIN - 5 * mm
    c.setFillColor(colors.black)
    c.setFont(pdf.BOLD, 12)
    c.drawCentredString(centre, y, pdf.nfc(poster.office_name.upper()))
    y -= 5.5 * mm
    c.setFont(pdf.REGULAR, 9.5)
    c.drawCentredString(centre, y, pdf.nfc(vietnamese("BỘ PHẬN TIẾP NHẬN VÀ TRẢ KẾT QUẢ")))
    y -= 10 * mm
    title = pdf.nfc(poster.title)
    size = 20.0
    while stringWidth(title, pdf.BOLD, size) > page_w - 2 * MARGIN and size > 10:
        size -= 0.5
    c.setFillColor(colors.HexColor("#b3261e"))
    c.setFont(pdf.BOLD, size)
    c.drawCentredString(centre, y, title)
    c.setFillColor(colors.black)
    y -= 6.5 * mm
    lines, size = _fit_lines(pdf.nfc(poster.intro), pdf.REGULAR, 9.5, page_w - 2 * MARGIN)
    c.setFont(pdf.REGULAR, size)
    for line in lines[:2]:
        c.drawCentredString(centre, y, line)
        y -= size * 1.25


def _draw_item(c: pdfcanvas.Canvas, item: PosterItem, number: int, x: float, y: float,
               w: float, h: float) -> None:
    """One cell: frame, QR, caption and sub-caption; (x, y) is the lower-left corner."""
    pad = 2 * mm
    service = item.kind == "service"
    c.setStrokeColor(colors.HexColor("#1f6f43" if service else "#2a4d8f"))
    c.setLineWidth(0.8)
    c.roundRect(x + 1 * mm, y + 1 * mm, w - 2 * mm, h - 2 * mm, 2.5 * mm, stroke=1, fill=0)
    text_w = w - 2 * mm - 2 * pad
    caption = pdf.nfc(f"{number}. {item.caption}" if not service else item.caption)
    lines, size = _fit_lines(caption, pdf.BOLD, 8.5, text_w)
    sub_size = 7.0
    text_h = CAPTION_LINES * size * 1.2 + sub_size * 1.4 + pad
    qr = min(w - 2 * mm - 2 * pad, h - 2 * mm - pad - text_h)
    qr_y = y + h - 1 * mm - pad - qr
    draw_qr(c, item.url, x + (w - qr) / 2, qr_y, qr)
    centre = x + w / 2
    line_y = qr_y - size * 1.05
    c.setFillColor(colors.black)
    c.setFont(pdf.BOLD, size)
    for line in lines:
        c.drawCentredString(centre, line_y, line)
        line_y -= size * 1.2
    c.setFillColor(colors.HexColor("#444444"))
    c.setFont(pdf.REGULAR, sub_size)
    sub = pdf.nfc(item.sub_caption)
    while stringWidth(sub, pdf.REGULAR, sub_size) > text_w and sub_size > 5:
        sub_size -= 0.25
        c.setFont(pdf.REGULAR, sub_size)
    c.drawCentredString(centre, line_y - 0.5 * mm, sub)
    c.setFillColor(colors.black)


def write_poster_pdf(out, poster: Poster) -> int:
    """Draw the poster on A4 pages (fonts registered by the caller); returns the page count."""
    page_w, page_h = A4
    cols, pages = layout(poster.items)
    rows_per_page = max(len(rows) for rows in pages)
    c = pdfcanvas.Canvas(out, pagesize=A4)
    c.setTitle(pdf.nfc(poster.title))
    c.setAuthor(pdf.nfc(poster.office_name))
    grid_top = page_h - MARGIN - HEADER_HEIGHT
    cell_w = (page_w - 2 * MARGIN) / cols
    cell_h = (grid_top - MARGIN - FOOTER_HEIGHT) / rows_per_page
    number = 0
    for page_no, rows in enumerate(pages, 1):
        _draw_header(c, poster, page_w, page_h)
        for r, row in enumerate(rows):
            left = MARGIN + (cols - len(row)) * cell_w / 2  # a short row is centred
            for col, item in enumerate(row):
                number += item.kind == "procedure"
                _draw_item(c, item, number, left + col * cell_w,
                           grid_top - (r + 1) * cell_h, cell_w, cell_h)
        c.setFont(pdf.REGULAR, 8)
        c.setFillColor(colors.HexColor("#444444"))
        c.drawString(MARGIN, MARGIN, pdf.nfc(poster.footer))
        if len(pages) > 1:
            c.drawRightString(page_w - MARGIN, MARGIN,
                              pdf.nfc(vietnamese("Trang {n}/{total}").format(
                                  n=page_no, total=len(pages))))
        c.showPage()
    c.save()
    return len(pages)

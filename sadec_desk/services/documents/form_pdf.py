"""The filled declaration form (tờ khai) as a PDF in the layout of the paper form.

The civil-status tờ khai of Thông tư 04/2020/TT-BTP (forms replaced by Thông tư
03/2023/TT-BTP) share one layout, which this draws for every form definition: the
national motto, the title, "Kính gửi" the People's Committee, the labelled lines with
the citizen's answers (a dotted line where nothing was answered, to be written by hand),
the pledge, and "Làm tại …, ngày … tháng … năm …" above the signature block
"Người yêu cầu (Ký, ghi rõ họ, chữ đệm, tên)". The dossier code is printed small at the
top so the signed paper finds its dossier. Fonts are the slips' Vietnamese TTF
(:func:`sadec_desk.services.documents.pdf.register_fonts`), text NFC. Every word is
Vietnamese whatever the interface language (``vietnamese()``, sadec_desk/i18n.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from xml.sax.saxutils import escape

from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4, A5
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.platypus import (
    Flowable,
    HRFlowable,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from sadec_desk.domain import eforms as domain
from sadec_desk.domain.timezone import VN_TZ
from sadec_desk.i18n import vietnamese
from sadec_desk.services.documents.pdf import BOLD, REGULAR, nfc

PAGE_SIZES = {"A4": A4, "A5": A5}
#: dotted line left for a hand-written answer beside another answer (alone on its line,
#: the dots run to the end of the line)
SHORT_DOTS = "…" * 14


@dataclass(frozen=True)
class DeclarationDocument:
    paper_size: str
    code: str  # dossier code, small at the top
    form_ref: str  # form id and version, small at the top
    title: str
    addressee: str
    #: ("heading", title) | ("field", label, value, multi-line) | ("text", sentence)
    blocks: tuple
    commitment: str
    place_date: str
    signers: tuple[tuple[str, str], ...]  # (role, name)
    footer: str


def _office_addressee(name: str) -> str:
    name = (name or "").strip()
    if name.upper().startswith("UBND "):
        return "Ủy ban nhân dân " + name[5:]
    return name


def _shown(f: domain.FormField, value: str) -> str:
    if f.type == "checkbox":
        # printed on the Vietnamese form whatever the screen language (the screen's own
        # "Có"/"Không" are translated, so they cannot be shared here)
        return "Có" if value == domain.CHECKED else "Không"
    return value


def _signer_name(form: domain.FormDefinition, values: dict[str, str], role: str) -> str:
    for section in form.sections:
        if section.title.casefold() == role.casefold():
            for f in section.fields:
                if f.cccd == "full_name" or f.name.endswith("_name"):
                    return values.get(f.name, "")
    return ""


def declaration_document(ctx, form: domain.FormDefinition, filled) -> DeclarationDocument:
    """The printable form of ``filled`` (services.eforms.FilledForm) on ``form``."""
    values = filled.values
    blocks: list = []
    requester_first = form.sections[0].title == "Người yêu cầu"
    if form.request and not requester_first:
        blocks.append(("text", form.request))
    for index, section in enumerate(form.sections):
        blocks.append(("heading", section.title))
        for f in section.fields:
            value = _shown(f, values.get(f.name, ""))
            blocks.append(("field", f.label, value, f.type == "textarea"))
            day = domain.parse_date(value) if f.in_words else None
            if day is not None:  # the birth forms ask for the date in words too
                blocks.append(("field", vietnamese("Ghi bằng chữ"), domain.date_in_words(day),
                               False))
        if index == 0 and requester_first and form.request:
            blocks.append(("text", form.request))
    day = filled.updated_at.astimezone(VN_TZ)
    place = ctx.config["office.province"]
    return DeclarationDocument(
        paper_size=form.paper_size, code=filled.dossier_code,
        form_ref=vietnamese("Biểu mẫu {form}, phiên bản {version}").format(
            form=form.form_id, version=form.version),
        title=form.title,
        addressee=form.addressee or _office_addressee(ctx.office().name
                                                      or ctx.config["office.name"]),
        blocks=tuple(blocks), commitment=form.commitment,
        place_date=vietnamese("Làm tại: {place}, ngày {d:02d} tháng {m:02d} năm {y}"
                              ).format(place=place, d=day.day, m=day.month, y=day.year),
        signers=tuple((role, _signer_name(form, values, role)) for role in form.signers),
        # the source's first sentence names the form; the rest is background for IT
        footer=vietnamese("Tờ khai điền bằng Sa Đéc Desk theo: {source}.").format(
            source=form.source.split(". ")[0].rstrip(".")))


def _style(size: float, *, bold: bool = False, align=TA_LEFT, after: float = 0,
           before: float = 0, leading: float | None = None) -> ParagraphStyle:
    return ParagraphStyle("d", fontName=BOLD if bold else REGULAR, fontSize=size,
                          leading=leading or size * 1.35, alignment=align, spaceAfter=after,
                          spaceBefore=before)


def _para(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(nfc(text)).replace("\n", "<br/>"), style)


def _answer(label: str, value: str, dots: str) -> str:
    shown = (f"<font name='{BOLD}'>{escape(nfc(value)).replace(chr(10), '<br/>')}</font>"
             if value else dots)
    return f"{escape(nfc(label))}: {shown}"


def _fits(label: str, value: str, size: float, width: float) -> bool:
    text = f"{label}: {value or SHORT_DOTS}"
    return "\n" not in value and pdfmetrics.stringWidth(nfc(text), BOLD, size) <= width


def _fill_dots(label: str, size: float, width: float) -> str:
    """A dotted line to the end of the line after ``label``, as on the paper form."""
    left = width - pdfmetrics.stringWidth(nfc(f"{label}: "), REGULAR, size)
    return "…" * max(8, int(left / pdfmetrics.stringWidth("…", REGULAR, size)) - 1)


def _field_lines(blocks, size: float, width: float, style: ParagraphStyle) -> list:
    """Answers two to a line where both fit in half the width (as the paper form sets
    "Ngày sinh … Giới tính …" side by side), otherwise one per line."""
    out, pending = [], None
    for _kind, label, value, multi in blocks:
        fits = not multi and _fits(label, value, size, width * 0.47)
        if pending is not None and fits:
            gap = "&nbsp;" * 6
            first = _answer(pending[0], pending[1], SHORT_DOTS)
            out.append(Paragraph(first + gap + _answer(label, value, SHORT_DOTS), style))
            pending = None
            continue
        if pending is not None:
            out.append(Paragraph(_answer(pending[0], pending[1],
                                         _fill_dots(pending[0], size, width)), style))
            pending = None
        if fits:
            pending = (label, value)
        else:
            out.append(Paragraph(_answer(label, value, _fill_dots(label, size, width)),
                                 style))
    if pending is not None:
        out.append(Paragraph(_answer(pending[0], pending[1],
                                     _fill_dots(pending[0], size, width)), style))
    return out


def write_declaration_pdf(out, doc: DeclarationDocument) -> None:
    small = doc.paper_size == "A5"
    size = 9 if small else 10.5
    margin = (11 if small else 18) * mm
    page = PAGE_SIZES[doc.paper_size]
    template = SimpleDocTemplate(out, pagesize=page, leftMargin=margin + (0 if small else 6 * mm),
                                 rightMargin=margin, topMargin=(9 if small else 13) * mm,
                                 bottomMargin=(14 if small else 18) * mm,
                                 title=nfc(doc.title), author="Sa Đéc Desk")
    width = template.width
    top = Table([[_para(vietnamese("Mã hồ sơ: {code}").format(code=doc.code), _style(7.5)),
                  _para(doc.form_ref, _style(7, align=TA_RIGHT))]],
                colWidths=[width * 0.5, width * 0.5])
    top.setStyle(TableStyle([("LEFTPADDING", (0, 0), (-1, -1), 0),
                             ("RIGHTPADDING", (0, 0), (-1, -1), 0)]))
    story = [
        top,
        _para(vietnamese("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"),
              _style(size + 0.5, bold=True, align=TA_CENTER, before=4)),
        _para(vietnamese("Độc lập - Tự do - Hạnh phúc"),
              _style(size + 0.5, bold=True, align=TA_CENTER)),
        HRFlowable(width=width * 0.32, thickness=0.7, color="black", spaceBefore=1,
                   spaceAfter=4, hAlign="CENTER"),
        _para(doc.title, _style(size + 3, bold=True, align=TA_CENTER, before=8, after=4)),
        _para(vietnamese("Kính gửi: {office}").format(office=doc.addressee),
              _style(size, align=TA_CENTER, after=8)),
    ]
    line = _style(size, leading=size * 1.42)
    run: list = []
    for block in (*doc.blocks, ("end",)):
        if block[0] == "field":
            run.append(block)
            continue
        story += _field_lines(run, size, width, line)
        run = []
        if block[0] == "heading":
            story.append(_para(block[1], _style(size, bold=True, before=3, after=0)))
        elif block[0] == "text":
            story.append(_para(block[1], _style(size, before=3, after=1)))
    if doc.commitment:
        story.append(_para(doc.commitment, _style(size, align=TA_JUSTIFY, before=8, after=4)))
    n = len(doc.signers)
    cell = _style(size - 0.5, align=TA_CENTER)
    rows: list[list[Flowable]] = [
        [_para(role.upper(), _style(size, bold=True, align=TA_CENTER)) for role, _n in
         doc.signers],
        [_para(vietnamese("(Ký, ghi rõ họ, chữ đệm, tên)"),
               _style(size - 2, align=TA_CENTER)) for _s in doc.signers],
        [Spacer(1, (15 if small else 18) * mm) for _s in doc.signers],
        [_para(name, _style(size, bold=True, align=TA_CENTER)) for _r, name in doc.signers]]
    column = width / max(n, 2)
    signs = Table(rows, colWidths=[column] * n, hAlign="RIGHT")
    signs.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    story.append(KeepTogether([
        Table([[_para(doc.place_date, cell)]], colWidths=[max(column, width * 0.62)],
              hAlign="RIGHT"),
        signs]))

    def footer(canvas, d) -> None:
        canvas.saveState()
        canvas.setFont(REGULAR, 6.5)
        y = 7 * mm + 8
        for text in simpleSplit(nfc(doc.footer), REGULAR, 6.5, d.width - 20 * mm)[:2]:
            canvas.drawString(d.leftMargin, y, text)
            y -= 8
        canvas.drawRightString(page[0] - d.rightMargin, 7 * mm,
                               vietnamese("Trang {n}").format(n=d.page))
        canvas.restoreState()

    template.build(story, onFirstPage=footer, onLaterPages=footer)

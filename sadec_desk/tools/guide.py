"""The user guide's pictures and printable page (docs/huong-dan/, issue #17 item 6).

    python -m sadec_desk.tools.guide images      # screenshots of the app -> docs/huong-dan/hinh/
    python -m sadec_desk.tools.guide kiosk-pdf   # kiosk-cong-dan.md -> kiosk-cong-dan.pdf (A4)

``images`` runs :mod:`sadec_desk.tools.screenshots` (the real windows on a throwaway
database with demo data; needs a display, e.g. ``xvfb-run -a -s "-screen 0 1366x768x24"``)
and keeps the pictures the guide shows, reduced to a 256-colour palette so each stays
small enough for a repository (a screen of flat colours and text loses nothing visible).
``kiosk-pdf`` lays the citizens' one-page guide out for an office printer with the same
fonts as the slips (every Vietnamese letter embedded).
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
GUIDE = ROOT / "docs" / "huong-dan"
IMAGES = GUIDE / "hinh"
KIOSK_PAGE = GUIDE / "kiosk-cong-dan.md"

#: the guide's picture -> the screenshot tool's file it is made from
PICTURES = {
    "dang-nhap.png": "03-dang-nhap.png",
    "quay-tiep-nhan.png": "04-quay-tiep-nhan.png",
    "quay-thieu-giay-to.png": "25-quay-thieu-giay-to.png",
    "quay-da-tiep-nhan.png": "05-da-tiep-nhan.png",
    "quay-nhap-tay.png": "10-quay-nhap-tay.png",
    "quay-tra-cuu.png": "06-tra-cuu.png",
    "quay-tu-choi.png": "22-quay-tu-choi-mau-03.png",
    "quay-huy-nham.png": "26-quay-huy-nham.png",
    "quay-ho-so-kiosk.png": "23-quay-ho-so-kiosk.png",
    "bang-hien-thi.png": "07-bang-hien-thi.png",
    "lanh-dao-bao-cao.png": "24-lanh-dao-bao-cao.png",
    "kiosk-lay-so.png": "08-kiosk-lay-so.png",
    "kiosk-so-cua-ban.png": "09-kiosk-so-cua-ban.png",
    "kiosk-thu-tuc.png": "12-kiosk-thu-tuc.png",
    "kiosk-tinh-trang.png": "13-kiosk-tinh-trang-ho-so.png",
    "kiosk-nop-quet-cccd.png": "31-kiosk-nop-2-quet-cccd.png",
    "kiosk-nop-giay-to.png": "33-kiosk-nop-4-giay-to.png",
    "cntt-may-in.png": "16-cntt-may-in.png",
    "cntt-dong-bo.png": "17-cntt-dong-bo.png",
    "cntt-thiet-lap.png": "01-thiet-lap-lan-dau.png",
    "cntt-tai-khoan.png": "18-cntt-tai-khoan.png",
    "cntt-lich-lam-viec.png": "19-cntt-lich-lam-viec.png",
    "cntt-sao-luu.png": "20-cntt-sao-luu.png",
    # taken by tools/guide_shots.py under the guide's own names
    **{name: name for name in ("quay-hang-doi.png", "quay-may-in-loi.png",
                               "lanh-dao-qua-han.png", "lanh-dao-hang-cho.png",
                               "lanh-dao-hai-long.png")},
}
#: the guide keeps each picture under this size (bytes)
MAX_PICTURE_BYTES = 150_000


def shrink_png(source: Path, target: Path) -> int:
    """Save ``source`` as a palette PNG at ``target``; returns its size in bytes."""
    from PIL import Image

    with Image.open(source) as image:
        small = image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT,
                                              dither=Image.Dither.NONE)
    target.parent.mkdir(parents=True, exist_ok=True)
    small.save(target, format="PNG", optimize=True)
    return target.stat().st_size


def make_images(out: Path = IMAGES, shots: Path | None = None) -> int:
    """Take the screenshots (or use those already in ``shots``) and keep the guide's."""
    import os

    from sadec_desk.tools import guide_shots, screenshots

    with tempfile.TemporaryDirectory() as tmp:
        if shots is None:
            shots = Path(tmp) / "shots"
            for run, folder in ((screenshots.run, "app"), (guide_shots.run, "guide")):
                # each on a fresh throwaway office
                os.environ["SADEC_DESK_CONFIG"] = str(Path(tmp) / folder / "config.toml")
                os.environ["SADEC_DESK_DATA_DIR"] = str(Path(tmp) / folder / "data")
                run(shots)
        missing = [name for name in PICTURES.values() if not (shots / name).is_file()]
        if missing:
            print("missing screenshots: " + ", ".join(missing), file=sys.stderr)
            return 1
        for name, source in PICTURES.items():
            size = shrink_png(shots / source, out / name)
            print(f"{out / name}  {size // 1000} KB")
    return 0


# --- the kiosk page as a PDF -----------------------------------------------------------

def _inline(text: str) -> str:
    """The markdown inline marks the page uses (**bold**, `code`) as reportlab markup."""
    from xml.sax.saxutils import escape

    text = escape(text)
    text = re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", text)
    return re.sub(r"`(.+?)`", r"\1", text)


def markdown_blocks(markdown: str) -> list[tuple[str, str]]:
    """(kind, text) blocks of a simple markdown page: "h1", "h2", "item" (text keeps its
    "1." or "-" mark), "para", "pictures" (the image paths, one per line); wrapped lines
    are joined to the block they continue."""
    picture = re.compile(r"!\[[^\]]*\]\(([^)]+)\)")
    blocks: list[tuple[str, str]] = []
    open_block = False
    for raw in markdown.splitlines():
        line = raw.strip()
        if not line or line.startswith("<!--"):
            open_block = False
            continue
        if picture.search(line) and not picture.sub("", line).strip():
            blocks.append(("pictures", "\n".join(picture.findall(line))))
            open_block = False
            continue
        heading = re.match(r"(#{1,3}) (.*)", line)
        if heading:
            blocks.append(("h1" if len(heading.group(1)) == 1 else "h2", heading.group(2)))
            open_block = False
        elif re.match(r"(\d+\.|-) ", line):
            blocks.append(("item", line))
            open_block = True
        elif open_block:
            kind, text = blocks[-1]
            blocks[-1] = (kind, f"{text} {line}")
        else:
            blocks.append(("para", line))
            open_block = True
    return blocks


def page_flowables(markdown: str, base: Path, width: float) -> list:
    """Headings, paragraphs, lists and pictures of a simple markdown page."""
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph, Spacer

    from sadec_desk.services.documents.pdf import BOLD, REGULAR, nfc

    def style(size: float, *, bold: bool = False, indent: float = 0) -> ParagraphStyle:
        return ParagraphStyle("p", fontName=BOLD if bold else REGULAR, fontSize=size,
                              leading=size * 1.3, leftIndent=indent, spaceAfter=size * 0.35)

    flow: list = []
    for kind, text in markdown_blocks(nfc(markdown)):
        if kind == "pictures":
            flow.append(_picture_row([base / p for p in text.splitlines()], width))
        elif kind == "h1":
            flow.append(Paragraph(_inline(text), style(20, bold=True)))
        elif kind == "h2":
            flow.append(Spacer(1, 3))
            flow.append(Paragraph(_inline(text), style(13.5, bold=True)))
        elif kind == "item":
            mark, rest = text.split(" ", 1)
            flow.append(Paragraph(f"{mark if mark != '-' else '•'} {_inline(rest)}",
                                  style(11.5, indent=10)))
        else:
            flow.append(Paragraph(_inline(text), style(11.5)))
    return flow


def _picture_row(paths: list[Path], width: float):
    """Pictures side by side across the page width."""
    from reportlab.lib.utils import ImageReader
    from reportlab.platypus import Image, Table

    gap = 6.0
    each = (width - gap * (len(paths) - 1)) / len(paths)
    cells = []
    for path in paths:
        w, h = ImageReader(str(path)).getSize()
        cells.append(Image(str(path), width=each, height=each * h / w))
    return Table([cells], colWidths=[each + (gap if i < len(paths) - 1 else 0)
                                     for i in range(len(paths))])


def make_kiosk_pdf(source: Path = KIOSK_PAGE, out: Path | None = None) -> Path:
    """Write the kiosk page as an A4 PDF beside it (or at ``out``); returns the path."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.platypus import SimpleDocTemplate

    from sadec_desk.printers.fonts import find_fonts
    from sadec_desk.services.documents.pdf import register_fonts

    fonts = find_fonts()
    register_fonts(fonts.regular, fonts.bold)
    out = out or source.with_suffix(".pdf")
    margin = 14 * mm
    doc = SimpleDocTemplate(str(out), pagesize=A4, leftMargin=margin, rightMargin=margin,
                            topMargin=margin, bottomMargin=margin,
                            title="Hướng dẫn dùng ki-ốt", author="Sa Đéc Desk")
    doc.build(page_flowables(source.read_text(encoding="utf-8"), source.parent,
                             A4[0] - 2 * margin))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sadec_desk.tools.guide",
                                     description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="what", required=True)
    images = sub.add_parser("images", help="screenshots of the real app -> docs/huong-dan/hinh/")
    images.add_argument("--from", dest="shots", type=Path,
                        help="use the screenshots already in this folder")
    images.add_argument("--out", type=Path, default=IMAGES)
    pdf = sub.add_parser("kiosk-pdf", help="the kiosk page as an A4 PDF")
    pdf.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    if args.what == "images":
        return make_images(args.out, args.shots)
    print(make_kiosk_pdf(out=args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())

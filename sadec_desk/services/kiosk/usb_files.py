"""Pages from a citizen's USB stick at the kiosk: the touch list of its image and PDF
files, and a picked file read into the draft (issue #17 item 4).

No desktop file window ever opens on the public kiosk: the only files a citizen can reach
are the images and PDFs of the sticks mounted now (:mod:`sadec_desk.adapters.removable_media`),
and none at all when ``kiosk.allow_files`` is off. A picked file is checked again to be on
a stick (not a link, not elsewhere), read through :func:`files.read_bounded` and added
through the same page checks as a scan; a PDF gives its first :data:`MAX_PDF_PAGES` pages.
Sentences for the citizen never name a path, a setting or a device; the detail goes to
the log.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sadec_desk.adapters import removable_media
from sadec_desk.adapters.pdf_pages import render_pages
from sadec_desk.errors import InvalidInput
from sadec_desk.files import INPUT_FILE_LIMIT, read_bounded
from sadec_desk.i18n import _
from sadec_desk.services.access import ANY_ROLE, require_role
from sadec_desk.services.display import size_text

if TYPE_CHECKING:
    from sadec_desk.services.context import AppContext

log = logging.getLogger(__name__)

#: pages taken from one PDF (a paper is a few pages; a 300-page book is a mistake)
MAX_PDF_PAGES = 10
#: resolution PDF pages are drawn at (the page store scales to about 200 dpi anyway)
PDF_DPI = 200
PDF_SECONDS = 60


@dataclass(frozen=True)
class UsbFile:
    path: str  # what the view hands back when the citizen picks it
    stick: str
    name: str  # the file's path on the stick, as the citizen named it
    size_text: str
    is_pdf: bool


def files_allowed(ctx: AppContext) -> bool:
    """Whether the kiosk offers files at all (``kiosk.allow_files``)."""
    require_role(ctx, *ANY_ROLE)
    return bool(ctx.config["kiosk.allow_files"])


def _refuse_when_off(ctx: AppContext) -> None:
    if not files_allowed(ctx):
        raise InvalidInput(_("Kiosk này không nhận tệp; hãy quét hoặc chụp ảnh giấy tờ."))


def list_usb_files(ctx: AppContext) -> list[UsbFile]:
    """The image and PDF files on the USB sticks plugged in now (may be empty)."""
    require_role(ctx, *ANY_ROLE)
    _refuse_when_off(ctx)
    found = removable_media.list_files(removable_media.mounted_sticks())
    return [UsbFile(path=str(f.path), stick=f.stick, name=f.relative,
                    size_text=size_text(f.size), is_pdf=f.is_pdf) for f in found]


def read_usb_file(ctx: AppContext, path: str) -> list[bytes]:
    """The page images of a file picked from the list: one for an image, the first
    pages of a PDF. InvalidInput with a sentence that names only the file."""
    require_role(ctx, *ANY_ROLE)
    _refuse_when_off(ctx)
    file = Path(path)
    if not removable_media.on_a_stick(file, removable_media.mounted_sticks()):
        log.warning("kiosk: refused a file that is not on a USB stick: %s", path)
        raise InvalidInput(_("Không còn thấy tệp «{name}» trên USB; hãy cắm lại USB rồi "
                             "chọn lại.").format(name=file.name))
    try:
        data = read_bounded(file, INPUT_FILE_LIMIT)
    except InvalidInput as exc:
        log.warning("kiosk: USB file %s not read: %s", path, exc)
        raise InvalidInput(_("Không đọc được tệp «{name}» (tệp hỏng hoặc quá lớn); hãy chọn "
                             "tệp khác.").format(name=file.name)) from None
    if file.suffix.lower() in removable_media.PDF_EXTENSIONS or data[:5] == b"%PDF-":
        return pdf_pages(data, file.name)
    return [data]


def pdf_pages(data: bytes, name: str) -> list[bytes]:
    """The first pages of a PDF as PNG images (poppler's pdftoppm, else pypdfium2)."""
    pages = render_pages(data, max_pages=MAX_PDF_PAGES, dpi=PDF_DPI, seconds=PDF_SECONDS)
    if pages is None:
        log.warning("kiosk: no PDF renderer (pdftoppm, pypdfium2) for %s", name)
        raise InvalidInput(_("Kiosk này chưa đọc được tệp PDF; hãy chọn tệp ảnh (JPG, PNG) "
                             "hoặc quét giấy tờ."))
    if not pages:
        raise InvalidInput(_("Không đọc được tệp «{name}» (tệp PDF hỏng hoặc không có trang "
                             "nào); hãy chọn tệp khác.").format(name=name))
    return pages

"""Where a document file goes and how it is written: checking the path a person chose,
marking files that hold personal data, writing atomically, and the fonts a PDF needs.

Reports, the tracking book, Mẫu 01–05, declaration forms and the QR poster all write
through here, so a half-written file never appears under its name (the write goes
through :mod:`sadec_desk.files`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sadec_desk.errors import InvalidInput
from sadec_desk.files import atomic_writer
from sadec_desk.i18n import _
from sadec_desk.printers.fonts import FontPair
from sadec_desk.services.documents import pdf
from sadec_desk.services.printing.letterhead import fonts

if TYPE_CHECKING:
    from sadec_desk.services.context import AppContext

#: what a file holding names, addresses or ID numbers carries in its name (issue #7:
#: "exports that contain personal data say so in their file name")
PERSONAL_DATA_MARK = "du-lieu-ca-nhan"


@dataclass(frozen=True)
class ExportInfo:
    """A file written: where, as what, and whether it holds personal data."""

    path: str
    format: str  # pdf | xlsx
    personal_data: bool
    pages: int | None = None


def personal_data_path(path: Path) -> Path:
    """``book.pdf`` -> ``book.du-lieu-ca-nhan.pdf`` (unchanged when already marked)."""
    if PERSONAL_DATA_MARK in path.name.lower():
        return path
    return path.with_name(f"{path.stem}.{PERSONAL_DATA_MARK}{path.suffix}")


def output_path(out: str | Path, fmt: str, personal: bool) -> Path:
    """The file to write for ``out``: the right suffix, an existing writable folder, and
    the personal-data mark in its name when it holds personal data."""
    path = Path(out).expanduser()
    if path.suffix.lower() != f".{fmt}":
        raise InvalidInput(_("Tệp xuất '{path}' phải có đuôi .{fmt}.").format(path=path, fmt=fmt))
    if not path.parent.is_dir():
        raise InvalidInput(_("Thư mục {folder} không có; hãy tạo trước hoặc chọn nơi khác.")
                           .format(folder=path.parent))
    if not os.access(path.parent, os.W_OK):
        raise InvalidInput(_("Không có quyền ghi vào thư mục {folder}; hãy chọn thư mục khác, "
                             "ví dụ thư mục Tài liệu (Documents) của mình.")
                           .format(folder=path.parent))
    return personal_data_path(path) if personal else path


def write_output(path: Path, write) -> None:
    """Call ``write(file)`` on a temporary file that then replaces ``path``: a half-written
    report never appears; a failure is a sentence naming the file."""
    try:
        with atomic_writer(path) as out:
            write(out)
    except OSError as exc:
        raise InvalidInput(_("Không ghi được tệp {path} ({error}).").format(path=path, error=exc)
                           ) from None


def pdf_fonts(ctx: AppContext) -> FontPair:
    """The office's fonts (:func:`sadec_desk.services.printing.letterhead.fonts`), registered
    for the PDF writers of :mod:`sadec_desk.services.documents.pdf`."""
    pair = fonts(ctx)
    pdf.register_fonts(pair.regular, pair.bold)
    return pair

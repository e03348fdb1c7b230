"""A saved A5 form when the office has set no office printer (issue #17 item 5): printed
on the computer's default printer, or its pages shown in the app.

Only files in the app's own forms folder (:func:`office_forms.forms_dir`) are taken, so
the screen cannot be used to print or show any file of the machine. Linux/macOS print
through CUPS (``lp`` without ``-d``: CUPS's default destination, asked first with
``lpstat -d`` so that "no default printer" is a sentence, not lp's English). Windows is
not handled here: the office printer setting names the printer there. The preview draws
the pages with poppler's ``pdftoppm``, or pypdfium2 when it is installed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from sadec_desk.adapters import pdf_pages
from sadec_desk.errors import InvalidInput
from sadec_desk.i18n import _
from sadec_desk.services.access import COUNTER_ROLES, READ_ROLES, require_role
from sadec_desk.services.documents.office_forms import forms_dir

if TYPE_CHECKING:
    from sadec_desk.services.context import AppContext

MAX_PREVIEW_PAGES = 4


def _saved_form(ctx: AppContext, path: str) -> Path:
    """``path`` if it is a PDF the app saved in its forms folder, else a sentence."""
    folder = forms_dir(ctx).resolve()
    try:
        file = Path(path).resolve(strict=True)
    except (OSError, RuntimeError):
        raise InvalidInput(_("Không còn tệp {path}.").format(path=path)) from None
    if file.parent != folder or file.suffix.lower() != ".pdf" or not file.is_file():
        raise InvalidInput(_("Chỉ in hoặc xem được các phiếu đã lưu trong thư mục {folder}.")
                           .format(folder=folder))
    return file


def _run(command: list[str], seconds: float) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(command, capture_output=True, text=True, timeout=seconds,
                              env={**os.environ, "LC_ALL": "C"}, check=False)
    except subprocess.TimeoutExpired:
        raise InvalidInput(_("Máy in mặc định không trả lời sau {n} giây; hãy kiểm tra máy in "
                             "rồi thử lại.").format(n=int(seconds))) from None
    except OSError:
        raise InvalidInput(_("Máy này chưa cài dịch vụ in (CUPS); hãy nhờ bộ phận CNTT đặt "
                             "máy in văn phòng.")) from None


def print_on_default_printer(ctx: AppContext, path: str) -> str:
    """Send a saved form to the default printer; the sentence to show."""
    require_role(ctx, *COUNTER_ROLES)
    file = _saved_form(ctx, path)
    if sys.platform == "win32":
        raise InvalidInput(_("Trên Windows hãy đặt máy in văn phòng trong phần Cài đặt (máy "
                             "in); tệp đã lưu tại {path}.").format(path=file))
    seconds = max(2.0, 2 * float(ctx.config["printing.timeout_seconds"]))
    if shutil.which("lp") is None or shutil.which("lpstat") is None:
        raise InvalidInput(_("Máy này chưa cài dịch vụ in (CUPS); hãy nhờ bộ phận CNTT đặt "
                             "máy in văn phòng."))
    answer = _run(["lpstat", "-d"], seconds).stdout
    if "system default destination:" not in answer:
        raise InvalidInput(_("Máy này chưa có máy in mặc định; hãy nhờ bộ phận CNTT chọn "
                             "một máy in mặc định hoặc đặt máy in văn phòng."))
    printer = answer.split("system default destination:", 1)[1].strip().split()[0]
    done = _run(["lp", "-t", "sadec-desk", str(file)], seconds)
    if done.returncode != 0:
        raise InvalidInput(_("Máy in mặc định {printer} không nhận tệp; hãy kiểm tra máy in "
                             "rồi thử lại.").format(printer=printer))
    return _("Đã gửi {name} tới máy in mặc định {printer}.").format(name=file.name,
                                                                    printer=printer)


def preview_pages(ctx: AppContext, path: str, *, width: int = 520) -> list[bytes]:
    """The first pages of a saved form as PNG images ``width`` pixels wide."""
    require_role(ctx, *READ_ROLES)
    file = _saved_form(ctx, path)
    pages = pdf_pages.render_pages(file.read_bytes(), max_pages=MAX_PREVIEW_PAGES, width=width)
    if pages is None:
        raise InvalidInput(_("Máy này chưa có công cụ xem trước tệp PDF; tệp đã lưu tại "
                             "{path}.").format(path=file))
    if not pages:
        raise InvalidInput(_("Không đọc được tệp «{name}» để xem trước; tệp đã lưu tại "
                             "{path}.").format(name=file.name, path=file))
    return pages
    try:
        import pypdfium2  # type: ignore[import-untyped]
    except ImportError:
        raise InvalidInput(_("Máy này chưa có công cụ xem trước tệp PDF; tệp đã lưu tại "
                             "{path}.").format(path=file)) from None
    import io

    pages = []
    document = pypdfium2.PdfDocument(str(file))
    try:
        for index in range(min(len(document), MAX_PREVIEW_PAGES)):
            page = document[index]
            image = page.render(scale=width / page.get_width()).to_pil()
            out = io.BytesIO()
            image.save(out, format="PNG")
            pages.append(out.getvalue())
    finally:
        document.close()
    return pages

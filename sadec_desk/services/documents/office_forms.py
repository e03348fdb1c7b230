"""The A5 forms Mẫu 01-05 (TT 01/2018/TT-VPCP Art. 9) on the office's laser printer.

:func:`print_form_for` renders a dossier's form with :func:`.dossier_forms.print_form` into
``<data dir>/forms/`` and hands the PDF to the printer named by
``printing.office_printer``:

- Linux/macOS: a CUPS queue, ``lp -d NAME FILE``, killed after twice
  ``printing.timeout_seconds``; lp's exit status is checked and, when it fails,
  ``lpstat -r -e`` (bounded too) tells a stopped scheduler from a wrong queue name;
- Windows: the printer of that name in the Windows spooler, each page drawn through GDI
  (:func:`sadec_desk.printers.win32.print_pdf`: no PDF viewer, never the default printer
  by mistake). Tested with stand-ins for pywin32, not on Windows.

With the setting empty the PDF is only saved and its path returned (the counter offers
to open it). A failed print is a Vietnamese sentence in the result, never an exception,
and the PDF stays saved. The thermal slips (receipt, return slip) are
:mod:`sadec_desk.services.printing.slips`, printed through the job queue.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sadec_desk.errors import InvalidInput, UserError
from sadec_desk.i18n import _
from sadec_desk.printers import transports, win32
from sadec_desk.services.access import require_role
from sadec_desk.services.documents import dossier_forms
from sadec_desk.services.reception.dossiers import get_dossier

if TYPE_CHECKING:
    from sadec_desk.services.context import AppContext

log = logging.getLogger(__name__)

#: the form a life-cycle step hands to the citizen (the counter prints it after the step)
FORM_AFTER = {"supplement_requested": "02", "refused": "03", "rescheduled": "04"}


@dataclass(frozen=True)
class OfficePrintResult:
    code: str  # dossier code
    form: str  # "01".."05"
    path: str  # the saved PDF (kept whatever happened to the print)
    printer: str  # printing.office_printer, "" = none configured (saved only)
    status: str  # printed | saved | failed
    message: str  # what the counter shows
    error: str = ""  # why the print failed

    @property
    def printed(self) -> bool:
        return self.status == "printed"


def forms_dir(ctx: AppContext) -> Path:
    return ctx.config.data_dir / "forms"


def form_for(step: str) -> str | None:
    """The form to print after a life-cycle step (a status, or 'rescheduled')."""
    return FORM_AFTER.get(step)


def form_titles() -> list[tuple[str, str]]:
    """(number, title) of Mẫu 01-05, for the counter's reprint menu."""
    return [(number, title()) for number, title in dossier_forms.FORMS.items()]


def print_form_for(ctx: AppContext, reference: str, form: str) -> OfficePrintResult:
    """Render Mẫu ``form`` of the dossier, save it under ``<data dir>/forms/`` and print it
    on the office printer (when one is set). The reason (02, 03) and the new appointment
    (04) are read from the dossier's recorded events, so the slip says what was saved.

    Raises UserError when the form cannot be made (unknown dossier, no refusal yet, role);
    a printer problem is reported in the result and the file stays."""
    require_role(ctx, *dossier_forms.FORM_ROLES)  # before anything is read
    info = get_dossier(ctx, reference)
    folder = forms_dir(ctx)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InvalidInput(_("Không tạo được thư mục {folder} ({error}).").format(
            folder=folder, error=exc)) from None
    number = (form or "").strip().removeprefix("0").rjust(2, "0")
    # one file per dossier and form: a reprint replaces it (fewer copies of personal data)
    saved = dossier_forms.print_form(ctx, info.code, number,
                                     out=folder / f"{info.code}.mau{number}.pdf")
    path = saved.path
    printer = (ctx.config["printing.office_printer"] or "").strip()
    if not printer:
        return OfficePrintResult(
            info.code, number, path, "", "saved",
            _("Đã lưu Mẫu {form} của hồ sơ {code} tại {path}. Chưa đặt máy in văn phòng "
              "(printing.office_printer): mở tệp để in.").format(form=number, code=info.code,
                                                                 path=path))
    try:
        send_pdf(path, printer, seconds=2 * ctx.config["printing.timeout_seconds"])
    except OfficePrintFailed as exc:
        log.warning("form %s of %s not printed: %s", number, info.code, exc)
        return OfficePrintResult(
            info.code, number, path, printer, "failed",
            _("Chưa in được Mẫu {form} của hồ sơ {code}: {error} Phiếu đã lưu tại {path}.")
            .format(form=number, code=info.code, error=str(exc), path=path), error=str(exc))
    log.info("form %s of %s sent to the office printer", number, info.code)
    return OfficePrintResult(
        info.code, number, path, printer, "printed",
        _("Đã in Mẫu {form} của hồ sơ {code} ra máy in {printer}.").format(
            form=number, code=info.code, printer=printer))


class OfficePrintFailed(Exception):
    """The printer did not take the PDF; the message is a Vietnamese sentence."""


def send_pdf(path: str, printer: str, *, seconds: float) -> str:
    """Hand a PDF to the office printer; lp's answer (request id) or "" on Windows."""
    if sys.platform == "win32":
        try:
            win32.print_pdf(path, printer, document=Path(path).name)
        except UserError as exc:
            raise OfficePrintFailed(str(exc)) from None
        return ""
    command = ["lp", "-d", printer, "-t", "sadec-desk", path]
    env = {**os.environ, "LC_ALL": "C"}
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=seconds,
                              check=False, env=env)
    except FileNotFoundError:
        raise OfficePrintFailed(_("Máy này chưa có lệnh lp (gói cups-client) để in.")
                                ) from None
    except subprocess.TimeoutExpired:  # lp is killed by then
        raise OfficePrintFailed(_("Dịch vụ in CUPS không nhận lệnh in cho máy in '{name}' sau "
                                  "{s} giây; kiểm tra CUPS (lệnh lpstat -r).").format(
                                      name=printer, s=f"{seconds:g}")) from None
    if done.returncode == 0:
        return done.stdout.strip()
    said = (done.stderr or done.stdout).strip().removeprefix("lp: ").removeprefix("Error - ")
    server, running, queues = transports.lpstat_overview(seconds / 2)
    if running is False:
        raise OfficePrintFailed(_("Không kết nối được dịch vụ in CUPS ({server}); kiểm tra CUPS "
                                  "đang chạy (lệnh lpstat -r).").format(server=server))
    if queues is not None and printer.lower() not in {q.lower() for q in queues}:
        raise OfficePrintFailed(_("CUPS không có máy in '{name}' (các máy in hiện có: {queues}); "
                                  "sửa printing.office_printer.").format(
                                      name=printer, queues=", ".join(queues) or _("không có")))
    raise OfficePrintFailed(_("CUPS không nhận lệnh in cho máy in '{name}': {said}.").format(
        name=printer, said=said.rstrip(". ")))


def open_file(path: str) -> None:
    """Open a saved form in the system's PDF viewer (not waited for)."""
    if not Path(path).is_file():
        raise InvalidInput(_("Không còn tệp {path}.").format(path=path))
    try:
        if sys.platform == "win32":  # pragma: no cover - Windows only
            os.startfile(path)
        else:
            opener = "open" if sys.platform == "darwin" else "xdg-open"
            if shutil.which(opener) is None:
                raise InvalidInput(_("Máy này chưa có chương trình mở tệp PDF. Tệp đã được lưu "
                                     "tại {path}; hãy nhờ bộ phận CNTT cài một trình đọc PDF.")
                                   .format(path=path))
            subprocess.Popen([opener, path], stdin=subprocess.DEVNULL,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                             start_new_session=True)
    except OSError:
        raise InvalidInput(_("Không mở được tệp {path}; hãy mở bằng chương trình đọc PDF "
                             "hoặc nhờ bộ phận CNTT.").format(path=path)) from None

"""The office's receipt printers as configured: the named printers and their profiles,
where previews go, and asking a printer how it is.

``printing.printers`` names the printers (``name = "tcp://..."``); the ``preview`` printer
is always there and writes PNG files instead of paper. Nothing here touches the job queue.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sadec_desk.errors import NotFound
from sadec_desk.i18n import _
from sadec_desk.printers import profiles as prof
from sadec_desk.printers import transports as tr
from sadec_desk.printers import win32
from sadec_desk.services.access import ADMIN_ROLES, ANY_ROLE, require_role

if TYPE_CHECKING:
    from sadec_desk.services.context import AppContext

PREVIEW_PRINTER = "preview"


@dataclass(frozen=True)
class ProfileInfo:
    name: str
    vendor: str
    description: str
    width_dots: int
    dpi: int
    width_mm: int
    cut: bool
    native_qr: bool
    vietnamese_code_pages: dict[str, int]
    source: str  # "sadec-desk" (our entries) or "python-escpos"


@dataclass(frozen=True)
class PrinterInfo:
    name: str
    connection: str
    profile: str
    default: bool


@dataclass(frozen=True)
class PrinterStatusInfo:
    printer: str
    connection: str
    reachable: bool
    online: bool | None
    paper: str | None
    message: str


def list_profiles() -> list[ProfileInfo]:
    ours = {p.name for p in prof.OUR_PROFILES}
    return [ProfileInfo(name=p.name, vendor=p.vendor, description=p.description,
                        width_dots=p.width_dots, dpi=p.dpi, width_mm=p.width_mm, cut=p.cut,
                        native_qr=p.native_qr, vietnamese_code_pages=p.vietnamese_code_pages,
                        source="sadec-desk" if p.name in ours else "python-escpos")
            for p in prof.all_profiles().values()]


def _printers(ctx: AppContext) -> dict[str, str]:
    printers = {PREVIEW_PRINTER: "preview:"}
    printers.update(ctx.config["printing.printers"])
    return printers


def list_printers(ctx: AppContext) -> list[PrinterInfo]:
    require_role(ctx, *ANY_ROLE)
    default = ctx.config["printing.printer"]
    return [PrinterInfo(name=name, connection=text, profile=_profile_name(ctx, name),
                        default=name == default) for name, text in _printers(ctx).items()]


def _profile_name(ctx: AppContext, printer: str) -> str:
    return ctx.config["printing.profiles"].get(printer) or ctx.config["printing.profile"]


def resolve_printer(ctx: AppContext, name: str | None
                    ) -> tuple[str, tr.Connection, prof.PrinterProfile]:
    require_role(ctx, *ANY_ROLE)
    name = name or ctx.config["printing.printer"] or PREVIEW_PRINTER
    printers = _printers(ctx)
    if name not in printers:
        raise NotFound(_("Không có máy in '{name}'. Các máy in đã cấu hình: {names}. Thêm máy in "
                         "bằng: sadec-desk config set printing.printers '{{{name} = "
                         "\"tcp://192.168.1.50:9100\"}}'").format(
                             name=name, names=", ".join(printers)))
    return name, tr.parse_connection(printers[name]), prof.get_profile(_profile_name(ctx, name))


def preview_dir(ctx: AppContext) -> Path:
    configured = ctx.config["printing.preview_dir"]
    return Path(configured).expanduser() if configured else ctx.config.data_dir / "print-preview"


def timeout_seconds(ctx: AppContext) -> float:
    """How long one exchange with a printer may take (``printing.timeout_seconds``, at least 1)."""
    return max(1, ctx.config["printing.timeout_seconds"])


def printer_status(ctx: AppContext, name: str | None = None) -> PrinterStatusInfo:
    require_role(ctx, *ANY_ROLE)
    name, conn, _profile = resolve_printer(ctx, name)
    status = tr.read_status(conn, timeout=timeout_seconds(ctx))
    return PrinterStatusInfo(printer=name, connection=conn.text, reachable=status.reachable,
                             online=status.online, paper=status.paper, message=status.message)


def windows_printers(ctx: AppContext) -> list[str]:
    """The printers the Windows spooler knows, for the IT screen's picker (``win32:NAME``
    for a receipt printer, the name itself for the office printer); a sentence where there
    is no Windows spooler (no pywin32)."""
    require_role(ctx, *ADMIN_ROLES)
    return win32.spooler_printers()

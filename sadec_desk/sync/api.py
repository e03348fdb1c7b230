"""What the IT screens and the ``sadec-desk sync`` commands need of synchronisation.

The views may import no other sync module (docs/architecture.md): this thin module
re-exports the engine's plain records and wraps the calls the "Đồng bộ" tab and the
command line make, with the role check (IT staff) in one place. The command line has
nobody signed in and passes the check as the machine's administrator.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from sadec_desk.errors import InvalidInput
from sadec_desk.i18n import _
from sadec_desk.services.access import ADMIN_ROLES, ANY_ROLE, as_machine, require_role
from sadec_desk.sync import conflicts as held  # named apart from conflicts() below
from sadec_desk.sync import engine, office_anchor, transfer
from sadec_desk.sync.adapters.gateway.check import GatewayCheck, check_gateway
from sadec_desk.sync.records import (
    ConflictInfo,
    DismissedInfo,
    QuarantinedInfo,
    SyncReport,
    SyncStatus,
)
from sadec_desk.sync.state import set_state
from sadec_desk.sync.transfer import ExportInfo, ImportInfo
from sadec_desk.sync.worker import SyncWorker

if TYPE_CHECKING:
    from sadec_desk.services.context import AppContext

__all__ = ["ConflictInfo", "DismissedInfo", "ExportInfo", "GatewayCheck", "ImportInfo",
           "QuarantinedInfo", "SyncReport", "SyncStatus", "apply_quarantined", "conflicts",
           "dismiss_quarantined", "dismiss_rejected", "enrol", "export_pending",
           "gateway_check", "import_bundle", "quarantined", "refresh_office_anchor", "resolve",
           "retry", "run_now", "save_gateway_password", "status"]


def new_worker(ctx: AppContext) -> SyncWorker:
    """A sync worker for ``sync run --loop`` (its ``step()`` runs one round when due)."""
    require_role(ctx, *ADMIN_ROLES)
    return SyncWorker(ctx)


def status(ctx: AppContext) -> SyncStatus:
    require_role(ctx, *ANY_ROLE)
    return engine.sync_status(ctx)


def refresh_office_anchor(ctx: AppContext) -> str:
    """``audit verify`` asks the portal for the office's acknowledged chain head (at most a
    few seconds; services/portal_anchor.py keeps it); returns what to say about it."""
    require_role(ctx, "leader", "it")
    return office_anchor.ask_portal(as_machine(ctx))


def run_now(ctx: AppContext, *, force: bool = True) -> SyncReport:
    """One push + pull now; ``force`` ignores a backoff wait (the "Đồng bộ ngay" button
    does, ``sadec-desk sync run --once`` only with ``--force``)."""
    require_role(ctx, *ADMIN_ROLES)
    return engine.run_once(ctx, force=force)


def retry(ctx: AppContext, reference: str | None = None) -> int:
    require_role(ctx, *ADMIN_ROLES)
    return held.retry(ctx, reference or None)


def conflicts(ctx: AppContext) -> list[ConflictInfo]:
    require_role(ctx, *ADMIN_ROLES)
    return held.list_conflicts(ctx)


def resolve(ctx: AppContext, reference: str, keep: str) -> str:
    require_role(ctx, *ADMIN_ROLES)
    return held.resolve(ctx, reference, keep)


def dismiss_rejected(ctx: AppContext, reference: str, reason: str) -> DismissedInfo:
    """Settle a dossier the gateway or portal refused, dealt with outside the app: its
    held operations are not sent, the reason goes into its history."""
    require_role(ctx, *ADMIN_ROLES)
    return held.dismiss_rejected(ctx, reference, reason)


def quarantined(ctx: AppContext, *, settled: bool = False) -> list[QuarantinedInfo]:
    """Changes from the portal set aside because they could not be applied here."""
    require_role(ctx, *ADMIN_ROLES)
    return held.list_quarantined(ctx, settled=settled)


def apply_quarantined(ctx: AppContext, ident: int | None = None) -> tuple[int, list[str]]:
    """Apply set-aside changes again (one by its number, or all): (applied, problems)."""
    require_role(ctx, *ADMIN_ROLES)
    return held.apply_quarantined(ctx, ident)


def dismiss_quarantined(ctx: AppContext, ident: int, reason: str) -> QuarantinedInfo:
    """Give up on a set-aside change, with the reason recorded."""
    require_role(ctx, *ADMIN_ROLES)
    return held.dismiss_quarantined(ctx, ident, reason)


def check_portal_url(url: str) -> str:
    """https only; plain http only to this machine (rehearsals with the reference portal)."""
    text = (url or "").strip()
    parts = urlsplit(text)
    local = parts.hostname in ("127.0.0.1", "localhost", "::1")
    if not parts.hostname or parts.scheme not in ("https", "http") or (
            parts.scheme == "http" and not local):
        raise InvalidInput(_("Địa chỉ cổng «{url}» không hợp lệ: hãy nhập địa chỉ bắt đầu bằng "
                             "https://, ví dụ https://dichvucong.dongthap.gov.vn.")
                           .format(url=text[:80]))
    return text


def enrol(ctx: AppContext, portal_url: str, code: str, name: str = "") -> str:
    """Register this machine with the portal using the code from the portal's operator;
    ``name`` is shown at the portal (default: the host name)."""
    require_role(ctx, *ADMIN_ROLES)
    url = check_portal_url(portal_url)
    if not (code or "").strip():
        raise InvalidInput(_("Hãy nhập mã đăng ký do quản trị cổng cấp."))
    return engine.enrol(ctx, url, code.strip(), name)


def save_gateway_password(ctx: AppContext, password: str) -> None:
    """Keep the provincial gateway's password in the database (never the config file)."""
    require_role(ctx, *ADMIN_ROLES)
    with ctx.database.atomic():
        set_state(ctx, "gateway_password", password)


def gateway_check(ctx: AppContext, procedure_code: str, dossier_code: str = "") -> GatewayCheck:
    """``sync gateway-check``: log in to the provincial gateway, ask LayThuTuc and
    TraCuuHoSo, and say what came back (nothing is sent or stored)."""
    require_role(ctx, *ADMIN_ROLES)
    return check_gateway(ctx, procedure_code, dossier_code)


def _file(path: str | Path, what: str) -> Path:
    text = str(path or "").strip()
    if not text:
        raise InvalidInput(_("Hãy chọn tệp để {what}.").format(what=what))
    return Path(text).expanduser()


def export_pending(ctx: AppContext, path: str | Path) -> ExportInfo:
    """Write the waiting operations to a signed file (carried to a connected machine)."""
    require_role(ctx, *ADMIN_ROLES)
    return transfer.export_pending(ctx, _file(path, _("xuất")))


def import_bundle(ctx: AppContext, path: str | Path) -> ImportInfo:
    """Hand another office machine's exported file to the portal from here."""
    require_role(ctx, *ADMIN_ROLES)
    return transfer.import_bundle(ctx, _file(path, _("nhập")))

"""``sadec-desk sync gateway-check``: what the provincial IT person runs once the
settings are in, to see the gateway answer before any dossier is sent."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sadec_desk.i18n import _
from sadec_desk.services.access import ADMIN_ROLES, require_role
from sadec_desk.sync.adapters.gateway.catalogue import parse_procedure
from sadec_desk.sync.adapters.gateway.session import GatewaySession
from sadec_desk.sync.state import get_state

if TYPE_CHECKING:
    from sadec_desk.services.context import AppContext


@dataclass
class GatewayCheck:
    envelope: str
    logged_in: bool
    procedure_code: str
    procedure: dict | None  # the LayThuTuc fields the records use; None = not known
    procedure_answer: str  # error code and message of LayThuTuc
    dossier_code: str
    dossier_found: bool | None  # TraCuuHoSo; None = not asked
    dossier_answer: str
    notes: list[str] = field(default_factory=list)


def check_gateway(ctx: AppContext, procedure_code: str, dossier_code: str = "") -> GatewayCheck:
    """Log in, ask LayThuTuc for one procedure and TraCuuHoSo for one dossier code."""
    require_role(ctx, *ADMIN_ROLES)
    session = GatewaySession(ctx, get_state("gateway_password"))
    try:
        result = GatewayCheck(session.envelope, False, procedure_code, None, "", dossier_code,
                              None, "")
        if session.logs_in:
            session.login()
            result.logged_in = True
        if not session.has_queries:
            result.notes.append(_("Kiểu kết nối '{envelope}' không có dịch vụ LayThuTuc / "
                                  "TraCuuHoSo: chỉ kiểm tra được bằng cách gửi hồ sơ.")
                                .format(envelope=session.envelope))
            return result
        answer = session.procedure(procedure_code)
        result.procedure = parse_procedure(answer)
        result.procedure_answer = f"{answer.code}: {answer.message}"
        if dossier_code:
            answer = session.lookup_dossier(dossier_code)
            result.dossier_found = bool(answer.result) if answer.ok else None
            result.dossier_answer = f"{answer.code}: {answer.message}"
        return result
    finally:
        session.close()

"""The procedure catalogue: seeded from ``db/seed/procedures.json``, versioned in the database."""

from __future__ import annotations

import json
import time
from importlib import resources
from typing import TYPE_CHECKING

from sadec_desk.db.models import Procedure as ProcedureRow
from sadec_desk.domain.catalogue import Procedure, procedure_to_data, procedures_from_data
from sadec_desk.domain.fees import format_vnd
from sadec_desk.errors import NotFound
from sadec_desk.i18n import _
from sadec_desk.services.access import ADMIN_ROLES, require_role
from sadec_desk.services.records import PaperInfo, ProcedureInfo

if TYPE_CHECKING:
    from sadec_desk.services.context import AppContext


def seed_procedures() -> list[Procedure]:
    text = (resources.files("sadec_desk.db") / "seed" / "procedures.json").read_text("utf-8")
    return procedures_from_data(json.loads(text))


def _store(procedure: Procedure, ctx: AppContext, source: str) -> ProcedureRow:
    return ProcedureRow.create(
        code=procedure.code, version=procedure.version, name=procedure.name,
        field_name=procedure.field_name, time_limit_days=procedure.time_limit_days,
        verification_extra_days=procedure.verification_extra_days,
        same_day_eligible=procedure.same_day_eligible,
        data=json.dumps(procedure_to_data(procedure), ensure_ascii=False),
        active=True, source=source, updated_at=ctx.now(),
    )


def ensure_catalogue(ctx: AppContext) -> None:
    """Add seed procedures the database lacks, and newer seed versions of seed rows.

    Rows edited by IT staff or refreshed from the portal (source != "seed") are
    never replaced by the seed.
    """
    require_role(ctx, *ADMIN_ROLES)
    active = {row.code: row for row in ProcedureRow.select().where(ProcedureRow.active)}
    missing = [p for p in seed_procedures()
               if p.code not in active
               or (active[p.code].source == "seed" and active[p.code].version < p.version)]
    if not missing:
        return
    with ctx.database.atomic():
        for procedure in missing:
            old = active.get(procedure.code)
            if old is not None:
                ProcedureRow.update(active=False).where(ProcedureRow.id == old.id).execute()
            _store(procedure, ctx, "seed")


def procedure_from_row(row: ProcedureRow) -> Procedure:
    return procedures_from_data({"format": 1, "procedures": [json.loads(row.data)]})[0]


def council_fee(ctx: AppContext, code: str) -> int:
    return int(ctx.config["fees.council"].get(code, 0))


def fee_text(ctx: AppContext, procedure: Procedure) -> str:
    rule = procedure.fee
    if rule.kind == "free":
        return _("Miễn lệ phí")
    if rule.kind == "free_if_on_time":
        return _("Miễn lệ phí nếu đăng ký đúng hạn")
    if rule.kind == "fixed":
        return _("{amount}/trường hợp").format(amount=format_vnd(rule.amount_vnd))
    if rule.kind == "per_copy":
        return _("{amount}/bản").format(amount=format_vnd(rule.amount_vnd))
    if rule.kind == "certified_copy":
        return _("2.000 đ/trang, từ trang thứ 3 là 1.000 đ/trang, tối đa 200.000 đ/bản")
    amount = council_fee(ctx, procedure.code)
    if amount:
        return _("{amount} (theo Nghị quyết HĐND tỉnh)").format(amount=format_vnd(amount))
    return _("Theo Nghị quyết HĐND tỉnh (chưa cấu hình)")


def to_info(ctx: AppContext, procedure: Procedure) -> ProcedureInfo:
    return ProcedureInfo(
        code=procedure.code, name=procedure.name, field_name=procedure.field_name,
        version=procedure.version, time_limit_days=procedure.time_limit_days,
        verification_extra_days=procedure.verification_extra_days,
        same_day_eligible=procedure.same_day_eligible, fee_kind=procedure.fee.kind,
        fee_amount_vnd=(council_fee(ctx, procedure.code) if procedure.fee.kind == "council"
                        else procedure.fee.amount_vnd),
        fee_text=fee_text(ctx, procedure),
        papers=tuple(PaperInfo(p.name, p.kind, p.count) for p in procedure.papers),
        legal_basis=procedure.legal_basis,
    )


#: how long a counter trusts its cached copy of a procedure before re-reading it, so
#: that a catalogue change made at another counter reaches this one within a minute
PROCEDURE_CACHE_SECONDS = 60.0


def active_procedure(ctx: AppContext, code: str) -> tuple[ProcedureRow, Procedure]:
    code = (code or "").strip()
    cached = ctx.procedure_cache.get(code)
    if cached is not None and time.monotonic() - cached[0] < PROCEDURE_CACHE_SECONDS:
        return cached[1], cached[2]
    row = ProcedureRow.select().where(ProcedureRow.code == code, ProcedureRow.active).first()
    if row is None:
        known = ", ".join(r.code for r in ProcedureRow.select(ProcedureRow.code)
                          .where(ProcedureRow.active).order_by(ProcedureRow.code))
        raise NotFound(_("Không có thủ tục mã '{code}'. Các mã hiện có: {known}. "
                         "Xem 'sadec-desk catalog list'.").format(code=code, known=known))
    procedure = procedure_from_row(row)
    ctx.procedure_cache[code] = (time.monotonic(), row, procedure)
    return row, procedure


def list_procedures(ctx: AppContext) -> list[ProcedureInfo]:
    rows = ProcedureRow.select().where(ProcedureRow.active).order_by(ProcedureRow.id)
    return [to_info(ctx, procedure_from_row(row)) for row in rows]


def adopt_procedure(ctx: AppContext, procedure: Procedure, source: str) -> bool:
    """Make ``procedure`` the active version of its code (e.g. from the portal).

    Only a version newer than every stored one is adopted, so refreshing twice or
    meeting an older copy changes nothing; returns whether it was adopted. Callers
    hold a transaction and call ``ctx.forget_cached()`` afterwards.
    """
    require_role(ctx, *ADMIN_ROLES)
    newest = (ProcedureRow.select(ProcedureRow.version).where(ProcedureRow.code == procedure.code)
              .order_by(ProcedureRow.version.desc()).scalar())
    if newest is not None and newest >= procedure.version:
        return False
    ProcedureRow.update(active=False).where(ProcedureRow.code == procedure.code,
                                            ProcedureRow.active).execute()
    _store(procedure, ctx, source)
    return True

"""TenTTHC, MaLinhVuc and TenLinhVuc from the gateway's own catalogue (``LayThuTuc``).

OpenCPS fills these three fields of every record from ``LayThuTuc`` instead of keeping
its own table (gateway-facts.md §1): the answer's ``result[0]`` has ``TENTTHC``,
``LINHVUCTHUCHIEN[]`` (``MALINHVUC``, ``TENLINHVUC``) and ``CACHTHUCTHUCHIEN[]`` whose
``THOIGIAN[].PHILEPHI[]`` carry ``MAPHILEPHI``. Answers are kept in ``gateway_procedure``
and asked again after a day; when the gateway has no such service (the other two
envelopes), does not know the code, or is not reachable, the local catalogue's name and
field and the hand-kept ``sync.gateway_field_codes`` are used.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sadec_desk.db.models import GatewayProcedure
from sadec_desk.db.models import Procedure as ProcedureRow
from sadec_desk.sync.adapters.gateway.records import CatalogueEntry
from sadec_desk.sync.errors import TransientError

if TYPE_CHECKING:
    from sadec_desk.services.context import AppContext
    from sadec_desk.sync.adapters.gateway.session import Answer, GatewaySession

REFRESH_AFTER = timedelta(days=1)


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _dicts(items: Any) -> list[dict]:
    """The objects of a list in an answer; anything else in its place reads as none."""
    return [i for i in items if isinstance(i, dict)] if isinstance(items, list) else []


def _first(items: Any) -> dict:
    found = _dicts(items)
    return found[0] if found else {}


def _fee_code(entry: dict) -> str:
    """The first MAPHILEPHI of the desk channel (KENH 1), else of any channel."""
    ways = sorted(_dicts(entry.get("CACHTHUCTHUCHIEN")), key=lambda w: str(w.get("KENH")) != "1")
    for way in ways:
        for time in _dicts(way.get("THOIGIAN")):
            for fee in _dicts(time.get("PHILEPHI")):
                code = _text(fee.get("MAPHILEPHI"))
                if code:
                    return code[:255]
    return ""


def parse_procedure(answer: Answer) -> dict | None:
    """The cached columns from a LayThuTuc answer; None when it does not know the code."""
    entry = _first(answer.result)
    if not answer.ok or not entry:
        return None
    field = _first(entry.get("LINHVUCTHUCHIEN"))
    return {"name": _text(entry.get("TENTTHC")), "field_code": _text(field.get("MALINHVUC"))[:255],
            "field_name": _text(field.get("TENLINHVUC")), "fee_code": _fee_code(entry)}


def refresh(ctx: AppContext, session: GatewaySession, code: str) -> GatewayProcedure:
    """Ask LayThuTuc for one procedure and keep the answer (found or not)."""
    values = parse_procedure(session.procedure(code)) or {}
    row = {"name": "", "field_code": "", "field_name": "", "fee_code": "", **values,
           "found": bool(values), "fetched_at": ctx.now()}
    with ctx.database.atomic():
        (GatewayProcedure.insert(code=code, **row)
         .on_conflict(conflict_target=[GatewayProcedure.code], update=row).execute())
    return GatewayProcedure.get(GatewayProcedure.code == code)


def catalogue_entry(ctx: AppContext, session: GatewaySession | None, code: str) -> CatalogueEntry:
    """The procedure as the record names it: the gateway's words first."""
    cached = GatewayProcedure.get_or_none(GatewayProcedure.code == code)
    if session is not None and session.has_queries and (
            cached is None or ctx.now() - cached.fetched_at >= REFRESH_AFTER):
        try:
            cached = refresh(ctx, session, code)
        except TransientError:
            if cached is None:  # no answer and nothing kept: the record waits for the network
                raise
    local = (ProcedureRow.select(ProcedureRow.name, ProcedureRow.field_name)
             .where(ProcedureRow.code == code).order_by(ProcedureRow.active.desc(),
                                                        ProcedureRow.version.desc()).first())
    name = local.name if local else ""
    field_name = local.field_name if local else ""
    field_code = ctx.config["sync.gateway_field_codes"].get(field_name, "")
    if cached is not None and cached.found:
        return CatalogueEntry(name=cached.name or name,
                              field_code=cached.field_code or field_code,
                              field_name=cached.field_name or field_name,
                              fee_code=cached.fee_code)
    return CatalogueEntry(name=name, field_code=field_code, field_name=field_name)

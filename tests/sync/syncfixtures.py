"""Helpers for sync tests: an office enrolled with the test portal, convergence checks."""

from __future__ import annotations

from datetime import datetime

from appfixtures import OTHER_QR, SAMPLE_QR, Clock, make_ctx

from sadec_desk.db.models import Dossier, Outbox
from sadec_desk.domain.catalogue import procedures_from_data
from sadec_desk.services import catalog, dossiers
from sadec_desk.sync import engine


def office(portal, clock: Clock | None = None, **settings):
    settings.setdefault("sync__portal_url", portal.url)
    settings.setdefault("sync__timeout_seconds", 5)
    ctx = make_ctx(clock or Clock(), **settings)
    engine.enrol(ctx, portal.url, portal.new_code(), "quầy 1")
    return ctx


def receive_many(ctx, n: int) -> list[str]:
    qrs = (SAMPLE_QR, OTHER_QR)
    return [dossiers.receive_dossier(ctx, procedure_code="1.001193", qr_text=qrs[i % 2]).uuid
            for i in range(n)]


def local_view() -> dict[str, tuple]:
    rows = list(Dossier.select())
    assert len({d.uuid for d in rows}) == len(rows)
    return {d.uuid: (d.code, d.status, d.due_at) for d in rows}


def portal_view(portal) -> dict[str, tuple]:
    rows = portal.dossiers()
    assert len({d["uuid"] for d in rows}) == len(rows), "duplicate dossier at the portal"
    assert len({d["code"] for d in rows}) == len(rows), "duplicate dossier code at the portal"
    return {d["uuid"]: (d["code"], d["status"], datetime.fromisoformat(d["due_at"]))
            for d in rows}


def assert_converged(ctx, portal) -> None:
    """Portal and office hold exactly the same dossiers; nothing left to send."""
    assert Outbox.select().where(Outbox.state.in_(["pending", "failed"])).count() == 0
    assert local_view() == portal_view(portal)
    assert {d.sync_state for d in Dossier.select()} <= {"synced"}
    # the portal applied each local operation exactly once
    applied = portal.store.database
    from sadec_desk.sync.portal import Operation

    with applied.connection_context():
        ops = Operation.select().where(Operation.result == "applied").count()
    assert ops == Outbox.select().where(Outbox.state == "done").count()


def local_procedure(ctx, code="1.999999"):
    """A procedure this office has and the portal/gateway does not (rejections)."""
    data = catalog.procedure_to_data(next(p for p in catalog.seed_procedures()
                                          if p.code == "1.004873"))
    data.update(code=code, name="Thủ tục chỉ có ở xã", version=1)
    with ctx.database.atomic():
        catalog.adopt_procedure(ctx, procedures_from_data({"format": 1,
                                                           "procedures": [data]})[0], "local")
    ctx.forget_cached()
    return data

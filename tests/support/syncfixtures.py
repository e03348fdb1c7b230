"""Helpers for sync tests: an office enrolled with the test portal, convergence checks."""

from __future__ import annotations

import hashlib
import io
import random
from datetime import datetime

from appfixtures import OTHER_QR, SAMPLE_QR, Clock, make_ctx

from sadec_desk.db.attachment_models import DossierForm, DossierPage, PageBlob
from sadec_desk.db.models import Dossier, Outbox
from sadec_desk.domain.catalogue import procedures_from_data
from sadec_desk.services import catalogue
from sadec_desk.services.reception import dossiers
from sadec_desk.sync import engine, state


def office(portal, clock: Clock | None = None, **settings):
    settings.setdefault("sync__portal_url", portal.url)
    settings.setdefault("sync__timeout_seconds", 5)
    ctx = make_ctx(clock or Clock(), **settings)
    engine.enrol(ctx, portal.url, portal.new_code(), "quầy 1")
    return ctx


def gateway_office(gateway, clock: Clock | None = None, **settings):
    """An office that syncs with the fake provincial gateway ``gateway`` (its password
    stored as IT would)."""
    ctx = make_ctx(clock or Clock(), **{**gateway.settings(), **settings})
    with ctx.database.atomic():
        state.set_state(ctx, "gateway_password", "mật-khẩu")
    return ctx


def code_of(uuid: str) -> str:
    return Dossier.get(Dossier.uuid == uuid).code


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
    from sadec_desk.sync.portal.models import Operation

    with applied.connection_context():
        ops = Operation.select().where(Operation.result == "applied").count()
    assert ops == Outbox.select().where(Outbox.state == "done").count()


def local_procedure(ctx, code="1.999999"):
    """A procedure this office has and the portal/gateway does not (rejections)."""
    data = catalogue.procedure_to_data(next(p for p in catalogue.seed_procedures()
                                          if p.code == "1.004873"))
    data.update(code=code, name="Thủ tục chỉ có ở xã", version=1)
    with ctx.database.atomic():
        catalogue.adopt_procedure(ctx, procedures_from_data({"format": 1,
                                                           "procedures": [data]})[0], "local")
    ctx.forget_cached()
    return data


def page_image(seed: int, size=(640, 480), kind: str = "JPEG") -> bytes:
    """A scanned page stand-in: a real JPEG/PNG of noise (it does not compress, so a
    few hundred KB go over several chunks)."""
    from PIL import Image

    noise = random.Random(seed).randbytes(size[0] * size[1] * 3)
    out = io.BytesIO()
    Image.frombytes("RGB", size, noise).save(out, kind, **({"quality": 90} if kind == "JPEG"
                                                          else {}))
    return out.getvalue()


def add_pages(ctx, uuid: str, papers: list[tuple[str, list[bytes]]]) -> dict:
    """What services.attachments does when pages are added to a dossier: the blob
    files and rows, the page rows and the dossier.pages outbox row (the whole page
    list after the change) in one transaction. Returns the op's payload."""
    from sadec_desk.services.outbox import queue_change
    from sadec_desk.sync.outbox_ops import page_file

    with ctx.database.atomic():
        dossier = Dossier.get(Dossier.uuid == uuid)
        DossierPage.delete().where(DossierPage.dossier == dossier).execute()
        listed = []
        for index, (name, images) in enumerate(papers):
            pages = []
            for position, data in enumerate(images, 1):
                sha = hashlib.sha256(data).hexdigest()
                media = "image/png" if data.startswith(b"\x89PNG") else "image/jpeg"
                blob = PageBlob.get_or_none(PageBlob.sha256 == sha) or PageBlob.create(
                    sha256=sha, media_type=media, size=len(data), width=640, height=480,
                    created_at=ctx.now())
                path = page_file(ctx, blob)
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(data)
                DossierPage.create(dossier=dossier, paper_index=index, paper_name=name,
                                   position=position, blob=blob, source="file",
                                   added_at=ctx.now())
                pages.append({"position": position, "sha256": sha, "media_type": media,
                              "size": len(data), "width": 640, "height": 480})
            listed.append({"index": index, "name": name, "pages": pages})
        payload = {"uuid": uuid, "papers": listed}
        queue_change(ctx, uuid, "dossier.pages", payload)
        Dossier.update(sync_state="pending").where(Dossier.id == dossier.id).execute()
    return payload


def save_form(ctx, uuid: str, values: dict[str, str]) -> dict:
    """What services.eforms.save_form does: the form row and its dossier.form op."""
    import json

    from sadec_desk.services.outbox import queue_change

    payload = {"uuid": uuid, "form_id": "tt04-2020/khai-sinh", "form_version": "1",
               "values": values}
    with ctx.database.atomic():
        dossier = Dossier.get(Dossier.uuid == uuid)
        DossierForm.create(dossier=dossier, form_id=payload["form_id"], form_version="1",
                           values=json.dumps(values, ensure_ascii=False),
                           created_at=ctx.now(), updated_at=ctx.now())
        queue_change(ctx, uuid, "dossier.form", payload)
        Dossier.update(sync_state="pending").where(Dossier.id == dossier.id).execute()
    return payload

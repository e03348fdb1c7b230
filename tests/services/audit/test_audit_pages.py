"""Scanned pages and filled forms in the dossier's hash-chained history (services/audit.py).

Each change of a dossier's pages is a ``pages`` event listing (paper, page, SHA-256) of
every page; each save of its form a ``form`` event with the hash of the values. So the
trail fixes which images a dossier held, and ``audit verify`` names a page row changed
outside the software.
"""

from __future__ import annotations

import json
import sqlite3

from appfixtures import SAMPLE_QR, Clock, make_ctx
from form_samples import BIRTH, CHILD, dossier_id
from pagesamples import encode, text_page

from sadec_desk.bootstrap import open_context
from sadec_desk.config import load_config
from sadec_desk.services import audit
from sadec_desk.services.display import event_text
from sadec_desk.services.pages import dossier_pages
from sadec_desk.services.reception import dossiers, eforms


def _dossier_with_pages(ctx):
    info = dossiers.receive_dossier(ctx, procedure_code=BIRTH, qr_text=SAMPLE_QR)
    pages = [dossier_pages.add_page(ctx, encode(text_page(label=f"trang {n}")), paper_index=1,
                                    paper_name="Giấy chứng sinh", source="scanner",
                                    dossier=info.code) for n in (1, 2)]
    return info, pages


def test_pages_and_form_are_events_of_the_dossier(ctx):
    info, pages = _dossier_with_pages(ctx)
    with ctx.database.atomic():
        eforms.save_form(ctx, dossier_id(info.uuid), BIRTH,
                         {**eforms.prefill_from_qr(ctx, BIRTH, SAMPLE_QR), **CHILD})
    events = dossiers.get_dossier(ctx, info.code).events
    assert [e.kind for e in events] == ["received", "pages", "pages", "form"]
    last_pages = events[2]
    assert last_pages.note == "Giấy chứng sinh: 2 trang"
    assert event_text(last_pages).startswith("Giấy tờ đã quét")
    assert event_text(events[3]).startswith("Tờ khai điện tử")
    assert "Tờ khai đăng ký khai sinh" in events[3].note
    # the status does not move: these events keep the dossier where it was
    assert {(e.from_status, e.to_status) for e in events[1:]} == {("received", "received")}
    report = audit.verify_chain(ctx)
    assert report.ok, report.problems
    dossier_pages.remove_page(ctx, pages[0].id)
    assert dossiers.get_dossier(ctx, info.code).events[-1].note == "Giấy chứng sinh: 1 trang"
    assert audit.verify_chain(ctx).ok


def test_a_page_swapped_outside_the_software_is_named(clock):
    ctx = make_ctx(clock)
    info, pages = _dossier_with_pages(ctx)
    other = dossier_pages.add_page(ctx, encode(text_page(label="khác")), paper_index=0,
                                   paper_name="Tờ khai", source="file", dossier=info.code)
    ctx.close()
    conn = sqlite3.connect(ctx.config.sqlite_path, isolation_level=None)
    # point page 1 at the other page's image, as someone editing the file would
    conn.execute("UPDATE dossier_page SET blob_id = (SELECT blob_id FROM dossier_page "
                 "WHERE id = ?) WHERE id = ?", (other.id, pages[0].id))
    conn.close()
    ctx = open_context(load_config(), clock=Clock())
    try:
        report = audit.verify_chain(ctx)
        problems = [p for p in report.problems if p.kind == "pages_mismatch"]
        assert len(problems) == 1 and problems[0].dossier_code == info.code
        assert "khác với lần ghi cuối trong nhật ký" in problems[0].message
    finally:
        ctx.close()


def test_a_page_row_deleted_outside_the_software_is_named(clock):
    ctx = make_ctx(clock)
    info, pages = _dossier_with_pages(ctx)
    ctx.close()
    conn = sqlite3.connect(ctx.config.sqlite_path, isolation_level=None)
    conn.execute("DELETE FROM dossier_page WHERE id = ?", (pages[1].id,))
    conn.close()
    ctx = open_context(load_config(), clock=Clock())
    try:
        kinds = [p.kind for p in audit.verify_chain(ctx).problems]
        assert kinds == ["pages_mismatch"]
    finally:
        ctx.close()


def test_the_form_event_carries_the_hash_of_the_stored_values(ctx):
    info = dossiers.receive_dossier(ctx, procedure_code=BIRTH, qr_text=SAMPLE_QR)
    with ctx.database.atomic():
        eforms.save_form(ctx, dossier_id(info.uuid), BIRTH,
                         {**eforms.prefill_from_qr(ctx, BIRTH, SAMPLE_QR), **CHILD})
    import hashlib

    from sadec_desk.db.attachment_models import DossierForm
    from sadec_desk.db.models import DossierEvent

    stored = DossierForm.get().values
    data = json.loads(DossierEvent.select().order_by(DossierEvent.seq.desc()).get().data)
    assert data["values_sha256"] == hashlib.sha256(stored.encode("utf-8")).hexdigest()
    assert data["form_id"] == eforms.form_of(ctx, info.code).form.form_id

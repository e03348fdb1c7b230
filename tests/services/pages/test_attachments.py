"""services.attachments: content-addressed page storage, drafts, dossiers, the outbox,
the PDF and the office printer."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from datetime import timedelta
from pathlib import Path

import pytest
from appfixtures import OTHER_QR, SAMPLE_QR, make_ctx, run_cli, run_cli_json
from cupsserver import CupsServer, cups_server  # noqa: F401 (the fixture)
from pagesamples import encode, on_scanner_bed, text_page

from sadec_desk.db.attachment_models import DossierPage, PageBlob
from sadec_desk.db.models import Outbox
from sadec_desk.errors import InvalidInput, NotFound
from sadec_desk.services.access import PermissionDenied
from sadec_desk.services.admin import users
from sadec_desk.services.admin.users import UserInfo
from sadec_desk.services.pages import dossier_pages, store
from sadec_desk.services.reception import dossiers

BIRTH = "1.001193"  # Đăng ký khai sinh: tờ khai + giấy chứng sinh


@pytest.fixture(scope="module")
def scans() -> list[bytes]:
    """Three different page scans (PNG bytes), made once."""
    return [encode(on_scanner_bed(text_page(900, 1272, lines=12, label=f"TRANG {n}")))
            for n in (1, 2, 3)]


def receive(ctx, qr: str = SAMPLE_QR) -> str:
    return dossiers.receive_dossier(ctx, procedure_code=BIRTH, qr_text=qr).code


def page_files(ctx) -> list[Path]:
    root = store.pages_dir(ctx)
    return sorted(p for p in root.glob("*/*") if p.is_file()) if root.is_dir() else []


def pages_ops(ctx) -> list[dict]:
    return [json.loads(o.payload) for o in Outbox.select().where(Outbox.op == "dossier.pages")
            .order_by(Outbox.id)]


def add(ctx, data: bytes, *, paper: int = 0, **owner):
    return dossier_pages.add_page(ctx, data, paper_index=paper,
                                  paper_name=["Tờ khai", "Giấy chứng sinh"][paper] if paper < 2
                                  else "Giấy khác", source="scanner", **owner)


def test_the_same_image_twice_is_one_file_and_two_rows(ctx, scans):
    code = receive(ctx)
    first = add(ctx, scans[0], dossier=code)
    second = add(ctx, scans[0], dossier=code)
    assert first.sha256 == second.sha256 and first.id != second.id
    assert (first.position, second.position) == (1, 2)
    assert PageBlob.select().count() == 1 and DossierPage.select().count() == 2
    files = page_files(ctx)
    path = store.blob_path(ctx, first.sha256)
    assert files == [path]
    assert path.parent.name == first.sha256[:2]
    assert path.name == f"{first.sha256}.{'png' if first.media_type == 'image/png' else 'jpg'}"
    assert path.stat().st_size == first.size
    assert store.read_page(ctx, second.id) == path.read_bytes()
    # nothing half-written is left next to it
    assert not [p for p in path.parent.iterdir() if p.name.endswith(".tmp")]


def test_each_dossier_change_queues_the_whole_page_list(ctx, scans):
    code = receive(ctx)
    uuid = dossiers.get_dossier(ctx, code).uuid
    one = add(ctx, scans[0], dossier=code)
    add(ctx, scans[1], paper=1, dossier=code)
    ops = pages_ops(ctx)
    assert len(ops) == 2
    assert ops[-1]["uuid"] == uuid
    assert [(p["index"], p["name"], [pg["position"] for pg in p["pages"]])
            for p in ops[-1]["papers"]] == [(0, "Tờ khai", [1]), (1, "Giấy chứng sinh", [1])]
    first_page = ops[-1]["papers"][0]["pages"][0]
    assert first_page == {"position": 1, "sha256": one.sha256, "media_type": one.media_type,
                          "size": one.size, "width": one.width, "height": one.height}
    dossier_pages.remove_page(ctx, one.id)
    assert [p["index"] for p in pages_ops(ctx)[-1]["papers"]] == [1]
    assert dossiers.get_dossier(ctx, code).sync_state == "pending"


def test_a_failure_in_the_transaction_leaves_neither_page_nor_outbox_row(ctx, scans,
                                                                         monkeypatch):
    code = receive(ctx)
    before = Outbox.select().count()

    def broken_outbox(*args, **kwargs):
        raise RuntimeError("disk full while queueing")

    with monkeypatch.context() as patched:
        patched.setattr(dossier_pages, "queue_change", broken_outbox)
        with pytest.raises(RuntimeError):
            add(ctx, scans[0], dossier=code)
    assert DossierPage.select().count() == 0 and PageBlob.select().count() == 0
    assert Outbox.select().count() == before
    # the caller's transaction failing after a successful add also takes both back
    with pytest.raises(RuntimeError), ctx.database.atomic():
        add(ctx, scans[0], dossier=code)
        raise RuntimeError("the counter crashed after adding")
    assert DossierPage.select().count() == 0 and Outbox.select().count() == before
    # the file written meanwhile is named by no row: the start-up sweep removes it
    assert len(page_files(ctx)) == 1
    ctx.clock.moment += timedelta(hours=2)
    old = time.time() - 3 * 3600
    for path in page_files(ctx):
        os.utime(path, (old, old))
    dossier_pages.purge_stale_drafts(ctx, timedelta(hours=1))
    assert page_files(ctx) == []


def test_discarding_a_draft_removes_only_files_nobody_else_uses(ctx, scans):
    code = receive(ctx)
    shared = add(ctx, scans[0], dossier=code)  # the citizen's other dossier has this page
    add(ctx, scans[0], draft="kiosk-1")
    own = add(ctx, scans[1], paper=1, draft="kiosk-1")
    other_draft = add(ctx, scans[2], draft="kiosk-2")
    assert len(dossier_pages.draft_pages(ctx, "kiosk-1")) == 2
    own_path = store.blob_path(ctx, own.sha256)
    assert dossier_pages.discard_draft(ctx, "kiosk-1") == 2
    assert dossier_pages.draft_pages(ctx, "kiosk-1") == []
    assert not own_path.exists()
    with pytest.raises(NotFound):
        store.blob_path(ctx, own.sha256)
    assert store.blob_path(ctx, shared.sha256).exists()
    assert store.read_page(ctx, shared.id)  # the dossier's page is intact
    assert [p.id for p in dossier_pages.draft_pages(ctx, "kiosk-2")] == [other_draft.id]
    assert store.blob_path(ctx, other_draft.sha256).exists()
    assert dossier_pages.discard_draft(ctx, "kiosk-1") == 0  # twice is harmless


def test_deleting_one_dossiers_pages_keeps_a_page_another_dossier_uses(ctx, scans):
    first, second = receive(ctx), receive(ctx, OTHER_QR)
    add(ctx, scans[0], dossier=first)
    only_first = add(ctx, scans[1], dossier=first)
    both = add(ctx, scans[0], dossier=second)
    assert dossier_pages.delete_dossier_pages(ctx, first) == 2
    assert not any(p.name.startswith(only_first.sha256) for p in page_files(ctx))
    assert [p.id for p in dossier_pages.dossier_pages(ctx, second)] == [both.id]
    assert store.read_page(ctx, both.id)
    assert len(page_files(ctx)) == 1
    assert pages_ops(ctx)[-1]["papers"] == []  # the first dossier's list is now empty
    dossier_pages.delete_dossier_pages(ctx, second)
    assert page_files(ctx) == [] and PageBlob.select().count() == 0


def test_attach_draft_moves_the_pages_in_the_callers_transaction(ctx, scans):
    add(ctx, scans[0], draft="kiosk-7")
    add(ctx, scans[1], draft="kiosk-7")
    add(ctx, scans[2], paper=1, draft="kiosk-7")
    code = receive(ctx)
    dossier_id = dossiers.find_dossier_row(code).id
    with pytest.raises(RuntimeError), ctx.database.atomic():
        assert dossier_pages.attach_draft(ctx, "kiosk-7", dossier_id) == 3
        raise RuntimeError("receipt failed")
    assert len(dossier_pages.draft_pages(ctx, "kiosk-7")) == 3 and pages_ops(ctx) == []
    with ctx.database.atomic():
        assert dossier_pages.attach_draft(ctx, "kiosk-7", dossier_id) == 3
    assert dossier_pages.draft_pages(ctx, "kiosk-7") == []
    papers = dossier_pages.papers_of(ctx, code)
    assert [[p.position for p in paper.pages] for paper in papers] == [[1, 2], [1]]
    ops = pages_ops(ctx)
    assert len(ops) == 1 and sum(len(p["pages"]) for p in ops[0]["papers"]) == 3
    assert dossier_pages.attach_draft(ctx, "kiosk-7", dossier_id) == 0  # nothing left
    assert len(pages_ops(ctx)) == 1


def test_purge_removes_only_drafts_older_than_the_limit(ctx, clock, scans):
    add(ctx, scans[0], draft="crashed")
    stale_file = store.blob_path(ctx, dossier_pages.draft_pages(ctx, "crashed")[0].sha256)
    clock.moment += timedelta(hours=3)
    add(ctx, scans[1], draft="in-use")
    assert dossier_pages.purge_stale_drafts(ctx, timedelta(hours=1)) == 1
    assert dossier_pages.draft_pages(ctx, "crashed") == [] and not stale_file.exists()
    assert len(dossier_pages.draft_pages(ctx, "in-use")) == 1


def test_papers_of_lists_every_paper_of_the_procedure(ctx, scans):
    code = receive(ctx)
    papers = dossier_pages.papers_of(ctx, code)
    assert [(p.index, p.required, p.pages) for p in papers] == [(0, True, ()), (1, True, ())]
    assert papers[0].name.startswith("Tờ khai")
    add(ctx, scans[0], paper=1, dossier=code)
    add(ctx, scans[1], paper=4, dossier=code)  # a paper the procedure does not list
    papers = dossier_pages.papers_of(ctx, dossiers.get_dossier(ctx, code).uuid)
    assert [(p.index, len(p.pages)) for p in papers] == [(0, 0), (1, 1), (4, 1)]
    assert papers[2].name == "Giấy khác" and papers[2].kind == ""


def test_remove_and_move_keep_positions_consecutive(ctx, scans):
    code = receive(ctx)
    a, b, c = (add(ctx, s, dossier=code) for s in scans)
    dossier_pages.move_page(ctx, c.id, 1)
    assert [p.id for p in dossier_pages.dossier_pages(ctx, code)] == [c.id, a.id, b.id]
    dossier_pages.remove_page(ctx, a.id)
    pages = dossier_pages.dossier_pages(ctx, code)
    assert [(p.id, p.position) for p in pages] == [(c.id, 1), (b.id, 2)]
    with pytest.raises(InvalidInput):
        dossier_pages.move_page(ctx, b.id, 5)
    with pytest.raises(NotFound):
        dossier_pages.remove_page(ctx, a.id)


def test_an_unusable_image_stores_nothing(ctx):
    code = receive(ctx)
    with pytest.raises(InvalidInput, match="JPG/PNG"):
        add(ctx, b"%PDF-1.4 not a picture", dossier=code)
    assert DossierPage.select().count() == 0 and page_files(ctx) == []
    with pytest.raises(ValueError):
        dossier_pages.add_page(ctx, b"x", paper_index=0, paper_name="Tờ khai", source="file")


def test_the_page_limit_is_a_sentence(clock, scans):
    ctx = make_ctx(clock, attachments__max_pages=2)
    try:
        add(ctx, scans[0], draft="d")
        add(ctx, scans[1], draft="d")
        with pytest.raises(InvalidInput, match="Đã có 2 trang"):
            add(ctx, scans[2], draft="d")
    finally:
        ctx.close()


def test_a_damaged_file_is_reported_not_shown(ctx, scans):
    code = receive(ctx)
    page = add(ctx, scans[0], dossier=code)
    path = store.blob_path(ctx, page.sha256)
    path.write_bytes(path.read_bytes()[:-10] + b"0123456789")
    with pytest.raises(NotFound, match="bị hỏng"):
        store.read_page(ctx, page.id)
    path.unlink()
    with pytest.raises(NotFound, match="không còn"):
        store.read_page(ctx, page.id)
    # adding the same image again writes the file back for every row using it
    add(ctx, scans[0], dossier=code)
    assert store.read_page(ctx, page.id)


def test_thumbnails_are_cached_and_go_with_their_blob(ctx, scans):
    page = add(ctx, scans[0], draft="t")
    first = store.thumbnail(ctx, page.id, 120)
    assert first.startswith(b"\x89PNG")
    cached = list((store.pages_dir(ctx) / "thumbs").glob("*/*.png"))
    assert len(cached) == 1 and cached[0].read_bytes() == first
    assert store.thumbnail(ctx, page.id, 120) == first
    dossier_pages.discard_draft(ctx, "t")
    assert not cached[0].exists()


def test_roles(ctx, scans):
    users.create_user(ctx, username="admin", full_name="Lê Văn Tín", role="it",
                      password="matkhau-cntt")
    code = receive(ctx)
    ctx.user = UserInfo(1, "admin", "Lê Văn Tín", "it", "Cán bộ CNTT", "password", None, True,
                        None)
    # the kiosk's drafts: any signed-in staff; a dossier's pages: counter roles
    draft_page = add(ctx, scans[0], draft="k")
    assert store.read_page(ctx, draft_page.id)
    for call in (lambda: add(ctx, scans[0], dossier=code),
                 lambda: dossier_pages.papers_of(ctx, code)):
        with pytest.raises(PermissionDenied):
            call()
    ctx.user = None
    ctx.sign_in_required = True
    with pytest.raises(PermissionDenied):
        dossier_pages.draft_pages(ctx, "k")


def pdf_text(path) -> str:
    raw = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                         check=True, timeout=60).stdout
    return " ".join(raw.split())


def pdf_pages(path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True,
                          timeout=60).stdout
    return int(next(line.split()[-1] for line in info.splitlines()
                    if line.startswith("Pages:")))


needs_poppler = pytest.mark.skipif(not shutil.which("pdftotext"),
                                   reason="poppler-utils (pdftotext) is not installed")


@needs_poppler
def test_the_pdf_has_one_captioned_a4_sheet_per_page(ctx, scans, tmp_path):
    code = receive(ctx)
    add(ctx, scans[0], dossier=code)
    add(ctx, scans[1], dossier=code)
    add(ctx, scans[2], paper=1, dossier=code)
    path = dossier_pages.pages_pdf(ctx, code, out=tmp_path / "giayto.pdf")
    assert path == tmp_path / "giayto.pdf" and pdf_pages(path) == 3
    text = pdf_text(path)
    assert f"Mã hồ sơ {code} — Tờ khai đăng ký khai sinh — trang 2/2" in text
    assert "— trang 1/1" in text
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True,
                          check=True).stdout
    assert "595.276 x 841.89 pts (A4)" in info
    images = subprocess.run(["pdfimages", "-list", str(path)], capture_output=True, text=True,
                            check=True).stdout.splitlines()[2:]
    assert len(images) == 3 and all(" gray " in line for line in images)


def test_a_dossier_without_pages_has_no_pdf(ctx):
    code = receive(ctx)
    with pytest.raises(InvalidInput, match="chưa có trang"):
        dossier_pages.pages_pdf(ctx, code)


@needs_poppler
def test_without_an_office_printer_the_pages_are_saved(ctx, scans):
    code = receive(ctx)
    add(ctx, scans[0], dossier=code)
    result = dossier_pages.print_pages(ctx, code)
    assert result.status == "saved" and not result.printed
    assert Path(result.path).parent == ctx.config.data_dir / "forms"
    assert result.path in result.message and "printing.office_printer" in result.message
    assert pdf_pages(result.path) == 1


@needs_poppler
def test_the_office_printer_gets_the_pages_through_cups(clock, scans, cups_server,  # noqa: F811
                                                        monkeypatch):
    with cups_server.raw_queue("VanPhong", monkeypatch) as laser:
        ctx = make_ctx(clock, printing__office_printer="VanPhong",
                       printing__timeout_seconds=2)
        try:
            code = receive(ctx)
            add(ctx, scans[0], dossier=code)
            result = dossier_pages.print_pages(ctx, code)
            assert result.status == "printed", result.message
            assert result.message == f"Đã in giấy tờ của hồ sơ {code} ra máy in VanPhong."
            assert laser.wait_for_jobs(1, timeout=10)[0] == Path(result.path).read_bytes()
        finally:
            ctx.close()


def test_cli_pages_add_list_and_pdf(ctx, scans, tmp_path, capsys):
    code = receive(ctx)
    files = []
    for number, data in enumerate(scans[:2]):
        files.append(tmp_path / f"scan{number}.png")
        files[-1].write_bytes(data)
    added = run_cli_json(capsys, "pages", "add", code, "--paper", "2", *map(str, files))
    assert [(p["paper_index"], p["position"]) for p in added] == [(1, 1), (1, 2)]
    listed = run_cli_json(capsys, "pages", "list", code)
    assert [len(p["pages"]) for p in listed["papers"]] == [0, 2]
    assert listed["results"] == []
    exit_code, out, _err = run_cli(capsys, "pages", "list", code)
    assert exit_code == 0 and "2. Giấy chứng sinh" in out and "[2 trang]" in out
    out_pdf = tmp_path / "x.pdf"
    assert run_cli_json(capsys, "pages", "pdf", code, "--out", str(out_pdf))["path"] == str(
        out_pdf)
    assert out_pdf.read_bytes().startswith(b"%PDF")
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"garbage")
    exit_code, _out, err = run_cli(capsys, "pages", "add", code, "--paper", "1", str(bad))
    assert exit_code == 2 and str(bad) in err and "JPG/PNG" in err
    exit_code, _out, err = run_cli(capsys, "pages", "add", code, "--paper", "9", str(bad))
    assert exit_code == 2 and "giấy tờ số 9" in err


def test_on_postgresql_add_share_and_discard(clock, scans, pg_database):
    ctx = make_ctx(clock, database__url=pg_database)
    try:
        code = receive(ctx)
        kept = add(ctx, scans[0], dossier=code)
        add(ctx, scans[0], draft="pg")
        gone = add(ctx, scans[1], draft="pg")
        assert dossier_pages.discard_draft(ctx, "pg") == 2
        assert store.blob_path(ctx, kept.sha256).exists()
        assert not any(p.name.startswith(gone.sha256) for p in page_files(ctx))
        assert PageBlob.select().count() == 1
        assert len(pages_ops(ctx)) == 1
    finally:
        ctx.close()


def test_concurrent_discards_never_take_a_file_another_draft_just_added(ctx):
    """Two kiosks hand in the same page at once and keep discarding: whenever one has just
    added it, its file must be there, whatever the other's discard did meanwhile."""
    import threading

    image = encode(text_page(400, 566, lines=6))
    errors: list[str] = []
    rounds = 8

    def kiosk(draft: str) -> None:
        try:
            for _round in range(rounds):
                page = add(ctx, image, draft=draft)
                store.read_page(ctx, page.id)  # NotFound if the other took the file
                dossier_pages.discard_draft(ctx, draft)
        except Exception as exc:  # reported below, with the round it happened in
            errors.append(f"{draft}: {exc!r}")
        finally:
            ctx.database.close()  # this thread's connection

    threads = [threading.Thread(target=kiosk, args=(name,)) for name in ("k1", "k2")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not any(t.is_alive() for t in threads)
    assert errors == []
    assert DossierPage.select().count() == 0 and PageBlob.select().count() == 0
    assert page_files(ctx) == []

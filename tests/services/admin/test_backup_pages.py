"""Backups hold the scanned pages too (services/backup_pages.py)."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from appfixtures import SAMPLE_QR, Clock, make_ctx
from pagesamples import encode, text_page

from sadec_desk.services.admin import backup
from sadec_desk.services.pages import dossier_pages, store
from sadec_desk.services.reception import dossiers


def _dossier_with_pages(ctx, *labels: str):
    code = dossiers.receive_dossier(ctx, procedure_code="1.001193", qr_text=SAMPLE_QR).code
    pages = [dossier_pages.add_page(ctx, encode(text_page(label=label)), paper_index=1,
                                    paper_name="Giấy chứng sinh", source="scanner", dossier=code)
             for label in labels]
    return code, pages


def _store_files(folder: Path) -> set[str]:
    return {p.name for p in (folder / "pages").glob("*/*")}


def test_a_backup_copies_each_page_once_and_verifies_it(tmp_path):
    clock = Clock()
    ctx = make_ctx(clock, backup__dir=str(tmp_path / "usb"))
    try:
        _code, pages = _dossier_with_pages(ctx, "trang 1", "trang 2")
        first = backup.create_backup(ctx)
        assert (first.pages, first.pages_missing) == (2, 0)
        names = {f"{p.sha256}.jpg" if p.media_type == "image/jpeg" else f"{p.sha256}.png"
                 for p in pages}
        assert _store_files(tmp_path / "usb") == names
        manifest = json.loads(Path(first.path + ".json").read_text(encoding="utf-8"))
        assert manifest["pages_bytes"] == sum(p.size for p in pages)
        assert backup.verify_backup(ctx, first.name).ok

        # a second backup shares the stored files: nothing is copied again
        stored = {p: p.stat().st_mtime_ns for p in (tmp_path / "usb" / "pages").glob("*/*")}
        clock.moment += timedelta(hours=1)
        second = backup.create_backup(ctx)
        assert second.pages == 2
        assert {p: p.stat().st_mtime_ns for p in (tmp_path / "usb" / "pages").glob("*/*")} \
            == stored

        # a changed page in the store makes every backup that holds it fail its check
        victim = next(iter(stored))
        victim.write_bytes(victim.read_bytes()[:-10] + b"0123456789")
        for info in (first, second):
            result = backup.verify_backup(ctx, info.name)
            assert not result.ok
            assert any("trang ảnh giấy tờ" in p and "bị mất hoặc hỏng" in p
                       for p in result.problems)
    finally:
        ctx.close()


def test_restore_puts_the_page_files_back(tmp_path):
    ctx = make_ctx(Clock(), backup__dir=str(tmp_path / "usb"))
    try:
        _code, pages = _dossier_with_pages(ctx, "giấy chứng sinh")
        before = store.read_page(ctx, pages[0].id)
        info = backup.create_backup(ctx)
        for path in store.pages_dir(ctx).glob("*/*"):
            path.unlink()  # a disk failure took the page files
        result = backup.restore_backup(ctx, info.name)
        assert result.pages_restored == 1
        assert store.read_page(ctx, pages[0].id) == before
    finally:
        ctx.close()


def test_a_page_already_lost_is_reported_and_the_backup_kept(tmp_path):
    ctx = make_ctx(Clock(), backup__dir=str(tmp_path / "usb"))
    try:
        _code, pages = _dossier_with_pages(ctx, "còn", "mất")
        lost = store.blob_path(ctx, pages[1].sha256)
        lost.unlink()
        info = backup.create_backup(ctx)
        assert (info.pages, info.pages_missing) == (1, 1)
        manifest = json.loads(Path(info.path + ".json").read_text(encoding="utf-8"))
        assert manifest["pages_missing"] == [pages[1].sha256]
        assert backup.verify_backup(ctx, info.name).ok  # what it holds is whole
    finally:
        ctx.close()


def test_retention_deletes_only_pages_no_kept_backup_holds(tmp_path):
    clock = Clock()
    ctx = make_ctx(clock, backup__dir=str(tmp_path / "usb"), backup__keep_last=1,
                   backup__keep_monthly=0)
    try:
        _code, (kept, gone) = _dossier_with_pages(ctx, "giữ", "bỏ")
        backup.create_backup(ctx)
        assert len(_store_files(tmp_path / "usb")) == 2
        dossier_pages.remove_page(ctx, gone.id)  # its file leaves the data dir too
        clock.moment += timedelta(days=1)
        newest = backup.create_backup(ctx)  # retention drops the first backup
        assert [b.name for b in backup.list_backups(ctx)] == [newest.name]
        assert _store_files(tmp_path / "usb") == {store.blob_path(
            ctx, kept.sha256).name}
        assert list((tmp_path / "usb").glob("*.pages")) == [Path(newest.path + ".pages")]
        assert backup.verify_backup(ctx, newest.name).ok
    finally:
        ctx.close()

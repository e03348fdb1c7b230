"""The scanned pages of a backup (issue #8).

Page images live beside the database (``<data dir>/pages``), so a backup of the database
alone would restore rows whose pictures are gone. Each backup therefore writes a sidecar
``<backup>.pages`` listing ``sha256 media_type`` for every page its database names, and
copies those files into one content-addressed store ``<backup folder>/pages/`` shared by
all backups: a page is copied once however many backups hold it, and each copy is checked
against its SHA-256 before it is renamed into place. Verifying a backup re-hashes its
pages; restoring puts back the files the data dir lacks; retention deletes the store
files that no remaining backup lists.
"""

from __future__ import annotations

import contextlib
import hashlib
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, cast

from sadec_desk.files import atomic_write
from sadec_desk.i18n import _
from sadec_desk.services.access import ANY_ROLE, require_role

if TYPE_CHECKING:
    from sadec_desk.services.context import AppContext

SIDECAR_SUFFIX = ".pages"
STORE = "pages"

Page = tuple[str, str]  # (sha256, media type)


@dataclass(frozen=True)
class PagesCopy:
    count: int  # pages in the backup's store
    bytes: int
    missing: tuple[str, ...]  # pages whose file was missing or damaged in the data dir


def sidecar(backup: Path) -> Path:
    return backup.with_name(backup.name + SIDECAR_SUFFIX)


def _relative(sha: str, media_type: str) -> str:
    # imported here: the shell imports the backups at start-up, and attachments pulls in
    # the printing and PDF code the sign-in screen does not need
    from sadec_desk.services.pages.store import FILE_EXTENSIONS

    return f"{sha[:2]}/{sha}.{FILE_EXTENSIONS.get(media_type, 'bin')}"


def _pages_dir(ctx: AppContext) -> Path:
    from sadec_desk.services.pages.store import pages_dir

    return pages_dir(ctx)


def pages_in_sqlite(path: Path) -> list[Page]:
    """The pages a SQLite backup names (none for a backup older than schema 2)."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return [tuple(r) for r in conn.execute(
            "SELECT sha256, media_type FROM page_blob ORDER BY sha256")]
    except sqlite3.OperationalError:
        return []  # no page_blob table: a schema-1 backup
    finally:
        conn.close()


def pages_in_database() -> list[Page]:
    """The pages of the open database (PostgreSQL backups: read after pg_dump, so a
    superset of the dump's, which costs at most a few extra files)."""
    from sadec_desk.db.attachment_models import PageBlob

    return [(b.sha256, b.media_type) for b in
            PageBlob.select(PageBlob.sha256, PageBlob.media_type).order_by(PageBlob.sha256)]


def _sha_of(path: Path) -> str | None:
    try:
        with open(path, "rb") as f:
            return hashlib.file_digest(f, "sha256").hexdigest()
    except OSError:
        return None


def _copy_checked(src: Path, dest: Path, sha: str) -> int | None:
    """Copy ``src`` to ``dest`` if its bytes hash to ``sha``; the size, or None."""
    try:
        data = src.read_bytes()
    except OSError:
        return None
    if hashlib.sha256(data).hexdigest() != sha:
        return None
    from sadec_desk.services.pages.store import write_file  # see _relative

    write_file(dest, data)  # the page store's own atomic write (temp, fsync, rename)
    return len(data)


def _write_sidecar(backup: Path, pages: list[Page]) -> None:
    atomic_write(sidecar(backup), "".join(f"{sha} {media}\n" for sha, media in pages))


def read_sidecar(backup: Path) -> list[Page]:
    """The pages a backup holds ([] for a backup taken before pages existed)."""
    try:
        text = sidecar(backup).read_text(encoding="ascii")
    except FileNotFoundError:
        return []
    # each line "sha media", as _write_sidecar writes them
    return [cast(Page, tuple(line.split(" ", 1))) for line in text.splitlines() if line.strip()]


def save(ctx: AppContext, backup: Path, pages: list[Page]) -> PagesCopy:
    """Copy the files of ``pages`` that the store lacks; write the backup's sidecar.

    A page whose file is missing or damaged in the data dir is left out and reported:
    the database backup is still worth keeping, and the clerk can rescan that page."""
    require_role(ctx, *ANY_ROLE)
    store = backup.parent / STORE
    kept: list[Page] = []
    missing: list[str] = []
    total = 0
    for sha, media in pages:
        dest = store / _relative(sha, media)
        size: int | None  # None: the page's file is missing or damaged
        if dest.is_file():
            size = dest.stat().st_size  # copied and checked by an earlier backup
        else:
            size = _copy_checked(_pages_dir(ctx) / _relative(sha, media), dest, sha)
        if size is None:
            missing.append(sha)
            continue
        kept.append((sha, media))
        total += size
    _write_sidecar(backup, kept)
    return PagesCopy(count=len(kept), bytes=total, missing=tuple(missing))


def verify(backup: Path) -> list[str]:
    """Problems with the pages of a backup: files missing from the store or changed."""
    store = backup.parent / STORE
    bad = [sha for sha, media in read_sidecar(backup)
           if _sha_of(store / _relative(sha, media)) != sha]
    if not bad:
        return []
    return [_("{n} trang ảnh giấy tờ trong kho sao lưu {store} bị mất hoặc hỏng (ví dụ "
              "{sha}).").format(n=len(bad), store=store, sha=bad[0][:12])]


def restore(ctx: AppContext, backup: Path) -> int:
    """Put back the backup's page files the data dir lacks (or holds damaged); the count."""
    require_role(ctx, "it")
    store = backup.parent / STORE
    restored = 0
    for sha, media in read_sidecar(backup):
        target = _pages_dir(ctx) / _relative(sha, media)
        if _sha_of(target) == sha:
            continue
        if _copy_checked(store / _relative(sha, media), target, sha) is not None:
            restored += 1
    return restored


def prune(folder: Path, kept: list[Path]) -> int:
    """Delete the store files no backup in ``kept`` lists; the number deleted."""
    store = folder / STORE
    if not store.is_dir():
        return 0
    wanted = {_relative(sha, media) for backup in kept for sha, media in read_sidecar(backup)}
    removed = 0
    for path in store.glob("*/*"):
        if f"{path.parent.name}/{path.name}" not in wanted:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
                removed += 1
    return removed

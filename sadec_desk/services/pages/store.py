"""Scanned pages: the content-addressed page store, stored once by content, used by many.

A page image is normalised (:func:`sadec_desk.adapters.imaging.normalise_page`), named by the
SHA-256 of its bytes and written atomically (:mod:`sadec_desk.files`) to
``<data dir>/pages/<sha[:2]>/<sha>.<jpg|png>``; the same image handed in twice — by one
citizen or two — is one file and one :class:`PageBlob` row with two
:class:`DossierPage` rows. This module holds the files (paths, writing, reading checked
against the hash, thumbnails cached under ``pages/thumbs``) and the page rows' records;
which pages a dossier or a kiosk submission has is :mod:`.dossier_pages`.

A blob row and its file go only when no page row uses them any more
(:func:`delete_unused_blobs`): the rows are deleted first, a blob row is deleted only while
nothing references it (the foreign key refuses otherwise) and the file is unlinked inside
the same transaction, so a concurrent ``add_page`` of the same image either finds the row
(and the file) or writes both again.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import peewee

from sadec_desk.adapters import imaging
from sadec_desk.db.attachment_models import DossierPage, DossierResult, PageBlob
from sadec_desk.db.database import translated_errors
from sadec_desk.domain.timezone import VN_TZ
from sadec_desk.errors import InvalidInput, NotFound, UserError
from sadec_desk.files import atomic_writer
from sadec_desk.i18n import _
from sadec_desk.services.access import ANY_ROLE, COUNTER_ROLES, READ_ROLES, require_role
from sadec_desk.services.query_rows import tuple_rows

if TYPE_CHECKING:
    from sadec_desk.services.context import AppContext

log = logging.getLogger(__name__)

#: the source of a page that came down from the portal with an online dossier
#: (sadec_desk/sync/online_pages.py fetches its file after the dossier)
PORTAL_SOURCE = "portal"
MEDIA_EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png"}
#: the files of the store: page images and result documents (a result may be a PDF)
FILE_EXTENSIONS = {**MEDIA_EXTENSIONS, "application/pdf": "pdf"}
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


class PageStorageError(UserError):
    code = "page_storage"


@dataclass(frozen=True)
class PageInfo:
    id: int
    sha256: str
    paper_index: int
    paper_name: str
    position: int
    media_type: str
    size: int
    width: int
    height: int
    source: str
    added_at: datetime


# --- files --------------------------------------------------------------------------------


def pages_dir(ctx: AppContext) -> Path:
    return ctx.config.data_dir / "pages"


def _check_sha(sha256: str) -> str:
    sha = (sha256 or "").strip().lower()
    if not _SHA256.match(sha):
        raise InvalidInput(_("'{sha}' không phải mã SHA-256 của một trang (64 chữ số hệ 16).")
                           .format(sha=sha256))
    return sha


def path_for(ctx: AppContext, sha: str, media_type: str) -> Path:
    return pages_dir(ctx) / sha[:2] / f"{sha}.{FILE_EXTENSIONS[media_type]}"


def blob_path(ctx: AppContext, sha256: str) -> Path:
    """Where the file of the blob ``sha256`` lives (NotFound when no row names it)."""
    sha = _check_sha(sha256)
    with translated_errors():
        media_type = PageBlob.select(PageBlob.media_type).where(PageBlob.sha256 == sha).scalar()
    if media_type is None:
        raise NotFound(_("Không có trang ảnh nào mang mã {sha}.").format(sha=sha))
    return path_for(ctx, sha, media_type)


def storage_error(folder: Path, exc: OSError) -> PageStorageError:
    return PageStorageError(_("Không ghi được ảnh giấy tờ vào {folder} ({error}); kiểm tra ổ "
                              "đĩa còn chỗ trống rồi thử lại.").format(folder=folder, error=exc))


def write_file(path: Path, data: bytes) -> bool:
    """Write ``data`` to ``path`` atomically unless the same file is there; True if written.

    A power cut leaves either no file or the whole one (:mod:`sadec_desk.files`: temp +
    fsync + rename + fsync of the folder); the name is the hash of the bytes, so an
    existing file of the right size is this very content (a damaged one is replaced)."""
    try:
        if path.is_file() and path.stat().st_size == len(data):
            return False
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_writer(path) as out:
            out.write(data)
    except OSError as exc:
        raise storage_error(path.parent, exc) from None
    return True


def thumb_dir(ctx: AppContext, sha: str) -> Path:
    """Where the cached thumbnails of the blob ``sha`` are."""
    return pages_dir(ctx) / "thumbs" / sha[:2]


def _remove_files(ctx: AppContext, sha: str, media_type: str) -> None:
    paths = [path_for(ctx, sha, media_type)]
    folder = thumb_dir(ctx, sha)
    if folder.is_dir():
        paths += folder.glob(f"{sha}-*.png")
    for path in paths:
        try:
            path.unlink(missing_ok=True)
        except OSError as exc:  # left for purge_stale_drafts' sweep of unnamed files
            log.warning("could not remove %s: %s", path, exc)


def delete_unused_blobs(ctx: AppContext, blob_ids) -> int:
    """Delete the blob rows (and files) of ``blob_ids`` that no page row uses; call inside
    the transaction that deleted the page rows. Returns how many went."""
    require_role(ctx, *ANY_ROLE)
    removed = 0
    for blob in PageBlob.select().where(PageBlob.id.in_(sorted(set(blob_ids)))):
        if (DossierPage.select().where(DossierPage.blob == blob.id).exists()
                or DossierResult.select().where(DossierResult.blob == blob.id).exists()):
            continue  # another dossier or submission uses this image, or a result: keep it
        try:
            with ctx.database.atomic():  # a savepoint: a concurrent new use keeps the row
                PageBlob.delete().where(PageBlob.id == blob.id).execute()
        except peewee.IntegrityError:
            continue
        _remove_files(ctx, blob.sha256, blob.media_type)
        removed += 1
    return removed


def sweep_unnamed_files(ctx: AppContext, limit: float) -> None:
    """Remove files under the pages folder (and thumbnails) that no blob row names, and
    leftover temp files, when last changed before ``limit`` (a ``time.time()`` value)."""
    require_role(ctx, *ANY_ROLE)
    root = pages_dir(ctx)
    if not root.is_dir():
        return
    known = {sha for (sha,) in tuple_rows(PageBlob.select(PageBlob.sha256))}
    for path in root.glob("*/*"):
        if not path.is_file():
            continue
        sha = path.name.split(".")[0].split("-")[0].lstrip(".")
        try:
            if path.stat().st_mtime >= limit:
                continue
            if path.name.endswith(".tmp") or sha not in known:
                path.unlink()
        except OSError as exc:
            log.warning("could not sweep %s: %s", path, exc)
    for path in (root / "thumbs").glob("*/*.png") if (root / "thumbs").is_dir() else ():
        if path.name.split("-")[0] not in known:
            path.unlink(missing_ok=True)


# --- page rows --------------------------------------------------------------------------


def page_info(row: DossierPage, blob: PageBlob) -> PageInfo:
    """The record of a page row and its blob."""
    return PageInfo(id=row.id, sha256=blob.sha256, paper_index=row.paper_index,
                    paper_name=row.paper_name, position=row.position,
                    media_type=blob.media_type, size=blob.size, width=blob.width,
                    height=blob.height, source=row.source,
                    added_at=row.added_at.astimezone(VN_TZ))


def pages_query():
    """Page rows with their blobs, by paper then page."""
    return (DossierPage.select(DossierPage, PageBlob).join(PageBlob)
            .order_by(DossierPage.paper_index, DossierPage.position, DossierPage.id))


def page_infos(query) -> list[PageInfo]:
    """The records of the rows of a :func:`pages_query`."""
    return [page_info(row, row.blob) for row in query]


def get_page(page_id: int) -> DossierPage:
    """A page row with its blob; NotFound once the page has been taken out."""
    row = pages_query().where(DossierPage.id == page_id).first()
    if row is None:
        raise NotFound(_("Không còn trang ảnh số {id} (có thể đã bị bỏ).").format(id=page_id))
    return row


def require_page_role(ctx: AppContext, row: DossierPage) -> None:
    """A dossier's page is the counter's; a kiosk submission's page anyone signed in may touch."""
    require_role(ctx, *ANY_ROLE)
    if row.dossier_id is not None:
        require_role(ctx, *COUNTER_ROLES)


# --- reading ----------------------------------------------------------------------------


def read_page(ctx: AppContext, page_id: int) -> bytes:
    """The stored image of a page (checked against its hash)."""
    require_role(ctx, *ANY_ROLE)  # and the page's own rule below, once it is read
    with translated_errors():
        row = get_page(page_id)
    require_page_role(ctx, row)
    return read_blob(ctx, row.blob.sha256, row.blob.media_type)


def read_blob(ctx: AppContext, sha: str, media_type: str) -> bytes:
    """The bytes of a stored image, checked against its hash; NotFound says why not."""
    require_role(ctx, *READ_ROLES)
    path = path_for(ctx, sha, media_type)
    try:
        data = path.read_bytes()
    except OSError:
        if _coming_from_portal(sha):
            raise NotFound(_("Trang này của hồ sơ nộp trực tuyến đang được tải về từ cổng dịch "
                             "vụ; hãy chờ lần đồng bộ sau rồi mở lại."),
                           code="page_downloading") from None
        raise NotFound(_("Tệp ảnh {path} của trang giấy tờ không còn trên máy; hãy quét lại "
                         "trang này.").format(path=path), code="page_file_missing") from None
    if hashlib.sha256(data).hexdigest() != sha:
        raise NotFound(_("Tệp ảnh {path} của trang giấy tờ bị hỏng; hãy quét lại trang này.")
                       .format(path=path), code="page_file_damaged")
    return data


def _coming_from_portal(sha: str) -> bool:
    """A page of an online dossier whose file sync has not fetched yet
    (sadec_desk/sync/online_pages.py): its row came down with the dossier, the file
    follows, so rescanning is not the answer."""
    with translated_errors():
        return (DossierPage.select().join(PageBlob)
                .where(PageBlob.sha256 == sha, PageBlob.uploaded_at.is_null(False),
                       DossierPage.source == PORTAL_SOURCE).exists())


def placeholder_thumbnail(size: int = 160) -> bytes:
    """The stand-in of a page whose image cannot be shown (see imaging.placeholder_png)."""
    return imaging.placeholder_png(size)


def thumbnail(ctx: AppContext, page_id: int, size: int = 160) -> bytes:
    """A greyscale PNG of the page at most ``size`` px on its long side, cached on disk
    under ``pages/thumbs`` (the image of a hash never changes)."""
    require_role(ctx, *ANY_ROLE)  # and the page's own rule below, once it is read
    if not 16 <= size <= 2000:
        raise InvalidInput(_("Cỡ ảnh thu nhỏ {size} không hợp lệ (16-2000).").format(size=size))
    with translated_errors():
        row = get_page(page_id)
    require_page_role(ctx, row)
    sha = row.blob.sha256
    cached = thumb_dir(ctx, sha) / f"{sha}-{size}.png"
    try:
        return cached.read_bytes()
    except OSError:
        pass
    data = imaging.thumbnail_png(read_blob(ctx, sha, row.blob.media_type), size)
    try:
        write_file(cached, data)
    except PageStorageError as exc:  # a full disk only costs the cache
        log.warning("thumbnail not cached: %s", exc)
    return data

"""Scanned papers and filled forms of dossiers that come DOWN from the portal.

A citizen who submits online hands in the papers there; the change feed carries the
dossier's page list (``scanned_papers``) and form (``form``). The pull applies them in
the transaction of its page, as it applies the rest of the dossier: page rows, blob
rows marked ``uploaded_at`` (the portal holds them: never sent back), the form row and
the same ``pages``/``form`` history events the counter writes — but no outbox row,
since sending the portal its own papers back would only echo them.

The image files are fetched afterwards (:func:`download_pages`), outside the pull's
transaction: a file is streamed to a temp file beside its place, checked against its
SHA-256 and renamed into the content-addressed store, so a dropped or damaged download
never leaves a wrong file. A blob that still lacks its file is simply one whose file is
absent (or of the wrong size); the next run fetches it again. Until then the page
viewer says the page is still coming from the portal
(:func:`sadec_desk.services.pages.store.read_page`).
"""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING

from sadec_desk.db.attachment_models import DossierForm, DossierPage, PageBlob
from sadec_desk.files import atomic_writer
from sadec_desk.i18n import _, vietnamese
from sadec_desk.services.actors import PORTAL_ACTOR
from sadec_desk.services.pages import dossier_pages, store
from sadec_desk.services.query_rows import tuple_rows
from sadec_desk.sync import protocol as P
from sadec_desk.sync.errors import Refused, TransientError

if TYPE_CHECKING:
    from sadec_desk.services.context import AppContext
    from sadec_desk.sync.adapters.base import PullAdapter

log = logging.getLogger(__name__)

#: bytes fetched per sync run at most: a province pushing thousands of pages at once
#: must not keep one run (and the office's line) busy for hours; the rest comes next run
MAX_DOWNLOAD_BYTES_PER_RUN = 256 * 1024 * 1024


# --- applying the feed ---------------------------------------------------------------------


def _checked_papers(papers) -> list[dict]:
    """The portal's page list, checked field by field (P.SchemaError otherwise)."""
    if not isinstance(papers, list):
        raise P.SchemaError(_("danh sách giấy tờ đã quét 'scanned_papers' không phải một "
                              "danh sách"))
    out = []
    for paper in papers:
        if not (isinstance(paper, dict) and isinstance(paper.get("index"), int)
                and isinstance(paper.get("name"), str) and isinstance(paper.get("pages"), list)):
            raise P.SchemaError(_("một giấy tờ đã quét thiếu 'index', 'name' hoặc 'pages'"))
        pages = []
        for page in paper["pages"]:
            if not (isinstance(page, dict) and P.is_sha256(page.get("sha256"))
                    and page.get("media_type") in store.MEDIA_EXTENSIONS
                    and all(isinstance(page.get(k), int) and not isinstance(page.get(k), bool)
                            for k in ("position", "size", "width", "height"))):
                raise P.SchemaError(_("một trang đã quét thiếu 'position', 'sha256', "
                                      "'media_type' đã biết, 'size', 'width' hoặc 'height'"))
            pages.append({k: page[k] for k in P.PAGE_FIELDS})
        out.append({"index": paper["index"], "name": paper["name"][:255], "pages": pages})
    return out


def _local_papers(dossier_id: int) -> list:
    return sorted((p.paper_index, p.paper_name, p.position, p.blob.sha256)
                  for p in DossierPage.select(DossierPage, PageBlob).join(PageBlob)
                  .where(DossierPage.dossier == dossier_id))


def apply_attachments(ctx: AppContext, dossier_id: int, status: str, copy: dict,
                      events: list[dict]) -> None:
    """Store the portal copy's page list and form for a local dossier (inside the pull's
    transaction) and queue their history events in ``events`` (chained by the caller
    after the dossier's own events). Only what differs from the local copy is written."""
    if copy.get("scanned_papers") is not None:
        _apply_papers(ctx, dossier_id, status, _checked_papers(copy["scanned_papers"]), events)
    if copy.get("form") is not None:
        _apply_form(ctx, dossier_id, status, copy["form"], events)


def _apply_papers(ctx: AppContext, dossier_id: int, status: str, papers: list[dict],
                  events: list[dict]) -> None:
    wanted = sorted((paper["index"], paper["name"], page["position"], page["sha256"])
                    for paper in papers for page in paper["pages"])
    if wanted == _local_papers(dossier_id):
        return  # e.g. a status change of the dossier: the pages did not change
    now = ctx.now()
    for paper in papers:
        for page in paper["pages"]:
            PageBlob.insert(sha256=page["sha256"], media_type=page["media_type"],
                            size=page["size"], width=page["width"], height=page["height"],
                            created_at=now, uploaded_at=now).on_conflict_ignore().execute()
    shas = [page["sha256"] for paper in papers for page in paper["pages"]]
    blobs: dict[str, int] = dict(tuple_rows(PageBlob.select(PageBlob.sha256, PageBlob.id)
                                            .where(PageBlob.sha256.in_(shas)))) if shas else {}
    if shas:
        # a page this office scanned itself and has not sent yet is on the portal anyway
        PageBlob.update(uploaded_at=now).where(PageBlob.sha256.in_(shas),
                                               PageBlob.uploaded_at.is_null()).execute()
    old = [r.blob_id for r in DossierPage.select(DossierPage.blob)
           .where(DossierPage.dossier == dossier_id)]
    DossierPage.delete().where(DossierPage.dossier == dossier_id).execute()
    rows = [{"dossier": dossier_id, "draft": None, "paper_index": paper["index"],
             "paper_name": paper["name"], "position": page["position"],
             "blob": blobs[page["sha256"]], "source": store.PORTAL_SOURCE, "added_at": now,
             "added_by": PORTAL_ACTOR} for paper in papers for page in paper["pages"]]
    if rows:
        DossierPage.insert_many(rows).execute()
    store.delete_unused_blobs(ctx, old)
    manifest = dossier_pages.pages_manifest(dossier_id)
    counts = [vietnamese("{paper}: {n} trang").format(paper=paper["name"], n=len(paper["pages"]))
              for paper in manifest["papers"]]  # the history's note: stored in Vietnamese
    events.append({"dossier": dossier_id, "at": now, "actor": PORTAL_ACTOR, "kind": "pages",
                   "from_status": status, "to_status": status,
                   "note": "; ".join(counts) or vietnamese("không còn trang nào"),
                   "data": dossier_pages.pages_event_data(manifest)})


def _apply_form(ctx: AppContext, dossier_id: int, status: str, form, events: list[dict]) -> None:
    if not (isinstance(form, dict) and isinstance(form.get("form_id"), str)
            and isinstance(form.get("form_version"), str | int)
            and isinstance(form.get("values"), dict)
            and all(isinstance(v, str) for v in form["values"].values())):
        raise P.SchemaError(_("tờ khai thiếu 'form_id', 'form_version' hoặc 'values'"))
    form_id, version = form["form_id"], str(form["form_version"])
    text = json.dumps(form["values"], ensure_ascii=False)
    stored = DossierForm.get_or_none(DossierForm.dossier == dossier_id)
    if stored is not None and (stored.form_id, stored.form_version) == (form_id, version) \
            and json.loads(stored.values) == form["values"]:
        return
    now = ctx.now()
    (DossierForm.insert(dossier=dossier_id, form_id=form_id, form_version=version, values=text,
                        created_at=now, updated_at=now)
     .on_conflict(conflict_target=[DossierForm.dossier],
                  update={DossierForm.form_id: form_id, DossierForm.form_version: version,
                          DossierForm.values: text, DossierForm.updated_at: now})
     .execute())
    # the same record services/eforms.save_form keeps: which form, a hash of the values
    events.append({"dossier": dossier_id, "at": now, "actor": PORTAL_ACTOR, "kind": "form",
                   "from_status": status, "to_status": status,
                   "note": vietnamese("Tờ khai nộp trực tuyến (mẫu {form}, phiên bản "
                                      "{version})").format(form=form_id, version=version),
                   "data": json.dumps({"form_id": form_id, "form_version": version,
                                       "values_sha256": hashlib.sha256(
                                           text.encode("utf-8")).hexdigest()})})


# --- fetching the files ------------------------------------------------------------------


def page_from_portal(blob_id: int) -> bool:
    """Whether a blob came down with an online dossier (its file is fetched by sync)."""
    return DossierPage.select().where(DossierPage.blob == blob_id,
                                      DossierPage.source == store.PORTAL_SOURCE).exists()


def missing_files(ctx: AppContext) -> list[tuple[str, str, int, Path]]:
    """(sha256, media_type, size, path) of the pages that came from the portal and whose
    file is not here whole yet, oldest first."""
    used = DossierPage.select(DossierPage.blob).where(DossierPage.source == store.PORTAL_SOURCE)
    out = []
    for sha, media_type, size in tuple_rows(PageBlob.select(PageBlob.sha256,
                                                            PageBlob.media_type, PageBlob.size)
                                            .where(PageBlob.id.in_(used))
                                            .order_by(PageBlob.id)):
        path = store.path_for(ctx, sha, media_type)
        try:
            if path.stat().st_size == size:
                continue
        except OSError:
            pass
        out.append((sha, media_type, size, path))
    return out


class DownloadDamaged(Exception):
    """The bytes received do not hash to the blob's name (or are not of its size)."""


def fetch_to_store(adapter: PullAdapter, sha256: str, size: int, path: Path) -> None:
    """Fetch one blob into its place in the store: a temp file beside it, the hash
    checked, fsync, rename, fsync of the folder (sadec_desk.files' atomic rule); a
    damaged download leaves nothing behind."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_writer(path) as out:
            digest = adapter.download_blob(sha256, out, size)
            if digest != sha256 or out.tell() != size:
                raise DownloadDamaged(sha256)
    except OSError as exc:
        raise store.storage_error(path.parent, exc) from None


def download_pages(ctx: AppContext, adapter: PullAdapter, counts: dict) -> None:
    """Fetch the files of pages that came from the portal and are not here yet, up to
    MAX_DOWNLOAD_BYTES_PER_RUN. A dropped connection stops the run (TransientError, the
    next run starts that file again); a damaged download is fetched once more at once
    and, if damaged again, left for the next run."""
    budget = MAX_DOWNLOAD_BYTES_PER_RUN
    damaged = 0
    for sha, _media_type, size, path in missing_files(ctx):
        if size > budget and counts.get("pages_downloaded"):
            break  # the rest next run; one page always goes, however large
        for attempt in (1, 2):
            try:
                fetch_to_store(adapter, sha, size, path)
            except DownloadDamaged:
                log.warning("download of page %s… damaged (attempt %d)", sha[:12], attempt)
                continue
            except Refused as exc:
                # the portal lost it or never had it whole: tell the IT officer, go on
                log.warning("portal refused page %s…: %s", sha[:12], exc)
                break
            counts["pages_downloaded"] = counts.get("pages_downloaded", 0) + 1
            counts["page_bytes_received"] = counts.get("page_bytes_received", 0) + size
            budget -= size
            break
        else:
            damaged += 1
    if damaged:
        raise TransientError(_("{n} trang ảnh tải từ cổng về bị hỏng trên đường truyền; sẽ tải "
                               "lại lần đồng bộ sau.").format(n=damaged))


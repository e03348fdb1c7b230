"""The pages of a dossier or of an unfinished kiosk submission: add, move, remove,
attach a submission to the dossier received from it, purge abandoned ones, and the
pages as one PDF or on the office printer.

A page belongs either to a dossier or to an unfinished kiosk submission (``draft``, a
UUID string) until :func:`attach_draft` moves it to the dossier the kiosk received. The
images themselves are in the content-addressed store (:mod:`.store`).

Every change of a dossier's pages writes the ``dossier.pages`` outbox row (the whole
page list, :func:`pages_manifest`) in the transaction of the change
(docs/kiosk-submission.md, docs/design.md §5).

Housekeeping: :func:`purge_stale_drafts` removes submissions a crash or a power cut
left behind and image files no row names; the app calls it at start-up.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import re
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import peewee

from sadec_desk.adapters import imaging
from sadec_desk.db.attachment_models import DossierPage, DossierResult, PageBlob
from sadec_desk.db.database import is_sqlite, translated_errors
from sadec_desk.db.models import Dossier
from sadec_desk.db.models import Procedure as ProcedureRow
from sadec_desk.errors import InvalidInput, NotFound
from sadec_desk.files import atomic_writer
from sadec_desk.i18n import _, vietnamese
from sadec_desk.services.access import (
    ADMIN_ROLES,
    ANY_ROLE,
    COUNTER_ROLES,
    READ_ROLES,
    require_role,
)
from sadec_desk.services.audit import append_event
from sadec_desk.services.catalogue import procedure_from_row
from sadec_desk.services.documents.office_forms import (
    OfficePrintFailed,
    OfficePrintResult,
    forms_dir,
    send_pdf,
)
from sadec_desk.services.outbox import queue_change
from sadec_desk.services.pages.store import (
    PageInfo,
    delete_unused_blobs,
    get_page,
    page_info,
    page_infos,
    pages_query,
    path_for,
    read_blob,
    require_page_role,
    sweep_unnamed_files,
    write_file,
)
from sadec_desk.services.query_rows import tuple_rows
from sadec_desk.services.reception.dossiers import find_dossier_row

if TYPE_CHECKING:
    from sadec_desk.services.context import AppContext

log = logging.getLogger(__name__)

SOURCES = ("scanner", "camera", "file")
_DRAFT = re.compile(r"^[0-9A-Za-z._-]{1,64}$")
#: the result type of print_pages reuses office_print's; its ``form`` names what was printed
PAGES_FORM = "pages"

#: a draft untouched this long is abandoned: anyone signed in may purge it
ABANDONED_DRAFT_AGE = timedelta(hours=1)
#: pages this young are never purged, whatever age IT asks for: a citizen at the kiosk may
#: still be filling the form long after the last scan (the idle prompt only resets after
#: kiosk.form_idle_seconds without a touch)
IN_PROGRESS_DRAFT_AGE = timedelta(minutes=30)


@dataclass(frozen=True)
class PaperPages:
    index: int
    name: str
    kind: str  # original | copy | original_or_copy; "" for a paper not in the procedure
    required: bool
    pages: tuple[PageInfo, ...]


def pages_manifest(dossier_id: int) -> dict:
    """The ``dossier.pages`` outbox payload: the dossier's whole page list, by paper."""
    dossier_uuid = Dossier.select(Dossier.uuid).where(Dossier.id == dossier_id).scalar()
    if dossier_uuid is None:
        raise NotFound(_("Không tìm thấy hồ sơ số {id}.").format(id=dossier_id))
    papers: dict[int, dict] = {}
    for row in pages_query().where(DossierPage.dossier == dossier_id):
        paper = papers.setdefault(row.paper_index, {"index": row.paper_index,
                                                    "name": row.paper_name, "pages": []})
        paper["pages"].append({"position": row.position, "sha256": row.blob.sha256,
                               "media_type": row.blob.media_type, "size": row.blob.size,
                               "width": row.blob.width, "height": row.blob.height})
    manifest = {"uuid": dossier_uuid, "papers": [papers[i] for i in sorted(papers)]}
    # the result documents (services/pages/results.py), only when there are any: the
    # payload of a dossier without one stays as older portals know it
    results = [{"sha256": r.blob.sha256, "media_type": r.blob.media_type, "size": r.blob.size,
                "name": r.name, "result_code": r.result_code}
               for r in DossierResult.select(DossierResult, PageBlob).join(PageBlob)
               .where(DossierResult.dossier == dossier_id).order_by(DossierResult.id)]
    if results:
        manifest["results"] = results
    return manifest


def pages_event_data(manifest: dict) -> str:
    """What a ``pages`` event records: (paper, page, SHA-256) of every page, so the
    hash-chained trail fixes which images the dossier held from that moment on."""
    return json.dumps({"pages": [[paper["index"], page["position"], page["sha256"]]
                                 for paper in manifest["papers"] for page in paper["pages"]]},
                      separators=(",", ":"))


def _changed(ctx: AppContext, dossier_id: int) -> None:
    """The dossier's pages changed: mark it unsynced, note it in the dossier's history
    (who, when, which pages) and queue its page list."""
    manifest = pages_manifest(dossier_id)
    status = Dossier.select(Dossier.status).where(Dossier.id == dossier_id).scalar()
    counts = [vietnamese("{paper}: {n} trang").format(paper=paper["name"], n=len(paper["pages"]))
              for paper in manifest["papers"]]  # the history's note: stored in Vietnamese
    append_event(ctx.database, dossier=dossier_id, at=ctx.now(), actor=ctx.actor,
                 kind="pages", from_status=status, to_status=status,
                 note="; ".join(counts) or vietnamese("không còn trang nào"),
                 data=pages_event_data(manifest))
    Dossier.update({Dossier.updated_at: ctx.now()}).where(Dossier.id == dossier_id).execute()
    queue_change(ctx, manifest["uuid"], "dossier.pages", manifest)


def _check_draft(draft: str) -> str:
    text = (draft or "").strip()
    if not _DRAFT.match(text):
        raise InvalidInput(_("Mã lượt nộp hồ sơ '{draft}' không hợp lệ.").format(draft=draft))
    return text


def _dossier_row(ctx: AppContext, dossier: int | str) -> Dossier:
    if isinstance(dossier, int) and not isinstance(dossier, bool):
        row = Dossier.get_or_none(Dossier.id == dossier)
        if row is None:
            raise NotFound(_("Không tìm thấy hồ sơ số {id}.").format(id=dossier))
        return row
    return find_dossier_row(str(dossier))


def _lock_dossier(ctx: AppContext, dossier_id: int) -> None:
    """Serialise page changes of one dossier (positions); SQLite's BEGIN IMMEDIATE already
    serialises all writers."""
    if not is_sqlite(ctx.database):
        Dossier.select(Dossier.id).where(Dossier.id == dossier_id).for_update().first()


def _owner_filter(*, draft: str | None, dossier_id: int | None):
    if dossier_id is not None:
        return DossierPage.dossier == dossier_id
    return (DossierPage.draft == draft) & DossierPage.dossier.is_null()


# --- adding -------------------------------------------------------------------------------


def add_page(ctx: AppContext, image: bytes | imaging.DecodedPage, *, paper_index: int,
             paper_name: str, source: str, draft: str | None = None,
             dossier: int | str | None = None) -> PageInfo:
    """Store one scanned/photographed/chosen page as the next page of paper
    ``paper_index`` of a kiosk submission (``draft``) or of a dossier (its id, code or
    UUID). ``image``: the file, or the page imaging.decode_page made of it. InvalidInput
    when the image is unusable (a Vietnamese sentence)."""
    require_role(ctx, *(ANY_ROLE if draft is not None else COUNTER_ROLES))
    if (draft is None) == (dossier is None):
        raise ValueError("add_page needs exactly one of draft= and dossier=")
    if source not in SOURCES:
        raise InvalidInput(_("Nguồn ảnh '{source}' không hợp lệ; dùng một trong: {known}.")
                           .format(source=source, known=", ".join(SOURCES)))
    if not isinstance(paper_index, int) or not 0 <= paper_index < 1000:
        raise InvalidInput(_("Số thứ tự giấy tờ '{index}' không hợp lệ.").format(
            index=paper_index))
    paper_name = " ".join((paper_name or "").split())[:255]
    if not paper_name:
        raise InvalidInput(_("Thiếu tên giấy tờ của trang ảnh."))
    draft = _check_draft(draft) if draft is not None else None
    page = imaging.normalise_page(
        image, max_long_side=ctx.config["attachments.max_long_side"],
        max_bytes=ctx.config["attachments.max_page_bytes"])
    sha = hashlib.sha256(page.data).hexdigest()
    path = path_for(ctx, sha, page.media_type)
    now = ctx.now()
    with translated_errors(), ctx.database.atomic():
        dossier_id = None
        if dossier is not None:
            row = _dossier_row(ctx, dossier)
            dossier_id = row.id
            _lock_dossier(ctx, dossier_id)
        owner = _owner_filter(draft=draft, dossier_id=dossier_id)
        count = DossierPage.select().where(owner).count()
        if count >= ctx.config["attachments.max_pages"]:
            raise InvalidInput(_("Đã có {n} trang, nhiều nhất cho một hồ sơ; hãy bỏ bớt trang "
                                 "không cần.").format(n=count))
        PageBlob.insert(sha256=sha, media_type=page.media_type, size=len(page.data),
                        width=page.width, height=page.height, created_at=now
                        ).on_conflict_ignore().execute()
        blob_query = PageBlob.select().where(PageBlob.sha256 == sha)
        if not is_sqlite(ctx.database):
            blob_query = blob_query.for_update()  # a discard of the same image waits
        blob = blob_query.get()
        # inside the transaction: a discard that removed this file before our row existed
        # cannot leave the new row without it
        write_file(path, page.data)
        position = (DossierPage.select(peewee.fn.MAX(DossierPage.position))
                    .where(owner, DossierPage.paper_index == paper_index).scalar() or 0) + 1
        row_id = DossierPage.insert(
            dossier=dossier_id, draft=draft if dossier_id is None else None,
            paper_index=paper_index, paper_name=paper_name, position=position, blob=blob.id,
            source=source, added_at=now, added_by=ctx.clerk).execute()
        if dossier_id is not None:
            _changed(ctx, dossier_id)
        info = page_info(DossierPage.get_by_id(row_id), blob)
    log.info("page %s of paper %s added (%s, %d bytes)", position, paper_index,
             page.media_type, len(page.data))
    return info


def remove_page(ctx: AppContext, page_id: int) -> None:
    """Take one page out (the later pages of its paper move up); its file goes when no
    other page uses it."""
    require_role(ctx, *COUNTER_ROLES)
    with translated_errors(), ctx.database.atomic():
        row = get_page(page_id)
        require_page_role(ctx, row)
        if row.dossier_id is not None:
            _lock_dossier(ctx, row.dossier_id)
        owner = _owner_filter(draft=row.draft, dossier_id=row.dossier_id)
        DossierPage.delete().where(DossierPage.id == row.id).execute()
        (DossierPage.update(position=DossierPage.position - 1)
         .where(owner, DossierPage.paper_index == row.paper_index,
                DossierPage.position > row.position).execute())
        delete_unused_blobs(ctx, [row.blob_id])
        if row.dossier_id is not None:
            _changed(ctx, row.dossier_id)


def move_page(ctx: AppContext, page_id: int, position: int) -> PageInfo:
    """Put a page at ``position`` (from 1) within its paper; the others shift."""
    require_role(ctx, *COUNTER_ROLES)
    with translated_errors(), ctx.database.atomic():
        row = get_page(page_id)
        require_page_role(ctx, row)
        owner = _owner_filter(draft=row.draft, dossier_id=row.dossier_id)
        siblings = list(DossierPage.select().where(owner, DossierPage.paper_index
                                                   == row.paper_index)
                        .order_by(DossierPage.position, DossierPage.id))
        if not 1 <= position <= len(siblings):
            raise InvalidInput(_("Vị trí {pos} không hợp lệ; giấy tờ này có {n} trang.")
                               .format(pos=position, n=len(siblings)))
        order = [s for s in siblings if s.id != row.id]
        order.insert(position - 1, row)
        for number, page in enumerate(order, start=1):
            if page.position != number:
                DossierPage.update(position=number).where(DossierPage.id == page.id).execute()
        if row.dossier_id is not None:
            _changed(ctx, row.dossier_id)
        return page_info(get_page(page_id), row.blob)


# --- kiosk submissions (drafts) -----------------------------------------------------------


def draft_pages(ctx: AppContext, draft: str) -> list[PageInfo]:
    """The pages of an unfinished kiosk submission, by paper then page."""
    require_role(ctx, *ANY_ROLE)
    draft = _check_draft(draft)
    with translated_errors():
        return page_infos(pages_query().where(_owner_filter(draft=draft, dossier_id=None)))


def attach_draft(ctx: AppContext, draft: str, dossier_id: int) -> int:
    """Move the submission's pages to the dossier just received from it, in the caller's
    transaction, with one ``dossier.pages`` outbox row; returns how many pages moved
    (no outbox row when there were none)."""
    require_role(ctx, *ANY_ROLE)
    draft = _check_draft(draft)
    with translated_errors(), ctx.database.atomic():
        rows = list(DossierPage.select().where(_owner_filter(draft=draft, dossier_id=None))
                    .order_by(DossierPage.paper_index, DossierPage.position, DossierPage.id))
        if not rows:
            return 0
        _lock_dossier(ctx, dossier_id)
        _dossier_row(ctx, dossier_id)
        last: dict[int, int] = {}
        tops = (DossierPage.select(DossierPage.paper_index, peewee.fn.MAX(DossierPage.position))
                .where(DossierPage.dossier == dossier_id).group_by(DossierPage.paper_index))
        for paper_index, top in tuple_rows(tops):
            last[paper_index] = top
        for row in rows:
            last[row.paper_index] = last.get(row.paper_index, 0) + 1
            DossierPage.update(dossier=dossier_id, draft=None,
                               position=last[row.paper_index]
                               ).where(DossierPage.id == row.id).execute()
        _changed(ctx, dossier_id)
    return len(rows)


def discard_draft(ctx: AppContext, draft: str) -> int:
    """Forget an unfinished submission (the kiosk's inactivity reset, 'Hủy'): its page
    rows, and every file no other page uses. Returns how many pages went."""
    require_role(ctx, *ANY_ROLE)
    draft = _check_draft(draft)
    return _discard(ctx, [draft])


def _discard(ctx: AppContext, drafts: list[str]) -> int:
    with translated_errors(), ctx.database.atomic():
        owner = DossierPage.draft.in_(drafts) & DossierPage.dossier.is_null()
        blob_ids = [r.blob_id for r in DossierPage.select(DossierPage.blob).where(owner)]
        removed = DossierPage.delete().where(owner).execute()
        delete_unused_blobs(ctx, blob_ids)
    return removed


def purge_stale_drafts(ctx: AppContext, older_than: timedelta) -> int:
    """Remove what a crash or power cut left: submissions whose newest page is older
    than ``older_than``, and files under the pages folder that no blob row names
    (older than that too, so a file being added right now stays). Returns the number of
    pages removed.

    Housekeeping that removes only abandoned data: anyone signed in (the kiosk's start
    purges drafts two hours old) may, but only IT (or the command line) may say "younger
    than :data:`ABANDONED_DRAFT_AGE`" — and nothing younger than
    :data:`IN_PROGRESS_DRAFT_AGE` is removed, whatever age is asked: that could be a
    citizen's submission in progress."""
    require_role(ctx, *(ANY_ROLE if isinstance(older_than, timedelta)
                        and older_than >= ABANDONED_DRAFT_AGE else ADMIN_ROLES))
    if older_than < timedelta(0):
        raise InvalidInput(_("Số giờ phải không âm (đang là {hours:g}).")
                           .format(hours=older_than.total_seconds() / 3600))
    # whatever age is asked (even 0), a submission in progress keeps its pages (issue #18)
    older_than = max(older_than, IN_PROGRESS_DRAFT_AGE)
    cutoff = ctx.now() - older_than
    with translated_errors():
        stale = [r.draft for r in (DossierPage.select(DossierPage.draft)
                                   .where(DossierPage.dossier.is_null(),
                                          DossierPage.draft.is_null(False))
                                   .group_by(DossierPage.draft)
                                   # MAX() hides the field: convert the bound as it would
                                   .having(peewee.fn.MAX(DossierPage.added_at)
                                           < DossierPage.added_at.db_value(cutoff)))
                 if r.draft is not None]  # never None (the query's IS NOT NULL); for the type
        removed = _discard(ctx, stale) if stale else 0
        # file times come from the OS clock, not the app's (settable) clock
        sweep_unnamed_files(ctx, time.time() - older_than.total_seconds())
    if removed:
        log.info("purged %d pages of %d abandoned kiosk submissions", removed, len(stale))
    return removed


# --- a dossier's papers -------------------------------------------------------------------


def papers_of(ctx: AppContext, reference: str) -> list[PaperPages]:
    """Every paper of the dossier's procedure with its pages (none for a paper not
    handed in), then any paper pages were filed under that the procedure no longer
    lists."""
    require_role(ctx, *COUNTER_ROLES)
    with translated_errors():
        dossier = find_dossier_row(reference)
        # the dossier's own version of the procedure: its papers as they were when received
        procedure = procedure_from_row(ProcedureRow.select().join(Dossier)
                                       .where(Dossier.id == dossier.id).get())
        pages = page_infos(pages_query().where(DossierPage.dossier == dossier.id))
    by_paper: dict[int, list[PageInfo]] = {}
    for page in pages:
        by_paper.setdefault(page.paper_index, []).append(page)
    result = [PaperPages(index, paper.name, paper.kind, paper.required,
                         tuple(by_paper.pop(index, ())))
              for index, paper in enumerate(procedure.papers)]
    for index in sorted(by_paper):
        result.append(PaperPages(index, by_paper[index][0].paper_name, "", False,
                                 tuple(by_paper[index])))
    return result


def dossier_pages(ctx: AppContext, reference: str) -> list[PageInfo]:
    """All pages of a dossier, by paper then page."""
    require_role(ctx, *READ_ROLES)
    return [page for paper in papers_of(ctx, reference) for page in paper.pages]


def delete_dossier_pages(ctx: AppContext, reference: str) -> int:
    """Remove all pages of a dossier (e.g. a withdrawn dossier never sent); images that
    another dossier or submission uses stay. Writes the (now empty) ``dossier.pages``."""
    require_role(ctx, *COUNTER_ROLES)
    with translated_errors(), ctx.database.atomic():
        dossier = find_dossier_row(reference)
        _lock_dossier(ctx, dossier.id)
        owner = DossierPage.dossier == dossier.id
        blob_ids = [r.blob_id for r in DossierPage.select(DossierPage.blob).where(owner)]
        removed = DossierPage.delete().where(owner).execute()
        delete_unused_blobs(ctx, blob_ids)
        if removed:
            _changed(ctx, dossier.id)
    return removed


# --- PDF and printing ---------------------------------------------------------------------


def pages_pdf(ctx: AppContext, reference: str, out: str | Path | None = None) -> Path:
    """An A4 PDF of the dossier's pages, one image per sheet, fitted, with a caption
    "Mã hồ sơ … — <paper> — trang n/N"; saved to ``out`` or ``<data dir>/forms``."""
    require_role(ctx, *READ_ROLES)
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas as pdfcanvas

    from sadec_desk.services.documents import pdf
    from sadec_desk.services.documents.output import pdf_fonts

    papers = papers_of(ctx, reference)
    with translated_errors():
        code = find_dossier_row(reference).code
    pages = [(paper, page) for paper in papers for page in paper.pages]
    if not pages:
        raise InvalidInput(_("Hồ sơ {code} chưa có trang giấy tờ nào được quét.").format(
            code=code))
    pdf_fonts(ctx)
    if out is None:
        folder = forms_dir(ctx)
        target = folder / f"{code}.giayto.pdf"
    else:
        target = Path(out)
        folder = target.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InvalidInput(_("Không tạo được thư mục {folder} ({error}).").format(
            folder=folder, error=exc)) from None
    sheet = pdfcanvas.Canvas(io.BytesIO(), pagesize=A4, invariant=1)
    sheet.setTitle(_("Giấy tờ của hồ sơ {code}").format(code=code))
    width, height = A4
    margin, caption = 10 * mm, 8 * mm
    for paper, page in pages:
        data = read_blob(ctx, page.sha256, page.media_type)
        reader = ImageReader(io.BytesIO(data))
        box_w, box_h = width - 2 * margin, height - 2 * margin - caption
        scale = min(box_w / page.width, box_h / page.height)
        draw_w, draw_h = page.width * scale, page.height * scale
        sheet.drawImage(reader, (width - draw_w) / 2, margin + caption + (box_h - draw_h) / 2,
                        draw_w, draw_h)
        sheet.setFont(pdf.REGULAR, 9)
        sheet.drawCentredString(width / 2, margin, _caption(
            code, paper.name, page.position, len(paper.pages), width - 2 * margin))
        sheet.showPage()
    try:
        with atomic_writer(target) as handle:
            handle.write(sheet.getpdfdata())
    except OSError as exc:
        raise InvalidInput(_("Không lưu được tệp PDF {path} ({error}).").format(
            path=target, error=exc)) from None
    return target


def _caption(code: str, paper: str, number: int, total: int, room: float) -> str:
    """The sheet's caption; a long paper name is shortened so the page number shows."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    from sadec_desk.services.documents import pdf

    name = pdf.nfc(paper)
    while True:
        text = pdf.nfc(_("Mã hồ sơ {code} — {paper} — trang {n}/{total}").format(
            code=code, paper=name, n=number, total=total))
        if stringWidth(text, pdf.REGULAR, 9) <= room or len(name) <= 10:
            return text
        name = name[:-6].rstrip() + "…" if not name.endswith("…") else name[:-7].rstrip() + "…"


def print_pages(ctx: AppContext, reference: str) -> OfficePrintResult:
    """The dossier's pages on the office printer (``printing.office_printer``), as the
    forms are printed (services/office_print.py); with no printer set the PDF is only
    saved. A printer problem is a sentence in the result; the PDF stays."""
    require_role(ctx, *READ_ROLES)
    path = str(pages_pdf(ctx, reference))
    with translated_errors():
        code = find_dossier_row(reference).code
    printer = (ctx.config["printing.office_printer"] or "").strip()
    if not printer:
        return OfficePrintResult(
            code, PAGES_FORM, path, "", "saved",
            _("Đã lưu giấy tờ của hồ sơ {code} tại {path}. Chưa đặt máy in văn phòng "
              "(printing.office_printer): mở tệp để in.").format(code=code, path=path))
    try:
        send_pdf(path, printer, seconds=2 * ctx.config["printing.timeout_seconds"])
    except OfficePrintFailed as exc:
        log.warning("pages of %s not printed: %s", code, exc)
        return OfficePrintResult(
            code, PAGES_FORM, path, printer, "failed",
            _("Chưa in được giấy tờ của hồ sơ {code}: {error} Tệp đã lưu tại {path}.")
            .format(code=code, error=str(exc), path=path), error=str(exc))
    return OfficePrintResult(
        code, PAGES_FORM, path, printer, "printed",
        _("Đã in giấy tờ của hồ sơ {code} ra máy in {printer}.").format(
            code=code, printer=printer))

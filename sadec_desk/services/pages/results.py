"""Result documents of a dossier: the signed result (e.g. "Trích lục khai sinh") the office
attaches as a scanned image or a PDF once the dossier is being processed or is done.

The file goes into the page store (:mod:`.store`): an image is normalised like a scanned
page; a PDF is kept byte for byte (a digitally signed PDF must stay as it was signed) after
:mod:`pypdf` has opened it and found at least one page. Each attachment is one
:class:`~sadec_desk.db.attachment_models.DossierResult` row, written with a ``result``
event in the dossier's hash-chained history and the dossier's ``dossier.pages`` outbox row
(whose payload lists the results beside the pages, :func:`.dossier_pages.pages_manifest`)
in one transaction. The provincial gateway gets each result as a ``DanhSachGiayToKetQua``
item with a download URL (gateway-facts.md §3.3; issue #15 item 4).

A result attached by mistake (the wrong file, another dossier's result) is taken out with
:func:`remove_result` until the dossier is returned: the row goes, the file too when
nothing else uses it, and a ``result_removed`` event and a new ``dossier.pages`` row (the
list without it) are written in the same transaction. Once the result has been handed
over, what the citizen received must stay on record: the removal is refused.

The default name is the procedure's result name when its catalogue entry has one (the
optional ``result_name`` / ``result_code`` of a procedure, domain/catalogue.py; the seed
names none yet), else "Kết quả giải quyết".
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sadec_desk.adapters import imaging
from sadec_desk.db.attachment_models import DossierResult, PageBlob
from sadec_desk.db.database import is_sqlite, translated_errors
from sadec_desk.db.models import Dossier
from sadec_desk.db.models import Procedure as ProcedureRow
from sadec_desk.domain.lifecycle import STATUS_LABELS, DossierStatus
from sadec_desk.domain.timezone import VN_TZ
from sadec_desk.errors import InvalidInput, NotFound
from sadec_desk.files import read_bounded
from sadec_desk.i18n import _, vietnamese
from sadec_desk.services.access import COUNTER_ROLES, READ_ROLES, require_role
from sadec_desk.services.audit import append_event
from sadec_desk.services.catalogue import procedure_from_row
from sadec_desk.services.outbox import queue_change
from sadec_desk.services.pages.dossier_pages import pages_manifest
from sadec_desk.services.pages.store import delete_unused_blobs, path_for, write_file
from sadec_desk.services.reception.dossiers import find_dossier_row

if TYPE_CHECKING:
    from sadec_desk.services.context import AppContext

log = logging.getLogger(__name__)

PDF = "application/pdf"
#: a result is attached once the office works on the dossier or has finished it
RESULT_STATUSES = (DossierStatus.PROCESSING, DossierStatus.DONE, DossierStatus.RETURNED)
#: a signed PDF is kept whole: this bounds it (the portal takes blobs up to 64 MB)
RESULT_MAX_BYTES = 20 * 1024 * 1024
#: results of one dossier (a procedure has one or a few: extract, copy, certificate)
MAX_RESULTS = 20
NAME_MAX = 255


@dataclass(frozen=True)
class ResultInfo:
    id: int
    name: str
    sha256: str
    media_type: str
    size: int
    result_code: str
    added_at: datetime
    added_by: str


def default_result_name(ctx: AppContext, reference: str) -> str:
    """The name a new result gets when none is given (see the module docstring)."""
    require_role(ctx, *READ_ROLES)
    with translated_errors():
        row = Dossier.get_by_id(find_dossier_row(reference).id)  # a plain row: its raw ids
        name, _code = _catalogue_result(row.procedure_id)
    return name


def _catalogue_result(procedure_id: int) -> tuple[str, str]:
    """(result name, result code) of the dossier's procedure version in the catalogue:
    "Kết quả giải quyết" and "" when the catalogue does not say."""
    procedure = procedure_from_row(ProcedureRow.get_by_id(procedure_id))
    return (_clean_name(procedure.result_name) or vietnamese("Kết quả giải quyết"),
            procedure.result_code)


def _clean_name(text: str) -> str:
    """One line of printable text, at most 255 characters; "" when nothing is left."""
    kept = "".join(" " if unicodedata.category(c)[0] in "CZ" else c
                   for c in unicodedata.normalize("NFC", text))
    return " ".join(kept.split())[:NAME_MAX]


def _stored_form(ctx: AppContext, data: bytes) -> tuple[bytes, str, int, int]:
    """(bytes to store, media type, width, height) of a chosen result file; InvalidInput
    with a sentence when it is neither a usable image nor a PDF that opens."""
    if not data:
        raise InvalidInput(_("Tệp kết quả trống (0 byte); hãy chọn tệp ảnh hoặc PDF khác."))
    if len(data) > RESULT_MAX_BYTES:
        raise InvalidInput(_("Tệp kết quả lớn hơn {mb} MB; hãy quét lại với độ phân giải "
                             "thấp hơn hoặc nén tệp PDF.").format(mb=RESULT_MAX_BYTES // 2**20))
    if data[:1024].lstrip().startswith(b"%PDF-"):
        _check_pdf(data)
        return data, PDF, 0, 0
    page = imaging.normalise_page(data, max_long_side=ctx.config["attachments.max_long_side"],
                                  max_bytes=ctx.config["attachments.max_page_bytes"])
    return page.data, page.media_type, page.width, page.height


def _check_pdf(data: bytes) -> None:
    from pypdf import PdfReader  # imported here: only attaching a PDF needs it

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise InvalidInput(_("Tệp PDF kết quả có mật khẩu; hãy lưu lại bản không đặt mật "
                                 "khẩu rồi đính kèm."))
        pages = len(reader.pages)
    except InvalidInput:
        raise
    except Exception as exc:  # noqa: BLE001 - a hostile or damaged PDF: any parser error
        log.info("result PDF refused: %r", exc)
        raise InvalidInput(_("Tệp này không phải tệp PDF đọc được (tệp hỏng hoặc không "
                             "hoàn chỉnh); hãy xuất lại tệp PDF hoặc quét lại kết quả.")
                           ) from None
    if pages < 1:
        raise InvalidInput(_("Tệp PDF kết quả không có trang nào."))


def _result_info(row: DossierResult, blob: PageBlob) -> ResultInfo:
    return ResultInfo(id=row.id, name=row.name, sha256=blob.sha256,
                      media_type=blob.media_type, size=blob.size,
                      result_code=row.result_code,
                      added_at=row.added_at.astimezone(VN_TZ), added_by=row.added_by)


def _results_of(dossier_id: int) -> list[ResultInfo]:
    query = (DossierResult.select(DossierResult, PageBlob).join(PageBlob)
             .where(DossierResult.dossier == dossier_id).order_by(DossierResult.id))
    return [_result_info(row, row.blob) for row in query]


def add_result(ctx: AppContext, reference: str, data: bytes, *,
               name: str | None = None) -> ResultInfo:
    """Attach a result document (image or PDF bytes) to the dossier ``reference`` (code,
    UUID or receipt QR text); the clerk or the leader, while the dossier is being
    processed or is done or returned. InvalidInput / NotFound say why not."""
    require_role(ctx, *COUNTER_ROLES)
    given = _clean_name(name) if name is not None else ""
    if name is not None and not given:
        raise InvalidInput(_("Tên giấy tờ kết quả không được để trống."))
    stored, media_type, width, height = _stored_form(ctx, data)
    sha = hashlib.sha256(stored).hexdigest()
    now = ctx.now()
    with translated_errors(), ctx.database.atomic():
        dossier_id = find_dossier_row(reference).id
        if not is_sqlite(ctx.database):  # two counters attaching at once: one after the other
            Dossier.select(Dossier.id).where(Dossier.id == dossier_id).for_update().first()
        dossier = Dossier.get_by_id(dossier_id)  # a plain row: its raw ids
        if dossier.status not in {s.value for s in RESULT_STATUSES}:
            raise InvalidInput(_(
                "Hồ sơ {code} đang ở trạng thái «{status}»: chỉ đính kèm kết quả khi hồ sơ "
                "đang xử lý, đã có kết quả hoặc đã trả kết quả.").format(
                code=dossier.code, status=STATUS_LABELS[DossierStatus(dossier.status)]))
        existing = _results_of(dossier.id)
        if len(existing) >= MAX_RESULTS:
            raise InvalidInput(_("Hồ sơ {code} đã có {n} giấy tờ kết quả, nhiều nhất cho một "
                                 "hồ sơ.").format(code=dossier.code, n=len(existing)))
        same = next((r for r in existing if r.sha256 == sha), None)
        if same is not None:
            raise InvalidInput(_("Tệp này đã được đính kèm vào hồ sơ {code} với tên «{name}»."
                                 ).format(code=dossier.code, name=same.name))
        default_name, result_code = _catalogue_result(dossier.procedure_id)
        PageBlob.insert(sha256=sha, media_type=media_type, size=len(stored), width=width,
                        height=height, created_at=now).on_conflict_ignore().execute()
        blob_query = PageBlob.select().where(PageBlob.sha256 == sha)
        if not is_sqlite(ctx.database):
            blob_query = blob_query.for_update()  # a discard of the same file waits
        blob = blob_query.get()
        # inside the transaction, as add_page does: a concurrent discard of the same file
        # cannot leave the new row without it
        write_file(path_for(ctx, sha, blob.media_type), stored)
        row_id = DossierResult.insert(dossier=dossier.id, blob=blob.id,
                                      name=given or default_name, result_code=result_code,
                                      added_at=now, added_by=ctx.clerk).execute()
        info = _result_info(DossierResult.get_by_id(row_id), blob)
        _results_changed(ctx, dossier, "result", info.name, [*existing, info])
    log.info("result %s attached to %s (%s, %d bytes)", sha[:12], dossier.code, media_type,
             len(stored))
    return info


def _results_changed(ctx: AppContext, dossier: Dossier, kind: str, note: str,
                     results: list[ResultInfo]) -> None:
    """The dossier's results changed (inside the change's transaction): the chained event
    with the list as it is now, the dossier unsynced, its page list queued for the portal."""
    now = ctx.now()
    append_event(ctx.database, dossier=dossier.id, at=now, actor=ctx.actor,
                 kind=kind, from_status=dossier.status, to_status=dossier.status, note=note,
                 data=json.dumps({"results": [[r.sha256, r.name] for r in results]},
                                 ensure_ascii=False, separators=(",", ":")))
    Dossier.update({Dossier.updated_at: now}).where(Dossier.id == dossier.id).execute()
    manifest = pages_manifest(dossier.id)
    queue_change(ctx, manifest["uuid"], "dossier.pages", manifest)


def remove_result(ctx: AppContext, reference: str, result_id: int, *,
                  reason: str = "") -> ResultInfo:
    """Take out the result document ``result_id`` attached to the dossier ``reference`` by
    mistake; the clerk or the leader, until the dossier is returned. Returns what was
    removed; InvalidInput / NotFound say why not."""
    require_role(ctx, *COUNTER_ROLES)
    reason = _clean_name(reason or "")
    with translated_errors(), ctx.database.atomic():
        dossier_id = find_dossier_row(reference).id
        if not is_sqlite(ctx.database):  # one change of the dossier's results at a time
            Dossier.select(Dossier.id).where(Dossier.id == dossier_id).for_update().first()
        dossier = Dossier.get_by_id(dossier_id)
        existing = _results_of(dossier.id)
        gone = next((r for r in existing if r.id == result_id), None)
        if gone is None:
            raise NotFound(_("Hồ sơ {code} không có giấy tờ kết quả số {id}; xem danh sách "
                             "bằng «sadec-desk pages list {code}».").format(code=dossier.code,
                                                                          id=result_id))
        if dossier.status == DossierStatus.RETURNED.value:
            raise InvalidInput(_("Hồ sơ {code} đã trả kết quả cho công dân: không bỏ được "
                                 "giấy tờ kết quả «{name}» đã trao. Nếu kết quả sai, hãy báo "
                                 "lãnh đạo để xử lý theo quy định.").format(
                code=dossier.code, name=gone.name))
        row = DossierResult.get_by_id(result_id)
        DossierResult.delete().where(DossierResult.id == result_id).execute()
        delete_unused_blobs(ctx, [row.blob_id])
        note = f"«{gone.name}»: {reason}" if reason else f"«{gone.name}»"
        _results_changed(ctx, dossier, "result_removed", note,
                         [r for r in existing if r.id != result_id])
    log.info("result %s removed from %s", gone.sha256[:12], dossier.code)
    return gone


def add_result_file(ctx: AppContext, reference: str, path: str, *,
                    name: str | None = None) -> ResultInfo:
    """:func:`add_result` of a file a person chose, read through files.read_bounded (a
    FIFO, a device or a huge file is a sentence, never a hang)."""
    require_role(ctx, *COUNTER_ROLES)
    return add_result(ctx, reference, read_bounded(path, RESULT_MAX_BYTES + 1), name=name)


def dossier_results(ctx: AppContext, reference: str) -> list[ResultInfo]:
    """The result documents attached to a dossier, oldest first."""
    require_role(ctx, *READ_ROLES)
    with translated_errors():
        return _results_of(find_dossier_row(reference).id)

"""The provincial gateway as a sync adapter: the outbox as DongBoHoSoMC records and
CapNhatTienDoHoSoMC progress entries (push only: the gateway has no change feed).

Per operation, oldest first:

- ``dossier.received``: the dossier's record as a create (``isUpdating`` "False", the
  create URL), unless the gateway already holds it — asked with ``TraCuuHoSo`` first
  where the envelope has it (OpenCPS), or learnt from a refusal saying "đã tồn tại"
  (error 3 / -3, Thanh Hóa), after which the same record goes as an update; then the
  synthetic progress entry "Tiếp nhận hồ sơ" (status 2);
- ``dossier.status`` / ``dossier.rescheduled``: the record as an update (new status,
  NgayKetThucXuLy, NgayTra or NgayHenTra) and the step's progress entry;
- ``dossier.pages``: the record as an update whose ``TaiLieuNop`` lists the scanned
  pages, and ``DanhSachGiayToKetQua`` the attached result documents, by download URL on
  the file store (``sync.gateway_file_base_url``; the engine
  uploads them there first, resumably, through the reference portal's blob protocol);
  without a file store the pages stay on this machine and the operation is answered
  without a call;
- ``dossier.form``: no field of DongBoHoSoMC takes a filled e-form: answered without a call.

Records are built from the dossier as it is when sent (records.py). Progress entries are
sent after the records, in lists of at most 10. A refused call keeps the gateway's own
message with the operation; the dossier's later operations wait behind it.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from sadec_desk.db.attachment_models import DossierResult, PageBlob
from sadec_desk.db.models import Dossier, Outbox
from sadec_desk.i18n import _
from sadec_desk.services.pages.dossier_pages import pages_manifest
from sadec_desk.services.reception.dossiers import get_dossier
from sadec_desk.sync import protocol as P
from sadec_desk.sync.adapters.gateway.catalogue import catalogue_entry
from sadec_desk.sync.adapters.gateway.records import (
    Codes,
    DossierFacts,
    PageFile,
    ResultFile,
    dossier_record,
    received_entry,
    step_entry,
)
from sadec_desk.sync.adapters.gateway.session import Answer, GatewaySession
from sadec_desk.sync.errors import SyncError
from sadec_desk.sync.outbox_ops import DONE
from sadec_desk.sync.state import get_state

if TYPE_CHECKING:
    from sadec_desk.services.context import AppContext

log = logging.getLogger(__name__)

#: progress entries per CapNhatTienDoHoSoMC call (the Thanh Hóa client's limit)
PROGRESS_PER_CALL = 10
SUBJECT_ID_CHOICES = ("none", "id_number")
HELD = "held behind a refused operation"


class GatewayAdapter:
    """Push only; page files are uploaded to the file store when one is configured."""

    name = "gateway"
    supports_pull = False

    def __init__(self, ctx: AppContext):
        config = ctx.config
        self.ctx = ctx
        subject_id = config["sync.gateway_subject_id"]
        if subject_id not in SUBJECT_ID_CHOICES:
            raise SyncError(_("Thiết lập sync.gateway_subject_id = '{value}' không hợp lệ: "
                              "chọn 'none' hoặc 'id_number'.").format(value=subject_id))
        self.codes = Codes(status=config["sync.gateway_status_map"],
                           channel=config["sync.gateway_channel_map"], subject_id=subject_id)
        self.file_base = config["sync.gateway_file_base_url"].rstrip("/")
        #: the engine uploads a dossier.pages op's files (upload_blob) before pushing it
        self.uploads_blobs = bool(self.file_base)
        self.session = GatewaySession(ctx, get_state("gateway_password"))
        self._file_store: Any = None
        self._held_by_gateway: set[str] = set()  # dossiers (uuid) sent in this run

    def close(self) -> None:
        self.session.close()
        if self._file_store is not None:
            self._file_store.close()

    # --- scanned pages: the file store the gateway downloads from ---

    def upload_blob(self, sha256: str, data: bytes, chunk_bytes: int) -> int:
        """Put a page on the file store: the reference portal's resumable blob upload."""
        if self._file_store is None:
            from sadec_desk.sync.adapters.reference import ReferenceAdapter

            self._file_store = ReferenceAdapter(self.ctx)
        return self._file_store.upload_blob(sha256, data, chunk_bytes)

    def _pages(self, dossier_id: int) -> tuple[PageFile, ...]:
        """The dossier's pages that are on the file store, by download URL."""
        if not self.file_base:
            return ()
        manifest = pages_manifest(dossier_id)
        shas = [page["sha256"] for paper in manifest["papers"] for page in paper["pages"]]
        stored = {sha for (sha,) in PageBlob.select(PageBlob.sha256).where(
            PageBlob.sha256.in_(shas), PageBlob.uploaded_at.is_null(False)).tuples()}
        return tuple(PageFile(paper["name"], page["position"], page["sha256"],
                              page["media_type"], f"{self.file_base}/{page['sha256']}")
                     for paper in manifest["papers"] for page in paper["pages"]
                     if page["sha256"] in stored)

    def _results(self, dossier_id: int) -> tuple[ResultFile, ...]:
        """The dossier's result documents that are on the file store, by download URL."""
        if not self.file_base:
            return ()
        rows = (DossierResult.select(DossierResult.name, DossierResult.result_code,
                                     PageBlob.sha256).join(PageBlob)
                .where(DossierResult.dossier == dossier_id, PageBlob.uploaded_at.is_null(False))
                .order_by(DossierResult.id).tuples())
        return tuple(ResultFile(name, sha, f"{self.file_base}/{sha}", code)
                     for name, code, sha in rows)

    # --- records ---

    def facts(self, dossier_uuid: str) -> DossierFacts | None:
        row = Dossier.get_or_none(Dossier.uuid == dossier_uuid)
        if row is None:
            return None
        info = get_dossier(self.ctx, dossier_uuid)
        return DossierFacts(info=info, result_delivery=row.result_delivery,
                            office_name=self.ctx.office().name or self.ctx.config["office.name"],
                            catalogue=catalogue_entry(self.ctx, self.session, info.procedure_code),
                            pages=self._pages(row.id), results=self._results(row.id))

    def _known(self, dossier_uuid: str, code: str) -> bool:
        """Does the gateway hold the dossier? Yes once its create went through from here;
        else the gateway is asked (TraCuuHoSo) where the envelope has that service."""
        if dossier_uuid in self._held_by_gateway:
            return True
        if Outbox.select().where(Outbox.dossier_uuid == dossier_uuid,
                                 Outbox.op == "dossier.received", Outbox.state == DONE).exists():
            return True
        return self.session.has_queries and self.session.find_dossier(code)

    def _send_record(self, record: dict, *, updating: bool) -> Answer:
        answer = self.session.send_records([record], updating=updating)
        if not updating and answer.exists:
            answer = self.session.send_records([record], updating=True)
        return answer

    def _apply(self, op: dict) -> tuple[Answer | None, list[dict]]:
        """Send one op's record; (the answer or None when no call was due, its progress
        entries)."""
        kind = op["op"]
        if kind == "dossier.form" or (kind == "dossier.pages" and not self.file_base):
            log.info("gateway: %s of %s not sent (no place for it at the gateway)", kind,
                     op["dossier_uuid"])
            return None, []
        facts = self.facts(op["dossier_uuid"])
        if facts is None:
            return Answer(False, "", _("Hồ sơ không còn trên máy này.")), []
        record = dossier_record(facts, self.codes)
        code = facts.info.code
        known = self._known(op["dossier_uuid"], code)
        answer = self._send_record(record, updating=known)
        if answer.ok:
            self._held_by_gateway.add(op["dossier_uuid"])
        entries = []
        if kind == "dossier.received" or not known:
            entries.append(received_entry(facts.info, self.codes))
        if kind in ("dossier.status", "dossier.rescheduled"):
            entries.append(step_entry(op, facts.info, self.codes))
        return answer, entries

    # --- the engine's interface ---

    def push(self, ops: list[dict]) -> list[dict]:
        results: dict[str, dict] = {}
        held: set[str] = set()
        progress: list[tuple[dict, list[dict]]] = []
        for op in ops:
            if op["dossier_uuid"] in held:
                results[op["op_id"]] = {"op_id": op["op_id"], "result": P.CONFLICT,
                                        "message": HELD}
                continue
            answer, entries = self._apply(op)
            if answer is not None and not answer.ok:
                results[op["op_id"]] = {"op_id": op["op_id"], "result": P.REJECTED,
                                        "message": answer.refusal()}
                held.add(op["dossier_uuid"])
                continue
            results[op["op_id"]] = {"op_id": op["op_id"], "result": P.APPLIED, "version": 0}
            if entries and self.session.sends_progress:
                progress.append((op, entries))
        self._send_progress(progress, results)
        return [results[op["op_id"]] for op in ops]

    def _send_progress(self, progress: list[tuple[dict, list[dict]]],
                       results: dict[str, dict]) -> None:
        """The entries in order, at most 10 a call; a refused list is re-sent op by op
        so that only the op the gateway refuses is held."""
        batch: list[tuple[dict, list[dict]]] = []
        size = 0

        def flush() -> None:
            nonlocal size
            if batch:
                entries = [e for _op, op_entries in batch for e in op_entries]
                if len(batch) == 1 or not self.session.send_progress(entries).ok:
                    self._progress_one_by_one(batch, results)
            batch.clear()
            size = 0

        for op, entries in progress:
            if size + len(entries) > PROGRESS_PER_CALL:
                flush()
            batch.append((op, entries))
            size += len(entries)
        flush()

    def _progress_one_by_one(self, batch: list[tuple[dict, list[dict]]],
                             results: dict[str, dict]) -> None:
        held: set[str] = set()
        for op, entries in batch:
            if op["dossier_uuid"] in held:
                results[op["op_id"]] = {"op_id": op["op_id"], "result": P.CONFLICT,
                                        "message": HELD}
                continue
            answer = self.session.send_progress(entries)
            if not answer.ok:
                results[op["op_id"]] = {"op_id": op["op_id"], "result": P.REJECTED,
                                        "message": answer.refusal()}
                held.add(op["dossier_uuid"])

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
- ``dossier.form``: no field of DongBoHoSoMC takes a filled e-form: answered without a call;
- any operation of a dossier voided as entered by mistake ("Hủy do nhập nhầm"): see
  :meth:`GatewayAdapter._voided`.

Records are built from the dossier as it is when sent (records.py). Progress entries are
sent after the records, in lists of at most 10. A refused call keeps the gateway's own
message with the operation; the dossier's later operations wait behind it.
"""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any

from sadec_desk.db.attachment_models import DossierResult, PageBlob
from sadec_desk.db.models import Dossier, Outbox
from sadec_desk.domain.lifecycle import DossierStatus
from sadec_desk.i18n import _
from sadec_desk.services.pages.dossier_pages import pages_manifest
from sadec_desk.services.query_rows import tuple_rows
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
from sadec_desk.sync.outbox_ops import DISCARDED, DONE
from sadec_desk.sync.state import get_state

if TYPE_CHECKING:
    from sadec_desk.services.context import AppContext

log = logging.getLogger(__name__)

#: progress entries per CapNhatTienDoHoSoMC call (the Thanh Hóa client's limit)
PROGRESS_PER_CALL = 10
SUBJECT_ID_CHOICES = ("none", "id_number")
VOIDED = DossierStatus.VOIDED.value


class NotSendable(Exception):
    """An operation this office will not send: rejected here, with the sentence for the
    IT officer, without a call (the gateway never saw it)."""


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
        stored = {sha for (sha,) in tuple_rows(PageBlob.select(PageBlob.sha256).where(
            PageBlob.sha256.in_(shas), PageBlob.uploaded_at.is_null(False)))}
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
                .order_by(DossierResult.id))
        return tuple(ResultFile(name, sha, f"{self.file_base}/{sha}", code)
                     for name, code, sha in tuple_rows(rows))

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
        voided = Dossier.get_or_none(Dossier.uuid == op["dossier_uuid"],
                                     Dossier.status == VOIDED)
        if voided is not None and VOIDED not in self.codes.status:
            self._voided(op, voided.code)
            return None, []
        facts = self.facts(op["dossier_uuid"])
        if facts is None:
            return Answer(False, "", _("Hồ sơ không còn trên máy này.")), []
        code = facts.info.code
        record = dossier_record(facts, self.codes)
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

    def _voided(self, op: dict, code: str) -> None:
        """An operation of a dossier voided as entered by mistake, with no code for
        ``voided`` in ``sync.gateway_status_map``.

        The national status list (gateway-facts.md §4, codes 1-10) has no code for "a
        record made by mistake": 3 and 8 say the office refused or stopped a real dossier,
        7 that the citizen withdrew it, and the national index (QĐ 766) would count any of
        them as a dossier of this office. No source shows a delete service either
        (``IsDeleted`` exists only for a file in ``TaiLieuNop``). So nothing false is sent:

        - if the gateway never got the dossier, none of its operations is sent (answered
          without a call; the record never was a dossier, as in the office's reports);
        - if it did (sent before the void), the operation is rejected here, with a sentence
          that tells the IT officer what to do: the gateway keeps the dossier at its last
          status until the province removes it, or says which code it takes for a void
          (then ``sync.gateway_status_map`` gets a ``voided`` key and ``sync retry`` sends
          it like any other status); once the province removed it, ``sync dismiss``
          (sync/conflicts.py dismiss_rejected) discards the held void and nothing of the
          dossier is sent any more (:meth:`_void_settled`)."""
        uuid = op["dossier_uuid"]
        if self._void_settled(uuid) or not self._known(uuid, code):
            log.info("gateway: %s of %s not sent: the dossier was voided before it reached "
                     "the gateway", op["op"], code)
            return
        message = _("Hồ sơ {code} đã gửi lên trục liên thông trước khi bị hủy do nhập nhầm; "
                    "danh mục trạng thái quốc gia (mã 1-10) không có mã cho hồ sơ hủy nên "
                    "máy không gửi trạng thái này, và trên trục hồ sơ vẫn ở trạng thái gửi "
                    "lần trước. Hãy đề nghị quản trị trục của tỉnh xóa hồ sơ {code}; nếu tỉnh "
                    "quy định một mã cho hồ sơ hủy, đặt mã đó vào sync.gateway_status_map "
                    "(khóa \"voided\") rồi chạy «sadec-desk sync retry {code}». Khi tỉnh đã xóa "
                    "hồ sơ trên trục, chạy «sadec-desk sync dismiss {code} --reason \"...\"» để "
                    "thôi gửi hồ sơ này.").format(code=code)
        log.warning("gateway: %s", message)
        raise NotSendable(message)

    @staticmethod
    def _void_settled(dossier_uuid: str) -> bool:
        """Was the void itself already dealt with (sent under a code once set, found to
        concern a dossier the gateway never got, or dismissed by the IT officer once the
        province removed the dossier: ``discarded``)? Then whatever follows it is not sent
        either: a received op answered without a call is ``done`` like a sent one, so
        :meth:`_known` alone would take a voided dossier for one the gateway holds."""
        rows = Outbox.select(Outbox.payload).where(
            Outbox.dossier_uuid == dossier_uuid, Outbox.op == "dossier.status",
            Outbox.state.in_([DONE, DISCARDED]))
        return any(json.loads(row.payload).get("to_status") == VOIDED for row in rows)

    # --- the engine's interface ---

    def push(self, ops: list[dict]) -> list[dict]:
        results: dict[str, dict] = {}
        held: set[str] = set()
        progress: list[tuple[dict, list[dict]]] = []
        for op in ops:
            if op["dossier_uuid"] in held:
                results[op["op_id"]] = {"op_id": op["op_id"], "result": P.CONFLICT,
                                        "message": P.held_message()}
                continue
            try:
                answer, entries = self._apply(op)
            except NotSendable as exc:
                results[op["op_id"]] = {"op_id": op["op_id"], "result": P.REJECTED,
                                        "message": str(exc)}
                held.add(op["dossier_uuid"])
                continue
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
                                        "message": P.held_message()}
                continue
            answer = self.session.send_progress(entries)
            if not answer.ok:
                results[op["op_id"]] = {"op_id": op["op_id"], "result": P.REJECTED,
                                        "message": answer.refusal()}
                held.add(op["dossier_uuid"])

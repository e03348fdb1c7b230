"""One pushed batch at the reference portal: each operation checked and applied in order.

Everything a batch needs is read with a handful of queries up front and written with
bulk inserts at the end (one query per op would cap a push at a few hundred ops per
second). The checks of page lists and forms here are also the ones the operator's
endpoints use (:mod:`sadec_desk.sync.portal.store`).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, NamedTuple

import peewee

from sadec_desk.domain.lifecycle import FINISHED_STATUSES
from sadec_desk.i18n import _
from sadec_desk.services.query_rows import tuple_rows
from sadec_desk.sync import protocol as P
from sadec_desk.sync.bulk import insert_tables, update_rows
from sadec_desk.sync.portal.models import (
    BlobGrant,
    Change,
    Device,
    Operation,
    PortalBlob,
    PortalDossier,
    PortalProcedure,
    portal_proxy,
    select_all,
)
from sadec_desk.sync.portal.validate import payload_problem


def not_your_office() -> str:
    """Why an op on another office's dossier is refused."""
    return _("Hồ sơ này không thuộc cơ quan của thiết bị (not your office).")


def agency_of(code: str) -> str:
    """The agency part of a dossier code (TT 01/2018/TT-VPCP Art. 19: <agency>-<YYMMDD>-<NNNN>)."""
    parts = code.rsplit("-", 2)
    return parts[0] if len(parts) == 3 else ""


class KnownOp(NamedTuple):
    """An op_id the portal received before: its row and the answer it got."""

    id: int
    device_id: str
    result: str
    version: int | None


class PushBatch:
    """The state one push works on, loaded up front and written back at the end
    (:meth:`sadec_desk.sync.portal.store.PortalStore.push`)."""

    @staticmethod
    def reads(device_id: str, ops: list[dict]) -> list:
        """What a batch reads up front: the five queries, run together (on PostgreSQL in
        one round trip with the BEGIN and the office's lock: PortalStore.write)."""
        op_ids = [o["op_id"] for o in ops]
        uuids = list({o["dossier_uuid"] for o in ops})
        codes = [o["payload"].get("code") for o in ops if o["op"] == "dossier.received"
                 and isinstance(o.get("payload"), dict)]
        return [
            Operation.select(Operation.id, Operation.op_id, Operation.device_id,
                             Operation.result, Operation.version)
            .where(Operation.op_id.in_(op_ids)),
            PortalDossier.select(PortalDossier.uuid, PortalDossier.data)
            .where(PortalDossier.uuid.in_(uuids)),
            # newest change per dossier made by anyone else: a conflict for older bases
            Change.select(Change.dossier_uuid, peewee.fn.MAX(Change.version).alias("newest"))
            .where(Change.dossier_uuid.in_(uuids), Change.origin != device_id)
            .group_by(Change.dossier_uuid),
            PortalProcedure.select(PortalProcedure.code).where(PortalProcedure.active),
            # dossier codes are unique (TT 01/2018/TT-VPCP Art. 19): code -> its dossier
            PortalDossier.select(PortalDossier.code, PortalDossier.uuid)
            .where(PortalDossier.code.in_([c for c in codes if c]))]

    def __init__(self, device_id: str, agency: str, ops: list[dict], now: datetime,
                 rows: list[list[tuple]] | None = None):
        """``rows``: the answers to :meth:`reads` when the caller ran them (under the
        office's lock: PortalStore.write), else they are read here."""
        self.device_id = device_id
        self.agency = agency  # the device's office: it may touch that office's dossiers only
        self.now = now
        if rows is None:
            rows = select_all(portal_proxy.obj, self.reads(device_id, ops))
        known, dossiers, foreign, procedures, holders = rows
        self.known = {row[1]: KnownOp(row[0], row[2], row[3], row[4]) for row in known}
        # the office of each device that sent one of these op_ids before
        self.offices: dict[str, str] = dict(tuple_rows(
            Device.select(Device.device_id, Device.agency).where(
                Device.device_id.in_({r.device_id for r in self.known.values()})))
        ) if self.known else {}  # (a first push: no query, one round trip less)
        self.dossiers: dict[str, dict] = {uuid: json.loads(data) for uuid, data in dossiers}
        self.existing = set(self.dossiers)
        self.foreign = dict(foreign)
        self.procedures = {code for (code,) in procedures}
        self.codes = dict(holders)
        # complete blobs named by the batch's page lists that the office may name
        self.blobs = complete_blobs((page["sha256"] for o in ops if o["op"] == "dossier.pages"
                                     for page in pages_named(o.get("payload"))), agency)
        self.blocked: set[str] = set()
        self.changed: set[str] = set()
        self.new_ops: list[dict] = []
        self.changes: list[dict] = []

    def flush(self) -> None:
        database = portal_proxy.obj
        rows = [{"uuid": u, "code": self.dossiers[u]["code"],
                 "version": self.dossiers[u]["version"],
                 "data": json.dumps(self.dossiers[u], ensure_ascii=False),
                 "updated_at": self.now} for u in sorted(self.changed)]
        update_rows(database, PortalDossier, "uuid",
                    [r for r in rows if r["uuid"] in self.existing])
        # the three inserts in one request on PostgreSQL (bulk.insert_tables)
        insert_tables(database, [
            (PortalDossier, [r for r in rows if r["uuid"] not in self.existing]),
            (Operation, self.new_ops), (Change, self.changes)])

    def _record(self, op, result, version, message):
        fields = {"result": result, "version": version, "message": message}
        row = self.known.get(op["op_id"])
        if row is None:
            self.new_ops.append({"op_id": op["op_id"], "device_id": self.device_id,
                                 "dossier_uuid": op["dossier_uuid"], "op": op["op"],
                                 "received_at": self.now, **fields})
        else:
            Operation.update(fields).where(Operation.id == row.id).execute()

    def _refuse(self, op, result, message, *, record=True) -> dict:
        self.blocked.add(op["dossier_uuid"])
        if record:
            # a refused op may be sent again after a retry or a resolution: its row is
            # kept (the op_id is known for ever) but its answer is worked out again
            self._record(op, result, None, message)
        answer = {"op_id": op["op_id"], "result": result, "message": message}
        current = self.dossiers.get(op["dossier_uuid"])
        if result == P.CONFLICT and current is not None \
                and agency_of(current["code"]) == self.agency:
            answer["dossier"] = current
        return answer

    def apply(self, op: dict) -> dict:
        op_id, uuid = op["op_id"], op["dossier_uuid"]
        previous = self.known.get(op_id)
        current = self.dossiers.get(uuid)
        if not self.agency or (current is not None
                               and agency_of(current["code"]) != self.agency):
            # another office's dossier: refused without its copy, and the answer not
            # recorded (the op_id may be the owner's, whose answer must not change)
            return self._refuse(op, P.REJECTED, not_your_office(), record=False)
        if previous is not None and previous.device_id != self.device_id:
            # an op_id another device used (issue #18): neither that device nor the
            # answer it got is this one's to learn, and the owner's answer must not
            # change. Of another office: refused. Of this office (it enrolled again and
            # restored a backup): a conflict with the portal's copy, which the office
            # may read anyway, so that keeping the portal's side settles it
            if self.offices.get(previous.device_id) != self.agency:
                return self._refuse(op, P.REJECTED, _("Mã thao tác (op_id) này đã được "
                                                      "một thiết bị khác dùng."), record=False)
            return self._refuse(op, P.CONFLICT, _(
                "Mã thao tác (op_id) này đã được một thiết bị khác dùng; giữ bản trên cổng "
                "để tiếp tục."), record=False)
        if previous is not None and previous.result == P.APPLIED:
            return {"op_id": op_id, "result": P.DUPLICATE, "version": previous.version,
                    "original": {"result": previous.result, "version": previous.version}}
        if uuid in self.blocked:
            # never apply an op after an earlier op of the same dossier was refused:
            # that would reorder the dossier's history (docs/design.md §5)
            return self._refuse(op, P.CONFLICT, _("Thao tác trước đó của hồ sơ này trong "
                                                  "cùng lượt gửi chưa được áp dụng."),
                                record=False)
        kind, payload = op["op"], op["payload"]
        problem = payload_problem(kind, payload)
        if problem:  # malformed: refused with the reason, never in the feed
            return self._refuse(op, P.REJECTED, problem)
        if kind == "dossier.received":
            if current is not None:
                return self._refuse(op, P.CONFLICT, _("Hồ sơ đã có trên cổng."))
            problem = self._check_received(payload, uuid)
            if not problem and agency_of(payload["code"]) != self.agency:
                problem = _("Mã hồ sơ {code} không thuộc cơ quan {agency} của thiết bị này."
                            ).format(code=payload["code"], agency=self.agency)
            if problem:
                return self._refuse(op, P.REJECTED, problem)
            current = {k: payload.get(k) for k in (
                "uuid", "code", "procedure_code", "procedure_name", "channel", "status",
                "received_at", "due_at", "finished_at", "fee_vnd", "pages", "copies", "phone",
                "received_by", "citizen")}
            # optional (issue #15): how the citizen wants the result; older clients omit it
            current["result_delivery"] = payload.get("result_delivery") or "office"
            current["version"] = 1
            self.dossiers[uuid] = current
        else:
            if current is None:
                return self._refuse(op, P.REJECTED, _("Cổng chưa có hồ sơ này (việc tiếp "
                                                      "nhận chưa được gửi lên)."))
            if self.foreign.get(uuid, 0) > op["base_version"]:
                return self._refuse(op, P.CONFLICT, _(
                    "Hồ sơ đã được thay đổi trên cổng sau phiên bản {version}.").format(
                    version=op["base_version"]))
            if kind == "dossier.status":
                target = payload.get("to_status")
                if target not in P.STATUSES:
                    return self._refuse(op, P.REJECTED, _(
                        "Trạng thái '{status}' không hợp lệ.").format(status=target))
                current["status"] = target
                if target in FINISHED_STATUSES and not current.get("finished_at"):
                    current["finished_at"] = payload.get("at")
            elif kind == "dossier.rescheduled":
                if not isinstance(payload.get("new_due"), str):
                    return self._refuse(op, P.REJECTED, _("Thiếu ngày hẹn mới (new_due)."))
                current["due_at"] = payload["new_due"]
            elif kind == "dossier.pages":
                problem = self._check_pages(payload, uuid)
                if problem:
                    return self._refuse(op, P.REJECTED, problem)
                # the op carries the whole page list after the change: it replaces ours
                current["scanned_papers"] = stored_papers(payload["papers"])
                # and the result documents the office attached (issue #15), when any
                if payload.get("results"):
                    current["results"] = stored_results(payload["results"])
                else:
                    current.pop("results", None)
            elif kind == "dossier.form":
                problem = form_problem(payload, uuid)
                if problem:
                    return self._refuse(op, P.REJECTED, problem)
                current["form"] = {k: payload[k] for k in ("form_id", "form_version", "values")}
            current["version"] += 1
        self.changed.add(uuid)
        self.changes.append({"dossier_uuid": uuid, "version": current["version"],
                             "origin": self.device_id, "agency": agency_of(current["code"]),
                             "snapshot": json.dumps(current, ensure_ascii=False),
                             "at": self.now})
        self._record(op, P.APPLIED, current["version"], "")
        return {"op_id": op_id, "result": P.APPLIED, "version": current["version"]}

    def _check_pages(self, payload: dict, uuid: str) -> str:
        if payload.get("uuid") != uuid:
            return _("UUID trong nội dung khác dossier_uuid.")
        papers = payload.get("papers")
        if not isinstance(papers, list):
            return _("Thiếu danh sách giấy tờ (papers).")
        return papers_problem(papers, self.blobs) or results_problem(
            payload.get("results", []), self.blobs)

    def _check_received(self, payload: dict, uuid: str) -> str:
        for key in ("code", "procedure_code", "received_at", "due_at", "status"):
            if not isinstance(payload.get(key), str) or not payload.get(key):
                return _("Thiếu trường '{field}'.").format(field=key)
        if payload.get("uuid") != uuid:
            return _("UUID trong nội dung khác dossier_uuid.")
        citizen = payload.get("citizen")
        if not isinstance(citizen, dict) or not citizen.get("id_number"):
            return _("Thiếu số định danh (CCCD) của người nộp.")
        if payload["procedure_code"] not in self.procedures:
            return _("Thủ tục {code} không có trong danh mục của cổng.").format(
                code=payload["procedure_code"])
        if self.codes.setdefault(payload["code"], uuid) != uuid:
            return _("Mã hồ sơ {code} đã được dùng cho một hồ sơ khác.").format(
                code=payload["code"])
        return ""


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def pages_named(payload: Any) -> list[dict]:
    """The page entries of a ``dossier.pages`` payload, whatever its shape (checked later),
    and its result documents (each names its file the same way)."""
    papers = payload.get("papers") if isinstance(payload, dict) else None
    results = payload.get("results") if isinstance(payload, dict) else None
    pages = [page for paper in papers if isinstance(paper, dict)
             and isinstance(paper.get("pages"), list)
             for page in paper["pages"] if isinstance(page, dict)
             and isinstance(page.get("sha256"), str)] if isinstance(papers, list) else []
    return pages + ([r for r in results if isinstance(r, dict)
                     and isinstance(r.get("sha256"), str)] if isinstance(results, list) else [])


def papers_problem(papers: list, blobs: dict[str, int]) -> str:
    """Why a page list cannot be stored ("" when it can): each page must name a blob
    the portal holds whole (``blobs``: sha256 -> length) and say its size right."""
    for paper in papers:
        if not (isinstance(paper, dict) and _is_int(paper.get("index"))
                and isinstance(paper.get("name"), str)
                and isinstance(paper.get("pages"), list)):
            return _("Mỗi giấy tờ cần có index, name và pages.")
        for page in paper["pages"]:
            if not (isinstance(page, dict) and P.is_sha256(page.get("sha256"))
                    and isinstance(page.get("media_type"), str)
                    and all(_is_int(page.get(k)) for k in ("position", "size", "width",
                                                             "height"))):
                return _("Một trang của giấy tờ «{name}» thiếu position, sha256, media_type, "
                         "size, width hoặc height.").format(name=paper["name"])
            length = blobs.get(page["sha256"])
            if length is None:
                return _("Cổng chưa có đủ tệp trang {sha}… của giấy tờ «{name}»: máy trạm "
                         "phải tải tệp lên (/v1/blobs) trước rồi gửi lại.").format(
                    sha=page["sha256"][:12], name=paper["name"])
            if length != page["size"]:
                return _("Trang {sha}… ghi {size} byte nhưng tệp trên cổng có {length} byte."
                         ).format(sha=page["sha256"][:12], size=page["size"], length=length)
    return ""


#: what the portal keeps of a result document (services/pages/results.py on the office)
RESULT_FIELDS = ("sha256", "media_type", "size", "name", "result_code")
RESULT_MEDIA_TYPES = ("image/jpeg", "image/png", "application/pdf")
MAX_RESULTS = 20


def results_problem(results: Any, blobs: dict[str, int]) -> str:
    """Why a result list cannot be stored ("" when it can): optional; each result names a
    complete blob of the right size, an image or PDF media type and a name."""
    if not isinstance(results, list) or len(results) > MAX_RESULTS:
        return _("Danh sách kết quả (results) phải là một danh sách, nhiều nhất {n} giấy tờ."
                 ).format(n=MAX_RESULTS)
    for result in results:
        if not (isinstance(result, dict) and P.is_sha256(result.get("sha256"))
                and result.get("media_type") in RESULT_MEDIA_TYPES
                and _is_int(result.get("size"))
                and isinstance(result.get("name"), str) and 0 < len(result["name"]) <= 255
                and isinstance(result.get("result_code", ""), str)
                and len(result.get("result_code", "")) <= 255):
            return _("Mỗi giấy tờ kết quả cần sha256, media_type (ảnh JPEG/PNG hoặc PDF), "
                     "size, name (1-255 ký tự) và result_code.")
        length = blobs.get(result["sha256"])
        if length is None:
            return _("Cổng chưa có đủ tệp kết quả {sha}… «{name}»: máy trạm phải tải tệp lên "
                     "(/v1/blobs) trước rồi gửi lại.").format(sha=result["sha256"][:12],
                                                             name=result["name"])
        if length != result["size"]:
            return _("Kết quả {sha}… ghi {size} byte nhưng tệp trên cổng có {length} byte."
                     ).format(sha=result["sha256"][:12], size=result["size"], length=length)
    return ""


def stored_results(results: list) -> list[dict]:
    """A checked result list as the dossier JSON keeps it (only the agreed fields)."""
    return [{"sha256": r["sha256"], "media_type": r["media_type"], "size": r["size"],
             "name": r["name"], "result_code": r.get("result_code", "")} for r in results]


def stored_papers(papers: list) -> list[dict]:
    """A checked page list as the dossier JSON keeps it (only the agreed fields)."""
    return [{"index": paper["index"], "name": paper["name"],
             "pages": [{k: page[k] for k in P.PAGE_FIELDS} for page in paper["pages"]]}
            for paper in papers]


def complete_blobs(shas, agency: str | None = None) -> dict[str, int]:
    """sha256 -> length of the complete blobs among ``shas`` that office ``agency``
    may name (None: the operator, every one)."""
    shas = sorted(set(shas))
    found: dict[str, int] = {}
    for start in range(0, len(shas), 500):
        query = PortalBlob.select(PortalBlob.sha256, PortalBlob.length).where(
            PortalBlob.sha256.in_(shas[start:start + 500]), PortalBlob.complete)
        if agency is not None:
            query = query.join(BlobGrant, on=(BlobGrant.sha256 == PortalBlob.sha256)).where(
                BlobGrant.agency == agency, BlobGrant.complete)
        found.update(tuple_rows(query))
    return found


def form_problem(payload: dict, uuid: str) -> str:
    if payload.get("uuid") != uuid:
        return _("UUID trong nội dung khác dossier_uuid.")
    if not isinstance(payload.get("form_id"), str) or not payload["form_id"]:
        return _("Thiếu mã tờ khai (form_id).")
    if not isinstance(payload.get("form_version"), str | int) \
            or isinstance(payload.get("form_version"), bool):
        return _("Thiếu phiên bản tờ khai (form_version).")
    values = payload.get("values")
    if not isinstance(values, dict) or not all(isinstance(v, str) for v in values.values()):
        return _("Nội dung tờ khai (values) phải là các cặp tên trường → chữ.")
    return ""

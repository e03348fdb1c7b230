"""The reference portal: a real HTTP service that stands in for the central portal.

IT staff rehearse synchronisation against it and the tests run the client against
it over loopback (DESIGN.md §5). The API is published in docs/portal-openapi.json.

Framework choice: Flask + waitress (the ``[portal]`` extra). The storage layer is
peewee, which is synchronous, so a WSGI stack fits it without a thread-pool shim;
waitress is a pure-Python, multi-threaded production WSGI server that runs the same
on Windows (where commune IT staff rehearse) and Linux, with no C build.

Guarantees the client relies on:

- every ``op_id`` is stored for ever under a unique constraint; an op already
  applied is answered ``duplicate`` with its original result, never applied twice;
- a change made since the op's base version by anyone but the sending device is a
  ``conflict`` (answered with the portal's copy); a bad op is ``rejected`` with a reason;
- every write runs in one transaction that also appends to the change feed, and
  writers are serialised (SQLite ``BEGIN IMMEDIATE``, a PostgreSQL advisory lock),
  so the feed's sequence numbers commit in order and a cursor never skips a change;
- scanned pages are blobs named by their SHA-256, uploaded in chunks that resume
  from the offset the portal reports (``HEAD``/``PATCH /v1/blobs/<sha256>``, after
  the tus protocol's core); a blob is complete only once its bytes hash to its
  name, and a ``dossier.pages`` op naming a blob that is not complete is rejected.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import hmac
import json
import logging
import os
import secrets
import threading
import time
import uuid as uuidlib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, BinaryIO

import peewee

from sadec_desk.db.database import is_sqlite, sqlite_database, url_database
from sadec_desk.db.models import UtcDateTimeField
from sadec_desk.i18n import _
from sadec_desk.sync import protocol as P
from sadec_desk.sync.bulk import insert_rows, update_rows

log = logging.getLogger(__name__)

portal_proxy = peewee.DatabaseProxy()
_ADVISORY_LOCK_KEY = 7270051


class PortalModel(peewee.Model):
    class Meta:
        database = portal_proxy
        legacy_table_names = False


class Device(PortalModel):
    device_id = peewee.CharField(unique=True)
    name = peewee.CharField(default="")
    # HMAC key shared with the device: it proves the device when refreshing its token
    # and signs its offline export files, so the portal has to keep it
    key = peewee.CharField()
    # the office (QCVN 102:2016 agency code) the device works for: its change feed
    # holds that office's dossiers only
    agency = peewee.CharField(default="")
    enrolled_at = UtcDateTimeField()


class Enrolment(PortalModel):
    code = peewee.CharField(unique=True)
    created_at = UtcDateTimeField()
    expires_at = UtcDateTimeField()
    used_by = peewee.CharField(null=True)


class Token(PortalModel):
    token_hash = peewee.CharField(unique=True)  # sha256: a leaked table gives no token
    device_id = peewee.CharField(index=True)
    expires_at = UtcDateTimeField()


class PortalDossier(PortalModel):
    uuid = peewee.CharField(unique=True)
    code = peewee.CharField(index=True)
    version = peewee.IntegerField()
    data = peewee.TextField()  # the dossier as JSON (protocol.check_dossier shape)
    updated_at = UtcDateTimeField()


class Operation(PortalModel):
    """Every op_id ever received, with the answer given (re-sent ops get it back)."""

    op_id = peewee.CharField(unique=True)
    device_id = peewee.CharField()
    dossier_uuid = peewee.CharField(index=True)
    op = peewee.CharField()
    result = peewee.CharField()
    version = peewee.IntegerField(null=True)
    message = peewee.TextField(default="")
    received_at = UtcDateTimeField()


class Change(PortalModel):
    """The change feed; its id is the cursor handed to clients."""

    dossier_uuid = peewee.CharField(index=True)
    version = peewee.IntegerField()
    origin = peewee.CharField()  # device id, or "portal" for changes made at the portal
    agency = peewee.CharField(default="")  # office the dossier belongs to (its code prefix)
    snapshot = peewee.TextField()

    class Meta:
        indexes = ((("agency", "id"), False),)
    at = UtcDateTimeField()


class PortalProcedure(PortalModel):
    code = peewee.CharField()
    version = peewee.IntegerField()
    data = peewee.TextField()
    active = peewee.BooleanField(default=True)

    class Meta:
        indexes = ((("code", "version"), True),)


class PortalBlob(PortalModel):
    """A stored file (scanned page) named by the SHA-256 of its bytes.

    The bytes live in the blob dir: ``<sha[:2]>/<sha>`` once complete, ``<sha>.part``
    while an upload is under way; ``received`` is the offset the next chunk must
    start at (bytes of the .part file past it were never confirmed and are cut).
    """

    sha256 = peewee.CharField(unique=True)
    length = peewee.BigIntegerField()  # total bytes announced by the uploader
    received = peewee.BigIntegerField(default=0)
    complete = peewee.BooleanField(default=False)
    media_type = peewee.CharField(default="application/octet-stream")
    created_at = UtcDateTimeField()
    completed_at = UtcDateTimeField(null=True)


PORTAL_MODELS = (Device, Enrolment, Token, PortalDossier, Operation, Change, PortalProcedure,
                 PortalBlob)

#: largest chunk one PATCH may carry, and largest blob; bigger ones get 413
MAX_CHUNK_BYTES = P.MAX_CHUNK_BYTES
MAX_BLOB_BYTES = 64 * 1024 * 1024
#: an upload unfinished this long after it started is dropped when the portal starts
ABANDONED_UPLOAD_AGE = timedelta(days=7)


def utcnow() -> datetime:
    return datetime.now(UTC)


def open_portal_database(url: str | None, default_path) -> peewee.Database:
    """SQLite file by default, PostgreSQL (or any peewee URL) when given."""
    database = url_database(url) if url else sqlite_database(default_path)
    portal_proxy.initialize(database)
    database.connect(reuse_if_open=True)
    with database.atomic():
        database.create_tables(PORTAL_MODELS)
        if PortalProcedure.select().count() == 0:
            from sadec_desk.domain.catalogue import procedure_to_data
            from sadec_desk.services.catalogue import seed_procedures

            for p in seed_procedures():
                PortalProcedure.create(code=p.code, version=p.version,
                                       data=json.dumps(procedure_to_data(p), ensure_ascii=False))
    database.close()
    return database


def agency_of(code: str) -> str:
    """The agency part of a dossier code (TT 01/2018/TT-VPCP Art. 19: <agency>-<YYMMDD>-<NNNN>)."""
    parts = code.rsplit("-", 2)
    return parts[0] if len(parts) == 3 else ""


class _Batch:
    """The state one push works on, loaded up front and written back at the end."""

    def __init__(self, device_id: str, ops: list[dict], now: datetime):
        self.device_id = device_id
        self.now = now
        op_ids = [o["op_id"] for o in ops]
        uuids = list({o["dossier_uuid"] for o in ops})
        self.known = {r.op_id: r for r in Operation.select().where(Operation.op_id.in_(op_ids))}
        self.dossiers: dict[str, dict] = {}
        for row in PortalDossier.select().where(PortalDossier.uuid.in_(uuids)):
            self.dossiers[row.uuid] = json.loads(row.data)
        self.existing = set(self.dossiers)
        # newest change per dossier made by anyone else: a conflict for older bases
        self.foreign = dict(
            Change.select(Change.dossier_uuid, peewee.fn.MAX(Change.version))
            .where(Change.dossier_uuid.in_(uuids), Change.origin != device_id)
            .group_by(Change.dossier_uuid).tuples())
        self.procedures = {code for (code,) in PortalProcedure.select(PortalProcedure.code)
                           .where(PortalProcedure.active).tuples()}
        codes = [o["payload"].get("code") for o in ops if o["op"] == "dossier.received"
                 and isinstance(o.get("payload"), dict)]
        # dossier codes are unique (TT 01/2018/TT-VPCP Art. 19): code -> the dossier holding it
        self.codes = dict(PortalDossier.select(PortalDossier.code, PortalDossier.uuid)
                          .where(PortalDossier.code.in_([c for c in codes if c])).tuples())
        # complete blobs named by the batch's page lists: sha256 -> length
        self.blobs = _complete_blobs(page["sha256"] for o in ops if o["op"] == "dossier.pages"
                                     for page in _pages_named(o.get("payload")))
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
        insert_rows(database, PortalDossier, [r for r in rows if r["uuid"] not in self.existing])
        update_rows(database, PortalDossier, "uuid",
                    [r for r in rows if r["uuid"] in self.existing])
        insert_rows(database, Operation, self.new_ops)
        insert_rows(database, Change, self.changes)

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
        if result == P.CONFLICT and current is not None:
            answer["dossier"] = current
        return answer

    def apply(self, op: dict) -> dict:
        op_id, uuid = op["op_id"], op["dossier_uuid"]
        previous = self.known.get(op_id)
        if previous is not None and previous.result == P.APPLIED:
            return {"op_id": op_id, "result": P.DUPLICATE, "version": previous.version,
                    "original": {"result": previous.result, "version": previous.version,
                                 "device_id": previous.device_id}}
        if uuid in self.blocked:
            # never apply an op after an earlier op of the same dossier was refused:
            # that would reorder the dossier's history (DESIGN.md §5)
            return self._refuse(op, P.CONFLICT, _("Thao tác trước đó của hồ sơ này trong "
                                                  "cùng lượt gửi chưa được áp dụng."),
                                record=False)
        current = self.dossiers.get(uuid)
        kind, payload = op["op"], op["payload"]
        if kind == "dossier.received":
            if current is not None:
                return self._refuse(op, P.CONFLICT, _("Hồ sơ đã có trên cổng."))
            problem = self._check_received(payload, uuid)
            if problem:
                return self._refuse(op, P.REJECTED, problem)
            current = {k: payload.get(k) for k in (
                "uuid", "code", "procedure_code", "procedure_name", "channel", "status",
                "received_at", "due_at", "finished_at", "fee_vnd", "pages", "copies", "phone",
                "received_by", "citizen")}
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
                if target in ("done", "returned", "refused", "withdrawn") \
                        and not current.get("finished_at"):
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
                current["scanned_papers"] = _stored_papers(payload["papers"])
            elif kind == "dossier.form":
                problem = _check_form(payload, uuid)
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
        return _papers_problem(papers, self.blobs)

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


def _pages_named(payload: Any) -> list[dict]:
    """The page entries of a ``dossier.pages`` payload, whatever its shape (checked later)."""
    papers = payload.get("papers") if isinstance(payload, dict) else None
    return [page for paper in papers if isinstance(paper, dict)
            and isinstance(paper.get("pages"), list)
            for page in paper["pages"] if isinstance(page, dict)
            and isinstance(page.get("sha256"), str)] if isinstance(papers, list) else []


def _papers_problem(papers: list, blobs: dict[str, int]) -> str:
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


def _stored_papers(papers: list) -> list[dict]:
    """A checked page list as the dossier JSON keeps it (only the agreed fields)."""
    return [{"index": paper["index"], "name": paper["name"],
             "pages": [{k: page[k] for k in P.PAGE_FIELDS} for page in paper["pages"]]}
            for paper in papers]


def _complete_blobs(shas) -> dict[str, int]:
    shas = sorted(set(shas))
    found: dict[str, int] = {}
    for start in range(0, len(shas), 500):
        found.update(PortalBlob.select(PortalBlob.sha256, PortalBlob.length).where(
            PortalBlob.sha256.in_(shas[start:start + 500]), PortalBlob.complete).tuples())
    return found


def _check_form(payload: dict, uuid: str) -> str:
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


def sniff_media_type(head: bytes) -> str:
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    return "application/octet-stream"


class BlobError(Exception):
    """An upload request the portal refuses: HTTP status, reason, the offset it holds."""

    def __init__(self, status: int, message: str, offset: int | None = None):
        super().__init__(message)
        self.status = status
        self.offset = offset


class PortalStore:
    """The portal's rules over its database; the HTTP layer only translates."""

    def __init__(self, database: peewee.Database, *, token_ttl: timedelta,
                 blob_dir: Path | None = None, max_chunk_bytes: int = MAX_CHUNK_BYTES,
                 max_blob_bytes: int = MAX_BLOB_BYTES):
        self.database = database
        self.token_ttl = token_ttl
        if blob_dir is None and is_sqlite(database):
            blob_dir = Path(database.database).parent / "portal-blobs"
        # None: a store used for other work (e.g. 'portal new-code' on PostgreSQL)
        self.blob_dir = Path(blob_dir) if blob_dir is not None else None
        self.max_chunk_bytes = max_chunk_bytes
        self.max_blob_bytes = max_blob_bytes
        self._blob_locks: dict[str, threading.Lock] = {}
        self._blob_locks_guard = threading.Lock()

    # --- transactions ---------------------------------------------------------------

    @contextlib.contextmanager
    def write(self):
        """A serialised write transaction (see module docstring: ordered cursors)."""
        with self.database.atomic():
            if not is_sqlite(self.database):
                self.database.execute_sql("SELECT pg_advisory_xact_lock(%s)",
                                          (_ADVISORY_LOCK_KEY,))
            yield

    # --- devices and tokens -----------------------------------------------------------

    def new_enrolment_code(self, valid_for: timedelta = timedelta(days=7)) -> str:
        code = "-".join(secrets.token_hex(2).upper() for _ in range(3))
        now = utcnow()
        with self.write():
            Enrolment.create(code=code, created_at=now, expires_at=now + valid_for)
        return code

    def _issue_token(self, device_id: str) -> dict:
        token = secrets.token_urlsafe(32)
        expires = utcnow() + self.token_ttl
        Token.create(token_hash=hashlib.sha256(token.encode()).hexdigest(),
                     device_id=device_id, expires_at=expires)
        return {"token": token, "expires_at": expires.isoformat()}

    def enrol(self, code: str, name: str, agency: str = "") -> dict | None:
        with self.write():
            enrolment = Enrolment.get_or_none(Enrolment.code == code.strip().upper())
            if (enrolment is None or enrolment.used_by is not None
                    or enrolment.expires_at < utcnow()):
                return None
            device_id = str(uuidlib.uuid4())
            key = secrets.token_urlsafe(32)
            Device.create(device_id=device_id, name=name, key=key, agency=agency,
                          enrolled_at=utcnow())
            Enrolment.update(used_by=device_id).where(Enrolment.id == enrolment.id).execute()
            return {"device_id": device_id, "device_key": key, **self._issue_token(device_id)}

    def device_key(self, device_id: str) -> str | None:
        device = Device.get_or_none(Device.device_id == device_id)
        return device.key if device else None

    def refresh_token(self, device_id: str, key: str) -> dict | None:
        known = self.device_key(device_id)
        if known is None or not hmac.compare_digest(known.encode(), key.encode()):
            return None
        with self.write():
            Token.delete().where(Token.device_id == device_id,
                                 Token.expires_at < utcnow()).execute()
            return self._issue_token(device_id)

    def device_for_token(self, token: str) -> str | None:
        row = Token.get_or_none(Token.token_hash == hashlib.sha256(token.encode()).hexdigest())
        if row is None or row.expires_at <= utcnow():
            return None
        return row.device_id

    def expire_tokens(self) -> int:
        with self.write():
            return Token.update(expires_at=utcnow() - timedelta(seconds=1)).execute()

    # --- push -------------------------------------------------------------------------

    def push(self, device_id: str, ops: list[dict]) -> list[dict]:
        """Apply a batch in order, in one transaction; one answer per op.

        Everything the batch needs is read with a handful of queries up front and
        written with bulk inserts at the end (one query per op would cap a push at a
        few hundred ops per second).
        """
        with self.write():
            batch = _Batch(device_id, ops, utcnow())
            results = [batch.apply(op) for op in ops]
            batch.flush()
        return results

    # --- blobs (scanned pages) ---------------------------------------------------------

    def blob_path(self, sha256: str, *, part: bool = False) -> Path:
        if self.blob_dir is None:
            raise RuntimeError("this portal store was opened without a blob dir")
        folder = self.blob_dir / sha256[:2]
        return folder / (f"{sha256}.part" if part else sha256)

    @contextlib.contextmanager
    def _blob_lock(self, sha256: str):
        """One writer per blob: two devices (or two workers) uploading the same page
        take turns, and the second finds the offset moved or the blob complete."""
        with self._blob_locks_guard:
            lock = self._blob_locks.setdefault(sha256, threading.Lock())
        with lock:
            yield

    def drop_abandoned_uploads(self, older_than: timedelta = ABANDONED_UPLOAD_AGE) -> int:
        """Forget uploads started long ago and never finished (an office reinstalled, a
        page removed before it went up): their ``.part`` files would otherwise stay on
        the portal's disk for ever. An office still holding the page starts it again."""
        cutoff = utcnow() - older_than
        stale = [b.sha256 for b in PortalBlob.select(PortalBlob.sha256).where(
            ~PortalBlob.complete, PortalBlob.created_at < cutoff)]
        dropped = 0
        for sha in stale:
            # the blob's lock first, as an upload takes it: a chunk arriving now waits
            with self._blob_lock(sha), self.write():
                gone = PortalBlob.delete().where(PortalBlob.sha256 == sha,
                                                 ~PortalBlob.complete).execute()
            if gone:
                with contextlib.suppress(FileNotFoundError):
                    self.blob_path(sha, part=True).unlink()
                dropped += 1
        return dropped

    def blob_state(self, sha256: str) -> PortalBlob | None:
        return PortalBlob.get_or_none(PortalBlob.sha256 == sha256)

    def write_chunk(self, sha256: str, offset: int, length: int, body: BinaryIO,
                    size: int) -> int:
        """Store ``size`` bytes of ``body`` at ``offset`` of the blob; returns the new
        offset. On the last byte the whole file must hash to ``sha256`` (else 422 and
        the partial upload is dropped, so the next try starts from 0)."""
        if not P.is_sha256(sha256):
            raise BlobError(400, "the blob name must be a lower-case hex SHA-256")
        if length < 1 or length > self.max_blob_bytes:
            raise BlobError(413 if length > 0 else 400,
                            f"Upload-Length must be 1 to {self.max_blob_bytes} bytes")
        if size > self.max_chunk_bytes:
            raise BlobError(413, f"a chunk may carry at most {self.max_chunk_bytes} bytes")
        with self._blob_lock(sha256):
            row = self.blob_state(sha256)
            if row is not None and row.complete:
                return row.length  # already here: nothing to add, nothing to check
            held = row.received if row is not None else 0
            if row is not None and row.length != length:
                if offset != 0:
                    # only a fresh start (offset 0) may replace the other partial copy
                    raise BlobError(409, "Upload-Length differs from the upload in progress",
                                    0)
                held = 0  # a fresh start with another length replaces the old partial
            if offset != held:
                raise BlobError(409, f"Upload-Offset must be {held}", held)
            if offset + size > length:
                raise BlobError(400, "the chunk goes past Upload-Length", held)
            part = self.blob_path(sha256, part=True)
            part.parent.mkdir(parents=True, exist_ok=True)
            with open(part, "r+b" if part.exists() else "w+b") as handle:
                # bytes past the confirmed offset come from a write never recorded
                handle.truncate(offset)
                handle.seek(offset)
                left = size
                while left:
                    data = body.read(min(left, 1 << 16))
                    if not data:
                        break
                    handle.write(data)
                    left -= len(data)
                handle.flush()
                os.fsync(handle.fileno())
            if left:
                raise BlobError(400, "the body is shorter than its Content-Length", held)
            received = offset + size
            now = utcnow()
            values = {"length": length, "received": received, "complete": False}
            if received == length:
                digest = hashlib.sha256()
                with open(part, "rb") as handle:
                    head = handle.read(16)
                    digest.update(head)
                    while data := handle.read(1 << 20):
                        digest.update(data)
                if digest.hexdigest() != sha256:
                    part.unlink(missing_ok=True)
                    self._save_blob(sha256, {"length": length, "received": 0,
                                             "complete": False}, now)
                    raise BlobError(422, "the bytes received do not hash to the blob's "
                                    "SHA-256: the upload was dropped, send it again from 0", 0)
                os.replace(part, self.blob_path(sha256))
                values.update(complete=True, completed_at=now,
                              media_type=sniff_media_type(head))
            self._save_blob(sha256, values, now)
            return received

    def _save_blob(self, sha256: str, values: dict, now: datetime) -> None:
        with self.write():
            updated = PortalBlob.update(values).where(PortalBlob.sha256 == sha256).execute()
            if not updated:
                PortalBlob.create(sha256=sha256, created_at=now, **values)

    def put_blob(self, sha256: str, data: bytes) -> None:
        """A whole blob at once (from an offline bundle); it must hash to its name."""
        if not P.is_sha256(sha256) or hashlib.sha256(data).hexdigest() != sha256:
            raise BlobError(422, f"blob {sha256[:12]}... does not hash to its name")
        with self._blob_lock(sha256):
            row = self.blob_state(sha256)
            if row is not None and row.complete:
                return
            if not 0 < len(data) <= self.max_blob_bytes:
                raise BlobError(413, f"blob {sha256[:12]}... is too large")
            path = self.blob_path(sha256)
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(path.name + ".tmp")
            with open(tmp, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, path)
            self.blob_path(sha256, part=True).unlink(missing_ok=True)
            now = utcnow()
            self._save_blob(sha256, {"length": len(data), "received": len(data),
                                     "complete": True, "completed_at": now,
                                     "media_type": sniff_media_type(data[:16])}, now)

    # --- changes, catalogue, portal-side edits ------------------------------------------

    def changes(self, device_id: str, since: int, limit: int) -> dict:
        """The device's office's changes after ``since`` (a device enrolled without an
        agency code sees every change, as a provincial test client would)."""
        device = Device.get_or_none(Device.device_id == device_id)
        query = Change.select().where(Change.id > since)
        if device is not None and device.agency:
            query = query.where(Change.agency == device.agency)
        rows = list(query.order_by(Change.id).limit(limit + 1))
        page = rows[:limit]
        return {
            "changes": [{"seq": r.id, "origin": r.origin, "version": r.version,
                         "dossier": json.loads(r.snapshot)} for r in page],
            "cursor": page[-1].id if page else since,
            "has_more": len(rows) > limit,
        }

    def procedures(self) -> list[dict]:
        return [{"code": r.code, "version": r.version, "data": json.loads(r.data)}
                for r in PortalProcedure.select().where(PortalProcedure.active)
                .order_by(PortalProcedure.code)]

    def publish_procedure(self, data: dict) -> dict:
        from sadec_desk.domain.catalogue import procedure_to_data, procedures_from_data

        procedure = procedures_from_data({"format": 1, "procedures": [data]})[0]
        with self.write():
            newest = (PortalProcedure.select(peewee.fn.MAX(PortalProcedure.version))
                      .where(PortalProcedure.code == procedure.code).scalar()) or 0
            if procedure.version <= newest:
                raise ValueError(f"version must be above {newest}")
            PortalProcedure.update(active=False).where(
                PortalProcedure.code == procedure.code).execute()
            PortalProcedure.create(code=procedure.code, version=procedure.version,
                                   data=json.dumps(procedure_to_data(procedure),
                                                   ensure_ascii=False))
        return {"code": procedure.code, "version": procedure.version}

    def get_dossier(self, uuid: str) -> dict | None:
        row = PortalDossier.get_or_none(PortalDossier.uuid == uuid)
        return json.loads(row.data) if row else None

    def all_dossiers(self) -> list[dict]:
        return [json.loads(r.data) for r in PortalDossier.select().order_by(PortalDossier.id)]

    def create_online_dossier(self, data: dict) -> dict:
        """A dossier a citizen submitted online (channel "online", origin "portal")."""
        now = utcnow()
        uuid = data.get("uuid") or str(uuidlib.uuid4())
        dossier = {
            "uuid": uuid, "code": data["code"], "procedure_code": data["procedure_code"],
            "procedure_name": data.get("procedure_name", ""), "channel": "online",
            "status": "received", "received_at": data.get("received_at") or now.isoformat(),
            "due_at": data["due_at"], "finished_at": None, "fee_vnd": data.get("fee_vnd", 0),
            "pages": 0, "copies": 1, "phone": data.get("phone", ""),
            "received_by": "portal", "citizen": data["citizen"], "version": 1,
        }
        P.check_dossier(dossier)
        with self.write():
            # an online dossier comes with its scanned papers and its filled form, as
            # on the real portals; the blobs must already be here (admin upload)
            dossier.update(self._attachments(uuid, data))
            if not PortalProcedure.select().where(PortalProcedure.code == dossier[
                    "procedure_code"], PortalProcedure.active).exists():
                raise P.SchemaError(f"procedure {dossier['procedure_code']} is not in the "
                                    "portal's catalogue")
            if PortalDossier.select().where(PortalDossier.code == dossier["code"]).exists():
                raise peewee.IntegrityError("dossier code already used")
            text = json.dumps(dossier, ensure_ascii=False)
            PortalDossier.create(uuid=uuid, code=dossier["code"], version=1, data=text,
                                 updated_at=now)
            Change.create(dossier_uuid=uuid, version=1, origin="portal", snapshot=text, at=now,
                          agency=agency_of(dossier["code"]))
        return dossier

    def _attachments(self, uuid: str, data: dict) -> dict:
        """The ``scanned_papers`` and ``form`` of an operator's request, checked (each
        only when given); P.SchemaError names what is wrong. Call inside write()."""
        out: dict = {}
        if "scanned_papers" in data:
            papers = data["scanned_papers"]
            if not isinstance(papers, list):
                raise P.SchemaError("'scanned_papers' must be a list of papers")
            problem = _papers_problem(papers, _complete_blobs(
                page["sha256"] for page in _pages_named({"papers": papers})))
            if problem:
                raise P.SchemaError(problem)
            out["scanned_papers"] = _stored_papers(papers)
        if "form" in data:
            form = data["form"]
            problem = _check_form({**form, "uuid": uuid}, uuid) if isinstance(form, dict) \
                else _("Tờ khai (form) phải là một đối tượng JSON.")
            if problem:
                raise P.SchemaError(problem)
            out["form"] = {k: form[k] for k in ("form_id", "form_version", "values")}
        return out

    def portal_attachments_change(self, uuid: str, data: dict) -> dict | None:
        """The citizen changed the papers or the form of a dossier on the portal (e.g.
        after a supplement request): a new version in the change feed."""
        now = utcnow()
        with self.write():
            row = PortalDossier.get_or_none(PortalDossier.uuid == uuid)
            if row is None:
                return None
            changes = self._attachments(uuid, data)
            if not changes:
                raise P.SchemaError("give 'scanned_papers' and/or 'form'")
            current = json.loads(row.data)
            current.update(changes, version=row.version + 1)
            text = json.dumps(current, ensure_ascii=False)
            PortalDossier.update(version=current["version"], data=text, updated_at=now).where(
                PortalDossier.id == row.id).execute()
            Change.create(dossier_uuid=uuid, version=current["version"], origin="portal",
                          snapshot=text, at=now, agency=agency_of(current["code"]))
        return current

    def portal_status_change(self, uuid: str, status: str, note: str = "") -> dict | None:
        if status not in P.STATUSES:
            raise ValueError(f"unknown status {status!r}")
        now = utcnow()
        with self.write():
            row = PortalDossier.get_or_none(PortalDossier.uuid == uuid)
            if row is None:
                return None
            data = json.loads(row.data)
            data.update(status=status, version=row.version + 1)
            if note:
                data["portal_note"] = note
            text = json.dumps(data, ensure_ascii=False)
            PortalDossier.update(version=data["version"], data=text, updated_at=now).where(
                PortalDossier.id == row.id).execute()
            Change.create(dossier_uuid=uuid, version=data["version"], origin="portal",
                          snapshot=text, at=now, agency=agency_of(data["code"]))
        return data


# --- HTTP layer ---------------------------------------------------------------------------


class Faults:
    """Test hooks (only with ``--test-hooks``): misbehave on the next requests."""

    KNOWN = ("error_500", "delay_after_commit", "garbage_after_commit", "wrong_schema",
             "expire_tokens_after_push", "garbage_changes")

    def __init__(self):
        self.lock = threading.Lock()
        self.values: dict[str, float] = {}

    def set(self, values: dict) -> None:
        with self.lock:
            for key, value in values.items():
                if key not in self.KNOWN:
                    raise KeyError(key)
                self.values[key] = float(value)

    def take(self, key: str) -> bool:
        """Use up one count of a counter-style fault."""
        with self.lock:
            if self.values.get(key, 0) >= 1:
                self.values[key] -= 1
                return True
            return False

    def pop(self, key: str) -> float:
        with self.lock:
            return self.values.pop(key, 0.0)


def create_app(store: PortalStore, *, admin_key: str, test_hooks: bool = False):
    from flask import Flask, Response, g, jsonify, request, send_file

    app = Flask("sadec_desk_portal")
    app.json.ensure_ascii = False
    faults = Faults()

    def fail(status: int, message: str):
        return jsonify({"error": message}), status

    @app.before_request
    def _connect():
        store.database.connect(reuse_if_open=True)

    @app.teardown_request
    def _close(_exc):
        if not store.database.is_closed():
            store.database.close()

    def body() -> dict:
        data = request.get_json(silent=True)
        if not isinstance(data, dict):
            raise _BadRequest("the body must be a JSON object")
        return data

    class _BadRequest(Exception):
        pass

    @app.errorhandler(_BadRequest)
    def _bad(exc):
        return fail(400, str(exc))

    def device() -> str | None:
        header = request.headers.get("Authorization", "")
        if not header.startswith("Bearer "):
            return None
        g.device_id = store.device_for_token(header[7:].strip())
        return g.device_id

    def admin_ok() -> bool:
        return hmac.compare_digest(request.headers.get("X-Admin-Key", "").encode(),
                                   admin_key.encode())

    @app.get(f"{P.API}/health")
    def health():
        return jsonify({"ok": True})

    @app.post(f"{P.API}/devices/enrol")
    def enrol():
        data = body()
        answer = store.enrol(str(data.get("code", "")), str(data.get("name", "")),
                             str(data.get("agency_code", "")))
        if answer is None:
            return fail(403, "unknown, used or expired enrolment code")
        return jsonify(answer)

    @app.post(f"{P.API}/devices/token")
    def token():
        data = body()
        answer = store.refresh_token(str(data.get("device_id", "")),
                                     str(data.get("device_key", "")))
        if answer is None:
            return fail(403, "unknown device or wrong device key")
        return jsonify(answer)

    def check_ops(ops: Any) -> list[dict]:
        if not isinstance(ops, list) or not ops or len(ops) > 5000:
            raise _BadRequest("'ops' must be a list of 1 to 5000 operations")
        for o in ops:
            if not isinstance(o, dict):
                raise _BadRequest("each operation must be an object")
            for key, kind in (("op_id", str), ("dossier_uuid", str), ("op", str),
                              ("base_version", int), ("payload", dict)):
                if not isinstance(o.get(key), kind):
                    raise _BadRequest(f"operation field {key!r} is missing or of the wrong type")
            if o["op"] not in P.OPS:
                raise _BadRequest(f"unknown operation {o['op']!r}")
        return ops

    def push_answer(results):
        if test_hooks:
            delay = faults.pop("delay_after_commit")
            if delay:
                time.sleep(min(delay, 30))
            if faults.take("garbage_after_commit"):
                return Response("<html>gateway error", status=200, mimetype="application/json")
            if faults.take("wrong_schema"):
                return jsonify({"results": "ok", "status": 1})
            if faults.take("expire_tokens_after_push"):
                store.expire_tokens()
        return jsonify({"results": results})

    @app.post(f"{P.API}/push")
    def push():
        if test_hooks and faults.take("error_500"):
            return fail(500, "injected failure")
        device_id = device()
        if device_id is None:
            return fail(401, "missing or expired token")
        ops = check_ops(body().get("ops"))
        return push_answer(store.push(device_id, ops))

    @app.post(f"{P.API}/bundles")
    def bundle():
        """An offline export file brought in by another machine (sadec-desk sync import)."""
        if device() is None:
            return fail(401, "missing or expired token")
        from sadec_desk.sync.transfer import BundleError, verify_bundle

        data = body()
        try:
            origin = verify_bundle(data, store.device_key)
        except BundleError as exc:
            return fail(422, str(exc))
        ops = check_ops(data["ops"])
        blobs = data.get("blobs") or {}
        if not isinstance(blobs, dict):
            return fail(400, "'blobs' must map SHA-256 names to base64 data")
        # the pages the bundle's ops name travel inside it: stored before the ops
        # that need them are applied
        for sha256, text in blobs.items():
            try:
                store.put_blob(sha256, base64.b64decode(str(text), validate=True))
            except binascii.Error:
                return fail(400, f"blob {sha256[:12]}... is not valid base64")
            except BlobError as exc:
                return fail(exc.status, str(exc))
        return push_answer(store.push(origin, ops))

    @app.get(f"{P.API}/changes")
    def changes():
        if test_hooks and faults.take("error_500"):
            return fail(500, "injected failure")
        device_id = device()
        if device_id is None:
            return fail(401, "missing or expired token")
        try:
            since = int(request.args.get("since", "0"))
            limit = min(max(int(request.args.get("limit", "500")), 1), 5000)
        except ValueError:
            return fail(400, "since and limit must be integers")
        if test_hooks and faults.take("garbage_changes"):
            return Response("{not json", status=200, mimetype="application/json")
        return jsonify(store.changes(device_id, since, limit))

    @app.get(f"{P.API}/procedures")
    def procedures():
        if device() is None:
            return fail(401, "missing or expired token")
        return jsonify({"procedures": store.procedures()})

    @app.get(f"{P.API}/dossiers/<uuid>")
    def dossier(uuid):
        if device() is None:
            return fail(401, "missing or expired token")
        found = store.get_dossier(uuid)
        return jsonify(found) if found else fail(404, "unknown dossier")

    # --- blobs: resumable chunked upload (HEAD/PATCH, after the tus core) and download ---

    def upload_answer(status: int, offset: int | None, length: int | None = None,
                      error: str = ""):
        response = jsonify({"error": error, "offset": offset}) if error else Response(
            status=status)
        response.status_code = status
        response.headers["Cache-Control"] = "no-store"
        if offset is not None:
            response.headers[P.UPLOAD_OFFSET] = str(offset)
        if length is not None:
            response.headers[P.UPLOAD_LENGTH] = str(length)
        return response

    @app.get(f"{P.API}/blobs/<sha256>")
    def blob(sha256):
        """GET serves a complete blob; HEAD (Flask adds it) tells an uploader where to
        resume: 200 when complete, else 404 with the bytes already held."""
        if device() is None and not admin_ok():
            return fail(401, "missing or expired token")
        if not P.is_sha256(sha256):
            return fail(400, "the blob name must be a lower-case hex SHA-256")
        row = store.blob_state(sha256)
        if row is None or not row.complete:
            return upload_answer(404, row.received if row else 0,
                                 row.length if row else None, error="blob not complete")
        response = send_file(store.blob_path(sha256), mimetype=row.media_type, etag=sha256,
                             max_age=0)
        response.headers[P.UPLOAD_OFFSET] = str(row.length)
        response.headers[P.UPLOAD_LENGTH] = str(row.length)
        return response

    @app.patch(f"{P.API}/blobs/<sha256>")
    def upload(sha256):
        if test_hooks and faults.take("error_500"):
            return fail(500, "injected failure")
        # the operator uploads the papers of online dossiers it creates
        if device() is None and not admin_ok():
            return fail(401, "missing or expired token")
        try:
            offset = int(request.headers[P.UPLOAD_OFFSET])
            length = int(request.headers[P.UPLOAD_LENGTH])
        except (KeyError, ValueError):
            return fail(400, "Upload-Offset and Upload-Length must be given as integers")
        size = request.content_length
        if size is None:
            return fail(411, "Content-Length is required")
        if offset < 0:
            return fail(400, "Upload-Offset must not be negative")
        try:
            received = store.write_chunk(sha256, offset, length, request.stream, size)
        except BlobError as exc:
            return upload_answer(exc.status, exc.offset, error=str(exc))
        return upload_answer(204, received, length)

    # --- operator endpoints (X-Admin-Key) ---

    @app.before_request
    def _admin_guard():
        if request.path.startswith(f"{P.API}/admin/") and not admin_ok():
            return fail(403, "wrong or missing X-Admin-Key")
        return None

    @app.post(f"{P.API}/admin/enrolments")
    def new_enrolment():
        return jsonify({"code": store.new_enrolment_code()})

    @app.get(f"{P.API}/admin/dossiers")
    def all_dossiers():
        return jsonify({"dossiers": store.all_dossiers()})

    @app.post(f"{P.API}/admin/dossiers")
    def online_dossier():
        data = body()
        try:
            return jsonify(store.create_online_dossier(data))
        except (KeyError, TypeError, P.SchemaError) as exc:
            return fail(400, f"bad dossier: {exc}")
        except peewee.IntegrityError:
            return fail(409, "a dossier with this uuid or code already exists")

    @app.post(f"{P.API}/admin/dossiers/<uuid>/papers")
    def portal_papers(uuid):
        try:
            found = store.portal_attachments_change(uuid, body())
        except (KeyError, TypeError, P.SchemaError) as exc:
            return fail(422, f"bad papers or form: {exc}")
        return jsonify(found) if found else fail(404, "unknown dossier")

    @app.post(f"{P.API}/admin/dossiers/<uuid>/status")
    def portal_status(uuid):
        data = body()
        try:
            found = store.portal_status_change(uuid, str(data.get("status")),
                                               str(data.get("note", "")))
        except ValueError as exc:
            return fail(400, str(exc))
        return jsonify(found) if found else fail(404, "unknown dossier")

    @app.post(f"{P.API}/admin/procedures")
    def publish():
        from sadec_desk.errors import UserError

        try:
            return jsonify(store.publish_procedure(body()))
        except (ValueError, UserError) as exc:
            return fail(400, str(exc))

    @app.post(f"{P.API}/admin/tokens/expire")
    def expire():
        return jsonify({"expired": store.expire_tokens()})

    @app.post(f"{P.API}/admin/faults")
    def set_faults():
        if not test_hooks:
            return fail(404, "test hooks are off (start with --test-hooks)")
        try:
            faults.set(body())
        except (KeyError, TypeError, ValueError) as exc:
            return fail(400, f"unknown fault {exc}")
        return jsonify({"ok": True})

    return app


def serve(*, host: str, port: int, database_url: str | None, data_dir, admin_key: str,
          token_ttl_seconds: int = 3600, test_hooks: bool = False, threads: int = 8,
          ready=None) -> None:
    """Run the portal until interrupted (``sadec-desk portal serve``)."""
    from waitress import create_server

    database = open_portal_database(database_url, data_dir / "portal.sqlite3")
    store = PortalStore(database, token_ttl=timedelta(seconds=token_ttl_seconds),
                        blob_dir=data_dir / "portal-blobs")
    dropped = store.drop_abandoned_uploads()
    if dropped:
        log.info("dropped %d abandoned partial uploads", dropped)
    app = create_app(store, admin_key=admin_key, test_hooks=test_hooks)
    server = create_server(app, host=host, port=port, threads=threads,
                           channel_timeout=60, ident="sadec-desk-portal")
    if ready is not None:
        ready(server)
    try:
        server.run()
    finally:
        server.close()

"""PortalStore: the reference portal's rules over its database and its blob files.

Devices and tokens, the push (:class:`~sadec_desk.sync.portal.batch.PushBatch`), the
resumable upload of page files, the change feed, the catalogue, and the operator's edits
(online dossiers, portal-side status and paper changes). The HTTP layer
(:mod:`sadec_desk.sync.portal.app`) only translates to and from it.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import secrets
import threading
import uuid as uuidlib
from datetime import datetime, timedelta
from pathlib import Path
from typing import BinaryIO

import peewee

from sadec_desk.db.database import is_sqlite
from sadec_desk.domain.dossier_code import validate_agency_code
from sadec_desk.files import atomic_write, fsync_dir
from sadec_desk.i18n import _
from sadec_desk.sync import protocol as P
from sadec_desk.sync.portal.batch import (
    PushBatch,
    agency_of,
    complete_blobs,
    form_problem,
    pages_named,
    papers_problem,
    stored_papers,
)
from sadec_desk.sync.portal.models import (
    ADVISORY_LOCK_KEY,
    BlobGrant,
    Change,
    Device,
    Enrolment,
    PortalBlob,
    PortalDossier,
    PortalProcedure,
    Token,
    utcnow,
)
from sadec_desk.sync.portal.validate import dossier_problem

#: largest chunk one PATCH may carry, and largest blob; bigger ones get 413
MAX_CHUNK_BYTES = P.MAX_CHUNK_BYTES
MAX_BLOB_BYTES = 64 * 1024 * 1024
#: an upload unfinished this long after it started is dropped when the portal starts
ABANDONED_UPLOAD_AGE = timedelta(days=7)
#: how long after a code was used the same code and nonce get the same device back
ENROL_RETRY_WINDOW = timedelta(days=1)


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


class EnrolmentRefused(Exception):
    """An enrolment the portal refuses (unknown, used or expired code, or another office)."""


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
                                          (ADVISORY_LOCK_KEY,))
            yield

    # --- devices and tokens -----------------------------------------------------------

    def new_enrolment_code(self, agency: str,
                           valid_for: timedelta = timedelta(days=7)) -> str:
        """A one-time code for a device of office ``agency`` (QCVN 102:2016 agency code;
        InvalidInput when it is not one): the device works for that office only."""
        agency = validate_agency_code(agency)
        code = "-".join(secrets.token_hex(2).upper() for _ in range(3))
        now = utcnow()
        with self.write():
            Enrolment.create(code=code, agency=agency, created_at=now,
                             expires_at=now + valid_for)
        return code

    def _issue_token(self, device_id: str) -> dict:
        token = secrets.token_urlsafe(32)
        expires = utcnow() + self.token_ttl
        Token.create(token_hash=hashlib.sha256(token.encode()).hexdigest(),
                     device_id=device_id, expires_at=expires)
        return {"token": token, "expires_at": expires.isoformat()}

    def enrol(self, code: str, name: str, agency: str, nonce: str = "") -> dict:
        """A device identity for a one-time code; EnrolmentRefused when the code is
        unknown, used or expired, or was made for another office than ``agency``.

        Retry-safe (issue #14 item 4): the device sends a ``nonce`` it keeps until the
        answer arrives. The same code with the same nonce, within
        :data:`ENROL_RETRY_WINDOW` of its use, answers with the same device (its key and
        a fresh token), so a lost answer leaves no device nobody holds the key of; a
        spent code with any other nonce (or none) is refused as before."""
        now = utcnow()
        with self.write():
            enrolment = Enrolment.get_or_none(Enrolment.code == code.strip().upper())
            if enrolment is None:
                raise EnrolmentRefused("unknown, used or expired enrolment code")
            agency = agency.strip().upper()
            if not enrolment.agency or not hmac.compare_digest(enrolment.agency.encode(),
                                                               agency.encode()):
                raise EnrolmentRefused("this enrolment code was made for another office "
                                       "(agency_code must be the one the operator gave)")
            nonce_hash = hashlib.sha256(nonce.encode()).hexdigest() if nonce else ""
            if enrolment.used_by is not None:
                device = Device.get_or_none(Device.device_id == enrolment.used_by)
                if (nonce_hash and enrolment.nonce_hash and device is not None
                        and hmac.compare_digest(enrolment.nonce_hash.encode(),
                                                nonce_hash.encode())
                        and enrolment.used_at is not None
                        and now <= enrolment.used_at + ENROL_RETRY_WINDOW):
                    return {"device_id": device.device_id, "device_key": device.key,
                            **self._issue_token(device.device_id)}
                raise EnrolmentRefused("unknown, used or expired enrolment code")
            if enrolment.expires_at < now:
                raise EnrolmentRefused("unknown, used or expired enrolment code")
            device_id = str(uuidlib.uuid4())
            key = secrets.token_urlsafe(32)
            Device.create(device_id=device_id, name=name, key=key, agency=enrolment.agency,
                          enrolled_at=now)
            Enrolment.update(used_by=device_id, used_at=now, nonce_hash=nonce_hash).where(
                Enrolment.id == enrolment.id).execute()
            return {"device_id": device_id, "device_key": key, **self._issue_token(device_id)}

    def device_agency(self, device_id: str) -> str:
        """The office a device works for ("" for an unknown device, or one enrolled
        before devices had an office: it may do nothing until enrolled again)."""
        device = Device.get_or_none(Device.device_id == device_id)
        return device.agency if device else ""

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
        agency = self.device_agency(device_id)
        with self.write():
            batch = PushBatch(device_id, agency, ops, utcnow())
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

    @staticmethod
    def may_read_blob(sha256: str, agency: str | None) -> bool:
        """Whether office ``agency`` (None: the operator) may read or name the blob."""
        if agency is None:
            return True
        return bool(agency) and BlobGrant.select().where(
            BlobGrant.sha256 == sha256, BlobGrant.agency == agency,
            BlobGrant.complete).exists()

    def blob_view(self, sha256: str, agency: str | None) -> tuple[bool, int, int | None]:
        """(complete, bytes held, length) of a blob as office ``agency`` sees it: a blob
        another office uploaded is, to this one, an upload it has not finished yet."""
        row = self.blob_state(sha256)
        if row is None:
            return False, 0, None
        if not row.complete:
            return False, row.received, row.length
        if self.may_read_blob(sha256, agency):
            return True, row.length, row.length
        grant = BlobGrant.get_or_none(BlobGrant.sha256 == sha256, BlobGrant.agency == agency)
        return False, grant.received if grant else 0, row.length

    def grant_blobs(self, shas, agency: str) -> None:
        """Office ``agency`` may read these (complete) blobs: a dossier of its names them.
        Call inside write()."""
        for sha in set(shas):
            updated = BlobGrant.update(complete=True).where(
                BlobGrant.sha256 == sha, BlobGrant.agency == agency).execute()
            if not updated:
                BlobGrant.create(sha256=sha, agency=agency, complete=True)

    def _prove_chunk(self, row: PortalBlob, agency: str, offset: int, length: int,
                     body: BinaryIO, size: int) -> int:
        """A chunk of a blob the portal holds whole, sent by an office that may not read
        it yet: the bytes must be the stored ones (nothing is written)."""
        grant = BlobGrant.get_or_none(BlobGrant.sha256 == row.sha256,
                                      BlobGrant.agency == agency)
        held = grant.received if grant is not None else 0
        if offset != held:
            raise BlobError(409, f"Upload-Offset must be {held}", held)
        if offset + size > length:
            raise BlobError(400, "the chunk goes past Upload-Length", held)
        same = length == row.length
        with open(self.blob_path(row.sha256), "rb") as stored:
            stored.seek(offset)
            left = size
            while left:
                data = body.read(min(left, 1 << 16))
                if not data:
                    raise BlobError(400, "the body is shorter than its Content-Length", held)
                same = same and stored.read(len(data)) == data
                left -= len(data)
        received = offset + size if same else 0
        with self.write():
            if grant is None:
                BlobGrant.create(sha256=row.sha256, agency=agency, received=received,
                                 complete=received == row.length)
            else:
                BlobGrant.update(received=received, complete=received == row.length).where(
                    BlobGrant.id == grant.id).execute()
        if not same:
            raise BlobError(422, "the bytes received do not hash to the blob's SHA-256: "
                            "the upload was dropped, send it again from 0", 0)
        return received

    def write_chunk(self, sha256: str, offset: int, length: int, body: BinaryIO,
                    size: int, agency: str | None = None) -> int:
        """Store ``size`` bytes of ``body`` at ``offset`` of the blob for office
        ``agency`` (None: the operator); returns the new offset. On the last byte the
        whole file must hash to ``sha256`` (else 422 and the partial upload is dropped,
        so the next try starts from 0)."""
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
                if self.may_read_blob(sha256, agency):
                    return row.length  # already here: nothing to add, nothing to check
                return self._prove_chunk(row, agency or "", offset, length, body, size)
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
            # not sadec_desk.files' temp-and-rename: the .part file is the resumable
            # upload itself, written in place at the confirmed offset across requests
            # (and across portal restarts); only the finished file is renamed into place
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
                fsync_dir(part.parent)
                values.update(complete=True, completed_at=now,
                              media_type=sniff_media_type(head))
            self._save_blob(sha256, values, now, agency)
            return received

    def _save_blob(self, sha256: str, values: dict, now: datetime,
                   agency: str | None = None) -> None:
        """Save the blob's state; the office that sent the bytes may read it once it is
        complete (so may every office that sent part of this upload)."""
        with self.write():
            updated = PortalBlob.update(values).where(PortalBlob.sha256 == sha256).execute()
            if not updated:
                PortalBlob.create(sha256=sha256, created_at=now, **values)
            if agency and not BlobGrant.update(received=values["received"]).where(
                    BlobGrant.sha256 == sha256, BlobGrant.agency == agency).execute():
                BlobGrant.create(sha256=sha256, agency=agency, received=values["received"])
            if values.get("complete"):
                BlobGrant.update(complete=True, received=values["length"]).where(
                    BlobGrant.sha256 == sha256).execute()

    def put_blob(self, sha256: str, data: bytes, agency: str) -> None:
        """A whole blob at once (from an offline bundle of office ``agency``); it must
        hash to its name, so the office proves it holds the bytes."""
        if not P.is_sha256(sha256) or hashlib.sha256(data).hexdigest() != sha256:
            raise BlobError(422, f"blob {sha256[:12]}... does not hash to its name")
        with self._blob_lock(sha256):
            row = self.blob_state(sha256)
            if row is not None and row.complete:
                with self.write():
                    self.grant_blobs([sha256], agency)
                return
            if not 0 < len(data) <= self.max_blob_bytes:
                raise BlobError(413, f"blob {sha256[:12]}... is too large")
            path = self.blob_path(sha256)
            path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(path, data)
            self.blob_path(sha256, part=True).unlink(missing_ok=True)
            now = utcnow()
            self._save_blob(sha256, {"length": len(data), "received": len(data),
                                     "complete": True, "completed_at": now,
                                     "media_type": sniff_media_type(data[:16])}, now, agency)

    # --- changes, catalogue, portal-side edits ------------------------------------------

    def changes(self, device_id: str, since: int, limit: int) -> dict:
        """The device's office's changes after ``since`` (a device without an office
        sees none), without the ones this device pushed itself (no echo, issue #14
        item 5: after a large push the office does not download it all again). The
        cursor still moves past those, so a device whose feed is all its own changes
        is never left behind them; another device of the office gets them as usual."""
        agency = self.device_agency(device_id)
        office = (Change.agency == agency) & (Change.agency != "")
        # the newest change first: the writers are serialised (write()), so every change
        # up to it is committed and the rows read next hold all of them
        newest = Change.select(peewee.fn.MAX(Change.id)).where(office).scalar() or 0
        rows = list(Change.select().where(office, Change.id > since, Change.id <= newest,
                                          Change.origin != device_id)
                    .order_by(Change.id).limit(limit + 1))
        page = rows[:limit]
        more = len(rows) > limit
        return {
            "changes": [{"seq": r.id, "origin": r.origin, "version": r.version,
                         "dossier": json.loads(r.snapshot)} for r in page],
            # a full page: up to its last change; else past the device's own as well
            "cursor": page[-1].id if more else max(since, newest),
            "has_more": more,
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

    def get_dossier(self, uuid: str, agency: str | None = None) -> dict | None:
        """A dossier, if office ``agency`` (None: the operator) may read it: another
        office's dossier is unknown to it."""
        row = PortalDossier.get_or_none(PortalDossier.uuid == uuid)
        if row is None or (agency is not None and (not agency
                                                   or agency_of(row.code) != agency)):
            return None
        return json.loads(row.data)

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
        problem = dossier_problem(dossier)
        if problem:  # nothing malformed enters the feed
            raise P.SchemaError(problem)
        with self.write():
            # an online dossier comes with its scanned papers and its filled form, as
            # on the real portals; the blobs must already be here (admin upload)
            dossier.update(self._attachments(uuid, data, agency_of(dossier["code"])))
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

    def _attachments(self, uuid: str, data: dict, agency: str) -> dict:
        """The ``scanned_papers`` and ``form`` of an operator's request, checked (each
        only when given); P.SchemaError names what is wrong. The dossier's office
        ``agency`` may then read the pages. Call inside write()."""
        out: dict = {}
        if "scanned_papers" in data:
            papers = data["scanned_papers"]
            if not isinstance(papers, list):
                raise P.SchemaError("'scanned_papers' must be a list of papers")
            problem = papers_problem(papers, complete_blobs(
                page["sha256"] for page in pages_named({"papers": papers})))
            if problem:
                raise P.SchemaError(problem)
            out["scanned_papers"] = stored_papers(papers)
            if agency:
                self.grant_blobs((page["sha256"] for page in pages_named({"papers": papers})),
                                 agency)
        if "form" in data:
            form = data["form"]
            problem = form_problem({**form, "uuid": uuid}, uuid) if isinstance(form, dict) \
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
            changes = self._attachments(uuid, data, agency_of(row.code))
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

"""The reference portal's page files (blobs): resumable uploads, one per uploader, and
who may read a complete blob.

A blob is named by the SHA-256 of its bytes and stored once, complete
(``<blob dir>/<sha[:2]>/<sha>``, a :class:`PortalBlob` row). An upload under way belongs
to the device (or the operator) that sends it: its own :class:`BlobUpload` row and its
own ``.part`` file. So a second uploader of the same page — another office that knows
its hash, or this office's device enrolled again — neither adds bytes to the first
one's copy nor restarts it with another length (issue #18): each resumes its own, and
the first to send every byte that hashes right completes the blob. Reading is per
office (:class:`BlobGrant`): an office that sent the whole blob, or whose dossier names
it; an office that uploads a blob another office completed proves it holds the bytes
(each chunk compared with the stored file) before it may read or name it.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from contextlib import AbstractContextManager
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO, TYPE_CHECKING

from sadec_desk.files import atomic_write, fsync_dir
from sadec_desk.services.query_rows import tuple_rows
from sadec_desk.sync import protocol as P
from sadec_desk.sync.portal.models import BlobGrant, BlobUpload, PortalBlob, utcnow

#: largest chunk one PATCH may carry, and largest blob; bigger ones get 413
MAX_CHUNK_BYTES = P.MAX_CHUNK_BYTES
MAX_BLOB_BYTES = 64 * 1024 * 1024
#: an upload unfinished this long after its last chunk is dropped when the portal starts
ABANDONED_UPLOAD_AGE = timedelta(days=7)
#: the uploader name of the portal's operator (X-Admin-Key); devices go by their id
OPERATOR = "operator"


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


class BlobStore:
    """The blob half of :class:`~sadec_desk.sync.portal.store.PortalStore` (which gives
    it ``write()``, ``blob_dir``, the limits and the per-blob locks)."""

    blob_dir: Path | None
    max_chunk_bytes: int
    max_blob_bytes: int

    if TYPE_CHECKING:  # given by PortalStore (its docstrings say what they do)
        def write(self, office: str | None = None,
                  reads: list | None = None) -> AbstractContextManager: ...

        def blob_lock(self, sha256: str) -> AbstractContextManager: ...

    # --- where the bytes are ------------------------------------------------------------

    def blob_path(self, sha256: str, *, part: bool = False) -> Path:
        """The complete blob's file (``part``: where releases before per-uploader
        uploads kept an upload under way; only dropped now)."""
        if self.blob_dir is None:
            raise RuntimeError("this portal store was opened without a blob dir")
        folder = self.blob_dir / sha256[:2]
        return folder / (f"{sha256}.part" if part else sha256)

    def upload_path(self, sha256: str, uploader: str) -> Path:
        """The ``.part`` file of one uploader's upload (the uploader's name hashed: a
        device id never becomes a file name)."""
        tag = hashlib.sha256(uploader.encode()).hexdigest()[:16]
        return self.blob_path(sha256).with_name(f"{sha256}.{tag}.part")

    def blob_state(self, sha256: str) -> PortalBlob | None:
        """The complete blob (None while no uploader has finished it)."""
        row = PortalBlob.get_or_none(PortalBlob.sha256 == sha256)
        return row if row is not None and row.complete else None

    def upload_state(self, sha256: str, uploader: str) -> BlobUpload | None:
        return BlobUpload.get_or_none(BlobUpload.sha256 == sha256,
                                      BlobUpload.uploader == uploader)

    def _forget_uploads(self, sha256: str, where=None) -> int:
        """Delete uploads of ``sha256`` (all, or those ``where`` selects) and their files.
        Call with the blob's lock held."""
        query = BlobUpload.select().where(BlobUpload.sha256 == sha256)
        if where is not None:
            query = query.where(where)
        rows = list(query)
        if rows:
            with self.write():
                BlobUpload.delete().where(BlobUpload.id.in_([r.id for r in rows])).execute()
        for row in rows:
            with contextlib.suppress(FileNotFoundError):
                self.upload_path(sha256, row.uploader).unlink()
        return len(rows)

    def drop_abandoned_uploads(self, older_than: timedelta = ABANDONED_UPLOAD_AGE) -> int:
        """Forget uploads with no chunk for ``older_than`` (an office reinstalled, a page
        removed before it went up): their ``.part`` files would otherwise stay on the
        portal's disk for ever. An office still holding the page starts it again."""
        cutoff = utcnow() - older_than
        dropped = 0
        stale = {r.sha256 for r in BlobUpload.select(BlobUpload.sha256).where(
            BlobUpload.updated_at < cutoff)}
        for sha in stale:
            # the blob's lock first, as an upload takes it: a chunk arriving now waits
            with self.blob_lock(sha):
                dropped += self._forget_uploads(sha, BlobUpload.updated_at < cutoff)
        # a partial upload kept the way releases before per-uploader uploads did
        for (sha,) in tuple_rows(PortalBlob.select(PortalBlob.sha256).where(
                ~PortalBlob.complete, PortalBlob.created_at < cutoff)):
            with self.blob_lock(sha), self.write():
                gone = PortalBlob.delete().where(PortalBlob.sha256 == sha,
                                                 ~PortalBlob.complete).execute()
            if gone:
                with contextlib.suppress(FileNotFoundError):
                    self.blob_path(sha, part=True).unlink()
                dropped += 1
        return dropped

    # --- who may read ---------------------------------------------------------------------

    @staticmethod
    def may_read_blob(sha256: str, agency: str | None) -> bool:
        """Whether office ``agency`` (None: the operator) may read or name the blob."""
        if agency is None:
            return True
        return bool(agency) and BlobGrant.select().where(
            BlobGrant.sha256 == sha256, BlobGrant.agency == agency,
            BlobGrant.complete).exists()

    def blob_view(self, sha256: str, agency: str | None,
                  uploader: str = OPERATOR) -> tuple[bool, int, int | None]:
        """(complete, bytes held, length) of a blob as this uploader of office ``agency``
        sees it: its own upload under way, never another's; a blob another office
        completed is, to this one, an upload it has not finished yet."""
        row = self.blob_state(sha256)
        if row is None:
            upload = self.upload_state(sha256, uploader)
            return (False, upload.received, upload.length) if upload else (False, 0, None)
        if self.may_read_blob(sha256, agency):
            return True, row.length, row.length
        grant = BlobGrant.get_or_none(BlobGrant.sha256 == sha256, BlobGrant.agency == agency)
        return False, grant.received if grant else 0, row.length

    def grant_blobs(self, shas, agency: str) -> None:
        """Office ``agency`` may read these (complete) blobs: it sent them, or a dossier
        of its names them. Call inside write()."""
        for sha in set(shas):
            updated = BlobGrant.update(complete=True).where(
                BlobGrant.sha256 == sha, BlobGrant.agency == agency).execute()
            if not updated:
                BlobGrant.create(sha256=sha, agency=agency, complete=True)

    # --- uploads ---------------------------------------------------------------------------

    def _prove_chunk(self, row: PortalBlob, agency: str, offset: int, length: int,
                     body: IO[bytes], size: int) -> int:
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

    def write_chunk(self, sha256: str, offset: int, length: int, body: IO[bytes],
                    size: int, agency: str | None = None, uploader: str = OPERATOR) -> int:
        """Store ``size`` bytes of ``body`` at ``offset`` of ``uploader``'s upload of the
        blob for office ``agency`` (None: the operator); returns the new offset. On the
        last byte the whole file must hash to ``sha256`` (else 422 and this uploader's
        partial copy is dropped, so its next try starts from 0)."""
        if not P.is_sha256(sha256):
            raise BlobError(400, "the blob name must be a lower-case hex SHA-256")
        if length < 1 or length > self.max_blob_bytes:
            raise BlobError(413 if length > 0 else 400,
                            f"Upload-Length must be 1 to {self.max_blob_bytes} bytes")
        if size > self.max_chunk_bytes:
            raise BlobError(413, f"a chunk may carry at most {self.max_chunk_bytes} bytes")
        with self.blob_lock(sha256):
            row = self.blob_state(sha256)
            if row is not None:
                if self.may_read_blob(sha256, agency):
                    return row.length  # already here: nothing to add, nothing to check
                return self._prove_chunk(row, agency or "", offset, length, body, size)
            upload = self.upload_state(sha256, uploader)
            held = upload.received if upload is not None else 0
            if upload is not None and upload.length != length:
                if offset != 0:
                    # only a fresh start (offset 0) may replace this uploader's copy
                    raise BlobError(409, "Upload-Length differs from the upload in progress",
                                    0)
                held = 0
            if offset != held:
                raise BlobError(409, f"Upload-Offset must be {held}", held)
            if offset + size > length:
                raise BlobError(400, "the chunk goes past Upload-Length", held)
            part = self.upload_path(sha256, uploader)
            received, head = self._write_part(part, offset, size, body, held)
            now = utcnow()
            if received < length:
                self._save_upload(sha256, uploader, agency, length, received, now)
                return received
            if not self._hashes_to(part, sha256):
                part.unlink(missing_ok=True)
                self._forget_uploads(sha256, BlobUpload.uploader == uploader)
                raise BlobError(422, "the bytes received do not hash to the blob's "
                                "SHA-256: the upload was dropped, send it again from 0", 0)
            final = self.blob_path(sha256)
            os.replace(part, final)
            fsync_dir(final.parent)
            self._complete(sha256, length, head, now, agency)
            return received

    @staticmethod
    def _write_part(part: Path, offset: int, size: int, body: IO[bytes],
                    held: int) -> tuple[int, bytes]:
        """Write the chunk into the upload's ``.part`` file at ``offset``: (the offset
        now held, the file's first bytes)."""
        part.parent.mkdir(parents=True, exist_ok=True)
        # not sadec_desk.files' temp-and-rename: the .part file is the resumable upload
        # itself, written in place at the confirmed offset across requests (and across
        # portal restarts); only the finished file is renamed into place
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
            handle.seek(0)
            head = handle.read(16)
        if left:
            raise BlobError(400, "the body is shorter than its Content-Length", held)
        return offset + size, head

    @staticmethod
    def _hashes_to(path: Path, sha256: str) -> bool:
        digest = hashlib.sha256()
        with open(path, "rb") as handle:
            while data := handle.read(1 << 20):
                digest.update(data)
        return digest.hexdigest() == sha256

    def _save_upload(self, sha256: str, uploader: str, agency: str | None, length: int,
                     received: int, now: datetime) -> None:
        with self.write():
            values = {"length": length, "received": received, "updated_at": now,
                      "agency": agency or ""}
            if not BlobUpload.update(values).where(BlobUpload.sha256 == sha256,
                                                   BlobUpload.uploader == uploader).execute():
                BlobUpload.create(sha256=sha256, uploader=uploader, created_at=now, **values)

    def _complete(self, sha256: str, length: int, head: bytes, now: datetime,
                  agency: str | None) -> None:
        """The blob is whole (its file in place): recorded, readable by the office that
        sent it (only that one), every other upload of it dropped."""
        values = {"length": length, "received": length, "complete": True,
                  "completed_at": now, "media_type": sniff_media_type(head)}
        with self.write():
            if not PortalBlob.update(values).where(PortalBlob.sha256 == sha256).execute():
                PortalBlob.create(sha256=sha256, created_at=now, **values)
            if agency:
                self.grant_blobs([sha256], agency)
                BlobGrant.update(received=length).where(BlobGrant.sha256 == sha256,
                                                        BlobGrant.agency == agency).execute()
        self._forget_uploads(sha256)
        with contextlib.suppress(FileNotFoundError):
            self.blob_path(sha256, part=True).unlink()

    def put_blob(self, sha256: str, data: bytes, agency: str) -> None:
        """A whole blob at once (from an offline bundle of office ``agency``); it must
        hash to its name, so the office proves it holds the bytes."""
        if not P.is_sha256(sha256) or hashlib.sha256(data).hexdigest() != sha256:
            raise BlobError(422, f"blob {sha256[:12]}... does not hash to its name")
        with self.blob_lock(sha256):
            if self.blob_state(sha256) is not None:
                with self.write():
                    self.grant_blobs([sha256], agency)
                return
            if not 0 < len(data) <= self.max_blob_bytes:
                raise BlobError(413, f"blob {sha256[:12]}... is too large")
            path = self.blob_path(sha256)
            path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(path, data)
            self._complete(sha256, len(data), data[:16], utcnow(), agency)

"""The failures of synchronisation, as every adapter and the engine raise and read them.

The engine decides what to do by class: a :class:`TransientError` keeps the rows for the
next run (with backoff), :class:`AuthExpired` gets a new token and tries once more,
:class:`Refused` rejects what was sent; the upload-only ones say where to resume.
"""

from __future__ import annotations

from sadec_desk.errors import UserError


class SyncError(UserError):
    code = "sync"


class TransientError(SyncError):
    """Network down, timeout, 5xx, an unreadable answer: keep the rows, try later."""

    code = "sync_transient"


class AuthExpired(SyncError):
    """401: the token expired or was revoked; refresh it and try again."""

    code = "sync_auth"


class Refused(SyncError):
    """4xx other than 401: the portal refuses this request as it is."""

    code = "sync_refused"

    def __init__(self, message: str, status: int):
        super().__init__(message)
        self.status = status


class OffsetMismatch(SyncError):
    """409 to a chunk: the portal holds another number of bytes; resume from there."""

    code = "sync_offset"

    def __init__(self, message: str, offset: int | None):
        super().__init__(message)
        self.offset = offset


class BlobCorrupted(SyncError):
    """422 to the last chunk: the bytes received do not hash to the blob's name."""

    code = "sync_blob_corrupted"

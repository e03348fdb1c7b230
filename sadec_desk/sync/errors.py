"""The failures of synchronisation, as every adapter and the engine raise and read them.

The engine decides what to do by class: a :class:`TransientError` keeps the rows for the
next run (with backoff), :class:`AuthExpired` gets a new token and tries once more,
:class:`Refused` rejects what was sent; the upload-only ones say where to resume.
"""

from __future__ import annotations

import logging
import socket
import ssl

from sadec_desk.errors import UserError
from sadec_desk.i18n import _

log = logging.getLogger(__name__)


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


def _causes(exc: BaseException):
    """The exception and what it was raised from (httpx wraps httpcore, which wraps the
    socket's or ssl's own error)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _certificate_problem(error: ssl.SSLCertVerificationError) -> str:
    text = f"{error.verify_message or ''} {error}".lower()
    if "expired" in text:
        return _("chứng chỉ đã hết hạn")
    if "mismatch" in text:
        return _("chứng chỉ không đúng tên máy chủ")
    return _("chứng chỉ không do nơi cấp mà máy này tin cậy cấp")


def transport_failure(exc: BaseException, host: str, *, portal: str) -> TransientError:
    """A failed connection as one sentence a person can act on (issue #17: a raw
    ``ConnectError: [SSL: CERTIFICATE_VERIFY_FAILED] …`` reached the enrolment window).

    ``portal`` names the far end as the reader knows it ("cổng dịch vụ", "cổng trục");
    the technical text goes to the log for whoever debugs it.
    """
    log.info("connection to %s failed: %r", host, exc)
    for cause in _causes(exc):
        if isinstance(cause, ssl.SSLCertVerificationError):
            return TransientError(
                _("Không tin được kết nối bảo mật với {portal} {host}: {problem}. Hãy kiểm tra "
                  "địa chỉ; nếu đơn vị vận hành cổng cấp tệp chứng chỉ gốc (CA), chọn tệp đó "
                  "trong cài đặt đồng bộ (sync.ca_bundle).")
                .format(portal=portal, host=host, problem=_certificate_problem(cause)))
        if isinstance(cause, ssl.SSLError):
            return TransientError(
                _("Không mở được kết nối bảo mật (https) với {portal} {host}: địa chỉ này có "
                  "thể không dùng https, hoặc sai cổng (port).")
                .format(portal=portal, host=host))
        if isinstance(cause, socket.gaierror):
            return TransientError(
                _("Không tìm thấy máy chủ {host}: hãy kiểm tra địa chỉ {portal} và mạng của "
                  "máy này.").format(portal=portal, host=host))
        if isinstance(cause, ConnectionRefusedError):
            return TransientError(
                _("Máy chủ {host} không nhận kết nối: địa chỉ hoặc cổng (port) sai, hoặc "
                  "{portal} chưa chạy.").format(portal=portal, host=host))
    return TransientError(
        _("Không kết nối được {portal} {host}: máy này có thể đang mất mạng, hoặc kết nối bị "
          "ngắt giữa chừng; sẽ thử lại sau.").format(portal=portal, host=host))

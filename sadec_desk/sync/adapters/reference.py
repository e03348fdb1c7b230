"""HTTP client of the reference portal (httpx), with the failure classes the engine needs.

Timeouts are always bounded and TLS certificates always verified (a custom CA
bundle may be configured, never turned off). Every answer is checked against the
protocol before anyone uses it (sync/protocol.py).
"""

from __future__ import annotations

import hashlib
import json
import ssl
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import urlsplit

import httpx

from sadec_desk.errors import UserError
from sadec_desk.i18n import _
from sadec_desk.sync import protocol as P


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


def tls_verify(ca_bundle: str) -> ssl.SSLContext | bool:
    """Always verify; with a bundle, trust exactly the CAs in it."""
    if not ca_bundle:
        return True
    path = Path(ca_bundle)
    if not path.is_file():
        raise SyncError(_("Không tìm thấy tệp chứng chỉ CA '{path}' (thiết lập sync.ca_bundle). "
                          "Sửa đường dẫn hoặc để trống để dùng kho chứng chỉ của hệ thống."
                          ).format(path=ca_bundle))
    try:
        return ssl.create_default_context(cafile=str(path))
    except (ssl.SSLError, OSError) as exc:
        raise SyncError(_("Tệp chứng chỉ CA '{path}' không đọc được ({error}).").format(
            path=ca_bundle, error=exc)) from None


LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


def check_portal_url(url: str) -> None:
    """https:// only; plain http:// is allowed to this machine (rehearsals, tests),
    never across a network where the device token would travel in clear."""
    parsed = urlsplit(url)
    if parsed.scheme == "https" and parsed.hostname:
        return
    if parsed.scheme == "http" and parsed.hostname in LOOPBACK_HOSTS:
        return
    raise SyncError(_("Địa chỉ cổng '{url}' không dùng được: cần dạng https://tên-máy "
                      "(http:// chỉ dùng cho cổng thử nghiệm trên chính máy này).").format(url=url))


class PortalClient:
    def __init__(self, base_url: str, *, timeout: float, ca_bundle: str = "",
                 token: str = ""):
        check_portal_url(base_url)
        self.token = token
        self.http = httpx.Client(
            base_url=base_url.rstrip("/"), verify=tls_verify(ca_bundle),
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
            headers={"User-Agent": "sadec-desk-sync"}, follow_redirects=False)

    def close(self) -> None:
        self.http.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _send(self, method: str, path: str, *, auth: bool = True,
              headers: dict | None = None, **kwargs) -> httpx.Response:
        """One request; transport failures, 401 and 5xx become the engine's errors."""
        headers = dict(headers or {})
        if auth:
            headers["Authorization"] = f"Bearer {self.token}"
        try:
            response = self.http.request(method, P.API + path, headers=headers, **kwargs)
        except httpx.TimeoutException:
            raise TransientError(_("Cổng dịch vụ không trả lời kịp (quá thời gian chờ).")) \
                from None
        except httpx.HTTPError as exc:
            raise TransientError(_("Không kết nối được cổng dịch vụ ({error}).").format(
                error=type(exc).__name__ + (f": {exc}" if str(exc) else ""))) from None
        if response.status_code == 401:
            raise AuthExpired(_("Phiên đăng nhập cổng đã hết hạn."))
        if response.status_code >= 500:
            raise TransientError(_("Cổng dịch vụ đang lỗi (HTTP {status}).").format(
                status=response.status_code))
        return response

    def _call(self, method: str, path: str, *, auth: bool = True, **kwargs) -> Any:
        response = self._send(method, path, auth=auth, **kwargs)
        try:
            answer = response.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise TransientError(_("Cổng dịch vụ trả lời không phải JSON hợp lệ (HTTP {status})."
                                   ).format(status=response.status_code)) from None
        if response.status_code >= 400:
            message = answer.get("error") if isinstance(answer, dict) else None
            raise Refused(str(message or f"HTTP {response.status_code}"), response.status_code)
        if response.status_code != 200:
            raise TransientError(_("Cổng dịch vụ trả lời bất thường (HTTP {status}).").format(
                status=response.status_code))
        return answer

    @staticmethod
    def _checked(check, *args):
        try:
            return check(*args)
        except P.SchemaError as exc:
            raise TransientError(_("Cổng dịch vụ trả lời sai định dạng ({error}).").format(
                error=exc)) from None

    def enrol(self, code: str, name: str, agency_code: str = "") -> dict:
        answer = self._call("POST", "/devices/enrol", auth=False,
                            json={"code": code, "name": name, "agency_code": agency_code})
        for key in ("device_id", "device_key", "token", "expires_at"):
            if not isinstance(answer.get(key), str):
                raise TransientError(_("Cổng dịch vụ trả lời đăng ký thiết bị sai định dạng."))
        return answer

    def refresh_token(self, device_id: str, device_key: str) -> dict:
        answer = self._call("POST", "/devices/token", auth=False,
                            json={"device_id": device_id, "device_key": device_key})
        if not isinstance(answer.get("token"), str):
            raise TransientError(_("Cổng dịch vụ trả lời cấp phiên sai định dạng."))
        return answer

    def push(self, ops: list[dict]) -> list[dict]:
        answer = self._call("POST", "/push", json={"ops": ops})
        return self._checked(P.check_push_answer, answer, [o["op_id"] for o in ops])

    def send_bundle(self, bundle: dict) -> list[dict]:
        answer = self._call("POST", "/bundles", json=bundle)
        return self._checked(P.check_push_answer, answer, [o["op_id"] for o in bundle["ops"]])

    def changes(self, since: int, limit: int) -> dict:
        answer = self._call("GET", "/changes", params={"since": since, "limit": limit})
        return self._checked(P.check_changes_page, answer)

    def procedures(self) -> list[dict]:
        return self._checked(P.check_procedures, self._call("GET", "/procedures"))

    # --- blobs (scanned pages): resumable upload ---

    @staticmethod
    def _offset(response: httpx.Response) -> int | None:
        try:
            value = int(response.headers.get(P.UPLOAD_OFFSET, ""))
        except ValueError:
            return None
        return value if value >= 0 else None

    @staticmethod
    def _error_of(response: httpx.Response) -> str:
        try:
            answer = response.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            return f"HTTP {response.status_code}"
        return str(answer.get("error") if isinstance(answer, dict) else answer)

    def blob_offset(self, sha256: str) -> int | None:
        """Bytes of the blob the portal already holds; ``None`` when it holds all of it."""
        response = self._send("HEAD", f"/blobs/{sha256}")
        if response.status_code == 200:
            return None
        offset = self._offset(response)
        if response.status_code == 404 and offset is not None:
            return offset
        if 400 <= response.status_code < 500 and response.status_code != 404:
            raise Refused(f"HTTP {response.status_code}", response.status_code)
        raise TransientError(_("Cổng dịch vụ trả lời bất thường về tệp trang (HTTP {status})."
                               ).format(status=response.status_code))

    def upload_chunk(self, sha256: str, offset: int, length: int, data: bytes) -> int:
        """Send ``data`` as the bytes from ``offset`` of a blob of ``length`` bytes;
        returns the offset the portal now holds."""
        response = self._send("PATCH", f"/blobs/{sha256}", content=data, headers={
            P.UPLOAD_OFFSET: str(offset), P.UPLOAD_LENGTH: str(length),
            "Content-Type": "application/offset+octet-stream"})
        status = response.status_code
        if status in (200, 204):
            held = self._offset(response)
            if held is None:
                raise TransientError(_("Cổng dịch vụ không cho biết đã nhận bao nhiêu byte."))
            return held
        if status == 409:
            raise OffsetMismatch(self._error_of(response), self._offset(response))
        if status == 422:
            raise BlobCorrupted(self._error_of(response))
        if 400 <= status < 500:
            raise Refused(self._error_of(response), status)
        raise TransientError(_("Cổng dịch vụ trả lời bất thường về tệp trang (HTTP {status})."
                               ).format(status=status))

    def download_blob(self, sha256: str, out: BinaryIO, limit: int) -> str:
        """Stream a complete blob into ``out``; returns the SHA-256 (hex) of the bytes
        received, for the caller to compare with the name. More than ``limit`` bytes is
        a damaged answer: the reading stops there. A dropped connection mid-body is a
        TransientError (the caller throws the partial file away)."""
        digest = hashlib.sha256()
        try:
            with self.http.stream("GET", P.API + f"/blobs/{sha256}", headers={
                    "Authorization": f"Bearer {self.token}"}) as response:
                if response.status_code == 401:
                    raise AuthExpired(_("Phiên đăng nhập cổng đã hết hạn."))
                if response.status_code >= 500:
                    raise TransientError(_("Cổng dịch vụ đang lỗi (HTTP {status}).").format(
                        status=response.status_code))
                if response.status_code != 200:
                    response.read()
                    raise Refused(self._error_of(response), response.status_code)
                received = 0
                for data in response.iter_bytes(1 << 16):
                    received += len(data)
                    if received > limit:
                        break
                    digest.update(data)
                    out.write(data)
        except httpx.TimeoutException:
            raise TransientError(_("Cổng dịch vụ không trả lời kịp (quá thời gian chờ).")) \
                from None
        except httpx.HTTPError as exc:
            raise TransientError(_("Không kết nối được cổng dịch vụ ({error}).").format(
                error=type(exc).__name__ + (f": {exc}" if str(exc) else ""))) from None
        return digest.hexdigest()

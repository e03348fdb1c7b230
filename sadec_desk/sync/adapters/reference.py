"""The reference portal adapter: its HTTP client (httpx) and the adapter the engine uses.

:class:`PortalClient` speaks the protocol (sync/protocol.py, docs/portal-openapi.json):
timeouts are always bounded and TLS certificates always verified (a custom CA bundle
may be configured, never turned off), and every answer is checked against the protocol
before anyone uses it. :class:`ReferenceAdapter` is the :class:`SyncAdapter` over it:
the device token from the sync state, refreshed with the device key on a 401, and the
resumable upload of page files.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import IO, TYPE_CHECKING, Any

import httpx

from sadec_desk.i18n import _
from sadec_desk.sync import protocol as P
from sadec_desk.sync.adapters.base import check_portal_url, tls_verify
from sadec_desk.sync.errors import (
    AuthExpired,
    BlobCorrupted,
    OffsetMismatch,
    Refused,
    SyncError,
    TransientError,
    transport_failure,
)
from sadec_desk.sync.state import get_state, set_state

if TYPE_CHECKING:
    from sadec_desk.services.context import AppContext

#: chunks re-sent after a 409/422 within one blob upload before the run gives up
MAX_UPLOAD_SETBACKS = 5


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
            raise transport_failure(exc, self.http.base_url.host,
                                    portal=_("cổng dịch vụ")) from None
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

    def enrol(self, code: str, name: str, agency_code: str = "", nonce: str = "") -> dict:
        """Exchange the code for a device identity; ``nonce`` makes a repeat after a
        lost answer return the same device (portal: same code, same nonce)."""
        answer = self._call("POST", "/devices/enrol", auth=False,
                            json={"code": code, "name": name, "agency_code": agency_code,
                                  "nonce": nonce})
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

    # --- the office's audit anchor (sync/office_anchor.py, sync/portal/anchors.py) ---

    def office_anchor(self) -> dict:
        """What the portal holds for this device's office (GET /v1/anchor)."""
        return self._call("GET", "/anchor")

    def acknowledge_anchor(self, head: dict) -> tuple[bool, dict]:
        """Send the chain head (POST /v1/anchor): (acknowledged, what the portal holds);
        a 409 (the head does not extend the acknowledged one) is (False, its anchor)."""
        response = self._send("POST", "/anchor", json=head)
        if response.status_code == 409:
            try:
                answer = response.json()
            except (json.JSONDecodeError, UnicodeDecodeError):
                answer = None
            if isinstance(answer, dict) and isinstance(answer.get("anchor"), dict):
                return False, answer["anchor"]
        if response.status_code >= 400:
            raise Refused(self._error_of(response), response.status_code)
        try:
            answer = response.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise TransientError(_("Cổng dịch vụ trả lời không phải JSON hợp lệ (HTTP {status})."
                                   ).format(status=response.status_code)) from None
        return True, answer

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

    def download_blob(self, sha256: str, out: IO[bytes], limit: int) -> str:
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
            raise transport_failure(exc, self.http.base_url.host,
                                    portal=_("cổng dịch vụ")) from None
        return digest.hexdigest()


class ReferenceAdapter:
    """The reference portal API (sync/portal/, docs/portal-openapi.json) as a
    :class:`~sadec_desk.sync.adapters.base.SyncAdapter`: push, pull and page files."""

    name = "reference"
    supports_pull = True

    def __init__(self, ctx: AppContext):
        config = ctx.config
        self.ctx = ctx
        self.client = PortalClient(config["sync.portal_url"],
                                   timeout=float(config["sync.timeout_seconds"]),
                                   ca_bundle=config["sync.ca_bundle"],
                                   token=get_state("token"))

    def close(self) -> None:
        self.client.close()

    def _refresh(self) -> None:
        device_id, key = get_state("device_id"), get_state("device_key")
        if not device_id:
            raise SyncError(_("Máy này chưa đăng ký với cổng dịch vụ. Chạy 'sadec-desk sync "
                              "enrol --portal URL --code MÃ' với mã do quản trị cổng cấp."))
        answer = self.client.refresh_token(device_id, key)
        self.client.token = answer["token"]
        with self.ctx.database.atomic():
            set_state(self.ctx, "token", answer["token"])
            set_state(self.ctx, "token_expires_at", str(answer.get("expires_at", "")))

    def authorised(self, call: Callable, *args):
        """Call; on 401 get a new token with the device key and call once more."""
        try:
            return call(*args)
        except AuthExpired:
            self._refresh()
            return call(*args)

    def push(self, ops: list[dict]) -> list[dict]:
        return self.authorised(self.client.push, ops)

    def changes(self, since: int, limit: int) -> dict:
        return self.authorised(self.client.changes, since, limit)

    def procedures(self) -> list[dict]:
        return self.authorised(self.client.procedures)

    def send_bundle(self, bundle: dict) -> list[dict]:
        return self.authorised(self.client.send_bundle, bundle)

    #: the portal keeps the office's audit chain head (sync/office_anchor.py)
    keeps_anchor = True

    def office_anchor(self) -> dict:
        return self.authorised(self.client.office_anchor)

    def acknowledge_anchor(self, head: dict) -> tuple[bool, dict]:
        return self.authorised(self.client.acknowledge_anchor, head)

    #: the engine uploads the blobs a ``dossier.pages`` op names before pushing it
    uploads_blobs = True

    def upload_blob(self, sha256: str, data: bytes, chunk_bytes: int) -> int:
        """Upload one blob from where the portal's copy ends; returns the bytes sent
        (0 when the portal already holds it all; chunks sent again count again). A
        dropped connection, a timeout or a 5xx raises TransientError: the portal keeps
        what it confirmed and the next run resumes from its offset."""
        offset = self.authorised(self.client.blob_offset, sha256)
        sent = setbacks = 0
        while offset is not None and offset < len(data):
            chunk = data[offset:offset + max(1, chunk_bytes)]
            try:
                offset = self.authorised(self.client.upload_chunk, sha256, offset, len(data),
                                         chunk)
                continue
            except OffsetMismatch as exc:
                # our idea of the offset is stale (an answer was lost, or another
                # machine is sending the same page): go on from the portal's
                offset = exc.offset if exc.offset is not None else self.authorised(
                    self.client.blob_offset, sha256)
            except BlobCorrupted:
                offset = 0  # the portal dropped its partial copy: send the page whole again
            finally:
                sent += len(chunk)  # sent, whatever became of it
            setbacks += 1
            if setbacks > MAX_UPLOAD_SETBACKS:
                raise TransientError(_("Tải tệp trang {sha}… lên cổng chưa được sau {n} lần "
                                       "gửi lại; sẽ thử lại lần đồng bộ sau.").format(
                    sha=sha256[:12], n=setbacks - 1))
        return sent

    def download_blob(self, sha256: str, out: IO[bytes], limit: int) -> str:
        """Stream a page of an online dossier into ``out``; returns its SHA-256."""
        return self.authorised(self.client.download_blob, sha256, out, limit)


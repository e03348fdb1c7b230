"""The wire to the provincial gateway: the three envelopes, the login session, answers.

What real clients send (docs/sync.md "Kết nối LGSP / DVCQG"; the facts and their sources
in gateway-facts.md): the transport differs from one gateway to another, the records do
not. ``sync.gateway_envelope`` picks one of the three seen:

- ``service-in-body`` (OpenCPS): one endpoint; the body names the service and carries
  ``session``, ``madonvi``, ``isUpdating`` ("True"/"False", strings) and ``data`` (a list);
  the other DVCQG services (``TraCuuHoSo``, ``LayThuTuc``) go the same way;
- ``url-per-service`` (Thanh Hóa): configured create / update / progress URLs, each
  taking a bare JSON array;
- ``query`` (Hà Giang): the DongBoHoSoMC path with ``MaDinhDanhDV`` and ``isUpdating``
  in the query string and a bare array as the body.

The session of a login (``sync.gateway_auth_url``, body ``{username, password}``,
answer ``error_code`` 0 + ``session``) travels in the body of ``service-in-body`` calls;
OpenCPS reuses it for 10 minutes, so it is renewed that often, and once more when an
answer says it is not valid (no source shows what that answer looks like: an HTTP 401 or
403, or a message speaking of the session, are taken as that).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import httpx

from sadec_desk.i18n import _
from sadec_desk.sync.adapters.base import check_portal_url, tls_verify
from sadec_desk.sync.errors import SyncError, TransientError, transport_failure

if TYPE_CHECKING:
    from sadec_desk.services.context import AppContext

ENVELOPES = ("service-in-body", "url-per-service", "query")
#: how long a session is reused before logging in again (OpenCPS AccessTokenLocalServiceImpl)
SESSION_LIFETIME = timedelta(minutes=10)
#: words of an answer saying the session is not (or no longer) valid
_SESSION_WORDS = re.compile(r"session|phiên", re.IGNORECASE)
_INVALID_WORDS = re.compile(r"hết hạn|không hợp lệ|invalid|expired|không tồn tại",
                            re.IGNORECASE)
ALREADY_EXISTS = "đã tồn tại"
#: error codes that, with "đã tồn tại", mean "this MaHoSo is already there" (Thanh Hóa)
_EXISTS_CODES = frozenset({0, 3, -3})


def error_number(value: Any) -> int | None:
    """``error_code`` read leniently: 0, "0", "00", " 3", "-3" → the number; else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and re.fullmatch(r"\s*-?\d{1,9}\s*", value):
        return int(value)
    return None


@dataclass(frozen=True)
class Answer:
    """One gateway answer: ``ok`` when ``error_code`` is 0 (as a number or a string)."""

    ok: bool
    code: str
    message: str
    result: list = field(default_factory=list)
    session: str = ""

    @property
    def exists(self) -> bool:
        """A create refused because the dossier is already there: send it as an update."""
        return (error_number(self.code) in _EXISTS_CODES
                and ALREADY_EXISTS in self.message.casefold())

    @property
    def session_invalid(self) -> bool:
        return (not self.ok and bool(_SESSION_WORDS.search(self.message))
                and bool(_INVALID_WORDS.search(self.message)))

    def refusal(self) -> str:
        """What is kept with a refused operation: the gateway's own words and code."""
        text = self.message.strip() or _("(không có nội dung)")
        return _("Cổng trục từ chối (mã lỗi {code}): {message}").format(
            code=self.code or "?", message=text[:500])


def read_answer(response: httpx.Response) -> Answer:
    """An HTTP answer as an :class:`Answer`; a 5xx or an unreadable answer is transient."""
    if response.status_code >= 500:
        raise TransientError(_("Cổng trục đang lỗi (HTTP {status}).").format(
            status=response.status_code))
    text = response.text
    try:
        body = json.loads(text) if text.strip() else None
    except ValueError:
        body = None
    if response.status_code in (401, 403):
        message = body.get("message", "") if isinstance(body, dict) else text
        # worded so that Answer.session_invalid sees it (a new login, then the same call)
        return Answer(False, str(response.status_code),
                      _("Phiên đăng nhập không hợp lệ (HTTP {status}): {message}").format(
                          status=response.status_code, message=message)[:500])
    if not isinstance(body, dict):
        # Thanh Hóa reads the progress answer as plain text and looks for "thành công"
        if "thành công" in text.casefold():
            return Answer(True, "0", text.strip()[:500])
        if response.status_code >= 400:
            return Answer(False, str(response.status_code), text.strip()[:500])
        raise TransientError(_("Cổng trục trả lời không đọc được (không phải JSON có "
                               "error_code)."))
    message = body.get("message")
    message = message if isinstance(message, str) else ("" if message is None else str(message))
    number = error_number(body.get("error_code"))
    if number is None:
        if "thành công" in message.casefold() and response.status_code < 400:
            return Answer(True, "0", message)
        if response.status_code >= 400:
            return Answer(False, str(response.status_code), message)
        raise TransientError(_("Cổng trục trả lời thiếu error_code (nội dung: {text}).")
                             .format(text=text[:120]))
    result = body.get("result")
    session = body.get("session")
    return Answer(number == 0 and response.status_code < 400, str(body.get("error_code")).strip(),
                  message, result if isinstance(result, list) else [],
                  session if isinstance(session, str) else "")


class GatewaySession:
    """Sends DongBoHoSoMC / CapNhatTienDoHoSoMC and the query services in the envelope
    the settings name, logging in when needed."""

    def __init__(self, ctx: AppContext, password: str):
        config = ctx.config
        self.ctx = ctx
        self.envelope = config["sync.gateway_envelope"]
        if self.envelope not in ENVELOPES:
            raise SyncError(_("Thiết lập sync.gateway_envelope = '{value}' không hợp lệ: chọn "
                              "một trong {known}.").format(value=self.envelope,
                                                          known=", ".join(ENVELOPES)))
        self.url = config["sync.gateway_url"]
        self.auth_url = config["sync.gateway_auth_url"]
        self.create_url = config["sync.gateway_create_url"]
        self.update_url = config["sync.gateway_update_url"]
        self.progress_url = config["sync.gateway_progress_url"]
        needed = {"service-in-body": ("sync.gateway_url", "sync.gateway_auth_url"),
                  "url-per-service": ("sync.gateway_create_url", "sync.gateway_update_url",
                                      "sync.gateway_progress_url"),
                  "query": ("sync.gateway_url",)}[self.envelope]
        missing = [key for key in needed if not config[key]]
        if missing:
            raise SyncError(_("Chưa cấu hình cổng trục tỉnh: thiếu {keys} (kiểu kết nối "
                              "'{envelope}').").format(keys=", ".join(missing),
                                                        envelope=self.envelope))
        for key in ("sync.gateway_url", "sync.gateway_auth_url", "sync.gateway_create_url",
                    "sync.gateway_update_url", "sync.gateway_progress_url"):
            if config[key]:
                check_portal_url(config[key])
        self.username = config["sync.gateway_username"]
        self.password = password
        if self.logs_in and (not self.username or not self.password):
            raise SyncError(_("Chưa có tài khoản cổng trục: đặt sync.gateway_username và chạy "
                              "'sadec-desk sync gateway-login --password-stdin'."))
        self.unit_code = config["sync.gateway_unit_code"] or config["office.agency_code"]
        headers = {"Accept": "application/json", "Charset": "utf-8"}
        if config["sync.gateway_dstcode"]:
            headers["dstcode"] = config["sync.gateway_dstcode"]
        self.http = httpx.Client(headers=headers, verify=tls_verify(config["sync.ca_bundle"]),
                                 timeout=httpx.Timeout(float(config["sync.timeout_seconds"])))
        self.session = ""
        self.session_at: datetime | None = None  # when the session was given
        self.logins = 0

    @property
    def logs_in(self) -> bool:
        """Only the service-in-body envelope carries a session (the other two clients show
        no login: their gateways trust the office's network)."""
        return self.envelope == "service-in-body"

    @property
    def has_queries(self) -> bool:
        """TraCuuHoSo and LayThuTuc are services of the one endpoint (service-in-body)."""
        return self.envelope == "service-in-body"

    def close(self) -> None:
        self.http.close()

    # --- HTTP ---

    def _post(self, url: str, body: Any, params: dict | None = None) -> Answer:
        try:
            response = self.http.post(url, json=body, params=params)
        except httpx.TimeoutException:
            raise TransientError(_("Cổng trục không trả lời kịp (quá thời gian chờ).")) from None
        except httpx.HTTPError as exc:
            raise transport_failure(exc, httpx.URL(url).host, portal=_("cổng trục")) from None
        answer = read_answer(response)
        if answer.session_invalid and not self.logs_in:
            # no login in this envelope: the gateway refuses this office, not one dossier
            raise SyncError(_("Cổng trục từ chối truy cập (HTTP {code}): hỏi đơn vị vận hành "
                              "trục tỉnh xem máy này có được phép gửi không.").format(
                                  code=answer.code))
        return answer

    def login(self) -> None:
        answer = self._post(self.auth_url, {"username": self.username, "password": self.password})
        if not answer.ok or not answer.session:
            raise SyncError(_("Cổng trục từ chối đăng nhập ({message}). Kiểm tra "
                              "sync.gateway_username và chạy lại 'sadec-desk sync gateway-login "
                              "--password-stdin'.").format(message=answer.message or answer.code))
        self.session, self.session_at = answer.session, self.ctx.now()
        self.logins += 1

    def _session(self) -> str:
        if not self.logs_in:
            return ""
        if not self.session or self.session_at is None \
                or self.ctx.now() - self.session_at >= SESSION_LIFETIME:
            self.login()
        return self.session

    def _service(self, service: str, **fields) -> Answer:
        """One call of the one endpoint; a session said to be invalid is renewed once."""
        def body() -> dict:
            return {"session": self._session(), "madonvi": self.unit_code, "service": service,
                    **fields}

        answer = self._post(self.url, body())
        if answer.session_invalid:
            self.session = ""
            answer = self._post(self.url, body())
            if answer.session_invalid:  # a fresh session refused too: nothing will go
                raise SyncError(_("Cổng trục vẫn báo phiên đăng nhập không hợp lệ ngay sau "
                                  "khi đăng nhập lại ({message}).").format(
                                      message=answer.message[:200]))
        return answer

    # --- the services ---

    def send_records(self, records: list[dict], *, updating: bool) -> Answer:
        """DongBoHoSoMC: create (``updating`` False) or update the dossiers."""
        flag = "True" if updating else "False"
        if self.envelope == "service-in-body":
            return self._service("DongBoHoSoMC", isUpdating=flag, data=records)
        if self.envelope == "url-per-service":
            return self._post(self.update_url if updating else self.create_url, records)
        return self._post(self.url, records, params={"MaDinhDanhDV": self.unit_code,
                                                     "isUpdating": flag})

    @property
    def sends_progress(self) -> bool:
        """The Hà Giang client sends no progress: with the ``query`` envelope progress goes
        only to a configured ``sync.gateway_progress_url``."""
        return self.envelope != "query" or bool(self.progress_url)

    def send_progress(self, entries: list[dict]) -> Answer:
        """CapNhatTienDoHoSoMC: a list of progress entries."""
        if self.envelope == "service-in-body":
            return self._service("CapNhatTienDoHoSoMC", data=entries)
        return self._post(self.progress_url, entries)

    def lookup_dossier(self, code: str) -> Answer:
        """TraCuuHoSo: ``result`` lists the dossier when the gateway holds it."""
        return self._service("TraCuuHoSo", mahoso=code)

    def find_dossier(self, code: str) -> bool:
        """Does the gateway hold this MaHoSo (a non-empty ``result``)? A refused lookup
        (a gateway without TraCuuHoSo, say) counts as no: the create that follows is
        answered "đã tồn tại" if the dossier is there after all."""
        return bool(self.lookup_dossier(code).result)

    def procedure(self, code: str) -> Answer:
        """LayThuTuc: the national catalogue's entry of a procedure (``result[0]``)."""
        return self._service("LayThuTuc", maTTHC=code)

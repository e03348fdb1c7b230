"""The reference portal protocol shared by the server and the client (docs/design.md §5).

docs/portal-openapi.json describes the same thing for people; this module holds
the names both sides use and the checks the client makes on every answer, so a
portal that sends something else is refused instead of half-applied. It also holds
the signed offline file (``sadec-desk sync export``) that the portal's ``/v1/bundles``
takes: the office signs it (sync/transfer.py), the portal verifies it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid as uuidlib
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from sadec_desk.domain.lifecycle import DossierStatus
from sadec_desk.i18n import _

API = "/v1"

OPS = ("dossier.received", "dossier.status", "dossier.rescheduled", "dossier.pages",
       "dossier.form")
APPLIED, DUPLICATE, CONFLICT, REJECTED = "applied", "duplicate", "conflict", "rejected"
RESULTS = (APPLIED, DUPLICATE, CONFLICT, REJECTED)

#: every business status a dossier can have, as it travels (DossierStatus values)
STATUSES = tuple(status.value for status in DossierStatus)


#: what a ``dossier.pages`` op says of each page (docs/kiosk-submission.md)
PAGE_FIELDS = ("position", "sha256", "media_type", "size", "width", "height")

#: the resumable upload of blobs (after the tus core protocol's header names)
UPLOAD_OFFSET, UPLOAD_LENGTH = "Upload-Offset", "Upload-Length"
#: the largest chunk the reference portal takes by default; the client never sends more
MAX_CHUNK_BYTES = 8 * 1024 * 1024


def is_sha256(value: Any) -> bool:
    """A blob name: 64 lower-case hex digits (the SHA-256 of the bytes)."""
    return (isinstance(value, str) and len(value) == 64
            and all(c in "0123456789abcdef" for c in value))


def is_enrol_nonce(value: Any) -> bool:
    """The nonce a device sends with its enrolment code (URL-safe base64, 16-128)."""
    return (isinstance(value, str) and 16 <= len(value) <= 128
            and all(c.isascii() and (c.isalnum() or c in "-_") for c in value))


class SchemaError(ValueError):
    """An answer from the portal does not have the agreed shape."""


def held_message() -> str:
    """The message of an operation not sent because an earlier one of its dossier was
    refused (a push answer's, stored for the IT officer: every adapter says the same)."""
    return _("Chưa gửi: chờ sau một thao tác trước của hồ sơ bị cổng từ chối.")


def _place(where: str) -> str:
    """The part of an answer a problem is in, in the reader's words: these sentences are
    stored where the IT officer reads them (set-aside changes, the last error); the
    protocol's field names stay as they are, quoted."""
    return {"push answer": _("câu trả lời của cổng"), "push result": _("kết quả một thao tác"),
            "dossier": _("hồ sơ"), "changes page": _("trang thay đổi"),
            "change": _("thay đổi"), "procedures": _("danh mục thủ tục"),
            "procedure": _("thủ tục")}.get(where, where)


def _need(obj: Any, key: str, kind: type | tuple[type, ...], where: str) -> Any:
    if not isinstance(obj, dict) or key not in obj:
        raise SchemaError(_("{where}: thiếu trường '{key}'").format(where=_place(where),
                                                                   key=key))
    value = obj[key]
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise SchemaError(_("{where}: trường '{key}' sai kiểu dữ liệu").format(
            where=_place(where), key=key))
    return value


def check_push_answer(answer: Any, sent_op_ids: list[str]) -> list[dict]:
    """The per-operation results, one per op sent, in the order sent."""
    results = _need(answer, "results", list, "push answer")
    if [r.get("op_id") if isinstance(r, dict) else None for r in results] != sent_op_ids:
        raise SchemaError(_("câu trả lời của cổng: các kết quả không khớp các thao tác "
                            "đã gửi"))
    for r in results:
        result = _need(r, "result", str, "push result")
        if result not in RESULTS:
            raise SchemaError(_("kết quả một thao tác: kết quả lạ '{result}'").format(
                result=result[:40]))
        if result in (APPLIED, DUPLICATE):
            _need(r, "version", int, "push result")
        if result == CONFLICT and r.get("dossier") is not None:
            check_dossier(r["dossier"])
        if result in (CONFLICT, REJECTED):
            _need(r, "message", str, "push result")
    return results


def check_dossier(d: Any) -> dict:
    for key in ("uuid", "code", "procedure_code", "channel", "status", "received_at",
                "due_at"):
        _need(d, key, str, "dossier")
    _need(d, "version", int, "dossier")
    _need(d, "citizen", dict, "dossier")
    return d


def check_changes_page(page: Any) -> dict:
    """The page's frame only: each change is checked on its own (:func:`change_problem`),
    so one the client cannot use is set aside and the rest of the page applies."""
    _need(page, "changes", list, "changes page")
    if _need(page, "cursor", int, "changes page") < 0:
        raise SchemaError(_("trang thay đổi: con trỏ 'cursor' âm"))
    _need(page, "has_more", bool, "changes page")
    return page


def _moment_problem(d: dict, key: str, *, required: bool) -> str:
    value = d.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str):
        return _("hồ sơ: trường '{key}' phải là ngày giờ ISO").format(key=key)
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return _("hồ sơ: trường '{key}' không phải ngày giờ ISO: {value}").format(
            key=key, value=repr(value[:40]))
    if moment.tzinfo is None:
        return _("hồ sơ: trường '{key}' thiếu múi giờ (độ lệch so với UTC): {value}").format(
            key=key, value=repr(value[:40]))
    return ""


def change_problem(change: Any) -> str:
    """Why one change of the feed cannot be applied as it is ("" when it can): the
    fields the client reads, with their types, formats and enums."""
    try:
        if not isinstance(change, dict):
            raise SchemaError(_("thay đổi: không phải một đối tượng JSON"))
        _need(change, "seq", int, "change")
        _need(change, "origin", str, "change")
        d = check_dossier(_need(change, "dossier", dict, "change"))
        try:
            uuidlib.UUID(d["uuid"])
        except ValueError:
            return _("hồ sơ: trường 'uuid' không phải UUID: {value}").format(
                value=repr(d["uuid"][:40]))
        if d["version"] < 1:
            return _("hồ sơ: trường 'version' phải từ 1 trở lên")
        if d["status"] not in STATUSES:
            return _("hồ sơ: trạng thái lạ {value}").format(value=repr(d["status"][:40]))
        for key, required in (("received_at", True), ("due_at", True),
                              ("finished_at", False)):
            problem = _moment_problem(d, key, required=required)
            if problem:
                return problem
        citizen = d["citizen"]
        if not isinstance(citizen.get("id_number"), str) or not citizen["id_number"].strip():
            return _("hồ sơ: công dân thiếu số định danh 'id_number'")
        born = citizen.get("date_of_birth")
        if born is not None:
            try:
                date.fromisoformat(born)
            except (TypeError, ValueError):
                return _("hồ sơ: ngày sinh 'date_of_birth' của công dân không phải ngày "
                         "ISO: {value}").format(value=f"{born!r:.40}")
        fee = d.get("fee_vnd", 0)
        if fee is not None and (not isinstance(fee, int) or isinstance(fee, bool) or fee < 0):
            return _("hồ sơ: lệ phí 'fee_vnd' phải là số nguyên không âm")
    except SchemaError as exc:
        return str(exc)
    return ""


def check_procedures(answer: Any) -> list[dict]:
    items = _need(answer, "procedures", list, "procedures")
    for p in items:
        _need(p, "code", str, "procedure")
        _need(p, "version", int, "procedure")
    return items


# --- the signed offline file (sync/transfer.py writes it, /v1/bundles takes it) -------

BUNDLE_FORMAT = "sadec-desk-outbox/1"


class BundleError(ValueError):
    """A bundle that is not well-formed or whose signature does not verify."""


def _canonical(bundle: dict) -> bytes:
    body = {k: v for k, v in bundle.items() if k != "signature"}
    return json.dumps(body, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False).encode("utf-8")


def sign_bundle(bundle: dict, key: str) -> dict:
    signature = hmac.new(key.encode(), _canonical(bundle), hashlib.sha256).hexdigest()
    return {**bundle, "signature": signature}


def verify_bundle(bundle: dict, key_for: Callable[[str], str | None]) -> str:
    """Check the shape and the signature; returns the device id that signed it."""
    if not isinstance(bundle, dict) or bundle.get("format") != BUNDLE_FORMAT:
        raise BundleError("not a sadec-desk outbox file")
    device_id, signature = bundle.get("device_id"), bundle.get("signature")
    if not isinstance(device_id, str) or not isinstance(signature, str):
        raise BundleError("device_id or signature missing")
    if not isinstance(bundle.get("ops"), list):
        raise BundleError("ops missing")
    key = key_for(device_id)
    if key is None:
        raise BundleError("unknown device")
    expected = hmac.new(key.encode(), _canonical(bundle), hashlib.sha256).hexdigest()
    # bytes on both sides: a signature with non-ASCII characters is simply wrong
    if not hmac.compare_digest(expected.encode(), signature.encode("utf-8", "replace")):
        raise BundleError("the signature does not match: the file was changed or not "
                          "made by this device")
    return device_id

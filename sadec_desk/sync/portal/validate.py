"""The reference portal's checks of what it is sent, before anything enters its feed.

Every pushed operation, every operator input and every request body is checked here
against the rules docs/portal-openapi.json states (uuids, ISO date-times with an offset,
enums, lengths, non-negative amounts, nesting depth). Each check answers the reason a
person can act on ("" when the value fits); nothing malformed is stored, so a client
pulling the feed never meets a change it cannot read.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sadec_desk.domain.dossier_code import parse_dossier_code
from sadec_desk.errors import UserError
from sadec_desk.i18n import _
from sadec_desk.sync import protocol as P

#: request bodies: the largest each endpoint reads (bytes); blobs travel by chunks
MAX_SMALL_BODY = 64 * 1024  # enrolment, token, operator status and faults
MAX_PUSH_BODY = 32 * 1024 * 1024  # up to 5000 ops
MAX_ADMIN_BODY = 4 * 1024 * 1024  # an operator's dossier or procedure
MAX_BUNDLE_BODY = 256 * 1024 * 1024  # an offline file with its pages (base64)
#: deepest nesting of arrays/objects a body may have (a dossier needs 5)
MAX_JSON_DEPTH = 16
#: the feed's cursor is a 64-bit sequence number; a page holds 1..MAX_PAGE changes
MAX_CURSOR = 2**63 - 1
MAX_PAGE = 5000
#: the largest number of operations one push may carry
MAX_OPS = 5000

MAX_TEXT = 2000  # any free text (a note, a name, a value of the form)
MAX_ID = 128  # op ids, codes, procedure codes, form ids
CHANNELS = ("counter", "kiosk", "online", "postal")

_UUID_RE = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-"
                      r"[0-9a-fA-F]{12}")


def json_depth_ok(value: Any, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether ``value`` nests arrays/objects at most ``limit`` deep (iteratively)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children: Iterable[Any]
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return False
        stack.extend((child, depth + 1) for child in children)
    return True


def is_uuid(value: Any) -> bool:
    return isinstance(value, str) and bool(_UUID_RE.fullmatch(value))


def is_int(value: Any, low: int = 0, high: int = MAX_CURSOR) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def is_text(value: Any, limit: int = MAX_TEXT, *, empty: bool = True) -> bool:
    return isinstance(value, str) and len(value) <= limit and (empty or bool(value.strip()))


def is_datetime(value: Any) -> bool:
    """An ISO 8601 date-time with its UTC offset (a time without one is ambiguous)."""
    if not isinstance(value, str) or len(value) > 40:
        return False
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return False
    return parsed.tzinfo is not None and parsed.utcoffset() is not None


def dossier_code_problem(code: Any) -> str:
    if not is_text(code, MAX_ID, empty=False):
        return _("Thiếu mã hồ sơ (code).")
    try:
        parse_dossier_code(code)
    except (UserError, ValueError):
        return _("Mã hồ sơ «{code}» không đúng dạng <mã cơ quan>-<YYMMDD>-<số thứ tự>."
                 ).format(code=code[:60])
    return ""


def dossier_problem(d: dict, *, need_uuid: bool = True) -> str:
    """Why a dossier (a ``dossier.received`` payload, or an operator's online dossier)
    cannot be stored ("" when it can)."""
    if need_uuid and not is_uuid(d.get("uuid")):
        return _("UUID của hồ sơ không hợp lệ.")
    problem = dossier_code_problem(d.get("code"))
    if problem:
        return problem
    if not is_text(d.get("procedure_code"), MAX_ID, empty=False):
        return _("Thiếu trường '{field}'.").format(field="procedure_code")
    for key in ("received_at", "due_at"):
        if not is_datetime(d.get(key)):
            return _("Trường '{field}' phải là ngày giờ ISO 8601 có múi giờ, ví dụ "
                     "2026-11-26T09:00:00+07:00.").format(field=key)
    if d.get("finished_at") is not None and not is_datetime(d["finished_at"]):
        return _("Trường '{field}' phải là ngày giờ ISO 8601 có múi giờ, ví dụ "
                 "2026-11-26T09:00:00+07:00.").format(field="finished_at")
    if d.get("status") not in P.STATUSES:
        return _("Trạng thái '{status}' không hợp lệ.").format(status=str(d.get("status"))[:40])
    if d.get("channel", "counter") not in CHANNELS:
        return _("Kênh tiếp nhận '{channel}' không hợp lệ.").format(
            channel=str(d.get("channel"))[:40])
    if d.get("result_delivery") not in (None, "office", "post"):
        return _("Cách nhận kết quả '{value}' không hợp lệ (office hoặc post).").format(
            value=str(d.get("result_delivery"))[:40])
    for key in ("fee_vnd", "pages", "copies"):
        if d.get(key) is not None and not is_int(d[key], 0, 10**12):
            return _("Trường '{field}' phải là số nguyên không âm.").format(field=key)
    for key in ("procedure_name", "phone", "received_by"):
        if d.get(key) is not None and not is_text(d[key]):
            return _("Trường '{field}' phải là chữ, tối đa {limit} ký tự.").format(
                field=key, limit=MAX_TEXT)
    citizen = d.get("citizen")
    if not isinstance(citizen, dict) or not is_text(citizen.get("id_number"), 32, empty=False):
        return _("Thiếu số định danh (CCCD) của người nộp.")
    if len(citizen) > 50 or not all(
            isinstance(k, str) and len(k) <= 64 and (v is None or is_text(v) or is_int(v))
            for k, v in citizen.items()):
        return _("Thông tin người nộp (citizen) phải là các cặp tên → chữ ngắn.")
    return ""


def operation_problem(o: Any) -> str:
    """Why an operation is not even well-formed (the whole request is then a 400)."""
    if not isinstance(o, dict):
        return "each operation must be an object"
    for key, ok in (("op_id", lambda v: is_text(v, MAX_ID, empty=False)),
                    ("dossier_uuid", is_uuid), ("op", lambda v: v in P.OPS),
                    ("base_version", is_int), ("payload", lambda v: isinstance(v, dict))):
        if not ok(o.get(key)):
            return f"operation field {key!r} is missing, of the wrong type or out of range"
    if "created_at" in o and not is_datetime(o["created_at"]):
        return "operation field 'created_at' must be an ISO 8601 date-time with its offset"
    return ""


def payload_problem(kind: str, payload: dict) -> str:
    """Why an operation's payload cannot be applied ("" when it can; the checks that
    need the portal's state, such as blobs and the catalogue, are made by the batch)."""
    if kind == "dossier.received":
        return dossier_problem(payload)
    if kind == "dossier.status":
        if payload.get("to_status") not in P.STATUSES:
            return _("Trạng thái '{status}' không hợp lệ.").format(
                status=str(payload.get("to_status"))[:40])
        if payload.get("at") is not None and not is_datetime(payload["at"]):
            return _("Trường '{field}' phải là ngày giờ ISO 8601 có múi giờ, ví dụ "
                     "2026-11-26T09:00:00+07:00.").format(field="at")
    if kind == "dossier.rescheduled" and not is_datetime(payload.get("new_due")):
        return _("Ngày hẹn mới (new_due) phải là ngày giờ ISO 8601 có múi giờ.")
    for key in ("note", "reason", "actor"):
        if payload.get(key) is not None and not is_text(payload[key]):
            return _("Trường '{field}' phải là chữ, tối đa {limit} ký tự.").format(
                field=key, limit=MAX_TEXT)
    return ""

"""The portal's acknowledged audit chain head, kept on this machine (#14 item 8).

When the office syncs with the reference portal (sync/office_anchor.py), the portal
acknowledges the office's audit chain head and answers what it holds for the office (its
newest acknowledged ``seq`` and ``hash``, the restores it was told of, the highest dossier
number per day: sync/portal/anchors.py). That answer is kept here, in
``<data dir>/audit/portal.json``, sealed like the other records ``audit verify`` trusts
(HMAC-SHA256 under the audit key, :mod:`sadec_desk.services.audit_seal`), and the secret
store keeps the seal of the newest copy, so a deleted file or an older copy put back is
named. ``audit verify`` checks the chain against it: the event at the acknowledged sequence
must be there with that hash; a chain that ends before it lost its newest events.

Unlike the records beside it, the portal's copy is out of reach of whoever holds this
machine: when the portal can be reached, ``audit verify`` asks it first (the answer replaces
the stored one); offline it uses the stored answer and says from when.

A restore of a backup legitimately ends the chain earlier: it is noted here
(``pending_restore``) and told to the portal at the next sync; until then the portal's
anchor predates the restore and is not compared (a warning says so).
"""

from __future__ import annotations

import hmac
import json
from dataclasses import dataclass, field
from pathlib import Path

from sadec_desk.config import Config
from sadec_desk.files import atomic_write, private_dir
from sadec_desk.i18n import _
from sadec_desk.services import audit_seal, secrets

#: the secret store's copy of the newest stored answer's seal
PORTAL_TIP = "audit_portal_tip"


def anchor_file() -> Path:
    return audit_seal.audit_dir() / "portal.json"


def _fields(record: dict) -> list:
    body = {k: v for k, v in record.items() if k != "mac"}
    return ["portal", json.dumps(body, ensure_ascii=False, sort_keys=True)]


def _load(key: bytes | None) -> tuple[dict | None, str]:
    """(the stored record, why it cannot be trusted: "" when it can or there is none)."""
    path = anchor_file()
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None, ""
    except (OSError, ValueError):
        return None, _("Tệp mốc của cổng {path} không đọc được: đã bị sửa hoặc hỏng.").format(
            path=path)
    if not isinstance(record, dict) or not audit_seal.is_sealed(_fields(record),
                                                                record.get("mac"), key):
        return None, _("Tệp mốc của cổng {path} đã bị sửa hoặc thay (mã xác thực không khớp)."
                       ).format(path=path)
    return record, ""


def _store(record: dict) -> None:
    record = {k: v for k, v in record.items() if k != "mac"}
    record["mac"] = audit_seal.seal(_fields(record))
    private_dir(audit_seal.audit_dir())
    atomic_write(anchor_file(), json.dumps(record, ensure_ascii=False, indent=1))
    secrets.write_secret(PORTAL_TIP, record["mac"])


def _current() -> dict:
    record, problem = _load(secrets.existing_audit_key())
    return {} if record is None or problem else record


def pending_restore() -> dict | None:
    """The restore not yet told to the portal: ``{"seq", "hash", "at"}``, else None."""
    pending = _current().get("pending_restore")
    return pending if isinstance(pending, dict) else None


def note_restore(seq: int, chain_hash: str, at: str) -> None:
    """A backup was restored: the chain now ends at ``seq``; the portal is told at the next
    sync (the oldest pending restore point is kept, what the portal must go back to)."""
    record = _current()
    pending = record.get("pending_restore")
    if not isinstance(pending, dict) or seq < pending.get("seq", 0):
        record["pending_restore"] = {"seq": seq, "hash": chain_hash, "at": at}
    _store(record)


def store_answer(answer: dict, portal_url: str, at: str, *, restore_told: bool = False) -> bool:
    """Keep the portal's answer (``at``: when it came, UTC ISO); ``restore_told``: the
    pending restore was acknowledged with it. Returns whether anything was written.

    The same answer as the one stored (same portal, no restore pending or told, no failure
    to clear), in the newest sealed copy, is not written again: every sync round asks the
    portal, and most rounds add no event, so the file and the secret store's tip were
    rewritten and resealed for nothing but a new time. ``fetched_at`` is therefore when
    the portal first gave this answer, and ``audit verify`` says so (it names the time it
    asked itself when it did). A copy that is not the newest, or not trusted, is rewritten."""
    record = _current()
    pending = None if restore_told else record.get("pending_restore")
    new = {"answer": answer, "portal_url": portal_url, "fetched_at": at,
           "pending_restore": pending, "last_error": "", "last_error_at": ""}
    if (record and all(record.get(name) == value for name, value in new.items()
                       if name != "fetched_at")
            and hmac.compare_digest(str(record.get("mac", "")),
                                    secrets.read_secret(PORTAL_TIP) or "")):
        return False
    _store(new)
    return True


def note_failure(error: str, at: str) -> None:
    """Asking the portal failed (offline, refused): the stored answer stays, the failure is
    named by ``audit verify``."""
    record = _current()
    record.update(last_error=error, last_error_at=at)
    _store(record)


# --- what audit verify makes of it -----------------------------------------------------


@dataclass
class PortalFindings:
    """The stored portal anchor, before the chain is compared with it."""

    #: {"seq", "hash", "acknowledged_at", "restores", ...} as the portal answered, or None
    anchor: dict | None = None
    #: the restore this machine has not told the portal yet
    pending: dict | None = None
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    #: one sentence: which portal anchor was used, from when (never silence)
    note: str = ""

    @property
    def wanted_seq(self) -> int:
        return int(self.anchor["seq"]) if self.anchor and not self.pending else 0


def read_findings(config: Config, refresh_note: str = "") -> PortalFindings:
    """The stored answer and what can be said of it before the walk; ``refresh_note`` is the
    caller's sentence about asking the portal just now ("" when it was not asked)."""
    found = PortalFindings()
    if config["sync.adapter"] == "gateway":
        found.note = _("Không có mốc của cổng: cổng liên thông của tỉnh không nhận đầu chuỗi nhật "
                       "ký (chỉ cổng dịch vụ tham chiếu có); nhật ký chỉ được đối chiếu với các "
                       "bản ghi trên máy này.")
        return found
    key = secrets.existing_audit_key()
    record, problem = _load(key)
    tip = secrets.read_secret(PORTAL_TIP)
    if problem:
        found.problems.append(problem)
    elif record is None and tip:
        found.problems.append(_("Tệp mốc của cổng {path} đã bị xoá: phần mềm đã lưu câu trả lời "
                                "của cổng vào đó.").format(path=anchor_file()))
    elif record is not None and tip and not hmac.compare_digest(record["mac"], tip):
        found.problems.append(_("Tệp mốc của cổng {path} không phải bản phần mềm lưu sau cùng: "
                                "đã bị thay bằng một bản cũ hơn.").format(path=anchor_file()))
    record = record or {}
    answer = record.get("answer") if isinstance(record.get("answer"), dict) else None
    found.pending = record.get("pending_restore") if isinstance(
        record.get("pending_restore"), dict) else None
    if not config["sync.portal_url"] and answer is None:
        found.note = _("Không có mốc của cổng: máy chưa nối với cổng dịch vụ (sync.portal_url); "
                       "nhật ký chỉ được đối chiếu với các bản ghi trên máy này.")
        return found
    if answer is None:
        found.note = " ".join(filter(None, [refresh_note, _(
            "Chưa có mốc của cổng: cổng chưa trả lời về đầu chuỗi nhật ký của văn phòng (lần "
            "đồng bộ tới sẽ gửi).")]))
        return found
    found.anchor = answer
    if answer.get("agency") and answer["agency"] != config["office.agency_code"]:
        found.warnings.append(_("Mốc của cổng đã lưu là của cơ quan {agency}, không phải của "
                                "văn phòng này ({ours}).").format(
                                    agency=answer["agency"], ours=config["office.agency_code"]))
    stored = _("Đối chiếu với câu trả lời của cổng lưu lúc {at} (UTC; các lần đồng bộ sau đó, "
               "nếu có, nhận đúng câu trả lời ấy nên không ghi lại): cổng đã xác nhận đến sự "
               "kiện số {seq}.").format(at=record.get("fetched_at", "?"),
                                        seq=answer.get("seq", 0))
    if refresh_note and not record.get("last_error"):
        found.note = refresh_note  # asked just now: the stored answer is that one
    elif refresh_note:
        found.note = f"{refresh_note} {stored}"
    else:
        found.note = stored + " " + _("(Lần này không hỏi lại cổng.)")
        if record.get("last_error"):
            found.note += " " + _("Lần hỏi cổng lúc {at} (UTC) không được ({error}).").format(
                at=record.get("last_error_at", "?"), error=record["last_error"])
    if found.pending:
        found.warnings.append(_(
            "Đã khôi phục bản sao lưu lúc {at} (UTC), nhật ký về sự kiện số {seq}; cổng chưa "
            "được báo (lần đồng bộ tới sẽ báo): mốc của cổng (sự kiện số {portal}) có trước lần "
            "khôi phục nên chưa được đối chiếu.").format(
                at=found.pending.get("at", "?"), seq=found.pending.get("seq", "?"),
                portal=answer.get("seq", 0)))
    return found


def compare(found: PortalFindings, hashes_at: dict[int, str], chain_end: int,
            local_restores: list[dict], add_problem, warnings: list[str]) -> None:
    """The chain (``hashes_at``: seq -> hash of the events asked for, ``chain_end``) against
    the portal's acknowledged head; ``local_restores``: the restores this machine's sealed
    anchors record (``{"seq", "hash"}``). ``add_problem(kind, message, seq)``."""
    anchor = found.anchor
    if anchor is None or found.pending:
        return
    seq, chain_hash = int(anchor.get("seq", 0)), str(anchor.get("hash", ""))
    at = anchor.get("acknowledged_at") or "?"
    if seq and chain_end < seq:
        add_problem("truncated", _(
            "Cổng dịch vụ đã xác nhận nhật ký của văn phòng đến sự kiện số {seq} (lúc {at}, UTC) "
            "nhưng nhật ký hiện dừng ở số {end}: các sự kiện mới nhất đã bị xoá.").format(
                seq=seq, at=at, end=chain_end), seq)
    elif seq and hashes_at.get(seq) != chain_hash:
        add_problem("anchor", _(
            "Sự kiện số {seq} không còn khớp với mốc cổng dịch vụ đã xác nhận lúc {at} (UTC): "
            "nhật ký đã bị viết lại từ sự kiện đó trở về trước.").format(seq=seq, at=at), seq)
    known = {(int(r["seq"]), str(r["hash"])) for r in local_restores}
    for restore in anchor.get("restores", []):
        if (restore.get("to_seq"), restore.get("to_hash")) not in known:
            warnings.append(_(
                "Cổng dịch vụ ghi nhận lúc {at} (UTC) một lần khôi phục đưa nhật ký từ sự kiện số "
                "{before} về số {after}, mà máy này không có bản ghi: nếu không ai khôi phục bản "
                "sao lưu lúc đó, nhật ký đã bị cắt bớt.").format(
                    at=restore.get("at", "?"), before=restore.get("from_seq", "?"),
                    after=restore.get("to_seq", "?")))

"""Telling the portal the office's audit chain head, and keeping its answer (#14 item 8,
#18 item 5).

At every sync with the reference portal (after the push), :func:`exchange`:

1. tells the portal of a restore not yet told (the chain legitimately went back);
2. asks what the portal holds for the office (GET /v1/anchor);
3. if this machine's chain still holds the acknowledged event with its hash and has gone
   further, sends the new head with that event as its base (POST /v1/anchor) — a chain that
   no longer holds it is never sent, so the portal's record keeps what the office had;
4. keeps the answer, sealed (services/portal_anchor.py), for ``audit verify`` — written
   only when it differs from the stored one (most rounds add no event);
5. raises the day counters to the highest dossier numbers the portal holds (a restored
   backup never issues a code the portal has seen: services/issued_numbers.py).

:func:`refresh` is ``audit verify`` asking the portal (step 2 and 4 only, bounded time).
The provincial gateway has no such facility: nothing is exchanged there.
"""

from __future__ import annotations

import logging
import re
from datetime import UTC
from typing import TYPE_CHECKING

import httpx

from sadec_desk.i18n import _
from sadec_desk.services import audit, issued_numbers, portal_anchor
from sadec_desk.sync.adapters.base import anchor_keeper
from sadec_desk.sync.errors import Refused, SyncError, TransientError

if TYPE_CHECKING:
    from sadec_desk.services.context import AppContext
    from sadec_desk.sync.adapters.base import AnchorKeeper, SyncAdapter

log = logging.getLogger(__name__)

#: seconds ``audit verify`` waits for the portal at most
REFRESH_TIMEOUT = 5.0
_HASH = re.compile(r"[0-9a-f]{64}")
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def check_answer(answer: object) -> dict:
    """The portal's anchor answer, checked before anyone uses it; TransientError if not."""
    def bad(what: str) -> TransientError:
        return TransientError(_("Cổng dịch vụ trả lời mốc nhật ký sai định dạng ({what})."
                                ).format(what=what))

    if not isinstance(answer, dict):
        raise bad("not an object")
    seq = answer.get("seq")
    if isinstance(seq, bool) or not isinstance(seq, int) or seq < 0:
        raise bad("seq")
    if not isinstance(answer.get("hash"), str) or not _HASH.fullmatch(answer["hash"]):
        raise bad("hash")
    if not isinstance(answer.get("agency"), str) \
            or not isinstance(answer.get("acknowledged_at", ""), str):
        raise bad("agency")
    restores = answer.get("restores", [])
    if not isinstance(restores, list) or not all(
            isinstance(r, dict) and isinstance(r.get("to_seq"), int)
            and isinstance(r.get("to_hash"), str) for r in restores):
        raise bad("restores")
    issued = answer.get("issued", {})
    if not isinstance(issued, dict) or not all(
            isinstance(k, str) and _DAY.fullmatch(k) and isinstance(v, int)
            and not isinstance(v, bool) and v >= 0 for k, v in issued.items()):
        raise bad("issued")
    return answer


def _keep(ctx: AppContext, answer: dict, *, restore_told: bool = False) -> None:
    portal_anchor.store_answer(answer, ctx.config["sync.portal_url"],
                               ctx.now().astimezone(UTC).isoformat(), restore_told=restore_told)
    agency = ctx.config["office.agency_code"]
    if answer["agency"] == agency:
        issued_numbers.note_portal(ctx.database, agency, answer.get("issued", {}))


def exchange(ctx: AppContext, adapter: SyncAdapter) -> str:
    """One exchange with the portal (see the module docstring); returns "" or why the head
    was not sent. Network failures propagate (the run ends as for the push); a refusal is
    noted for ``audit verify`` and the run goes on."""
    keeper = anchor_keeper(adapter)
    if keeper is None:
        return ""
    try:
        pending = portal_anchor.pending_restore()
        if pending is not None:
            _told, answer = keeper.acknowledge_anchor(
                {"seq": pending["seq"], "hash": pending["hash"], "restore": True})
            _keep(ctx, check_answer(answer), restore_told=True)
        answer = check_answer(keeper.office_anchor())
        held_seq, held_hash = answer["seq"], answer["hash"]
        head_seq, head_hash = audit.chain_head(ctx)
        reason = ""
        if head_seq < held_seq:
            reason = _("nhật ký ở máy dừng ở sự kiện số {end}, trước mốc cổng đã xác nhận ({seq})"
                       ).format(end=head_seq, seq=held_seq)
        elif held_seq and audit.chain_hash_at(ctx, held_seq) != held_hash:
            reason = _("sự kiện số {seq} ở máy khác với mốc cổng đã xác nhận").format(
                seq=held_seq)
        elif head_seq > held_seq:
            _told, answer = keeper.acknowledge_anchor(
                {"seq": head_seq, "hash": head_hash, "base_seq": held_seq,
                 "base_hash": held_hash})
            answer = check_answer(answer)
        _keep(ctx, answer)
        if reason:
            log.warning("audit chain head not sent to the portal: %s", reason)
        return reason
    except (Refused, SyncError) as exc:
        portal_anchor.note_failure(str(exc), ctx.now().astimezone(UTC).isoformat())
        if isinstance(exc, Refused):
            log.warning("the portal refused the audit anchor exchange: %s", exc)
            return str(exc)
        raise


def refresh(ctx: AppContext, adapter: AnchorKeeper) -> str:
    """Ask the portal what it holds for the office and keep it (``audit verify``); returns
    the sentence ``audit verify`` shows about it."""
    now = ctx.now().astimezone(UTC).isoformat()
    try:
        answer = check_answer(adapter.office_anchor())
    except (Refused, SyncError) as exc:
        portal_anchor.note_failure(str(exc), now)
        return _("Không hỏi được cổng dịch vụ lúc này ({error}).").format(error=exc)
    _keep(ctx, answer)
    return _("Đã hỏi cổng dịch vụ lúc {at} (UTC): cổng đã xác nhận nhật ký của văn phòng đến sự "
             "kiện số {seq}{when}.").format(
                 at=now, seq=answer["seq"],
                 when=_(" (lúc {at})").format(at=answer["acknowledged_at"])
                 if answer.get("acknowledged_at") else "")


def ask_portal(ctx: AppContext) -> str:
    """``audit verify`` asking the reference portal, at most :data:`REFRESH_TIMEOUT`
    seconds; "" when there is no portal to ask (the gateway, offline working, a machine
    not enrolled: services/portal_anchor.py says so)."""
    from sadec_desk.sync.adapters.reference import ReferenceAdapter
    from sadec_desk.sync.state import get_state

    if ctx.config["sync.adapter"] != "reference" or not ctx.config["sync.portal_url"]:
        return ""
    if not get_state("device_id"):
        return _("Máy chưa đăng ký với cổng dịch vụ: không hỏi được mốc của cổng.")
    try:
        adapter = ReferenceAdapter(ctx)
    except SyncError as exc:
        return _("Không hỏi được cổng dịch vụ lúc này ({error}).").format(error=exc)
    try:
        timeout = min(REFRESH_TIMEOUT, float(ctx.config["sync.timeout_seconds"]))
        adapter.client.http.timeout = httpx.Timeout(timeout, connect=timeout)
        return refresh(ctx, adapter)
    finally:
        adapter.close()

"""Synchronisation with the portal, one run at a time: push the outbox, then pull changes.

docs/design.md §5. A run (:func:`run_once`) picks the adapter ``sync.adapter`` names
(:func:`make_adapter`: the reference portal or the provincial gateway, both
:class:`~sadec_desk.sync.adapters.base.SyncAdapter`), pushes the outbox
(:mod:`sadec_desk.sync.push`), then, where the adapter has a change feed, refreshes the
procedure catalogue and pulls (:mod:`sadec_desk.sync.pull`) and fetches the page files of
online dossiers (:mod:`sadec_desk.sync.online_pages`). Network failures end the run with
every row kept for the next one. Also here: enrolment with the portal and the status the
IT screens show; held operations are handled in :mod:`sadec_desk.sync.conflicts`.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import socket
from datetime import UTC
from typing import TYPE_CHECKING

import peewee

from sadec_desk.config import save_setting
from sadec_desk.db.attachment_models import DossierPage, PageBlob
from sadec_desk.db.database import translated_errors
from sadec_desk.db.models import Dossier, Outbox
from sadec_desk.db.sync_models import QuarantinedChange
from sadec_desk.errors import InvalidInput
from sadec_desk.i18n import _
from sadec_desk.services.access import ADMIN_ROLES, ANY_ROLE, require_role
from sadec_desk.sync import office_anchor, online_pages, pull, push
from sadec_desk.sync import protocol as P
from sadec_desk.sync.adapters.base import SyncAdapter, pulling
from sadec_desk.sync.adapters.gateway import GatewayAdapter
from sadec_desk.sync.adapters.reference import PortalClient, ReferenceAdapter
from sadec_desk.sync.errors import Refused, SyncError
from sadec_desk.sync.outbox_ops import FAILED, PENDING, blocked_dossiers
from sadec_desk.sync.records import SyncReport, SyncStatus
from sadec_desk.sync.state import get_state, parse_time, set_state

if TYPE_CHECKING:
    from sadec_desk.services.context import AppContext


#: sync_state key of an enrolment whose answer has not come yet: {"for": hash, "nonce"}
ENROL_PENDING = "enrol_pending"


def make_adapter(ctx: AppContext) -> SyncAdapter:
    """The adapter the ``sync.adapter`` setting names."""
    require_role(ctx, *ADMIN_ROLES)
    kind = ctx.config["sync.adapter"]
    if kind == "reference":
        return ReferenceAdapter(ctx)
    if kind == "gateway":
        return GatewayAdapter(ctx)
    raise InvalidInput(_("Thiết lập sync.adapter = '{value}' không hợp lệ: chọn 'reference' "
                         "hoặc 'gateway'.").format(value=kind))


# --- enrolment ------------------------------------------------------------------------


def _enrol_nonce(ctx: AppContext, url: str, code: str) -> str:
    """The nonce sent with this code to this portal: the one kept from an attempt whose
    answer never came (so the portal returns the same device), else a new one, stored
    before it is sent. The code itself is kept only as a hash."""
    which = hashlib.sha256(f"{url}\n{code}".encode()).hexdigest()
    try:
        pending = json.loads(get_state(ENROL_PENDING) or "{}")
    except ValueError:
        pending = {}
    if isinstance(pending, dict) and pending.get("for") == which \
            and P.is_enrol_nonce(pending.get("nonce")):
        return pending["nonce"]
    nonce = secrets.token_urlsafe(32)
    with translated_errors(), ctx.database.atomic():
        set_state(ctx, ENROL_PENDING, json.dumps({"for": which, "nonce": nonce}))
    return nonce


def enrol(ctx: AppContext, portal_url: str, code: str, name: str = "") -> str:
    """Exchange an enrolment code for a device identity; returns the device id.
    Retry-safe: when the answer is lost, the same command again gets the same device."""
    require_role(ctx, *ADMIN_ROLES)
    url, code = portal_url.strip(), code.strip()
    with PortalClient(url, timeout=float(ctx.config["sync.timeout_seconds"]),
                      ca_bundle=ctx.config["sync.ca_bundle"]) as client:
        nonce = _enrol_nonce(ctx, url, code)
        try:
            answer = client.enrol(code, name or socket.gethostname(),
                                  ctx.config["office.agency_code"], nonce)
        except Refused as exc:
            raise SyncError(_("Cổng dịch vụ từ chối mã đăng ký '{code}' ({error}). Xin mã mới "
                              "từ quản trị cổng.").format(code=code, error=exc)) from None
    with translated_errors(), ctx.database.atomic():
        for key in ("device_id", "device_key", "token"):
            set_state(ctx, key, answer[key])
        set_state(ctx, "token_expires_at", answer["expires_at"])
        set_state(ctx, "portal_url", url)
        set_state(ctx, ENROL_PENDING, "")  # the answer came: nothing left to repeat
    save_setting("sync.portal_url", url, ctx.config.path)
    ctx.reload_config()
    return answer["device_id"]


# --- one run --------------------------------------------------------------------------


def run_once(ctx: AppContext, *, adapter: SyncAdapter | None = None,
             force: bool = False) -> SyncReport:
    """Push then pull once. Network failures end the run with the rows kept."""
    require_role(ctx, *ADMIN_ROLES)
    counts = {**dict.fromkeys(P.RESULTS, 0), "pulled": 0, "new": 0, "conflicts": 0,
              "pages_uploaded": 0, "page_bytes": 0, "pages_downloaded": 0,
              "page_bytes_received": 0, "quarantined": 0}
    procedures = 0
    error = ""
    own_adapter = adapter is None
    if not ctx.config["sync.portal_url"] and ctx.config["sync.adapter"] == "reference" \
            and adapter is None:
        return _report(counts, procedures, skipped=_("Chưa cấu hình cổng (sync.portal_url): "
                                                     "đang làm việc ngoại tuyến."))
    with translated_errors():
        if not force:
            until = push.backoff_until(ctx)
            if until is not None:
                return _report(counts, procedures, skipped=_(
                    "Đang chờ thử lại sau lỗi mạng đến {at}.").format(at=until.isoformat()))
        try:
            adapter = adapter or make_adapter(ctx)
        except SyncError as exc:
            return _report(counts, procedures, error=str(exc))
        try:
            with ctx.database.atomic():
                set_state(ctx, "last_attempt_at", ctx.now().isoformat())
            push.push(ctx, adapter, counts)
            puller = pulling(adapter)
            if puller is not None:
                procedures = pull.refresh_catalogue(ctx, puller)
                pull.pull(ctx, puller, counts)
                # after the pull's pages are committed: a slow or failed download
                # never holds back the dossiers themselves
                online_pages.download_pages(ctx, puller, counts)
            # the chain head to the portal, its answer kept (#14 item 8, #18 item 5)
            office_anchor.exchange(ctx, adapter)
            with ctx.database.atomic():
                set_state(ctx, "last_success_at", ctx.now().isoformat())
                set_state(ctx, "last_error", "")
        except (SyncError, Refused) as exc:
            error = str(exc)
            with ctx.database.atomic():
                set_state(ctx, "last_error", error)
                set_state(ctx, "last_error_at", ctx.now().isoformat())
        finally:
            if own_adapter and hasattr(adapter, "close"):
                adapter.close()
    return _report(counts, procedures, error=error)


def _report(counts, procedures, *, error="", skipped="") -> SyncReport:
    return SyncReport(pushed=counts[P.APPLIED], duplicates=counts[P.DUPLICATE],
                      conflicts=counts[P.CONFLICT] + counts["conflicts"],
                      rejected=counts[P.REJECTED], pulled=counts["pulled"],
                      new_dossiers=counts["new"], procedures_updated=procedures,
                      cursor=int(get_state("cursor", "0") or 0), error=error, skipped=skipped,
                      pages_uploaded=counts["pages_uploaded"],
                      page_bytes_sent=counts["page_bytes"],
                      pages_downloaded=counts["pages_downloaded"],
                      page_bytes_received=counts["page_bytes_received"],
                      quarantined=counts["quarantined"])


# --- status --------------------------------------------------------------------------


def sync_status(ctx: AppContext) -> SyncStatus:
    """What the IT screens and ``sadec-desk sync status`` show."""
    require_role(ctx, *ANY_ROLE)
    with translated_errors():
        pending = Outbox.select().where(Outbox.state == PENDING)
        blocked = blocked_dossiers()
        oldest = pending.select(peewee.fn.MIN(Outbox.created_at)).scalar()
        if oldest is not None and oldest.tzinfo is None:
            oldest = oldest.replace(tzinfo=UTC)
        # the gateway's address: its one endpoint, or the create URL (url-per-service)
        gateway = ctx.config["sync.gateway_url"] or ctx.config["sync.gateway_create_url"]
        return SyncStatus(
            online=bool(ctx.config["sync.portal_url"] or gateway),
            adapter=ctx.config["sync.adapter"], portal_url=ctx.config["sync.portal_url"],
            enrolled=bool(get_state("device_id")),
            pending=pending.where(Outbox.dossier_uuid.not_in(blocked)).count(),
            held=Outbox.select().where(Outbox.state.in_([PENDING, FAILED]),
                                       Outbox.dossier_uuid.in_(blocked)).count(),
            conflicts=Dossier.select().where(Dossier.sync_state == "conflict").count(),
            rejected=Dossier.select().where(Dossier.sync_state == "rejected").count(),
            oldest_pending_at=oldest,
            oldest_pending_age_seconds=(max(0, int((ctx.now() - oldest).total_seconds()))
                                        if oldest else None),
            next_try_at=push.backoff_until(ctx),
            last_success_at=parse_time(get_state("last_success_at")),
            last_error=get_state("last_error"),
            last_error_at=parse_time(get_state("last_error_at")),
            cursor=int(get_state("cursor", "0") or 0),
            quarantined=QuarantinedChange.select().where(
                QuarantinedChange.state == "open").count(),
            **_pages_waiting(),
        )


def _pages_waiting() -> dict:
    """Pages of dossiers whose page list is still to be sent, not yet on the portal."""
    waiting_dossiers = Outbox.select(Outbox.dossier_uuid).where(
        Outbox.op == "dossier.pages", Outbox.state.in_([PENDING, FAILED]))
    used = (DossierPage.select(DossierPage.blob).join(Dossier)
            .where(Dossier.uuid.in_(waiting_dossiers)))
    count, size = (PageBlob.select(peewee.fn.COUNT(PageBlob.id),
                                   peewee.fn.COALESCE(peewee.fn.SUM(PageBlob.size), 0))
                   .where(PageBlob.uploaded_at.is_null(), PageBlob.id.in_(used))
                   .tuples().first())
    return {"pages_waiting": count, "pages_waiting_bytes": size}

"""What the citizens' kiosk shows: procedure cards ("Chạm để biết"), a dossier's status from
its receipt QR, and satisfaction ratings (docs/design.md §3.8).

The kiosk is seen by everyone in the hall: a status card carries no personal data beyond
a masked name (NĐ 13/2023), never the ID number, phone or address.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sadec_desk.domain.lifecycle import deadline_label
from sadec_desk.domain.timezone import VN_TZ
from sadec_desk.domain.vn_collation import search_key, vietnamese_sort_key
from sadec_desk.errors import InvalidInput, NotFound
from sadec_desk.i18n import _
from sadec_desk.printers.render import qr_image
from sadec_desk.services import catalogue
from sadec_desk.services.access import ANY_ROLE, require_role
from sadec_desk.services.reception import citizens, feedback, search
from sadec_desk.services.records import ProcedureInfo

if TYPE_CHECKING:
    from sadec_desk.services.context import AppContext

PAPER_KINDS = {"original": lambda: _("bản chính"), "copy": lambda: _("bản sao"),
               "original_or_copy": lambda: _("bản chính hoặc bản sao")}


def paper_kind(kind: str) -> str:
    label = PAPER_KINDS.get(kind)
    return label() if label else kind


@dataclass(frozen=True)
class ProcedureCard:
    code: str
    name: str
    field_name: str
    papers: tuple[str, ...]
    fee_text: str
    time_limit_text: str
    url: str  # "" when no procedure page is configured
    qr_png: bytes  # the QR of ``url`` as a PNG ("" url: empty)


@dataclass(frozen=True)
class DossierStatusCard:
    code: str
    procedure_name: str
    status: str
    status_label: str
    received_at: datetime
    due_at: datetime
    deadline_state: str
    deadline_text: str
    masked_name: str


def list_procedures(ctx: AppContext) -> list[ProcedureInfo]:
    """The catalogue's procedures in Vietnamese alphabetical order (Cấp… before Chứng…)."""
    return sorted(catalogue.list_procedures(ctx), key=lambda p: vietnamese_sort_key(p.name))


def matches(name: str, typed: str) -> bool:
    """``typed`` (with or without marks) is found in ``name``: "chung thuc" finds
    "Chứng thực…", so a citizen may type on any keyboard."""
    return search_key(typed) in search_key(name)


def search_hint(typed: str, found: int, shown: int) -> str:
    """The line under a searched procedure list: nothing found, or how many more a few
    more letters would bring up; "" when all are shown."""
    if not found:
        return _("Không có thủ tục nào có «{typed}»; hãy gõ từ khác, ví dụ «khai sinh».") \
            .format(typed=typed.strip())
    if found > shown:
        return _("Còn {n} thủ tục nữa: gõ vài chữ của tên thủ tục để tìm.").format(
            n=found - shown)
    return ""


def citizen_fee_text(info: ProcedureInfo) -> str:
    """The fee as a citizen reads it: a council fee the office has not set yet reads as
    what it is for the citizen, not as a missing setting."""
    if info.fee_kind == "council" and not info.fee_amount_vnd:
        return _("Theo Nghị quyết HĐND tỉnh; cán bộ báo mức thu khi nhận hồ sơ")
    return info.fee_text


def office_title(ctx: AppContext) -> str:
    """The office's name for the kiosk's start screen; "" while the IT officer has not
    set it (the default names the missing setting, which citizens must not see)."""
    require_role(ctx, *ANY_ROLE)
    from sadec_desk.config import SETTINGS

    default = next(s.default for s in SETTINGS if s.name == "office.name")
    name = ctx.config["office.name"]
    return "" if name == default else name


def waiting_text(waiting_ahead: int) -> str:
    """How many are ahead, as a sentence (none: "you are next")."""
    if waiting_ahead <= 0:
        return _("Bạn là người tiếp theo; mời bạn chờ gọi số.")
    return _("Có {n} người đang chờ trước bạn.").format(n=waiting_ahead)


def time_limit_text(info: ProcedureInfo, same_day_today: bool = False) -> str:
    if info.time_limit_days <= 0:
        text = _("Trong ngày (nộp sau 15 giờ: ngày làm việc tiếp theo)")
    else:
        text = _("{n} ngày làm việc").format(n=info.time_limit_days)
        if same_day_today:
            text += " · " + _("hôm nay trả trong ngày (ngày không hẹn)")
    if info.verification_extra_days:
        text += " · " + _("thêm {n} ngày nếu cần xác minh").format(
            n=info.verification_extra_days)
    return text


def _png(url: str) -> bytes:
    if not url:
        return b""
    out = io.BytesIO()
    qr_image(url, 5).convert("L").save(out, format="PNG")
    return out.getvalue()


def procedure_card(ctx: AppContext, code: str) -> ProcedureCard:
    """Papers, fee and time limit of one procedure, with a QR to its page."""
    info = next((p for p in catalogue.list_procedures(ctx) if p.code == code), None)
    if info is None:
        raise InvalidInput(_("Không có thủ tục mã {code} trong danh mục.").format(code=code))
    template = ctx.config["kiosk.procedure_url"]
    url = template.format(code=info.code) if template else ""
    today = ctx.now().astimezone(VN_TZ)
    same_day = (info.same_day_eligible
                and today.weekday() in ctx.calendar.settings.same_day_weekdays)
    papers = tuple(f"{p.name} ({paper_kind(p.kind)}, " + _("{n} bản").format(n=p.count) + ")"
                   for p in info.papers)
    return ProcedureCard(code=info.code, name=info.name, field_name=info.field_name,
                         papers=papers, fee_text=citizen_fee_text(info),
                         time_limit_text=time_limit_text(info, same_day), url=url,
                         qr_png=_png(url))


def mask_name(full_name: str) -> str:
    """"Nguyễn Thị Hoa" → "N. T. Hoa": enough for the citizen to recognise their dossier."""
    words = full_name.split()
    if len(words) <= 1:
        return full_name
    return " ".join([w[0] + "." for w in words[:-1]] + [words[-1]])


def dossier_status(ctx: AppContext, qr_text: str) -> DossierStatusCard:
    """The status of the dossier whose receipt QR was scanned (or whose code was typed)."""
    require_role(ctx, *ANY_ROLE)
    text = (qr_text or "").strip()
    scan = citizens.classify_qr_text(text) if "|" not in text else None
    # (a receipt always carries its dossier code)
    if scan is None or scan.kind != "receipt" or scan.dossier_code is None:
        raise InvalidInput(_("Đây không phải mã QR trên phiếu hẹn trả kết quả; hãy quét mã QR "
                             "in trên phiếu hẹn (giấy biên nhận)."))
    # the search the counter uses, given only the code: a kiosk open to anyone never
    # finds a dossier by a name, an ID or a phone
    found = search.find_dossiers(ctx, scan.dossier_code, limit=1)
    if not found:
        raise NotFound(_("Không tìm thấy hồ sơ {code}. Xin mời hỏi cán bộ tại quầy tiếp "
                         "nhận.").format(code=scan.dossier_code))
    info = found[0]
    return DossierStatusCard(
        code=info.code, procedure_name=info.procedure_name, status=info.status,
        status_label=info.status_label, received_at=info.received_at, due_at=info.due_at,
        deadline_state=info.deadline_state, deadline_text=deadline_label(info.deadline_state),
        masked_name=mask_name(info.citizen.full_name))


def satisfaction_levels() -> list[tuple[str, str]]:
    """(level, label) in the order shown to citizens."""
    return [(level, feedback.level_label(level)) for level in feedback.LEVELS]


def rate(ctx: AppContext, level: str, *, dossier: str | None = None) -> str:
    """Record a citizen's rating from the kiosk; returns the thank-you sentence."""
    require_role(ctx, *ANY_ROLE)
    feedback.record_satisfaction(ctx, level, dossier=dossier, source="kiosk")
    return _("Cảm ơn bạn đã đánh giá: {label}.").format(label=feedback.level_label(level))

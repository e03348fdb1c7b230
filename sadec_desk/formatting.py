"""How dates, money and records read to a Vietnamese clerk (pure functions)."""

from __future__ import annotations

from datetime import date, datetime

from sadec_desk.domain.calendar import VN_TZ
from sadec_desk.domain.fees import format_vnd
from sadec_desk.i18n import _
from sadec_desk.services.records import DossierInfo

_WEEKDAYS = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật")

_DEADLINE_LABELS = {"early": "Trước hạn", "on_time": "Đúng hạn", "late": "Quá hạn"}


def weekday_vi(day: date) -> str:
    return _(_WEEKDAYS[day.weekday()])


def format_date(day: date | None) -> str:
    return day.strftime("%d/%m/%Y") if day else ""


def format_datetime(moment: datetime | None) -> str:
    """'09:30 Thứ Năm, 26/11/2026' in Vietnam time."""
    if moment is None:
        return ""
    local = moment.astimezone(VN_TZ)
    return f"{local:%H:%M} {weekday_vi(local.date())}, {local:%d/%m/%Y}"


def deadline_label(state: str) -> str:
    return _(_DEADLINE_LABELS.get(state, state))


def dossier_lines(info: DossierInfo) -> list[str]:
    """The dossier as the counter would read it aloud."""
    citizen = info.citizen
    lines = [
        _("Mã hồ sơ:      {v}").format(v=info.code),
        _("Thủ tục:       {code} — {name}").format(code=info.procedure_code,
                                                  name=info.procedure_name),
        _("Người nộp:     {name} (CCCD {id})").format(name=citizen.full_name,
                                                      id=citizen.id_number),
        _("Ngày sinh:     {v}").format(v=format_date(citizen.date_of_birth)),
        _("Địa chỉ:       {v}").format(v=citizen.address),
        _("Điện thoại:    {v}").format(v=info.phone or "—"),
        _("Tiếp nhận lúc: {v}").format(v=format_datetime(info.received_at)),
        _("Hẹn trả:       {v}").format(v=format_datetime(info.due_at)),
        _("Lệ phí:        {v}").format(v=format_vnd(info.fee_vnd)),
        _("Trạng thái:    {label} ({status}) — {deadline}").format(
            label=info.status_label, status=info.status,
            deadline=deadline_label(info.deadline_state)),
        _("Mã đồng bộ:    {v} ({state})").format(v=info.uuid, state=info.sync_state),
    ]
    if info.papers:
        lines.append(_("Giấy tờ đã nhận:"))
        lines += [f"  - {p.name} ({p.kind}, {p.count})" for p in info.papers]
    if info.events:
        lines.append(_("Lịch sử:"))
        for event in info.events:
            step = f"{event.from_status or ''} → {event.to_status or ''}".strip()
            note = f" — {event.note}" if event.note else ""
            actor = f" [{event.actor}]" if event.actor else ""
            lines.append(f"  {format_datetime(event.at)}  {event.kind}: {step}{actor}{note}")
    return lines

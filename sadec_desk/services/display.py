"""How dates, money, labels and records read to a Vietnamese clerk (pure functions): the one
place the screens, the CLI and the exports take display text from."""

from __future__ import annotations

from datetime import date, datetime

from sadec_desk.domain.calendar import weekday_title
from sadec_desk.domain.catalogue import Paper
from sadec_desk.domain.fees import format_vnd
from sadec_desk.domain.lifecycle import STATUS_LABELS, DossierStatus, deadline_label
from sadec_desk.domain.timezone import VN_TZ
from sadec_desk.i18n import _
from sadec_desk.services.records import SYNC_DISMISSED_EVENT, DossierInfo, EventInfo


def size_text(size_bytes: int) -> str:
    """A file's size as a Vietnamese reader writes it: '350 KB', '1,2 MB', '2,4 GB' (decimal
    units, as a USB stick's label counts them; a comma before the one decimal). Under 1 KB
    is '1 KB' (a file is never shown as nothing), an empty one '0 KB'. The one formatting
    of sizes for the kiosk's USB list, the status bar and the command line."""
    if size_bytes < 0:
        raise ValueError(f"a size cannot be negative: {size_bytes}")
    kilobytes = round(size_bytes / 1000)
    if kilobytes < 1000:
        return _("{n} KB").format(n=max(1, kilobytes) if size_bytes else 0)
    megabytes = round(size_bytes / 1_000_000, 1)
    if megabytes < 1000:
        return _("{n} MB").format(n=_one_decimal(megabytes))
    return _("{n} GB").format(n=_one_decimal(round(size_bytes / 1_000_000_000, 1)))


def _one_decimal(value: float) -> str:
    return f"{value:.1f}".replace(".", ",")


def weekday_vi(day: date) -> str:
    """'Thứ Năm' (the domain owns the weekday names)."""
    return weekday_title(day.weekday())


# how a dossier came in (the codes of services.reception.dossiers.CHANNELS)
CHANNEL_LABELS = {"counter": lambda: _("Tại quầy"), "kiosk": lambda: _("Ki-ốt"),
                  "online": lambda: _("Trực tuyến"), "postal": lambda: _("Bưu chính")}


def channel_label(channel: str) -> str:
    label = CHANNEL_LABELS.get(channel)
    return label() if label else channel


# how the citizen wants the result (services.reception.dossiers.RESULT_DELIVERIES)
RESULT_DELIVERY_LABELS = {"office": lambda: _("Tại Bộ phận một cửa"),
                          "post": lambda: _("Qua bưu chính công ích")}


def result_delivery_label(value: str) -> str:
    label = RESULT_DELIVERY_LABELS.get(value)
    return label() if label else value


# a dossier's sync state (sync_state column), as the counter shows it
SYNC_LABELS = {"pending": "Chờ gửi", "synced": "Đã đồng bộ", "conflict": "Xung đột",
               "rejected": "Bị từ chối"}


def sync_label(state: str) -> str:
    return _(SYNC_LABELS.get(state, state))


def format_date(day: date | None) -> str:
    return day.strftime("%d/%m/%Y") if day else ""


def format_datetime(moment: datetime | None) -> str:
    """'09:30 Thứ Năm, 26/11/2026' in Vietnam time."""
    if moment is None:
        return ""
    local = moment.astimezone(VN_TZ)
    return f"{local:%H:%M} {weekday_vi(local.date())}, {local:%d/%m/%Y}"


def format_time(moment: datetime | None) -> str:
    """'09:30' in Vietnam time, whatever the machine's time zone."""
    return f"{moment.astimezone(VN_TZ):%H:%M}" if moment else ""


def format_moment(moment: datetime | None, *, empty: str = "—", sep: str = " ") -> str:
    """'09:30 26/11/2026' in Vietnam time (lists and the board, where the weekday is noise)."""
    if moment is None:
        return empty
    local = moment.astimezone(VN_TZ)
    return f"{local:%H:%M}{sep}{local:%d/%m/%Y}"


def dossier_lines(info: DossierInfo, *, technical: bool = True) -> list[str]:
    """The dossier as the counter would read it aloud. ``technical``: also the status's
    English code and the sync UUID (the command line, where they are typed); the counter
    screen leaves them out (#17 low items)."""
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
        _("Nhận kết quả:  {v}").format(v=result_delivery_label(info.result_delivery)),
        _("Lệ phí:        {v}").format(v=format_vnd(info.fee_vnd)),
        _("Trạng thái:    {label} ({status}) — {deadline}").format(
            label=info.status_label, status=info.status,
            deadline=deadline_label(info.deadline_state)),
        _("Mã đồng bộ:    {v} ({state})").format(v=info.uuid, state=info.sync_state),
    ]
    if not technical:
        lines[-2:] = [_("Trạng thái:    {label} — {deadline}").format(
            label=info.status_label, deadline=deadline_label(info.deadline_state))]
    if info.papers:
        lines.append(_("Giấy tờ đã nhận:"))
        lines += [f"  - {Paper(p.name, p.kind, p.count).label}" for p in info.papers]
    if info.events:
        lines.append(_("Lịch sử:"))
        lines += [f"  {format_datetime(event.at)}  {event_text(event)}" for event in info.events]
    return lines


def event_text(event: EventInfo) -> str:
    """One line of a dossier's history, e.g. 'Đã tiếp nhận → Đang xử lý [Lan] — ghi chú'."""
    if event.kind == "received":
        text = _("Tiếp nhận hồ sơ")
    elif event.kind == "rescheduled":
        text = _("Hẹn lại ngày trả (Mẫu 04)")
    elif event.kind == "pages":
        text = _("Giấy tờ đã quét")
    elif event.kind == "form":
        text = _("Tờ khai điện tử")
    elif event.kind == "result":  # services/pages/results.py; the note names the document
        text = _("Đính kèm kết quả")
    elif event.kind == "result_removed":  # the note names the document (and why)
        text = _("Bỏ kết quả đã đính kèm")
    elif event.kind == SYNC_DISMISSED_EVENT:  # the note says why (sync/conflicts.py)
        text = _("Đồng bộ")
    else:
        labels = [STATUS_LABELS[DossierStatus(s)] for s in (event.from_status, event.to_status)
                  if s]
        text = " → ".join(labels)
    if event.actor:
        text += f" [{event.actor}]"
    if event.note:
        text += f" — {event.note}"
    return text

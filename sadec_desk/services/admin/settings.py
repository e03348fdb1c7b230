"""The IT officer's settings, read and saved with checks (the "Quản trị" screens).

Every setting the window changes goes through a function here: the input is checked,
a bad value is refused with a Vietnamese sentence saying what to fix, the good value is
written with :func:`sadec_desk.config.save_setting`, and the context's configuration (and
the cached working calendar) is reloaded so the change applies at once.
"""

from __future__ import annotations

import os
import re
import tempfile
import tomllib
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import tomli_w

from sadec_desk.config import save_setting
from sadec_desk.domain.calendar import parse_overrides, weekday_name
from sadec_desk.domain.timezone import VN_TZ
from sadec_desk.errors import InvalidInput, UserError
from sadec_desk.files import atomic_write
from sadec_desk.i18n import _
from sadec_desk.printers import profiles as prof
from sadec_desk.printers import transports as tr
from sadec_desk.services.access import ADMIN_ROLES, ANY_ROLE, require_role
from sadec_desk.services.admin import office
from sadec_desk.services.printing import devices as printer_devices
from sadec_desk.services.printing import jobs, slips
from sadec_desk.services.queue import setup as queue_setup

if TYPE_CHECKING:
    from sadec_desk.services.context import AppContext

LANGUAGES = {"vi": "Tiếng Việt", "en": "English"}
OVERRIDES_NAME = "calendar_overrides.toml"
_PRINTER_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")


def _save(ctx: AppContext, name: str, value: Any) -> None:
    save_setting(name, value, ctx.config.path)
    ctx.reload_config()


# --- office, language, kiosk ------------------------------------------------------------


@dataclass(frozen=True)
class GeneralSettings:
    office_name: str
    agency_code: str
    language: str
    procedure_url: str
    lookup_url: str


def general_settings(ctx: AppContext) -> GeneralSettings:
    require_role(ctx, *ADMIN_ROLES)
    return GeneralSettings(office_name=ctx.config["office.name"],
                           agency_code=ctx.config["office.agency_code"],
                           language=ctx.config["ui.language"],
                           procedure_url=ctx.config["kiosk.procedure_url"],
                           lookup_url=ctx.config["printing.lookup_url"])


def save_office(ctx: AppContext, *, name: str, agency_code: str) -> GeneralSettings:
    """Office name and agency code (QCVN 102:2016); the code starts every dossier code."""
    require_role(ctx, *ADMIN_ROLES)
    office.init_office(ctx, agency_code=(agency_code or "").strip() or None,
                       office_name=name or "")
    ctx.reload_config()
    return general_settings(ctx)


def save_language(ctx: AppContext, language: str) -> GeneralSettings:
    require_role(ctx, *ADMIN_ROLES)
    if language not in LANGUAGES:
        raise InvalidInput(_("Ngôn ngữ «{lang}» không có; chọn Tiếng Việt (vi) hoặc English (en).")
                           .format(lang=language))
    _save(ctx, "ui.language", language)
    return general_settings(ctx)


def check_url_template(text: str, what: str) -> str:
    """An http(s) address, optionally with ``{code}`` where the code goes; "" is allowed."""
    url = (text or "").strip()
    if not url:
        return ""
    bad = InvalidInput(_("Địa chỉ {what} «{url}» không hợp lệ: hãy nhập địa chỉ bắt đầu bằng "
                         "https:// và chỉ dùng {{code}} làm chỗ điền mã.").format(
                             what=what, url=url[:80]))
    if not re.match(r"^https?://[^\s/]+", url) or any(c.isspace() for c in url):
        raise bad
    try:
        url.format(code="X")
    except (KeyError, IndexError, ValueError):
        raise bad from None
    return url


def save_kiosk_urls(ctx: AppContext, *, procedure_url: str, lookup_url: str) -> GeneralSettings:
    require_role(ctx, *ADMIN_ROLES)
    procedure = check_url_template(procedure_url, _("trang thủ tục"))
    lookup = check_url_template(lookup_url, _("tra cứu hồ sơ"))
    _save(ctx, "kiosk.procedure_url", procedure)
    _save(ctx, "printing.lookup_url", lookup)
    return general_settings(ctx)


# --- printers ---------------------------------------------------------------------------


def save_printer(ctx: AppContext, *, name: str, connection: str, profile: str,
                 default: bool = False) -> list[printer_devices.PrinterInfo]:
    """Add or change a printer: its name, connection string and model."""
    require_role(ctx, *ADMIN_ROLES)
    key = (name or "").strip().lower()
    if key == printer_devices.PREVIEW_PRINTER:
        raise InvalidInput(_("Tên «preview» dành cho máy in xem trước; hãy đặt tên khác, ví dụ "
                             "quay1."))
    if not _PRINTER_NAME.fullmatch(key):
        raise InvalidInput(_("Tên máy in chỉ gồm chữ thường không dấu, số, «-» hoặc «_» (tối đa "
                             "32 ký tự), ví dụ quay1."))
    conn = tr.parse_connection(connection)  # InvalidInput with examples when malformed
    prof.get_profile((profile or "").strip())
    printers = dict(ctx.config["printing.printers"])
    printers[key] = conn.text or connection.strip()
    profiles = dict(ctx.config["printing.profiles"])
    profiles[key] = profile.strip()
    _save(ctx, "printing.printers", printers)
    _save(ctx, "printing.profiles", profiles)
    if default:
        _save(ctx, "printing.printer", key)
    return printer_devices.list_printers(ctx)


def set_default_printer(ctx: AppContext, name: str) -> list[printer_devices.PrinterInfo]:
    require_role(ctx, *ADMIN_ROLES)
    printer_devices.resolve_printer(ctx, name)  # NotFound names the configured printers
    _save(ctx, "printing.printer", name)
    return printer_devices.list_printers(ctx)


#: characters a CUPS queue name cannot hold (CUPS: any printable character but these)
_CUPS_FORBIDDEN = (" ", "/", "#")
CUPS_NAME_MAX = 127


def office_printer(ctx: AppContext) -> str:
    """The office laser printer of the A5 forms (a CUPS queue name; "" = save the PDF only)."""
    require_role(ctx, *ANY_ROLE)
    return (ctx.config["printing.office_printer"] or "").strip()


def check_office_printer(text: str) -> str:
    """A CUPS queue name, trimmed; "" is allowed (the forms are then only saved)."""
    name = (text or "").strip()
    if not name:
        return ""
    if any(c in _CUPS_FORBIDDEN or c.isspace() or not c.isprintable() for c in name):
        raise InvalidInput(_("Tên hàng đợi máy in «{name}» không hợp lệ: tên máy in CUPS không "
                             "được có dấu cách, «/» hoặc «#»; ví dụ Laser_VanPhong (xem bằng "
                             "lệnh lpstat -p).").format(name=name[:60]))
    if len(name) > CUPS_NAME_MAX:
        raise InvalidInput(_("Tên hàng đợi máy in dài quá {n} ký tự; hãy nhập đúng tên hàng đợi "
                             "CUPS.").format(n=CUPS_NAME_MAX))
    return name


def save_office_printer(ctx: AppContext, name: str) -> str:
    """Set ``printing.office_printer``; returns the saved name ("" = forms saved only)."""
    require_role(ctx, *ADMIN_ROLES)
    _save(ctx, "printing.office_printer", check_office_printer(name))
    return office_printer(ctx)


# --- the document scanner of the kiosk and the counter -----------------------------------


def scanner_device(ctx: AppContext) -> str:
    """``scanning.device``: the scanner pages are taken from ("" = the first found)."""
    require_role(ctx, *ANY_ROLE)
    return (ctx.config["scanning.device"] or "").strip()


def find_scanners(ctx: AppContext) -> list:
    """The scanners this machine sees (SANE on Linux, WIA on Windows)."""
    from sadec_desk.adapters import scanner

    require_role(ctx, *ADMIN_ROLES)
    return scanner.list_scanners(ctx)


def save_scanner(ctx: AppContext, device: str) -> str:
    """Set ``scanning.device``; returns the saved name."""
    require_role(ctx, *ADMIN_ROLES)
    name = (device or "").strip()
    if len(name) > 200 or any(not c.isprintable() for c in name):
        raise InvalidInput(_("Tên máy quét không hợp lệ; hãy bấm «Tìm máy quét» rồi chọn trong "
                             "danh sách."))
    _save(ctx, "scanning.device", name)
    return scanner_device(ctx)


def test_scan(ctx: AppContext, device: str) -> bytes:
    """Scan one page from ``device`` (or the setting's) and hand back a small PNG of it."""
    from sadec_desk.adapters import imaging, scanner

    require_role(ctx, *ADMIN_ROLES)
    return imaging.thumbnail_png(scanner.scan_page(ctx, device.strip() or None), 220)


def preview_printer(ctx: AppContext, name: str) -> Path:
    """A PNG of a sample ticket as this printer's model draws it (shown in the window)."""
    require_role(ctx, *ADMIN_ROLES)
    out = Path(tempfile.gettempdir()) / f"sadec-desk-preview-{os.getpid()}-{name}.png"
    return slips.preview_ticket(ctx, number="A001", service=_("Hộ tịch"), out=out,
                                waiting_ahead=3, printer=name)


def test_print(ctx: AppContext, name: str) -> jobs.PrintJobInfo:
    require_role(ctx, *ADMIN_ROLES)
    return jobs.print_test_page(ctx, name)


# --- calendar ---------------------------------------------------------------------------


@dataclass(frozen=True)
class DayNote:
    day: date
    text: str


@dataclass(frozen=True)
class CalendarSettingsInfo:
    working_weekdays: tuple[int, ...]
    same_day_weekdays: tuple[int, ...]
    weekday_names: tuple[str, ...]  # 0 = thứ Hai ... 6 = Chủ nhật
    cutoff: str
    overrides_file: str  # "" = the file shipped with the app
    days_off: tuple[DayNote, ...]
    working_days: tuple[DayNote, ...]
    next_holidays: tuple[DayNote, ...]


def _overrides_text(ctx: AppContext) -> str:
    path = ctx.config["calendar.overrides_file"]
    if path:
        return Path(path).read_text(encoding="utf-8")
    return (resources.files("sadec_desk.db") / "seed" / OVERRIDES_NAME).read_text(
        encoding="utf-8")


def _override_entries(ctx: AppContext) -> dict[str, list[dict]]:
    try:
        data = tomllib.loads(_overrides_text(ctx))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise InvalidInput(_("Không đọc được tệp ngày nghỉ/ngày làm bù ({error}); hãy sửa tệp "
                             "hoặc chọn lại.").format(error=exc)) from None
    parse_overrides(data)  # the same checks as the calendar itself
    out: dict[str, list[dict]] = {}
    for section in ("days_off", "working_days"):
        entries = []
        for entry in data.get(section, []):
            raw = entry.get("date") if isinstance(entry, dict) else entry
            day = raw if isinstance(raw, date) else date.fromisoformat(str(raw).strip())
            reason = entry.get("reason", "") if isinstance(entry, dict) else ""
            entries.append({"date": day, "reason": str(reason)})
        out[section] = sorted(entries, key=lambda e: e["date"])
    return out


def next_holidays(ctx: AppContext, count: int = 8) -> tuple[DayNote, ...]:
    """The next days off (public holidays and the office's own) from today."""
    require_role(ctx, *ADMIN_ROLES)
    today = ctx.now().astimezone(VN_TZ).date()
    found: list[DayNote] = []
    for i in range(400):
        day = today + timedelta(days=i)
        name = ctx.calendar.holiday_name(day)
        if name:
            found.append(DayNote(day, name))
            if len(found) >= count:
                break
    return tuple(found)


def calendar_settings(ctx: AppContext) -> CalendarSettingsInfo:
    require_role(ctx, *ADMIN_ROLES)
    entries = _override_entries(ctx)
    return CalendarSettingsInfo(
        working_weekdays=tuple(ctx.config["calendar.working_weekdays"]),
        same_day_weekdays=tuple(sorted(ctx.config["calendar.same_day_weekdays"])),
        weekday_names=tuple(weekday_name(d) for d in range(7)),
        cutoff=ctx.config["calendar.cutoff"],
        overrides_file=ctx.config["calendar.overrides_file"],
        days_off=tuple(DayNote(e["date"], e["reason"]) for e in entries["days_off"]),
        working_days=tuple(DayNote(e["date"], e["reason"]) for e in entries["working_days"]),
        next_holidays=next_holidays(ctx))


def save_same_day_weekdays(ctx: AppContext, weekdays) -> CalendarSettingsInfo:
    """"Ngày thứ Năm không hẹn": the weekdays eligible procedures are due the same day."""
    require_role(ctx, *ADMIN_ROLES)
    queue_setup.set_same_day_weekdays(ctx, list(weekdays))
    ctx.reload_config()
    return calendar_settings(ctx)


def parse_day(text: str) -> date:
    """A day typed as dd/mm/yyyy (or yyyy-mm-dd)."""
    raw = (text or "").strip()
    try:
        if re.fullmatch(r"\d{1,2}/\d{1,2}/\d{4}", raw):
            d, m, y = (int(p) for p in raw.split("/"))
            return date(y, m, d)
        return date.fromisoformat(raw)
    except ValueError:
        raise InvalidInput(_("Ngày «{value}» không hợp lệ; hãy nhập dạng ngày/tháng/năm, ví dụ "
                             "02/09/2026.").format(value=raw[:20])) from None


def _write_overrides(ctx: AppContext, entries: dict[str, list[dict]]) -> None:
    parse_overrides(entries)  # refuse a day in both lists before writing anything
    path_text = ctx.config["calendar.overrides_file"]
    path = Path(path_text) if path_text else ctx.config.data_dir / OVERRIDES_NAME
    header = ("# Ngày nghỉ và ngày làm bù của cơ quan (sửa trong màn hình Quản trị > Lịch làm "
              "việc).\n")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, header + tomli_w.dumps(entries))
    except OSError as exc:
        raise InvalidInput(_("Không ghi được tệp ngày nghỉ {path} ({error}).").format(
            path=path, error=exc)) from None
    if not path_text:
        _save(ctx, "calendar.overrides_file", str(path))
    ctx.reload_config()


def add_day_override(ctx: AppContext, *, kind: str, day: str, reason: str
                     ) -> CalendarSettingsInfo:
    """An extra day off (``kind="off"``) or a swapped working day (``kind="work"``)."""
    require_role(ctx, *ADMIN_ROLES)
    if kind not in ("off", "work"):
        raise InvalidInput(_("Chọn «ngày nghỉ» hoặc «ngày làm bù»."))
    when = parse_day(day)
    why = " ".join((reason or "").split())
    if not why:
        raise InvalidInput(_("Hãy ghi lý do (ví dụ: Nghỉ bù dịp 2/9), để cán bộ biết vì sao."))
    if len(why) > 200:
        raise InvalidInput(_("Lý do dài quá 200 ký tự; hãy viết ngắn lại."))
    entries = _override_entries(ctx)
    section = "days_off" if kind == "off" else "working_days"
    other = "working_days" if kind == "off" else "days_off"
    if any(e["date"] == when for e in entries[other]):
        raise InvalidInput(_("Ngày {day} đã có trong danh sách kia; hãy xoá ở đó trước.")
                           .format(day=when.strftime("%d/%m/%Y")))
    entries[section] = [e for e in entries[section] if e["date"] != when]
    entries[section].append({"date": when, "reason": why})
    entries[section].sort(key=lambda e: e["date"])
    _write_overrides(ctx, entries)
    return calendar_settings(ctx)


def remove_day_override(ctx: AppContext, day: date) -> CalendarSettingsInfo:
    require_role(ctx, *ADMIN_ROLES)
    entries = _override_entries(ctx)
    for section in entries:
        entries[section] = [e for e in entries[section] if e["date"] != day]
    _write_overrides(ctx, entries)
    return calendar_settings(ctx)


# --- backups ----------------------------------------------------------------------------


@dataclass(frozen=True)
class BackupSettings:
    configured: str  # "" = the default folder
    folder: str  # where backups go
    interval_hours: int
    keep_last: int
    newest: str  # name and time of the newest backup, "" if none
    count: int
    error: str  # why the list could not be read


def backup_settings(ctx: AppContext) -> BackupSettings:
    require_role(ctx, *ADMIN_ROLES)
    from sadec_desk.services.admin import backup

    newest, count, error = "", 0, ""
    try:
        items = backup.list_backups(ctx)
        count = len(items)
        if items:
            latest = max(items, key=lambda b: b.created_at)
            when: datetime | str = latest.created_at
            if isinstance(when, datetime):
                when = when.astimezone(VN_TZ).strftime("%d/%m/%Y %H:%M")
            newest = f"{latest.name} ({when})"
    except UserError as exc:
        error = str(exc)
    return BackupSettings(configured=ctx.config["backup.dir"], folder=str(backup.backup_dir(ctx)),
                          interval_hours=ctx.config["backup.interval_hours"],
                          keep_last=ctx.config["backup.keep_last"], newest=newest, count=count,
                          error=error)


def save_backup_dir(ctx: AppContext, folder: str) -> BackupSettings:
    """The backup folder: it must be a full path that this machine can write to."""
    require_role(ctx, *ADMIN_ROLES)
    text = (folder or "").strip()
    if text:
        path = Path(text).expanduser()
        if not path.is_absolute():
            raise InvalidInput(_("Hãy nhập đường dẫn đầy đủ của thư mục sao lưu, ví dụ "
                                 "/media/usb/saoluu hoặc D:\\SaoLuu."))
        try:
            path.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=path, prefix=".sadec-write-test"):
                pass
        except OSError as exc:
            raise InvalidInput(_("Không ghi được vào thư mục {path} ({error}); hãy chọn thư mục "
                                 "khác hoặc cắm ổ USB.").format(path=path, error=exc.strerror
                                                                or exc)) from None
        text = str(path)
    _save(ctx, "backup.dir", text)
    return backup_settings(ctx)


def create_backup_now(ctx: AppContext) -> str:
    require_role(ctx, "it", "leader")
    from sadec_desk.services.admin import backup

    info = backup.create_backup(ctx, purpose="manual")
    return info.name

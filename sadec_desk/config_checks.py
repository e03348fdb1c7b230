"""What each setting's value means (issue #18 item 4): the checks ``config set``, the IT
screens (through ``config.save_setting``) and the reading of the file apply, so a wrong value is
refused where it is typed, not by every receive afterwards with an unrelated message."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import time
from typing import Any

from sadec_desk.i18n import LOCALE_DIR, _


def available_languages() -> tuple[str, ...]:
    """Vietnamese (the message ids themselves) and every language with a catalogue."""
    found = sorted(d.name for d in LOCALE_DIR.iterdir()
                   if (d / "LC_MESSAGES" / "sadec_desk.mo").is_file())
    return ("vi", *found)


def _time_of_day(value: str) -> str:
    match = re.fullmatch(r"(\d{1,2}):(\d{2})", value.strip())
    if match is None or int(match[1]) > 23 or int(match[2]) > 59:
        raise ValueError(_("cần giờ trong ngày dạng HH:MM, ví dụ 15:00"))
    return time(int(match[1]), int(match[2])).strftime("%H:%M")


def _weekdays(*, at_least_one: bool) -> Callable[[list], list]:
    def check(value: list) -> list:
        if any(not 0 <= d <= 6 for d in value):
            raise ValueError(_("các ngày trong tuần là số từ 0 (thứ Hai) đến 6 (Chủ nhật), "
                               "ví dụ [0, 1, 2, 3, 4]"))
        if at_least_one and not value:
            raise ValueError(_("cần ít nhất một ngày làm việc"))
        return sorted(set(value))
    return check


def _between(low: int, high: int) -> Callable[[int], int]:
    def check(value: int) -> int:
        if not low <= value <= high:
            raise ValueError(_("cần một số từ {low} đến {high}").format(low=low, high=high))
        return value
    return check


def _one_of(*choices: str) -> Callable[[str], str]:
    def check(value: str) -> str:
        if value not in choices:
            raise ValueError(_("chọn một trong: {choices}").format(choices=", ".join(choices)))
        return value
    return check


def _language(value: str) -> str:
    return _one_of(*available_languages())(value.strip().lower())


def _url_or_empty(value: str) -> str:
    url = value.strip()
    if url and (not re.match(r"^https?://[^\s/?#]+", url) or any(c.isspace() for c in url)):
        raise ValueError(_("cần một địa chỉ bắt đầu bằng https:// (hoặc http://), hoặc để trống"))
    return url


def _bank_bin(value: str) -> str:
    if value.strip() and not re.fullmatch(r"\d{6}", value.strip()):
        raise ValueError(_("mã BIN của ngân hàng gồm đúng 6 chữ số, ví dụ 970415"))
    return value.strip()


def _announce_template(value: str) -> str:
    try:
        value.format(number="A012", counter="2", counter_name="Quầy 2")
    except (KeyError, IndexError, ValueError):
        raise ValueError(_("chỉ dùng các chỗ điền {number}, {counter} và {counter_name}")
                         ) from None
    return value


def _fees(value: dict) -> dict:
    if any(amount < 0 for amount in value.values()):
        raise ValueError(_("mức phí là số đồng không âm"))
    return value


#: setting -> its check of meaning; returns the value as stored, or ValueError(what is
#: expected). An int setting not listed must simply not be negative.
CHECKS: dict[str, Callable[[Any], Any]] = {
    "database.busy_timeout_ms": _between(0, 600_000),
    "calendar.working_weekdays": _weekdays(at_least_one=True),
    "calendar.opening": _time_of_day,
    "calendar.closing": _time_of_day,
    "calendar.cutoff": _time_of_day,
    "calendar.same_day_weekdays": _weekdays(at_least_one=False),
    "queue.no_wait_weekdays": _weekdays(at_least_one=False),
    "queue.priority_interleave": _between(0, 100),
    "queue.wait_promise_minutes": _between(1, 24 * 60),
    "queue.announce_template": _announce_template,
    "fees.council": _fees,
    "ui.language": _language,
    "printing.mode": _one_of("raster", "text"),
    "printing.text_encoding": _one_of("cp1258", "tcvn3"),
    "printing.timeout_seconds": _between(1, 600),
    "printing.max_attempts": _between(1, 100),
    "printing.retry_seconds": _between(1, 3600),
    "printing.lookup_url": _url_or_empty,
    "kiosk.procedure_url": _url_or_empty,
    "kiosk.form_idle_seconds": _between(10, 3600),
    "payment.bank_bin": _bank_bin,
    "sync.portal_url": _url_or_empty,
    "sync.adapter": _one_of("reference", "gateway"),
    "sync.batch_size": _between(1, 10_000),
    "sync.chunk_bytes": _between(1024, 64 * 1024 * 1024),
    "sync.timeout_seconds": _between(1, 600),
    "sync.interval_seconds": _between(1, 86_400),
    "sync.backoff_base_seconds": _between(1, 3600),
    "sync.backoff_max_seconds": _between(1, 86_400),
    "sync.gateway_url": _url_or_empty,
    "backup.interval_hours": _between(1, 24 * 366),
    "backup.keep_last": _between(1, 10_000),
    "backup.keep_monthly": _between(0, 1000),
    "scanning.resolution": _between(50, 1200),
    "scanning.mode": _one_of("Gray", "Color", "Lineart"),
    "scanning.timeout_seconds": _between(1, 3600),
    "attachments.max_page_bytes": _between(10_000, 50_000_000),
    "attachments.max_long_side": _between(200, 20_000),
    "attachments.max_pages": _between(1, 1000),
    "board.monitor": _between(0, 63),
    "station.heartbeat_seconds": _between(5, 3600),
}

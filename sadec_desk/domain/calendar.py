"""Working days and public holidays of a commune desk (docs/design.md §3.2).

Public holidays follow Bộ luật Lao động 2019 Art. 112 as computed by ``holidays.Vietnam``
(lunar dates, the compensation day for a holiday that falls on a weekend and the
Government's day swaps it knows about). Later swap decisions come from an override file
(``db/seed/calendar_overrides.toml``) that the caller parses with :func:`parse_overrides`
and passes in :class:`CalendarSettings`.

The due date of a procedure, counted on this calendar, is in
:mod:`sadec_desk.domain.deadlines`; Vietnam time (``VN_TZ``) in
:mod:`sadec_desk.domain.timezone`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

import holidays

from sadec_desk.errors import InvalidInput
from sadec_desk.i18n import _

_WEEKDAY_NAMES: tuple[Callable[[], str], ...] = (
    lambda: _("thứ Hai"),
    lambda: _("thứ Ba"),
    lambda: _("thứ Tư"),
    lambda: _("thứ Năm"),
    lambda: _("thứ Sáu"),
    lambda: _("thứ Bảy"),
    lambda: _("Chủ nhật"),
)
# the same days at the head of a date ("09:30 Thứ Năm, 26/11/2026" on slips and screens);
# literal _() calls so that xgettext finds them
_WEEKDAY_TITLES: tuple[Callable[[], str], ...] = (
    lambda: _("Thứ Hai"),
    lambda: _("Thứ Ba"),
    lambda: _("Thứ Tư"),
    lambda: _("Thứ Năm"),
    lambda: _("Thứ Sáu"),
    lambda: _("Thứ Bảy"),
    lambda: _("Chủ Nhật"),
)

# Searching for a working day gives up after this many days: with at least one working
# weekday a match always comes within a week or two, so hitting it means the settings
# (or the override file) turned every day into a day off.
_MAX_SEARCH_DAYS = 366 * 2


def weekday_name(weekday: int) -> str:
    """Vietnamese name of a weekday (0 = Monday) inside a sentence, e.g. "thứ Năm"."""
    return _WEEKDAY_NAMES[weekday]()


def weekday_title(weekday: int) -> str:
    """Vietnamese name of a weekday (0 = Monday) heading a date, e.g. "Thứ Năm"."""
    return _WEEKDAY_TITLES[weekday]()


def _weekday_set(value: Iterable[int], what: str) -> frozenset[int]:
    try:
        days = frozenset(value)
    except TypeError:
        days = frozenset({-1})
    if not all(isinstance(d, int) and not isinstance(d, bool) and 0 <= d <= 6 for d in days):
        raise InvalidInput(
            _("Cài đặt «{what}» không hợp lệ; hãy dùng các số từ 0 (thứ Hai) đến 6 (Chủ nhật).")
            .format(what=what)
        )
    return days


@dataclass(frozen=True)
class CalendarSettings:
    """Office hours and working days of one desk; all of it is per-office configuration."""

    working_weekdays: frozenset[int] = frozenset({0, 1, 2, 3, 4})
    opening: time = time(7, 30)
    closing: time = time(17, 0)
    # NĐ 61/2018 Art. 18(2), Luật Hộ tịch 2014 Art. 9: received after 15:00 counts from
    # the next working day.  The hour is a setting (docs/design.md §3.2).
    cutoff: time = time(15, 0)
    # "Ngày thứ Năm không hẹn": weekdays on which eligible procedures are done the same day.
    same_day_weekdays: frozenset[int] = frozenset()
    extra_days_off: frozenset[date] = field(default_factory=frozenset)
    extra_working_days: frozenset[date] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        # Accept any iterable from a config loader but store frozensets (hashable, immutable).
        working = _weekday_set(self.working_weekdays, "working_weekdays")
        if not working:
            raise InvalidInput(
                _("Cần ít nhất một ngày làm việc trong tuần; hãy sửa cài đặt «working_weekdays».")
            )
        object.__setattr__(self, "working_weekdays", working)
        object.__setattr__(
            self, "same_day_weekdays", _weekday_set(self.same_day_weekdays, "same_day_weekdays")
        )
        object.__setattr__(self, "extra_days_off", frozenset(self.extra_days_off))
        object.__setattr__(self, "extra_working_days", frozenset(self.extra_working_days))
        for name in ("opening", "closing", "cutoff"):
            if not isinstance(getattr(self, name), time):
                raise InvalidInput(
                    _("Giờ «{name}» không hợp lệ; hãy nhập giờ dạng HH:MM.").format(name=name)
                )
        if not self.opening < self.closing:
            raise InvalidInput(
                _("Giờ mở cửa ({opening}) phải sớm hơn giờ đóng cửa ({closing}); "
                  "hãy sửa cài đặt giờ làm việc.")
                .format(opening=self.opening.strftime("%H:%M"),
                        closing=self.closing.strftime("%H:%M"))
            )
        if not self.opening <= self.cutoff <= self.closing:
            raise InvalidInput(
                _("Giờ chốt nhận hồ sơ ({cutoff}) phải nằm trong giờ làm việc "
                  "({opening}–{closing}); hãy sửa cài đặt «cutoff».")
                .format(cutoff=self.cutoff.strftime("%H:%M"),
                        opening=self.opening.strftime("%H:%M"),
                        closing=self.closing.strftime("%H:%M"))
            )
        both = self.extra_days_off & self.extra_working_days
        if both:
            raise InvalidInput(
                _("Ngày {day} vừa là ngày nghỉ vừa là ngày làm bù; hãy giữ lại một trong hai.")
                .format(day=min(both).strftime("%d/%m/%Y"))
            )


# ---------------------------------------------------------------------------
# Override file


def _parse_day(value: Any, section: str, index: int) -> date:
    raw = value.get("date") if isinstance(value, dict) else value
    if isinstance(raw, datetime):
        raw = raw.isoformat()  # a date-time is not a day: report it like any bad text
    if isinstance(raw, date):
        return raw
    if isinstance(raw, str):
        try:
            return date.fromisoformat(raw.strip())
        except ValueError:
            pass
    raise InvalidInput(
        _("Tệp ngày nghỉ/làm bù: mục {n} của «{section}» có ngày «{value}» không hợp lệ; "
          "hãy viết ngày dạng YYYY-MM-DD, ví dụ 2025-05-02.")
        .format(n=index + 1, section=section, value=raw)
    )


def parse_overrides(data: dict) -> tuple[frozenset[date], frozenset[date]]:
    """``(days_off, working_days)`` from the override file's parsed content.

    ``data`` is ``{"days_off": [{"date": "2025-05-02", "reason": "..."}],
    "working_days": [{"date": "2025-04-26", "reason": "làm bù"}]}``; dates may be ISO
    strings or ``date`` objects (TOML dates parse to ``date``).
    """
    if not isinstance(data, dict):
        raise InvalidInput(
            _("Tệp ngày nghỉ/làm bù không đúng dạng; hãy dùng các mục «days_off» và "
              "«working_days».")
        )
    unknown = sorted(str(k) for k in data if k not in ("days_off", "working_days"))
    if unknown:
        raise InvalidInput(
            _("Tệp ngày nghỉ/làm bù có mục lạ «{keys}»; chỉ dùng «days_off» và «working_days».")
            .format(keys=", ".join(unknown))
        )
    result: list[frozenset[date]] = []
    for section in ("days_off", "working_days"):
        entries = data.get(section, [])
        if not isinstance(entries, list | tuple):
            raise InvalidInput(
                _("Tệp ngày nghỉ/làm bù: «{section}» phải là một danh sách ngày.")
                .format(section=section)
            )
        result.append(
            frozenset(_parse_day(entry, section, i) for i, entry in enumerate(entries))
        )
    days_off, working_days = result
    both = days_off & working_days
    if both:
        raise InvalidInput(
            _("Tệp ngày nghỉ/làm bù: ngày {day} vừa là ngày nghỉ vừa là ngày làm bù; "
              "hãy xoá một trong hai.").format(day=min(both).isoformat())
        )
    return days_off, working_days


# ---------------------------------------------------------------------------
# Working calendar


class WorkingCalendar:
    """Answers "is this a working day?" for one office."""

    def __init__(self, settings: CalendarSettings | None = None):
        self.settings = settings or CalendarSettings()
        self._years: dict[int, holidays.HolidayBase] = {}
        self._lock = threading.Lock()

    def _holidays(self, year: int) -> holidays.HolidayBase:
        # Building a year of lunar holidays costs far more than the lookups: cache per year.
        with self._lock:
            table = self._years.get(year)
            if table is None:
                # holidays.Vietnam already moves a holiday that falls on a weekend to the
                # next working day (Bộ luật Lao động 2019 Art. 112(3)); adding our own
                # compensation on top would count it twice.
                table = holidays.Vietnam(years=year, language="vi")
                self._years[year] = table
            return table

    def holiday_name(self, d: date) -> str | None:
        """The public holiday or office day off on ``d`` (Vietnamese), or None.

        Ordinary weekends have no name; a holiday that falls on a weekend keeps its own.
        """
        if d in self.settings.extra_working_days:
            return None
        if d in self.settings.extra_days_off:
            name = self._holidays(d.year).get(d)
            return name or _("Ngày nghỉ theo thông báo của cơ quan")
        return self._holidays(d.year).get(d)

    def is_working_day(self, d: date) -> bool:
        if isinstance(d, datetime):
            d = d.date()
        s = self.settings
        if d in s.extra_working_days:
            return True
        if d in s.extra_days_off:
            return False
        table = self._holidays(d.year)
        if d in table:
            return False
        # Government swaps known to the package: a Saturday worked in exchange for a
        # bridge day off (e.g. 26 April 2025 for 2 May 2025).
        if d in getattr(table, "weekend_workdays", ()):
            return True
        return d.weekday() in s.working_weekdays

    def _step(self, d: date, direction: int) -> date:
        for _i in range(_MAX_SEARCH_DAYS):
            d += timedelta(days=direction)
            if self.is_working_day(d):
                return d
        raise ValueError(f"no working day within {_MAX_SEARCH_DAYS} days of {d}")

    def next_working_day(self, d: date) -> date:
        """The first working day strictly after ``d``."""
        return self._step(d, +1)

    def previous_working_day(self, d: date) -> date:
        """The last working day strictly before ``d``."""
        return self._step(d, -1)

    def add_working_days(self, d: date, n: int) -> date:
        """The ``n``-th working day after ``d`` (before it when ``n`` < 0; ``d`` when 0)."""
        direction = 1 if n >= 0 else -1
        for _i in range(abs(n)):
            d = self._step(d, direction)
        return d

    def working_days_between(self, a: date, b: date) -> int:
        """Working days ``d`` with ``a < d <= b`` (negative when ``b`` is before ``a``).

        The inverse of :meth:`add_working_days` for working start days:
        ``working_days_between(a, add_working_days(a, n)) == n``.
        """
        if b < a:
            return -self.working_days_between(b, a)
        count = 0
        d = a
        while d < b:
            d += timedelta(days=1)
            if self.is_working_day(d):
                count += 1
        return count

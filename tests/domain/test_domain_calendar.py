import tomllib
from datetime import date, datetime, time, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from seed_procedures import (
    CAL,
    MARITAL_STATUS,
    SEED_DIR,
    vn,
)

from sadec_desk.domain.calendar import (
    CalendarSettings,
    WorkingCalendar,
    parse_overrides,
)
from sadec_desk.domain.deadlines import compute_due
from sadec_desk.errors import InvalidInput


def days(start: date, end: date) -> list[date]:
    return [start + timedelta(n) for n in range((end - start).days + 1)]


# --- working days ------------------------------------------------------------


def test_tet_2026_is_five_days_off():
    for d in days(date(2026, 2, 16), date(2026, 2, 20)):
        assert not CAL.is_working_day(d), d
    assert CAL.is_working_day(date(2026, 2, 13))
    assert CAL.is_working_day(date(2026, 2, 23))
    assert "Tết Nguyên Đán" in CAL.holiday_name(date(2026, 2, 17))


def test_national_day_2025_with_adjacent_day():
    assert not CAL.is_working_day(date(2025, 9, 1))
    assert not CAL.is_working_day(date(2025, 9, 2))
    assert CAL.holiday_name(date(2025, 9, 2)) == "Quốc khánh"
    assert CAL.is_working_day(date(2025, 9, 3))


def test_weekends_and_plain_days():
    assert not CAL.is_working_day(date(2025, 6, 14))  # Saturday
    assert not CAL.is_working_day(date(2025, 6, 15))  # Sunday
    assert CAL.is_working_day(date(2025, 6, 16))
    assert CAL.holiday_name(date(2025, 6, 14)) is None
    assert CAL.holiday_name(date(2025, 6, 16)) is None


def test_holiday_on_a_weekend_is_compensated_once():
    # Hùng Kings 2026 fall on Sunday 26 April: Monday 27 April is off, Tuesday is not.
    assert CAL.holiday_name(date(2026, 4, 26))
    assert not CAL.is_working_day(date(2026, 4, 27))
    assert CAL.is_working_day(date(2026, 4, 28))
    # 2 September 2028 is a Saturday: Friday 1st (adjacent day) and Monday 4th are off.
    assert not CAL.is_working_day(date(2028, 9, 1))
    assert not CAL.is_working_day(date(2028, 9, 4))
    assert CAL.is_working_day(date(2028, 9, 5))
    # 1 May 2027 is a Saturday: Monday 3 May is off, Tuesday 4 May is worked.
    assert not CAL.is_working_day(date(2027, 5, 3))
    assert CAL.is_working_day(date(2027, 5, 4))


def test_government_swap_2025_is_known_even_without_overrides():
    assert not CAL.is_working_day(date(2025, 5, 2))
    assert CAL.is_working_day(date(2025, 4, 26))  # a Saturday worked in exchange


def test_next_and_add_working_days_over_tet():
    assert CAL.next_working_day(date(2026, 2, 13)) == date(2026, 2, 23)
    assert CAL.next_working_day(date(2026, 2, 23)) == date(2026, 2, 24)  # strictly after
    assert CAL.add_working_days(date(2026, 2, 13), 3) == date(2026, 2, 25)
    assert CAL.add_working_days(date(2026, 2, 13), 0) == date(2026, 2, 13)
    assert CAL.add_working_days(date(2026, 2, 25), -3) == date(2026, 2, 13)
    assert CAL.working_days_between(date(2026, 2, 13), date(2026, 2, 25)) == 3
    assert CAL.working_days_between(date(2026, 2, 25), date(2026, 2, 13)) == -3
    assert CAL.working_days_between(date(2026, 2, 13), date(2026, 2, 13)) == 0


@given(
    start=st.dates(min_value=date(2024, 1, 1), max_value=date(2028, 12, 31)),
    n=st.integers(min_value=0, max_value=40),
)
def test_working_days_between_inverts_add_working_days(start, n):
    end = CAL.add_working_days(start, n)
    assert CAL.working_days_between(start, end) == n
    if n:
        assert CAL.is_working_day(end)
    nxt = CAL.next_working_day(start)
    assert nxt > start and CAL.is_working_day(nxt)
    assert all(not CAL.is_working_day(d) for d in days(start + timedelta(1), nxt)[:-1])


def test_saturday_desk_setting():
    cal = WorkingCalendar(CalendarSettings(working_weekdays=frozenset(range(6))))
    assert cal.is_working_day(date(2025, 6, 14))
    assert not cal.is_working_day(date(2025, 6, 15))


# --- overrides ---------------------------------------------------------------


def test_seed_override_file_parses():
    data = tomllib.loads((SEED_DIR / "calendar_overrides.toml").read_text(encoding="utf-8"))
    days_off, working_days = parse_overrides(data)
    assert date(2025, 5, 2) in days_off
    assert date(2025, 4, 26) in working_days


def test_overrides_apply_to_the_calendar():
    days_off, working_days = parse_overrides(
        {
            "days_off": [{"date": "2025-06-11", "reason": "Bầu cử"}, {"date": date(2025, 6, 12)}],
            "working_days": [{"date": "2025-06-14", "reason": "làm bù"}],
        }
    )
    cal = WorkingCalendar(
        CalendarSettings(extra_days_off=days_off, extra_working_days=working_days)
    )
    assert not cal.is_working_day(date(2025, 6, 11))
    assert not cal.is_working_day(date(2025, 6, 12))
    assert cal.is_working_day(date(2025, 6, 14))
    assert cal.holiday_name(date(2025, 6, 11)) == "Ngày nghỉ theo thông báo của cơ quan"
    assert cal.holiday_name(date(2025, 6, 14)) is None
    # Received Tuesday 10 June for 3 days: Fri 13, Sat 14 (worked), Mon 16.
    due = compute_due(MARITAL_STATUS, vn(2025, 6, 10, 9, 0), cal)
    assert due == vn(2025, 6, 16, 9, 0)


def test_empty_overrides():
    assert parse_overrides({}) == (frozenset(), frozenset())


@pytest.mark.parametrize(
    "data, needle",
    [
        ({"days_off": [{"date": "2025-02-30"}]}, "2025-02-30"),
        ({"days_off": [{"date": "2/5/2025"}]}, "2/5/2025"),
        ({"working_days": [{"reason": "thiếu ngày"}]}, "working_days"),
        ({"days_off": "2025-05-02"}, "days_off"),
        ({"day_off": []}, "day_off"),
        ({"days_off": ["2025-05-02"], "working_days": ["2025-05-02"]}, "2025-05-02"),
        ({"days_off": [{"date": datetime(2025, 5, 2, 8, 0)}]}, "2025-05-02T08:00"),
    ],
)
def test_bad_overrides_name_the_problem(data, needle):
    with pytest.raises(InvalidInput) as info:
        parse_overrides(data)
    assert needle in str(info.value)


# --- settings ----------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs",
    [
        {"working_weekdays": frozenset()},
        {"working_weekdays": frozenset({7})},
        {"same_day_weekdays": frozenset({-1})},
        {"opening": time(17, 0), "closing": time(7, 30)},
        {"cutoff": time(18, 0)},
        {"extra_days_off": frozenset({date(2025, 1, 2)}),
         "extra_working_days": frozenset({date(2025, 1, 2)})},
    ],
)
def test_bad_settings_are_refused(kwargs):
    with pytest.raises(InvalidInput):
        CalendarSettings(**kwargs)


def test_settings_accept_plain_sets_and_lists():
    s = CalendarSettings(working_weekdays=[0, 1, 2], same_day_weekdays={3})
    assert s.working_weekdays == frozenset({0, 1, 2})
    assert s.same_day_weekdays == frozenset({3})

import json
import tomllib
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import sadec_desk.db
from sadec_desk.domain.calendar import (
    VN_TZ,
    CalendarSettings,
    WorkingCalendar,
    compute_due,
    due_for,
    parse_overrides,
)
from sadec_desk.domain.catalogue import procedures_from_data
from sadec_desk.errors import InvalidInput

SEED_DIR = Path(sadec_desk.db.__file__).parent / "seed"
PROCEDURES = {
    p.code: p
    for p in procedures_from_data(
        json.loads((SEED_DIR / "procedures.json").read_text(encoding="utf-8"))
    )
}
BIRTH = PROCEDURES["1.001193"]  # same day
MARRIAGE = PROCEDURES["1.000894"]  # same day, + 5 with verification
DEATH = PROCEDURES["1.000656"]  # same day, + 3 with verification
MARITAL_STATUS = PROCEDURES["1.004873"]  # 3 days, same-day eligible
PARENTAGE = PROCEDURES["1.001022"]  # 3 + 5, not eligible
CORRECTION = PROCEDURES["1.004859"]  # 3 + 3

CAL = WorkingCalendar(CalendarSettings())


def vn(*args) -> datetime:
    return datetime(*args, tzinfo=VN_TZ)


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


# --- due dates ---------------------------------------------------------------


def test_same_day_procedure_before_cutoff():
    due = due_for(BIRTH, vn(2025, 6, 10, 10, 0), CAL)
    assert due.due_at == vn(2025, 6, 10, 17, 0)
    assert due.same_day and not due.policy_applied
    assert due.note == "Trả trong ngày"


def test_due_is_an_aware_local_datetime():
    due = compute_due(BIRTH, vn(2025, 6, 10, 10, 0), CAL)
    assert due.tzinfo is VN_TZ
    assert due.utcoffset() == timedelta(hours=7)


def test_after_cutoff_counts_from_next_working_day():
    # NĐ 61/2018 Art. 18(2): received after 15:00 → next working day.
    assert compute_due(BIRTH, vn(2025, 6, 10, 15, 30), CAL) == vn(2025, 6, 11, 17, 0)
    assert compute_due(BIRTH, vn(2025, 6, 10, 15, 0), CAL) == vn(2025, 6, 10, 17, 0)
    due = due_for(MARITAL_STATUS, vn(2025, 6, 10, 15, 30), CAL)
    assert due.start_at == vn(2025, 6, 11, 7, 30)
    assert due.due_at == vn(2025, 6, 16, 7, 30)  # Thu, Fri, Mon
    assert due.note == ""


def test_friday_after_cutoff_goes_past_the_weekend():
    assert compute_due(BIRTH, vn(2025, 6, 13, 16, 0), CAL) == vn(2025, 6, 16, 17, 0)


def test_cutoff_is_a_setting():
    cal = WorkingCalendar(CalendarSettings(cutoff=time(16, 0)))
    assert compute_due(BIRTH, vn(2025, 6, 10, 15, 30), cal) == vn(2025, 6, 10, 17, 0)


def test_received_in_utc_is_converted_first():
    # 08:30 UTC is 15:30 in Vietnam: after the cut-off.
    received = datetime(2025, 6, 10, 8, 30, tzinfo=UTC)
    assert compute_due(BIRTH, received, CAL) == vn(2025, 6, 11, 17, 0)


def test_saturday_kiosk_receipt_starts_monday_morning():
    due = due_for(BIRTH, vn(2025, 6, 14, 10, 0), CAL)
    assert due.start_at == vn(2025, 6, 16, 7, 30)
    assert due.due_at == vn(2025, 6, 16, 17, 0)
    assert compute_due(MARITAL_STATUS, vn(2025, 6, 14, 10, 0), CAL) == vn(2025, 6, 19, 7, 30)


def test_receipt_before_opening_counts_from_opening():
    due = due_for(MARITAL_STATUS, vn(2025, 6, 16, 6, 0), CAL)
    assert due.start_at == vn(2025, 6, 16, 7, 30)
    assert due.due_at == vn(2025, 6, 19, 7, 30)


def test_due_keeps_the_time_of_day_received():
    assert compute_due(MARITAL_STATUS, vn(2025, 6, 10, 14, 59), CAL) == vn(2025, 6, 13, 14, 59)


def test_holiday_receipt_and_tet_span():
    # Received during Tết 2026: counts from Monday 23 February.
    assert compute_due(BIRTH, vn(2026, 2, 17, 9, 0), CAL) == vn(2026, 2, 23, 17, 0)
    # Friday before Tết, 3 working days: 23, 24, 25 February.
    assert compute_due(PARENTAGE, vn(2026, 2, 13, 10, 0), CAL) == vn(2026, 2, 25, 10, 0)
    # 2 September 2025: Friday 29 August + 3 → 3, 4, 5 September.
    assert compute_due(MARITAL_STATUS, vn(2025, 8, 29, 9, 0), CAL) == vn(2025, 9, 5, 9, 0)


def test_verification_extends_the_limit():
    received = vn(2025, 6, 9, 10, 0)  # Monday
    assert compute_due(MARRIAGE, received, CAL) == vn(2025, 6, 9, 17, 0)
    assert compute_due(MARRIAGE, received, CAL, needs_verification=True) == vn(2025, 6, 16, 10, 0)
    assert compute_due(DEATH, received, CAL, needs_verification=True) == vn(2025, 6, 12, 10, 0)
    assert compute_due(CORRECTION, received, CAL) == vn(2025, 6, 12, 10, 0)
    assert compute_due(CORRECTION, received, CAL, needs_verification=True) == vn(
        2025, 6, 17, 10, 0
    )
    assert compute_due(PARENTAGE, received, CAL, needs_verification=True) == vn(
        2025, 6, 19, 10, 0
    )


THURSDAY_CAL = WorkingCalendar(CalendarSettings(same_day_weekdays=frozenset({3})))


def test_no_appointment_thursday():
    due = due_for(MARITAL_STATUS, vn(2025, 6, 12, 9, 0), THURSDAY_CAL)
    assert due.due_at == vn(2025, 6, 12, 17, 0)
    assert due.same_day and due.policy_applied
    assert due.note == "Trả trong ngày (Ngày thứ Năm không hẹn)"


def test_no_appointment_thursday_only_for_eligible_procedures_on_that_day():
    # Not eligible: ordinary 3 days.
    assert compute_due(PARENTAGE, vn(2025, 6, 12, 9, 0), THURSDAY_CAL) == vn(2025, 6, 17, 9, 0)
    # Eligible, but on a Wednesday.
    assert compute_due(MARITAL_STATUS, vn(2025, 6, 11, 9, 0), THURSDAY_CAL) == vn(
        2025, 6, 16, 9, 0
    )
    # Wednesday after the cut-off counts from Thursday: the policy applies.
    due = due_for(MARITAL_STATUS, vn(2025, 6, 11, 16, 0), THURSDAY_CAL)
    assert due.policy_applied and due.due_at == vn(2025, 6, 12, 17, 0)
    # Thursday after the cut-off counts from Friday: it does not (Mon, Tue, Wed).
    assert compute_due(MARITAL_STATUS, vn(2025, 6, 12, 15, 30), THURSDAY_CAL) == vn(
        2025, 6, 18, 7, 30
    )


def test_no_appointment_thursday_not_when_verification_is_needed():
    due = due_for(DEATH, vn(2025, 6, 12, 9, 0), THURSDAY_CAL, needs_verification=True)
    assert not due.policy_applied and not due.same_day
    assert due.due_at == vn(2025, 6, 17, 9, 0)


def test_naive_receive_time_is_refused():
    with pytest.raises(InvalidInput) as info:
        compute_due(BIRTH, datetime(2025, 6, 10, 10, 0), CAL)
    assert "múi giờ" in str(info.value)

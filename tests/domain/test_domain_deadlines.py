"""Due dates of procedures (sadec_desk.domain.deadlines): the cut-off hour, days off,
verification and the "Ngày thứ Năm không hẹn" policy."""

from datetime import UTC, datetime, time, timedelta

import pytest
from seed_procedures import (
    BIRTH,
    CAL,
    CORRECTION,
    DEATH,
    MARITAL_STATUS,
    MARRIAGE,
    PARENTAGE,
    vn,
)

from sadec_desk.domain.calendar import CalendarSettings, WorkingCalendar
from sadec_desk.domain.deadlines import compute_due, due_for
from sadec_desk.domain.timezone import VN_TZ
from sadec_desk.errors import InvalidInput

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
    # Thu, Fri, Mon from Wed 07:30 end at Mon 07:30, read as the close of Fri (#17)
    assert due.due_at == vn(2025, 6, 13, 17, 0)
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
    assert compute_due(MARITAL_STATUS, vn(2025, 6, 14, 10, 0), CAL) == vn(2025, 6, 18, 17, 0)


def test_receipt_before_opening_counts_from_opening():
    due = due_for(MARITAL_STATUS, vn(2025, 6, 16, 6, 0), CAL)
    assert due.start_at == vn(2025, 6, 16, 7, 30)
    assert due.due_at == vn(2025, 6, 18, 17, 0)


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



@pytest.mark.parametrize(("received", "plain", "verified"), [
    # Monday, a kiosk dossier before the 07:30 opening: Monday's five working days
    (vn(2025, 6, 9, 7, 0), vn(2025, 6, 9, 17, 0), vn(2025, 6, 13, 17, 0)),
    # Monday after the 15:00 cut-off: counted from Tuesday's opening
    (vn(2025, 6, 9, 15, 30), vn(2025, 6, 10, 17, 0), vn(2025, 6, 16, 17, 0)),
    # Saturday, a day off: counted from Monday's opening
    (vn(2025, 6, 14, 10, 0), vn(2025, 6, 16, 17, 0), vn(2025, 6, 20, 17, 0)),
])
def test_counted_from_an_opening_reads_17_00_with_or_without_verification(
        received, plain, verified):
    """Issue #17 (low): the same marriage read "17:00" without "Cần xác minh" and "07:30"
    with it. Counted from an opening (Luật Hộ tịch 2014 Art. 9; NĐ 61/2018 Art. 18(2)),
    the five verification days (Luật Hộ tịch 2014 Art. 18(2)) are five whole working days
    and end at the close of the fifth, never at the next day's 07:30."""
    assert compute_due(MARRIAGE, received, CAL) == plain
    assert compute_due(MARRIAGE, received, CAL, needs_verification=True) == verified

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
        2025, 6, 17, 17, 0
    )


def test_no_appointment_thursday_not_when_verification_is_needed():
    due = due_for(DEATH, vn(2025, 6, 12, 9, 0), THURSDAY_CAL, needs_verification=True)
    assert not due.policy_applied and not due.same_day
    assert due.due_at == vn(2025, 6, 17, 9, 0)


def test_naive_receive_time_is_refused():
    with pytest.raises(InvalidInput) as info:
        compute_due(BIRTH, datetime(2025, 6, 10, 10, 0), CAL)
    assert "múi giờ" in str(info.value)

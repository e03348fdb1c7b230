from datetime import UTC, datetime
from itertools import product

import pytest

from sadec_desk.domain.lifecycle import (
    FINISHED_STATUSES,
    REPORTED_STATUSES,
    STATUS_LABELS,
    VOID_STATUSES,
    DeadlineState,
    DossierStatus,
    IllegalTransition,
    check_transition,
    deadline_label,
    deadline_state,
    dossier_deadline_state,
    parse_status,
    requires_note,
)
from sadec_desk.domain.timezone import VN_TZ
from sadec_desk.errors import InvalidInput

# Written out again from docs/design.md §3.4 rather than imported, so a change to the table
# in the module shows up here.
ALLOWED = {
    "received": {"processing", "done", "supplement_requested", "refused", "withdrawn",
                 "voided"},
    "processing": {"done", "supplement_requested", "refused", "withdrawn", "voided"},
    "supplement_requested": {"processing", "refused", "withdrawn", "voided"},
    "done": {"returned"},
    "returned": set(),
    "refused": set(),
    "withdrawn": set(),
    "voided": set(),
}

LABELS = {
    "received": "Đã tiếp nhận",
    "processing": "Đang xử lý",
    "supplement_requested": "Yêu cầu bổ sung",
    "done": "Đã có kết quả",
    "returned": "Đã trả kết quả",
    "refused": "Từ chối",
    "withdrawn": "Rút hồ sơ",
    "voided": "Hủy do nhập nhầm",
}


def test_statuses_and_labels():
    assert {s.value for s in DossierStatus} == set(ALLOWED)
    assert {s.value: STATUS_LABELS[s] for s in DossierStatus} == LABELS
    assert len(STATUS_LABELS) == 8
    assert STATUS_LABELS["done"] == "Đã có kết quả"
    assert "archived" not in STATUS_LABELS and "done" in STATUS_LABELS
    assert FINISHED_STATUSES == {
        DossierStatus.DONE, DossierStatus.RETURNED, DossierStatus.REFUSED,
        DossierStatus.WITHDRAWN, DossierStatus.VOIDED,
    }
    assert VOID_STATUSES == {DossierStatus.VOIDED}
    assert set(REPORTED_STATUSES) == set(ALLOWED) - {"voided"}


@pytest.mark.parametrize("current, target", list(product(ALLOWED, ALLOWED)))
def test_every_transition(current, target):
    if target in ALLOWED[current]:
        check_transition(current, target)
        check_transition(DossierStatus(current), DossierStatus(target))
        return
    with pytest.raises(IllegalTransition) as info:
        check_transition(current, target)
    message = str(info.value)
    assert isinstance(info.value, InvalidInput)
    assert current in message and LABELS[current] in message
    for allowed in ALLOWED[current]:
        assert allowed in message and LABELS[allowed] in message


def test_message_of_a_refused_transition():
    with pytest.raises(IllegalTransition) as info:
        check_transition("supplement_requested", "done")
    assert str(info.value) == (
        "Không thể chuyển hồ sơ từ «Yêu cầu bổ sung (supplement_requested)» sang "
        "«Đã có kết quả (done)»; từ trạng thái này chỉ chuyển được sang: "
        "Đang xử lý (processing), Từ chối (refused), Rút hồ sơ (withdrawn), "
        "Hủy do nhập nhầm (voided)."
    )
    with pytest.raises(IllegalTransition) as info:
        check_transition("returned", "processing")
    assert "trạng thái cuối" in str(info.value)


@pytest.mark.parametrize(
    "text, status",
    [("processing", DossierStatus.PROCESSING), (" DONE ", DossierStatus.DONE),
     ("Đang xử lý", DossierStatus.PROCESSING), ("rút hồ sơ", DossierStatus.WITHDRAWN),
     ("Yêu cầu bổ sung", DossierStatus.SUPPLEMENT_REQUESTED),
     ("hủy do nhập nhầm", DossierStatus.VOIDED), ("voided", DossierStatus.VOIDED)],
)
def test_parse_status(text, status):
    assert parse_status(text) is status


def test_parse_status_accepts_decomposed_vietnamese():
    assert parse_status("Đang xu\u031b\u0309 ly\u0301") is DossierStatus.PROCESSING


@pytest.mark.parametrize("text", ["finished", "", "Đã xong"])
def test_unknown_status_lists_the_valid_ones(text):
    with pytest.raises(InvalidInput) as info:
        parse_status(text)
    message = str(info.value)
    for code, label in LABELS.items():
        assert code in message and label in message


def test_unknown_status_in_check_transition():
    with pytest.raises(InvalidInput):
        check_transition("received", "archived")


def test_requires_note():
    assert {s.value for s in DossierStatus if requires_note(s)} == {
        "refused", "withdrawn", "supplement_requested", "voided",
    }
    assert requires_note("refused")


def vn(*args) -> datetime:
    return datetime(*args, tzinfo=VN_TZ)


DUE = vn(2025, 6, 12, 10, 0)


@pytest.mark.parametrize(
    "finished, now, state",
    [
        (vn(2025, 6, 11, 16, 0), vn(2025, 6, 20), DeadlineState.EARLY),
        (vn(2025, 6, 12, 8, 0), vn(2025, 6, 20), DeadlineState.ON_TIME),  # same day
        (vn(2025, 6, 12, 10, 0), vn(2025, 6, 20), DeadlineState.ON_TIME),  # exactly due
        (vn(2025, 6, 12, 10, 1), vn(2025, 6, 20), DeadlineState.LATE),
        (vn(2025, 6, 13, 8, 0), vn(2025, 6, 20), DeadlineState.LATE),
        (None, vn(2025, 6, 12, 9, 59), DeadlineState.ON_TIME),
        (None, vn(2025, 6, 12, 10, 0), DeadlineState.ON_TIME),
        (None, vn(2025, 6, 12, 10, 1), DeadlineState.LATE),
    ],
)
def test_deadline_state(finished, now, state):
    assert deadline_state(DUE, finished, now) is state


def test_deadline_days_are_local_days():
    # 23:30 UTC on the 11th is 06:30 on the 12th in Vietnam: the due day, so on time.
    finished = datetime(2025, 6, 11, 23, 30, tzinfo=UTC)
    assert deadline_state(DUE, finished, vn(2025, 6, 20)) is DeadlineState.ON_TIME
    due_utc = DUE.astimezone(UTC)
    assert deadline_state(due_utc, vn(2025, 6, 11, 16, 0), vn(2025, 6, 20)) is (
        DeadlineState.EARLY
    )


def test_deadline_state_refuses_naive_times():
    with pytest.raises(InvalidInput):
        deadline_state(datetime(2025, 6, 12, 10, 0), None, vn(2025, 6, 12))


def test_deadline_labels():
    assert deadline_label(DeadlineState.EARLY) == "Trước hạn"
    assert deadline_label(DeadlineState.ON_TIME) == "Đúng hạn"
    assert deadline_label(DeadlineState.LATE) == "Quá hạn"
    assert deadline_label(DeadlineState.NOT_COUNTED) == "Không tính hạn"


@pytest.mark.parametrize("status", ["refused", "withdrawn", "voided"])
def test_refused_and_withdrawn_dossiers_are_neither_early_nor_late(status):
    late_now = vn(2025, 7, 1)
    assert dossier_deadline_state(status, DUE, vn(2025, 6, 11), late_now) is (
        DeadlineState.NOT_COUNTED)
    assert dossier_deadline_state("done", DUE, vn(2025, 6, 11), late_now) is DeadlineState.EARLY
    assert dossier_deadline_state("processing", DUE, None, late_now) is DeadlineState.LATE

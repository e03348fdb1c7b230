"""The calling policy, ticket numbers, announcement text and percentiles (pure functions)."""

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sadec_desk.domain.queue_policy import (
    Candidate,
    IllegalTicketAction,
    QueueAction,
    TicketStatus,
    check_action,
    check_template,
    choose_next,
    format_ticket_number,
    group_head,
    nearest_rank,
    parse_ticket_number,
    render_announcement,
    spoken_number,
    streak_after,
    summarise,
    validate_interleave,
    validate_prefix,
)
from sadec_desk.errors import InvalidInput

T0 = datetime(2026, 11, 26, 1, 0, tzinfo=UTC)


def cand(i, group=1, priority=False, minute=None, targeted=False):
    return Candidate(i, group, priority, T0 + timedelta(minutes=i if minute is None else minute),
                     targeted)


def test_fifo_within_a_group():
    assert choose_next([cand(3), cand(1), cand(2)], {}, 2).ticket_id == 1


def test_priority_first_then_a_regular_after_interleave_in_a_row():
    waiting = [cand(1), cand(2, priority=True), cand(3, priority=True)]
    assert choose_next(waiting, {1: 0}, 2).ticket_id == 2
    assert choose_next(waiting, {1: 1}, 2).ticket_id == 2
    # two priority tickets in a row already: the waiting regular ticket goes next
    assert choose_next(waiting, {1: 2}, 2).ticket_id == 1
    # with no regular ticket waiting the streak does not hold priority tickets back
    assert choose_next([cand(2, priority=True)], {1: 5}, 2).ticket_id == 2


def test_streak_counts_priority_calls_and_resets_on_regular():
    assert streak_after(1, cand(1, priority=True)) == 2
    assert streak_after(2, cand(1)) == 0
    assert streak_after(2, cand(1, priority=True, targeted=True)) == 2


def test_counter_of_several_groups_takes_the_oldest_head():
    waiting = [cand(5, group=1), cand(2, group=2), cand(9, group=3, priority=True)]
    assert choose_next(waiting, {}, 2).ticket_id == 2
    # a group's head is its priority ticket even if that one is younger than its regulars
    waiting = [cand(1, group=1), cand(4, group=1, priority=True), cand(3, group=2)]
    assert choose_next(waiting, {}, 2).ticket_id == 3


def test_transferred_to_the_counter_comes_first():
    waiting = [cand(1, priority=True), cand(7, group=2, targeted=True)]
    assert choose_next(waiting, {}, 2).ticket_id == 7


def test_nothing_waiting():
    assert choose_next([], {}, 2) is None
    assert group_head([], 0, 2) is None


def test_interleave_setting_is_checked():
    assert validate_interleave(3) == 3
    for bad in (0, -1, True, "2", 101):
        with pytest.raises(InvalidInput, match="priority_interleave"):
            validate_interleave(bad)


def test_ticket_numbers():
    assert format_ticket_number("A", 12) == "A012"
    assert format_ticket_number("B", 1234) == "B1234"
    assert parse_ticket_number("a12") == ("A", 12)
    assert parse_ticket_number(" A-012 ") == ("A", 12)
    for bad in ("", "012", "AB12", "A0", "Ă12"):
        with pytest.raises(InvalidInput, match="ví dụ A012"):
            parse_ticket_number(bad)
    assert validate_prefix(" d ") == "D"
    with pytest.raises(InvalidInput, match="một chữ cái"):
        validate_prefix("Đ")


def test_transitions():
    assert check_action(QueueAction.DONE, "serving", "A001") is TicketStatus.DONE
    assert check_action(QueueAction.CALL, "on_hold", "A001") is TicketStatus.CALLED
    with pytest.raises(IllegalTicketAction, match="Không thể hoàn thành vé A001 .*Đang chờ"):
        check_action(QueueAction.DONE, "waiting", "A001")
    with pytest.raises(IllegalTicketAction, match="không thao tác nào"):
        check_action(QueueAction.RECALL, "done", "A001")


def test_announcement_text_and_speech():
    template = "Xin mời công dân có số thứ tự {number} đến quầy số {counter}"
    assert render_announcement(template, "A012", 2, "Quầy 2") == (
        "Xin mời công dân có số thứ tự A012 đến quầy số 2")
    assert render_announcement(template, "A012", 2, "Quầy 2", spoken=True) == (
        "Xin mời công dân có số thứ tự A, 0 1 2 đến quầy số 2")
    assert spoken_number("B105") == "B, 1 0 5"
    with pytest.raises(InvalidInput, match="không biết: ticket"):
        check_template("Mời số {ticket}")
    with pytest.raises(InvalidInput, match="bị lỗi"):
        check_template("Mời số {number")


def test_percentiles_by_nearest_rank():
    values = list(range(1, 11))  # 1..10
    assert nearest_rank(values, 0.9) == 9
    assert nearest_rank([5.0], 0.9) == 5.0
    assert nearest_rank([], 0.9) is None
    d = summarise([60.0, 120.0, 30.0, 600.0])
    assert (d.count, d.median_s, d.p90_s, d.max_s) == (4, 90.0, 600.0, 600.0)


# --- property tests: a simulated office --------------------------------------------------

arrival = st.tuples(st.integers(0, 2), st.booleans())  # (group, priority)
step = st.one_of(st.tuples(st.just("issue"), arrival),
                 st.tuples(st.just("call"), st.integers(0, 2)))  # counter index
COUNTER_GROUPS = ({0, 2}, {1, 2}, {0, 1, 2})


@settings(max_examples=300, deadline=None)
@given(steps=st.lists(step, max_size=120), interleave=st.integers(1, 4))
def test_simulated_day_serves_each_ticket_once_and_bounds_priority_runs(steps, interleave):
    waiting: dict[int, Candidate] = {}
    issued, called = [], []
    streaks: dict[int, int] = {}
    runs: dict[int, int] = {}  # priority calls in a row per group while a regular waited
    clock = 0

    def call(counter: int) -> None:
        groups = COUNTER_GROUPS[counter]
        eligible = [c for c in waiting.values() if c.group_id in groups]
        chosen = choose_next(eligible, streaks, interleave)
        if chosen is None:
            assert not eligible
            return
        g = chosen.group_id
        # FIFO inside the chosen ticket's class (priority / regular) of its group
        same_class = [c for c in waiting.values()
                      if c.group_id == g and c.priority == chosen.priority]
        assert chosen.ticket_id == min(c.ticket_id for c in same_class)
        regular_waiting = any(c.group_id == g and not c.priority for c in waiting.values())
        if chosen.priority and regular_waiting:
            runs[g] = runs.get(g, 0) + 1
            assert runs[g] <= interleave, "regular tickets starved beyond the interleave"
        elif not chosen.priority:
            runs[g] = 0
        streaks[g] = streak_after(streaks.get(g, 0), chosen)
        del waiting[chosen.ticket_id]
        called.append(chosen.ticket_id)

    for kind, arg in steps:
        clock += 1
        if kind == "issue":
            group, priority = arg
            ticket = Candidate(len(issued) + 1, group, priority, T0 + timedelta(seconds=clock))
            waiting[ticket.ticket_id] = ticket
            issued.append(ticket.ticket_id)
        else:
            call(arg)
    # end of the day: the third counter serves every group until nobody waits
    while waiting:
        call(2)
    assert len(called) == len(set(called)), "a ticket was served twice"
    assert sorted(called) == issued, "a ticket was lost"

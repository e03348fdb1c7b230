"""The queue service: defaults, numbering, calling, ticket steps, board data, statistics."""

from datetime import timedelta

import pytest
from appfixtures import SAMPLE_QR, make_ctx, vn
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sadec_desk.db.queue_models import Ticket, TicketEvent
from sadec_desk.domain.queue_policy import IllegalTicketAction
from sadec_desk.errors import InvalidInput, NotFound
from sadec_desk.services.admin import office
from sadec_desk.services.due_dates import due_date
from sadec_desk.services.queue import board as queue_board
from sadec_desk.services.queue import setup as queue_setup
from sadec_desk.services.queue import tickets
from sadec_desk.services.queue.stats import queue_stats
from sadec_desk.services.reception import dossiers


@pytest.fixture
def ctx(ctx):
    office.init_office(ctx)  # the queue defaults
    return ctx


def test_init_creates_editable_defaults(ctx):
    groups = queue_setup.list_groups(ctx)
    assert [(g.prefix, g.name) for g in groups] == [
        ("A", "Hộ tịch"), ("B", "Chứng thực"), ("C", "Việc khác")]
    assert "1.001193" in groups[0].procedure_codes and groups[1].procedure_codes == (
        "2.000815", "2.000884")
    assert [(c.number, c.name, c.groups) for c in queue_setup.list_counters(ctx)] == [
        (1, "Quầy 1", ("A", "C")), (2, "Quầy 2", ("B", "C"))]
    # a second init keeps what the office changed
    queue_setup.update_group(ctx, "C", name="Tư vấn", counters=["2"])
    office.init_office(ctx)
    assert [g.name for g in queue_setup.list_groups(ctx)] == ["Hộ tịch", "Chứng thực", "Tư vấn"]
    assert queue_setup.list_groups(ctx)[2].counters == (2,)

    added = queue_setup.create_group(ctx, prefix="d", name="Đất đai", counters=["1", "Quầy 2"])
    assert (added.prefix, added.counters) == ("D", (1, 2))
    counter = queue_setup.create_counter(ctx, number=3, groups=["A", "d"])
    assert (counter.name, counter.groups) == ("Quầy 3", ("A", "D"))
    assert queue_setup.update_counter(ctx, "3", active=False).active is False
    with pytest.raises(InvalidInput, match="Chữ cái A đã dùng"):
        queue_setup.create_group(ctx, prefix="A", name="Trùng")
    with pytest.raises(NotFound, match="9.999999"):
        queue_setup.update_group(ctx, "A", procedure_codes=["9.999999"])
    with pytest.raises(InvalidInput, match="Quầy số 1 đã có"):
        queue_setup.create_counter(ctx, number=1)


def test_numbers_per_group_and_waiting_ahead(ctx):
    a1 = tickets.take_ticket(ctx, "A")
    a2 = tickets.take_ticket(ctx, "hộ TỊCH")
    b1 = tickets.take_ticket(ctx, "B")
    p = tickets.take_ticket(ctx, "A", priority=True)
    assert [t.number for t in (a1, a2, b1, p)] == ["A001", "A002", "B001", "A003"]
    assert (a1.waiting_ahead, a2.waiting_ahead, b1.waiting_ahead) == (0, 1, 0)
    assert p.waiting_ahead == 0  # no other priority ticket before it
    events = [e.kind for e in TicketEvent.select().order_by(TicketEvent.id)]
    assert events == ["issued"] * 4


def test_numbering_restarts_at_midnight_vietnam_time_and_keeps_history(ctx, clock):
    clock.moment = vn(2026, 11, 26, 23, 59, 59)  # 16:59:59 UTC
    assert tickets.take_ticket(ctx, "A").number == "A001"
    assert tickets.take_ticket(ctx, "A").number == "A002"
    clock.moment = vn(2026, 11, 27, 0, 0, 0)  # 17:00 UTC: still the 26th in UTC
    first = tickets.take_ticket(ctx, "A")
    assert (first.number, first.day.isoformat()) == ("A001", "2026-11-27")
    assert Ticket.select().count() == 3  # yesterday's tickets are kept for the statistics
    assert tickets.get_ticket(ctx, "A002", day=vn(2026, 11, 26).date()).status == "waiting"
    with pytest.raises(NotFound, match="Ngày 26/11/2026 không có vé A003"):
        tickets.get_ticket(ctx, "A003", day=vn(2026, 11, 26).date())
    # yesterday's waiting tickets are not called today
    called = tickets.call_next(ctx, "1")
    assert (called.number, called.day.isoformat()) == ("A001", "2026-11-27")
    with pytest.raises(tickets.QueueEmpty, match="Không còn ai chờ ở Quầy 1"):
        tickets.call_next(ctx, "1")


def test_acting_on_a_ticket_from_another_day_is_refused(ctx, clock):
    old = tickets.take_ticket(ctx, "A")
    tickets.call_next(ctx, "1")
    clock.moment += timedelta(days=1)
    with pytest.raises(tickets.TicketFromAnotherDay, match="vé của ngày 26/11/2026"):
        tickets.finish(ctx, "A001")
    with pytest.raises(tickets.TicketFromAnotherDay, match="không phải hôm nay"):
        tickets.finish(ctx, old.id)
    with pytest.raises(NotFound, match="không có vé nào đang gọi"):
        tickets.finish(ctx, counter="1")


def test_bad_group_counter_and_ticket(ctx):
    with pytest.raises(NotFound, match=r"nhóm dịch vụ «X».*A \(Hộ tịch\)"):
        tickets.take_ticket(ctx, "X")
    with pytest.raises(NotFound, match="Không có quầy «9».*1, 2"):
        tickets.call_next(ctx, "9")
    with pytest.raises(tickets.QueueEmpty, match="Không còn ai chờ"):
        tickets.call_next(ctx, "2")
    with pytest.raises(InvalidInput, match="ví dụ A012"):
        tickets.recall(ctx, "12")
    with pytest.raises(NotFound, match="chưa phát vé A005"):
        tickets.recall(ctx, "A5")
    queue_setup.update_group(ctx, "B", counters=[])
    with pytest.raises(InvalidInput, match="chưa có quầy nào phục vụ"):
        tickets.take_ticket(ctx, "B")
    assert Ticket.select().count() == 0


def test_call_steps_recall_serve_hold_call_back_skip_done(ctx, clock):
    tickets.take_ticket(ctx, "A")
    tickets.take_ticket(ctx, "A")
    first = tickets.call_next(ctx, "1")
    assert (first.number, first.status, first.counter, first.call_count) == (
        "A001", "called", 1, 1)
    clock.moment += timedelta(minutes=1)
    again = tickets.recall(ctx, counter="1")
    assert again.call_count == 2 and again.called_at == first.called_at
    assert tickets.serve(ctx, "A001").status == "serving"
    with pytest.raises(InvalidInput, match="đang ở Quầy 1, không phải Quầy 2"):
        tickets.finish(ctx, "A001", counter="2")
    held = tickets.hold(ctx, counter="1", note="đi photo giấy tờ")
    assert held.status == "on_hold"
    second = tickets.call_next(ctx, "1")
    assert second.number == "A002"
    with pytest.raises(IllegalTicketAction, match="Không thể gọi vé A002 .*«Đã gọi»"):
        tickets.call_ticket(ctx, "A002", "1")
    assert tickets.skip(ctx, counter="1").status == "no_show"
    back = tickets.call_ticket(ctx, "A001", "1")  # back with the photocopies
    assert back.status == "called" and back.called_at == first.called_at
    done = tickets.finish(ctx, counter="1")
    assert done.status == "done" and done.finished_at is not None
    with pytest.raises(IllegalTicketAction, match="Đã xong"):
        tickets.recall(ctx, "A001")
    kinds = [e.kind for e in TicketEvent.select().where(TicketEvent.ticket == done.id)
             .order_by(TicketEvent.id)]
    assert kinds == ["issued", "called", "recalled", "serving", "on_hold", "called", "done"]


def test_transfer_to_counter_and_to_group(ctx):
    tickets.take_ticket(ctx, "B")
    tickets.take_ticket(ctx, "B")
    tickets.take_ticket(ctx, "A")
    tickets.call_next(ctx, "2")  # B001 at counter 2
    moved = tickets.transfer(ctx, counter="2", to_counter="1")
    assert (moved.status, moved.target_counter) == ("transferred", 1)
    # counter 1 (groups A, C) calls the transferred B001 before its own A001
    assert tickets.call_next(ctx, "1").number == "B001"
    tickets.finish(ctx, counter="1")
    # a waiting ticket that took the wrong group moves to the other queue, keeping its place
    regroup = tickets.transfer(ctx, "B002", to_group="A")
    assert (regroup.group_prefix, regroup.number) == ("A", "B002")
    assert tickets.call_next(ctx, "1").number == "B002"  # issued before A001
    with pytest.raises(InvalidInput, match="đúng một nơi đến"):
        tickets.transfer(ctx, "A001")


def test_a_ticket_sent_to_a_group_that_issued_the_same_number_keeps_it(ctx):
    """A001 sent to group C, which has issued its own C001 today: both stay, each found by
    the number on its slip (the number is unique per the group that issued it)."""
    tickets.take_ticket(ctx, "A")
    tickets.take_ticket(ctx, "C")
    assert tickets.call_next(ctx, "1").number == "A001"
    moved = tickets.transfer(ctx, counter="1", to_group="C")
    assert (moved.group_prefix, moved.number, moved.status) == ("C", "A001", "transferred")
    assert tickets.get_ticket(ctx, "A001").id == moved.id
    assert tickets.get_ticket(ctx, "C001").number == "C001"
    # group C's queue now holds both, in the order they were issued
    assert [tickets.call_next(ctx, "2").number for _ in range(2)] == ["A001", "C001"]
    assert tickets.take_ticket(ctx, "A").number == "A002"  # A's numbering goes on


def test_link_ticket_to_dossier(ctx):
    tickets.take_ticket(ctx, "A")
    tickets.call_next(ctx, "1")
    received = dossiers.receive_dossier(ctx, procedure_code="1.001193", qr_text=SAMPLE_QR)
    info = tickets.link_dossier(ctx, "A001", received.code)
    assert info.dossiers == (received.code,)
    assert tickets.link_dossier(ctx, "A001", received.uuid).dossiers == (received.code,)
    assert [t.number for t in tickets.tickets_of_dossier(ctx, received.code)] == ["A001"]
    with pytest.raises(NotFound, match="Không tìm thấy hồ sơ"):
        tickets.link_dossier(ctx, "A001", "000.00.14.H20-261126-0099")


def test_status_shows_waiting_now_serving_and_calls(ctx):
    for g in ("A", "A", "B"):
        tickets.take_ticket(ctx, g)
    tickets.take_ticket(ctx, "A", priority=True)
    tickets.call_next(ctx, "1")
    status = queue_board.queue_status(ctx)
    a, b, c = status.groups
    assert (a.waiting, a.waiting_priority, a.next_tickets) == (2, 0, ("A001", "A002"))
    assert (b.waiting, c.waiting) == (1, 0)
    counter1, counter2 = status.counters
    assert counter1.now_serving.number == "A003" and counter2.now_serving is None
    assert status.recent_calls[0].text == "Xin mời công dân có số thứ tự A003 đến quầy số 1"
    assert status.recent_calls[0].speech.endswith("A, 0 0 3 đến quầy số 1")


def test_calls_feed_for_the_board(ctx):
    calls, cursor = queue_board.calls_since(ctx, None)
    assert calls == []
    tickets.take_ticket(ctx, "A")
    tickets.take_ticket(ctx, "B")
    tickets.call_next(ctx, "1")
    tickets.call_next(ctx, "2")
    tickets.recall(ctx, counter="1")
    calls, cursor = queue_board.calls_since(ctx, cursor)
    assert [(c.kind, c.ticket, c.counter) for c in calls] == [
        ("called", "A001", 1), ("called", "B001", 2), ("recalled", "A001", 1)]
    assert queue_board.calls_since(ctx, cursor) == ([], cursor)


def test_same_day_policy_view_and_due_dates(ctx):
    info = queue_setup.same_day_policy(ctx)
    assert info.weekdays == () and not info.applies_today
    info = queue_setup.set_same_day_weekdays(ctx, [3])  # "Ngày thứ Năm không hẹn"
    assert info.weekday_names == ("thứ Năm",) and info.applies_today  # 26/11/2026 is Thursday
    assert ("1.004873", "Cấp giấy xác nhận tình trạng hôn nhân") in info.procedures
    assert all(code != "1.001022" for code, _name in info.procedures)  # not eligible
    due = due_date(ctx, "1.004873", vn(2026, 11, 26, 9, 0))
    assert due.same_day_policy and due.due_at == vn(2026, 11, 26, 17, 0)
    assert queue_board.queue_status(ctx).same_day.applies_today
    with pytest.raises(InvalidInput, match="từ 0"):
        queue_setup.set_same_day_weekdays(ctx, [7])


def test_statistics_of_a_known_day(ctx, clock):
    day = vn(2026, 11, 24, 0, 0).date()  # a Tuesday: "không chờ"
    ctx.config.values["queue.no_wait_weekdays"] = [1, 4]

    def at(h, m):
        clock.moment = vn(2026, 11, 24, h, m)

    # A001 waits 5 min, served 10; A002 waits 20 (late), served 4; A003 priority waits 1,
    # no-show; B001 waits 30 (late), served 6; B002 never called (issued 10:00)
    at(8, 0)
    tickets.take_ticket(ctx, "A")
    at(8, 1)
    tickets.take_ticket(ctx, "A")
    at(8, 5)
    tickets.call_next(ctx, "1")  # A001
    at(8, 15)
    tickets.finish(ctx, counter="1")
    at(8, 20)
    tickets.take_ticket(ctx, "A", priority=True)
    at(8, 21)
    tickets.call_next(ctx, "1")  # A003 (priority first)
    at(8, 22)
    tickets.skip(ctx, counter="1")
    tickets.call_next(ctx, "1")  # A002 waited 21 min
    at(8, 26)
    tickets.finish(ctx, counter="1")
    at(9, 0)
    tickets.take_ticket(ctx, "B")
    at(9, 30)
    tickets.call_next(ctx, "2")
    at(9, 36)
    tickets.finish(ctx, counter="2")
    at(10, 0)
    tickets.take_ticket(ctx, "B")
    clock.moment = vn(2026, 11, 26, 9, 0)

    stats = queue_stats(ctx, day)
    assert stats.no_wait_day and stats.promise_minutes == 15
    t = stats.total
    assert (t.issued, t.called, t.served, t.no_shows, t.still_waiting) == (5, 4, 3, 1, 1)
    # waits 5, 21, 1, 30 minutes
    assert (t.waiting.median_s, t.waiting.p90_s, t.waiting.max_s) == (780.0, 1800.0, 1800.0)
    # services 10, 4, 6 minutes (the no-show has none)
    assert (t.service.median_s, t.service.p90_s, t.service.max_s) == (360.0, 600.0, 600.0)
    # A002 and B001 waited too long; B002 was never called before the day ended
    assert (t.over_promise, t.over_promise_share) == (3, 0.6)
    a, b = stats.groups
    assert (a.key, a.issued, a.served, a.no_shows, a.over_promise) == ("A", 3, 2, 1, 1)
    assert (b.key, b.issued, b.still_waiting, b.waiting.max_s) == ("B", 2, 1, 1800.0)
    c1, c2 = stats.counters
    assert (c1.key, c1.called, c1.service.median_s) == ("1", 3, 420.0)
    assert (c2.key, c2.called) == ("2", 1)
    with pytest.raises(InvalidInput, match="chưa tới"):
        queue_stats(ctx, vn(2026, 12, 1).date())


def test_crash_before_commit_leaves_neither_ticket_nor_event(ctx, monkeypatch):
    def broken_event(*args, **kwargs):
        raise RuntimeError("power cut")

    monkeypatch.setattr(tickets, "_event", broken_event)
    with pytest.raises(RuntimeError):
        tickets.take_ticket(ctx, "A")
    assert Ticket.select().count() == 0


# --- property test through the service and the database ---------------------------------

ops = st.lists(st.one_of(
    st.tuples(st.just("take"), st.sampled_from("ABC"), st.booleans()),
    st.tuples(st.just("call"), st.sampled_from(["1", "2"]))), max_size=40)


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=ops)
def test_service_never_serves_twice_nor_loses_a_ticket(ctx, clock, steps):
    # every example is a new day: numbering restarts, the previous days stay as history
    clock.moment = clock.moment.replace(hour=8) + timedelta(days=1)
    interleave = ctx.config["queue.priority_interleave"]
    issued, called = [], []
    run = {}
    for step in steps:
        clock.moment += timedelta(seconds=30)
        if step[0] == "take":
            issued.append(tickets.take_ticket(ctx, step[1], priority=step[2],
                                            print_ticket=False).id)
            continue
        waiting_before = {t.id: t for t in Ticket.select().where(
            Ticket.day == tickets.local_day(ctx), Ticket.status == "waiting")}
        try:
            info = tickets.call_next(ctx, step[1])
        except tickets.QueueEmpty:
            continue
        called.append(info.id)
        tickets.finish(ctx, info.id)
        group = info.group_prefix
        regular_waiting = any(not t.priority and t.service_group.prefix == group
                              for t in waiting_before.values())
        if info.priority and regular_waiting:
            run[group] = run.get(group, 0) + 1
            assert run[group] <= interleave
        elif not info.priority:
            run[group] = 0
    for counter in ("1", "2"):
        while True:
            try:
                called.append(tickets.call_next(ctx, counter).id)
            except tickets.QueueEmpty:
                break
    assert len(called) == len(set(called))
    assert sorted(called) == sorted(issued)


@pytest.mark.postgres
def test_a_working_day_on_postgresql(pg_database, clock):
    ctx = make_ctx(clock, database__url=pg_database)
    try:
        office.init_office(ctx)
        tickets.take_ticket(ctx, "A")
        tickets.take_ticket(ctx, "A", priority=True)
        tickets.take_ticket(ctx, "B")
        first = tickets.call_next(ctx, "1")
        assert (first.number, first.priority) == ("A002", True)
        assert tickets.recall(ctx, counter="1").call_count == 2
        assert tickets.hold(ctx, "A002").status == "on_hold"
        assert tickets.call_next(ctx, "1").number == "A001"
        tickets.transfer(ctx, counter="1", to_counter="2")
        assert tickets.call_next(ctx, "2").number == "A001"  # transferred in: before B001
        received = dossiers.receive_dossier(ctx, procedure_code="1.001193", qr_text=SAMPLE_QR)
        assert tickets.link_dossier(ctx, "A001", received.code).dossiers == (received.code,)
        clock.moment += timedelta(minutes=5)
        assert tickets.finish(ctx, counter="2").status == "done"
        assert tickets.call_ticket(ctx, "A002", "1").status == "called"
        status = queue_board.queue_status(ctx)
        assert [g.waiting for g in status.groups] == [0, 1, 0]
        assert status.recent_calls[0].ticket == "A002"
        stats = queue_stats(ctx)
        assert (stats.total.issued, stats.total.called, stats.total.served) == (3, 2, 1)
        assert stats.total.service.max_s == 300.0
    finally:
        ctx.close()


def test_same_day_policy_reaches_the_receipt(ctx):
    """Item 3 end to end: the policy set here, the due date and the Mẫu 01 receipt's note."""
    from sadec_desk.services.printing import slips

    queue_setup.set_same_day_weekdays(ctx, [3])
    info = dossiers.receive_dossier(ctx, procedure_code="1.004873", qr_text=SAMPLE_QR)
    assert info.due_at == vn(2026, 11, 26, 17, 0)  # Thursday: same day, not Tuesday 1/12
    assert "ngày không hẹn" in slips.receipt_data(ctx, info)["due_note"]
    queue_setup.set_same_day_weekdays(ctx, [])
    later = dossiers.receive_dossier(ctx, procedure_code="1.004873", qr_text=SAMPLE_QR)
    assert later.due_at == vn(2026, 12, 1, 9, 0)
    assert slips.receipt_data(ctx, later)["due_note"] == ""


def test_take_queues_the_real_ticket_slip_in_the_same_transaction(ctx, monkeypatch):
    """Item 7 with the real print queue (issue #3): a crash after the commit leaves the
    ticket issued and its slip queued, printed when the print worker runs."""
    from sadec_desk.db.print_models import PrintJob
    from sadec_desk.services.printing import jobs

    info = tickets.take_ticket(ctx, "B", priority=True)
    assert info.print_state == "queued"
    job = PrintJob.get_by_id(int(info.print_job))
    assert (job.kind, job.status, job.reference) == ("ticket", "queued", "B001")
    # "crash" here: nothing printed yet, both rows are on disk; the worker prints it later
    done = {j.id: j.status for j in jobs.process_queue(ctx)}
    assert done[job.id] == "printed"

    real = jobs.enqueue_print

    def crash_after_queueing(*args, **kwargs):
        real(*args, **kwargs)
        raise RuntimeError("power cut before the commit")

    monkeypatch.setattr(jobs, "enqueue_print", crash_after_queueing)
    with pytest.raises(RuntimeError):
        tickets.take_ticket(ctx, "B")
    assert [t.display for t in Ticket.select()] == ["B001"]
    assert PrintJob.select().count() == 1

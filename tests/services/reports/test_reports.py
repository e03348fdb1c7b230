"""Reports for the leader (issue #7, Required 1): summary, overdue, queue, satisfaction."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from appfixtures import SAMPLE_QR, vn
from report_samples import _at, _month

from sadec_desk.cli import main
from sadec_desk.db.models import Dossier
from sadec_desk.errors import InvalidInput, NotFound
from sadec_desk.services.admin import office
from sadec_desk.services.audit import append_event
from sadec_desk.services.queue import tickets
from sadec_desk.services.reception import dossiers, feedback
from sadec_desk.services.reports import build
from sadec_desk.services.reports.book import book_rows


@pytest.fixture
def ctx(ctx):
    office.init_office(ctx)  # the queue defaults
    return ctx



def test_summary_counts_every_deadline_outcome(ctx, clock):
    a, b, c, d, e, f, g = _month(ctx, clock)
    r = build.summary_report(ctx, "2026-11-01", "2026-11-30")
    assert r.received == 7
    assert dict(r.by_channel) == {"counter": 6, "kiosk": 0, "online": 1, "postal": 0}
    assert r.online_share == pytest.approx(1 / 7)
    dl = r.deadline
    assert (dl.resolved, dl.early, dl.on_time, dl.late) == (4, 1, 1, 2)
    assert dl.on_time_rate == pytest.approx(0.5)
    assert (dl.rescheduled, dl.rescheduled_met_new_due) == (1, 1)
    assert (r.refused, r.withdrawn) == (1, 0)
    assert r.overdue_now == 1  # e: same-day certified copy never finished
    assert r.due_soon == (1 if g.due_at < vn(2026, 12, 1) else 0)
    by_code = {p.code: p for p in r.procedures}
    assert by_code["1.004873"].received == 6 and by_code["2.000815"].received == 1
    assert dict(by_code["2.000815"].by_channel)["online"] == 1
    assert by_code["1.004873"].deadline.resolved == 4
    # a period that ends before the results: received, nothing resolved
    early = build.summary_report(ctx, "2026-11-02", "2026-11-02")
    assert early.received == 5 and early.deadline.resolved == 0
    assert early.deadline.on_time_rate is None


def test_overdue_lists_late_and_due_soon(ctx, clock):
    *_, e, f, g = _month(ctx, clock)
    r = build.overdue_report(ctx)
    assert [i.code for i in r.overdue] == [e.code]
    late = r.overdue[0]
    assert late.channel == "online" and late.working_days_late >= 15
    assert not late.rescheduled and late.original_due_at == late.due_at
    assert [i.code for i in r.due_soon] == [g.code]
    # a rescheduled unfinished dossier shows its original due time too
    clock.moment = vn(2026, 11, 26, 9, 5)
    h = dossiers.receive_dossier(ctx, procedure_code="2.000815", qr_text=SAMPLE_QR, pages=1)
    dossiers.reschedule_dossier(ctx, h.code, h.due_at + timedelta(days=1), "Máy hỏng")
    item = next(i for i in build.overdue_report(ctx).due_soon if i.code == h.code)
    assert item.rescheduled and item.original_due_at == h.due_at


def test_queue_report_by_weekday(ctx, clock):
    ctx.config.values["queue.no_wait_weekdays"] = [1, 4]
    # Tuesday 24/11: one served within the promise, one called after 30 minutes
    _at(clock, vn(2026, 11, 24, 8, 0))
    tickets.take_ticket(ctx, "A")
    tickets.take_ticket(ctx, "A")
    _at(clock, vn(2026, 11, 24, 8, 5))
    tickets.call_next(ctx, "1")
    _at(clock, vn(2026, 11, 24, 8, 15))
    tickets.finish(ctx, counter="1")
    _at(clock, vn(2026, 11, 24, 8, 30))
    tickets.call_next(ctx, "1")
    _at(clock, vn(2026, 11, 24, 8, 40))
    tickets.finish(ctx, counter="1")
    # Thursday 26/11 (today): waiting for 10 minutes so far, within the promise
    _at(clock, vn(2026, 11, 26, 8, 50))
    tickets.take_ticket(ctx, "A")
    _at(clock, vn(2026, 11, 26, 9, 0))
    r = build.queue_report(ctx, "2026-11-23", "2026-11-29")
    assert r.total.issued == 3 and r.total.served == 2 and r.total.over_promise == 1
    tue, thu = r.weekdays
    assert (tue.weekday, tue.label, tue.no_wait_day, tue.days) == (1, "Thứ Ba", True, 1)
    assert tue.stats.over_promise == 1 and tue.stats.over_promise_share == 0.5
    assert tue.stats.waiting.median_s == pytest.approx(17.5 * 60)
    assert tue.stats.service.median_s == pytest.approx(10 * 60)
    assert (thu.weekday, thu.no_wait_day, thu.stats.still_waiting) == (3, False, 1)
    assert thu.stats.over_promise == 0
    assert [g.key for g in r.groups] == ["A"]


def test_satisfaction_shares(ctx, clock):
    ticket = tickets.take_ticket(ctx, "A")
    dossier = dossiers.receive_dossier(ctx, procedure_code="2.000815", qr_text=SAMPLE_QR,
                                       pages=1)
    feedback.record_satisfaction(ctx, "very_satisfied", ticket=ticket.id, source="kiosk")
    feedback.record_satisfaction(ctx, "satisfied", dossier=dossier.code)
    feedback.record_satisfaction(ctx, "satisfied")
    feedback.record_satisfaction(ctx, "not_satisfied", source="kiosk")
    with pytest.raises(InvalidInput, match="Rất hài lòng"):
        feedback.record_satisfaction(ctx, "great")
    with pytest.raises(NotFound):
        feedback.record_satisfaction(ctx, "satisfied", ticket=99999)
    r = build.satisfaction_report(ctx, "2026-11-26", "2026-11-26")
    assert r.total == 4
    assert [(x.label, x.count) for x in r.levels] == [
        ("Rất hài lòng", 1), ("Hài lòng", 2), ("Chưa hài lòng", 1)]
    assert r.satisfied_share == 0.75
    assert dict(r.by_channel) == {"kiosk": 2, "counter": 2}
    assert build.satisfaction_report(ctx, "2026-11-27", "2026-11-30").total == 0


def test_bad_periods_are_clear():
    with pytest.raises(InvalidInput, match="YYYY-MM-DD"):
        build.make_period("26/11/2026", "2026-11-30")
    with pytest.raises(InvalidInput, match="trước ngày bắt đầu"):
        build.make_period("2026-11-30", "2026-11-01")


def test_cli_reports(ctx, clock, capsys):
    _month(ctx, clock)
    ctx.close()
    # the CLI reads the real clock: November 2026 is then in the past or the future alike
    assert main(["report", "summary", "--from", "2026-11-01", "--to", "2026-11-30"]) == 0
    out = capsys.readouterr().out
    assert "Hồ sơ tiếp nhận: 7" in out and "tỷ lệ đúng hạn 50,0 %" in out
    assert main(["report", "summary", "--from", "2026-11-01", "--to", "2026-11-30",
                 "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["deadline"]["late"] == 2
    assert main(["report", "overdue", "--json"]) == 0
    assert "overdue" in json.loads(capsys.readouterr().out)
    assert main(["report", "queue", "--from", "2026-11-01", "--to", "2026-11-30"]) == 0
    assert "Thời gian chờ đã hứa: 15 phút" in capsys.readouterr().out
    assert main(["report", "satisfaction", "--from", "2026-11-01", "--to", "2026-11-30"]) == 0
    assert "Số lượt đánh giá: 0" in capsys.readouterr().out
    assert main(["report", "summary", "--from", "2026-13-01", "--to", "2026-11-30"]) == 2
    assert "không phải ngày hợp lệ" in capsys.readouterr().err


def test_quick_periods_of_the_reports_screen(ctx, clock):
    # Thursday 26 Nov 2026: a period runs from its first day up to today
    got = {c: (p.date_from.isoformat(), p.date_to.isoformat())
           for c in build.QUICK_PERIODS for p in [build.quick_period(ctx, c)]}
    assert got == {"today": ("2026-11-26", "2026-11-26"),
                   "this_week": ("2026-11-23", "2026-11-26"),
                   "this_month": ("2026-11-01", "2026-11-26"),
                   "last_month": ("2026-10-01", "2026-10-31"),
                   "this_quarter": ("2026-10-01", "2026-11-26"),
                   "this_year": ("2026-01-01", "2026-11-26")}
    clock.moment = vn(2027, 1, 5, 8, 0)  # January: last month is December of last year
    p = build.quick_period(ctx, "last_month")
    assert (p.date_from.isoformat(), p.date_to.isoformat()) == ("2026-12-01", "2026-12-31")
    assert build.quick_period(ctx, "this_quarter").date_from.isoformat() == "2027-01-01"
    with pytest.raises(InvalidInput, match="this_month"):
        build.quick_period(ctx, "fortnight")


def test_screen_period_reads_day_month_year():
    p = build.screen_period("1/11/2026", " 30.11.2026 ")
    assert (p.date_from.isoformat(), p.date_to.isoformat()) == ("2026-11-01", "2026-11-30")
    with pytest.raises(InvalidInput, match="'31/02/2026' không phải ngày hợp lệ.*01/11/2026"):
        build.screen_period("31/02/2026", "01/03/2026")
    with pytest.raises(InvalidInput, match="Đến ngày '2026-11-30'"):
        build.screen_period("01/11/2026", "2026-11-30")
    with pytest.raises(InvalidInput, match="trước ngày bắt đầu"):
        build.screen_period("30/11/2026", "01/11/2026")


def test_report_bundle_is_the_four_reports_and_their_charts(ctx, clock):
    _month(ctx, clock)
    b = build.report_bundle(ctx, "2026-11-01", "2026-11-30", chart_width=300)
    assert b.summary == build.summary_report(ctx, "2026-11-01", "2026-11-30")
    assert b.overdue == build.overdue_report(ctx)
    assert b.queue.total.issued == 0 and b.satisfaction.total == 0
    assert b.can_export_book  # the command line is the machine's administrator
    from io import BytesIO

    from PIL import Image

    with Image.open(BytesIO(b.charts.deadline)) as picture:
        assert picture.format == "PNG" and picture.width == 300
    assert b.charts.channel is not None
    assert b.charts.queue is None  # no tickets: nothing to draw


def test_count_axes_start_at_zero_and_an_empty_period_has_a_unit_axis():
    from sadec_desk.services.reports.charts import _axis_top  # a pure helper of the charts

    assert _axis_top([0, 0, 0]) == 1.0  # not matplotlib's -0.055..0.055 around nothing
    assert _axis_top([]) == 1.0
    assert _axis_top([3, 40, 7]) >= 44  # room for the tallest bar's label


def test_the_books_notes_are_the_status_changes_not_every_event(ctx, clock):
    """Mẫu 06's notes column: the refusal, the supplement request and the reschedule with
    their reasons. Other events carry the dossier's status too (pages, results, a sync
    dismissal) and must not read as a second refusal."""
    clock.moment = vn(2026, 11, 26, 8, 0)
    info = dossiers.receive_dossier(ctx, procedure_code="1.001193", qr_text=SAMPLE_QR)
    dossiers.advance_dossier(ctx, info.code, "supplement_requested", note="Thiếu bản sao")
    dossiers.advance_dossier(ctx, info.code, "refused", note="Không bổ sung")
    row_id = Dossier.get(Dossier.code == info.code).id
    with ctx.database.atomic():  # an event after the refusal, as the sync dismissal writes
        append_event(ctx.database, dossier=row_id, at=clock.moment, actor=ctx.actor,
                     kind="sync_dismissed", from_status=None, to_status="refused",
                     note="Bỏ qua thao tác đồng bộ bị từ chối (đã xử lý ngoài phần mềm): x")
    period = build.make_period("2026-11-26", "2026-11-26")
    [row] = book_rows(ctx, period)
    assert row.note == "Yêu cầu bổ sung: Thiếu bản sao; Từ chối: Không bổ sung"

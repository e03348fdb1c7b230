"""The leader's Reports screen driven through its widgets under Xvfb: the figures are the
services' own (docs/reports.md), the exports are real files."""

from __future__ import annotations

import shutil
import subprocess

import openpyxl
import pytest
from appfixtures import SAMPLE_QR, sign_in_as, vn
from guikit import _sign_in_through_form, sign_in_clerk, sign_in_it, type_text
from report_samples import _month

from sadec_desk.domain.timezone import VN_TZ
from sadec_desk.services.admin import office, users
from sadec_desk.services.reception import dossiers, feedback
from sadec_desk.services.reports import build
from sadec_desk.views import reports as reports_view


def sign_in_leader(shell, ctx):
    users.create_user(ctx, username="admin", full_name="Lê Văn Tín", role="it",
                      password="matkhau-cntt")
    sign_in_as(ctx, "admin")
    office.init_office(ctx)
    users.create_user(ctx, username="chutich", full_name="Phạm Văn Bình", role="leader",
                      password="matkhau-lanh-dao")
    # a leader lands on the Reports screen (issue #17 low items)
    return _sign_in_through_form(shell, ctx, "chutich", "matkhau-lanh-dao", "ReportsView")


def shown(widget) -> bool:
    return widget.winfo_manager() != ""


def open_reports(shell):
    if type(shell.screen).__name__ != "ReportsView":  # a clerk or IT: from their screen
        assert shown(shell.reports_button)
        shell.reports_button.invoke()  # once the counter's own calls are answered
    else:  # a leader lands here: opened again for the data the test made since
        shell.tasks.pump()
        shell.on_open_reports()
    assert shell.tasks.pump(until=lambda: type(shell.screen).__name__ == "ReportsView")
    view = shell.screen
    settle(shell, view)
    return view


def settle(shell, view) -> None:
    """Pump until the worker answered and every table is filled (bounded)."""
    assert shell.tasks.pump(until=lambda: not view.busy and not shell.tasks.busy, timeout=30)


def figure(view, key: str) -> str:
    return view.figures[key].cget("text")


def month_with_kiosk(ctx, clock):
    """docs/reports.md's seven November dossiers (tests/test_reports.py) and one more,
    received at the kiosk on Tuesday 24/11 and finished that morning: early, as the
    catalogue gives a signature certification until 17:00 the next working day."""
    a, b, c, d, e, f, g = _month(ctx, clock)
    clock.moment = vn(2026, 11, 24, 9, 0)
    k = dossiers.receive_dossier(ctx, procedure_code="2.000884", qr_text=SAMPLE_QR,
                                 channel="kiosk")
    assert k.due_at == vn(2026, 11, 25, 17, 0)
    clock.moment = vn(2026, 11, 24, 10, 0)
    dossiers.advance_dossier(ctx, k.code, "done")
    clock.moment = vn(2026, 11, 26, 9, 0)
    return a, b, c, d, e, f, g, k


def test_leader_sees_the_months_figures_of_the_services(shell, ctx, clock):
    sign_in_leader(shell, ctx, )
    *_, e, f, g, k = month_with_kiosk(ctx, clock)
    view = open_reports(shell)
    # "Tháng này" on Thursday 26/11: 01/11 - 26/11
    assert view.quick.get() == "this_month"
    assert (view.date_from.get(), view.date_to.get()) == ("01/11/2026", "26/11/2026")
    assert "01/11/2026 – 26/11/2026" in view.period_label.cget("text")
    # hand-counted: 8 received (6 counter, 1 online, 1 kiosk); 5 resolved: a and k early,
    # b on time, c late, d late although it met its Mẫu 04 date; f refused; e overdue
    assert figure(view, "received") == "8"
    assert [figure(view, c) for c in ("counter", "kiosk", "online", "postal")] == [
        "6", "1", "1", "0"]
    assert figure(view, "online_share") == "12,5 %"
    assert [figure(view, key) for key in ("resolved", "early", "on_time", "late")] == [
        "5", "2", "1", "2"]
    assert figure(view, "on_time_rate") == "60,0 %"
    assert figure(view, "rescheduled") == "1 (kịp hẹn mới 1)"
    assert (figure(view, "refused"), figure(view, "withdrawn")) == ("1", "0")
    assert figure(view, "overdue_now") == "1"
    # and the same as the service's own numbers
    s = build.summary_report(ctx, "2026-11-01", "2026-11-26")
    assert figure(view, "received") == str(s.received)
    assert figure(view, "due_soon") == str(s.due_soon)
    assert figure(view, "late") == str(s.deadline.late)
    rows = {i: view.procedures.item(i, "values") for i in view.procedures.get_children()}
    assert rows["1.004873"] == ("Cấp giấy xác nhận tình trạng hôn nhân", "6", "4", "1", "1",
                                "2", "50,0 %")
    assert rows["2.000884"][1:] == ("1", "1", "1", "0", "0", "100,0 %")
    # the charts are real pictures, scaled for the screen
    for key, label in (("deadline", view.deadline_chart), ("channel", view.channel_chart)):
        image = view.images[key]
        assert 300 <= image.width() <= build.SCREEN_CHART_WIDTH and image.height() > 100
        assert str(image) in label.cget("image")


def test_overdue_tab_lists_the_late_dossier(shell, ctx, clock):
    sign_in_leader(shell, ctx)
    *_, e, f, g, k = month_with_kiosk(ctx, clock)
    view = open_reports(shell)
    view.notebook.select(view.overdue_tab)
    shell.tasks.pump()
    service = build.overdue_report(ctx)
    late = next(i for i in service.overdue if i.code == e.code)
    values = view.overdue.item(e.code, "values")
    assert values[0] == "Quá hạn" and values[1] == e.code
    assert values[2] == late.procedure_name and values[3] == late.status_label
    assert values[4] == late.due_at.astimezone(VN_TZ).strftime("%H:%M %d/%m/%Y")
    assert values[6] == str(late.working_days_late) and late.working_days_late >= 15
    assert view.overdue.item(e.code, "tags") == ("overdue",)
    listed = set(view.overdue.get_children())
    assert listed == {i.code for i in service.overdue + service.due_soon}
    assert k.code not in listed and f.code not in listed  # finished, refused
    assert "Đang quá hạn: 1 hồ sơ" in view.overdue_label.cget("text")


def test_quick_choices_and_typed_days_change_the_numbers(shell, ctx, clock):
    sign_in_leader(shell, ctx)
    month_with_kiosk(ctx, clock)
    view = open_reports(shell)
    assert figure(view, "received") == "8"
    view.quick_buttons["this_week"].invoke()  # Monday 23/11 - Thursday 26/11
    settle(shell, view)
    assert (view.date_from.get(), view.date_to.get()) == ("23/11/2026", "26/11/2026")
    assert figure(view, "received") == "2"  # g (25/11) and k (24/11)
    assert [figure(view, c) for c in ("counter", "kiosk")] == ["1", "1"]
    assert (figure(view, "resolved"), figure(view, "on_time_rate")) == ("1", "100,0 %")
    view.quick_buttons["last_month"].invoke()
    settle(shell, view)
    assert (view.date_from.get(), view.date_to.get()) == ("01/10/2026", "31/10/2026")
    assert (figure(view, "received"), figure(view, "on_time_rate")) == ("0", "—")
    # typed days (dd/mm/yyyy) and "Xem"
    view.date_from.delete(0, "end")
    view.date_to.delete(0, "end")
    type_text(view.date_from, "02/11/2026")
    type_text(view.date_to, "02/11/2026", enter=True)
    settle(shell, view)
    assert view.quick.get() == ""
    assert figure(view, "received") == "5" and figure(view, "resolved") == "0"
    assert "02/11/2026 – 02/11/2026" in view.period_label.cget("text")


def test_a_bad_range_says_what_to_do_and_keeps_the_figures(shell, ctx, clock):
    sign_in_leader(shell, ctx)
    month_with_kiosk(ctx, clock)
    view = open_reports(shell)
    view.date_from.delete(0, "end")
    view.date_from.insert(0, "30/11/2026")
    view.date_to.delete(0, "end")
    view.date_to.insert(0, "01/11/2026")
    view.apply_button.invoke()
    settle(shell, view)
    assert view.message.kind == "error"
    assert view.message.text == ("Ngày kết thúc 01/11/2026 trước ngày bắt đầu 30/11/2026; "
                                 "hãy đổi lại.")
    assert figure(view, "received") == "8"  # the last good figures stay
    assert view.loading_label.cget("text") == ""
    view.date_from.delete(0, "end")
    view.date_from.insert(0, "31/02/2026")
    view.apply_button.invoke()
    settle(shell, view)
    assert view.message.kind == "error"
    assert "'31/02/2026' không phải ngày hợp lệ" in view.message.text
    assert "01/11/2026" in view.message.text  # the example of the form to type


def test_loading_is_shown_while_the_worker_computes(shell, ctx, clock):
    sign_in_leader(shell, ctx)
    view = open_reports(shell)
    view.refresh_button.invoke()
    assert view.loading and view.loading_label.cget("text") == "Đang tính báo cáo…"
    assert shown(view.progress)
    settle(shell, view)
    assert not view.loading and not shown(view.progress)
    assert figure(view, "received") == "0"


def test_queue_and_satisfaction_tabs(shell, ctx, clock):
    sign_in_leader(shell, ctx)
    from sadec_desk.services.queue import tickets

    clock.moment = vn(2026, 11, 24, 8, 0)  # Tuesday: two tickets, one called late
    tickets.take_ticket(ctx, "A", print_ticket=False)
    tickets.take_ticket(ctx, "A", print_ticket=False)
    clock.moment = vn(2026, 11, 24, 8, 5)
    tickets.call_next(ctx, "1")
    clock.moment = vn(2026, 11, 24, 8, 15)
    tickets.finish(ctx, counter="1")
    clock.moment = vn(2026, 11, 24, 8, 30)
    tickets.call_next(ctx, "1")
    clock.moment = vn(2026, 11, 24, 8, 40)
    tickets.finish(ctx, counter="1")
    clock.moment = vn(2026, 11, 26, 9, 0)
    for level, source in (("very_satisfied", "kiosk"), ("satisfied", "counter"),
                          ("satisfied", "kiosk"), ("not_satisfied", "kiosk")):
        feedback.record_satisfaction(ctx, level, source=source)
    view = open_reports(shell)
    q = view.queue_figures
    assert (q["issued"].cget("text"), q["served"].cget("text")) == ("2", "2")
    assert q["wait_median"].cget("text") == "17,5 phút"  # 5 and 30 minutes
    assert q["over_promise"].cget("text") == "1 (50,0 %)"
    assert q["promise"].cget("text") == "15 phút"
    tuesday = view.weekdays.item("1", "values")
    assert tuesday[0].startswith("Thứ Ba") and tuesday[2:4] == ("2", "2")
    assert view.images["queue"].width() == build.SCREEN_QUEUE_CHART_WIDTH
    assert view.satisfied_label.cget("text") == "Tỷ lệ hài lòng: 75,0 % trên 4 lượt đánh giá"
    assert [view.levels.item(i, "values") for i in view.levels.get_children()] == [
        ("Rất hài lòng", "1", "25,0 %"), ("Hài lòng", "2", "50,0 %"),
        ("Chưa hài lòng", "1", "25,0 %")]
    sources = {view.sources.item(i, "values")[0]: view.sources.item(i, "values")[1]
               for i in view.sources.get_children()}
    assert sources == {"Ki-ốt": "3", "Tại quầy": "1"}


def test_excel_pdf_and_book_exports_write_files(shell, ctx, clock, tmp_path):
    sign_in_leader(shell, ctx)
    month_with_kiosk(ctx, clock)
    view = open_reports(shell)
    assert str(view.open_button.cget("state")) == "disabled"
    view.on_export("xlsx", str(tmp_path / "bao-cao.xlsx"))
    assert view.busy
    settle(shell, view)
    assert view.message.kind == "ok", view.message.text
    assert str(tmp_path / "bao-cao.xlsx") in view.message.details  # behind "Chi tiết"
    assert "Mở tệp vừa lưu" in view.message.text
    assert "dữ liệu cá nhân" not in view.message.details
    book = openpyxl.load_workbook(tmp_path / "bao-cao.xlsx")
    overview = {row[0]: row[1] for row in book["Tổng hợp"].iter_rows(values_only=True)}
    assert overview["Hồ sơ tiếp nhận"] == 8 and overview["Ki-ốt"] == 1
    assert overview["Tỷ lệ đúng hạn"] == pytest.approx(0.6)
    assert str(view.open_button.cget("state")) == "normal"
    assert view.export_path == str(tmp_path / "bao-cao.xlsx")

    view.on_export("pdf", str(tmp_path / "bao-cao.pdf"))
    settle(shell, view)
    assert view.message.kind == "ok", view.message.text
    pdf = tmp_path / "bao-cao.pdf"
    assert pdf.read_bytes().startswith(b"%PDF")
    if shutil.which("pdftotext"):
        text = " ".join(subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True,
                                       text=True, check=True, timeout=60).stdout.split())
        assert "tỷ lệ đúng hạn 60,0 %" in text and "01/11/2026 – 26/11/2026" in text

    # the tracking book names citizens: the service marks the file, the message says so
    assert shown(view.export_buttons["book"])
    view.on_export("book", str(tmp_path / "so.pdf"))
    settle(shell, view)
    marked = tmp_path / "so.du-lieu-ca-nhan.pdf"
    assert marked.read_bytes().startswith(b"%PDF") and not (tmp_path / "so.pdf").exists()
    assert str(marked) in view.message.details and "dữ liệu cá nhân" in view.message.details
    assert "dữ liệu cá nhân" in view.message.text  # the warning on the line itself
    assert view.export_path == str(marked)


def test_an_export_to_a_missing_folder_says_what_to_do(shell, ctx, clock, tmp_path):
    sign_in_leader(shell, ctx)
    view = open_reports(shell)
    view.on_export("xlsx", str(tmp_path / "khong-co" / "bao-cao.xlsx"))
    settle(shell, view)
    assert view.message.kind == "error"
    assert "không có; hãy tạo trước hoặc chọn nơi khác" in view.message.text
    assert not (tmp_path / "khong-co").exists()
    assert str(view.open_button.cget("state")) == "disabled"


def test_the_save_dialog_proposes_a_name_and_the_export_follows(shell, ctx, clock, tmp_path,
                                                               monkeypatch):
    sign_in_leader(shell, ctx)
    view = open_reports(shell)
    asked = []

    def dialog(_parent, *, on_chosen, file_name="", suffix="", **_options):
        asked.append({"initialfile": file_name, "defaultextension": suffix})
        on_chosen(str(tmp_path / file_name))  # the person keeps the proposed name

    monkeypatch.setattr(reports_view, "ask_save_file", dialog)
    view.export_buttons["xlsx"].invoke()
    settle(shell, view)
    assert asked[0]["initialfile"] == "bao-cao-20261101-20261126.xlsx"
    assert asked[0]["defaultextension"] == ".xlsx"
    assert (tmp_path / "bao-cao-20261101-20261126.xlsx").is_file()
    assert view.message.kind == "ok"
    view.export_buttons["book"].invoke()
    settle(shell, view)
    assert asked[1]["initialfile"] == "so-theo-doi-20261101-20261126.du-lieu-ca-nhan.pdf"
    assert (tmp_path / "so-theo-doi-20261101-20261126.du-lieu-ca-nhan.pdf").is_file()
    # cancelling the dialog writes nothing and says nothing
    monkeypatch.setattr(reports_view, "ask_save_file",
                        lambda _parent, *, on_chosen, **_o: on_chosen(""))
    view.message.clear()
    view.export_buttons["pdf"].invoke()
    settle(shell, view)
    assert view.message.text == ""
    assert [f.name for f in tmp_path.glob("*.pdf")] == [
        "so-theo-doi-20261101-20261126.du-lieu-ca-nhan.pdf"]


def test_default_export_names_carry_the_period_and_the_mark(ctx):
    period = build.make_period("2026-11-01", "2026-11-30")
    assert build.default_export_path(ctx, "xlsx", period).name == "bao-cao-20261101-20261130.xlsx"
    book = build.default_export_path(ctx, "book", period)
    assert book.name == "so-theo-doi-20261101-20261130.du-lieu-ca-nhan.pdf"
    assert book.parent.is_dir()


def test_the_way_back_to_the_counter(shell, ctx):
    sign_in_leader(shell, ctx)
    view = open_reports(shell)
    assert not shown(shell.reports_button) and shown(shell.home_button)
    assert shell.home_button.cget("text") == "Quầy tiếp nhận"
    shell.on_scan(SAMPLE_QR)  # a card scanned here is not lost silently
    assert "Quầy tiếp nhận" in view.message.text
    shell.home_button.invoke()
    shell.tasks.pump()
    assert type(shell.screen).__name__ == "CounterView"
    assert shown(shell.reports_button) and not shown(shell.home_button)


def test_the_counter_is_replaced_only_after_its_calls_are_answered(shell, ctx):
    """An answer to the counter arriving after the switch would find its widgets gone
    ("Lỗi chương trình" in red): "Báo cáo" waits for the worker first."""
    sign_in_leader(shell, ctx)
    shell.home_button.invoke()  # from the Reports screen a leader lands on, to the counter
    assert shell.tasks.pump(until=lambda: type(shell.screen).__name__ == "CounterView")
    shell.tasks.pump()
    counter = shell.screen
    answered = []

    def on_counter_answer(_value):  # like the counter's own queue refresh
        counter.counter_box.configure(state="readonly")
        answered.append(True)

    shell.tasks.submit(lambda: None, on_done=on_counter_answer)
    shell.reports_button.invoke()
    assert shell.screen is counter and not answered  # not yet: the answer is on its way
    assert shell.tasks.pump(until=lambda: type(shell.screen).__name__ == "ReportsView")
    assert answered == [True]
    settle(shell, shell.screen)
    assert shell.message.text == ""


def test_a_clerk_gets_reports_but_not_the_tracking_book(shell, ctx):
    # the report services allow clerks (reports.REPORT_ROLES); the book with names and ID
    # numbers is for leaders and IT (reports.PERSONAL_EXPORT_ROLES)
    assert "clerk" in build.REPORT_ROLES and "clerk" not in build.PERSONAL_EXPORT_ROLES
    sign_in_clerk(shell, ctx)
    view = open_reports(shell)
    assert not view.bundle.can_export_book
    assert not shown(view.export_buttons["book"])
    assert shown(view.export_buttons["xlsx"]) and shown(view.export_buttons["pdf"])


def test_it_gets_reports_and_back_to_the_admin_screen(shell, ctx):
    sign_in_it(shell, ctx)
    view = open_reports(shell)
    assert view.bundle.can_export_book and shown(view.export_buttons["book"])
    assert shell.home_button.cget("text") == "Quản trị"
    shell.home_button.invoke()
    shell.tasks.pump()
    assert type(shell.screen).__name__ == "SettingsView"


def test_a_long_overdue_list_is_filled_a_chunk_per_turn(shell, ctx, clock, monkeypatch):
    """The table never takes the Tk thread for the whole list at once."""
    sign_in_leader(shell, ctx)
    clock.moment = vn(2026, 11, 2, 9, 0)
    codes = [dossiers.receive_dossier(ctx, procedure_code="2.000815", qr_text=SAMPLE_QR,
                                      pages=1).code for _ in range(7)]
    clock.moment = vn(2026, 11, 26, 9, 0)
    monkeypatch.setattr(reports_view, "FILL_CHUNK", 2)
    view = open_reports(shell)
    assert set(view.overdue.get_children()) == set(codes)
    right_after = []
    loaded = view.on_loaded

    def spy(request, bundle):
        loaded(request, bundle)
        right_after.append((len(view.overdue.get_children()), view.busy))

    view.on_loaded = spy
    view.refresh_button.invoke()
    settle(shell, view)
    assert right_after == [(2, True)]  # the first chunk; the rest on later turns
    assert set(view.overdue.get_children()) == set(codes)

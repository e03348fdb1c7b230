"""Save a picture of each screen into docs/screenshots/ (python -m sadec_desk.tools.screenshots).

Runs the real windows on a throwaway database with a fixed clock (Thursday 26 Nov
2026, 09:00), drives them the way a clerk would (first-start set-up, sign-in,
calling a ticket, scanning a card, receiving a dossier, finding it) and grabs the
window from the X display with Pillow. Needs a display; under Xvfb:
``Xvfb :55 -screen 0 1366x768x24 & DISPLAY=:55 python -m sadec_desk.tools.screenshots``.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

SAMPLE_QR = ("034303011829||Nguyễn Thị Hoa|21032003|Nữ|"
             "Thôn Lai Ổn, An Quý, Quỳnh Phụ, Thái Bình|14082021")
OTHER_QR = ("087099001234|351234567|Trần Văn Đức|05061999|Nam|Phường 1, Sa Đéc, Đồng Tháp|"
            "01022022")


def grab(window, path: Path) -> Path:
    from PIL import ImageGrab

    window.update()
    x, y = window.winfo_rootx(), window.winfo_rooty()
    w, h = window.winfo_width(), window.winfo_height()
    image = ImageGrab.grab(bbox=(x, y, x + w, y + h), xdisplay=os.environ.get("DISPLAY"))
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path)
    print(path)
    return path


def page_image(title: str) -> bytes:
    """A scanned-looking page: a title and lines of text on white paper."""
    import io

    from PIL import Image, ImageDraw, ImageFont

    from sadec_desk.printers.fonts import find_fonts

    fonts = find_fonts()
    image = Image.new("L", (1240, 1754), 250)
    draw = ImageDraw.Draw(image)
    draw.text((620, 200), title, fill=20, anchor="mm",
              font=ImageFont.truetype(str(fonts.bold), 56))
    body = ImageFont.truetype(str(fonts.regular), 30)
    for row in range(22):
        draw.text((150, 330 + row * 58), "Nội dung giấy tờ " + "." * (40 - row % 7),
                  fill=40, font=body)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def kiosk_dossier(ctx):
    """A birth registration as the kiosk leaves it: channel 'kiosk', two pages of the
    birth certificate, the filled declaration form."""
    from sadec_desk.services.pages import dossier_pages
    from sadec_desk.services.reception import dossiers, eforms

    info = dossiers.receive_dossier(ctx, procedure_code="1.001193", qr_text=SAMPLE_QR,
                                    channel="kiosk", phone="0912345678")
    for n in (1, 2):
        dossier_pages.add_page(ctx, page_image(f"GIẤY CHỨNG SINH — trang {n}"), paper_index=1,
                               paper_name="Giấy chứng sinh", source="scanner", dossier=info.code)
    values = eforms.prefill_from_qr(ctx, "1.001193", SAMPLE_QR)
    values.update({"req_relation": "mẹ", "child_name": "Nguyễn Ngọc Hân",
                   "child_birth_date": "20/11/2026", "child_gender": "Nữ",
                   "child_ethnicity": "Kinh", "child_birth_place": "Bệnh viện Đa khoa Sa Đéc",
                   "child_hometown": "Sa Đéc, Đồng Tháp", "mother_name": "Nguyễn Thị Hoa",
                   "mother_birth_date": "21/03/2003", "mother_ethnicity": "Kinh",
                   "mother_residence": "Thôn Lai Ổn, An Quý, Quỳnh Phụ, Thái Bình"})
    with ctx.database.atomic():
        eforms.save_form(ctx, dossiers.find_dossier_row(info.code).id, "1.001193", values)
    return info


def report_month(ctx, moment: list) -> None:
    """November's dossiers for the leader's Reports screen: every channel, early, on time
    and late results, a Mẫu 04 reschedule, a refusal, overdue and due-soon dossiers, a
    few ratings; the clock comes back to where it was."""
    from sadec_desk.domain.timezone import VN_TZ
    from sadec_desk.services.reception import dossiers, feedback

    now = moment[0]
    plan = ((2, "1.004873", "counter", "early"), (2, "1.004873", "counter", "on_time"),
            (3, "1.004873", "kiosk", "late"), (4, "2.000815", "online", "early"),
            (5, "1.004873", "kiosk", "on_time"), (9, "1.004859", "postal", "rescheduled"),
            (10, "2.000884", "kiosk", "early"), (12, "1.004873", "counter", "open"),
            (16, "2.000635", "online", "on_time"), (17, "1.004873", "counter", "early"),
            (18, "2.000815", "counter", "refused"), (23, "1.004873", "kiosk", "open"),
            (24, "2.000884", "online", "early"), (25, "1.004873", "counter", "open"))
    for i, (day, procedure, channel, outcome) in enumerate(plan):
        moment[0] = datetime(2026, 11, day, 8, 30 + i, tzinfo=VN_TZ)
        info = dossiers.receive_dossier(ctx, procedure_code=procedure, channel=channel,
                                        qr_text=OTHER_QR if i % 2 else SAMPLE_QR, pages=1)
        if outcome == "refused":
            moment[0] += timedelta(hours=1)
            dossiers.advance_dossier(ctx, info.code, "refused",
                                     note="Không thuộc thẩm quyền của phường")
            continue
        if outcome == "rescheduled":
            moment[0] = info.due_at - timedelta(hours=3)
            dossiers.reschedule_dossier(ctx, info.code, info.due_at + timedelta(days=5),
                                        "Chờ xác minh của Sở Tư pháp")
        moment[0] = {"early": info.received_at + timedelta(hours=2),
                     "on_time": info.due_at - timedelta(minutes=30),
                     "late": info.due_at + timedelta(days=1),
                     "rescheduled": info.due_at + timedelta(days=2)}.get(outcome)
        if moment[0] is not None:
            dossiers.advance_dossier(ctx, info.code, "done")
    moment[0] = now
    for level, source in (("very_satisfied", "kiosk"), ("satisfied", "kiosk"),
                          ("satisfied", "counter"), ("very_satisfied", "counter"),
                          ("not_satisfied", "kiosk")):
        feedback.record_satisfaction(ctx, level, source=source)


def kiosk_submission_screens(kiosk, out: Path) -> None:
    """The kiosk's self-service submission, step by step (issue #8)."""
    from sadec_desk.services.kiosk import submission

    tasks = kiosk.shell.tasks
    kiosk.show_start()
    kiosk.on_submit()
    flow = kiosk.submission
    tasks.pump(until=lambda: "1.001193" in getattr(flow, "procedure_buttons", {})
               and flow.draft is not None)
    grab(kiosk.window, out / "30-kiosk-nop-1-thu-tuc.png")
    flow.procedure_buttons["1.001193"].invoke()
    tasks.pump(until=lambda: flow.step == 1)
    grab(kiosk.window, out / "31-kiosk-nop-2-quet-cccd.png")
    kiosk.on_scan(SAMPLE_QR)
    tasks.pump(until=lambda: flow.form_view is not None)
    flow.form_view.set_value("req_relation", "Mẹ")
    flow.form_view.widgets["child_name"].focus_force()
    flow.form_view.set_value("child_name", "Nguyễn Ngọc Hân")
    tasks.pump()
    grab(kiosk.window, out / "32-kiosk-nop-3-to-khai.png")
    for name, value in {"child_birth_date": "20/11/2026", "child_gender": "Nữ",
                        "child_ethnicity": "Kinh",
                        "child_birth_place": "Bệnh viện Đa khoa Sa Đéc",
                        "child_hometown": "Sa Đéc, Đồng Tháp", "mother_name": "Nguyễn Thị Hoa",
                        "mother_birth_date": "21/03/2003", "mother_ethnicity": "Kinh",
                        "mother_residence": "Thôn Lai Ổn, An Quý, Quỳnh Phụ, Thái Bình"}.items():
        flow.form_view.set_value(name, value)
    flow.on_form_next()
    tasks.pump(until=lambda: flow.step == 3)
    for n in (1, 2):
        flow.run(submission.add_page, kiosk.ctx, flow.draft, "1.001193", 1,
                 page_image(f"GIẤY CHỨNG SINH — trang {n}"), "scanner",
                 on_done=flow.on_page_added)
        tasks.pump(until=lambda: not flow.busy)
    tasks.pump(until=lambda: len(flow.paper_rows[1]["strip"].images) == 2)
    grab(kiosk.window, out / "33-kiosk-nop-4-giay-to.png")
    flow.on_papers_next()
    tasks.pump(until=lambda: flow.step == 4)
    for digit in "0912345678":
        flow.on_digit(digit)
    grab(kiosk.window, out / "34-kiosk-nop-5-kiem-tra.png")
    flow.on_submit()
    tasks.pump(until=lambda: flow.step == 5, timeout=30)
    grab(kiosk.window, out / "35-kiosk-nop-6-bien-nhan.png")
    kiosk.show_start()
    tasks.pump()


def fill_first_start(view) -> None:
    """The sample office and its IT officer typed into the first-start form."""
    view.office_name.insert(0, "UBND phường 1, thành phố Sa Đéc")
    view.agency_code.delete(0, "end")
    view.agency_code.insert(0, "000.00.14.H20")
    view.full_name.insert(0, "Lê Văn Tín")
    view.username.insert(0, "tin.lv")
    view.password.insert(0, "matkhau-cntt")
    view.password2.insert(0, "matkhau-cntt")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="docs/screenshots", help="folder for the PNG files")
    args = parser.parse_args(argv)
    out = Path(args.out)
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["SADEC_DESK_CONFIG"] = str(Path(tmp) / "config.toml")
        os.environ["SADEC_DESK_DATA_DIR"] = str(Path(tmp) / "data")
        return run(out)


def station_shot(ctx, moment, later) -> None:
    """Heartbeats of three PCs as their apps write them; the TV's stops 3 minutes ago."""
    from sadec_desk.services.access import as_machine
    from sadec_desk.services.admin import stations

    machine = as_machine(ctx)
    own = machine.config.values["station.name"]
    for name, role, user in (("MAY-TV-SANH", "board", ""), ("QUAY-1", "counter", "Nguyễn Thị Hoa"),
                             ("MAY-KIOSK", "kiosk", "")):
        machine.config.values["station.name"] = name
        stations.record_heartbeat(machine, role, user_name=user)
    later(3)
    for name, role, user in (("QUAY-1", "counter", "Nguyễn Thị Hoa"), ("MAY-KIOSK", "kiosk", "")):
        machine.config.values["station.name"] = name
        stations.record_heartbeat(machine, role, user_name=user, started_at=moment[0]
                                  - timedelta(minutes=3))
    machine.config.values["station.name"] = own


def run(out: Path) -> int:
    from sadec_desk.app import create_root, start_app
    from sadec_desk.bootstrap import open_context
    from sadec_desk.config import load_config
    from sadec_desk.domain.timezone import VN_TZ
    from sadec_desk.services.access import as_machine
    from sadec_desk.services.admin import users
    from sadec_desk.services.printing.worker import print_state
    from sadec_desk.services.queue import tickets
    from sadec_desk.services.reception import dossiers
    from sadec_desk.sync.engine import sync_status

    moment = [datetime(2026, 11, 26, 9, 0, tzinfo=VN_TZ)]

    def later(minutes: int = 1) -> None:
        moment[0] += timedelta(minutes=minutes)

    root = create_root()
    ctx = open_context(load_config(), clock=lambda: moment[0])
    shell, stop = start_app(root, ctx, start_workers=False, kiosk_fullscreen=False)
    tasks = shell.tasks
    win = shell.window
    win.geometry("1366x768+0+0")
    tasks.pump()

    def settle():
        tasks.pump()
        win.update()

    settle()
    view = shell.screen
    fill_first_start(view)
    grab(win, out / "01-thiet-lap-lan-dau.png")
    view.on_save()
    settle()
    grab(win, out / "02-quan-tri-cntt.png")

    users.create_user(ctx, username="hoa.nt", full_name="Nguyễn Thị Hoa", role="clerk",
                      pin="246810", counter=1)
    shell.on_sign_out()
    settle()
    shell.screen.username.insert(0, "hoa.nt")
    grab(win, out / "03-dang-nhap.png")
    shell.screen.secret.insert(0, "246810")
    shell.screen.on_sign_in()
    settle()

    for group, priority in (("A", False), ("A", True), ("B", False), ("A", False)):
        tickets.take_ticket(ctx, group, priority=priority, print_ticket=False)
        later()
    counter = shell.screen
    shell.on_print_state(print_state(as_machine(ctx), check_printer=True, last=None))
    shell.status.show_sync(sync_status(as_machine(ctx)))  # as the sync worker does
    later(5)
    counter.on_queue_action("next")
    settle()
    later(2)
    shell.on_scan(SAMPLE_QR)
    counter.choose_procedure("2.000815")
    counter.pages.set("3")
    counter.copies.set("2")
    counter.phone.insert(0, "0912345678")
    counter.on_field_typed("pages")
    settle()
    tasks.pump(until=lambda: bool(counter.quote_label.cget("text")))
    grab(win, out / "04-quay-tiep-nhan.png")
    # papers start unticked: saved as it is, the counter asks first (#17 item 1)
    counter.on_save()
    tasks.pump(until=lambda: counter.dialog is not None, timeout=20)
    settle()
    grab(win, out / "25-quay-thieu-giay-to.png")
    counter.dialog.choose(counter.dialog.choices[0])
    for _paper, var in counter.paper_vars:
        var.set(True)
    counter.on_save()
    tasks.pump(until=lambda: "in phiếu hẹn." in counter.receive_message.text
               or "Chưa in" in counter.receive_message.text, timeout=20)
    shell.on_print_state(print_state(as_machine(ctx), check_printer=False, last=None))
    shell.status.show_sync(sync_status(as_machine(ctx)))  # as the sync worker does
    settle()
    grab(win, out / "05-da-tiep-nhan.png")

    code = counter.result_label.cget("text")
    counter.notebook.select(counter.find_tab)
    counter.search.insert(0, "nguyen thi hoa")
    counter.on_search()
    settle()
    grab(win, out / "06-tra-cuu.png")

    # no card QR: the clerk types the citizen in, checked as typed
    counter.on_clear_form()
    counter.on_manual_entry()
    for key, value in (("id_number", "087099001234"), ("full_name", "Trần Văn Đức"),
                       ("date_of_birth", "31/02/1999"),
                       ("address", "Phường 1, Sa Đéc, Đồng Tháp")):
        counter.citizen_entries[key].insert(0, value)
    counter.on_gender("Nam")  # the Nam / Nữ buttons
    settle()
    grab(win, out / "10-quay-nhap-tay.png")
    counter.on_clear_form()
    counter.notebook.select(counter.find_tab)

    # a refusal with its reason: Mẫu 03 is made for the citizen (saved: no office printer)
    refused = dossiers.receive_dossier(ctx, procedure_code="2.000635", qr_text=OTHER_QR)
    later(3)
    counter.search.delete(0, "end")
    counter.search.insert(0, refused.code)
    counter.on_search()
    tasks.pump(until=lambda: counter.selected is not None
               and counter.selected.code == refused.code)
    counter.note.insert(0, "Không thuộc thẩm quyền của phường")
    counter.on_advance("refused")
    tasks.pump(until=lambda: "Mẫu 03" in counter.find_message.text
               and "đang in" not in counter.find_message.text)
    settle()
    grab(win, out / "22-quay-tu-choi-mau-03.png")

    # a dossier made by mistake: "Hủy do nhập nhầm" asks first, with the reason
    mistake = dossiers.receive_dossier(ctx, procedure_code="2.000635", qr_text=OTHER_QR)
    counter.search.delete(0, "end")
    counter.search.insert(0, mistake.code)
    counter.on_search()
    tasks.pump(until=lambda: counter.selected is not None
               and counter.selected.code == mistake.code)
    counter.on_step("voided")
    counter.dialog.reason.insert(0, "Trùng hồ sơ vừa lưu")
    settle()
    grab(win, out / "26-quay-huy-nham.png")
    counter.dialog.choose(counter.dialog.choices[0])

    # a dossier a citizen submitted at the kiosk, with its scanned pages and e-form
    kiosk_dossier(ctx)
    later(2)
    counter.on_kiosk_waiting()
    tasks.pump(until=lambda: counter.papers is not None)
    settle()
    grab(win, out / "23-quay-ho-so-kiosk.png")

    shell.on_open_board()
    board = shell.board
    tasks.pump(until=lambda: board.cursor is not None)
    later(3)
    counter.on_queue_action("done")
    settle()
    later()
    counter.on_queue_action("next")
    tasks.pump(until=lambda: bool(board.call_banner.cget("text")))
    tasks.pump(until=lambda: "A001" in board.recent.cget("text"))
    grab(board.window, out / "07-bang-hien-thi.png")
    board.close()

    shell.on_open_kiosk()
    kiosk = shell.kiosk
    tasks.pump(until=lambda: bool(getattr(kiosk, "group_buttons", None)))
    grab(kiosk.window, out / "08-kiosk-lay-so.png")
    later()
    kiosk.group_buttons["B"].invoke()
    tasks.pump(until=lambda: hasattr(kiosk, "print_label")
               and "Đang in" not in kiosk.print_label.cget("text"))
    grab(kiosk.window, out / "09-kiosk-so-cua-ban.png")
    kiosk.show_start()
    kiosk.on_lookup()
    tasks.pump(until=lambda: bool(getattr(kiosk, "procedure_buttons", None)))
    grab(kiosk.window, out / "11-kiosk-cham-de-biet.png")
    kiosk.on_procedure("2.000815")
    tasks.pump(until=lambda: getattr(kiosk, "qr_label", None) is not None)
    settle()
    grab(kiosk.window, out / "12-kiosk-thu-tuc.png")
    kiosk.show_start()
    kiosk.show_check()
    settle()
    kiosk.on_scan(ctx.config["printing.lookup_url"].format(code=code))
    tasks.pump(until=lambda: hasattr(kiosk, "status_values"))
    settle()
    grab(kiosk.window, out / "13-kiosk-tinh-trang-ho-so.png")
    kiosk.show_rating(None)
    settle()
    grab(kiosk.window, out / "14-kiosk-danh-gia.png")
    kiosk_submission_screens(kiosk, out)
    kiosk.close()

    # the IT officer's screens, with the day's data in them
    shell.on_sign_out()
    settle()
    shell.screen.username.insert(0, "tin.lv")
    shell.screen.secret.insert(0, "matkhau-cntt")
    shell.screen.on_sign_in()
    tasks.pump(until=lambda: type(shell.screen).__name__ == "SettingsView")
    settle()
    it = shell.screen
    it.select("queue")
    settle()
    grab(win, out / "15-cntt-quay-nhom.png")
    it.select("printers")
    it.printers.printers.selection_set("preview")
    settle()
    it.printers.on_preview()
    tasks.pump(until=lambda: bool(str(it.printers.preview.cget("image"))))
    settle()
    grab(win, out / "16-cntt-may-in.png")
    it.select("sync")
    settle()
    grab(win, out / "17-cntt-dong-bo.png")
    it.select("users")
    settle()
    grab(win, out / "18-cntt-tai-khoan.png")
    it.select("calendar")
    settle()
    grab(win, out / "19-cntt-lich-lam-viec.png")
    it.select("backup")
    it.backup.on_backup()
    tasks.pump(until=lambda: "Đã sao lưu" in it.backup.message.text, timeout=30)
    settle()
    grab(win, out / "20-cntt-sao-luu.png")
    # the office's PCs (issue #17 item 2): a kiosk and the hall's TV, one gone quiet
    station_shot(ctx, moment, later)
    it.select("stations")
    it.stations.refresh()
    settle()
    grab(win, out / "40-cntt-may-tram.png")
    it.select("office")
    it.office.language.current(1)
    it.office.on_save_language()
    tasks.pump(until=lambda: shell.screen is not it)
    settle()
    shell.screen.select("printers")
    settle()
    grab(win, out / "21-tieng-anh.png")
    shell.screen.office.language.current(0)
    shell.screen.office.on_save_language()
    settle()

    # the commune leader: the Reports screen over November (Tháng này)
    users.create_user(ctx, username="binh.pv", full_name="Phạm Văn Bình", role="leader",
                      password="matkhau-lanh-dao")
    shell.on_sign_out()
    settle()
    shell.screen.username.insert(0, "binh.pv")
    shell.screen.secret.insert(0, "matkhau-lanh-dao")
    shell.screen.on_sign_in()
    tasks.pump(until=lambda: type(shell.screen).__name__ == "CounterView")
    settle()
    report_month(ctx, moment)
    shell.reports_button.invoke()
    tasks.pump(until=lambda: type(shell.screen).__name__ == "ReportsView")
    tasks.pump(until=lambda: not shell.screen.busy, timeout=60)
    settle()
    grab(win, out / "24-lanh-dao-bao-cao.png")

    stop()
    shell.close()
    root.destroy()
    ctx.close()
    return 0

if __name__ == "__main__":
    sys.exit(main())

"""The IT officer's screens (Quản trị) driven through their widgets under Xvfb."""

from __future__ import annotations

import json
from datetime import date

from appfixtures import SAMPLE_QR, sign_in_as
from guikit import sign_in_it, type_text

from sadec_desk.config import load_config
from sadec_desk.db.models import Dossier, Outbox
from sadec_desk.db.print_models import PrintJob
from sadec_desk.db.queue_models import Counter, ServiceGroup
from sadec_desk.db.sync_models import SyncConflict
from sadec_desk.db.user_models import User
from sadec_desk.services.reception import dossiers


def fill(entry, text: str) -> None:
    entry.delete(0, "end")
    entry.insert(0, text)
    entry.update()


def click(shell, button) -> None:
    button.invoke()
    shell.tasks.pump()


def test_office_tab_refuses_a_bad_agency_code_and_saves_a_good_one(shell, ctx):
    tab = sign_in_it(shell, ctx, tab="office").office
    assert tab.agency_code.get() == "000.00.14.H20"
    fill(tab.agency_code, "H20")
    fill(tab.office_name, "UBND xã Tân Khánh Đông")
    click(shell, tab.winfo_children()[2].grid_slaves(row=4, column=1)[0])
    assert "mã" in tab.message.text.lower() and tab.message.kind == "error"
    assert load_config()["office.agency_code"] == "000.00.14.H20"
    assert tab.agency_code.get() == "H20"  # what was typed stays for correcting
    fill(tab.agency_code, "000.00.15.H20")
    click(shell, tab.winfo_children()[2].grid_slaves(row=4, column=1)[0])
    assert tab.message.text == "Đã lưu tên và mã cơ quan."
    config = load_config()
    assert (config["office.name"], config["office.agency_code"]) == (
        "UBND xã Tân Khánh Đông", "000.00.15.H20")
    assert shell.title.cget("text") == "UBND xã Tân Khánh Đông"
    fill(tab.procedure_url, "dichvucong {code}")
    click(shell, tab.winfo_children()[2].grid_slaves(row=11, column=1)[0])
    assert "https://" in tab.message.text and tab.message.kind == "error"
    fill(tab.procedure_url, "https://dvc.dongthap.gov.vn/thu-tuc?ma={code}")
    click(shell, tab.winfo_children()[2].grid_slaves(row=11, column=1)[0])
    assert load_config()["kiosk.procedure_url"] == "https://dvc.dongthap.gov.vn/thu-tuc?ma={code}"


def test_queue_tab_adds_and_changes_groups_and_counters(shell, ctx):
    tab = sign_in_it(shell, ctx, tab="queue").queue
    assert "A" in tab.groups.get_children()
    fill(tab.g_prefix, "7")
    fill(tab.g_name, "Chứng thực")
    click(shell, tab.g_save)
    assert tab.message.kind == "error" and not ServiceGroup.select().where(
        ServiceGroup.prefix == "7").exists()
    fill(tab.g_prefix, "D")
    fill(tab.g_codes, "2.000815, 2.000884")
    fill(tab.g_counters, "1")
    click(shell, tab.g_save)
    assert tab.message.text == "Đã lưu nhóm D — Chứng thực."
    group = ServiceGroup.get(ServiceGroup.prefix == "D")
    assert json.loads(group.procedure_codes) == ["2.000815", "2.000884"]
    assert "D" in tab.groups.get_children()
    # select it, rename, deactivate
    tab.groups.selection_set("D")
    tab.groups.event_generate("<<TreeviewSelect>>")
    shell.tasks.pump()
    assert tab.g_name.get() == "Chứng thực"
    fill(tab.g_name, "Chứng thực bản sao")
    tab.g_active.set(False)
    click(shell, tab.g_save)
    group = ServiceGroup.get(ServiceGroup.prefix == "D")
    assert (group.name, group.active) == ("Chứng thực bản sao", False)
    # a new counter serving D
    fill(tab.c_number, "x")
    click(shell, tab.c_save)
    assert tab.message.text == "Số quầy phải là một số từ 1 đến 99."
    fill(tab.c_number, "5")
    fill(tab.c_name, "Quầy chứng thực")
    fill(tab.c_groups, "B")
    click(shell, tab.c_save)
    assert tab.message.text == "Đã lưu quầy 5 — Quầy chứng thực."
    assert Counter.get(Counter.number == 5).name == "Quầy chứng thực"
    assert "5" in tab.counters.get_children()


def test_printers_tab_saves_previews_test_prints_and_retries(shell, ctx):
    tab = sign_in_it(shell, ctx, tab="printers").printers
    assert "preview" in tab.printers.get_children()
    fill(tab.p_name, "quay1")
    fill(tab.p_connection, "máy in quầy 1")
    click(shell, tab.save_button)
    assert tab.message.kind == "error" and "tcp://" in tab.message.text
    assert load_config()["printing.printers"] == {}
    fill(tab.p_connection, "tcp://127.0.0.1:9")
    tab.p_profile.set("generic-58")
    click(shell, tab.save_button)
    assert tab.message.text == "Đã lưu máy in quay1."
    config = load_config()
    assert config["printing.printers"] == {"quay1": "tcp://127.0.0.1:9"}
    assert config["printing.profiles"] == {"quay1": "generic-58"}
    assert "quay1" in tab.printers.get_children()
    # the preview of the 58 mm model is drawn in the window
    tab.printers.selection_set("quay1")
    shell.tasks.pump()
    click(shell, tab.preview_button)
    assert tab.preview.cget("image"), tab.message.text
    assert tab._image.width() <= 300
    # a test page on the preview printer is printed; reprinting it makes a second job
    tab.printers.selection_set("preview")
    shell.tasks.pump()
    click(shell, tab.test_button)
    assert tab.message.kind == "ok", tab.message.text
    job = PrintJob.get(PrintJob.kind == "test_page")
    assert job.status == "printed" and str(job.id) in tab.jobs.get_children()
    click(shell, tab.retry_button)
    assert tab.message.text == "Hãy chọn một lệnh in trong danh sách."
    tab.jobs.selection_set(str(job.id))
    click(shell, tab.reprint_button)
    assert PrintJob.select().where(PrintJob.reprint_of == job.id).count() == 1
    assert len(tab.jobs.get_children()) == 2


def test_printers_tab_sets_the_office_printer_of_the_a5_forms(shell, ctx):
    tab = sign_in_it(shell, ctx, tab="printers").printers
    assert tab.office_printer.get() == ""
    for bad in ("Laser Van Phong", "laser/1", "laser#2"):
        fill(tab.office_printer, bad)
        click(shell, tab.office_printer_button)
        assert tab.message.kind == "error" and "dấu cách, «/» hoặc «#»" in tab.message.text
        assert tab.office_printer.get() == bad  # what was typed stays to be corrected
        assert load_config()["printing.office_printer"] == ""
    fill(tab.office_printer, "  Laser_VanPhong  ")
    click(shell, tab.office_printer_button)
    assert tab.message.kind == "ok", tab.message.text
    assert "Laser_VanPhong" in tab.message.text
    assert tab.office_printer.get() == "Laser_VanPhong"
    assert load_config()["printing.office_printer"] == "Laser_VanPhong"
    assert ctx.config["printing.office_printer"] == "Laser_VanPhong"  # applies at once
    # the screen built again shows the saved name; emptied, the forms are only saved
    shell.on_signed_in(ctx.user)
    shell.tasks.pump()
    shell.screen.select("printers")
    tab = shell.screen.printers
    assert tab.office_printer.get() == "Laser_VanPhong"
    fill(tab.office_printer, "   ")
    click(shell, tab.office_printer_button)
    assert tab.message.kind == "ok" and "tệp PDF" in tab.message.text
    assert load_config()["printing.office_printer"] == ""


def test_sync_tab_offline_status_run_export_and_conflict_resolution(shell, ctx, tmp_path):
    tab = sign_in_it(shell, ctx, tab="sync").sync
    it_user, ctx.user = ctx.user, None  # a clerk's dossier, received from the command line
    ctx.sign_in_required = False
    info = dossiers.receive_dossier(ctx, procedure_code="2.000815", qr_text=SAMPLE_QR, pages=2)
    ctx.user, ctx.sign_in_required = it_user, True
    tab.on_reload()
    shell.tasks.pump()
    text = tab.status_text.cget("text")
    assert "chưa cấu hình" in text and "Chờ gửi: 1 thao tác" in text
    click(shell, tab.run_button)
    assert "ngoại tuyến" in tab.message.text
    fill(tab.file_path, str(tmp_path / "ra.json"))
    click(shell, tab.export_button)
    assert tab.message.kind == "error" and "chưa đăng ký" in tab.message.text
    fill(tab.portal_url, "http://dvc.example.vn")
    fill(tab.enrol_code, "ABC")
    tab.portal_url.master.grid_slaves(row=4, column=1)[0].invoke()
    shell.tasks.pump()
    assert "https://" in tab.message.text and tab.message.kind == "error"
    # a conflict the portal reported: keep the local copy
    Dossier.update(sync_state="conflict", sync_message="Cổng đã có bản mới hơn").where(
        Dossier.code == info.code).execute()
    SyncConflict.create(dossier_uuid=info.uuid, server_version=3,
                        server_copy=json.dumps({"status": "processing"}), detected_at=ctx.now())
    tab.on_reload()
    shell.tasks.pump()
    assert tab.conflicts.get_children() == (info.code,)
    click(shell, tab.keep_local)
    assert tab.message.text == "Hãy chọn một hồ sơ trong danh sách xung đột."
    tab.conflicts.selection_set(info.code)
    click(shell, tab.keep_local)
    assert tab.message.text == f"Đã giải quyết xung đột của hồ sơ {info.code}."
    assert Dossier.get(Dossier.code == info.code).sync_state == "pending"
    assert not SyncConflict.select().exists()
    assert Outbox.get().base_version == 3
    assert tab.conflicts.get_children() == ()


def test_users_tab_locks_unlocks_and_sets_a_new_pin(shell, ctx):
    view = sign_in_it(shell, ctx, tab="users")
    tab = view.users
    type_text(tab.new_username, "hoa.nt")
    tab.new_name.insert(0, "Nguyễn Thị Hoa")
    type_text(tab.new_pin, "246810")
    click(shell, tab.add_button)
    row = next(i for i in tab.tree.get_children() if tab.tree.item(i)["values"][0] == "hoa.nt")
    click(shell, tab.lock_button)
    assert tab.message.text == "Hãy chọn một tài khoản trong danh sách."
    tab.tree.selection_set(row)
    click(shell, tab.lock_button)
    assert tab.message.text == "Đã khóa hoa.nt."
    assert not User.get(User.username == "hoa.nt").active
    row = next(i for i in tab.tree.get_children() if tab.tree.item(i)["values"][0] == "hoa.nt")
    assert tab.tree.item(row)["values"][4] == "đã khóa"
    tab.tree.selection_set(row)
    click(shell, tab.unlock_button)
    assert User.get(User.username == "hoa.nt").active
    tab.tree.selection_set(next(i for i in tab.tree.get_children()
                                if tab.tree.item(i)["values"][0] == "hoa.nt"))
    fill(tab.reset_secret, "12")
    click(shell, tab.reset_button)
    assert "6 đến 8 chữ số" in tab.message.text
    old_hash = User.get(User.username == "hoa.nt").secret_hash
    fill(tab.reset_secret, "135711")
    click(shell, tab.reset_button)
    assert tab.message.text == "Đã đặt PIN/mật khẩu mới cho hoa.nt."
    assert User.get(User.username == "hoa.nt").secret_hash != old_hash


def test_calendar_tab_same_day_policy_days_off_and_next_holidays(shell, ctx):
    tab = sign_in_it(shell, ctx, tab="calendar").calendar
    first = tab.holidays.item(tab.holidays.get_children()[0])["values"]
    assert first[0] == "thứ Sáu 01/01/2027"  # the clock stands on 26/11/2026
    assert tab.day_checks[3].cget("text") == "thứ Năm"
    tab.same_day[3].set(True)
    click(shell, tab.same_button)
    assert load_config()["calendar.same_day_weekdays"] == [3]
    assert ctx.calendar.settings.same_day_weekdays == frozenset({3})
    fill(tab.day, "31/02/2027")
    fill(tab.reason, "Nghỉ")
    click(shell, tab.add_button)
    assert "ngày/tháng/năm" in tab.message.text
    assert tab.day.get() == "31/02/2027"
    fill(tab.day, "04/01/2027")
    fill(tab.reason, "Nghỉ bù Tết Dương lịch")
    click(shell, tab.add_button)
    assert tab.message.text == "Đã thêm ngày 04/01/2027."
    assert "2027-01-04" in tab.overrides.get_children()
    assert not ctx.calendar.is_working_day(date(2027, 1, 4))
    assert load_config()["calendar.overrides_file"].endswith("calendar_overrides.toml")
    tab.overrides.selection_set("2027-01-04")
    click(shell, tab.remove_button)
    assert "2027-01-04" not in tab.overrides.get_children()
    assert ctx.calendar.is_working_day(date(2027, 1, 4))


def test_backup_tab_checks_the_folder_and_backs_up(shell, ctx, tmp_path):
    tab = sign_in_it(shell, ctx, tab="backup").backup
    fill(tab.folder, "saoluu")
    click(shell, tab.save_button)
    assert "đường dẫn đầy đủ" in tab.message.text
    folder = tmp_path / "usb" / "saoluu"
    fill(tab.folder, str(folder))
    click(shell, tab.save_button)
    assert tab.message.text == "Đã lưu thư mục sao lưu."
    assert load_config()["backup.dir"] == str(folder)
    click(shell, tab.backup_button)
    assert tab.message.kind == "ok", tab.message.text
    assert list(folder.glob("*.json"))
    assert "Số bản sao lưu: 1" in tab.info.cget("text")


def test_a_clerk_cannot_use_the_settings_services(ctx):
    from sadec_desk.errors import UserError
    from sadec_desk.services.admin import settings, users

    users.create_user(ctx, username="admin", full_name="Lê Văn Tín", role="it",
                      password="matkhau-cntt")
    users.create_user(ctx, username="hoa.nt", full_name="Nguyễn Thị Hoa", role="clerk",
                      pin="246810")
    sign_in_as(ctx, "hoa.nt")
    for call in (lambda: settings.save_backup_dir(ctx, ""),
                 lambda: settings.save_language(ctx, "en"),
                 lambda: settings.save_office_printer(ctx, "Laser"),
                 lambda: settings.add_day_override(ctx, kind="off", day="04/01/2027",
                                                   reason="x")):
        try:
            call()
        except UserError as exc:
            assert "Cán bộ CNTT" in str(exc)
        else:
            raise AssertionError("a clerk changed a setting")


def test_printers_tab_finds_saves_and_tries_the_document_scanner(shell, ctx, tmp_path,
                                                                  monkeypatch):
    # SANE with only its test backend: two virtual scanners, test:0 and test:1
    sane = tmp_path / "sane.d"
    sane.mkdir()
    (sane / "dll.conf").write_text("test\n")
    (sane / "test.conf").write_text("number_of_devices 2\n")
    monkeypatch.setenv("SANE_CONFIG_DIR", str(sane))
    tab = sign_in_it(shell, ctx, tab="printers").printers
    assert tab.scanner.get() == ""
    tab.find_scanners_button.invoke()
    assert shell.tasks.pump(until=lambda: tab.message.kind == "ok", timeout=60)
    assert list(tab.scanner.cget("values")) == ["test:0", "test:1"]
    assert "Tìm thấy 2 máy quét" in tab.message.text
    tab.scanner.set("test:1")
    click(shell, tab.save_scanner_button)
    assert tab.message.kind == "ok" and "test:1" in tab.message.text
    assert load_config()["scanning.device"] == "test:1"
    tab.test_scan_button.invoke()
    assert shell.tasks.pump(until=lambda: tab.message.text.startswith("Quét thử được"),
                            timeout=60)
    assert tab._image is not None and tab._image.width() > 50  # shown in the preview box
    assert str(tab._image) in str(tab.preview.cget("image"))
    # a scanner that is not there: the sentence, and the button is back for another try
    tab.scanner.set("nosuch:0")
    tab.test_scan_button.invoke()
    assert shell.tasks.pump(until=lambda: tab.message.kind == "error", timeout=60)
    assert "nosuch:0" in tab.message.text
    assert str(tab.test_scan_button.cget("state")) == "normal"

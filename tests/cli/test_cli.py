import json
import os
import subprocess
import sys

import pytest
from appfixtures import AGENCY, SAMPLE_QR
from appfixtures import run_cli as run
from appfixtures import run_cli_json as run_json

from sadec_desk.config import config_path


@pytest.fixture
def office(capsys):
    data = run_json(capsys, "init", "--agency-code", AGENCY,
                    "--office-name", "UBND xã Tân Khánh Đông")
    assert data["agency_code"] == AGENCY
    return data


def test_init_saves_the_office_in_config(capsys, office):
    text = config_path().read_text(encoding="utf-8")
    assert AGENCY in text and "Tân Khánh Đông" in text
    code, out, _err = run(capsys, "init")
    assert code == 0 and "Tân Khánh Đông" in out


def test_catalog_list(capsys, office):
    data = run_json(capsys, "catalog", "list")
    assert len(data) == 10
    first = data[0]
    assert {"code", "name", "time_limit_days", "fee_text", "papers"} <= first.keys()
    code, out, _err = run(capsys, "catalog", "list")
    assert code == 0 and "Chứng thực bản sao từ bản chính" in out


def test_parse_qr_json_fields(capsys):
    data = run_json(capsys, "citizen", "parse-qr", SAMPLE_QR)
    assert data == {
        "id_number": "034303011829", "full_name": "Nguyễn Thị Hoa", "date_of_birth": "2003-03-21",
        "gender": "Nữ", "address": "Thôn Lai Ổn, An Quý, Quỳnh Phụ, Thái Bình",
        "old_id_number": None, "issue_date": "2021-08-14", "phone": "",
    }


@pytest.mark.parametrize("text, fragment", [
    ("034303011829|Nguyễn Thị Hoa", "7"),
    ("03430301182||Nguyễn Thị Hoa|21032003|Nữ|Thái Bình|14082021", "12"),
    ("034303011829||Nguyễn Thị Hoa|31022003|Nữ|Thái Bình|14082021", "31022003"),
])
def test_parse_qr_errors_are_one_line_without_traceback(capsys, text, fragment):
    code, out, err = run(capsys, "citizen", "parse-qr", text)
    assert code == 2 and out == ""
    assert err.startswith("Lỗi: ") and fragment in err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_calendar_due(capsys, office):
    data = run_json(capsys, "calendar", "due", "--procedure", "1.004873",
                    "--received", "2026-11-26T16:00")
    # after the 15:00 cut-off: counted from Friday 27/11 07:30, + 3 working days, i.e. by
    # the close of Tuesday 1/12 (an appointment counted from an opening ends at a closing)
    assert data["due_at"] == "2026-12-01T17:00:00+07:00"
    code, _out, err = run(capsys, "calendar", "due", "--procedure", "1.004873",
                          "--received", "2026-02-30T10:00")
    assert code == 2 and "2026-02-30" in err


def test_receive_show_list_advance(capsys, office):
    data = run_json(capsys, "dossier", "receive", "--procedure", "2.000815", "--qr", SAMPLE_QR,
                    "--pages", "5", "--copies", "1", "--phone", "0912345678",
                    "--received", "2026-11-26T09:30")
    assert data["code"] == f"{AGENCY}-261126-0001"
    assert data["fee_vnd"] == 7000
    assert data["due_at"] == "2026-11-26T17:00:00+07:00"
    assert data["received_at"] == "2026-11-26T09:30:00+07:00"
    assert data["citizen"]["date_of_birth"] == "2003-03-21"
    assert data["procedure_code"] == "2.000815" and data["status"] == "received"

    shown = run_json(capsys, "dossier", "show", data["uuid"])
    assert shown["code"] == data["code"] and shown["events"][0]["to_status"] == "received"
    code, out, _err = run(capsys, "dossier", "show", data["code"])
    assert code == 0 and "Nguyễn Thị Hoa" in out and "Hẹn trả" in out

    code, _out, err = run(capsys, "dossier", "advance", data["code"], "--to", "returned")
    assert code == 2 and "processing" in err and "done" in err
    moved = run_json(capsys, "dossier", "advance", data["code"], "--to", "done")
    assert moved["status"] == "done"
    listed = run_json(capsys, "dossier", "list", "--status", "done")
    assert [d["code"] for d in listed] == [data["code"]]
    assert run_json(capsys, "dossier", "list", "--status", "received") == []


def test_unknown_procedure_and_status(capsys, office):
    code, _out, err = run(capsys, "dossier", "receive", "--procedure", "1.234567",
                          "--qr", SAMPLE_QR)
    assert code == 2 and "1.234567" in err
    code, _out, err = run(capsys, "dossier", "list", "--status", "lost")
    assert code == 2 and "lost" in err


def test_corrupt_config_gives_defaults_and_a_warning(capsys):
    path = config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("[office\nagency_code = ", encoding="utf-8")
    code, out, err = run(capsys, "config", "show")
    assert code == 0
    assert "Cảnh báo" in err and str(path) in err
    assert "office.agency_code" in out
    code, _out, err = run(capsys, "catalog", "list")
    assert code == 0 and "Cảnh báo" in err


def test_config_set_and_show(capsys):
    assert run(capsys, "config", "set", "calendar.same_day_weekdays", "[3]")[0] == 0
    data = run_json(capsys, "config", "show")
    values = {row["name"]: row["value"] for row in data["settings"]}
    assert values["calendar.same_day_weekdays"] == [3]
    code, _out, err = run(capsys, "config", "set", "calendar.nope", "1")
    assert code == 2 and "calendar.nope" in err


def test_demo_runs_through_the_counter(office, capsys):
    from sadec_desk.bootstrap import open_context
    from sadec_desk.cli.demo import run_demo

    answers = iter(["1", "2", "1.001193", "", "", "3", "0"])
    lines: list[str] = []
    ctx = open_context()
    try:
        run_demo(ctx, read=lambda _prompt: next(answers), write=lines.append)
    finally:
        ctx.close()
    text = "\n".join(lines)
    assert "Đăng ký khai sinh" in text
    assert f"Đã tiếp nhận hồ sơ {AGENCY}-" in text
    assert "Nguyễn Thị Hoa" in text


@pytest.mark.slow
def test_entry_points_run_as_programs(tmp_path):
    env = dict(os.environ)
    bin_dir = os.path.dirname(sys.executable)
    for argv in ([os.path.join(bin_dir, "sadec-desk")], [sys.executable, "-m", "sadec_desk"]):
        done = subprocess.run([*argv, "citizen", "parse-qr", SAMPLE_QR, "--json"], env=env,
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout)["full_name"] == "Nguyễn Thị Hoa"
        bad = subprocess.run([*argv, "dossier", "show", "nothing"], env=env,
                             capture_output=True, text=True, timeout=60)
        assert bad.returncode == 2 and "Traceback" not in bad.stderr


def _qr_png(path, text: str):
    import qrcode

    qrcode.make(text.encode("utf-8"), border=4, box_size=6).save(path)
    return str(path)


def test_scan_recognises_a_card_a_receipt_and_refuses_other_files(capsys, tmp_path):
    card = run_json(capsys, "citizen", "scan", _qr_png(tmp_path / "card.png", SAMPLE_QR))
    assert card["kind"] == "cccd" and card["citizen"]["full_name"] == "Nguyễn Thị Hoa"
    receipt_text = f"https://dichvucong.dongthap.gov.vn/tra-cuu?ma={AGENCY}-261126-0007"
    receipt = run_json(capsys, "citizen", "scan", _qr_png(tmp_path / "slip.png", receipt_text))
    assert receipt["kind"] == "receipt" and receipt["dossier_code"] == f"{AGENCY}-261126-0007"
    code, out, _err = run(capsys, "citizen", "scan", str(tmp_path / "card.png"))
    assert code == 0 and "Nguyễn Thị Hoa" in out

    (tmp_path / "notes.txt").write_text("not an image", encoding="utf-8")
    code, _out, err = run(capsys, "citizen", "scan", str(tmp_path / "notes.txt"))
    assert code == 2 and err.startswith("Lỗi: ") and "Traceback" not in err
    code, _out, err = run(capsys, "citizen", "scan", str(tmp_path / "missing.png"))
    assert code == 2 and err.startswith("Lỗi: ")

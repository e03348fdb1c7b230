"""``sadec-desk queue ...`` end to end (real clock, isolated config and data dir)."""

from datetime import datetime

import pytest
from appfixtures import AGENCY
from appfixtures import run_cli as run
from appfixtures import run_cli_json as run_json

from sadec_desk.domain.timezone import VN_TZ


@pytest.fixture
def office(capsys):
    assert run(capsys, "init", "--agency-code", AGENCY, "--office-name", "UBND xã Tân Quy Tây"
               )[0] == 0


def test_take_call_done_status_stats(capsys, office):
    ticket = run_json(capsys, "queue", "take", "--group", "A")
    assert ticket["number"] == "A001" and ticket["status"] == "waiting"
    assert ticket["print_state"] == "queued"
    code, out, _err = run(capsys, "queue", "call-next", "--counter", "1")
    assert code == 0 and "Mời số A001 (Hộ tịch) đến quầy 1." in out
    status = run_json(capsys, "queue", "status")
    assert status["counters"][0]["now_serving"]["number"] == "A001"
    code, out, _err = run(capsys, "queue", "status")
    assert "Quầy 1 [A, C]: A001 (Đã gọi)" in out
    assert "Xin mời công dân có số thứ tự A001 đến quầy số 1" in out
    done = run_json(capsys, "queue", "done", "--counter", "1")
    assert done["status"] == "done"
    stats = run_json(capsys, "queue", "stats", "--date", datetime.now(VN_TZ).date().isoformat())
    assert stats["total"]["served"] == 1 and stats["promise_minutes"] == 15
    code, out, _err = run(capsys, "queue", "stats")
    assert code == 0 and "Hộ tịch: phát 1" in out


def test_bad_input_gives_one_sentence_and_exit_2(capsys, office):
    cases = [
        (("queue", "take", "--group", "Z"), "Không có nhóm dịch vụ «Z»"),
        (("queue", "call-next", "--counter", "7"), "Không có quầy «7»"),
        (("queue", "call-next", "--counter", "1"), "Không còn ai chờ ở Quầy 1"),
        (("queue", "recall", "A1"), "chưa phát vé A001"),
        (("queue", "done"), "Cho biết số vé"),
        (("queue", "stats", "--date", "26/11/2026"), "không phải ngày hợp lệ"),
        (("queue", "same-day", "--set", "thứ năm"), "không phải danh sách ngày"),
    ]
    for argv, fragment in cases:
        code, out, err = run(capsys, *argv)
        assert code == 2, (argv, err)
        assert fragment in err and "Traceback" not in err
        assert len(err.strip().splitlines()) == 1


def test_groups_counters_and_same_day_from_the_command_line(capsys, office):
    groups = run_json(capsys, "queue", "group", "list")
    assert [g["prefix"] for g in groups] == ["A", "B", "C"]
    added = run_json(capsys, "queue", "group", "add", "--prefix", "D", "--name", "Đất đai",
                     "--counters", "2")
    assert added["counters"] == [2]
    edited = run_json(capsys, "queue", "group", "edit", "D", "--procedures", "2.000884")
    assert edited["procedure_codes"] == ["2.000884"]
    counter = run_json(capsys, "queue", "counter", "add", "--number", "3", "--groups", "A,D")
    assert counter["groups"] == ["A", "D"]
    assert run_json(capsys, "queue", "counter", "edit", "3", "--disable")["active"] is False
    policy = run_json(capsys, "queue", "same-day", "--set", "3")
    assert policy["weekdays"] == [3] and policy["weekday_names"] == ["thứ Năm"]
    code, out, _err = run(capsys, "queue", "same-day")
    assert code == 0 and "Ngày không hẹn: thứ Năm" in out and "1.004873" in out
    assert run_json(capsys, "queue", "same-day", "--clear")["weekdays"] == []


def test_transfer_hold_call_link_show(capsys, office):
    run_json(capsys, "queue", "take", "--group", "B")
    run_json(capsys, "queue", "call-next", "--counter", "2")
    moved = run_json(capsys, "queue", "transfer", "B001", "--to-counter", "1")
    assert moved["status"] == "transferred" and moved["target_counter"] == 1
    assert run_json(capsys, "queue", "call-next", "--counter", "1")["number"] == "B001"
    assert run_json(capsys, "queue", "hold", "--counter", "1")["status"] == "on_hold"
    assert run_json(capsys, "queue", "call", "B001", "--counter", "1")["status"] == "called"
    code, _out, err = run(capsys, "queue", "link", "B001", "--dossier", "nope")
    assert code == 2 and "Không tìm thấy hồ sơ" in err
    shown = run_json(capsys, "queue", "show", "B001")
    assert shown["call_count"] == 3 and shown["counter"] == 1


class RecordingEngine:
    name = "recording"

    def __init__(self):
        self.said = []

    def speak(self, text):
        self.said.append(text)


def test_call_next_announce_and_say_use_the_speech_engine(capsys, office, monkeypatch):
    from sadec_desk.cli import queue

    engine = RecordingEngine()
    monkeypatch.setattr(queue, "find_engine", lambda **kw: engine)
    run_json(capsys, "queue", "take", "--group", "B")
    run_json(capsys, "queue", "call-next", "--counter", "2", "--announce")
    assert engine.said == ["Xin mời công dân có số thứ tự B, 0 0 1 đến quầy số 2"]
    assert run_json(capsys, "queue", "say", "Thử loa")["engine"] == "recording"
    assert engine.said[-1] == "Thử loa"
    monkeypatch.setattr(queue, "find_engine", lambda **kw: None)
    code, _out, err = run(capsys, "queue", "say", "Thử loa")
    assert code == 2 and "chưa có bộ đọc tiếng nói" in err

"""Issue #18: what a careless user or a hostile script gives the command line gets one
sentence and exit 2 (or a clean exit), never exit 70 and a traceback."""

from __future__ import annotations

import io
import os
import subprocess
import sys

import pytest
from appfixtures import AGENCY, SAMPLE_QR
from appfixtures import run_cli as run
from appfixtures import run_cli_json as run_json

from sadec_desk import cli


@pytest.fixture
def office(capsys):
    return run_json(capsys, "init", "--agency-code", AGENCY, "--office-name", "UBND xã Thử")


def receive(capsys, *extra):
    return run(capsys, "dossier", "receive", "--procedure", "2.000815", "--qr", SAMPLE_QR,
               "--pages", "2", *extra)


def test_undecodable_bytes_in_qr_are_refused_naming_the_field(capsys, office):
    # bytes that are not UTF-8 reach Python as lone surrogates (PEP 383)
    qr = SAMPLE_QR.replace("Nguyễn", "Nguy\udce1\udcbb\udc85n")
    code, out, err = receive(capsys, "--qr", qr)
    assert code == 2 and out == ""
    assert "--qr" in err and "UTF-8" in err
    code, _out, err = run(capsys, "citizen", "parse-qr", qr)
    assert code == 2 and "--text" in err


@pytest.mark.parametrize("received", ["0001-01-01T00:00", "9999-12-31T23:59", "1899-12-31"])
def test_absurd_received_dates_get_a_sentence(capsys, office, received):
    code, _out, err = receive(capsys, "--received", received)
    assert code == 2 and err.startswith("Lỗi: ") and "Traceback" not in err


def test_calendar_due_in_year_9999_gets_a_sentence(capsys, office):
    code, _out, err = run(capsys, "calendar", "due", "--procedure", "1.004873",
                          "--received", "9999-12-31T16:00")
    assert code == 2 and "9999" in err


def test_received_in_the_future_or_before_birth_is_refused(capsys, office):
    code, _out, err = receive(capsys, "--received", "2099-01-01")
    assert code == 2 and "tương lai" in err
    # the sample citizen was born on 21/03/2003
    code, _out, err = receive(capsys, "--received", "2003-03-20T10:00")
    assert code == 2 and "21/03/2003" in err
    code, _out, _err = receive(capsys, "--received", "2003-03-21T10:00")
    assert code == 0


def test_control_characters_and_ansi_escapes_in_a_qr_are_refused(capsys, office):
    code, _out, err = receive(capsys, "--qr", SAMPLE_QR.replace("Thôn", "\x1b[2JThôn"))
    assert code == 2 and "Địa chỉ" in err and "U+001B" in err
    # what a wedge scanner adds at the edges (Enter, a BOM) is still fine
    code, _out, _err = receive(capsys, "--qr", "\ufeff" + SAMPLE_QR + "\r\n")
    assert code == 0


def test_a_huge_address_or_name_is_refused_naming_the_field(capsys, office):
    code, _out, err = receive(capsys, "--qr", SAMPLE_QR.replace("Thôn", "Thôn" + "x" * 400))
    assert code == 2 and "Địa chỉ" in err and "300" in err
    code, _out, err = receive(capsys, "--qr",
                              SAMPLE_QR.replace("Nguyễn Thị Hoa", "Hoa " * 200))
    assert code == 2 and "Họ tên" in err and "máy quét" not in err.lower()
    code, _out, err = receive(capsys, "--qr", SAMPLE_QR + "|" + "x" * 1_000_000)
    assert code == 2 and "Trường bổ sung 8" in err
    code, _out, err = receive(capsys, "--qr", SAMPLE_QR + "|" * 100_000)
    assert code == 2 and "quá dài" in err


def test_a_huge_note_is_refused(capsys, office):
    data = run_json(capsys, "dossier", "receive", "--procedure", "2.000815", "--qr", SAMPLE_QR,
                    "--pages", "2")
    code, _out, err = run(capsys, "dossier", "advance", data["code"], "--to", "refused",
                          "--note", "x" * 1_000_000)
    assert code == 2 and "Ghi chú" in err
    code, _out, err = run(capsys, "dossier", "advance", data["code"], "--to", "refused",
                          "--note", "thiếu\x07giấy")
    assert code == 2 and "U+0007" in err


def test_certified_copy_without_pages_names_the_option(capsys, office):
    code, _out, err = run(capsys, "dossier", "receive", "--procedure", "2.000815",
                          "--qr", SAMPLE_QR)
    assert code == 2 and "--pages" in err


def test_broken_pipe_is_a_quiet_end(office, tmp_path):
    """``sadec-desk catalog list | head -1``: the reader has gone before we write."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    env = dict(os.environ)
    proc = subprocess.run([sys.executable, "-m", "sadec_desk", "catalog", "list"],
                          stdout=write_end, stderr=subprocess.PIPE, env=env, timeout=60)
    os.close(write_end)
    assert proc.returncode == 0, proc.stderr.decode()
    assert b"Traceback" not in proc.stderr and b"BrokenPipe" not in proc.stderr


def test_output_is_utf8_even_when_the_stream_is_cp1252(capsys, office, monkeypatch):
    """A Windows redirect (``> out.txt``) is cp1252: Vietnamese letters still come out."""
    raw = io.BytesIO()
    stream = io.TextIOWrapper(raw, encoding="cp1252")
    monkeypatch.setattr(sys, "stdout", stream)
    assert cli.main(["catalog", "list"]) == 0
    stream.flush()
    assert "Chứng thực bản sao từ bản chính" in raw.getvalue().decode("utf-8")


def test_undecodable_standard_input_gets_a_sentence(office, monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"\xff\xfe12345678\n"),
                                                       encoding="utf-8"))
    code = cli.main(["user", "add", "it.admin", "--name", "Trần IT", "--role", "it"])
    err = capsys.readouterr().err
    assert code == 2 and "UTF-8" in err


def test_scanning_an_unreadable_path_gets_a_sentence(capsys, tmp_path):
    code, _out, err = run(capsys, "citizen", "scan", str(tmp_path / ("y" * 300)))
    assert code == 2 and err.startswith("Lỗi: ")

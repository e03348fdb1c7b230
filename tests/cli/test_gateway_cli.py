"""``sadec-desk sync gateway-login`` and ``sync gateway-check`` against the fake
provincial gateway (tests/support/fakegateway.py), in process."""

import io
import sys

import pytest
from appfixtures import Clock, make_ctx
from appfixtures import run_cli as run
from appfixtures import run_cli_json as run_json
from fakegateway import FakeGateway

LAY_THU_TUC = {"1.001193": {"TENTTHC": "Thủ tục đăng ký khai sinh",
                            "LINHVUCTHUCHIEN": [{"MALINHVUC": "G09-TP03",
                                                 "TENLINHVUC": "Hộ tịch"}],
                            "CACHTHUCTHUCHIEN": []}}


@pytest.fixture
def gateway():
    fake = FakeGateway("service-in-body", catalogue=LAY_THU_TUC)
    try:
        yield fake
    finally:
        fake.stop()


def _login(capsys, monkeypatch, password: str) -> int:
    monkeypatch.setattr(sys, "stdin", io.StringIO(password + "\n"))
    return run(capsys, "sync", "gateway-login", "--password-stdin")[0]


def test_login_then_check(gateway, capsys, monkeypatch):
    make_ctx(Clock(), **gateway.settings()).close()
    assert _login(capsys, monkeypatch, "mật-khẩu") == 0
    data = run_json(capsys, "sync", "gateway-check", "--procedure", "1.001193",
                    "--dossier", "000.00.14.H20-261126-0001")
    assert data["logged_in"] and data["procedure"] == {
        "name": "Thủ tục đăng ký khai sinh", "field_code": "G09-TP03",
        "field_name": "Hộ tịch", "fee_code": ""}
    assert data["dossier_found"] is False
    code, out, _err = run(capsys, "sync", "gateway-check", "--procedure", "9.999999")
    assert code == 0 and "không có thủ tục này" in out
    assert gateway.logins == 2 and gateway.problems == []


def test_check_says_what_is_wrong(gateway, capsys, monkeypatch):
    make_ctx(Clock(), **gateway.settings()).close()
    assert _login(capsys, monkeypatch, "sai") == 0
    code, _out, err = run(capsys, "sync", "gateway-check")
    assert code == 2 and "từ chối đăng nhập" in err
    make_ctx(Clock(), sync__gateway_auth_url="").close()
    code, _out, err = run(capsys, "sync", "gateway-check")
    assert code == 2 and "sync.gateway_auth_url" in err
    make_ctx(Clock(), sync__gateway_auth_url="http://10.1.2.3/auth").close()
    code, _out, err = run(capsys, "sync", "gateway-check")
    assert code == 2 and "https://" in err
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    code, _out, err = run(capsys, "sync", "gateway-login", "--password-stdin")
    assert code == 2


def test_check_with_another_envelope_says_it_cannot_query(capsys):
    fake = FakeGateway("url-per-service")
    try:
        make_ctx(Clock(), **fake.settings()).close()
        code, out, _err = run(capsys, "sync", "gateway-check")
        assert code == 0 and "không có dịch vụ LayThuTuc" in out
    finally:
        fake.stop()


def test_done_when_an_office_pushes_through_the_cli(gateway, capsys, monkeypatch):
    """Issue #15 'Done when': gateway settings, gateway-login, a dossier received at the
    counter (by post), 'sync run --once': the record and its progress are at the gateway."""
    from appfixtures import SAMPLE_QR

    make_ctx(Clock(), **gateway.settings()).close()
    assert _login(capsys, monkeypatch, "mật-khẩu") == 0
    info = run_json(capsys, "dossier", "receive", "--procedure", "1.001193", "--qr", SAMPLE_QR,
                    "--delivery", "post")
    run_json(capsys, "dossier", "advance", info["code"], "--to", "processing")
    report = run_json(capsys, "sync", "run", "--once")
    assert report["pushed"] == 2 and report["error"] == ""
    record = gateway.records[info["code"]]
    assert (record["HinhThuc"], record["TrangThaiHoSo"], record["TenLinhVuc"]) == (
        "1", "4", "Hộ tịch")
    assert [p["TrangThai"] for p in gateway.progress] == ["2", "4"]
    assert gateway.problems == []

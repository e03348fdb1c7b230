"""The gateway adapter against the fake provincial gateway (tests/support/fakegateway.py),
which answers as gateway-facts.md says real gateways do."""

from datetime import timedelta

import httpx
import pytest
from appfixtures import Clock, make_ctx, vn
from fakegateway import FakeGateway
from syncfixtures import code_of, gateway_office, local_procedure, receive_many

from sadec_desk.db.models import Dossier, GatewayProcedure, Outbox
from sadec_desk.services.reception import dossiers
from sadec_desk.sync import engine, state
from sadec_desk.sync.adapters.gateway import gateway_date
from sadec_desk.sync.adapters.gateway.session import error_number, read_answer


@pytest.fixture
def gateway(request):
    options = getattr(request, "param", {})
    fake = FakeGateway(**options) if isinstance(options, dict) else FakeGateway(options)
    try:
        yield fake
    finally:
        fake.stop()


def test_dates_are_local_yyyymmddhhmmss():
    assert gateway_date("2026-11-26T02:05:09+00:00") == "20261126090509"
    assert gateway_date(vn(2026, 12, 31, 23, 59)) == "20261231235900"
    assert gateway_date(None) == ""


def _answer(body, status=200):
    return read_answer(httpx.Response(status, json=body) if not isinstance(body, str)
                       else httpx.Response(status, text=body))


def test_error_code_is_read_leniently():
    assert [error_number(v) for v in (0, "0", "00", " 3", "-3", "x", None, True, 1.5)] \
        == [0, 0, 0, 3, -3, None, None, None, None]
    for code in (0, "0", "00"):
        assert _answer({"error_code": code, "message": "OK"}).ok
    refused = _answer({"error_code": "5", "message": "Thủ tục không có trên Cổng DVCQG"})
    assert not refused.ok and "(mã lỗi 5)" in refused.refusal() and "DVCQG" in refused.refusal()
    for code in ("3", "-3", 3, "0"):
        assert _answer({"error_code": code, "message": "Hồ sơ X đã tồn tại"}).exists
    assert not _answer({"error_code": "3", "message": "Sai dữ liệu"}).exists
    # Thanh Hóa reads the progress answer as plain text
    assert _answer("Cập nhật tiến độ thành công").ok
    assert _answer({"error_code": "-1", "message": "Session không hợp lệ"}).session_invalid
    expired = _answer({"message": "no"}, status=401)  # whatever the gateway says
    assert expired.session_invalid and "Phiên đăng nhập không hợp lệ (HTTP 401): no" \
        in expired.refusal()  # what is stored if the new login is refused too: Vietnamese
    from sadec_desk.sync.errors import TransientError
    for body, status in (({"error_code": "0"}, 502), ("<html>", 200), ({"x": 1}, 200)):
        with pytest.raises(TransientError):
            _answer(body, status)


def test_service_in_body_push_asks_first_then_creates_and_reports_progress(gateway):
    clock = Clock()
    ctx = gateway_office(gateway, clock)
    a, b = receive_many(ctx, 2)
    clock.moment = vn(2026, 11, 26, 10, 0)
    dossiers.advance_dossier(ctx, a, "processing", note="Chuyển cán bộ tư pháp")
    dossiers.reschedule_dossier(ctx, b, vn(2026, 12, 10, 9, 0), "chờ xác minh")
    report = engine.run_once(ctx)
    assert (report.pushed, report.error, gateway.problems) == (4, "", [])
    assert gateway.logins == 1
    # TraCuuHoSo before the first send of each dossier; creates, then updates
    assert gateway.calls[:3] == [("LayThuTuc", "1.001193"), ("TraCuuHoSo", ""),
                                 ("DongBoHoSoMC", "False")]
    assert [c for c in gateway.calls if c[0] == "DongBoHoSoMC"] == [
        ("DongBoHoSoMC", "False"), ("DongBoHoSoMC", "False"), ("DongBoHoSoMC", "True"),
        ("DongBoHoSoMC", "True")]
    record = gateway.records[code_of(a)]
    assert record["TrangThaiHoSo"] == "4" and record["NgayTiepNhan"] == "20261126090000"
    assert gateway.records[code_of(b)]["NgayHenTra"] == "20261210090000"
    steps = [(p["MaHoSo"], p["TrangThai"], p["NoiDungXuLy"]) for p in gateway.progress]
    assert steps[:2] == [(code_of(a), "2", "Tiếp nhận hồ sơ"), (code_of(b), "2", "Tiếp nhận hồ sơ")]
    assert steps[2] == (code_of(a), "4", "Đang xử lý: Chuyển cán bộ tư pháp")
    assert steps[3][:2] == (code_of(b), "2") and "10/12/2026" in steps[3][2]
    assert {d.sync_state for d in Dossier.select()} == {"synced"}

    # the session expires at the gateway: renewed once, the run carries on
    gateway.expire_sessions()
    dossiers.advance_dossier(ctx, b, "processing")
    assert engine.run_once(ctx).pushed == 1
    assert gateway.logins == 2
    # and renewed after 10 minutes without being told
    clock.moment += timedelta(minutes=10)
    dossiers.advance_dossier(ctx, b, "done")
    assert engine.run_once(ctx).pushed == 1
    assert gateway.logins == 3 and gateway.problems == []


@pytest.mark.parametrize("gateway", [{"envelope": "url-per-service"},
                                     {"envelope": "query", "exists_code": "-3"},
                                     {"envelope": "service-in-body", "success_code": "00"}],
                         indirect=True)
def test_a_dossier_already_there_is_sent_again_as_an_update(gateway):
    ctx = gateway_office(gateway)
    [uuid] = receive_many(ctx, 1)
    code = code_of(uuid)
    # the gateway got it before, but the answer was lost (so the create is still pending)
    gateway.records[code] = {"MaHoSo": code}
    if gateway.envelope == "service-in-body":
        gateway.records.pop(code)  # there TraCuuHoSo decides; see below
    report = engine.run_once(ctx)
    assert (report.pushed, report.rejected, gateway.problems) == (1, 0, [])
    creates = [c for c in gateway.calls if c[0] == "DongBoHoSoMC"]
    if gateway.envelope == "service-in-body":
        assert creates == [("DongBoHoSoMC", "False")]
    else:
        assert creates == [("DongBoHoSoMC", "False"), ("DongBoHoSoMC", "True")]
    assert gateway.records[code]["TrangThaiHoSo"] == "2"


def test_service_in_body_updates_what_tracuuhoso_finds(gateway):
    ctx = gateway_office(gateway)
    [uuid] = receive_many(ctx, 1)
    gateway.records[code_of(uuid)] = {"MaHoSo": code_of(uuid)}
    assert engine.run_once(ctx).pushed == 1
    assert [c for c in gateway.calls if c[0] == "DongBoHoSoMC"] == [("DongBoHoSoMC", "True")]


def test_refusal_keeps_the_gateways_message_and_does_not_block_others(gateway):
    ctx = gateway_office(gateway)
    local_procedure(ctx)
    bad = dossiers.receive_dossier(ctx, procedure_code="1.999999",
                                   qr_text="087099001234|351234567|Trần Văn Đức|05061999|"
                                   "Nam|Phường 1, Sa Đéc|01022022").uuid
    dossiers.advance_dossier(ctx, bad, "processing")
    receive_many(ctx, 2)
    report = engine.run_once(ctx)
    assert (report.pushed, report.rejected) == (2, 1)
    row = Dossier.get(Dossier.uuid == bad)
    assert row.sync_state == "rejected"
    assert "Thủ tục không có trên Cổng DVCQG" in row.sync_message and "5" in row.sync_message
    assert len(gateway.records) == 2
    held = Outbox.select().where(Outbox.dossier_uuid == bad).order_by(Outbox.id)
    assert [(r.op, r.state) for r in held] == [("dossier.received", "failed"),
                                               ("dossier.status", "pending")]


def test_gateway_without_credentials_says_what_to_do(gateway):
    settings = gateway.settings()
    ctx = make_ctx(Clock(), **settings)
    receive_many(ctx, 1)
    report = engine.run_once(ctx)
    assert "gateway-login" in report.error
    assert Outbox.select().where(Outbox.state == "pending").count() == 1


def test_wrong_password_and_missing_urls_are_sentences(gateway):
    ctx = gateway_office(gateway)
    with ctx.database.atomic():
        state.set_state(ctx, "gateway_password", "sai")
    receive_many(ctx, 1)
    assert "từ chối đăng nhập" in engine.run_once(ctx).error
    ctx = make_ctx(Clock(), sync__adapter="gateway", sync__gateway_envelope="url-per-service",
                   sync__gateway_create_url=gateway.base + "/create")
    assert "sync.gateway_update_url" in engine.run_once(ctx).error
    ctx = make_ctx(Clock(), sync__adapter="gateway", sync__gateway_envelope="soap")
    assert "sync.gateway_envelope" in engine.run_once(ctx).error


@pytest.mark.parametrize("gateway", [{"dstcode": "DT-87"}], indirect=True)
def test_dstcode_header_and_unit_code(gateway):
    ctx = gateway_office(gateway, sync__gateway_dstcode="DT-87")
    receive_many(ctx, 1)
    assert engine.run_once(ctx).pushed == 1 and gateway.problems == []
    ctx = gateway_office(gateway, sync__gateway_dstcode="DT-87",
                         sync__gateway_unit_code="000.00.99.H20")
    [uuid] = receive_many(ctx, 1)
    report = engine.run_once(ctx)  # a unit the gateway does not know: refused, and said why
    assert (report.pushed, report.rejected) == (0, 1)
    assert "Sai mã đơn vị" in Dossier.get(Dossier.uuid == uuid).sync_message
    assert set(gateway.problems) == {"madonvi '000.00.99.H20'"}


@pytest.mark.parametrize("gateway", ["url-per-service"], indirect=True)
def test_progress_goes_ten_entries_a_call(gateway):
    ctx = gateway_office(gateway)
    receive_many(ctx, 12)
    assert engine.sync_status(ctx).online  # no sync.gateway_url in this envelope
    assert engine.run_once(ctx).pushed == 12
    assert gateway.problems == []
    progress_calls = [c for c in gateway.calls if c[0] == "CapNhatTienDoHoSoMC"]
    assert len(progress_calls) == 2 and len(gateway.progress) == 12


@pytest.mark.parametrize("gateway", ["url-per-service"], indirect=True)
def test_a_refused_progress_holds_only_its_dossier(gateway):
    ctx = gateway_office(gateway)
    a, b, c = receive_many(ctx, 3)
    gateway.refuse_progress_of.add(code_of(b))
    report = engine.run_once(ctx)
    assert (report.pushed, report.rejected) == (2, 1)
    assert "bị từ chối" in Dossier.get(Dossier.uuid == b).sync_message
    assert {p["MaHoSo"] for p in gateway.progress} == {code_of(a), code_of(c)}


@pytest.mark.parametrize("gateway", ["query"], indirect=True)
def test_query_envelope_without_progress_url_sends_records_only(gateway):
    ctx = gateway_office(gateway)
    [uuid] = receive_many(ctx, 1)
    dossiers.advance_dossier(ctx, uuid, "processing")
    assert engine.run_once(ctx).pushed == 2 and gateway.problems == []
    assert gateway.progress == [] and gateway.records[code_of(uuid)]["TrangThaiHoSo"] == "4"


LAY_THU_TUC = {"1.001193": {
    "TENTTHC": "Thủ tục đăng ký khai sinh",
    "LINHVUCTHUCHIEN": [{"MALINHVUC": "G09-TP03", "TENLINHVUC": "Hộ tịch"}],
    "CACHTHUCTHUCHIEN": [{"KENH": "2", "THOIGIAN": [{"PHILEPHI": [{"MAPHILEPHI": "X"}]}]},
                         {"KENH": "1", "THOIGIAN": [{"THOIGIANGIAIQUYET": "1",
                                                     "DONVITINH": "Ngày làm việc",
                                                     "PHILEPHI": [{"MAPHILEPHI": "LP01",
                                                                   "SOTIEN": "8000"}]}]}]}}


@pytest.mark.parametrize("gateway", [{"catalogue": LAY_THU_TUC}], indirect=True)
def test_procedure_names_and_field_codes_come_from_laythutuc_cached_a_day(gateway):
    clock = Clock()
    ctx = gateway_office(gateway, clock, sync__gateway_field_codes={"Hộ tịch": "HAND"})
    receive_many(ctx, 2)
    assert engine.run_once(ctx).pushed == 2
    record = next(iter(gateway.records.values()))
    assert (record["TenTTHC"], record["MaLinhVuc"], record["TenLinhVuc"]) == (
        "Thủ tục đăng ký khai sinh", "G09-TP03", "Hộ tịch")
    cached = GatewayProcedure.get(GatewayProcedure.code == "1.001193")
    assert (cached.found, cached.fee_code) == (True, "LP01")
    assert gateway.calls.count(("LayThuTuc", "1.001193")) == 1  # cached for the second
    clock.moment += timedelta(days=1)
    receive_many(ctx, 1)
    assert engine.run_once(ctx).pushed == 1
    assert gateway.calls.count(("LayThuTuc", "1.001193")) == 2  # refreshed daily
    # a code the gateway does not know: the local name and the hand-kept field code
    gateway.catalogue.clear()
    clock.moment += timedelta(days=1)
    [uuid] = receive_many(ctx, 1)
    assert engine.run_once(ctx).pushed == 1
    record = gateway.records[code_of(uuid)]
    assert (record["MaLinhVuc"], record["TenLinhVuc"]) == ("HAND", "Hộ tịch")
    assert record["TenTTHC"] == Dossier.get(Dossier.uuid == uuid).procedure.name


HOSTILE = {"1.001193": {"TENTTHC": 12, "LINHVUCTHUCHIEN": "G01",
                        "CACHTHUCTHUCHIEN": [5, {"KENH": 1, "THOIGIAN": 7},
                                             {"THOIGIAN": [{"PHILEPHI": {"MAPHILEPHI": 1}}]}]}}


@pytest.mark.parametrize("gateway", [{"catalogue": HOSTILE}], indirect=True)
def test_a_malformed_laythutuc_answer_falls_back_to_the_local_catalogue(gateway):
    ctx = gateway_office(gateway, sync__gateway_field_codes={"Hộ tịch": "HAND"})
    [uuid] = receive_many(ctx, 1)
    assert engine.run_once(ctx).pushed == 1 and gateway.problems == []
    record = gateway.records[code_of(uuid)]
    assert (record["TenTTHC"], record["MaLinhVuc"]) == (
        Dossier.get(Dossier.uuid == uuid).procedure.name, "HAND")


@pytest.mark.parametrize("gateway", ["service-in-body", "query"], indirect=True)
def test_a_gateway_that_refuses_this_office_stops_the_run_and_keeps_everything(gateway):
    ctx = gateway_office(gateway)
    receive_many(ctx, 2)
    gateway.deny = True
    report = engine.run_once(ctx)
    assert report.pushed == 0 and report.rejected == 0
    assert ("không hợp lệ ngay sau" in report.error if gateway.envelope == "service-in-body"
            else "HTTP 401" in report.error)
    assert Outbox.select().where(Outbox.state == "pending").count() == 2
    gateway.deny = False
    assert engine.run_once(ctx).pushed == 2

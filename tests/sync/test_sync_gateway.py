"""The gateway adapter against a fake provincial gateway (fakegateway.py)."""

import pytest
from appfixtures import Clock, make_ctx, vn
from fakegateway import FakeGateway
from syncfixtures import local_procedure, receive_many

from sadec_desk.db.models import Dossier, Outbox
from sadec_desk.services.reception import dossiers
from sadec_desk.sync import engine, state
from sadec_desk.sync.adapters.gateway import gateway_date

STATUS_MAP = {"received": "DT1", "processing": "DT2", "supplement_requested": "DT3",
              "done": "DT4", "returned": "DT5", "refused": "DT6", "withdrawn": "DT7"}


@pytest.fixture
def gateway():
    fake = FakeGateway()
    try:
        yield fake
    finally:
        fake.stop()


def _gateway_office(gateway, clock=None):
    ctx = make_ctx(clock or Clock(), sync__adapter="gateway", sync__gateway_url=gateway.url,
                   sync__gateway_username="sadec", sync__gateway_status_map=STATUS_MAP,
                   sync__timeout_seconds=5)
    with ctx.database.atomic():
        state.set_state(ctx, "gateway_password", "mật-khẩu")
    return ctx


def test_dates_are_local_yyyymmddhhmmss():
    assert gateway_date("2026-11-26T02:05:09+00:00") == "20261126090509"
    assert gateway_date(vn(2026, 12, 31, 23, 59)) == "20261231235900"
    assert gateway_date(None) == ""


def test_push_through_the_gateway(gateway):
    clock = Clock()
    ctx = _gateway_office(gateway, clock)
    a, b = receive_many(ctx, 2)
    dossiers.advance_dossier(ctx, a, "processing", note="Chuyển cán bộ tư pháp")
    dossiers.reschedule_dossier(ctx, b, vn(2026, 12, 10, 9, 0), "chờ xác minh")
    report = engine.run_once(ctx)
    assert (report.pushed, report.error, gateway.problems) == (4, "", [])
    assert gateway.logins == 1
    code_a = Dossier.get(Dossier.uuid == a).code
    record = gateway.records[code_a]
    assert record["NgayTiepNhan"] == "20261126090000" and record["TrangThaiHoSo"] == "DT2"
    assert record["MaTTHC"] == "1.001193" and record["MaDoiTuong"] == "034303011829"
    assert record["TenLinhVuc"] == "Hộ tịch" and record["DonViXuLy"] == "000.00.14.H20"
    assert [p["NoiDungXuLy"] for p in gateway.progress][0] == "Chuyển cán bộ tư pháp"
    assert "10/12/2026" in gateway.progress[1]["NoiDungXuLy"]
    assert {d.sync_state for d in Dossier.select()} == {"synced"}

    # the session expires: the adapter logs in again and carries on
    gateway.expire_sessions()
    dossiers.advance_dossier(ctx, b, "processing")
    assert engine.run_once(ctx).pushed == 1
    assert gateway.logins == 2


def test_gateway_rejection_is_stored_and_does_not_block_others(gateway):
    ctx = _gateway_office(gateway)
    local_procedure(ctx)
    bad = dossiers.receive_dossier(ctx, procedure_code="1.999999",
                                   qr_text="087099001234|351234567|Trần Văn Đức|05061999|"
                                   "Nam|Phường 1, Sa Đéc|01022022").uuid
    receive_many(ctx, 2)
    report = engine.run_once(ctx)
    assert (report.pushed, report.rejected) == (2, 1)
    row = Dossier.get(Dossier.uuid == bad)
    assert row.sync_state == "rejected" and "DVCQG" in row.sync_message
    assert len(gateway.records) == 2
    assert Outbox.select().where(Outbox.state == "failed").count() == 1


def test_gateway_without_credentials_says_what_to_do(gateway):
    ctx = make_ctx(Clock(), sync__adapter="gateway", sync__gateway_url=gateway.url)
    receive_many(ctx, 1)
    report = engine.run_once(ctx)
    assert "gateway-login" in report.error
    assert Outbox.select().where(Outbox.state == "pending").count() == 1


def test_pages_go_to_the_gateway_inside_tailieunop(gateway):
    import base64
    import hashlib

    from syncfixtures import add_pages, page_image, save_form

    from sadec_desk.sync.adapters.gateway import FILE_FIELDS

    ctx = _gateway_office(gateway)
    [uuid] = receive_many(ctx, 1)
    code = Dossier.get(Dossier.uuid == uuid).code
    images = [page_image(1, size=(120, 90)), page_image(2, size=(120, 90), kind="PNG")]
    add_pages(ctx, uuid, [("Giấy chứng sinh", images), ("Bản sao sổ hộ khẩu", images[:1])])
    save_form(ctx, uuid, {"ho_ten_tre": "Nguyễn Thị Hoa"})
    report = engine.run_once(ctx)
    assert (report.pushed, report.error, gateway.problems) == (3, "", [])
    record = gateway.records[code]
    files = {item["TenTaiLieu"]: item[FILE_FIELDS["list"]] for item in record["TaiLieuNop"]}
    birth = files["Giấy chứng sinh"]
    assert [f[FILE_FIELDS["name"]] for f in birth] == [f"{code}_1_1.jpg", f"{code}_1_2.png"]
    assert [f[FILE_FIELDS["media_type"]] for f in birth] == ["image/jpeg", "image/png"]
    for entry, data in zip(birth, images, strict=True):
        assert base64.b64decode(entry[FILE_FIELDS["data"]]) == data
        assert entry[FILE_FIELDS["hash"]] == hashlib.sha256(data).hexdigest()
    assert [f[FILE_FIELDS["name"]] for f in files["Bản sao sổ hộ khẩu"]] == [f"{code}_2_1.jpg"]
    assert Dossier.get(Dossier.uuid == uuid).sync_state == "synced"
    assert engine.sync_status(ctx).pages_waiting == 0

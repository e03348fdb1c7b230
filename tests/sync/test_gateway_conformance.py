"""Every field of a DongBoHoSoMC record and of the CapNhatTienDoHoSoMC entries, as the
fake gateway receives them, against gateway-facts.md — in all three envelopes."""

import hashlib

import httpx
import pytest
from appfixtures import OTHER_QR, SAMPLE_QR, Clock, make_ctx, vn
from fakegateway import FakeGateway
from syncfixtures import add_pages, page_image, save_form

from sadec_desk.db.models import Dossier
from sadec_desk.db.models import Procedure as ProcedureRow
from sadec_desk.domain.lifecycle import STATUS_LABELS, DossierStatus
from sadec_desk.services.reception import dossiers
from sadec_desk.sync import engine, state

OFFICE = "UBND xã Tân Khánh Đông"


@pytest.fixture(params=["service-in-body", "url-per-service", "query"])
def gateway(request):
    fake = FakeGateway(request.param)
    try:
        yield fake
    finally:
        fake.stop()


def gateway_office(gateway, clock, **settings):
    extra = ({"sync__gateway_progress_url": gateway.base + "/progress"}
             if gateway.envelope == "query" else {})
    ctx = make_ctx(clock, office__name=OFFICE, **{**gateway.settings(), **extra, **settings})
    with ctx.database.atomic():
        state.set_state(ctx, "gateway_password", "mật-khẩu")
    return ctx


def entry(code, at, content, status, deadline):
    return {"MaHoSo": code, "NguoiXuLy": "Chuyên viên", "ChucDanh": "", "ThoiDiemXuLy": at,
            "PhongBanXuLy": "", "NoiDungXuLy": content, "TrangThai": status,
            "NgayBatDau": at, "NgayKetThucTheoQuyDinh": deadline}


def test_record_and_progress_fields(gateway):
    clock = Clock(vn(2026, 11, 26, 9, 0))
    ctx = gateway_office(gateway, clock, sync__gateway_field_codes={"Chứng thực": "G09-TP01"})
    paid = dossiers.receive_dossier(ctx, procedure_code="2.000815", qr_text=SAMPLE_QR,
                                    phone="0912 345 678", pages=3, copies=2,
                                    result_delivery="post")
    clock.moment = vn(2026, 11, 26, 10, 0)
    dossiers.advance_dossier(ctx, paid.code, "processing")
    clock.moment = vn(2026, 11, 26, 11, 0)
    dossiers.advance_dossier(ctx, paid.code, "done")
    clock.moment = vn(2026, 11, 26, 14, 0)
    dossiers.advance_dossier(ctx, paid.code, "returned")
    report = engine.run_once(ctx)
    assert (report.pushed, report.error, gateway.problems) == (4, "", [])

    due = paid.due_at.strftime("%Y%m%d%H%M%S")
    field_name = ProcedureRow.get(ProcedureRow.code == "2.000815").field_name
    name = "Chứng thực bản sao từ bản chính"
    assert gateway.records[paid.code] == {
        "MaHoSo": paid.code, "MaTTHC": "2.000815", "TenTTHC": name,
        "MaLinhVuc": "G09-TP01" if field_name == "Chứng thực" else "",
        "TenLinhVuc": field_name, "SoBienNhan": paid.code, "ChuHoSo": "Nguyễn Thị Hoa",
        "LoaiDoiTuong": "1", "MaDoiTuong": "", "ThongTinKhac": "", "Email": "", "Fax": "",
        "SoDienThoai": "0912345678", "TrichYeuHoSo": f"{name} - Nguyễn Thị Hoa",
        "NgayTiepNhan": "20261126090000", "NgayNopHoSo": "20261126090000",
        "NgayHenTra": due, "TrangThaiHoSo": "10",
        "NgayTra": "20261126140000",  # handed over
        "ThongTinTra": "", "HinhThuc": "1",  # by public post
        "NgayKetThucXuLy": "20261126110000",  # processing ended
        "NgayTuChoi": "", "DonViXuLy": OFFICE, "GhiChu": "", "KenhThucHien": "1",
        "SoGiayToChuHoSo": "034303011829",
        "DinhDanhCHS": [{"LoaiDinhDanh": "1", "SoDinhDanh": "034303011829"}],
        "HoSoCoThanhPhanSoHoa": "0", "TaiLieuNop": [],
        "DanhSachLePhi": [{"TenPhiLePhi": f"Phí, lệ phí {name}", "MaPhiLePhi": "1",
                           "HinhThucThu": "1", "Gia": str(paid.fee_vnd),
                           "LoaiPhiLePhi": "1"}],
        "DanhSachTepDinhKemKhac": [
            {"TenGiayTo": "Bản chính giấy tờ, văn bản cần chứng thực bản sao (bản chính)",
             "SoLuong": 1, "LoaiGiayTo": 0},
            {"TenGiayTo": "Bản sao cần chứng thực (bản sao)", "SoLuong": 1, "LoaiGiayTo": 0}],
        "DanhSachHoSoBoSung": [], "DanhSachGiayToKetQua": []}
    assert paid.fee_vnd > 0
    label = {s: STATUS_LABELS[DossierStatus(s)] for s in ("processing", "done", "returned")}
    assert gateway.progress == [
        entry(paid.code, "20261126090000", "Tiếp nhận hồ sơ", "2", due),
        entry(paid.code, "20261126100000", label["processing"], "4", due),
        entry(paid.code, "20261126110000", label["done"], "9", ""),
        entry(paid.code, "20261126140000", label["returned"], "10", "")]


def test_refusals_free_dossiers_and_other_channels(gateway):
    clock = Clock(vn(2026, 11, 26, 9, 0))
    ctx = gateway_office(gateway, clock, sync__gateway_subject_id="id_number",
                         sync__gateway_channel_map={"counter": "1", "kiosk": "2",
                                                    "online": "2", "postal": "3"})
    at_reception = dossiers.receive_dossier(ctx, procedure_code="1.001193", qr_text=OTHER_QR,
                                            channel="kiosk")
    later = dossiers.receive_dossier(ctx, procedure_code="1.001193", qr_text=SAMPLE_QR,
                                     channel="postal")
    clock.moment = vn(2026, 11, 26, 9, 30)
    dossiers.advance_dossier(ctx, at_reception.code, "refused", note="Không thuộc thẩm quyền")
    dossiers.advance_dossier(ctx, later.code, "processing")
    clock.moment = vn(2026, 11, 27, 8, 15)
    dossiers.advance_dossier(ctx, later.code, "refused", note="Giấy chứng sinh không hợp lệ")
    report = engine.run_once(ctx)
    assert (report.pushed, report.error, gateway.problems) == (5, "", [])
    first, second = gateway.records[at_reception.code], gateway.records[later.code]
    assert (first["TrangThaiHoSo"], first["NgayTuChoi"], first["NgayKetThucXuLy"]) == (
        "3", "20261126093000", "20261126093000")
    assert (second["TrangThaiHoSo"], second["NgayTuChoi"]) == ("8", "20261127081500")
    assert (first["KenhThucHien"], second["KenhThucHien"]) == ("2", "3")
    assert (first["HinhThuc"], first["NgayTra"], first["DanhSachLePhi"]) == ("0", "", [])
    assert first["MaDoiTuong"] == "087099001234"  # sync.gateway_subject_id = id_number
    # the old 9-digit CMND goes as a second identifier
    assert first["DinhDanhCHS"] == [{"LoaiDinhDanh": "1", "SoDinhDanh": "087099001234"},
                                    {"LoaiDinhDanh": "2", "SoDinhDanh": "351234567"}]
    steps = {(p["MaHoSo"], p["TrangThai"]) for p in gateway.progress}
    assert (at_reception.code, "3") in steps and (later.code, "8") in steps


def test_scanned_pages_go_by_download_url_from_the_file_store(portal, tmp_path):
    from syncfixtures import office

    fake = FakeGateway("service-in-body")
    try:
        ctx = office(portal, **fake.settings(),
                     sync__gateway_file_base_url=portal.url + "/v1/blobs")
        with ctx.database.atomic():
            state.set_state(ctx, "gateway_password", "mật-khẩu")
        info = dossiers.receive_dossier(ctx, procedure_code="1.001193", qr_text=SAMPLE_QR)
        images = [page_image(1, size=(120, 90)), page_image(2, size=(120, 90), kind="PNG")]
        paper = info.papers[1].name
        add_pages(ctx, info.uuid, [(paper, images)])
        save_form(ctx, info.uuid, {"ho_ten_tre": "Nguyễn Thị Hoa"})
        report = engine.run_once(ctx)
        assert (report.pushed, report.error, fake.problems) == (3, "", [])
        assert report.pages_uploaded == 2
        record = fake.records[info.code]
        shas = [hashlib.sha256(data).hexdigest() for data in images]
        assert record["TaiLieuNop"] == [
            {"TepDinhKemId": sha, "TenTepDinhKem": f"{paper} - trang {n}.{ext}",
             "IsDeleted": "False", "MaThanhPhanHoSo": "",
             "DuongDanTaiTepTin": f"{portal.url}/v1/blobs/{sha}", "DuocSoHoa": "1",
             "DuocTaiSuDung": "0", "DuocLayTuKhoDMQG": "0", "MaKetQuaThayThe": ""}
            for n, (sha, ext) in enumerate(zip(shas, ("jpg", "png"), strict=True), 1)]
        assert record["HoSoCoThanhPhanSoHoa"] == "1"
        # the scanned paper is no longer listed among the papers without a file
        assert [p["TenGiayTo"] for p in record["DanhSachTepDinhKemKhac"]] == [
            f"{info.papers[0].name} (bản chính)"]
        # the file is on the store, whole (the store asks the office's own credentials)
        token = state.get_state("token")
        got = httpx.get(record["TaiLieuNop"][1]["DuongDanTaiTepTin"],
                        headers={"Authorization": f"Bearer {token}"}, timeout=5)
        assert got.status_code == 200 and got.content == images[1]
        assert Dossier.get(Dossier.uuid == info.uuid).sync_state == "synced"
    finally:
        fake.stop()


def test_pages_without_a_file_store_stay_here_and_never_hold_the_queue():
    fake = FakeGateway("url-per-service")
    try:
        ctx = make_ctx(Clock(), **fake.settings())
        info = dossiers.receive_dossier(ctx, procedure_code="1.001193", qr_text=SAMPLE_QR)
        add_pages(ctx, info.uuid, [(info.papers[0].name, [page_image(3, size=(60, 40))])])
        dossiers.advance_dossier(ctx, info.code, "processing")
        report = engine.run_once(ctx)
        assert (report.pushed, report.error, fake.problems) == (3, "", [])
        assert fake.records[info.code]["TaiLieuNop"] == []
        assert fake.records[info.code]["TrangThaiHoSo"] == "4"
    finally:
        fake.stop()


def test_the_reference_portal_keeps_the_result_delivery(portal):
    """The reference portal's dossier carries the choice too (optional: older clients
    send none and read as 'office'); nonsense is refused with a sentence."""
    from syncfixtures import office

    ctx = office(portal)
    post = dossiers.receive_dossier(ctx, procedure_code="1.001193", qr_text=SAMPLE_QR,
                                    result_delivery="post")
    desk = dossiers.receive_dossier(ctx, procedure_code="1.001193", qr_text=OTHER_QR)
    assert engine.run_once(ctx).pushed == 2
    kept = {d["code"]: d["result_delivery"] for d in portal.dossiers()}
    assert kept == {post.code: "post", desk.code: "office"}
    store = portal.store
    with store.database.connection_context():
        device = store.enrol(store.new_enrolment_code("000.00.14.H20"), "x",
                             "000.00.14.H20")["device_id"]
        payload = {"uuid": "0b6f1c1e-4a8e-4f7e-9d52-1f0e6c1a0009",
                   "code": "000.00.14.H20-261126-0099", "procedure_code": "1.001193",
                   "received_at": "2026-11-26T09:00:00+07:00",
                   "due_at": "2026-11-26T17:00:00+07:00", "status": "received",
                   "channel": "counter", "citizen": {"id_number": "034303011829"},
                   "result_delivery": "drone"}
        [answer] = store.push(device, [{"op_id": "0b6f1c1e-4a8e-4f7e-9d52-1f0e6c1a00aa",
                                        "dossier_uuid": payload["uuid"],
                                        "op": "dossier.received", "base_version": 0,
                                        "payload": payload}])
    assert answer["result"] == "rejected" and "Cách nhận kết quả" in answer["message"]


@pytest.mark.parametrize("envelope", ["service-in-body", "url-per-service", "query"])
def test_attached_results_go_in_danh_sach_giay_to_ket_qua(portal, envelope):
    """Issue #15 item 4: each result document the office attaches is an item of
    DanhSachGiayToKetQua (gateway-facts.md §3.3) whose file the gateway can download."""
    import json

    from resultsamples import make_pdf
    from syncfixtures import office

    from sadec_desk.services.pages import results

    fake = FakeGateway(envelope)
    try:
        extra = ({"sync__gateway_progress_url": fake.base + "/progress"}
                 if envelope == "query" else {})
        ctx = office(portal, **fake.settings(), **extra,
                     sync__gateway_file_base_url=portal.url + "/v1/blobs/")
        with ctx.database.atomic():
            state.set_state(ctx, "gateway_password", "mật-khẩu")
        row = ProcedureRow.get(ProcedureRow.code == "1.001193")
        data = {**json.loads(row.data), "result_code": "KQ.HT.01"}
        ProcedureRow.update(data=json.dumps(data)).where(ProcedureRow.id == row.id).execute()
        info = dossiers.receive_dossier(ctx, procedure_code="1.001193", qr_text=SAMPLE_QR)
        assert engine.run_once(ctx).error == ""
        assert fake.records[info.code]["DanhSachGiayToKetQua"] == []
        dossiers.advance_dossier(ctx, info.code, "processing")
        dossiers.advance_dossier(ctx, info.code, "done")
        pdf = make_pdf("TRICH LUC KHAI SINH")
        extract = results.add_result(ctx, info.code, pdf, name="Trích lục khai sinh")
        scan = results.add_result(ctx, info.code, page_image(5, size=(200, 280)))
        report = engine.run_once(ctx)
        assert (report.error, fake.problems, report.pages_uploaded) == ("", [], 2)
        record = fake.records[info.code]
        assert record["TrangThaiHoSo"] == "9"
        assert record["DanhSachGiayToKetQua"] == [
            {"TenGiayTo": name, "MaThanhPhanHoSo": "", "GiayToId": sha,
             "DuongDanTepTinKetQua": f"{portal.url}/v1/blobs/{sha}", "MaGiayToKetQua": "KQ.HT.01"}
            for name, sha in (("Trích lục khai sinh", extract.sha256),
                              ("Kết quả giải quyết", scan.sha256))]
        # the result is not a submitted paper: TaiLieuNop stays the scanned pages (none)
        assert (record["TaiLieuNop"], record["HoSoCoThanhPhanSoHoa"]) == ([], "0")
        token = state.get_state("token")
        got = httpx.get(record["DanhSachGiayToKetQua"][0]["DuongDanTepTinKetQua"],
                        headers={"Authorization": f"Bearer {token}"}, timeout=5)
        assert got.status_code == 200 and got.content == pdf
        assert Dossier.get(Dossier.uuid == info.uuid).sync_state == "synced"
    finally:
        fake.stop()

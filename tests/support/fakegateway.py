"""A fake provincial gateway (LGSP) that answers as /work/shared/gateway-facts.md says real
ones do, in any of the three envelopes, and checks every record and progress entry it
gets against the facts (``problems`` lists what did not conform).

- ``service-in-body`` (OpenCPS): ``POST /auth`` {username, password} → ``session``;
  ``POST /lgsp`` with ``session``, ``madonvi``, ``service`` (DongBoHoSoMC with
  ``isUpdating`` "True"/"False" and a ``data`` list, CapNhatTienDoHoSoMC, TraCuuHoSo,
  LayThuTuc); a session that is unknown or expired is answered with an error, HTTP 200;
- ``url-per-service`` (Thanh Hóa): ``/create``, ``/update``, ``/progress`` take bare arrays
  (at most 10 progress entries); no session;
- ``query`` (Hà Giang): ``/api/SynsTTHCC/DongBoHoSoMC?MaDinhDanhDV=…&isUpdating=True|False``
  with a bare array; no session.

``error_code`` is a string ("0" by default; ``success_code`` picks another spelling), a
create of a MaHoSo already there is refused with "đã tồn tại" and code "3" (or
``exists_code``), an update of an unknown one with code "2".
"""

from __future__ import annotations

import re
import secrets
import threading
import time
from datetime import datetime

import httpx

#: every record field any source sends (gateway-facts.md §2, §2.1)
KNOWN_RECORD_FIELDS = {
    "MaHoSo", "MaTTHC", "TenTTHC", "MaLinhVuc", "TenLinhVuc", "SoBienNhan", "ChuHoSo",
    "LoaiDoiTuong", "MaDoiTuong", "ThongTinKhac", "Email", "Fax", "SoDienThoai",
    "TrichYeuHoSo", "NgayTiepNhan", "NgayHenTra", "TrangThaiHoSo", "NgayTra", "ThongTinTra",
    "HinhThuc", "NgayKetThucXuLy", "DonViXuLy", "GhiChu", "TaiLieuNop", "DanhSachLePhi",
    "DanhSachTepDinhKemKhac", "DanhSachHoSoBoSung", "DanhSachGiayToKetQua", "KenhThucHien",
    "SoGiayToChuHoSo", "DinhDanhCHS", "NoiNopHoSo", "HoSoCoThanhPhanSoHoa",
    "TaiKhoanDuocXacThucVoiVNeID", "DuocThanhToanTrucTuyen", "NgayTuChoi", "NgayNopHoSo",
    "DSKetNoiCSDL"}
#: what the Hà Giang gateway needs at least
REQUIRED_RECORD_FIELDS = {
    "MaHoSo", "MaTTHC", "TenTTHC", "MaLinhVuc", "TenLinhVuc", "SoBienNhan", "ChuHoSo",
    "LoaiDoiTuong", "MaDoiTuong", "NgayTiepNhan", "NgayHenTra", "TrangThaiHoSo", "HinhThuc",
    "DonViXuLy", "TaiLieuNop", "DanhSachGiayToKetQua"}
LIST_FIELDS = {"TaiLieuNop", "DanhSachLePhi", "DanhSachTepDinhKemKhac", "DanhSachHoSoBoSung",
               "DanhSachGiayToKetQua", "DinhDanhCHS", "DSKetNoiCSDL"}
RECORD_DATES = {"NgayTiepNhan", "NgayHenTra", "NgayTra", "NgayKetThucXuLy", "NgayTuChoi",
                "NgayNopHoSo"}
SUB_ITEM_FIELDS = {
    "TaiLieuNop": {"TepDinhKemId", "TenTepDinhKem", "IsDeleted", "MaThanhPhanHoSo",
                   "DuongDanTaiTepTin", "DuocSoHoa", "DuocTaiSuDung", "DuocLayTuKhoDMQG",
                   "MaKetQuaThayThe"},
    "DanhSachLePhi": {"TenPhiLePhi", "MaPhiLePhi", "HinhThucThu", "Gia", "LoaiPhiLePhi"},
    "DanhSachTepDinhKemKhac": {"TenGiayTo", "SoLuong", "LoaiGiayTo"},
    "DanhSachGiayToKetQua": {"TenGiayTo", "MaThanhPhanHoSo", "GiayToId",
                             "DuongDanTepTinKetQua", "MaGiayToKetQua"},
    "DinhDanhCHS": {"LoaiDinhDanh", "SoDinhDanh"},
}
#: the two counts TD-M declares as numbers
NUMBER_SUB_FIELDS = {("DanhSachTepDinhKemKhac", "SoLuong"),
                     ("DanhSachTepDinhKemKhac", "LoaiGiayTo")}
PROGRESS_FIELDS = {"MaHoSo", "NguoiXuLy", "ChucDanh", "ThoiDiemXuLy", "PhongBanXuLy",
                   "NoiDungXuLy", "TrangThai", "NgayBatDau", "NgayKetThucTheoQuyDinh"}
PROGRESS_DATES = {"ThoiDiemXuLy", "NgayBatDau", "NgayKetThucTheoQuyDinh"}
NATIONAL_STATUSES = {str(n) for n in range(1, 11)}
UNKNOWN_PROCEDURE = "1.999999"


def check_date(value, required: bool) -> bool:
    if not isinstance(value, str):
        return False
    if not value:
        return not required
    if not re.fullmatch(r"\d{14}", value):
        return False
    try:
        datetime.strptime(value, "%Y%m%d%H%M%S")
    except ValueError:
        return False
    return True


def record_problems(record) -> list[str]:
    """What in one DongBoHoSoMC record differs from the facts."""
    if not isinstance(record, dict):
        return [f"record is {type(record).__name__}"]
    problems = [f"unknown field {k}" for k in set(record) - KNOWN_RECORD_FIELDS]
    problems += [f"missing field {k}" for k in REQUIRED_RECORD_FIELDS - set(record)]
    for key, value in record.items():
        if key in LIST_FIELDS:
            if not isinstance(value, list):
                problems.append(f"{key} is not a list")
                continue
            wanted = SUB_ITEM_FIELDS.get(key)
            for item in value:
                if wanted is not None and (not isinstance(item, dict) or set(item) != wanted):
                    problems.append(f"{key} item fields {sorted(item)}")
                    continue
                for sub, sub_value in item.items():
                    number = (key, sub) in NUMBER_SUB_FIELDS
                    if (number and not isinstance(sub_value, int)) or (
                            not number and not isinstance(sub_value, str)):
                        problems.append(f"{key}.{sub} = {sub_value!r} has the wrong type")
            continue
        if not isinstance(value, str):
            problems.append(f"{key} = {value!r} is not a string")
    for key in RECORD_DATES & set(record):
        if not check_date(record[key], key in ("NgayTiepNhan",)):
            problems.append(f"date {key} = {record[key]!r}")
    checks = {"TrangThaiHoSo": NATIONAL_STATUSES, "HinhThuc": {"0", "1"},
              "KenhThucHien": {"1", "2", "3"}, "LoaiDoiTuong": {"1", "2", "3", "4"},
              "HoSoCoThanhPhanSoHoa": {"0", "1"}}
    for key, allowed in checks.items():
        if key in record and record[key] not in allowed:
            problems.append(f"{key} = {record[key]!r} is not a national code")
    for item in record.get("TaiLieuNop") or []:
        if isinstance(item, dict) and not re.match(r"https?://", str(item.get(
                "DuongDanTaiTepTin", ""))):
            problems.append(f"TaiLieuNop without a download URL: {item}")
    for item in record.get("DanhSachGiayToKetQua") or []:
        # §3.3: a result document is a file the gateway downloads, named, with its id
        if isinstance(item, dict) and not (
                re.match(r"https?://", str(item.get("DuongDanTepTinKetQua", "")))
                and str(item.get("TenGiayTo", "")).strip() and item.get("GiayToId")):
            problems.append(f"DanhSachGiayToKetQua item without a name, id or URL: {item}")
    for item in record.get("DanhSachLePhi") or []:
        if isinstance(item, dict) and not (str(item.get("Gia", "")).isdigit()
                                           and int(item["Gia"]) > 0):
            problems.append(f"fee line not above 0: {item}")
    return problems


def progress_problems(entry) -> list[str]:
    if not isinstance(entry, dict) or set(entry) != PROGRESS_FIELDS:
        return [f"progress fields {sorted(entry) if isinstance(entry, dict) else entry}"]
    problems = [f"progress {k} = {v!r} is not a string" for k, v in entry.items()
                if not isinstance(v, str)]
    for key in PROGRESS_DATES:
        if not check_date(entry[key], key == "ThoiDiemXuLy"):
            problems.append(f"progress date {key} = {entry[key]!r}")
    if entry["TrangThai"] not in NATIONAL_STATUSES:
        problems.append(f"progress TrangThai {entry['TrangThai']!r}")
    return problems


class FakeGateway:
    def __init__(self, envelope: str = "service-in-body", *, username="sadec",
                 password="mật-khẩu", unit_code="000.00.14.H20", dstcode="",
                 success_code="0", exists_code="3", catalogue: dict | None = None):
        from flask import Flask, jsonify, request
        from waitress import create_server

        self.envelope = envelope
        self.records: dict[str, dict] = {}
        self.progress: list[dict] = []
        self.calls: list[tuple[str, str]] = []  # (service, isUpdating or "")
        self.sessions: set[str] = set()
        self.logins = 0
        self.problems: list[str] = []
        self.catalogue = catalogue if catalogue is not None else {}
        self.refuse_progress_of: set[str] = set()  # MaHoSo whose progress is refused
        self.deny = False  # every session refused; the other envelopes answer HTTP 401
        app = Flask("fake_gateway")

        def answer(code=success_code, message="Thành công", **extra):
            return jsonify({"error_code": code, "message": message, **extra})

        def headers_ok() -> bool:
            if dstcode and request.headers.get("dstcode") != dstcode:
                self.problems.append(f"dstcode header {request.headers.get('dstcode')!r}")
                return False
            return True

        def dong_bo(records, updating: str):
            self.calls.append(("DongBoHoSoMC", updating))
            if self.deny and envelope != "service-in-body":
                return jsonify({"message": "Unauthorized"}), 401
            if updating not in ("True", "False") or not isinstance(records, list):
                self.problems.append(f"isUpdating {updating!r} / data {type(records)}")
                return answer("2", "Sai cấu trúc dữ liệu")
            for record in records:
                problems = record_problems(record)
                if problems:
                    self.problems.extend(problems)
                    return answer("2", "Sai cấu trúc hồ sơ: " + "; ".join(problems[:3]))
                if record["MaTTHC"] == UNKNOWN_PROCEDURE:
                    return answer("5", "Thủ tục không có trên Cổng DVCQG")
                there = record["MaHoSo"] in self.records
                if updating == "False" and there:
                    return answer(exists_code, f"Hồ sơ {record['MaHoSo']} đã tồn tại")
                if updating == "True" and not there:
                    return answer("2", f"Không tìm thấy hồ sơ {record['MaHoSo']}")
            for record in records:
                self.records[record["MaHoSo"]] = record
            return answer(message="Đồng bộ hồ sơ thành công")

        def tien_do(entries):
            self.calls.append(("CapNhatTienDoHoSoMC", ""))
            if not isinstance(entries, list) or not entries:
                self.problems.append(f"progress body {type(entries)}")
                return answer("2", "Sai cấu trúc dữ liệu")
            if envelope == "url-per-service" and len(entries) > 10:
                self.problems.append(f"{len(entries)} progress entries in one call")
                return answer("2", "Tối đa 10 tiến độ mỗi lần")
            for entry in entries:
                problems = progress_problems(entry)
                if problems:
                    self.problems.extend(problems)
                    return answer("2", "Sai cấu trúc tiến độ")
                if entry["MaHoSo"] not in self.records:
                    return answer("6", f"Không có hồ sơ {entry['MaHoSo']}")
                if entry["MaHoSo"] in self.refuse_progress_of:
                    return answer("7", f"Tiến độ hồ sơ {entry['MaHoSo']} bị từ chối")
            self.progress.extend(entries)
            return answer(message="Cập nhật tiến độ thành công")

        @app.post("/auth")
        def login():
            if not headers_ok():
                return answer("1", "Thiếu dstcode")
            if request.get_json(silent=True) != {"username": username, "password": password}:
                return answer("1", "Sai tài khoản hoặc mật khẩu")
            self.logins += 1
            token = secrets.token_hex(8)
            self.sessions.add(token)
            return answer(message="Đăng nhập thành công", session=token)

        @app.post("/lgsp")
        def one_endpoint():
            body = request.get_json(silent=True)
            if not headers_ok() or not isinstance(body, dict):
                return answer("2", "Sai yêu cầu")
            if body.get("session") not in self.sessions or self.deny:
                return answer("-1", "Session không hợp lệ hoặc đã hết hạn")
            if body.get("madonvi") != unit_code:
                self.problems.append(f"madonvi {body.get('madonvi')!r}")
                return answer("4", "Sai mã đơn vị")
            service = body.get("service")
            if service == "DongBoHoSoMC":
                return dong_bo(body.get("data"), body.get("isUpdating"))
            if service == "CapNhatTienDoHoSoMC":
                if "isUpdating" in body:
                    self.problems.append("isUpdating in a progress call")
                return tien_do(body.get("data"))
            if service == "TraCuuHoSo":
                self.calls.append(("TraCuuHoSo", ""))
                found = self.records.get(body.get("mahoso"))
                return answer(result=[found] if found else [])
            if service == "LayThuTuc":
                self.calls.append(("LayThuTuc", body.get("maTTHC", "")))
                entry = self.catalogue.get(body.get("maTTHC"))
                return answer(result=[entry] if entry else [])
            return answer("9", f"Không có dịch vụ {service}")

        @app.post("/create")
        def create():
            return dong_bo(request.get_json(silent=True), "False")

        @app.post("/update")
        def update():
            return dong_bo(request.get_json(silent=True), "True")

        @app.post("/progress")
        def progress():
            return tien_do(request.get_json(silent=True))

        @app.post("/api/SynsTTHCC/DongBoHoSoMC")
        def by_query():
            if request.args.get("MaDinhDanhDV") != unit_code:
                self.problems.append(f"MaDinhDanhDV {request.args.get('MaDinhDanhDV')!r}")
                return answer("4", "Sai mã định danh đơn vị")
            return dong_bo(request.get_json(silent=True), request.args.get("isUpdating"))

        self.server = create_server(app, host="127.0.0.1", port=0, threads=2,
                                    asyncore_loop_timeout=0.2)
        self.base = f"http://127.0.0.1:{self.server.effective_port}"

        def run():
            try:
                self.server.run()
            except OSError:
                pass

        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 10
        while True:
            try:
                httpx.post(self.base + "/auth", json={}, timeout=1)
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.02)
        self.problems.clear()  # the probe above sent nothing real

    def settings(self) -> dict:
        """The office's sync.gateway_* settings (make_ctx keywords) for this envelope."""
        base = {"sync__adapter": "gateway", "sync__gateway_envelope": self.envelope,
                "sync__gateway_username": "sadec", "sync__timeout_seconds": 5}
        if self.envelope == "service-in-body":
            return {**base, "sync__gateway_url": self.base + "/lgsp",
                    "sync__gateway_auth_url": self.base + "/auth"}
        if self.envelope == "url-per-service":
            return {**base, "sync__gateway_create_url": self.base + "/create",
                    "sync__gateway_update_url": self.base + "/update",
                    "sync__gateway_progress_url": self.base + "/progress"}
        return {**base, "sync__gateway_url": self.base + "/api/SynsTTHCC/DongBoHoSoMC"}

    def expire_sessions(self):
        self.sessions.clear()

    def stop(self):
        from waitress import wasyncore

        wasyncore.close_all(self.server._map)
        self.server.task_dispatcher.shutdown(timeout=5)
        self.thread.join(10)

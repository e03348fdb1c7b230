"""A fake provincial gateway (LGSP) that checks what the adapter sends: the exact
DongBoHoSoMC / CapNhatTienDoHoSoMC field names, yyyyMMddHHmmss dates and the session."""

from __future__ import annotations

import re
import secrets
import threading
import time
from datetime import datetime

import httpx

RECORD_FIELDS = {
    "MaHoSo", "MaTTHC", "TenTTHC", "MaLinhVuc", "TenLinhVuc", "SoBienNhan", "ChuHoSo",
    "LoaiDoiTuong", "MaDoiTuong", "Email", "SoDienThoai", "TrichYeuHoSo", "NgayTiepNhan",
    "NgayHenTra", "TrangThaiHoSo", "NgayTra", "HinhThuc", "NgayKetThucXuLy", "DonViXuLy",
    "TaiLieuNop", "DanhSachLePhi", "DanhSachHoSoBoSung", "DanhSachGiayToKetQua"}
PROGRESS_FIELDS = {"MaHoSo", "NguoiXuLy", "ThoiDiemXuLy", "NoiDungXuLy", "TrangThai"}
DATE_FIELDS = ("NgayTiepNhan", "NgayHenTra", "NgayTra", "NgayKetThucXuLy")
STATUS_CODES = {"DT1", "DT2", "DT3", "DT4", "DT5", "DT6", "DT7"}  # this "province's" codes


def check_date(value: str, required: bool) -> bool:
    if not value:
        return not required
    if not re.fullmatch(r"\d{14}", value):
        return False
    datetime.strptime(value, "%Y%m%d%H%M%S")
    return True


class FakeGateway:
    def __init__(self, username="sadec", password="mật-khẩu"):
        from flask import Flask, jsonify, request
        from waitress import create_server

        self.records: dict[str, dict] = {}
        self.progress: list[dict] = []
        self.sessions: set[str] = set()
        self.logins = 0
        self.problems: list[str] = []
        app = Flask("fake_gateway")

        def answer(code=0, message="OK", **extra):
            return jsonify({"error_code": code, "message": message, **extra})

        def session_ok() -> bool:
            header = request.headers.get("Authorization", "")
            return header.startswith("Bearer ") and header[7:] in self.sessions

        @app.post("/login")
        def login():
            data = request.get_json()
            if data != {"username": username, "password": password}:
                return answer(1, "Sai tài khoản")
            self.logins += 1
            token = secrets.token_hex(8)
            self.sessions.add(token)
            return answer(session=token)

        @app.post("/DongBoHoSoMC")
        def dong_bo():
            if not session_ok():
                return jsonify({"message": "session expired"}), 401
            for record in request.get_json()["data"]:
                if set(record) != RECORD_FIELDS:
                    self.problems.append(f"fields {set(record) ^ RECORD_FIELDS}")
                    return answer(2, "Sai cấu trúc hồ sơ")
                for name in DATE_FIELDS:
                    if not check_date(record[name], name in ("NgayTiepNhan", "NgayHenTra")):
                        self.problems.append(f"date {name}={record[name]!r}")
                        return answer(3, f"Sai định dạng ngày {name}")
                if record["TrangThaiHoSo"] not in STATUS_CODES:
                    return answer(4, f"Mã trạng thái {record['TrangThaiHoSo']} không hợp lệ")
                if record["MaTTHC"] == "1.999999":
                    return answer(5, "Thủ tục không có trên Cổng DVCQG")
            for record in request.get_json()["data"]:
                self.records[record["MaHoSo"]] = record  # an upsert by MaHoSo
            return answer()

        @app.post("/CapNhatTienDoHoSoMC")
        def tien_do():
            if not session_ok():
                return jsonify({"message": "session expired"}), 401
            data = request.get_json()
            if set(data) != PROGRESS_FIELDS or not check_date(data["ThoiDiemXuLy"], True):
                self.problems.append(f"progress {data}")
                return answer(2, "Sai cấu trúc")
            if data["MaHoSo"] not in self.records:
                return answer(6, "Không có hồ sơ")
            if data["TrangThai"] not in STATUS_CODES:
                return answer(4, "Mã trạng thái không hợp lệ")
            self.progress.append(data)
            self.records[data["MaHoSo"]]["TrangThaiHoSo"] = data["TrangThai"]
            return answer()

        self.server = create_server(app, host="127.0.0.1", port=0, threads=2,
                                    asyncore_loop_timeout=0.2)
        self.url = f"http://127.0.0.1:{self.server.effective_port}"

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
                httpx.post(self.url + "/login", json={}, timeout=1)
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.02)

    def expire_sessions(self):
        self.sessions.clear()

    def stop(self):
        from waitress import wasyncore

        wasyncore.close_all(self.server._map)
        self.server.task_dispatcher.shutdown(timeout=5)
        self.thread.join(10)

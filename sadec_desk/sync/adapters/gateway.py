"""Adapter for the provincial gateway (LGSP): the outbox as DongBoHoSoMC / CapNhatTienDoHoSoMC.

docs/design.md §3.9: a session login first; ``DongBoHoSoMC`` takes dossier records
(``MaHoSo, MaTTHC, TenTTHC, MaLinhVuc, ... DanhSachGiayToKetQua[]``) and
``CapNhatTienDoHoSoMC`` progress updates (``MaHoSo, NguoiXuLy, ThoiDiemXuLy,
NoiDungXuLy, TrangThai``); dates are ``yyyyMMddHHmmss`` in Vietnam time; status
codes differ by province, so they come from ``sync.gateway_status_map``.

What the gateway does not give, and what that means here:

- no per-operation id: ``DongBoHoSoMC`` is an upsert by MaHoSo, so re-sending a
  dossier after a lost answer is harmless, but a progress update re-sent after a
  lost answer may show twice in the gateway's history (it cannot be detected);
- no change feed and no versions: nothing is pulled through this adapter, and
  answers carry version 0 (conflicts can only come from the reference portal).
The layout of the sub-lists (TaiLieuNop, DanhSachLePhi) is *unverified*: the
field names inside them follow common LGSP samples and must be checked against
the province's documentation.

Scanned pages (``dossier.pages``) go as a DongBoHoSoMC re-send of the whole dossier
(an upsert by MaHoSo) whose TaiLieuNop entries carry the page files inline, base64
(:data:`FILE_FIELDS`, *unverified* names). The filled e-form (``dossier.form``) has
no known place in DongBoHoSoMC: it is answered ``applied`` without a call, so it
never holds the queue, and stays on this machine (and the reference portal).
"""

from __future__ import annotations

import base64
import json
from datetime import datetime
from typing import TYPE_CHECKING

import httpx

from sadec_desk.db.models import Dossier
from sadec_desk.domain.timezone import VN_TZ
from sadec_desk.i18n import _
from sadec_desk.sync import protocol as P
from sadec_desk.sync.adapters.base import check_portal_url, tls_verify
from sadec_desk.sync.errors import AuthExpired, Refused, SyncError, TransientError
from sadec_desk.sync.outbox_ops import PageFileMissing, read_page_file
from sadec_desk.sync.state import get_state

if TYPE_CHECKING:
    from sadec_desk.services.context import AppContext

GATEWAY_DATE = "%Y%m%d%H%M%S"  # yyyyMMddHHmmss, local time (docs/design.md §3.9)

#: the files of one TaiLieuNop entry: *unverified* field names (LGSP samples differ
#: by province; check them against the province's gateway documentation)
FILE_FIELDS = {"list": "TepDinhKem", "name": "TenTep", "media_type": "DinhDang",
               "hash": "MaHash", "data": "DuLieu"}


def gateway_date(text_or_moment: str | datetime | None) -> str:
    if not text_or_moment:
        return ""
    moment = (datetime.fromisoformat(text_or_moment) if isinstance(text_or_moment, str)
              else text_or_moment)
    return moment.astimezone(VN_TZ).strftime(GATEWAY_DATE)


class GatewayAdapter:
    """The provincial gateway as a :class:`~sadec_desk.sync.adapters.base.SyncAdapter`:
    push only (no change feed, no page-file upload: pages travel inline)."""

    name = "gateway"
    supports_pull = False
    uploads_blobs = False  # page files go inline in DongBoHoSoMC (pages_record)

    def __init__(self, ctx: AppContext):
        config = ctx.config
        self.ctx = ctx
        url = config["sync.gateway_url"]
        if not url:
            raise SyncError(_("Chưa cấu hình địa chỉ cổng trục tỉnh (sync.gateway_url)."))
        check_portal_url(url)
        self.username = config["sync.gateway_username"]
        self.password = get_state("gateway_password")
        if not self.username or not self.password:
            raise SyncError(_("Chưa có tài khoản cổng trục: đặt sync.gateway_username và chạy "
                              "'sadec-desk sync gateway-login --password-stdin'."))
        self.status_map = config["sync.gateway_status_map"]
        self.channel_map = config["sync.gateway_channel_map"]
        self.field_codes = config["sync.gateway_field_codes"]
        self.unit = config["sync.gateway_unit"] or config["office.agency_code"]
        self.session = ""
        self.http = httpx.Client(base_url=url.rstrip("/"), verify=tls_verify(
            config["sync.ca_bundle"]), timeout=httpx.Timeout(float(config["sync.timeout_seconds"])))

    def close(self) -> None:
        self.http.close()

    # --- transport ---

    def _post(self, path: str, body, *, auth: bool = True) -> dict:
        headers = {"Authorization": f"Bearer {self.session}"} if auth else {}
        try:
            response = self.http.post(path, json=body, headers=headers)
        except httpx.TimeoutException:
            raise TransientError(_("Cổng trục không trả lời kịp (quá thời gian chờ).")) from None
        except httpx.HTTPError as exc:
            raise TransientError(_("Không kết nối được cổng trục ({error}).").format(
                error=type(exc).__name__)) from None
        if response.status_code == 401:
            raise AuthExpired(_("Phiên đăng nhập cổng trục đã hết hạn."))
        if response.status_code >= 500:
            raise TransientError(_("Cổng trục đang lỗi (HTTP {status}).").format(
                status=response.status_code))
        try:
            answer = response.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise TransientError(_("Cổng trục trả lời không phải JSON hợp lệ.")) from None
        if response.status_code >= 400:
            raise Refused(str(answer.get("message") if isinstance(answer, dict) else answer),
                          response.status_code)
        if not isinstance(answer, dict) or not isinstance(answer.get("error_code"), int):
            raise TransientError(_("Cổng trục trả lời sai định dạng (thiếu error_code)."))
        return answer

    def login(self) -> None:
        answer = self._post("/login", {"username": self.username, "password": self.password},
                            auth=False)
        if answer["error_code"] != 0 or not isinstance(answer.get("session"), str):
            raise SyncError(_("Cổng trục từ chối đăng nhập: {msg}. Kiểm tra tài khoản.").format(
                msg=answer.get("message", "")))
        self.session = answer["session"]

    def _call(self, path: str, body) -> dict:
        if not self.session:
            self.login()
        try:
            return self._post(path, body)
        except AuthExpired:
            self.login()
            return self._post(path, body)

    # --- mapping ---

    def _status_code(self, status: str) -> str:
        code = self.status_map.get(status)
        if code is None:
            raise SyncError(_("Thiếu mã trạng thái cổng trục cho '{status}' trong "
                              "sync.gateway_status_map.").format(status=status))
        return code

    def dossier_record(self, d: dict) -> dict:
        """One DongBoHoSoMC record from a ``dossier.received`` payload."""
        citizen = d.get("citizen") or {}
        field_name = self._field_name(d["procedure_code"])
        return {
            "MaHoSo": d["code"], "MaTTHC": d["procedure_code"],
            "TenTTHC": d.get("procedure_name", ""), "MaLinhVuc": self.field_codes.get(
                field_name, ""), "TenLinhVuc": field_name, "SoBienNhan": d["code"],
            "ChuHoSo": citizen.get("full_name", ""), "LoaiDoiTuong": "1",  # 1 = citizen
            "MaDoiTuong": citizen.get("id_number", ""), "Email": "",
            "SoDienThoai": d.get("phone") or citizen.get("phone", ""),
            "TrichYeuHoSo": f"{d.get('procedure_name', '')} - {citizen.get('full_name', '')}",
            "NgayTiepNhan": gateway_date(d["received_at"]),
            "NgayHenTra": gateway_date(d["due_at"]),
            "TrangThaiHoSo": self._status_code(d["status"]),
            "NgayTra": gateway_date(d.get("finished_at")),
            "HinhThuc": self.channel_map.get(d.get("channel", "counter"), "1"),
            "NgayKetThucXuLy": gateway_date(d.get("finished_at")),
            "DonViXuLy": self.unit,
            "TaiLieuNop": [{"TenTaiLieu": p["name"], "SoLuong": p["count"],
                            "LoaiBan": p["kind"]} for p in d.get("papers", [])],
            "DanhSachLePhi": ([{"TenLePhi": _("Lệ phí"), "MucThu": d.get("fee_vnd", 0)}]
                              if d.get("fee_vnd") else []),
            "DanhSachHoSoBoSung": [],
            "DanhSachGiayToKetQua": [],
        }

    def pages_record(self, op: dict) -> dict:
        """A DongBoHoSoMC record of the dossier as it is now, with its scanned pages."""
        from sadec_desk.db.attachment_models import PageBlob
        from sadec_desk.services.reception.dossiers import get_dossier
        from sadec_desk.services.records import to_jsonable

        d = to_jsonable(get_dossier(self.ctx, op["dossier_uuid"]))
        record = self.dossier_record(d)
        entries = {item["TenTaiLieu"]: item for item in record["TaiLieuNop"]}
        for item in record["TaiLieuNop"]:
            item[FILE_FIELDS["list"]] = []
        for paper in op["payload"].get("papers", []):
            item = entries.get(paper["name"])
            if item is None:  # a paper scanned but not in the receipt's list
                item = {"TenTaiLieu": paper["name"], "SoLuong": 1, "LoaiBan": "",
                        FILE_FIELDS["list"]: []}
                entries[paper["name"]] = item
                record["TaiLieuNop"].append(item)
            for page in paper.get("pages", []):
                sha = page["sha256"]
                data = read_page_file(self.ctx, PageBlob.get_or_none(PageBlob.sha256 == sha),
                                      sha)
                extension = "png" if page["media_type"] == "image/png" else "jpg"
                item[FILE_FIELDS["list"]].append({
                    FILE_FIELDS["name"]: f"{d['code']}_{paper['index'] + 1}_"
                                         f"{page['position']}.{extension}",
                    FILE_FIELDS["media_type"]: page["media_type"],
                    FILE_FIELDS["hash"]: sha,
                    FILE_FIELDS["data"]: base64.b64encode(data).decode("ascii")})
        return record

    def _field_name(self, procedure_code: str) -> str:
        from sadec_desk.db.models import Procedure as ProcedureRow

        row = (ProcedureRow.select(ProcedureRow.field_name)
               .where(ProcedureRow.code == procedure_code, ProcedureRow.active).first())
        return row.field_name if row else ""

    def progress_record(self, op: dict) -> dict:
        """One CapNhatTienDoHoSoMC update from a status change or a new appointment."""
        p = op["payload"]
        if op["op"] == "dossier.status":
            status, content = p["to_status"], p.get("note") or p["to_status"]
        else:  # dossier.rescheduled (Mẫu 04): the status stays, the appointment moves
            status = (Dossier.select(Dossier.status).where(Dossier.uuid == op["dossier_uuid"])
                      .scalar()) or "processing"
            content = _("Gia hạn đến {due}: {reason}").format(
                due=datetime.fromisoformat(p["new_due"]).astimezone(VN_TZ)
                .strftime("%H:%M %d/%m/%Y"), reason=p.get("reason", ""))
        return {"MaHoSo": p["code"], "NguoiXuLy": p.get("actor", ""),
                "ThoiDiemXuLy": gateway_date(p["at"]), "NoiDungXuLy": content,
                "TrangThai": self._status_code(status)}

    # --- the engine's interface ---

    def push(self, ops: list[dict]) -> list[dict]:
        """In order; consecutive new dossiers go in one DongBoHoSoMC call."""
        results: list[dict] = []
        run: list[dict] = []

        def flush():
            if not run:
                return
            answer = self._call("/DongBoHoSoMC", {"data": [self.dossier_record(o["payload"])
                                                           for o in run]})
            if answer["error_code"] != 0 and len(run) > 1:
                # the gateway refuses a whole call for one bad record: find it by sending
                # them one by one (an upsert by MaHoSo, so re-sending the good ones is harmless)
                for op in run:
                    single = self._call("/DongBoHoSoMC",
                                        {"data": [self.dossier_record(op["payload"])]})
                    results.extend(self._results([op], single))
            else:
                results.extend(self._results(run, answer))
            run.clear()

        held: set[str] = set()  # dossiers with a refused op: their later ops wait
        for op in ops:
            if op["dossier_uuid"] in held:
                flush()
                results.append({"op_id": op["op_id"], "result": P.CONFLICT,
                                "message": "held behind a refused operation"})
                continue
            if op["op"] == "dossier.received":
                run.append(op)
                continue
            flush()
            if op["op"] == "dossier.form":
                # no known DongBoHoSoMC field for a filled form (see the module docstring)
                results.append({"op_id": op["op_id"], "result": P.APPLIED, "version": 0})
                continue
            if op["op"] == "dossier.pages":
                try:
                    record = self.pages_record(op)
                except PageFileMissing as exc:
                    results.append({"op_id": op["op_id"], "result": P.REJECTED,
                                    "message": str(exc)})
                    held.add(op["dossier_uuid"])
                    continue
                answer = self._call("/DongBoHoSoMC", {"data": [record]})
            else:
                answer = self._call("/CapNhatTienDoHoSoMC", self.progress_record(op))
            results.extend(self._results([op], answer))
            if results[-1]["result"] != P.APPLIED:
                held.add(op["dossier_uuid"])
        flush()
        return results

    @staticmethod
    def _results(ops: list[dict], answer: dict) -> list[dict]:
        if answer["error_code"] == 0:
            return [{"op_id": o["op_id"], "result": P.APPLIED, "version": 0} for o in ops]
        message = str(answer.get("message") or f"error_code {answer['error_code']}")
        return [{"op_id": o["op_id"], "result": P.REJECTED, "message": message} for o in ops]

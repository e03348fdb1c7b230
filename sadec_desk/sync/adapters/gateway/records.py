"""A dossier as the provincial gateway takes it: the DongBoHoSoMC record and the
CapNhatTienDoHoSoMC progress entries (field names and codes: gateway-facts.md §2-§5).

Rules every source agrees on: every scalar is a JSON string (numbers and flags too; the
two counts of ``DanhSachTepDinhKemKhac`` are numbers, as the Thanh Hóa class declares);
dates are ``yyyyMMddHHmmss`` in Vietnam time and ``""`` when there is none; statuses are
the national codes 1-10, whatever the local names.

Everything here is built from :class:`DossierFacts`, read from the database when the
record is sent (so a record re-sent later carries the dossier as it is then). Its words are
Vietnamese whatever the interface language (``vietnamese()``, sadec_desk/i18n.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sadec_desk.domain.lifecycle import STATUS_LABELS, DossierStatus
from sadec_desk.domain.timezone import VN_TZ
from sadec_desk.i18n import _, vietnamese, vietnamese_texts
from sadec_desk.services.records import DossierInfo, EventInfo
from sadec_desk.sync.errors import SyncError

GATEWAY_DATE = "%Y%m%d%H%M%S"  # yyyyMMddHHmmss, Vietnam time (OpenCPS, Thanh Hóa, Hà Giang)

#: HinhThuc: how the result reaches the citizen (0 at the office, 1 by public post)
RESULT_DELIVERY_CODES = {"office": "0", "post": "1"}
#: statuses that mean processing had begun: a refusal after them is "8 Dừng xử lý"
_WORKED_ON = frozenset({DossierStatus.PROCESSING.value,
                        DossierStatus.SUPPLEMENT_REQUESTED.value})
#: the statuses that end processing (NgayKetThucXuLy: the first time one was reached)
_PROCESSING_ENDED = frozenset({DossierStatus.DONE.value, DossierStatus.REFUSED.value,
                               DossierStatus.WITHDRAWN.value})
#: a fee line's codes the way the Thanh Hóa client sends them (the code lists exist only
#: for another ministry API: unverified for DongBoHoSoMC, docs/sync.md)
FEE_COLLECTED_AT_RECEPTION = "1"
FEE_KIND_ORDINARY = "1"
TRICH_YEU_MAX = 1000  # Thanh Hóa cuts the summary there


def gateway_date(text_or_moment: str | datetime | None) -> str:
    if not text_or_moment:
        return ""
    moment = (datetime.fromisoformat(text_or_moment) if isinstance(text_or_moment, str)
              else text_or_moment)
    return moment.astimezone(VN_TZ).strftime(GATEWAY_DATE)


@dataclass(frozen=True)
class CatalogueEntry:
    """What the record says of the procedure: from LayThuTuc, else the local catalogue."""

    name: str
    field_code: str
    field_name: str
    fee_code: str = ""


@dataclass(frozen=True)
class PageFile:
    """One scanned page on the file store the gateway downloads from."""

    paper: str
    position: int
    sha256: str
    media_type: str
    url: str


@dataclass(frozen=True)
class ResultFile:
    """One result document the office attached, on the file store (services/pages/results.py)."""

    name: str
    sha256: str
    url: str
    result_code: str = ""


@dataclass(frozen=True)
class DossierFacts:
    info: DossierInfo  # with papers and events
    result_delivery: str  # office | post
    office_name: str
    catalogue: CatalogueEntry
    pages: tuple[PageFile, ...] = ()
    results: tuple[ResultFile, ...] = ()


@dataclass(frozen=True)
class Codes:
    """The settings that turn local values into the gateway's codes."""

    status: Mapping[str, str]
    channel: Mapping[str, str]
    subject_id: str = "none"  # none | id_number

    def status_code(self, status: str, *, worked_on: bool = False) -> str:
        key = "refused_after_processing" if (status == DossierStatus.REFUSED.value
                                             and worked_on) else status
        code = self.status.get(key)
        if code is None:
            raise SyncError(_("Thiếu mã trạng thái của cổng trục cho '{status}' trong "
                              "sync.gateway_status_map.").format(status=key))
        return str(code)

    def channel_code(self, channel: str) -> str:
        code = self.channel.get(channel)
        if code is None:
            raise SyncError(_("Thiếu mã kênh thực hiện (KenhThucHien) cho kênh '{channel}' "
                              "trong sync.gateway_channel_map.").format(channel=channel))
        return str(code)


def _first_reached(events: tuple[EventInfo, ...], statuses: frozenset[str]) -> datetime | None:
    return next((e.at for e in events if e.kind == "status" and e.to_status in statuses), None)


def worked_on_before(events: tuple[EventInfo, ...], until: datetime | None = None) -> bool:
    """Had processing begun (before ``until``)? Decides 3 or 8 for a refusal."""
    return any(e.kind == "status" and e.to_status in _WORKED_ON
               and (until is None or e.at < until) for e in events)


def _identifiers(info: DossierInfo) -> list[dict]:
    """DinhDanhCHS: LoaiDinhDanh "1" for the 12-digit CCCD, "2" for a 9-digit CMND (TD)."""
    items = [{"LoaiDinhDanh": "1", "SoDinhDanh": info.citizen.id_number}]
    old = info.citizen.old_id_number or ""
    if len(old) == 9 and old.isdigit():
        items.append({"LoaiDinhDanh": "2", "SoDinhDanh": old})
    return items


def page_items(pages: tuple[PageFile, ...]) -> list[dict]:
    """TaiLieuNop: one item per scanned page file, given by its download URL."""
    items = []
    for page in pages:
        extension = "png" if page.media_type == "image/png" else "jpg"
        items.append({
            "TepDinhKemId": page.sha256,
            "TenTepDinhKem": f"{page.paper} - trang {page.position}.{extension}",
            "IsDeleted": "False", "MaThanhPhanHoSo": "",
            "DuongDanTaiTepTin": page.url,
            "DuocSoHoa": "1", "DuocTaiSuDung": "0", "DuocLayTuKhoDMQG": "0",
            "MaKetQuaThayThe": ""})
    return items


def result_items(results: tuple[ResultFile, ...]) -> list[dict]:
    """DanhSachGiayToKetQua (gateway-facts.md §3.3): one item per attached result, given by
    its download URL; ``GiayToId`` is the file's SHA-256 (as ``TepDinhKemId`` of a page:
    one dossier cannot hold the same file twice); no source names component codes for
    results, so ``MaThanhPhanHoSo`` is ""; ``MaGiayToKetQua`` the catalogue's result code
    when it has one, else ""."""
    return [{"TenGiayTo": result.name, "MaThanhPhanHoSo": "", "GiayToId": result.sha256,
             "DuongDanTepTinKetQua": result.url, "MaGiayToKetQua": result.result_code}
            for result in results]


def paper_items(info: DossierInfo, scanned: set[str]) -> list[dict]:
    """DanhSachTepDinhKemKhac: the papers received on paper only (no scanned page).
    ``LoaiGiayTo`` code values are found in no source: 0, with the kind in the name."""
    kinds = {"original": vietnamese("bản chính"), "copy": vietnamese("bản sao"),
             "original_or_copy": vietnamese("bản chính hoặc bản sao")}
    return [{"TenGiayTo": f"{p.name} ({kinds.get(p.kind, p.kind)})", "SoLuong": int(p.count),
             "LoaiGiayTo": 0} for p in info.papers if p.name not in scanned]


def fee_items(info: DossierInfo, catalogue: CatalogueEntry) -> list[dict]:
    """DanhSachLePhi: the fee line, only above 0 (as the Thanh Hóa client sends)."""
    if info.fee_vnd <= 0:
        return []
    name = vietnamese("Phí, lệ phí {procedure}").format(procedure=catalogue.name)
    return [{"TenPhiLePhi": name[:500],
             "MaPhiLePhi": catalogue.fee_code or "1",
             "HinhThucThu": FEE_COLLECTED_AT_RECEPTION, "Gia": str(info.fee_vnd),
             "LoaiPhiLePhi": FEE_KIND_ORDINARY}]


def dossier_record(facts: DossierFacts, codes: Codes) -> dict:
    """One DongBoHoSoMC record (gateway-facts.md §2 and §2.1)."""
    info, catalogue = facts.info, facts.catalogue
    events = info.events
    finished = _first_reached(events, _PROCESSING_ENDED)
    handed_over = _first_reached(events, frozenset({DossierStatus.RETURNED.value}))
    refused = _first_reached(events, frozenset({DossierStatus.REFUSED.value}))
    files = page_items(facts.pages)
    summary = f"{catalogue.name} - {info.citizen.full_name}"[:TRICH_YEU_MAX]
    return {
        "MaHoSo": info.code, "MaTTHC": info.procedure_code, "TenTTHC": catalogue.name,
        "MaLinhVuc": catalogue.field_code, "TenLinhVuc": catalogue.field_name,
        "SoBienNhan": info.code, "ChuHoSo": info.citizen.full_name,
        "LoaiDoiTuong": "1",  # citizen
        "MaDoiTuong": info.citizen.id_number if codes.subject_id == "id_number" else "",
        "ThongTinKhac": "", "Email": "", "Fax": "", "SoDienThoai": info.phone,
        "TrichYeuHoSo": summary,
        "NgayTiepNhan": gateway_date(info.received_at),
        "NgayNopHoSo": gateway_date(info.received_at),
        "NgayHenTra": gateway_date(info.due_at),
        "TrangThaiHoSo": codes.status_code(info.status,
                                           worked_on=worked_on_before(events, refused)),
        "NgayTra": gateway_date(handed_over), "ThongTinTra": "",
        "HinhThuc": RESULT_DELIVERY_CODES[facts.result_delivery],
        "NgayKetThucXuLy": gateway_date(finished),
        "NgayTuChoi": gateway_date(refused),
        "DonViXuLy": facts.office_name, "GhiChu": "",
        "KenhThucHien": codes.channel_code(info.channel),
        "SoGiayToChuHoSo": info.citizen.id_number,
        "DinhDanhCHS": _identifiers(info),
        "HoSoCoThanhPhanSoHoa": "1" if files else "0",
        "TaiLieuNop": files,
        "DanhSachLePhi": fee_items(info, catalogue),
        "DanhSachTepDinhKemKhac": paper_items(info, {p.paper for p in facts.pages}),
        "DanhSachHoSoBoSung": [],
        "DanhSachGiayToKetQua": result_items(facts.results),
    }


def progress_entry(code: str, *, actor: str, at: datetime | str, content: str, status: str,
                   started: datetime | str | None = None,
                   deadline: datetime | str | None = None) -> dict:
    """One CapNhatTienDoHoSoMC entry (gateway-facts.md §3b)."""
    handler = actor or vietnamese("Chuyên viên")
    return {"MaHoSo": code, "NguoiXuLy": handler[:50], "ChucDanh": "",
            "ThoiDiemXuLy": gateway_date(at), "PhongBanXuLy": "", "NoiDungXuLy": content,
            "TrangThai": status, "NgayBatDau": gateway_date(started or at),
            "NgayKetThucTheoQuyDinh": gateway_date(deadline)}


def received_entry(info: DossierInfo, codes: Codes) -> dict:
    """The synthetic first entry after a create: "Tiếp nhận hồ sơ", status 2 (as TD)."""
    return progress_entry(info.code, actor=info.received_by, at=info.received_at,
                          content=vietnamese("Tiếp nhận hồ sơ"),
                          status=codes.status_code(DossierStatus.RECEIVED.value),
                          deadline=info.due_at)


def step_entry(op: dict, info: DossierInfo, codes: Codes) -> dict:
    """The entry of one life-cycle step: a status change or a new appointment (Mẫu 04)."""
    p = op["payload"]
    if op["op"] == "dossier.status":
        target = p["to_status"]
        at = p["at"]
        worked_on = p.get("from_status") in _WORKED_ON or worked_on_before(
            info.events, datetime.fromisoformat(at) if isinstance(at, str) else at)
        with vietnamese_texts():  # the gateway's words, whatever the interface language
            label = STATUS_LABELS[DossierStatus(target)]
        content = f"{label}: {p['note']}" if p.get("note") else label
        finished = target in {s.value for s in (DossierStatus.DONE, DossierStatus.RETURNED,
                                                DossierStatus.REFUSED, DossierStatus.WITHDRAWN)}
        return progress_entry(p["code"], actor=p.get("actor", ""), at=at, content=content,
                              status=codes.status_code(target, worked_on=worked_on),
                              deadline=None if finished else info.due_at)
    # dossier.rescheduled: the status stays, the appointment moves
    due = p["new_due"]
    due_at = datetime.fromisoformat(due) if isinstance(due, str) else due
    content = vietnamese("Gia hạn đến {due}: {reason}").format(
        due=due_at.astimezone(VN_TZ).strftime("%H:%M %d/%m/%Y"), reason=p.get("reason", ""))
    return progress_entry(p["code"], actor=p.get("actor", ""), at=p["at"], content=content,
                          status=codes.status_code(info.status,
                                                   worked_on=worked_on_before(info.events)),
                          deadline=due_at)

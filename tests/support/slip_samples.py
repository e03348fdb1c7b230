"""Slip data and an ESC/POS raster decoder, for the printing tests."""

from __future__ import annotations

from PIL import Image

LONG_NAME = "Nguyễn Thị Hoàng Phượng Khánh Huyền Trương Lưu Diễm Thúy Quỳnh Như Ngọc Ánh"


LONG_WORD = "Phường" * 12  # one "word" wider than a 58 mm roll


def ticket_data(**extra):
    return {"office_name": "Ủy ban nhân dân phường An Hòa, thành phố Sa Đéc, tỉnh Đồng Tháp",
            "number": "A012", "service": "Hộ tịch — chứng thực", "issued_at":
            "09:00 Thứ Năm, 26/11/2026", "waiting_ahead": "3", "priority": True,
            "footer": "Vui lòng chờ gọi số. Xin cảm ơn!", **extra}


def receipt_data(**extra):
    return {"office_name": "UBND xã Tân Khánh Đông", "code": "000.00.14.H20-261126-0001",
            "applicant": LONG_NAME, "id_masked": "********1829", "phone": "0912345678",
            "procedure": "Cấp giấy xác nhận tình trạng hôn nhân (1.004873)",
            "papers": [{"name": "Tờ khai cấp Giấy xác nhận tình trạng hôn nhân theo mẫu",
                        "kind": "bản chính", "count": 1},
                       {"name": LONG_WORD, "kind": "bản sao", "count": 2}],
            "received_at": "09:00 Thứ Năm, 26/11/2026", "due_at": "17:00 Thứ Ba, 01/12/2026",
            "due_note": "", "fee": "21.000 đ", "officer": "Trần Thị Ửng",
            "lookup_data": "https://example.gov.vn/tra-cuu?ma=000.00.14.H20-261126-0001",
            "vietqr": "00020101021238570010A00000072701270006970415011300110019324180208"
                      "QRIBFTTA530370454061200005802VN62170813ung ho lu lut6304C15C",
            "vietqr_caption": "Lệ phí 21.000 đ — TK 0011001932418", **extra}


def decode_raster(data: bytes) -> Image.Image:
    """Rebuild the picture from every ``GS v 0`` block in an ESC/POS stream."""
    pieces = []
    pos = 0
    while True:
        pos = data.find(b"\x1dv0", pos)
        if pos < 0:
            break
        width_bytes = data[pos + 4] | data[pos + 5] << 8
        height = data[pos + 6] | data[pos + 7] << 8
        size = width_bytes * height
        block = data[pos + 8:pos + 8 + size]
        assert len(block) == size
        # ESC/POS raster: 1 = black; PIL mode "1": 1 = white
        pieces.append(Image.frombytes("1", (width_bytes * 8, height), bytes(
            b ^ 0xFF for b in block)))
        pos += 8 + size
    assert pieces, "no GS v 0 block"
    out = Image.new("1", (pieces[0].width, sum(p.height for p in pieces)), 1)
    y = 0
    for piece in pieces:
        out.paste(piece, (0, y))
        y += piece.height
    return out

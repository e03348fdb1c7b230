"""Render + encode speed of tickets and receipts, and their size in bytes.

    .venv/bin/python bench/print.py [--n 1000] [--profile generic-80]

1. Ticket: draw the layout with Pillow (1-bit, profile width) and encode it as
   ``GS v 0`` raster through python-escpos (``encode_raster``), N times with a
   different number each time; median / p99 per ticket and bytes per ticket.
2. Receipt (Mẫu 01, three QR codes: dossier code, lookup URL, VietQR): the same,
   with a different dossier code each time so no QR comes from the cache.
   Lines that repeat from slip to slip (office name, labels, footer) come from a
   cache after the first slip; the same two runs with the caches cleared before
   every slip show the cost of a cold start.
3. Baseline in the same run: the same ticket's text through python-escpos's own
   ``text()`` path (``set()`` + ``text()`` + ``cut()`` on a Dummy printer with
   the same profile), i.e. what a program that ignores Vietnamese would send.
   Its Vietnamese is wrong on most printers (docs/design.md §4); it is here to show
   what raster costs over text.
4. Also our own text mode (CP1258 with decomposed tone marks) for the ticket.

Targets (issue #3): ticket render+encode <= 20 ms p99, receipt <= 40 ms p99,
ticket <= 40 KB.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from benchutil import describe, machine, percentile  # noqa: E402
from escpos.printer import Dummy  # noqa: E402

from sadec_desk.printers import encode as enc  # noqa: E402
from sadec_desk.printers import render as rnd  # noqa: E402
from sadec_desk.printers.fonts import find_fonts  # noqa: E402
from sadec_desk.printers.profiles import get_profile  # noqa: E402


def ticket(i: int) -> dict:
    return {"office_name": "UBND phường An Hòa, thành phố Sa Đéc",
            "number": f"A{i % 1000:03d}", "service": "Hộ tịch — chứng thực",
            "issued_at": f"{8 + i % 9:02d}:{i % 60:02d} Thứ Năm, 26/11/2026",
            "waiting_ahead": str(i % 17), "priority": i % 5 == 0,
            "footer": "Vui lòng chờ gọi số. Xin cảm ơn!"}


def receipt(i: int) -> dict:
    from sadec_desk.domain.vietqr import build_vietqr

    code = f"000.00.14.H20-2611{26 + i // 10000:02d}-{i % 10000:04d}"
    return {"office_name": "UBND phường An Hòa, thành phố Sa Đéc", "code": code,
            "applicant": ["Nguyễn Thị Hoa", "Trần Văn Đức", "Lê Thị Ánh Tuyết Hồng Nhung"][i % 3],
            "id_masked": "********1829", "phone": "0912345678",
            "procedure": "Chứng thực bản sao từ bản chính (2.000815)",
            "papers": [{"name": "Bản chính giấy tờ, văn bản cần chứng thực bản sao",
                        "kind": "bản chính", "count": 1},
                       {"name": "Bản sao cần chứng thực", "kind": "bản sao", "count": 1 + i % 4}],
            "received_at": "09:00 Thứ Năm, 26/11/2026", "due_at": "17:00 Thứ Sáu, 27/11/2026",
            "due_note": "", "fee": "21.000 đ", "officer": "Trần Thị Ửng",
            "lookup_data": f"https://dichvucong.gov.vn/p/home/dvc-tra-cuu-ho-so.html?ma-ho-so={code}",
            "vietqr": build_vietqr("970415", "0011001932418", 21000 + i, code).payload,
            "vietqr_caption": "Lệ phí 21.000 đ — TK 0011001932418"}


def clear_caches() -> None:
    rnd.text_mask.cache_clear()
    rnd._wrap.cache_clear()
    rnd._length.cache_clear()
    rnd.qr_matrix.cache_clear()


def time_raster(kind: str, make, profile, n: int, cold: bool = False
                ) -> tuple[list[float], list[int]]:
    times, sizes = [], []
    fonts = find_fonts()
    for i in range(n):
        data = make(i)
        if cold:
            clear_caches()  # every line drawn from scratch, as for the first slip of the day
        start = time.perf_counter()
        image = rnd.render_named(kind, data, profile, fonts).image
        payload = enc.encode_raster(image, profile)
        times.append(time.perf_counter() - start)
        sizes.append(len(payload))
    return times, sizes


def time_escpos_text(profile, n: int) -> tuple[list[float], list[int]]:
    times, sizes = [], []
    escpos_profile = profile.escpos_profile()
    for i in range(n):
        data = ticket(i)
        start = time.perf_counter()
        p = Dummy(profile=escpos_profile)
        p.set(align="center", bold=True)
        p.text(data["office_name"] + "\n")
        p.set(align="center")
        p.text("SỐ THỨ TỰ CỦA BẠN\n")
        p.set(align="center", bold=True, double_height=True, double_width=True)
        p.text(data["number"] + "\n")
        p.set(align="center", bold=True)
        p.text(data["service"] + "\n")
        p.set(align="left")
        p.text(f"Lấy số lúc: {data['issued_at']}\n")
        p.text(f"Số người chờ trước bạn: {data['waiting_ahead']}\n")
        p.text(data["footer"] + "\n")
        p.cut()
        payload = p.output
        times.append(time.perf_counter() - start)
        sizes.append(len(payload))
    return times, sizes


def time_our_text(profile, n: int) -> tuple[list[float], list[int]]:
    times, sizes = [], []
    layout = rnd.load_layout("ticket")
    for i in range(n):
        data = ticket(i)
        start = time.perf_counter()
        payload = enc.encode_text(layout, data, profile, "cp1258")
        times.append(time.perf_counter() - start)
        sizes.append(len(payload))
    return times, sizes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--profile", default="generic-80")
    args = parser.parse_args()
    profile = get_profile(args.profile)
    print(f"machine: {machine('Pillow', 'python-escpos')}")
    print(f"profile: {profile.name} ({profile.width_dots} dots, {profile.dpi} dpi); "
          f"font: {find_fonts().regular}")
    # warm-up: font files, layout parsing, numpy/zxing imports
    time_raster("ticket", ticket, profile, 5)
    time_raster("receipt", receipt, profile, 5)

    t_times, t_sizes = time_raster("ticket", ticket, profile, args.n)
    r_times, r_sizes = time_raster("receipt", receipt, profile, args.n)
    tc_times, _sizes = time_raster("ticket", ticket, profile, args.n, cold=True)
    rc_times, _sizes = time_raster("receipt", receipt, profile, args.n, cold=True)
    b_times, b_sizes = time_escpos_text(profile, args.n)
    o_times, o_sizes = time_our_text(profile, args.n)
    print(describe("ticket render+encode (raster GS v 0)", t_times))
    print(describe("receipt render+encode (raster, 3 QR codes)", r_times))
    print(describe("ticket, line caches cleared before each", tc_times))
    print(describe("receipt, line caches cleared before each", rc_times))
    print(describe("baseline: ticket via python-escpos text()", b_times))
    print(describe("ticket text mode (CP1258, ours)", o_times))
    print(f"bytes per ticket (raster): median {statistics.median(t_sizes):,.0f}  "
          f"max {max(t_sizes):,}")
    print(f"bytes per receipt (raster): median {statistics.median(r_sizes):,.0f}  "
          f"max {max(r_sizes):,}")
    print(f"bytes per ticket (python-escpos text()): median {statistics.median(b_sizes):,.0f}")
    print(f"bytes per ticket (our text mode): median {statistics.median(o_sizes):,.0f}")
    ok = (percentile(t_times, 0.99) <= 0.020 and percentile(r_times, 0.99) <= 0.040
          and max(t_sizes) <= 40_000)
    print(f"targets (ticket p99 <= 20 ms, receipt p99 <= 40 ms, ticket <= 40 KB): "
          f"{'met' if ok else 'NOT met'}")


if __name__ == "__main__":
    main()

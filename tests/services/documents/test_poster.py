"""The A4 poster of procedure QR codes (issue #8 item 6), checked as a person would:
the PDF's page size, its text (pdftotext) and its codes read back from a rendering."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from appfixtures import make_ctx, run_cli, run_cli_json

from sadec_desk.adapters.qr_image import PYZBAR, ZXING, decode_qr_image
from sadec_desk.errors import InvalidInput
from sadec_desk.services import catalogue
from sadec_desk.services.documents import poster
from sadec_desk.services.documents.poster import PosterItem, layout

PORTAL = "https://dichvucong.dongthap.gov.vn/thu-tuc?ma={code}"
EXTRAS = {"Ứng dụng VNeID": "https://vneid.gov.vn/",
          "Thanh toán trực tuyến": "https://dichvucong.gov.vn/p/home/thanh-toan.html"}


def _pdf_pages(path: Path) -> tuple[int, str]:
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True,
                          timeout=60).stdout
    pages = int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))
    size = re.search(r"^Page size:\s+(.*)$", info, re.M).group(1)
    return pages, size


def _text(path: Path) -> str:
    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                         check=True, timeout=60).stdout
    return " ".join(out.split())


def _decoded_urls(path: Path, tmp_path: Path, decoder: str = ZXING) -> list[str]:
    """Every QR of every page, rendered at 150 dpi (a laser print is 300-600)."""
    subprocess.run(["pdftoppm", "-r", "150", "-gray", "-png", str(path),
                    str(tmp_path / "page")], check=True, timeout=120)
    urls = []
    for png in sorted(tmp_path.glob("page-*.png")):
        urls += [qr.text for qr in decode_qr_image(png, decoders=(decoder,))]
    return urls


def test_poster_is_one_a4_page_whose_codes_open_every_procedure_and_service(clock, tmp_path):
    ctx = make_ctx(clock, office__name="UBND phường An Hòa", kiosk__procedure_url=PORTAL,
                   poster__extra_links=EXTRAS)
    try:
        made = poster.make_poster(ctx, tmp_path / "poster.pdf")
        procedures = catalogue.list_procedures(ctx)
    finally:
        ctx.close()
    path = Path(made.path)
    assert path == tmp_path / "poster.pdf"  # no personal data: the name is kept as given
    assert made.pages == 1
    pages, size = _pdf_pages(path)
    assert pages == 1 and "(A4)" in size

    text = _text(path)
    assert "QUÉT MÃ QR ĐỂ NỘP HỒ SƠ TRỰC TUYẾN" in text
    assert "UBND PHƯỜNG AN HÒA" in text
    assert "In ngày 26/11/2026 · Cổng dịch vụ công: dichvucong.dongthap.gov.vn" in text
    assert len(procedures) == 10
    for p in procedures:
        assert p.name in text, p.name
        assert f"Mã TTHC: {p.code}" in text
    for caption in EXTRAS:
        assert caption in text

    expected = {PORTAL.format(code=p.code) for p in procedures} | set(EXTRAS.values())
    assert {i.url for i in made.items} == expected
    found = _decoded_urls(path, tmp_path)
    assert sorted(found) == sorted(expected)  # each code exactly once, none unreadable


def test_poster_codes_also_read_with_pyzbar(ctx, tmp_path):
    made = poster.make_poster(ctx, tmp_path / "p.pdf")
    found = _decoded_urls(Path(made.path), tmp_path, PYZBAR)
    assert sorted(found) == sorted(i.url for i in made.items)


def test_a_big_catalogue_continues_on_a_second_page(clock, tmp_path):
    extras = {f"Dịch vụ số {n}": f"https://dvc.example.vn/dich-vu/{n}" for n in range(1, 26)}
    ctx = make_ctx(clock, poster__extra_links=extras)
    try:
        made = poster.make_poster(ctx, tmp_path / "big.pdf")
    finally:
        ctx.close()
    assert made.pages == 2 == _pdf_pages(Path(made.path))[0]
    assert len(made.items) == 35
    text = _text(Path(made.path))
    assert "Trang 1/2" in text and "Trang 2/2" in text
    assert "Dịch vụ số 25" in text
    assert sorted(_decoded_urls(Path(made.path), tmp_path)) == sorted(i.url for i in made.items)


def test_layout_keeps_the_services_on_rows_of_their_own_and_picks_the_biggest_grid():
    def items(n_proc, n_serv):
        return tuple([PosterItem(f"p{i}", "", "https://x/", "procedure") for i in range(n_proc)]
                     + [PosterItem(f"s{i}", "", "https://x/", "service") for i in range(n_serv)])

    cols, pages = layout(items(10, 3))
    assert cols == 4 and len(pages) == 1
    assert [[i.kind[0] for i in row] for row in pages[0]] == [
        list("pppp"), list("pppp"), list("pp"), list("sss")]
    cols, pages = layout(items(3, 1))
    assert cols == 2 and [len(r) for r in pages[0]] == [2, 1, 1]
    cols, pages = layout(items(40, 0))
    assert cols == 4 and [len(p) for p in pages] == [5, 5]


def test_a_procedure_url_without_scheme_is_refused_when_set(clock):
    """config.CHECKS refuses it before any poster is made (issue #18 item 4)."""
    with pytest.raises(InvalidInput, match="kiosk.procedure_url"):
        make_ctx(clock, kiosk__procedure_url="dvc.example.vn/?ma={code}")


@pytest.mark.parametrize(("settings", "said"), [
    ({"kiosk__procedure_url": ""}, "Chưa đặt địa chỉ trang thủ tục"),
    ({"kiosk__procedure_url": "https://dvc.example.vn/thu-tuc"}, "thiếu chỗ ghi mã thủ tục"),
    ({"kiosk__procedure_url": "https://dvc.example.vn/{ma}?c={code}"}, "dấu ngoặc nhọn lạ"),
    ({"poster__extra_links": {"VNeID": "vneid app"}}, "poster.extra_links"),
])
def test_bad_settings_are_a_sentence_and_no_file(clock, tmp_path, settings, said):
    ctx = make_ctx(clock, **settings)
    try:
        with pytest.raises(InvalidInput) as caught:
            poster.make_poster(ctx, tmp_path / "poster.pdf")
    finally:
        ctx.close()
    assert said in str(caught.value)
    assert not (tmp_path / "poster.pdf").exists()


def test_cli_print_poster(capsys, tmp_path):
    out = tmp_path / "qr.pdf"
    data = run_cli_json(capsys, "print", "poster", "--out", str(out))
    assert data["path"] == str(out) and data["pages"] == 1 and len(data["items"]) == 13
    assert out.read_bytes().startswith(b"%PDF")

    code, text, _err = run_cli(capsys, "print", "poster")  # default: the data dir
    assert code == 0
    default = tmp_path / "data" / "poster" / "poster-ma-qr.pdf"
    assert str(default) in text and _pdf_pages(default)[0] == 1

    code, _out, err = run_cli(capsys, "print", "poster", "--out", str(tmp_path / "qr.png"))
    assert code == 2 and "phải có đuôi .pdf" in err
    run_cli(capsys, "config", "set", "kiosk.procedure_url", "")
    code, _out, err = run_cli(capsys, "print", "poster", "--out", str(out))
    assert code == 2 and "kiosk.procedure_url" in err and "Traceback" not in err

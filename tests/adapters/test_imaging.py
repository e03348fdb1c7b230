"""imaging.normalise_page: the stored form of a scanned or photographed page."""

from __future__ import annotations

import io
import struct
import time
import zlib

import numpy as np
import pytest
from pagesamples import askew, encode, on_scanner_bed, text_page
from PIL import Image

from sadec_desk.adapters import imaging
from sadec_desk.errors import InvalidInput


def decode(page: imaging.NormalisedPage) -> Image.Image:
    image = Image.open(io.BytesIO(page.data))
    image.load()
    return image


def test_same_input_gives_the_same_bytes_and_a_greyscale_page():
    data = encode(on_scanner_bed(askew(text_page(), 2.0)).convert("RGB"), "JPEG", quality=92)
    first = imaging.normalise_page(data)
    second = imaging.normalise_page(data)
    assert first.data == second.data
    image = decode(first)
    assert image.mode in ("L", "1")
    assert (image.width, image.height) == (first.width, first.height)
    assert first.media_type == ("image/png" if image.format == "PNG" else "image/jpeg")


def test_a_photo_is_bounded_in_pixels_and_bytes():
    # a noisy 6-megapixel phone photo: grey tones everywhere, nothing bilevel about it
    rng = np.random.default_rng(7)
    photo = rng.integers(60, 200, size=(2100, 2800, 3), dtype=np.uint8)
    data = encode(Image.fromarray(photo, "RGB"), "JPEG", quality=95)
    page = imaging.normalise_page(data, max_bytes=300_000)
    assert page.media_type == "image/jpeg"
    assert max(page.width, page.height) <= imaging.DEFAULT_MAX_LONG_SIDE
    assert len(page.data) <= 300_000
    assert decode(page).mode == "L"


def test_black_text_on_white_is_stored_as_a_small_bilevel_png():
    page_image = text_page(paper=255, ink=0).point(lambda v: 255 if v > 128 else 0)
    page = imaging.normalise_page(encode(page_image))
    assert page.media_type == "image/png"
    assert decode(page).mode == "1"
    assert len(page.data) < 120_000


def test_the_dark_scanner_bed_is_cropped_away():
    page_image = text_page(1000, 1414)
    scan = on_scanner_bed(page_image, border=150, bed=15)
    page = decode(imaging.normalise_page(encode(scan), deskew=False)).convert("L")
    pixels = np.asarray(page)
    # no dark bed left along any edge: each edge row/column is (almost all) paper
    for edge in (pixels[0, :], pixels[-1, :], pixels[:, 0], pixels[:, -1]):
        assert (edge < 100).mean() < 0.05
    assert page.width <= page_image.width and page.height <= page_image.height


def _text_line_angle(image: Image.Image) -> float:
    """The skew left in a page, measured independently of imaging.find_skew: the angle
    whose rotation gives the sharpest row profile, searched finely."""
    grey = np.asarray(image.convert("L"))
    ink = Image.fromarray(np.where(grey < 128, 255, 0).astype(np.uint8))
    ink.thumbnail((700, 700))

    def score(angle):
        rows = np.asarray(ink.rotate(angle, fillcolor=0), dtype=np.float64).sum(axis=1)
        return np.square(np.diff(rows)).sum()

    return max((a / 10 for a in range(-45, 46)), key=score)


def test_a_page_scanned_3_degrees_askew_comes_out_level():
    page_image = text_page(1240, 1754, lines=30)
    rotated = askew(page_image, 3.0)
    assert abs(_text_line_angle(rotated) + 3.0) <= 0.3  # the sample really is askew
    tilted = on_scanner_bed(rotated, border=80)
    started = time.perf_counter()
    page = imaging.normalise_page(encode(tilted))
    spent = time.perf_counter() - started
    assert abs(_text_line_angle(decode(page))) <= 0.3
    assert spent < 5.0  # measured ~0.3 s on this machine; a generous bound for CI


def test_a_level_page_is_not_rotated():
    plain = text_page(1240, 1754)
    assert imaging.find_skew(plain) == 0.0


def test_exif_orientation_is_applied():
    # a phone held sideways stores the picture landscape with Orientation = 6 (rotate 90° CW)
    upright = text_page(900, 1272, lines=10, label="TRÊN CÙNG")
    stored = upright.rotate(90, expand=True)  # what the sensor wrote: landscape
    exif = Image.Exif()
    exif[0x0112] = 6
    data = encode(stored.convert("RGB"), "JPEG", quality=90, exif=exif.tobytes())
    page = decode(imaging.normalise_page(data, deskew=False)).convert("L")
    assert page.height > page.width  # upright again: portrait
    pixels = np.asarray(page)
    # the bold heading is near the top, not at a side
    top_ink = (pixels[: page.height // 4] < 100).mean()
    bottom_ink = (pixels[-page.height // 4:] < 100).mean()
    assert top_ink > bottom_ink


@pytest.mark.parametrize("mode", ["RGBA", "P", "I;16", "1", "CMYK"])
def test_other_image_modes_become_greyscale(mode):
    base = text_page(400, 566, lines=8)
    if mode == "I;16":
        image = Image.fromarray(np.asarray(base, dtype=np.uint16) * 257)
        data = encode(image, "PNG")
    elif mode == "CMYK":
        data = encode(base.convert("RGB").convert("CMYK"), "TIFF")
    else:
        data = encode(base.convert(mode), "PNG" if mode != "CMYK" else "TIFF")
    page = imaging.normalise_page(data)
    assert decode(page).mode in ("L", "1")
    assert np.asarray(decode(page).convert("L")).mean() > 150  # still white paper, not black


def test_pnm_and_tiff_from_scanimage_are_accepted():
    base = text_page(400, 566, lines=8)
    for fmt in ("PPM", "TIFF"):
        page = imaging.normalise_page(encode(base, fmt))
        assert page.width > 100


@pytest.mark.parametrize("data", [b"", b"not an image at all", b"\x89PNG\r\n\x1a\n" + b"\0" * 50,
                                  encode(Image.new("L", (200, 200), 255), "GIF")])
def test_bad_input_says_what_to_do(data):
    with pytest.raises(InvalidInput) as caught:
        imaging.normalise_page(data)
    message = str(caught.value)
    assert "ảnh" in message and ("chụp lại" in message or "quét" in message)


def test_a_truncated_jpeg_is_refused():
    data = encode(text_page(400, 566).convert("RGB"), "JPEG")
    with pytest.raises(InvalidInput, match="Tệp không phải ảnh"):
        imaging.normalise_page(data[: len(data) // 3])


def test_a_decompression_bomb_is_refused_before_decoding():
    # a tiny PNG whose header claims 20000×20000 pixels (IHDR patched, CRC fixed)
    small = encode(Image.new("1", (8, 8), 1), "PNG")
    ihdr = b"IHDR" + struct.pack(">II", 20000, 20000) + small[24:29]
    bomb = small[:12] + ihdr + struct.pack(">I", zlib.crc32(ihdr)) + small[33:]
    assert struct.unpack(">II", bomb[16:24]) == (20000, 20000)
    with pytest.raises(InvalidInput, match="quá lớn"):
        imaging.normalise_page(bomb)


def test_thumbnail_is_a_small_png():
    page = imaging.normalise_page(encode(text_page()))
    thumb = Image.open(io.BytesIO(imaging.thumbnail_png(page.data, 120)))
    assert thumb.format == "PNG" and max(thumb.size) == 120

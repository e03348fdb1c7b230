"""imaging.normalise_page: the stored form of a scanned or photographed page."""

from __future__ import annotations

import functools
import io
import struct
import threading
import time
import zlib

import numpy as np
import pytest
from pagesamples import askew, encode, on_scanner_bed, text_page
from PIL import Image

from sadec_desk.adapters import imaging, png_overlap
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


# --- the faster pipeline (issue #16.5) gives the pages the old one gave -------------------
# page_reference.reference_normalise_page is the algorithm as it was before the pipeline
# was made to decide everything on one reduced copy and resample the page once.


def _coarse_difference(new: Image.Image, old: Image.Image) -> float:
    """Mean grey difference of the two pages at 1/8 scale, once aligned: the two
    pipelines place the margin box from copies of different resolution, so the pages may
    be offset by a few pixels; what is compared is the content, not that offset. The
    offset (up to 12 px each way) is the one that best matches the row and column
    profiles."""
    a = np.asarray(new.convert("L"), dtype=np.float32)
    b = np.asarray(old.convert("L"), dtype=np.float32)

    def offset(pa: np.ndarray, pb: np.ndarray) -> int:
        n = min(len(pa), len(pb)) - 24
        return min(range(-12, 13), key=lambda d: float(np.abs(pa[12:12 + n]
                                                               - pb[12 + d:12 + d + n]).mean()))

    dy = offset(a.mean(axis=1), b.mean(axis=1))
    dx = offset(a.mean(axis=0), b.mean(axis=0))
    h, w = min(a.shape[0], b.shape[0]) - 24, min(a.shape[1], b.shape[1]) - 24
    a, b = a[12:12 + h, 12:12 + w], b[12 + dy:12 + dy + h, 12 + dx:12 + dx + w]
    h, w = h // 8 * 8, w // 8 * 8
    a = a[:h, :w].reshape(h // 8, 8, w // 8, 8).mean(axis=(1, 3))
    b = b[:h, :w].reshape(h // 8, 8, w // 8, 8).mean(axis=(1, 3))
    return float(np.abs(a - b).mean())


def _sharpness(image: Image.Image) -> float:
    pixels = np.asarray(image.convert("L"), dtype=np.float32)
    return float(np.abs(np.diff(pixels, axis=1)).mean() + np.abs(np.diff(pixels, axis=0)).mean())


def _phone_photo() -> bytes:
    upright = text_page(1500, 2120, lines=28, label="TRÊN CÙNG")
    exif = Image.Exif()
    exif[0x0112] = 6
    return encode(askew(upright, -2.0).rotate(90, expand=True).convert("RGB"), "JPEG",
                  quality=90, exif=exif.tobytes())


QUALITY_SAMPLES = {
    "A4 300 dpi on the scanner bed, 1.4° askew (PNG)":
        lambda: encode(on_scanner_bed(askew(text_page(2320, 3280, lines=40), 1.4), border=80)),
    "150 dpi, 3° askew the other way (PNG)":
        lambda: encode(on_scanner_bed(askew(text_page(), -3.0), border=60)),
    "4.6° askew, near the search limit (PNG)":
        lambda: encode(askew(text_page(), 4.6)),
    "level page (RGB JPEG)": lambda: encode(text_page().convert("RGB"), "JPEG", quality=92),
    "phone photo turned by EXIF, 2° askew (JPEG)": _phone_photo,
    "black-and-white text (bilevel PNG)":
        lambda: encode(text_page(paper=255, ink=0).point(lambda v: 255 if v > 128 else 0)),
}


@pytest.mark.parametrize("name", list(QUALITY_SAMPLES))
def test_the_fast_pipeline_gives_the_page_the_old_one_gave(name):
    from page_reference import reference_normalise_page

    data = QUALITY_SAMPLES[name]()
    new, old = imaging.normalise_page(data), reference_normalise_page(data)
    assert new.media_type == old.media_type
    new_image, old_image = decode(new), decode(old)
    assert new_image.mode == old_image.mode
    # same size within a few pixels (the margin is placed from a 700-pixel copy)
    assert abs(new.width - old.width) <= max(6, old.width // 100)
    assert abs(new.height - old.height) <= max(6, old.height // 100)
    # as level as the old page, measured independently of find_skew
    new_angle, old_angle = _text_line_angle(new_image), _text_line_angle(old_image)
    assert abs(new_angle) <= 0.3 and abs(new_angle - old_angle) <= 0.2
    # the same content, and not blurrier
    assert _coarse_difference(new_image, old_image) <= 6.0
    assert _sharpness(new_image) >= 0.93 * _sharpness(old_image)


def test_the_page_comparison_tells_a_different_page_apart():
    """The tolerance above is not so loose that a page left askew would pass."""
    from page_reference import reference_normalise_page

    data = QUALITY_SAMPLES["150 dpi, 3° askew the other way (PNG)"]()
    levelled = decode(reference_normalise_page(data))
    left_askew = decode(reference_normalise_page(data, deskew=False))
    assert _coarse_difference(left_askew, levelled) > 12.0
    other_page = decode(reference_normalise_page(encode(askew(text_page(lines=12), -3.0))))
    assert _coarse_difference(other_page, levelled) > 12.0


@pytest.mark.parametrize("kind", ["grey scan", "black-and-white"])
def test_the_resampling_split_over_threads_gives_the_same_bytes(monkeypatch, kind):
    """The skewed page's transform runs in bands on several threads, each also taking its
    band's mid-grey pixels (the bilevel test's): the page must be byte for byte the one a
    single call gives (the content address depends on it), for a grey and a line-art
    scan."""
    if kind == "grey scan":
        data = encode(on_scanner_bed(askew(text_page(1240, 1754, lines=30), 1.7), border=50))
    else:  # a line-art scan, askew: black and white only
        page = askew(text_page(1240, 1754, lines=30, paper=255, ink=0), 1.7, paper=255)
        data = encode(page.point(lambda v: 255 if v > 128 else 0))
    # the mid-grey count the bands add up is the page's own, as its histogram gives it
    # (checked where the test takes it)
    taken = []
    real_is_bilevel = imaging._is_bilevel

    def checked_is_bilevel(image, mid_grey=None):
        taken.append(mid_grey)
        assert mid_grey is None or mid_grey == sum(image.histogram()[48:208])
        return real_is_bilevel(image, mid_grey)

    monkeypatch.setattr(imaging, "_is_bilevel", checked_is_bilevel)
    monkeypatch.setattr(imaging, "TRANSFORM_THREADS", 3)
    banded = imaging.normalise_page(data)
    assert taken and taken[0] is not None  # the banded path did hand its count over
    monkeypatch.setattr(imaging, "TRANSFORM_THREADS", 1)
    single = imaging.normalise_page(data)
    assert banded.data == single.data and banded.media_type == single.media_type
    assert (banded.width, banded.height) == (single.width, single.height)


@pytest.mark.parametrize("raster", ["PPM", "BMP"])
def test_the_scanners_raster_gives_the_bytes_the_png_gives(raster):
    """The scanner hands over PNM (SANE) or BMP (WIA) instead of PNG, to be decoded once:
    the stored page must be byte for byte the one the same page as a PNG gives."""
    scan = on_scanner_bed(askew(text_page(1240, 1754, lines=30), 1.7), border=50)
    from_png = imaging.normalise_page(encode(scan, "PNG"))
    from_raster = imaging.normalise_page(encode(scan, raster))
    assert from_raster.data == from_png.data and from_raster.media_type == from_png.media_type


def test_a_page_decoded_once_normalises_to_the_same_bytes():
    data = encode(on_scanner_bed(askew(text_page(1240, 1754, lines=30), -1.2), border=50))
    decoded = imaging.decode_page(data, max_long_side=1200)
    assert max(decoded.grey.size) <= 2 * 1200 and decoded.grey.mode == "L"
    page = imaging.normalise_page(decoded, max_long_side=1200)
    assert page.data == imaging.normalise_page(data, max_long_side=1200).data
    assert imaging.normalise_page(decoded, max_long_side=1200).data == page.data  # reusable
    with pytest.raises(ValueError):  # decoded for another size: a programming error
        imaging.normalise_page(decoded, max_long_side=2339)


def test_the_deskew_resampling_is_as_sharp_as_a_bicubic_one(monkeypatch):
    """A skewed page is resampled bilinearly and sharpened (cheaper than Pillow's bicubic
    transform): the page must be as sharp as the bicubic transform of the same region,
    not oversharpened, and the same picture within about a grey level."""
    data = encode(on_scanner_bed(askew(text_page(2320, 3280, lines=40), 1.4), border=80))
    calls = []
    real_affine = imaging._affine

    def recorded_affine(grey, crop, size, matrix):
        page, mid_grey = real_affine(grey, crop, size, matrix)
        calls.append((grey.crop(crop), size, matrix, page))
        return page, mid_grey

    monkeypatch.setattr(imaging, "_affine", recorded_affine)
    imaging.normalise_page(data)
    assert len(calls) == 1  # the page was askew and turned
    source, size, matrix, page = calls[0]
    bicubic = source.transform(size, Image.Transform.AFFINE, matrix,
                               resample=Image.Resampling.BICUBIC, fillcolor=255)
    assert 0.97 <= _sharpness(page) / _sharpness(bicubic) <= 1.08
    difference = np.abs(np.asarray(page, dtype=np.float32) - np.asarray(bicubic, dtype=np.float32))
    assert float(difference.mean()) <= 1.5
    # a plain bilinear page would fail the first check: the sharpening is what passes it
    bilinear = source.transform(size, Image.Transform.AFFINE, matrix,
                                resample=Image.Resampling.BILINEAR, fillcolor=255)
    assert _sharpness(bilinear) / _sharpness(bicubic) < 0.97


# --- a PNG file's decode, inflated on a second thread (png_overlap.load_overlapped) ---

def _plain_decode(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def _png_chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    chunks, pos = [], 8
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        chunks.append((kind, data[pos + 8:pos + 8 + length]))
        pos += 12 + length
    return chunks


def _png_of(chunks: list[tuple[bytes, bytes]]) -> bytes:
    return b"\x89PNG\r\n\x1a\n" + b"".join(
        struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        for kind, body in chunks)


def _rechunked(data: bytes, size: int, after_idat: list[tuple[bytes, bytes]] = ()) -> bytes:
    """The PNG ``data`` with its image data in IDAT chunks of ``size`` bytes (libpng
    writes 8 KiB ones, Pillow 64 KiB), and ``after_idat`` chunks between them and IEND."""
    chunks = _png_chunks(data)
    stream = b"".join(body for kind, body in chunks if kind == b"IDAT")
    before = [c for c in chunks if c[0] not in (b"IDAT", b"IEND")]
    idats = [(b"IDAT", stream[i:i + size]) for i in range(0, len(stream), size)]
    return _png_of(before + idats + list(after_idat) + [(b"IEND", b"")])


@pytest.fixture
def overlapped(monkeypatch):
    """Every PNG taken the overlapped way, in small pieces (several per file); the list
    it gives records each overlapped decode: True when it returned its image, False when
    it failed (and the plain decode answered)."""
    monkeypatch.setattr(imaging, "TRANSFORM_THREADS", 2)
    monkeypatch.setattr(png_overlap, "PNG_OVERLAP_MIN_PIXELS", 0)
    monkeypatch.setattr(png_overlap, "_STORED_PIECE", 5000)
    outcomes: list[bool] = []
    real = png_overlap.load_overlapped

    def recorded(data, idats, raw_size):
        try:
            image = real(data, idats, raw_size)
        except Exception:
            outcomes.append(False)
            raise
        outcomes.append(True)
        return image

    monkeypatch.setattr(png_overlap, "load_overlapped", recorded)
    return outcomes


def _noisy_scan(width: int = 600, height: int = 800) -> Image.Image:
    # text with noise, so the image data is many KiB compressed (several pieces and chunks)
    noise = np.random.default_rng(5).integers(-12, 13, size=(height, width))
    pixels = np.asarray(text_page(width, height, lines=10), dtype=np.int16) + noise
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "L")


@functools.cache
def _png_kinds() -> dict[str, bytes]:
    grey = _noisy_scan()
    rgb = Image.merge("RGB", (grey, grey.point(lambda v: v // 2), grey.transpose(
        Image.Transpose.FLIP_LEFT_RIGHT)))
    rgba = rgb.copy()
    rgba.putalpha(grey.point(lambda v: 255 - v // 3))
    palette = rgb.convert("P", palette=Image.Palette.ADAPTIVE, colors=64)
    grey_alpha = grey.convert("LA")
    out = io.BytesIO()
    palette.save(out, "PNG", transparency=3)
    return {
        "8-bit grey": encode(grey),
        "16-bit grey": encode(Image.fromarray(np.asarray(grey, dtype=np.uint16) * 257)),
        "RGB": encode(rgb),
        "RGBA": encode(rgba),
        "palette with a transparent entry": out.getvalue(),
        "grey with alpha": encode(grey_alpha),
        "1-bit": encode(grey.point(lambda v: 255 if v > 128 else 0).convert("1")),
        "8 KiB IDAT chunks, text after them": _rechunked(
            encode(grey), 8192, [(b"tEXt", b"Comment\x00after the image data")]),
    }


@pytest.mark.parametrize("kind", list(_png_kinds()))
def test_the_overlapped_png_decode_gives_the_plain_decodes_image(overlapped, kind):
    data = _png_kinds()[kind]
    image = imaging.open_image(data)
    assert overlapped == [True]  # the overlapped way gave it, no fallback
    plain = _plain_decode(data)
    assert image.mode == plain.mode and image.size == plain.size
    assert image.tobytes() == plain.tobytes()
    assert image.info == plain.info
    if plain.mode == "P":
        assert image.getpalette() == plain.getpalette()
    # and the same greyscale page from it (transparency over white, 16 bits scaled)
    assert imaging.to_grey(image).tobytes() == imaging.to_grey(plain).tobytes()


def test_a_png_turned_by_its_exif_orientation_is_turned_when_overlapped(overlapped):
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: turn 90° clockwise to show
    out = io.BytesIO()
    _noisy_scan().save(out, "PNG", exif=exif)
    data = out.getvalue()
    page = imaging.decode_page(data)
    assert overlapped == [True]
    plain = _plain_decode(data)
    assert page.grey.size == (plain.height, plain.width)
    assert page.grey.tobytes() == plain.transpose(Image.Transpose.ROTATE_270).tobytes()


def test_a_png_scan_gives_the_same_page_overlapped_or_not(monkeypatch):
    data = encode(on_scanner_bed(askew(text_page(1240, 1754, lines=30), 1.7), border=50))
    monkeypatch.setattr(imaging, "TRANSFORM_THREADS", 2)
    monkeypatch.setattr(png_overlap, "PNG_OVERLAP_MIN_PIXELS", 0)
    overlapped_page = imaging.normalise_page(data)
    monkeypatch.setattr(png_overlap, "PNG_OVERLAP_MIN_PIXELS", 10**12)  # never
    plain_page = imaging.normalise_page(data)
    assert overlapped_page == plain_page


@functools.cache
def _damaged_pngs() -> dict[str, bytes]:
    data = _rechunked(encode(_noisy_scan()), 8192)
    chunks = _png_chunks(data)
    idat = [i for i, (kind, _) in enumerate(chunks) if kind == b"IDAT"]
    middle = idat[len(idat) // 2]
    flipped = list(chunks)
    body = bytearray(flipped[middle][1])
    for i in range(0, len(body), 97):
        body[i] ^= 0x5A
    flipped[middle] = (b"IDAT", bytes(body))
    bad_check = list(chunks)  # the zlib trailer (Adler-32 of the rows) wrong, CRC right
    last = bad_check[idat[-1]][1]
    bad_check[idat[-1]] = (b"IDAT", last[:-4] + bytes(b ^ 0xFF for b in last[-4:]))
    # the rows, then as much again: what a decompression bomb hidden in the image data
    # does (Pillow stops at the last row; the overlapped decode must not inflate it all)
    image = _plain_decode(data)
    rows = b"".join(b"\x00" + image.tobytes()[y * image.width:(y + 1) * image.width]
                    for y in range(image.height))
    too_long = zlib.compress(rows * 2)
    before = [c for c in chunks if c[0] not in (b"IDAT", b"IEND")]
    return {
        "more image data than rows": _png_of(before + [(b"IDAT", too_long), (b"IEND", b"")]),
        "cut inside a chunk": data[:len(data) // 2],
        "cut after an IDAT chunk": _png_of(chunks[:middle]),
        "image data scrambled": _png_of(flipped),
        "an IDAT chunk missing": _png_of(chunks[:middle] + chunks[middle + 1:]),
        "no end to the zlib stream": _png_of(chunks[:idat[-1]] + chunks[idat[-1] + 1:]),
        "wrong Adler-32": _png_of(bad_check),
    }


@pytest.mark.parametrize("kind", list(_damaged_pngs()))
def test_a_damaged_png_gives_what_the_plain_decode_gives(overlapped, monkeypatch, kind):
    """A broken PNG must fail as before (InvalidInput, not a hang or another error): the
    inflating thread stops at the flaw, Pillow's read of the stream ends short, and the
    plain decode, tried then, gives its own answer (Pillow 13 refuses all of these, the
    wrong Adler-32 too; a file it read in spite of a flaw would come out the same)."""
    data = _damaged_pngs()[kind]
    try:
        expected: Image.Image | str = _plain_decode(data)
    except Exception:
        expected = "refused"
    try:
        got: Image.Image | str = imaging.open_image(data)
    except InvalidInput as error:
        assert error.code == "not_an_image"
        got = "refused"
    if kind in ("cut inside a chunk", "cut after an IDAT chunk", "image data scrambled"):
        assert expected == got == "refused"
    if isinstance(expected, str):
        assert got == "refused"
    else:
        assert isinstance(got, Image.Image) and got.tobytes() == expected.tobytes()
    # the overlapped decode was tried (a chunk cut short is refused before), and left
    # no thread behind
    assert overlapped or kind == "cut inside a chunk"
    if kind == "more image data than rows":
        assert overlapped == [False]  # the inflating thread gave up past the rows
    assert not [t for t in threading.enumerate() if t.name == "sadec-png"]


@pytest.mark.parametrize("case", ["one core", "small", "too big", "interlaced"])
def test_some_pngs_are_decoded_the_plain_way(monkeypatch, case):
    monkeypatch.setattr(imaging, "TRANSFORM_THREADS", 1 if case == "one core" else 2)
    monkeypatch.setattr(png_overlap, "PNG_OVERLAP_MIN_PIXELS", 10**9 if case == "small" else 0)
    if case == "too big":
        monkeypatch.setattr(png_overlap, "PNG_OVERLAP_MAX_RAW", 100_000)
    calls = []
    monkeypatch.setattr(png_overlap, "load_overlapped", lambda *args: calls.append(args))
    data = encode(_noisy_scan())
    if case == "interlaced":  # Pillow writes no Adam7 PNG: the IHDR flag, for the check
        ihdr = data[12:28] + b"\x01"
        data = data[:12] + ihdr + struct.pack(">I", zlib.crc32(ihdr)) + data[33:]
        assert png_overlap.png_layout(data) is None
        return
    assert imaging.open_image(data).tobytes() == _plain_decode(data).tobytes()
    assert calls == []

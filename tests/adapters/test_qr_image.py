"""Reading QR codes from images (sadec_desk.adapters.qr_image, docs/design.md §3.5)."""

import importlib.util
import io
import logging
import sys
import unicodedata
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageFilter

from sadec_desk.adapters import qr_image
from sadec_desk.adapters.qr_image import (
    PYZBAR,
    ZXING,
    DecodedQR,
    QrImageError,
    decode_first,
    decode_qr_image,
    read_with,
    repair_zbar_text,
    to_grey,
)
from sadec_desk.errors import InvalidInput


def _load_samples():
    # tests/ is not a package; load the shared generator by path so that the
    # import works whatever pytest's import mode.
    path = Path(__file__).resolve().parents[1] / "support" / "qr_samples.py"
    spec = importlib.util.spec_from_file_location("qr_samples", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("qr_samples", module)
    spec.loader.exec_module(module)
    return module


qr_samples = _load_samples()

CARD = "034303011829||Nguyễn Thị Hoa|21032003|Nữ|Thôn Lai Ổn, An Quý, Quỳnh Phụ, Thái Bình|14082021"
# ZBar reads this name as Shift-JIS: "Tr蘯ｧn Vﾄハ ﾄ雪ｻｩc"
CARD_DUC = (
    "079203001234|212345678|Trần Văn Đức|05112003|Nam|Khóm 3, Phường 1, Sa Đéc, Đồng Tháp"
    "|01022022||||"
)
NO_QR_MESSAGE = (
    "Không tìm thấy mã QR trong ảnh. Hãy chụp lại gần hơn, đủ sáng, mã QR nằm trọn trong khung."
)

needs_pyzbar = pytest.mark.skipif(
    PYZBAR not in qr_image.available_decoders(),
    reason="libzbar cannot be loaded (apt-get install libzbar0): pyzbar path not testable",
)


def _on_canvas(img: Image.Image, background: int = 235) -> Image.Image:
    """Centre ``img`` on a 640×480 greyscale frame."""
    frame = Image.new("L", (640, 480), background)
    frame.paste(img, ((640 - img.width) // 2, (480 - img.height) // 2))
    return frame


def _small(text: str, px_per_module: float) -> Image.Image:
    big = qr_samples.render_qr(text, px_per_module=4)
    modules = qr_samples.qr_matrix(text).shape[0] + 8  # with the 4-module quiet zone
    side = int(modules * px_per_module)
    return _on_canvas(big.resize((side, side), Image.Resampling.LANCZOS))


# ---------------------------------------------------------------- clean codes


def test_clean_card_code_decodes_to_exact_nfc_text():
    found = decode_qr_image(qr_samples.render_qr(CARD))

    assert len(found) == 1
    qr = found[0]
    assert isinstance(qr, DecodedQR)
    assert qr.text == CARD
    assert unicodedata.is_normalized("NFC", qr.text)
    assert qr.raw == CARD.encode("utf-8")
    assert qr.decoder == ZXING
    assert qr.stage == "grey"


def test_decomposed_text_is_normalised_to_nfc():
    nfd = unicodedata.normalize("NFD", "Nguyễn Thị Hoa")
    assert nfd != "Nguyễn Thị Hoa"

    qr = decode_first(qr_samples.render_qr(nfd))

    assert qr.text == "Nguyễn Thị Hoa"
    assert qr.raw == nfd.encode("utf-8")  # raw keeps what the code holds


def test_zxing_path_reads_vietnamese_name_exactly():
    found = decode_qr_image(qr_samples.render_qr(CARD_DUC), decoders=(ZXING,))

    assert [(qr.text, qr.decoder) for qr in found] == [(CARD_DUC, ZXING)]
    assert found[0].raw == CARD_DUC.encode("utf-8")


@needs_pyzbar
@pytest.mark.parametrize("text", ["Trần Văn Đức", CARD_DUC, "Bùi Bảo Hương", "Lê Ánh Hồng"])
def test_pyzbar_path_undoes_zbar_charset_guess(text):
    found = decode_qr_image(qr_samples.render_qr(text), decoders=(PYZBAR,))

    assert [(qr.text, qr.decoder, qr.stage) for qr in found] == [(text, PYZBAR, "grey")]
    assert found[0].raw == text.encode("utf-8")


@needs_pyzbar
def test_plain_pyzbar_really_returns_mojibake_for_this_name():
    # Documents the pitfall the repair exists for (docs/design.md §3.5).
    from pyzbar import pyzbar

    (code,) = pyzbar.decode(qr_samples.render_qr("Trần Văn Đức"))
    assert code.data.decode("utf-8") != "Trần Văn Đức"


@pytest.mark.parametrize(
    ("guessed", "expected"),
    [
        ("Tr蘯ｧn Vﾄハ ﾄ雪ｻｩc", "Trần Văn Đức"),  # Shift-JIS guess
        ("B羅i B廕υ H\uf6c0\uf6b1ng", "Bùi Bảo Hương"),  # Big5 guess, glibc's private-use area
        ("Nguy\xe1\xbb\x85n", "Nguyễn"),  # Latin-1 guess
        ("Nguyễn Thị Hoa", "Nguyễn Thị Hoa"),  # guessed right: unchanged
        ("000.00.14.H20-200703-0002", "000.00.14.H20-200703-0002"),
    ],
)
def test_repair_zbar_text(guessed, expected):
    text, raw = repair_zbar_text(guessed)

    assert text == expected
    assert raw == expected.encode("utf-8")


def _glibc_iconv():
    """A function converting bytes to text with glibc's iconv, as ZBar does, or None."""
    import ctypes
    import ctypes.util

    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.gnu_get_libc_version  # noqa: B018 - glibc only
    except (OSError, AttributeError):
        return None
    libc.iconv_open.restype = ctypes.c_void_p
    libc.iconv_open.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
    libc.iconv.restype = ctypes.c_size_t
    pp, psize = ctypes.POINTER(ctypes.c_char_p), ctypes.POINTER(ctypes.c_size_t)
    libc.iconv.argtypes = [ctypes.c_void_p, pp, psize, pp, psize]
    failed = ctypes.c_size_t(-1).value

    def convert(charset: str, data: bytes) -> str | None:
        cd = libc.iconv_open(b"UTF-8", charset.encode())
        if cd in (None, failed):
            return None
        try:
            src = ctypes.create_string_buffer(data, len(data))
            dst = ctypes.create_string_buffer(4 * len(data) + 16)
            src_p, dst_p = (
                ctypes.c_char_p(ctypes.addressof(src)),
                ctypes.c_char_p(ctypes.addressof(dst)),
            )
            src_left, dst_left = ctypes.c_size_t(len(data)), ctypes.c_size_t(len(dst))
            result = libc.iconv(cd, src_p, src_left, dst_p, dst_left)
            if result == failed or src_left.value:
                return None
            return dst.raw[: len(dst) - dst_left.value].decode("utf-8")
        finally:
            libc.iconv_close(ctypes.c_void_p(cd))

    return convert


def _vietnamese_letters() -> list[str]:
    letters = set()
    for base in "aăâeêioôơuưyAĂÂEÊIOÔƠUƯY":
        for mark in ("", "\u0300", "\u0301", "\u0309", "\u0303", "\u0323"):
            letters.add(unicodedata.normalize("NFC", base + mark))
    return sorted(letters | set("đĐ"))


def test_repair_undoes_every_guess_glibc_iconv_can_make():
    # ZBar converts with iconv from SJIS, BIG-5 or ISO8859-1; whichever it
    # picked, the repair must give the UTF-8 text back. Every pair of
    # Vietnamese letters covers every lead/trail byte combination they make.
    convert = _glibc_iconv()
    if convert is None:
        pytest.skip("needs glibc's iconv (what ZBar uses on Linux)")
    letters = _vietnamese_letters()
    checked = 0
    for charset in ("SJIS", "BIG-5", "ISO8859-1"):
        for first in letters:
            for second in letters:
                text = f"{first}{second} {second}n"
                guessed = convert(charset, text.encode("utf-8"))
                if guessed is None:
                    continue  # iconv fails, so ZBar would not pick this charset
                checked += 1
                assert repair_zbar_text(guessed) == (text, text.encode("utf-8")), (charset, text)
    assert checked > 20_000


def test_cjk_text_is_rejected_as_a_failed_charset_guess():
    assert decode_qr_image(qr_samples.render_qr("漢字のテキスト")) == []


@needs_pyzbar
def test_cjk_from_first_decoder_gives_the_other_decoder_its_turn(monkeypatch):
    def mojibake_zxing(grey):
        return [("Tr蘯ｧn Vﾄハ ﾄ雪ｻｩc", "Tr蘯ｧn Vﾄハ ﾄ雪ｻｩc".encode())]

    monkeypatch.setitem(qr_image._READERS, ZXING, mojibake_zxing)

    (qr,) = decode_qr_image(qr_samples.render_qr("Trần Văn Đức"), decoders=(ZXING, PYZBAR))

    assert (qr.text, qr.decoder) == ("Trần Văn Đức", PYZBAR)


@needs_pyzbar
def test_cjk_from_zxing_gives_zbar_its_turn_in_the_fast_pipeline(monkeypatch):
    image = qr_samples.render_qr("Trần Văn Đức")
    mojibake = "Tr蘯ｧn Vﾄハ ﾄ雪ｻｩc"
    calls = []

    def mojibake_zxing(grey, *, downscale=True):
        # located (the whole picture) and "read" with a failed charset guess
        calls.append(grey.shape)
        return [(mojibake, mojibake.encode(), (0, 0, grey.shape[1] - 1, grey.shape[0] - 1))]

    monkeypatch.setattr(qr_image, "_scan_zxing", mojibake_zxing)

    (qr,) = decode_qr_image(image)

    assert (qr.text, qr.decoder) == ("Trần Văn Đức", PYZBAR)
    assert len(calls) > 3  # the whole-frame passes and the region's before ZBar


def test_receipt_code_decodes():
    code = qr_samples.DOSSIER_CODE_EXAMPLE  # 000.00.14.H20-200703-0002

    assert decode_first(qr_samples.render_qr(code)).text == code


@needs_pyzbar
def test_receipt_code_decodes_with_pyzbar():
    code = qr_samples.DOSSIER_CODE_EXAMPLE
    found = decode_qr_image(qr_samples.render_qr(code), decoders=(PYZBAR,))

    assert [qr.text for qr in found] == [code]


def test_two_codes_in_one_image_are_both_returned():
    left = qr_samples.render_qr(CARD)
    right = qr_samples.render_qr(qr_samples.DOSSIER_CODE_EXAMPLE)
    frame = Image.new("L", (left.width + right.width + 40, max(left.height, right.height)), 255)
    frame.paste(left, (0, 0))
    frame.paste(right, (left.width + 40, 0))

    texts = {qr.text for qr in decode_qr_image(frame)}

    assert texts == {CARD, qr_samples.DOSSIER_CODE_EXAMPLE}


# ------------------------------------------------------------- fallback stages


def test_small_code_needs_the_upscale_stage():
    frame = _small(CARD, 1.22)  # ~1.2 px per module

    assert decode_qr_image(frame, max_stages=1) == []
    qr = decode_first(frame)
    assert (qr.text, qr.stage) == (CARD, "upscale2x")


@needs_pyzbar
def test_small_code_needs_the_upscale_stage_with_pyzbar():
    frame = _small(CARD, 1.7)  # ZBar needs about 2 px per module

    assert read_with(PYZBAR, to_grey(frame)) == []
    (qr,) = decode_qr_image(frame, decoders=(PYZBAR,))
    assert (qr.text, qr.decoder, qr.stage) == (CARD, PYZBAR, "upscale2x")


def test_blurred_code_is_rescued_by_a_fallback_stage():
    frame = _on_canvas(qr_samples.render_qr(CARD)).filter(ImageFilter.GaussianBlur(2.2))

    assert decode_qr_image(frame, max_stages=1) == []
    qr = decode_first(frame)
    assert qr.text == CARD
    assert qr.stage == "sharpen"


def test_dim_code_needs_contrast_stretch_for_zxing():
    frame = np.asarray(_on_canvas(qr_samples.render_qr(CARD)), dtype=np.float32)
    dim = (10 + frame * 10 / 255).astype(np.uint8)  # everything between 10 and 20

    assert read_with(ZXING, dim) == []
    (qr,) = decode_qr_image(dim, decoders=(ZXING,))
    assert (qr.text, qr.stage) == (CARD, "stretch")


def test_synthetic_card_photo_decodes():
    sample = qr_samples.make_sample("webcam", 0)

    assert decode_first(sample.image).text == sample.text


# ---------------------------------------------------------------------- inputs


def _png_bytes(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def test_path_inputs(tmp_path):
    path = tmp_path / "cccd.png"
    qr_samples.render_qr(CARD).save(path)

    assert decode_first(path).text == CARD
    assert decode_first(str(path)).text == CARD


def test_jpeg_bytes_input():
    buf = io.BytesIO()
    qr_samples.render_qr(CARD).convert("RGB").save(buf, "JPEG", quality=85)

    assert decode_first(buf.getvalue()).text == CARD


@pytest.mark.parametrize("mode", ["L", "RGB", "1", "P", "LA"])
def test_pil_inputs(mode):
    assert decode_first(qr_samples.render_qr(CARD).convert(mode)).text == CARD


def test_transparent_png_counts_transparent_pixels_as_paper():
    grey = np.asarray(qr_samples.render_qr(CARD))
    rgba = np.zeros((*grey.shape, 4), dtype=np.uint8)  # black everywhere...
    rgba[..., 3] = np.where(grey < 128, 255, 0)  # ...but only the modules are opaque

    assert decode_first(_png_bytes(Image.fromarray(rgba, "RGBA"))).text == CARD


def test_numpy_inputs():
    grey = np.asarray(qr_samples.render_qr(CARD))
    rgb = np.stack([grey, grey, grey], axis=-1)

    assert decode_first(grey).text == CARD
    assert decode_first(rgb).text == CARD  # read as RGB; BGR works the same
    assert decode_first(rgb[:, :, ::-1]).text == CARD  # a BGR frame (non-contiguous view)
    assert decode_first(grey[:, :, None]).text == CARD
    assert decode_first(grey.astype(np.float32) / 255).text == CARD
    assert decode_first(grey > 127).text == CARD


def test_to_grey_gives_2d_uint8():
    grey = to_grey(qr_samples.make_sample("clean", 0).image)

    assert grey.shape == (480, 640)
    assert grey.dtype == np.uint8


def test_unsupported_source_type_is_a_programming_error():
    with pytest.raises(TypeError):
        decode_qr_image(12345)
    with pytest.raises(ValueError):
        decode_qr_image(qr_samples.render_qr(CARD), decoders=("opencv",))
    with pytest.raises(ValueError):
        decode_qr_image(qr_samples.render_qr(CARD), max_stages=0)


# ---------------------------------------------------------------------- errors


def test_non_image_file_raises_with_vietnamese_message(tmp_path):
    path = tmp_path / "ghi-chu.txt"
    path.write_text("không phải ảnh", encoding="utf-8")

    with pytest.raises(QrImageError) as info:
        decode_qr_image(path)

    assert isinstance(info.value, InvalidInput)
    assert "“ghi-chu.txt” không phải là ảnh" in str(info.value)
    assert "Hãy chọn tệp ảnh" in str(info.value)


def test_non_image_bytes_raise():
    with pytest.raises(QrImageError, match="không phải là ảnh"):
        decode_first(b"%PDF-1.4 not an image")


def test_truncated_image_raises():
    data = _png_bytes(qr_samples.render_qr(CARD))

    with pytest.raises(QrImageError, match="không phải là ảnh hoặc ảnh bị hỏng"):
        decode_first(data[: len(data) // 2])


def test_missing_file_raises(tmp_path):
    with pytest.raises(QrImageError, match="Không tìm thấy tệp ảnh"):
        decode_first(tmp_path / "khong-co.png")


def test_image_without_qr_raises_with_what_to_do():
    frame = qr_samples.make_sample("clean", 0, blank=True).image

    assert decode_qr_image(frame) == []
    with pytest.raises(QrImageError) as info:
        decode_first(frame)
    assert str(info.value) == NO_QR_MESSAGE
    assert info.value.code == "qr_image"


# -------------------------------------------------------------- without libzbar


def test_works_with_zxing_only_when_libzbar_is_missing(monkeypatch):
    monkeypatch.setattr(qr_image, "_pyzbar_module", lambda: None)

    assert qr_image.available_decoders() == (ZXING,)
    assert decode_first(qr_samples.render_qr(CARD_DUC)).text == CARD_DUC
    assert decode_qr_image(qr_samples.render_qr(CARD), decoders=(PYZBAR,)) == []


def test_missing_libzbar_is_logged_at_debug_level(monkeypatch, caplog):
    # sys.modules[name] = None makes "import name" raise ImportError, as
    # pyzbar does when it cannot find libzbar.
    monkeypatch.setitem(sys.modules, "pyzbar", None)
    monkeypatch.setitem(sys.modules, "pyzbar.pyzbar", None)

    with caplog.at_level(logging.DEBUG, logger="sadec_desk.adapters.qr_image"):
        assert qr_image._pyzbar_module.__wrapped__() is None

    assert any(
        r.levelno == logging.DEBUG and "zxing-cpp only" in r.getMessage() for r in caplog.records
    )


# ------------------------------------------------------------ fast pipeline


def test_a_frame_with_no_finder_pattern_stops_after_the_whole_frame_passes(monkeypatch):
    frame = qr_samples.make_sample("desk", 3, blank=True).image
    scans, zbar = [], []
    real_scan, real_read = qr_image._scan_zxing, qr_image.read_with
    monkeypatch.setattr(qr_image, "_scan_zxing",
                        lambda image, **kw: scans.append(image.shape) or real_scan(image, **kw))
    monkeypatch.setattr(qr_image, "read_with",
                        lambda *a, **kw: zbar.append(a[0]) or real_read(*a, **kw))

    assert decode_qr_image(frame) == []
    # grey, stretch, local contrast, 2× upscale: nothing located, so no region stage
    # and no ZBar pass
    assert len(scans) == len(qr_image.WHOLE_FRAME_STAGES)
    assert zbar == []


def test_a_code_too_small_to_read_as_it_is_is_read_by_zxing_after_upscaling():
    frame = _small(CARD, 1.3)  # ~1.3 px per module
    assert decode_qr_image(frame, max_stages=1) == []

    (qr,) = decode_qr_image(frame)

    assert (qr.text, qr.decoder, qr.stage) == (CARD, ZXING, "upscale2x")

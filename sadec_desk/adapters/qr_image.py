"""Read QR codes (citizen ID card, receipt, procedure) from images and camera frames.

Two decoders are used, both behind one function, :func:`decode_qr_image`:

- zxing-cpp goes first because it reads more and is faster. On the distorted
  synthetic card set of ``bench/qr.py`` (figures in docs/benchmarks.md) it read
  76 % of the frames on its own against 68 % for pyzbar, 93 % against 84 % with
  the same fallback stages, every tilted card (pyzbar: 68 %), never returned a
  wrong text, and took 1.4 ms per 640×480 frame against 9 ms (p50). This
  matches docs/design.md §3.5.
- pyzbar (ZBar) is the fallback, tried only when zxing-cpp found nothing in any
  stage: it rescued 1 frame of 300 (a glare spot) and costs nothing when
  zxing-cpp reads the frame. It needs the system library libzbar0; without it
  the module works with zxing-cpp alone and says so in a debug log.

Pitfalls handled here (docs/design.md §3.5):

- The card QR holds UTF-8 bytes in byte mode without an ECI charset marker. ZBar
  guesses the charset (Shift-JIS, Big5, Latin-1 before UTF-8) and pyzbar only
  hands back ZBar's converted text, so "Trần Văn Đức" comes back as
  "Tr蘯ｧn Vﾄハ ﾄ雪ｻｩc". pyzbar does not expose ZBar's binary mode
  (``ZBAR_CFG_BINARY``), so the guessed text is encoded back to bytes with the
  codec ZBar used and those bytes are decoded as UTF-8. zxing-cpp's ``.bytes``
  are the raw bytes and are decoded as UTF-8 directly.
- Text that still contains CJK ideographs, kana or half-width katakana is a
  failed charset guess, never a Vietnamese card: it is dropped and the other
  decoder gets its turn.
- Text is NFC-normalised: decoders return the code points as encoded, and the
  same name may be encoded decomposed.
- ZBar is restricted to QR codes (about half the time) and both decoders get
  greyscale pixels, not a colour frame.
- When nothing is found the image goes through a short, fixed chain of
  preprocessing stages (:data:`STAGES`) and the chain stops at the first stage
  that yields a code. The work is bounded by construction, not by a clock: a
  640×480 frame with no code in it costs about 80 ms (160 ms at most) with
  both decoders and every stage; callers that poll a live camera can pass
  ``max_stages=1``.
"""

from __future__ import annotations

import io
import logging
import os
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from PIL import Image, ImageFilter, UnidentifiedImageError

from sadec_desk.errors import InvalidInput
from sadec_desk.files import INPUT_FILE_LIMIT, read_bounded
from sadec_desk.i18n import _

log = logging.getLogger(__name__)

ZXING = "zxing"
PYZBAR = "pyzbar"
#: decoder order of the pipeline: zxing-cpp first, pyzbar as the fallback (see
#: the module docstring and docs/benchmarks.md for the measurements behind it)
DEFAULT_DECODERS = (ZXING, PYZBAR)

#: inputs larger than this are shrunk first; a 12-megapixel phone photo is kept
MAX_INPUT_PIXELS = 16_000_000
#: the 2× upscale stage is skipped when the result would be larger than this
#: (frames up to 1024×768): small codes are a problem of small frames, and
#: pyzbar on a larger upscaled frame costs 100 ms and more
MAX_UPSCALED_PIXELS = 4 * 1024 * 768


@dataclass(frozen=True)
class DecodedQR:
    """One QR code found in an image."""

    #: the content as text, UTF-8 decoded and NFC-normalised
    text: str
    #: the content bytes as encoded in the code (after undoing ZBar's charset guess)
    raw: bytes
    #: which decoder read it: "zxing" or "pyzbar"
    decoder: str
    #: the preprocessing stage that made it readable: see :data:`STAGES`
    stage: str


class QrImageError(InvalidInput):
    """The image cannot be read, is not an image, or holds no readable QR code."""

    code = "qr_image"


# ----------------------------------------------------------------------- input


def to_grey(source: Any) -> np.ndarray:
    """Load ``source`` as an H×W uint8 greyscale array.

    ``source`` may be:

    - a path (``str`` or ``os.PathLike``) to an image file;
    - the ``bytes`` (or ``bytearray``/``memoryview``) of an image file;
    - a PIL ``Image`` of any mode (transparent pixels count as white paper);
    - a numpy array: H×W greyscale, H×W×1, H×W×3 **RGB** or H×W×4 RGBA.
      Integer arrays other than uint8 are scaled from their dtype's range,
      float arrays from 0..1, bool arrays are black/white. A BGR frame from
      OpenCV or a camera library also decodes: only the weights of the
      greyscale conversion change, which does not matter for reading a code.

    Raises :class:`QrImageError` for a missing, unreadable or non-image file
    and ``TypeError`` for a source of another type (a programming error).
    """
    if isinstance(source, np.ndarray):
        return _array_to_grey(source)
    if isinstance(source, Image.Image):
        return _pil_to_grey(source)
    if isinstance(source, (bytes, bytearray, memoryview)):
        return _pil_to_grey(_open_image(io.BytesIO(bytes(source)), name=None))
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        if not path.is_file():
            raise QrImageError(
                _(
                    "Không tìm thấy tệp ảnh “{path}”. Hãy kiểm tra lại đường dẫn "
                    "hoặc chọn tệp khác."
                ).format(path=path)
            )
        try:
            data = read_bounded(path, INPUT_FILE_LIMIT)  # a FIFO, a device, 3 GB: a sentence
        except OSError as exc:
            raise QrImageError(
                _(
                    "Không mở được tệp ảnh “{path}”. Hãy kiểm tra quyền truy cập hoặc chép "
                    "ảnh sang thư mục khác rồi thử lại."
                ).format(path=path)
            ) from exc
        return _pil_to_grey(_open_image(io.BytesIO(data), name=path.name))
    raise TypeError(
        f"decode_qr_image: expected a path, image-file bytes, a PIL image or a numpy array, "
        f"not {type(source).__name__}"
    )


def _open_image(stream: io.BytesIO, *, name: str | None) -> Image.Image:
    try:
        img = Image.open(stream)
        img.load()  # decode now, so a truncated file fails here and not later
    except Image.DecompressionBombError as exc:
        raise QrImageError(
            _("Ảnh quá lớn để đọc. Hãy chụp lại hoặc thu nhỏ ảnh rồi thử lại.")
        ) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        if name:
            message = _(
                "Tệp “{name}” không phải là ảnh hoặc ảnh bị hỏng. Hãy chọn tệp ảnh "
                "(JPG, PNG) có mã QR hoặc chụp lại."
            ).format(name=name)
        else:
            message = _(
                "Dữ liệu nhận được không phải là ảnh hoặc ảnh bị hỏng. Hãy chọn tệp ảnh "
                "(JPG, PNG) có mã QR hoặc chụp lại."
            )
        raise QrImageError(message) from exc
    return img


def _pil_to_grey(img: Image.Image) -> np.ndarray:
    if img.width == 0 or img.height == 0:
        raise QrImageError(_("Ảnh trống. Hãy chọn ảnh khác có mã QR hoặc chụp lại."))
    if img.mode in ("1", "L"):
        grey = img.convert("L")
    elif img.mode in ("I", "F"):
        # 32-bit pixels rarely use their whole range (16-bit PNGs open as "I"):
        # spread the values present over 0..255.
        values = np.asarray(img, dtype=np.float64)
        low, high = float(values.min()), float(values.max())
        scaled = (values - low) * (255.0 / (high - low)) if high > low else values * 0
        return _array_to_grey(scaled.astype(np.uint8))
    elif img.mode.startswith("I;16"):
        return _array_to_grey(np.asarray(img))
    else:
        if img.mode == "P":
            img = img.convert("RGBA")
        if "A" in img.getbands() or img.mode == "PA":
            # A QR saved as black modules on a transparent background would
            # turn black-on-black if the alpha channel were simply dropped.
            rgba = img.convert("RGBA")
            paper = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
            img = Image.alpha_composite(paper, rgba)
        grey = img.convert("L")
    grey = _limit_size(grey)
    return np.ascontiguousarray(np.asarray(grey, dtype=np.uint8))


def _limit_size(grey: Image.Image) -> Image.Image:
    pixels = grey.width * grey.height
    if pixels <= MAX_INPUT_PIXELS:
        return grey
    factor = (MAX_INPUT_PIXELS / pixels) ** 0.5
    size = (max(1, int(grey.width * factor)), max(1, int(grey.height * factor)))
    return grey.resize(size, Image.Resampling.BOX)


def _array_to_grey(array: np.ndarray) -> np.ndarray:
    arr = np.asarray(array)
    if arr.ndim == 3 and arr.shape[2] == 1:
        arr = arr[:, :, 0]
    if arr.ndim not in (2, 3) or (arr.ndim == 3 and arr.shape[2] not in (3, 4)):
        raise TypeError(
            f"decode_qr_image: expected an H×W, H×W×3 or H×W×4 array, got shape {arr.shape}"
        )
    if arr.shape[0] == 0 or arr.shape[1] == 0:
        raise QrImageError(_("Ảnh trống. Hãy chọn ảnh khác có mã QR hoặc chụp lại."))
    if arr.dtype == np.bool_:
        arr = np.where(arr, 255, 0).astype(np.uint8)
    elif np.issubdtype(arr.dtype, np.floating):
        arr = np.clip(np.nan_to_num(arr) * 255.0 + 0.5, 0, 255).astype(np.uint8)
    elif np.issubdtype(arr.dtype, np.integer) and arr.dtype != np.uint8:
        info = np.iinfo(arr.dtype)
        low = 0 if info.min < 0 else info.min
        scaled = (np.clip(arr, low, info.max).astype(np.float64) - low) / (info.max - low)
        arr = (scaled * 255.0 + 0.5).astype(np.uint8)
    elif arr.dtype != np.uint8:
        raise TypeError(f"decode_qr_image: unsupported array dtype {arr.dtype}")
    if arr.ndim == 3:
        img = Image.fromarray(np.ascontiguousarray(arr), "RGBA" if arr.shape[2] == 4 else "RGB")
        return _pil_to_grey(img)
    return np.ascontiguousarray(np.asarray(_limit_size(Image.fromarray(arr, "L"))))


# -------------------------------------------------------------- preprocessing
# Chosen with bench/qr.py on the synthetic card set (docs/benchmarks.md): each
# stage rescues a kind of frame the ones before it miss, and each is cheap
# enough that all of them, with both decoders, stay within about 160 ms on a
# 640×480 frame.


def _upscale2x(grey: np.ndarray) -> np.ndarray | None:
    """Small codes (1–2 px per module) and noise: ZBar needs about 2 px per module.

    Lanczos keeps module edges sharper than bicubic and read more dim and small
    codes in the benchmark.
    """
    h, w = grey.shape
    if h * w * 4 > MAX_UPSCALED_PIXELS:
        return None
    img = Image.fromarray(grey, "L").resize((w * 2, h * 2), Image.Resampling.LANCZOS)
    return np.asarray(img)


def _stretch(grey: np.ndarray) -> np.ndarray:
    """Dim, low-contrast frames: spread the 1st..99th percentile over 0..255.

    zxing-cpp misses most very dim frames without it.
    """
    # Percentiles from the histogram and a lookup table: 10× faster than
    # np.percentile on a frame.
    cdf = np.cumsum(np.bincount(grey.ravel(), minlength=256))
    low = int(np.searchsorted(cdf, 0.01 * cdf[-1]))
    high = int(np.searchsorted(cdf, 0.99 * cdf[-1]))
    if high <= low:
        return grey
    levels = (np.arange(256, dtype=np.float32) - low) * (255.0 / (high - low))
    lut = np.clip(levels + 0.5, 0, 255).astype(np.uint8)
    return lut[grey]


def _sharpen(grey: np.ndarray) -> np.ndarray:
    """Out-of-focus frames: an unsharp mask restores module edges."""
    img = Image.fromarray(grey, "L")
    return np.asarray(img.filter(ImageFilter.UnsharpMask(radius=2, percent=150, threshold=0)))


def _adaptive(grey: np.ndarray) -> np.ndarray:
    """Black where a pixel is darker than its neighbourhood: shadows and heavy noise.

    zxing-cpp binarises locally itself; this stage is for ZBar, which uses
    one threshold for the frame and loses noisy codes without it.
    """
    img = Image.fromarray(grey, "L")
    # A light blur first, so that sensor noise and JPEG blocks do not become
    # speckles; the window must span several modules of the largest codes.
    smooth = np.asarray(img.filter(ImageFilter.GaussianBlur(1)), dtype=np.int16)
    radius = max(7, min(grey.shape) // 24)
    local_mean = np.asarray(img.filter(ImageFilter.BoxBlur(radius)), dtype=np.int16)
    return np.where(smooth < local_mean - 6, 0, 255).astype(np.uint8)


#: preprocessing stages in the order they are tried; each returns the image to
#: decode, or None when the stage does not apply (too large to upscale)
STAGES: tuple[tuple[str, Callable[[np.ndarray], np.ndarray | None]], ...] = (
    ("grey", lambda grey: grey),
    ("upscale2x", _upscale2x),
    ("stretch", _stretch),
    ("sharpen", _sharpen),
    ("adaptive", _adaptive),
)
STAGE_NAMES = tuple(name for name, _fn in STAGES)


# ------------------------------------------------------------------ charsets

#: Big5 trail bytes in order: 0x40..0x7E then 0xA1..0xFE (157 per lead byte)
_BIG5_TRAILS = bytes(range(0x40, 0x7F)) + bytes(range(0xA1, 0xFF))
#: glibc's BIG5 (which ZBar uses through iconv) maps the user-defined area
#: 0xC6A1..0xC8FE linearly onto U+F6B1.. (private use); Python's big5 codecs do
#: not. UTF-8 "ơ" (C6 A1) and "ư" (C6 B0) land there, so Vietnamese text that
#: ZBar read as Big5 has these private-use characters.
_BIG5_EUDC_FIRST = 0xF6B1
_BIG5_EUDC_START = (0xC6 - 0x81) * len(_BIG5_TRAILS) + _BIG5_TRAILS.index(0xA1)
_BIG5_EUDC_COUNT = 408


def _encode_big5_glibc(text: str) -> bytes:
    """Encode like the inverse of glibc's BIG5 decoder, one character at a time."""
    out = bytearray()
    for ch in text:
        offset = ord(ch) - _BIG5_EUDC_FIRST
        if 0 <= offset < _BIG5_EUDC_COUNT:
            lead, trail = divmod(_BIG5_EUDC_START + offset, len(_BIG5_TRAILS))
            out += bytes((0x81 + lead, _BIG5_TRAILS[trail]))
        elif ch == "\x80":  # glibc passes a lone 0x80 through
            out.append(0x80)
        else:
            out += _encode_big5_char(ch)
    return bytes(out)


@cache
def _encode_big5_char(ch: str) -> bytes:
    # glibc's table differs from Python's big5 in a few places (A3E1 is €,
    # A145 is U+2027, ...): cp950 has those.
    for codec in ("big5", "cp950", "big5hkscs"):
        try:
            return ch.encode(codec)
        except UnicodeEncodeError:
            continue
    raise UnicodeEncodeError("big5", ch, 0, 1, "not in glibc's BIG5 either")


#: ZBar's guesses for byte-mode data without an ECI marker, as encoders that
#: give the bytes back: Shift-JIS (Python's shift_jis maps ¥ and ‾ back to
#: 0x5C/0x7E like iconv's SJIS; cp932 covers the NEC/IBM rows), Big5 (with
#: glibc's user-defined area) and Latin-1.
_ZBAR_GUESSES: tuple[Callable[[str], bytes], ...] = (
    lambda text: text.encode("shift_jis"),
    lambda text: text.encode("cp932"),
    _encode_big5_glibc,
    lambda text: text.encode("latin-1"),
)


def _is_failed_charset_guess(text: str) -> bool:
    """True when ``text`` has characters that no Vietnamese QR contains.

    CJK ideographs, kana and half-width katakana are what UTF-8 Vietnamese
    looks like through a Shift-JIS or Big5 guess; U+FFFD marks undecodable bytes.
    """
    for ch in text:
        cp = ord(ch)
        if (
            0x2E80 <= cp <= 0x9FFF  # CJK radicals, punctuation, kana, ideographs
            or 0xAC00 <= cp <= 0xD7AF  # Hangul syllables
            or 0xF900 <= cp <= 0xFAFF  # CJK compatibility ideographs
            or 0xFF61 <= cp <= 0xFF9F  # half-width katakana
            or 0x20000 <= cp <= 0x3FFFF  # CJK extensions B..
            or cp == 0xFFFD
        ):
            return True
    return False


def _is_latin_text(text: str) -> bool:
    """True when ``text`` is made of what Vietnamese and ASCII texts contain."""
    for ch in text:
        cp = ord(ch)
        if not (
            0x20 <= cp < 0x7F
            or ch in "\t\r\n"
            or 0xA0 <= cp < 0x250  # Latin-1 supplement, Latin extended A and B
            or 0x300 <= cp < 0x370  # combining diacritics (decomposed text)
            or 0x1E00 <= cp < 0x1F00  # Latin extended additional: ạ ả ấ ầ ẩ ẫ ậ ...
            or 0x2000 <= cp < 0x2070  # general punctuation
            or 0x20A0 <= cp < 0x20D0  # currency signs, ₫
        ):
            return False
    return True


def repair_zbar_text(text: str) -> tuple[str, bytes]:
    """Undo ZBar's charset guess: return (text, raw bytes) of the code's UTF-8 content.

    ZBar converted the raw bytes to text with a guessed codec; encoding the text
    back with that codec gives the raw bytes. The codec is unknown, so each
    candidate is tried; the first whose bytes are valid UTF-8 and read as Latin
    text wins. (Several codecs can round-trip the same mojibake; only the right
    one gives Vietnamese.) Text that is already right (ASCII, or UTF-8 guessed
    correctly) comes back unchanged: Vietnamese letters do not exist in
    Shift-JIS or Big5, and their Latin-1 bytes are not valid UTF-8.
    """
    if text.isascii():
        return text, text.encode("ascii")
    fallback = None
    for encode in _ZBAR_GUESSES:
        try:
            raw = encode(text)
            repaired = raw.decode("utf-8")
        except UnicodeError:
            continue
        if repaired == text:
            continue
        if _is_latin_text(repaired):
            return repaired, raw
        if fallback is None and not _is_failed_charset_guess(repaired):
            fallback = repaired, raw
    if fallback is not None and _is_failed_charset_guess(text):
        return fallback
    return text, text.encode("utf-8")


def _text_from_raw(raw: bytes, fallback: str) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        # Not UTF-8 (an old code in another charset with an ECI marker):
        # trust the decoder's own conversion.
        return fallback


# ------------------------------------------------------------------ decoders


@cache
def _pyzbar_module():
    """pyzbar's decode module, or None when pyzbar or the libzbar library is missing."""
    try:
        from pyzbar import pyzbar
    except (ImportError, OSError) as exc:  # ImportError: "Unable to find zbar shared library"
        log.debug("pyzbar unavailable, QR images are read with zxing-cpp only: %s", exc)
        return None
    return pyzbar


@cache
def _zxing_module():
    try:
        import zxingcpp
    except ImportError as exc:
        log.debug("zxing-cpp unavailable, QR images are read with pyzbar only: %s", exc)
        return None
    return zxingcpp


def available_decoders() -> tuple[str, ...]:
    """The decoders that can run on this machine, in pipeline order."""
    found = {ZXING: _zxing_module() is not None, PYZBAR: _pyzbar_module() is not None}
    return tuple(name for name in DEFAULT_DECODERS if found[name])


def _read_zxing(grey: np.ndarray) -> list[tuple[str, bytes]]:
    zxingcpp = _zxing_module()
    found = []
    for code in zxingcpp.read_barcodes(grey, formats=zxingcpp.BarcodeFormat.QRCode):
        raw = bytes(code.bytes)
        found.append((_text_from_raw(raw, code.text), raw))
    return found


def _read_pyzbar(grey: np.ndarray) -> list[tuple[str, bytes]]:
    pyzbar = _pyzbar_module()
    found = []
    for code in pyzbar.decode(grey, symbols=[pyzbar.ZBarSymbol.QRCODE]):
        # .data is ZBar's text (after its charset guess) encoded as UTF-8
        guessed = code.data.decode("utf-8", errors="replace")
        found.append(repair_zbar_text(guessed))
    return found


class QrReader(Protocol):
    """One QR library: every QR code in a greyscale picture as (text, raw bytes)."""

    def __call__(self, grey: np.ndarray) -> list[tuple[str, bytes]]: ...


_READERS: dict[str, QrReader] = {
    ZXING: _read_zxing,
    PYZBAR: _read_pyzbar,
}


def read_with(decoder: str, grey: np.ndarray, *, stage: str = "grey") -> list[DecodedQR]:
    """Run one decoder once on a greyscale array, with the charset checks but no fallback.

    Returns [] when the decoder is not installed. Used by the pipeline and the benchmark.
    """
    if decoder not in _READERS:
        raise ValueError(f"unknown QR decoder {decoder!r}; expected one of {tuple(_READERS)}")
    if decoder not in available_decoders():
        return []
    results = []
    for text, raw in _READERS[decoder](np.ascontiguousarray(grey, dtype=np.uint8)):
        text = unicodedata.normalize("NFC", text)
        if _is_failed_charset_guess(text):
            log.debug("%s: dropped text with a failed charset guess: %r", decoder, text)
            continue
        results.append(DecodedQR(text=text, raw=raw, decoder=decoder, stage=stage))
    return results


# ------------------------------------------------------------------ pipeline


def decode_qr_image(
    source: Any,
    *,
    max_stages: int | None = None,
    decoders: Sequence[str] | None = None,
) -> list[DecodedQR]:
    """Find the QR codes in an image; [] when there is none.

    ``source``: see :func:`to_grey` (path, image-file bytes, PIL image, numpy
    array; 3-channel arrays are read as RGB). The image is converted to
    greyscale; then each decoder of ``decoders`` in turn (default: zxing-cpp,
    then pyzbar; missing ones are skipped) tries the :data:`STAGES` in order
    ("grey", "upscale2x", "stretch", "sharpen", "adaptive") and the codes of
    the first stage that yields any are returned, each once. ``max_stages``
    limits how many stages are tried (1 = no preprocessing fallback).

    Raises :class:`QrImageError` when the source is not a readable image.
    """
    if max_stages is not None and max_stages < 1:
        raise ValueError("max_stages must be at least 1")
    order = tuple(DEFAULT_DECODERS if decoders is None else decoders)
    for name in order:
        if name not in _READERS:
            raise ValueError(f"unknown QR decoder {name!r}; expected one of {tuple(_READERS)}")
    runnable = [name for name in order if name in available_decoders()]
    if not runnable:
        if decoders is None:
            # zxing-cpp is an install requirement: this is a broken installation,
            # not something the person at the desk can fix.
            raise RuntimeError("no QR decoder installed: pip install zxing-cpp")
        log.debug("QR decoders %s not available on this machine", order)
    grey = to_grey(source)
    stages = STAGES if max_stages is None else STAGES[:max_stages]
    prepared: dict[str, np.ndarray | None] = {}
    # Decoder-major: zxing-cpp through every stage before pyzbar gets a turn,
    # because zxing-cpp rescues with a cheap stage what pyzbar would need an
    # expensive one for (and pyzbar is 5-10 times slower per stage).
    for decoder in runnable:
        for stage, prepare in stages:
            if stage not in prepared:
                prepared[stage] = prepare(grey)
            image = prepared[stage]
            if image is None:
                continue
            found = read_with(decoder, image, stage=stage)
            if found:
                return _unique(found)
    return []


def _unique(found: list[DecodedQR]) -> list[DecodedQR]:
    seen: set[bytes] = set()
    unique = []
    for qr in found:
        if qr.raw not in seen:
            seen.add(qr.raw)
            unique.append(qr)
    return unique


def decode_first(source: Any) -> DecodedQR:
    """The first QR code in the image; raises :class:`QrImageError` when there is none."""
    found = decode_qr_image(source)
    if not found:
        raise QrImageError(
            _(
                "Không tìm thấy mã QR trong ảnh. Hãy chụp lại gần hơn, đủ sáng, "
                "mã QR nằm trọn trong khung."
            )
        )
    return found[0]

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
- When the frame as it is gives nothing, the default pipeline (:func:`_decode_fast`)
  tries a fixed, short chain: whole-frame passes first, and the search stops when
  none of them even locates a code (no finder pattern); then the expensive stages
  only on the region around each located code, ZBar last. The work is bounded by
  construction, not by a clock. Explicit ``decoders`` select the thorough chain of
  :data:`STAGES` on the whole frame (the pipeline before issue #16.6). Callers that
  poll a live camera can pass ``max_stages=1``.
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
from PIL import Image, UnidentifiedImageError

from sadec_desk.adapters.qr_charset import (
    is_failed_charset_guess,
    repair_zbar_text,
    text_from_raw,
)
from sadec_desk.adapters.qr_stages import (  # STAGE_NAMES: re-exported for callers
    STAGE_NAMES,  # noqa: F401
    STAGES,
    local_contrast,
    sharpen,
    stretch,
    upscale,
)
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
        found.append((text_from_raw(raw, code.text), raw))
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
    return _accepted(decoder, _READERS[decoder](np.ascontiguousarray(grey, dtype=np.uint8)),
                     stage)


def _accepted(decoder: str, found: Sequence[tuple[str, bytes]], stage: str) -> list[DecodedQR]:
    """NFC text; a failed charset guess dropped (the other decoder gets its turn)."""
    results = []
    for text, raw in found:
        text = unicodedata.normalize("NFC", text)
        if is_failed_charset_guess(text):
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
    greyscale, then:

    - by default, the fast pipeline (:func:`_decode_fast`): zxing-cpp on the
      frame, its contrast-stretched and its local-contrast copies; when none
      of them shows even a finder pattern the frame has no code and the search
      stops; otherwise the stages that rescue more are tried on the region
      around each code zxing-cpp saw but could not read, then on the whole frame;
    - with ``decoders`` given, the thorough chain: each of those decoders in
      turn (missing ones are skipped) through the :data:`STAGES` in order
      ("grey", "upscale2x", "stretch", "sharpen", "adaptive") on the whole frame
      (the pipeline before issue #16, and the one used without zxing-cpp).

    The codes of the first stage that yields any are returned, each once.
    ``max_stages`` limits how many decoding attempts are made (1 = the frame as
    it is, no fallback: a live camera poll).

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
    if decoders is None and ZXING in runnable:
        return _decode_fast(grey, max_stages or 1_000, pyzbar=PYZBAR in runnable)
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


# ------------------------------------------------------------ fast pipeline
# Measured with bench/qr.py on its frame set (docs/benchmarks.md, issue #16.6):
# zxing-cpp reads 76 % of the frames as they are in ~1 ms; the contrast stretch
# and the local contrast (~1-3 ms each) rescue the dim, shadowed and noisy
# ones. A frame where none of the three shows a finder pattern had no code in
# the set: the search stops there (a frame with no code costs ~4 ms instead of
# ~100). The expensive stages (upscaling, sharpening, ZBar) then run only on the
# region around each code zxing-cpp found but could not read: a 2× upscale of a
# 150-pixel crop costs a fraction of the whole frame's. The whole-frame upscale
# and ZBar on a half-size frame come last (small codes whose region was
# misplaced; a glare spot only ZBar reads).

#: regions around candidates tried at most (a third one rescued nothing on the set)
MAX_CANDIDATES = 2
Box = tuple[int, int, int, int]


def _scan_zxing(image: np.ndarray, *, downscale: bool = True
                ) -> list[tuple[str | None, bytes, Box]]:
    """zxing-cpp on ``image``: (text, raw bytes, box) of every QR code it locates;
    text None for a code located (finder patterns found) but not readable."""
    zxingcpp = _zxing_module()
    found: list[tuple[str | None, bytes, Box]] = []
    # try_rotate only matters for 1-D barcodes; a QR code is found at any angle
    for code in zxingcpp.read_barcodes(np.ascontiguousarray(image),
                                       formats=zxingcpp.BarcodeFormat.QRCode,
                                       try_rotate=False, try_downscale=downscale,
                                       return_errors=True):
        corners = code.position
        xs = (corners.top_left.x, corners.top_right.x, corners.bottom_left.x,
              corners.bottom_right.x)
        ys = (corners.top_left.y, corners.top_right.y, corners.bottom_left.y,
              corners.bottom_right.y)
        box = (min(xs), min(ys), max(xs), max(ys))
        raw = bytes(code.bytes)
        found.append((text_from_raw(raw, code.text) if code.valid else None, raw, box))
    return found


def _around(box: Box, shape: tuple[int, ...]) -> Box:
    """``box`` grown by 35 % of its size each way (the quiet zone and a misplaced
    corner), at least 20 px, within the frame."""
    margin = 0.35 * max(box[2] - box[0], box[3] - box[1], 20)
    return (max(0, int(box[0] - margin)), max(0, int(box[1] - margin)),
            min(shape[1], int(box[2] + margin)), min(shape[0], int(box[3] + margin)))


#: the whole-frame passes of the fast pipeline: (stage, image from (grey, a function
#: giving the stretched frame), its scale to the frame). A frame where none of them
#: locates a code stops there.
WHOLE_FRAME_STAGES: tuple[tuple[str, Callable[[np.ndarray, Callable[[], np.ndarray]],
                                              np.ndarray | None], int], ...] = (
    ("grey", lambda grey, _stretched: grey, 1),
    ("stretch", lambda _grey, stretched: stretched(), 1),
    ("local-contrast", lambda grey, _stretched: local_contrast(grey), 1),
    # small codes zxing-cpp cannot even locate at 1-2 px per module; bicubic read
    # as many frames on the set as Lanczos for 30 % less time
    ("upscale2x", lambda _grey, stretched: upscale(stretched(), 2,
                                                    resample=Image.Resampling.BICUBIC), 2),
)


def _decode_fast(grey: np.ndarray, max_stages: int, *, pyzbar: bool) -> list[DecodedQR]:
    attempts = 0
    candidates: list[Box] = []

    def zxing(image: np.ndarray | None, stage: str, *, scale: int | None = 1
              ) -> list[DecodedQR]:
        """zxing-cpp on ``image``; with ``scale``, where it located a code it could not
        read is noted as a candidate region (``image`` is ``scale`` × the frame)."""
        nonlocal attempts
        attempts += 1
        if image is None:
            return []
        found = _scan_zxing(image)
        read = [(text, raw) for text, raw, _box in found if text is not None]
        accepted = _accepted(ZXING, read, stage)
        if scale is not None:
            # located but unreadable, or read with a failed charset guess: a code is there
            candidates.extend(_around((box[0] // scale, box[1] // scale, box[2] // scale,
                                       box[3] // scale), grey.shape)
                              for text, _raw, box in found if text is None or not accepted)
        return accepted

    @cache
    def stretched() -> np.ndarray:
        return stretch(grey)

    for stage, prepare, scale in WHOLE_FRAME_STAGES:
        if attempts >= max_stages:
            return []
        found = zxing(prepare(grey, stretched), stage, scale=scale)
        if found:
            return _unique(found)
    if not candidates:
        return []  # no finder pattern anywhere: no stage below has read such a frame
    regions = [np.asarray(Image.fromarray(stretched(), "L").crop(box))
               for box in _distinct(candidates)[:MAX_CANDIDATES]]
    doubled: dict[int, np.ndarray | None] = {}
    # stage-major: the stage that rescues most on every region before the next stage
    for stage in ("upscale2x", "sharpen", "upscale3x", PYZBAR):
        for index, region in enumerate(regions):
            if attempts >= max_stages:
                return []
            if index not in doubled:
                doubled[index] = upscale(region, 2)
            double = doubled[index]
            if stage == PYZBAR:
                if not pyzbar or double is None:
                    continue
                attempts += 1
                found = read_with(PYZBAR, double, stage="upscale2x")
            elif stage == "upscale3x":
                found = zxing(upscale(region, 3), stage, scale=None)
            else:
                image = double if stage == "upscale2x" or double is None else sharpen(double)
                found = zxing(image, stage, scale=None)
            if found:
                return _unique(found)
    if pyzbar and attempts < max_stages:
        half = np.asarray(Image.fromarray(grey, "L").reduce(2))
        found = read_with(PYZBAR, half, stage="half")
        if found:
            return _unique(found)
    return []


def _distinct(boxes: list[Box]) -> list[Box]:
    """The boxes without near-copies (zxing-cpp often reports one code several times)."""
    kept: list[Box] = []
    for box in boxes:
        if not any(abs(box[0] - k[0]) < 10 and abs(box[1] - k[1]) < 10 for k in kept):
            kept.append(box)
    return kept


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

"""Turning a scan or a photo of a paper into the page image that is stored and sent.

:func:`normalise_page` takes what scanners and phones give (PNG, JPEG, PNM, TIFF, BMP,
WebP) and returns one greyscale page: turned upright by its EXIF orientation, the dark
scanner bed around the paper cut off, straightened when it lies askew by up to
±:data:`MAX_SKEW_DEGREES`, the blank margin trimmed to a small border, scaled down to
about A4 at 200 dpi and encoded as greyscale JPEG — or as a 1-bit PNG when the page is
black-and-white text and that is smaller — within a size bound.

The output depends only on the input bytes and the limits (no time stamps, no metadata,
no randomness): the same scan added twice gives the same bytes, hence the same SHA-256,
and is stored once (services/attachments.py). Pixels are not guaranteed identical across
Pillow/libjpeg versions, which only costs a second copy of a page.
"""

from __future__ import annotations

import io
import math
import os
import threading
import warnings
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from PIL import Image, ImageFilter, ImageOps, UnidentifiedImageError

from sadec_desk.adapters import png_overlap
from sadec_desk.errors import InvalidInput
from sadec_desk.i18n import _

#: A4 (297 mm) at 200 dpi: enough to read and print a paper, ~0.3-0.6 MB as JPEG
DEFAULT_MAX_LONG_SIDE = 2339
DEFAULT_MAX_BYTES = 1_000_000
#: a file larger than this is not a page (a 600 dpi colour TIFF of A4 is ~100 MB)
MAX_INPUT_BYTES = 150_000_000
#: decoded pixels; above this a file is a decompression bomb or a poster, not a page
MAX_INPUT_PIXELS = 80_000_000
MIN_SIDE = 16
#: formats Pillow may open: what scanimage (pnm, png, tiff, jpeg) and phones give
#: (JPEG; the JPEG opener also reads MPO)
FORMATS = ("JPEG", "PNG", "PPM", "TIFF", "BMP", "WEBP")

MAX_SKEW_DEGREES = 5.0
#: skew angles below this are left alone: rotating costs sharpness for nothing visible
MIN_SKEW_DEGREES = 0.3
#: long side of the copy the crop and skew searches run on (fast; accurate to ~0.1°);
#: a whole-factor reduction up to 10 % longer is kept as it is (no second resampling)
ANALYSIS_SIDE = 700
JPEG_QUALITIES = (80, 70, 60, 50, 40)
#: threads the page's resampling is split over (a kiosk PC has two cores or more)
TRANSFORM_THREADS = max(1, min(4, os.cpu_count() or 1))
#: a skewed page is resampled bilinearly, then sharpened by this 3×3 kernel (centre
#: 1 + 4s, its four neighbours -s): as sharp as Pillow's bicubic transform and within
#: ~1 grey level of it on average, in ~70 % of its time (Pillow's bicubic transform
#: computes 16 taps per pixel in double precision; its 3×3 filter is one cheap pass)
DESKEW_SHARPEN = 0.12
_SHARPEN_KERNEL = ImageFilter.Kernel(
    (3, 3), (0, -DESKEW_SHARPEN, 0, -DESKEW_SHARPEN, 1 + 4 * DESKEW_SHARPEN, -DESKEW_SHARPEN,
             0, -DESKEW_SHARPEN, 0), scale=1)


@dataclass(frozen=True)
class NormalisedPage:
    data: bytes
    media_type: str  # image/jpeg | image/png
    width: int
    height: int

    @property
    def extension(self) -> str:
        return "png" if self.media_type == "image/png" else "jpg"


@dataclass(frozen=True)
class DecodedPage:
    """A page image decoded once (:func:`decode_page`): greyscale, upright, at most twice
    ``max_long_side``. Checks that look at the pixels (the kiosk's blank-page check) and
    :func:`normalise_page` take it instead of the file, so a scan is not decoded twice."""
    grey: Image.Image
    max_long_side: int

    @cached_property
    def reduced(self) -> np.ndarray:
        """The page at about :data:`ANALYSIS_SIDE` px on its long side (uint8 array),
        made once: the copy normalise_page takes its decisions on, and enough for a
        check that looks at the whole page."""
        return _analysis_copy(self.grey)[0]


def _not_an_image() -> InvalidInput:
    return InvalidInput(_("Tệp không phải ảnh hoặc ảnh bị hỏng; hãy chọn ảnh JPG/PNG "
                          "hoặc chụp lại."), code="not_an_image")


def open_image(data: bytes, *, long_side: int | None = None) -> Image.Image:
    """Decode ``data`` (first frame), refusing empty, broken and oversized input.

    With ``long_side``, a JPEG at least twice that big is decoded at 1/2, 1/4 or 1/8
    scale by libjpeg itself (much faster than decoding it whole and scaling down)."""
    if not data:
        raise InvalidInput(_("Tệp ảnh trống; hãy chọn ảnh JPG/PNG hoặc chụp lại."),
                           code="not_an_image")
    if len(data) > MAX_INPUT_BYTES:
        raise InvalidInput(_("Tệp ảnh quá lớn ({mb} MB, tối đa {max} MB); hãy quét lại với "
                             "độ phân giải thấp hơn hoặc chụp lại.").format(
                                 mb=len(data) // 1_000_000, max=MAX_INPUT_BYTES // 1_000_000),
                           code="image_too_large")
    try:
        with warnings.catch_warnings():
            # Pillow's own bomb check (above ~89 Mpx) as an error, never a mere warning
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image: Image.Image = Image.open(io.BytesIO(data), formats=FORMATS)
            if image.width * image.height > MAX_INPUT_PIXELS:
                raise Image.DecompressionBombError(f"{image.width}x{image.height}")
            image.seek(0)
            if long_side and image.format == "JPEG" and max(image.size) >= 2 * long_side:
                scale = long_side / max(image.size)
                image.draft("L" if image.mode in ("L", "RGB") else None,
                            (round(image.width * scale), round(image.height * scale)))
            if image.format == "PNG":
                image = png_overlap.load_png(image, data,
                                             overlap=TRANSFORM_THREADS > 1)
            else:
                image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise InvalidInput(_("Ảnh quá lớn (quá nhiều điểm ảnh); hãy quét lại với độ phân giải "
                             "thấp hơn hoặc chụp lại."), code="image_too_large") from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError):
        raise _not_an_image() from None
    if min(image.size) < MIN_SIDE:
        raise InvalidInput(_("Ảnh quá nhỏ ({w}×{h} điểm ảnh) để đọc được giấy tờ; hãy quét "
                             "hoặc chụp lại.").format(w=image.width, h=image.height),
                           code="image_too_small")
    return image


def to_grey(image: Image.Image) -> Image.Image:
    """8-bit greyscale; transparency over white, 16-bit scans scaled, not clipped."""
    if image.mode in ("I;16", "I;16B", "I;16L", "I;16N", "I"):
        values = np.asarray(image, dtype=np.uint32)
        top = 65535 if image.mode.startswith("I;16") or values.max() > 255 else 255
        return Image.fromarray((values * 255 // top).astype(np.uint8), "L")
    if image.mode == "F":
        values = np.clip(np.asarray(image), 0, 255)
        return Image.fromarray(values.astype(np.uint8), "L")
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        image = image.convert("RGBA")
        white = Image.new("RGBA", image.size, (255, 255, 255, 255))
        image = Image.alpha_composite(white, image)
    if image.mode == "L":
        return image  # already what is needed: no copy of a 9-megapixel page
    return image.convert("L")


def _analysis_copy(image: Image.Image, side: int = ANALYSIS_SIDE
                   ) -> tuple[np.ndarray, float, float]:
    """A reduced copy (long side about ``side``) as an array, and its scale per axis
    (small / full). An integer ``reduce`` does most of the shrinking: it reads every
    pixel once, unlike a BOX resize to an arbitrary size of the whole page."""
    small = image
    factor = max(image.size) // side
    if factor > 1:
        small = image.reduce(factor)
    if max(small.size) > side * 1.1:
        scale = side / max(small.size)
        small = small.resize((max(1, round(small.width * scale)),
                              max(1, round(small.height * scale))), Image.Resampling.BOX)
    return (np.asarray(small, dtype=np.uint8), small.width / image.width,
            small.height / image.height)


def _paper_threshold(pixels: np.ndarray) -> int:
    """Otsu's threshold between ink/dark bed and paper (deterministic, integer)."""
    # Pillow's histogram of the 8-bit copy: half the time of np.bincount, which widens
    # every pixel to a 64-bit index first
    hist = np.asarray(Image.fromarray(np.ascontiguousarray(pixels, dtype=np.uint8), "L")
                      .histogram(), dtype=np.float64)
    total = hist.sum()
    levels = np.arange(256)
    weight0 = np.cumsum(hist)
    mean0 = np.cumsum(hist * levels)
    weight1 = total - weight0
    with np.errstate(divide="ignore", invalid="ignore"):
        between = (mean0[-1] * weight0 / total - mean0) ** 2 / (weight0 * weight1)
    between = np.nan_to_num(between)
    return int(np.argmax(between))


def _dark_border_box(pixels: np.ndarray) -> tuple[int, int, int, int] | None:
    """The paper inside the dark band a flatbed scan or a photo on a desk shows around
    it, as (left, top, right, bottom) in ``pixels``; None when there is nothing to cut.

    Edge rows/columns where most pixels are dark are outside the paper; they are trimmed
    from each side inwards until a row/column is mostly paper.
    """
    if pixels.mean() < 60:  # a dark picture, not a paper on a dark bed: leave it
        return None
    dark = pixels < min(_paper_threshold(pixels), 110)
    rows, cols = dark.mean(axis=1), dark.mean(axis=0)
    top, bottom = _trim(rows, 0.6), len(rows) - _trim(rows[::-1], 0.6)
    left, right = _trim(cols, 0.6), len(cols) - _trim(cols[::-1], 0.6)
    if bottom - top < len(rows) * 0.3 or right - left < len(cols) * 0.3:
        return None  # what would remain is not a page
    if (top, bottom, left, right) == (0, len(rows), 0, len(cols)):
        return None
    # one more analysis pixel on each side: the paper's edge pixels mix with the bed
    return (left + (left > 0), top + (top > 0), right - (right < len(cols)),
            bottom - (bottom < len(rows)))


def _trim(profile: np.ndarray, limit: float) -> int:
    """How many leading entries of ``profile`` are above ``limit``."""
    above = profile > limit
    if above.all():
        return len(profile)
    return int(np.argmin(above))


def _ink_box(pixels: np.ndarray, *, keep: float = 0.03
             ) -> tuple[float, float, float, float] | None:
    """The ink with a margin of ``keep`` × the long side around it, as (left, top, right,
    bottom) in ``pixels``; None for a blank page (it stays as it is)."""
    threshold = min(_paper_threshold(pixels), 200)
    ink = pixels < threshold
    # an isolated speck of dust is not content: a row/column needs a few ink pixels
    rows = np.flatnonzero(ink.sum(axis=1) >= 2)
    cols = np.flatnonzero(ink.sum(axis=0) >= 2)
    if len(rows) == 0 or len(cols) == 0:
        return None
    margin = keep * max(pixels.shape)
    return (max(0.0, cols[0] - margin), max(0.0, rows[0] - margin),
            min(float(pixels.shape[1]), cols[-1] + 1 + margin),
            min(float(pixels.shape[0]), rows[-1] + 1 + margin))


def find_skew(image: Image.Image) -> float:
    """The angle (degrees, counter-clockwise) that makes the text lines horizontal; see
    :func:`_skew_of`, run on a reduced copy of ``image``."""
    return _skew_of(_analysis_copy(image)[0])


def _skew_of(pixels: np.ndarray) -> float:
    """The skew of the text lines of a reduced page copy (long side ~ANALYSIS_SIDE).

    Projection profiles: turning the ink by the right angle makes the row sums jump
    sharply between text lines and gaps. The profile at an angle is a histogram of the
    ink pixels' turned row positions (no image is rotated), searched over
    ±MAX_SKEW_DEGREES in 0.5° steps, then 0.1° around the best. Returns 0.0 when nothing
    is clearly better than level.
    """
    threshold = min(_paper_threshold(pixels), 200)
    ink = pixels < threshold
    ink_share = float(ink.mean())
    if not 0.002 < ink_share < 0.5:
        return 0.0  # a blank page or a photo: no text lines to level
    height, width = pixels.shape
    ys, xs = np.nonzero(ink)
    dx = xs.astype(np.float32) - (width - 1) / 2
    dy = ys.astype(np.float32) - (height - 1) / 2

    scores: dict[float, float] = {}

    def score(angle: float) -> float:
        if angle not in scores:  # the fine search and the check revisit angles
            turn = math.radians(angle)
            rows = np.floor(dy * math.cos(turn) - dx * math.sin(turn) + height / 2)
            # rows off the page go to the two extra bins at either end, which are left
            # out (the same profile as dropping them first, without the masked copy)
            rows = np.clip(rows, -1, height).astype(np.intp) + 1
            profile = np.bincount(rows, minlength=height + 2)[1:height + 1]
            scores[angle] = float(np.square(np.diff(profile.astype(np.float64))).sum())
        return scores[angle]

    level = score(0.0)
    coarse = [i * 0.5 for i in range(-int(MAX_SKEW_DEGREES * 2), int(MAX_SKEW_DEGREES * 2) + 1)]
    best = max(coarse, key=lambda a: (score(a), -abs(a)))
    fine = [round(best + i * 0.1, 1) for i in range(-4, 5)]
    best = max(fine, key=lambda a: (score(a), -abs(a)))
    if abs(best) < MIN_SKEW_DEGREES or score(best) < level * 1.15:
        return 0.0
    return best


def _mid_grey_count(image: Image.Image) -> int:
    """How many pixels of an 8-bit ``image`` are mid-grey, 48 to 207: what the bilevel
    test counts. Counted in numpy (the wrapping uint8 subtraction maps 48..207 to
    0..159), a few times faster than Pillow's full histogram of the page."""
    pixels = np.asarray(image, dtype=np.uint8)
    return int(np.count_nonzero((pixels - np.uint8(48)) < 160))


def _is_bilevel(image: Image.Image, mid_grey: int | None = None) -> bool:
    """Black text on white paper with hardly any grey: a 1-bit PNG keeps it whole.
    ``mid_grey``: the image's :func:`_mid_grey_count`, when it was already taken."""
    if mid_grey is None:
        mid_grey = _mid_grey_count(image)
    return mid_grey / (image.width * image.height) < 0.02


def _encode_jpeg(image: Image.Image, quality: int) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality, optimize=True)
    return out.getvalue()


def _encode_png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()


def decode_page(data: bytes, *, max_long_side: int = DEFAULT_MAX_LONG_SIDE) -> DecodedPage:
    """``data`` decoded once for :func:`normalise_page` with the same ``max_long_side``:
    turned upright by its EXIF orientation, greyscale, and reduced by a whole factor when
    it is more than twice that size (the analysis and the resampling stay cheap).
    InvalidInput for a file that is not a usable image."""
    image = open_image(data, long_side=max_long_side)
    try:
        ImageOps.exif_transpose(image, in_place=True)
    except (OSError, ValueError, SyntaxError):
        pass  # a broken EXIF block: keep the picture as it is
    grey = to_grey(image)
    if max(grey.size) > 2 * max_long_side:
        grey = grey.reduce(max(grey.size) // max_long_side)
    return DecodedPage(grey, max_long_side)


def normalise_page(data: bytes | DecodedPage, *, max_long_side: int = DEFAULT_MAX_LONG_SIDE,
                   max_bytes: int = DEFAULT_MAX_BYTES, deskew: bool = True
                   ) -> NormalisedPage:
    """The stored form of one page (see the module docstring), from its file or from the
    page :func:`decode_page` made of it; InvalidInput for a file that is not a usable
    image."""
    if isinstance(data, DecodedPage) and data.max_long_side != max_long_side:
        raise ValueError(f"page decoded for {data.max_long_side} px, normalised for "
                         f"{max_long_side} px")
    decoded = data if isinstance(data, DecodedPage) else decode_page(
        data, max_long_side=max_long_side)
    grey, mid_grey = _straighten_and_crop(decoded.grey, decoded.reduced, max_long_side,
                                          deskew=deskew)
    if _is_bilevel(grey, mid_grey):
        png = _encode_png(grey.point(lambda v: 255 if v >= 128 else 0).convert("1"))
        if len(png) <= max_bytes:
            jpeg = _encode_jpeg(grey, JPEG_QUALITIES[0])
            if len(png) <= len(jpeg):
                return NormalisedPage(png, "image/png", grey.width, grey.height)
    while True:
        for quality in JPEG_QUALITIES:
            jpeg = _encode_jpeg(grey, quality)
            if len(jpeg) <= max_bytes:
                return NormalisedPage(jpeg, "image/jpeg", grey.width, grey.height)
        if max(grey.size) <= 400:
            # a bound this small is a setting error; the smallest readable page it is
            return NormalisedPage(jpeg, "image/jpeg", grey.width, grey.height)
        grey = _fit(grey, int(max(grey.size) * 0.8))


def _straighten_and_crop(grey: Image.Image, small: np.ndarray, max_long_side: int, *,
                         deskew: bool) -> tuple[Image.Image, int | None]:
    """The page cut out of the scanner bed, levelled, its blank margin trimmed and fitted
    into ``max_long_side``; and its mid-grey count when the resampling threads took it.

    Every decision is taken on one reduced copy, ``small`` (dark border, skew, ink box);
    the full pixels are then resampled once, straight to the output: a resize of just the
    region that ends up on the page, and for a skewed page one rotation at the output
    scale.
    """
    scale_x, scale_y = small.shape[1] / grey.width, small.shape[0] / grey.height
    border = _dark_border_box(small)
    if border is None:
        border = (0, 0, small.shape[1], small.shape[0])
        crop = (0, 0, grey.width, grey.height)
    else:
        crop = (min(grey.width, round(border[0] / scale_x)),
                min(grey.height, round(border[1] / scale_y)),
                max(0, round(border[2] / scale_x)), max(0, round(border[3] / scale_y)))
    page = small[border[1]:border[3], border[0]:border[2]]
    crop_w, crop_h = crop[2] - crop[0], crop[3] - crop[1]
    angle = _skew_of(page) if deskew else 0.0
    turned = page
    if angle:
        # only to find the ink box (in analysis pixels, with a margin of 3 % around it):
        # nearest-neighbour is ~15× cheaper than resampling the page itself
        turned = np.asarray(Image.fromarray(page, "L").rotate(
            angle, resample=Image.Resampling.NEAREST, expand=True, fillcolor=255))
    ink = _ink_box(turned) or (0.0, 0.0, float(turned.shape[1]), float(turned.shape[0]))
    # the kept region in full-resolution pixels, relative to the centre of the turned page
    per_x, per_y = page.shape[1] / crop_w, page.shape[0] / crop_h
    left = (ink[0] - turned.shape[1] / 2) / per_x
    top = (ink[1] - turned.shape[0] / 2) / per_y
    right = (ink[2] - turned.shape[1] / 2) / per_x
    bottom = (ink[3] - turned.shape[0] / 2) / per_y
    zoom = min(1.0, max_long_side / max(crop_w, crop_h))
    zoom = min(zoom, max_long_side / max((right - left), (bottom - top)))
    size = (max(1, round((right - left) * zoom)), max(1, round((bottom - top) * zoom)))
    centre_x, centre_y = (crop[0] + crop[2]) / 2, (crop[1] + crop[3]) / 2
    if not angle:
        box = (max(crop[0], centre_x + left), max(crop[1], centre_y + top),
               min(crop[2], centre_x + right), min(crop[3], centre_y + bottom))
        if zoom == 1.0:
            return grey.crop(tuple(round(v) for v in box)), None
        return grey.resize(size, Image.Resampling.LANCZOS, box=box), None
    return _turned_region(grey, crop, angle, (left, top, right, bottom), size)


def _turned_region(grey: Image.Image, crop: tuple[int, int, int, int], angle: float,
                   region: tuple[float, float, float, float], size: tuple[int, int]
                   ) -> tuple[Image.Image, int | None]:
    """``region`` (relative to the centre of ``crop`` turned by ``angle`` degrees
    counter-clockwise) of ``grey``, at ``size``: what rotating the cropped page with
    Pillow (expand=True) and cutting the region out of it would give, white outside the
    page, in one resampling pass that computes only the kept pixels."""
    theta = -math.radians(angle)  # as Pillow's rotate(): output -> input coordinates
    cos, sin = math.cos(theta), math.sin(theta)
    left, top, right, bottom = region
    step_x, step_y = (right - left) / size[0], (bottom - top) / size[1]
    centre_x, centre_y = (crop[0] + crop[2]) / 2 - crop[0], (crop[1] + crop[3]) / 2 - crop[1]
    matrix = (cos * step_x, sin * step_y, centre_x + cos * left + sin * top,
              -sin * step_x, cos * step_y, centre_y - sin * left + cos * top)
    return _affine(grey, crop, size, matrix)


def _affine(grey: Image.Image, crop: tuple[int, int, int, int], size: tuple[int, int],
            matrix: tuple[float, float, float, float, float, float]
            ) -> tuple[Image.Image, int | None]:
    """``grey.crop(crop).transform(size, AFFINE, matrix)`` (bilinear, white outside the
    crop) sharpened by :data:`_SHARPEN_KERNEL`, computed in horizontal bands on up to
    :data:`TRANSFORM_THREADS` threads: the resampling is the costliest step after
    decoding and Pillow releases the GIL while it runs. A band starting at output row
    ``top`` is the same transform with the matrix moved down by ``top`` rows, reading
    only the rows of the crop it needs (its own crop, made on its thread), and a row more
    on each side for the 3×3 sharpening (dropped after it), so the split changes nothing
    but the time. Each thread also counts its band's mid-grey pixels (the bilevel
    test's), so that is not one more serial pass; the sum is returned with the page (None
    when there was one band)."""
    bands = min(TRANSFORM_THREADS, max(1, size[1] // 256))
    if bands == 1:
        page = grey if crop == (0, 0, grey.width, grey.height) else grey.crop(crop)
        return page.transform(size, Image.Transform.AFFINE, matrix,
                              resample=Image.Resampling.BILINEAR,
                              fillcolor=255).filter(_SHARPEN_KERNEL), None
    a, b, c, d, e, f = matrix
    edges = [size[1] * i // bands for i in range(bands + 1)]
    crop_height = crop[3] - crop[1]

    def band(top: int, bottom: int) -> Image.Image:
        # the filter leaves a band's first and last rows as they are: computed with a
        # row more on each side inside the page, whose filtered rows are the single
        # call's, and those extra rows dropped
        first, last = max(0, top - 1), min(size[1], bottom + 1)
        part = resampled(first, last).filter(_SHARPEN_KERNEL)
        if (first, last) == (top, bottom):
            return part
        return part.crop((0, top - first, size[0], bottom - first))

    def resampled(top: int, bottom: int) -> Image.Image:
        # the crop's rows these output rows sample: where their corners land, and a
        # bicubic's reach (the row above, two below; bilinear's is less) with a row to
        # spare; at the crop's own top and bottom the rows end where the crop does (white
        # beyond, as in one call)
        ys = [d * x + e * y + f + e * top for x in (0.5, size[0] - 0.5)
              for y in (0.5, bottom - top - 0.5)]
        first = max(0, math.floor(min(ys) - 0.5) - 2)
        last = min(crop_height, math.floor(max(ys) - 0.5) + 4)
        if first >= last:  # the band lies wholly outside the page: white
            first, last = 0, crop_height
        rows = grey.crop((crop[0], crop[1] + first, crop[2], crop[1] + last))
        return rows.transform((size[0], bottom - top), Image.Transform.AFFINE,
                              (a, b, c + b * top, d, e, f + e * top - first),
                              resample=Image.Resampling.BILINEAR, fillcolor=255)

    parts: list[Image.Image | None] = [None] * bands
    mid_greys: list[int | None] = [None] * bands

    def run(i: int) -> None:
        part = band(edges[i], edges[i + 1])
        mid_greys[i] = _mid_grey_count(part)
        parts[i] = part

    # plain threads, started per page: a pool would keep idle threads for nothing
    helpers = [threading.Thread(target=run, args=(i,), name="sadec-imaging", daemon=True)
               for i in range(1, bands)]
    for thread in helpers:
        thread.start()
    run(0)
    for thread in helpers:
        thread.join()
    out = Image.new("L", size)
    for i, part in enumerate(parts):
        if part is None:  # a helper thread failed: its band again here, raising its error
            part = band(edges[i], edges[i + 1])
        out.paste(part, (0, edges[i]))
    counts = [m for m in mid_greys if m is not None]
    return out, (sum(counts) if len(counts) == bands else None)


def _fit(image: Image.Image, long_side: int) -> Image.Image:
    if max(image.size) <= long_side:
        return image
    scale = long_side / max(image.size)
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    return image.resize(size, Image.Resampling.LANCZOS)


def thumbnail_png(data: bytes, size: int) -> bytes:
    """A PNG at most ``size`` px on its long side, for the page strips and viewers."""
    image = to_grey(open_image(data))
    image.thumbnail((size, size), Image.Resampling.LANCZOS)
    return _encode_png(image)


def placeholder_png(size: int) -> bytes:
    """A blank A4-shaped page with a dashed frame, standing for a page whose image cannot
    be shown yet (still downloading, damaged): the strip keeps its place."""
    from PIL import ImageDraw

    image = Image.new("L", (max(8, round(size * 0.707)), size), 236)
    draw = ImageDraw.Draw(image)
    for x in range(0, image.width, 8):
        draw.line((x, 0, x + 3, 0), fill=150)
        draw.line((x, image.height - 1, x + 3, image.height - 1), fill=150)
    for y in range(0, image.height, 8):
        draw.line((0, y, 0, y + 3), fill=150)
        draw.line((image.width - 1, y, image.width - 1, y + 3), fill=150)
    draw.text((image.width // 2, image.height // 2), "…", fill=110, anchor="mm")
    return _encode_png(image)


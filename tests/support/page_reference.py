"""The page normalisation as it was before issue #16.5, frozen as the reference.

tests/adapters/test_imaging_quality.py checks that :func:`sadec_desk.adapters.imaging.
normalise_page` gives the same pages as this one (size, format, skew, pixels within a
tolerance) and bench/pages.py times both in the same run. Not production code: it is
kept as it was (commit b80119e), with only the input checks shared.
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image, ImageOps

from sadec_desk.adapters.imaging import (
    DEFAULT_MAX_BYTES,
    DEFAULT_MAX_LONG_SIDE,
    JPEG_QUALITIES,
    MAX_SKEW_DEGREES,
    MIN_SKEW_DEGREES,
    NormalisedPage,
    open_image,
)

ANALYSIS_SIDE = 700


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
    return image.convert("L")


def _small(image: Image.Image, side: int = ANALYSIS_SIDE) -> tuple[np.ndarray, float]:
    """A reduced copy as an array and its scale (small / full)."""
    scale = min(1.0, side / max(image.size))
    if scale < 1.0:
        size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
        image = image.resize(size, Image.Resampling.BOX)
    return np.asarray(image, dtype=np.uint8), scale


def _paper_threshold(pixels: np.ndarray) -> int:
    """Otsu's threshold between ink/dark bed and paper (deterministic, integer)."""
    hist = np.bincount(pixels.ravel(), minlength=256).astype(np.float64)
    total = hist.sum()
    levels = np.arange(256)
    weight0 = np.cumsum(hist)
    mean0 = np.cumsum(hist * levels)
    weight1 = total - weight0
    with np.errstate(divide="ignore", invalid="ignore"):
        between = (mean0[-1] * weight0 / total - mean0) ** 2 / (weight0 * weight1)
    between = np.nan_to_num(between)
    return int(np.argmax(between))


def crop_dark_border(image: Image.Image) -> Image.Image:
    """Cut off the dark band a flatbed scan or a photo on a desk shows around the paper.

    Edge rows/columns where most pixels are dark are outside the paper; they are trimmed
    from each side inwards until a row/column is mostly paper.
    """
    pixels, scale = _small(image)
    if pixels.mean() < 60:  # a dark picture, not a paper on a dark bed: leave it
        return image
    dark = pixels < min(_paper_threshold(pixels), 110)
    rows, cols = dark.mean(axis=1), dark.mean(axis=0)
    top, bottom = _trim(rows, 0.6), len(rows) - _trim(rows[::-1], 0.6)
    left, right = _trim(cols, 0.6), len(cols) - _trim(cols[::-1], 0.6)
    if bottom - top < len(rows) * 0.3 or right - left < len(cols) * 0.3:
        return image  # what would remain is not a page
    if (top, bottom, left, right) == (0, len(rows), 0, len(cols)):
        return image
    # one more analysis pixel on each side: the paper's edge pixels mix with the bed
    box = (min(image.width, round((left + (left > 0)) / scale)),
           min(image.height, round((top + (top > 0)) / scale)),
           max(0, round((right - (right < len(cols))) / scale)),
           max(0, round((bottom - (bottom < len(rows))) / scale)))
    return image.crop(box)


def _trim(profile: np.ndarray, limit: float) -> int:
    """How many leading entries of ``profile`` are above ``limit``."""
    above = profile > limit
    if above.all():
        return len(profile)
    return int(np.argmin(above))


def crop_blank_margin(image: Image.Image, *, keep: float = 0.03) -> Image.Image:
    """Trim white margin down to ``keep`` × the long side around the ink."""
    pixels, scale = _small(image)
    threshold = min(_paper_threshold(pixels), 200)
    ink = pixels < threshold
    # an isolated speck of dust is not content: a row/column needs a few ink pixels
    rows = np.flatnonzero(ink.sum(axis=1) >= 2)
    cols = np.flatnonzero(ink.sum(axis=0) >= 2)
    if len(rows) == 0 or len(cols) == 0:
        return image  # a blank page stays as it is
    margin = keep * max(pixels.shape)
    top = max(0, rows[0] - margin)
    bottom = min(pixels.shape[0], rows[-1] + 1 + margin)
    left = max(0, cols[0] - margin)
    right = min(pixels.shape[1], cols[-1] + 1 + margin)
    box = (int(left / scale), int(top / scale),
           min(image.width, int(np.ceil(right / scale))),
           min(image.height, int(np.ceil(bottom / scale))))
    if box == (0, 0, image.width, image.height):
        return image
    return image.crop(box)


def _profile_score(ink: Image.Image, angle: float) -> float:
    rotated = ink.rotate(angle, resample=Image.Resampling.NEAREST, expand=False, fillcolor=0)
    rows = np.asarray(rotated, dtype=np.float32).sum(axis=1)
    return float(np.square(np.diff(rows)).sum())


def find_skew(image: Image.Image) -> float:
    """The angle (degrees, counter-clockwise) that makes the text lines horizontal.

    Projection profiles: rotating the ink to the right angle makes the row sums jump
    sharply between text lines and gaps; searched over ±MAX_SKEW_DEGREES in 0.5° steps,
    then 0.1° around the best. Measured: ~0.1-0.3 s for the search on this 2-core test
    machine. Returns 0.0 when nothing is clearly better than level.
    """
    pixels, _scale = _small(image)
    threshold = min(_paper_threshold(pixels), 200)
    ink_share = float((pixels < threshold).mean())
    if not 0.002 < ink_share < 0.5:
        return 0.0  # a blank page or a photo: no text lines to level
    ink = Image.fromarray(np.where(pixels < threshold, 255, 0).astype(np.uint8), "L")
    level = _profile_score(ink, 0.0)
    # the coarse pass on a half-size copy (a quarter of the pixels), the fine one on all
    half = ink.reduce(2)
    coarse = [i * 0.5 for i in range(-int(MAX_SKEW_DEGREES * 2), int(MAX_SKEW_DEGREES * 2) + 1)]
    best = max(coarse, key=lambda a: (_profile_score(half, a), -abs(a)))
    fine = [round(best + i * 0.1, 1) for i in range(-4, 5)]
    best = max(fine, key=lambda a: (_profile_score(ink, a), -abs(a)))
    if abs(best) < MIN_SKEW_DEGREES or _profile_score(ink, best) < level * 1.15:
        return 0.0
    return best


def _is_bilevel(image: Image.Image) -> bool:
    """Black text on white paper with hardly any grey: a 1-bit PNG keeps it whole."""
    hist = np.asarray(image.histogram(), dtype=np.float64)
    mid = hist[48:208].sum() / hist.sum()
    return mid < 0.02


def _encode_jpeg(image: Image.Image, quality: int) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality, optimize=True)
    return out.getvalue()


def _encode_png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()


def reference_normalise_page(data: bytes, *, max_long_side: int = DEFAULT_MAX_LONG_SIDE,
                   max_bytes: int = DEFAULT_MAX_BYTES, deskew: bool = True
                   ) -> NormalisedPage:
    """The stored form of one page (see the module docstring); InvalidInput for a file
    that is not a usable image."""
    image = open_image(data, long_side=max_long_side)
    try:
        image = ImageOps.exif_transpose(image)
    except (OSError, ValueError, SyntaxError):
        pass  # a broken EXIF block: keep the picture as it is
    grey = to_grey(image)
    # work on at most twice the final size: the analysis and the rotation stay cheap
    if max(grey.size) > 2 * max_long_side:
        factor = max(grey.size) // max_long_side
        grey = grey.reduce(factor)
    grey = crop_dark_border(grey)
    grey = _fit(grey, max_long_side)  # before rotating: fewer pixels to turn
    if deskew:
        angle = find_skew(grey)
        if angle:
            grey = grey.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True,
                               fillcolor=255)
    grey = crop_blank_margin(grey)
    grey = _fit(grey, max_long_side)
    if _is_bilevel(grey):
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


def _fit(image: Image.Image, long_side: int) -> Image.Image:
    if max(image.size) <= long_side:
        return image
    scale = long_side / max(image.size)
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    return image.resize(size, Image.Resampling.LANCZOS)

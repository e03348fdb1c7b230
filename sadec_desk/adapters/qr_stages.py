"""Preprocessing stages for reading QR codes from camera frames and photos.

Each takes an H×W uint8 greyscale array and returns the array to decode (or None when
the stage does not apply). Chosen with bench/qr.py on the synthetic card set
(docs/benchmarks.md); :mod:`sadec_desk.adapters.qr_image` decides the order.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from PIL import Image, ImageChops, ImageFilter

#: the 2× upscale of a whole frame is skipped when the result would be larger than
#: this (frames up to 1024×768): small codes are a problem of small frames, and
#: pyzbar on a larger upscaled frame costs 100 ms and more
MAX_UPSCALED_PIXELS = 4 * 1024 * 768


def upscale(grey: np.ndarray, factor: int = 2, *,
            resample: Image.Resampling = Image.Resampling.LANCZOS) -> np.ndarray | None:
    """Small codes (1–2 px per module) and noise: ZBar needs about 2 px per module.

    Lanczos keeps module edges sharper than bicubic and read more dim and small
    codes in the benchmark; the fast pipeline upscales a whole frame with bicubic
    (as many frames read on the set, for 30 % less time).
    """
    h, w = grey.shape
    if h * w * factor * factor > MAX_UPSCALED_PIXELS:
        return None
    img = Image.fromarray(grey, "L").resize((w * factor, h * factor), resample)
    return np.asarray(img)


def stretch(grey: np.ndarray) -> np.ndarray:
    """Dim, low-contrast frames: spread the 1st..99th percentile over 0..255.

    zxing-cpp misses most very dim frames without it.
    """
    img = Image.fromarray(grey, "L")
    # Percentiles from Pillow's histogram and a lookup table applied by Pillow:
    # ~10× faster than numpy's bincount and fancy indexing on a frame.
    cdf = np.cumsum(img.histogram())
    low = int(np.searchsorted(cdf, 0.01 * cdf[-1]))
    high = int(np.searchsorted(cdf, 0.99 * cdf[-1]))
    if high <= low:
        return grey
    levels = (np.arange(256, dtype=np.float32) - low) * (255.0 / (high - low))
    lut = np.clip(levels + 0.5, 0, 255).astype(np.uint8)
    return np.asarray(img.point(lut.tolist()))


def sharpen(grey: np.ndarray) -> np.ndarray:
    """Out-of-focus frames: an unsharp mask restores module edges."""
    img = Image.fromarray(grey, "L")
    return np.asarray(img.filter(ImageFilter.UnsharpMask(radius=2, percent=150, threshold=0)))


def _window(grey: np.ndarray) -> int:
    """A neighbourhood spanning several modules of the largest codes."""
    return max(7, min(grey.shape) // 24)


def adaptive(grey: np.ndarray) -> np.ndarray:
    """Black where a pixel is darker than its neighbourhood: shadows and heavy noise.

    zxing-cpp binarises locally itself; this stage is for ZBar, which uses
    one threshold for the frame and loses noisy codes without it.
    """
    img = Image.fromarray(grey, "L")
    # A light blur first, so that sensor noise and JPEG blocks do not become
    # speckles.
    smooth = np.asarray(img.filter(ImageFilter.GaussianBlur(1)), dtype=np.int16)
    local_mean = np.asarray(img.filter(ImageFilter.BoxBlur(_window(grey))), dtype=np.int16)
    return np.where(smooth < local_mean - 6, 0, 255).astype(np.uint8)


def local_contrast(grey: np.ndarray) -> np.ndarray:
    """Uneven light (a shadow across the card, a lamp's gradient, a dim corner): each
    pixel's difference from its neighbourhood mean, amplified 3×, around mid-grey.

    Measured on the set against CLAHE (8×8 and 4×4 tiles, in numpy): it rescued as
    many frames (dim, gradient, noise) at less than a tenth of the cost.
    """
    img = Image.fromarray(grey, "L")
    local_mean = img.filter(ImageFilter.BoxBlur(_window(grey)))
    # (pixel - mean) / (1/3) + 128, clipped: one pass in Pillow, no int16 copies
    return np.asarray(ImageChops.subtract(img, local_mean, scale=1 / 3, offset=128))


#: the stages of the thorough chain (decode_qr_image with explicit decoders) in
#: the order they are tried
STAGES: tuple[tuple[str, Callable[[np.ndarray], np.ndarray | None]], ...] = (
    ("grey", lambda grey: grey),
    ("upscale2x", upscale),
    ("stretch", stretch),
    ("sharpen", sharpen),
    ("adaptive", adaptive),
)
STAGE_NAMES = tuple(name for name, _fn in STAGES)

"""Synthetic photos of citizen ID card (CCCD) QR codes, shared by the tests and bench/qr.py.

Everything is drawn here with qrcode + Pillow + numpy: no network and no files.
The card QR is encoded the way real cards are (docs/design.md §3.5): the UTF-8 bytes
of the text in byte mode, *without* an ECI charset marker, which is exactly what
makes ZBar guess Shift-JIS for some Vietnamese names.

Every sample is a 640×480 RGB frame, the size of a webcam frame, so timings in
the benchmark are per 640×480 frame. A sample is a pure function of
``(seed, kind, index)``: the set does not change with ``per_kind`` or order.

Import it by path (``tests/`` is not a package)::

    spec = importlib.util.spec_from_file_location("qr_samples", path_to_this_file)
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np
import qrcode
from PIL import Image, ImageDraw, ImageFilter

FRAME_SIZE = (640, 480)

#: distortion kinds, in the order the benchmark prints them
KINDS = (
    "clean",
    "small",
    "rotation",
    "tilt",
    "blur",
    "jpeg",
    "noise",
    "gradient",
    "glare",
    "dim",
    "desk",
    "webcam",
)

# fmt: off
FAMILY_NAMES = (
    "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng",
    "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý", "Trương", "Đinh", "Lâm", "Châu",
)
MIDDLE_NAMES_MALE = ("Văn", "Hữu", "Đức", "Minh", "Quốc", "Thành", "Công", "Tấn", "Xuân")
MIDDLE_NAMES_FEMALE = ("Thị", "Ngọc", "Thu", "Thùy", "Bảo", "Kim", "Mỹ", "Hồng", "Thanh")
GIVEN_NAMES_MALE = (
    "Đức", "Hùng", "Dũng", "Tuấn", "Phúc", "Thắng", "Trường", "Lộc", "Việt", "Khải",
    "Nghĩa", "Cường", "Hiếu", "Quý", "Tài", "Sơn", "Toàn", "Huy",
)
GIVEN_NAMES_FEMALE = (
    "Hoa", "Hương", "Ánh", "Nhung", "Hằng", "Quyên", "Yến", "Nguyệt", "Trâm", "Loan",
    "Thảo", "Uyên", "Diễm", "Phượng", "Châu", "Ngân", "Tuyết", "Oanh",
)
# fmt: on
ADDRESSES = (
    "Thôn Lai Ổn, An Quý, Quỳnh Phụ, Thái Bình",
    "Khóm 3, Phường 1, Sa Đéc, Đồng Tháp",
    "Ấp Tân Hòa, Tân Khánh Đông, Sa Đéc, Đồng Tháp",
    "Số 12 Nguyễn Sinh Sắc, Phường 2, Sa Đéc, Đồng Tháp",
    "Ấp Phú Long, Tân Phú Đông, Sa Đéc, Đồng Tháp",
    "Tổ 5, Khóm Hòa Khánh, Phường An Hòa, Sa Đéc, Đồng Tháp",
    "Ấp Khánh Hòa, Tân Quy Đông, Sa Đéc, Đồng Tháp",
    "Số 47/2 Hùng Vương, Phường 1, Cao Lãnh, Đồng Tháp",
    "Ấp Bình Thạnh, Bình Thành, Lấp Vò, Đồng Tháp",
    "Thôn Đông Xá, Đông Hưng, Thái Bình",
    "Xóm 4, Nghi Phú, Vinh, Nghệ An",
    "Số 18 ngõ 42 Trần Quốc Hoàn, Dịch Vọng Hậu, Cầu Giấy, Hà Nội",
    "Ấp Mỹ Điền, Long Hưng A, Lấp Vò, Đồng Tháp",
    "Khu phố 2, Phường Mỹ Phú, Cao Lãnh, Đồng Tháp",
)
#: province part of the 12-digit ID (Thông tư 59/2021/TT-BCA annex): Hà Nội,
#: Nghệ An, Thái Bình, TP HCM, Đồng Tháp, Cần Thơ, Vĩnh Long
PROVINCE_CODES = ("001", "040", "034", "079", "087", "092", "086")

#: a receipt (Mẫu 01) QR carries the dossier code (docs/design.md §3.3)
DOSSIER_CODE_EXAMPLE = "000.00.14.H20-200703-0002"


@dataclass(frozen=True)
class Sample:
    kind: str
    index: int
    text: str
    image: Image.Image = field(repr=False)
    #: pixels per QR module in the frame before perspective/blur
    px_per_module: float


# --------------------------------------------------------------------------- texts


def _date(rng: np.random.Generator, first_year: int, last_year: int) -> tuple[int, int, int]:
    year = int(rng.integers(first_year, last_year + 1))
    month = int(rng.integers(1, 13))
    day = int(rng.integers(1, 29))
    return day, month, year


def cccd_text(rng: np.random.Generator, *, fields: int | None = None) -> str:
    """A realistic CCCD QR text: 7 fields, or 11 with 4 empty trailing fields (2024 cards)."""
    female = bool(rng.integers(0, 2))
    family = FAMILY_NAMES[rng.integers(len(FAMILY_NAMES))]
    middles = MIDDLE_NAMES_FEMALE if female else MIDDLE_NAMES_MALE
    givens = GIVEN_NAMES_FEMALE if female else GIVEN_NAMES_MALE
    name = f"{family} {middles[rng.integers(len(middles))]} {givens[rng.integers(len(givens))]}"
    birth = _date(rng, 1950, 2006)
    # The 4th digit of the ID is gender + century: 0/1 for 1900s men/women, 2/3 for 2000s.
    century_gender = (0 if birth[2] < 2000 else 2) + (1 if female else 0)
    serial = "".join(str(d) for d in rng.integers(0, 10, size=6))
    province = PROVINCE_CODES[rng.integers(len(PROVINCE_CODES))]
    cccd = f"{province}{century_gender}{birth[2] % 100:02d}{serial}"
    old_cmnd = "" if rng.random() < 0.5 else "".join(str(d) for d in rng.integers(0, 10, 9))
    issue = _date(rng, 2021, 2024)
    parts = [
        cccd,
        old_cmnd,
        name,
        f"{birth[0]:02d}{birth[1]:02d}{birth[2]}",
        "Nữ" if female else "Nam",
        ADDRESSES[rng.integers(len(ADDRESSES))],
        f"{issue[0]:02d}{issue[1]:02d}{issue[2]}",
    ]
    if fields is None:
        fields = 11 if rng.random() < 0.3 else 7
    parts += [""] * (fields - 7)
    return "|".join(parts)


# ------------------------------------------------------------------------ QR codes


def qr_matrix(
    text: str | bytes, *, error_correction: str = "M", mask_pattern: int | None = None
) -> np.ndarray:
    """Module matrix (True = dark) of ``text`` encoded as UTF-8 bytes in byte mode, no ECI.

    ``mask_pattern`` None lets qrcode pick the best mask (slow: ~40 ms per code).
    """
    levels = {
        "L": qrcode.constants.ERROR_CORRECT_L,
        "M": qrcode.constants.ERROR_CORRECT_M,
        "Q": qrcode.constants.ERROR_CORRECT_Q,
        "H": qrcode.constants.ERROR_CORRECT_H,
    }
    data = text.encode("utf-8") if isinstance(text, str) else text
    code = qrcode.QRCode(
        error_correction=levels[error_correction], border=0, mask_pattern=mask_pattern
    )
    # Passing bytes makes qrcode use byte mode; it never writes an ECI header,
    # like the encoder of the real cards.
    code.add_data(data)
    code.make(fit=True)
    return np.array(code.get_matrix(), dtype=bool)


def render_qr(
    text: str | bytes, *, px_per_module: int = 4, border: int = 4, error_correction: str = "M"
) -> Image.Image:
    """A plain black-on-white greyscale QR image (the 'clean' case of the tests)."""
    modules = qr_matrix(text, error_correction=error_correction)
    modules = np.pad(modules, border, constant_values=False)
    pixels = np.where(modules, 0, 255).astype(np.uint8)
    pixels = np.kron(pixels, np.ones((px_per_module, px_per_module), dtype=np.uint8))
    return Image.fromarray(pixels, "L")


# ---------------------------------------------------------------------- the card


def _card(
    text: str, ppm: float, rng: np.random.Generator, *, blank: bool = False
) -> tuple[Image.Image, tuple]:
    """A light ID card with the QR in the top-right corner; returns (RGB, QR corners).

    ``blank`` leaves the QR area white (a frame with no code in it).
    """
    # Any of the 8 masks is a valid code; picking one at random skips qrcode's
    # slow best-mask search.
    modules = qr_matrix(text, mask_pattern=int(rng.integers(8)))
    n = modules.shape[0]
    qr_px = max(int(round(n * ppm)), n)
    card_w = int(qr_px * rng.uniform(3.6, 4.4))
    card_h = int(card_w / 1.585)  # ID-1 format, 85.6 × 54 mm
    base = np.array([rng.uniform(222, 242), rng.uniform(228, 246), rng.uniform(232, 250)])
    yy, xx = np.mgrid[0:card_h, 0:card_w].astype(np.float32)
    # faint guilloche-like security pattern
    pattern = 6 * np.sin(xx / rng.uniform(5, 11) + 3 * np.sin(yy / rng.uniform(17, 31)))
    card = np.clip(base[None, None, :] + pattern[..., None], 0, 255).astype(np.uint8)
    img = Image.fromarray(card, "RGB")
    draw = ImageDraw.Draw(img)
    margin = int(card_w * 0.04)
    # photo box and a few "text" lines so that the decoders see clutter
    photo_w = int(card_w * 0.24)
    draw.rectangle(
        (margin, int(card_h * 0.3), margin + photo_w, card_h - margin),
        fill=(150, 150, 160),
    )
    line_h = max(2, card_h // 40)
    x0 = margin * 2 + photo_w
    y = int(card_h * 0.36)
    while y < card_h - margin:
        length = int(rng.uniform(0.25, 0.6) * card_w)
        draw.rectangle((x0, y, min(card_w - margin, x0 + length), y + line_h), fill=(55, 55, 70))
        y += line_h * int(rng.integers(3, 5))
    draw.rectangle((margin, margin, int(card_w * 0.55), margin + line_h * 2), fill=(160, 30, 30))

    quiet = max(1, int(round(ppm * 2)))
    qx = card_w - margin - qr_px
    qy = margin
    draw.rectangle(
        (qx - quiet, qy - quiet, qx + qr_px + quiet, qy + qr_px + quiet), fill=(250, 250, 250)
    )
    qr = Image.fromarray(np.where(modules, 20, 250).astype(np.uint8), "L")
    qr = qr.resize((qr_px, qr_px), Image.Resampling.NEAREST if ppm >= 3 else Image.Resampling.BOX)
    if not blank:
        img.paste(Image.merge("RGB", (qr, qr, qr)), (qx, qy))
    corners = ((qx, qy), (qx + qr_px, qy), (qx + qr_px, qy + qr_px), (qx, qy + qr_px))
    return img, corners


def _desk(rng: np.random.Generator, size=FRAME_SIZE) -> Image.Image:
    """A textured wooden desk."""
    w, h = size
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    angle = rng.uniform(0, np.pi)
    u = xx * np.cos(angle) + yy * np.sin(angle)
    v = -xx * np.sin(angle) + yy * np.cos(angle)
    grain = np.sin(u / rng.uniform(3, 7) + 2.5 * np.sin(v / rng.uniform(40, 90)))
    tone = 0.5 + 0.5 * grain + rng.normal(0, 0.25, size=(h, w))
    base = np.array([rng.uniform(110, 160), rng.uniform(75, 110), rng.uniform(40, 70)])
    desk = base[None, None, :] * (0.75 + 0.35 * tone[..., None])
    return Image.fromarray(np.clip(desk, 0, 255).astype(np.uint8), "RGB")


def _plain_background(rng: np.random.Generator, size=FRAME_SIZE) -> Image.Image:
    grey = int(rng.integers(90, 200))
    return Image.new("RGB", size, (grey, grey, int(grey * 0.95)))


# -------------------------------------------------------------------- geometry


def _homography(src, dst) -> np.ndarray:
    """The 3×3 matrix mapping the four ``src`` points onto the four ``dst`` points."""
    rows, rhs = [], []
    for (x, y), (u, v) in zip(src, dst, strict=True):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y])
        rhs += [u, v]
    h = np.linalg.solve(np.array(rows, float), np.array(rhs, float))
    return np.append(h, 1.0).reshape(3, 3)


def _apply(h: np.ndarray, points) -> np.ndarray:
    pts = np.c_[np.asarray(points, float), np.ones(len(points))] @ h.T
    return pts[:, :2] / pts[:, 2:3]


def _place(
    card: Image.Image,
    qr_corners,
    background: Image.Image,
    rng: np.random.Generator,
    *,
    angle_deg: float = 0.0,
    keystone: float = 0.0,
) -> tuple[Image.Image, np.ndarray]:
    """Warp the card onto the background so the whole QR is inside the frame.

    Returns the frame and the four corners of the QR in it.
    """
    w, h = card.size
    card_corners = np.array([(0, 0), (w, 0), (w, h), (0, h)], float)
    warped = card_corners.copy()
    if keystone:
        # A tilted card: one edge further from the camera looks shorter.
        side = int(rng.integers(4))
        shrink = keystone * (w if side in (0, 2) else h) / 2
        a, b = side, (side + 1) % 4
        direction = warped[b] - warped[a]
        direction /= np.linalg.norm(direction)
        warped[a] += direction * shrink
        warped[b] -= direction * shrink
        # and is foreshortened
        centre = warped.mean(axis=0)
        normal = centre - (warped[a] + warped[b]) / 2
        normal /= np.linalg.norm(normal)
        warped[a] += normal * keystone * 0.35 * (h if side in (0, 2) else w)
        warped[b] += normal * keystone * 0.35 * (h if side in (0, 2) else w)
    h_tilt = _homography(card_corners, warped)
    theta = np.deg2rad(angle_deg)
    rot = np.array(
        [[np.cos(theta), -np.sin(theta), 0], [np.sin(theta), np.cos(theta), 0], [0, 0, 1]]
    )
    m = rot @ h_tilt
    qr_now = _apply(m, qr_corners)
    fw, fh = background.size
    lo = qr_now.min(axis=0)
    hi = qr_now.max(axis=0)
    span = hi - lo
    pad = 8
    # QR centre lands at a random spot that keeps all of the QR in the frame
    tx_lo, tx_hi = pad - lo[0], fw - pad - span[0] - lo[0]
    ty_lo, ty_hi = pad - lo[1], fh - pad - span[1] - lo[1]
    tx = rng.uniform(tx_lo, max(tx_lo, tx_hi))
    ty = rng.uniform(ty_lo, max(ty_lo, ty_hi))
    m = np.array([[1, 0, tx], [0, 1, ty], [0, 0, 1]]) @ m
    inverse = np.linalg.inv(m)
    inverse /= inverse[2, 2]
    coeffs = tuple(inverse.flatten()[:8])
    warped_card = card.transform(
        background.size, Image.Transform.PERSPECTIVE, coeffs, Image.Resampling.BICUBIC
    )
    mask = Image.new("L", card.size, 255).transform(
        background.size, Image.Transform.PERSPECTIVE, coeffs, Image.Resampling.BILINEAR
    )
    frame = background.copy()
    frame.paste(warped_card, (0, 0), mask)
    return frame, _apply(m, qr_corners)


# --------------------------------------------------------------- photometrics


def _jpeg(img: Image.Image, quality: int) -> Image.Image:
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=quality)
    buf.seek(0)
    return Image.open(buf).convert("RGB")


def _noise(img: Image.Image, sigma: float, rng: np.random.Generator) -> Image.Image:
    arr = np.asarray(img, np.float32)
    arr = arr + rng.normal(0, sigma, size=arr.shape[:2])[..., None]
    return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8), "RGB")


def _gradient(img: Image.Image, darkest: float, rng: np.random.Generator) -> Image.Image:
    arr = np.asarray(img, np.float32)
    hgt, wid = arr.shape[:2]
    yy, xx = np.mgrid[0:hgt, 0:wid].astype(np.float32)
    angle = rng.uniform(0, 2 * np.pi)
    ramp = xx * np.cos(angle) + yy * np.sin(angle)
    ramp = (ramp - ramp.min()) / (np.ptp(ramp) or 1)
    light = darkest + (1 - darkest) * ramp
    return Image.fromarray(np.clip(arr * light[..., None], 0, 255).astype(np.uint8), "RGB")


def _glare(img: Image.Image, centre, radius: float, strength: float) -> Image.Image:
    arr = np.asarray(img, np.float32)
    hgt, wid = arr.shape[:2]
    yy, xx = np.mgrid[0:hgt, 0:wid].astype(np.float32)
    d2 = ((xx - centre[0]) ** 2 + (yy - centre[1]) ** 2) / radius**2
    spot = strength * np.exp(-d2)
    return Image.fromarray(np.clip(arr + spot[..., None], 0, 255).astype(np.uint8), "RGB")


def _shadow(img: Image.Image, quad: np.ndarray, factor: float, rng) -> Image.Image:
    """A soft-edged shadow (a hand, the phone) across part of the QR."""
    arr = np.asarray(img, np.float32)
    hgt, wid = arr.shape[:2]
    yy, xx = np.mgrid[0:hgt, 0:wid].astype(np.float32)
    angle = rng.uniform(0, 2 * np.pi)
    through = quad.mean(axis=0) + (quad[1] - quad[0]) * rng.uniform(-0.3, 0.3)
    dist = (xx - through[0]) * np.cos(angle) + (yy - through[1]) * np.sin(angle)
    edge = rng.uniform(2, 8)
    light = factor + (1 - factor) / (1 + np.exp(-dist / edge))
    return Image.fromarray(np.clip(arr * light[..., None], 0, 255).astype(np.uint8), "RGB")


def _dim(img: Image.Image, low: float, span: float, rng: np.random.Generator) -> Image.Image:
    arr = np.asarray(img, np.float32)
    arr = low + arr * (span / 255.0) + rng.normal(0, 1.5, size=arr.shape[:2])[..., None]
    return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8), "RGB")


# ---------------------------------------------------------------------- samples


def make_sample(
    kind: str, index: int, *, seed: int = 2024, text: str | None = None, blank: bool = False
) -> Sample:
    """One synthetic 640×480 frame of a card QR with distortion ``kind``.

    ``blank``: the same frame with the QR left out (for false positives and
    the time a frame without a code costs); the sample's ``text`` is then "".
    """
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}; expected one of {KINDS}")
    rng = np.random.default_rng([seed, KINDS.index(kind), index])
    if text is None:
        text = cccd_text(rng)
    ppm = rng.uniform(3.0, 5.0)
    angle = rng.uniform(-4, 4)
    keystone = 0.0
    background = _plain_background(rng)
    if kind == "small":
        ppm = rng.uniform(1.0, 2.0)
    elif kind == "rotation":
        angle = rng.uniform(10, 350)
    elif kind == "tilt":
        keystone = rng.uniform(0.3, 0.55)
        angle = rng.uniform(-20, 20)
    elif kind == "jpeg":
        ppm = rng.uniform(2.0, 3.5)
    elif kind == "desk":
        ppm = rng.uniform(2.5, 4.0)
        angle = rng.uniform(0, 360)
        background = _desk(rng)
    elif kind == "webcam":
        ppm = rng.uniform(2.2, 3.5)
        background = _desk(rng) if rng.random() < 0.5 else background

    card, corners = _card(text, ppm, rng, blank=blank)
    frame, quad = _place(card, corners, background, rng, angle_deg=angle, keystone=keystone)

    if kind == "blur":
        frame = frame.filter(ImageFilter.GaussianBlur(ppm * rng.uniform(0.35, 0.7)))
    elif kind == "jpeg":
        frame = _jpeg(frame, int(rng.integers(10, 31)))
    elif kind == "noise":
        frame = _noise(frame, rng.uniform(30, 60), rng)
    elif kind == "gradient":
        frame = _gradient(frame, rng.uniform(0.1, 0.3), rng)
        frame = _shadow(frame, quad, rng.uniform(0.25, 0.5), rng)
    elif kind == "glare":
        # The spot lands somewhere on the QR, covering part of it.
        t = rng.uniform(0.15, 0.85, size=2)
        top = quad[0] + t[0] * (quad[1] - quad[0])
        bottom = quad[3] + t[0] * (quad[2] - quad[3])
        centre = top + t[1] * (bottom - top)
        size = np.linalg.norm(quad[1] - quad[0])
        frame = _glare(frame, centre, size * rng.uniform(0.15, 0.3), rng.uniform(180, 255))
    elif kind == "dim":
        frame = _dim(frame, rng.uniform(5, 25), rng.uniform(8, 20), rng)
    elif kind == "desk":
        frame = _gradient(frame, rng.uniform(0.6, 0.9), rng)
        frame = _jpeg(frame, int(rng.integers(60, 90)))
    elif kind == "webcam":
        frame = frame.filter(ImageFilter.GaussianBlur(rng.uniform(0.6, 1.1)))
        frame = _noise(frame, rng.uniform(4, 9), rng)
        frame = _jpeg(frame, int(rng.integers(50, 76)))
    return Sample(
        kind=kind, index=index, text="" if blank else text, image=frame, px_per_module=ppm
    )


def generate_set(per_kind: int, *, seed: int = 2024, kinds=KINDS) -> Iterator[Sample]:
    for kind in kinds:
        for index in range(per_kind):
            yield make_sample(kind, index, seed=seed)

"""Refusing a page that shows nothing: a scan with the lid open over no paper (all black),
a paper laid face up (all white), a photo of the table (one flat colour).

A kiosk has nobody beside the citizen to notice; the dossier would reach the clerk with a
blank page as the "Giấy chứng sinh". The check is a pure function of the pixels: the share
of pixels that stand out from the page's own background (its median grey). A page of text
or a photo of a card has a few percent of such pixels at least; a blank or near-uniform
page has almost none, whatever its colour, and sensor noise or JPEG blur stays below the
threshold.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from sadec_desk.adapters import imaging
from sadec_desk.errors import InvalidInput
from sadec_desk.i18n import _

#: long side of the copy the check looks at in a file: thin text still shows at this size
#: (a page decoded for normalising is checked on its imaging.ANALYSIS_SIDE copy, 700 px)
CHECK_SIDE = 800
#: a pixel this far (of 255) from the background grey counts as "something"
INK_CONTRAST = 48
#: pages where less than this share of pixels is "something" are blank (0.2 %: a short
#: line of text on an A4 page is about 0.3 %)
MIN_INK_SHARE = 0.002
#: below this mean grey a page is "black" (a scan with no paper under the lid)
DARK_MEAN = 40


def page_content(image: bytes | imaging.DecodedPage) -> tuple[float, float]:
    """(share of pixels that stand out from the background, mean grey 0-255), of the
    file, or of the page already decoded for normalising: then of the reduced copy
    normalise_page takes its decisions on (imaging.ANALYSIS_SIDE px long), made once for
    both, and nothing is decoded or resampled again."""
    if isinstance(image, imaging.DecodedPage):
        pixels = image.reduced.astype(np.int16)
    else:
        grey = imaging.open_image(image, long_side=CHECK_SIDE).convert("L")
        if max(grey.size) > CHECK_SIDE:
            scale = CHECK_SIDE / max(grey.size)
            grey = grey.resize((max(1, round(grey.width * scale)),
                                max(1, round(grey.height * scale))),
                               Image.Resampling.BILINEAR)
        pixels = np.asarray(grey, dtype=np.int16)
    background = int(np.median(pixels))
    share = float(np.mean(np.abs(pixels - background) > INK_CONTRAST))
    return share, float(pixels.mean())


def refuse_blank(image: bytes | imaging.DecodedPage, source: str) -> None:
    """InvalidInput with a sentence for the citizen when ``image`` shows nothing."""
    share, mean = page_content(image)
    if share >= MIN_INK_SHARE:
        return
    if source == "scanner":
        hint = _("Hãy đặt giấy tờ lên mặt kính, mặt cần quét úp xuống, đậy nắp rồi quét lại.")
    elif source == "camera":
        hint = _("Hãy giữ giấy tờ trước máy ảnh, chữ hướng về máy ảnh, rồi chụp lại.")
    else:
        hint = _("Hãy chọn tệp khác có ảnh giấy tờ.")
    if mean < DARK_MEAN:
        said = _("Trang vừa nhận toàn màu đen, không thấy giấy tờ.")
    else:
        said = _("Trang vừa nhận gần như trống, không thấy chữ trên giấy tờ.")
    raise InvalidInput(f"{said} {hint}", code="blank_page")

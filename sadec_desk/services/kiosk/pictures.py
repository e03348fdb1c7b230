"""Pictures the kiosk screens show that the printers' renderer draws (views never import
:mod:`sadec_desk.printers`): the QR code that shows a citizen which code to hold to the
scanner."""

from __future__ import annotations

import base64
import io


def card_qr_picture() -> str:
    """A QR code picture (base64 PNG, what Tk's PhotoImage reads) that shows which code to
    hold to the scanner."""
    from sadec_desk.printers.render import qr_image

    out = io.BytesIO()
    qr_image("CCCD", 7).convert("L").save(out, format="PNG")
    return base64.b64encode(out.getvalue()).decode("ascii")

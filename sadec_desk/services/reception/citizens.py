"""Reading citizens from their ID-card QR: typed by a scanner, or decoded from a photo."""

from __future__ import annotations

from pathlib import Path

from sadec_desk.domain.cccd import parse_cccd_qr
from sadec_desk.domain.dossier_code import find_dossier_code
from sadec_desk.domain.limits import clean_card_qr
from sadec_desk.errors import InvalidInput
from sadec_desk.i18n import _
from sadec_desk.services.reception.dossiers import citizen_info
from sadec_desk.services.records import CitizenInfo, ScanResult


def parse_citizen_qr(text: str) -> CitizenInfo:
    """The citizen of a card QR; every field within its limits and free of control
    characters (domain/limits.py), like a dossier received from the same text."""
    return citizen_info(parse_cccd_qr(clean_card_qr(text)))


def classify_qr_text(text: str, decoder: str = "") -> ScanResult:
    """A CCCD card, a receipt (dossier code) or something else."""
    code = find_dossier_code(text)
    if code is not None:
        return ScanResult(kind="receipt", text=text, decoder=decoder, dossier_code=code)
    if "|" in text:
        # card QR fields are '|'-separated: a bad card deserves its precise error
        return ScanResult(kind="cccd", text=text, decoder=decoder,
                          citizen=parse_citizen_qr(text))
    return ScanResult(kind="other", text=text, decoder=decoder)


def scan_image(path: Path | str) -> ScanResult:
    """Decode the QR code in a photo or scanner image and say what it is."""
    from sadec_desk.adapters.qr_image import decode_first  # numpy/zbar load only when scanning

    try:
        decoded = decode_first(Path(path))
    except OSError as exc:  # a name too long, a folder, no permission
        raise InvalidInput(_("Không đọc được ảnh {path} ({error}).")
                           .format(path=path, error=exc.strerror or exc)) from None
    return classify_qr_text(decoded.text, decoded.decoder)

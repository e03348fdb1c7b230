"""Printer profiles: paper width in dots, dpi, cutter, native QR, code pages.

Built on python-escpos's capability database (``escpos.capabilities``) plus our
own entries for printers common in Vietnamese offices. docs/design.md §4: 80 mm
rolls print 72 mm = 576 dots at 203 dpi (Epson TM-T88 family: 180 dpi, 512
dots); 58 mm rolls print 384 dots. python-escpos's ``default`` profile has no
width, which is why every profile here carries one.

``vietnamese_code_pages`` lists the ESC t numbers of code pages that print
Vietnamese in text mode (TCVN-3 pages 30/31, CP1258 page 52 in Epson's
numbering). Entries marked *unverified* come from the vendor family's manual,
not from a tested unit: IT staff can change the mode in the settings.
"""

from __future__ import annotations

import copy
import functools
from dataclasses import dataclass, field

from escpos import capabilities

from sadec_desk.errors import InvalidInput
from sadec_desk.i18n import _

TCVN3_LOWER_PAGE = "TCVN-3-1"
TCVN3_UPPER_PAGE = "TCVN-3-2"
CP1258_PAGE = "CP1258"
_VIETNAMESE_PAGES = (TCVN3_LOWER_PAGE, TCVN3_UPPER_PAGE, CP1258_PAGE)


@dataclass(frozen=True)
class PrinterProfile:
    name: str
    vendor: str
    description: str
    width_dots: int
    dpi: int
    width_mm: int
    cut: bool
    native_qr: bool
    escpos_base: str  # python-escpos profile it extends
    #: code page name -> ESC t number, from the escpos base unless overridden
    code_pages: dict[str, int] = field(default_factory=dict)
    columns: int = 48  # characters per line in Font A (text mode)
    notes: str = ""

    @property
    def vietnamese_code_pages(self) -> dict[str, int]:
        return {n: v for n, v in self.code_pages.items() if n in _VIETNAMESE_PAGES}

    def escpos_profile(self):
        """A python-escpos profile object with our width, dpi and features."""
        cached = _ESCPOS_PROFILES.get(self.name)
        if cached is None or cached[0] != self:
            cached = _ESCPOS_PROFILES[self.name] = (self, _escpos_profile(self))
        return cached[1]


_ESCPOS_PROFILES: dict[str, tuple] = {}


def _escpos_code_pages(base: str) -> dict[str, int]:
    data = capabilities.CAPABILITIES["profiles"][base]
    return {name: int(num) for num, name in data.get("codePages", {}).items()
            if name != "Unknown"}


def _ours(name, vendor, description, width, dpi, mm, *, cut=True, native_qr=True,
          base="default", pages=None, columns=48, notes="") -> PrinterProfile:
    return PrinterProfile(
        name=name, vendor=vendor, description=description, width_dots=width, dpi=dpi,
        width_mm=mm, cut=cut, native_qr=native_qr, escpos_base=base,
        code_pages=pages if pages is not None else _escpos_code_pages(base),
        columns=columns, notes=notes)


_GENERIC_PAGES = {"CP437": 0, "CP1258": 52, "TCVN-3-1": 30, "TCVN-3-2": 31}

#: our own entries, for printers common in Vietnamese offices
OUR_PROFILES: tuple[PrinterProfile, ...] = (
    _ours("generic-80", "Generic", "Máy in nhiệt 80 mm (576 điểm, 203 dpi)", 576, 203, 72,
          pages=dict(_GENERIC_PAGES), notes="Any 80 mm ESC/POS printer; code pages unverified."),
    _ours("generic-58", "Generic", "Máy in nhiệt 58 mm (384 điểm, 203 dpi)", 384, 203, 48,
          pages=dict(_GENERIC_PAGES), columns=32, native_qr=False, cut=False,
          notes="Most 58 mm units have no cutter; native QR not assumed."),
    _ours("TM-T82", "Epson", "Epson TM-T82 / TM-T82II/III (80 mm, 576 điểm, 203 dpi)",
          576, 203, 72, base="TM-T20II",
          notes="Same command set as TM-T20II in python-escpos; code pages unverified."),
    _ours("TM-T88", "Epson", "Epson TM-T88V/VI (80 mm, 512 điểm, 180 dpi)", 512, 180, 72,
          base="TM-T88V", columns=42),
    _ours("XP-80", "Xprinter", "Xprinter XP-80C / XP-N160 (80 mm, 576 điểm, 203 dpi)",
          576, 203, 72, pages={"CP437": 0, "TCVN-3-1": 30, "TCVN-3-2": 31},
          notes="Native QR varies by firmware (unverified): raster QR is always used."),
)


@functools.cache
def all_profiles() -> dict[str, PrinterProfile]:
    """Our entries first, then every python-escpos profile that knows its paper width."""
    profiles = {p.name: p for p in OUR_PROFILES}
    for name, data in capabilities.CAPABILITIES["profiles"].items():
        media = data.get("media", {})
        width = media.get("width", {}).get("pixels")
        dpi = media.get("dpi")
        if name in profiles or not isinstance(width, int) or not isinstance(dpi, int):
            continue
        features = data.get("features", {})
        font_a = data.get("fonts", {}).get("0", {})
        profiles[name] = PrinterProfile(
            name=name, vendor=data.get("vendor", ""), description=data.get("name", name),
            width_dots=width, dpi=dpi, width_mm=int(media["width"].get("mm") or 0),
            cut=bool(features.get("paperFullCut") or features.get("paperPartCut")),
            native_qr=bool(features.get("qrCode")), escpos_base=name,
            code_pages=_escpos_code_pages(name), columns=int(font_a.get("columns") or 42),
            notes="python-escpos capability profile")
    return profiles


def get_profile(name: str) -> PrinterProfile:
    profile = all_profiles().get(name)
    if profile is None:
        raise InvalidInput(_("Không có mẫu máy in '{name}'. Xem danh sách bằng "
                             "'sadec-desk printer list-profiles'.").format(name=name))
    return profile


def _escpos_profile(profile: PrinterProfile):
    base = capabilities.get_profile_class(profile.escpos_base)
    data = copy.deepcopy(base.profile_data)
    data["media"] = {"dpi": profile.dpi,
                     "width": {"mm": profile.width_mm, "pixels": profile.width_dots}}
    features = data.setdefault("features", {})
    features["qrCode"] = profile.native_qr
    if not profile.cut:
        features["paperFullCut"] = features["paperPartCut"] = False
    data["codePages"] = {str(num): name for name, num in profile.code_pages.items()}
    # escpos.Escpos accepts a ready profile only if it is a capabilities.Profile
    cls = type(f"SadecProfile_{capabilities.clean(profile.name)}",
               (capabilities.Profile,), {"profile_data": data})
    instance = cls()
    instance.features = data["features"]  # Profile.__init__ resets them to {}
    return instance

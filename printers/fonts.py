"""Finding a font that draws every Vietnamese letter, on Linux, Windows and macOS.

Slips are drawn with Pillow (docs/design.md §4), so the font decides whether "Nguyễn"
prints as "Nguyễn" or as "Nguy▯n". A candidate is accepted only if its character
map covers the whole Vietnamese alphabet (read with fontTools, not guessed from
the file name). Order: the ``printing.font_file`` setting, then DejaVu Sans and
Noto Sans (Debian: fonts-dejavu-core), then the Windows fonts that carry
Vietnamese (Arial, Tahoma, Segoe UI), then macOS Arial, and last the DejaVu Sans
shipped inside the package (``font_files/``, with its licence), so a PC whose system
fonts all lack a letter or the ★ of the slips (Windows' Arial, Tahoma and Segoe UI
have no ★) still prints.

``SADEC_DESK_FONT_DIRS`` (folders separated by ``os.pathsep``; empty = none) replaces
the system's font folders: a test, or an office that keeps its fonts elsewhere.
"""

from __future__ import annotations

import functools
import os
import sys
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from fontTools.ttLib import TTFont, TTLibError
from PIL import ImageFont

from sadec_desk.errors import UserError
from sadec_desk.i18n import _

# Every letter of the Vietnamese alphabet with every tone, both cases, plus the
# punctuation the layouts use.
_VI_LOWER = ("aàảãáạăằẳẵắặâầẩẫấậbcdđeèẻẽéẹêềểễếệghiìỉĩíịklmnoòỏõóọôồổỗốộơờởỡớợ"
             "pqrstuùủũúụưừửữứựvxyỳỷỹýỵ")
VIETNAMESE_CHARS = frozenset(_VI_LOWER + _VI_LOWER.upper() + "0123456789.,:;-–—/()%×•★·")


class FontNotFound(UserError):
    code = "font_not_found"


@dataclass(frozen=True)
class FontPair:
    regular: Path
    bold: Path


#: replaces the system's font folders when set (os.pathsep-separated; "" = no folder)
FONT_DIRS_ENV = "SADEC_DESK_FONT_DIRS"
#: the fonts shipped inside the package (DejaVu Sans 2.37, licence beside them)
SHIPPED = ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf")

_LINUX_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts", "~/.local/share/fonts", "~/.fonts")
# (regular, bold) file names, best first
_CANDIDATES = (
    ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf"),
    ("NotoSans-Regular.ttf", "NotoSans-Bold.ttf"),
    ("LiberationSans-Regular.ttf", "LiberationSans-Bold.ttf"),
    ("arial.ttf", "arialbd.ttf"),
    ("tahoma.ttf", "tahomabd.ttf"),
    ("segoeui.ttf", "segoeuib.ttf"),
    ("Arial.ttf", "Arial Bold.ttf"),
)


def _font_dirs() -> list[Path]:
    dirs: list[Path] = []
    override = os.environ.get(FONT_DIRS_ENV)
    if override is not None:
        dirs = [Path(d).expanduser() for d in override.split(os.pathsep) if d.strip()]
    elif sys.platform == "win32":
        windir = os.environ.get("WINDIR", r"C:\Windows")
        dirs.append(Path(windir) / "Fonts")
        local = os.environ.get("LOCALAPPDATA")
        if local:
            dirs.append(Path(local) / "Microsoft" / "Windows" / "Fonts")
    elif sys.platform == "darwin":
        dirs += [Path("/Library/Fonts"), Path("/System/Library/Fonts/Supplemental"),
                 Path("~/Library/Fonts").expanduser()]
    else:
        dirs += [Path(d).expanduser() for d in _LINUX_DIRS]
    return [d for d in dirs if d.is_dir()]


def shipped_fonts() -> FontPair | None:
    """The DejaVu Sans pair inside the package, None if the installation lost it."""
    folder = resources.files(__package__ or "sadec_desk.printers") / "font_files"
    regular, bold = (Path(str(folder / name)) for name in SHIPPED)
    if not regular.is_file() or missing_chars(regular):
        return None
    return FontPair(regular, bold if bold.is_file() and not missing_chars(bold) else regular)


@functools.cache
def _index(dirs: tuple[Path, ...]) -> dict[str, Path]:
    """File name (lower case) -> path, for every font file under ``dirs``."""
    found: dict[str, Path] = {}
    for root in dirs:
        for dirpath, _dirs, files in os.walk(root):
            for name in files:
                if name.lower().endswith((".ttf", ".otf")):
                    found.setdefault(name.lower(), Path(dirpath) / name)
    return found


@functools.cache
def missing_chars(path: Path, chars: frozenset[str] = VIETNAMESE_CHARS) -> frozenset[str]:
    """The characters of ``chars`` that the font's character map lacks."""
    try:
        with TTFont(path, lazy=True, fontNumber=0) as font:
            cmap = font.getBestCmap() or {}
    except (OSError, TTLibError):
        return frozenset(chars)
    return frozenset(c for c in chars if ord(c) not in cmap)


def covers_vietnamese(path: Path) -> bool:
    return not missing_chars(path)


@functools.cache
def find_fonts(font_file: str = "", bold_font_file: str = "") -> FontPair:
    """The regular and bold fonts to draw slips with; FontNotFound if there is none."""
    regular: Path | None  # the font index below may lack a candidate
    bold: Path | None
    if font_file:
        regular = Path(font_file).expanduser()
        if not regular.is_file():
            raise FontNotFound(_("Không thấy tệp phông chữ {path} (thiết lập printing.font_file)."
                                 ).format(path=regular))
        missing = missing_chars(regular)
        if missing:
            raise FontNotFound(_("Phông chữ {path} thiếu chữ tiếng Việt ({chars}); hãy chọn "
                                 "phông khác, ví dụ DejaVu Sans hoặc Arial."
                                 ).format(path=regular, chars="".join(sorted(missing)[:10])))
        bold = Path(bold_font_file).expanduser() if bold_font_file else regular
        if not bold.is_file() or missing_chars(bold):
            bold = regular
        return FontPair(regular, bold)
    index = _index(tuple(_font_dirs()))
    for regular_name, bold_name in _CANDIDATES:
        regular = index.get(regular_name.lower())
        if regular is None or missing_chars(regular):
            continue
        bold = index.get(bold_name.lower())
        if bold is None or missing_chars(bold):
            bold = regular
        return FontPair(regular, bold)
    shipped = shipped_fonts()
    if shipped is not None:
        return shipped
    raise FontNotFound(_(
        "Không tìm thấy phông chữ có đủ chữ tiếng Việt để in. Trên Debian/Ubuntu hãy cài "
        "gói fonts-dejavu-core; hoặc đặt printing.font_file là đường dẫn tới một tệp .ttf "
        "(DejaVu Sans, Noto Sans, Arial)."))


@functools.cache
def load_font(path: Path, size: int) -> ImageFont.FreeTypeFont:
    # Basic layout: Vietnamese text is NFC-normalised to precomposed letters before
    # drawing, so no shaping engine (raqm) is needed and output is the same everywhere.
    return ImageFont.truetype(str(path), size, layout_engine=ImageFont.Layout.BASIC)

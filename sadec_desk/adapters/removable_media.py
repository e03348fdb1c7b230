"""Where the USB sticks plugged into this PC are mounted, and the image/PDF files on them.

The public kiosk never shows a desktop file window (issue #17 item 4): a citizen may only
pick a file from a removable stick, and only an image or a PDF, from a touch list. This
module finds those sticks and lists those files; it never looks anywhere else.

* Linux: udisks2 (what GNOME, KDE and XFCE use) mounts sticks under ``/media/<user>/<label>``
  (Debian, Ubuntu) or ``/run/media/<user>/<label>`` (Fedora, Arch, openSUSE).
* Windows: the drive letters whose type is ``DRIVE_REMOVABLE`` (``GetDriveTypeW`` = 2);
  ``C:`` and network drives are never removable.

Symbolic links are not followed (a link on a stick could point at the PC's folders) and
the walk is bounded in depth and count: a stick with 100 000 files answers in time.
"""

from __future__ import annotations

import getpass
import os
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

#: what a citizen may pick: scans and photos, and PDFs (e-copies of papers)
IMAGE_EXTENSIONS = frozenset({".jpg", ".jpeg", ".png", ".tif", ".tiff", ".bmp"})
PDF_EXTENSIONS = frozenset({".pdf"})
#: folders below a stick's top that are looked into (a camera's DCIM/100CANON is 2)
MAX_DEPTH = 3
#: files listed at most (a touch list longer than this helps nobody)
MAX_FILES = 200
#: entries looked at, at most, before the walk stops (a stick with a huge tree)
MAX_ENTRIES = 5000
#: GetDriveTypeW's answer for a removable drive (winbase.h)
DRIVE_REMOVABLE = 2
#: where udisks2 mounts sticks on Linux, each holding a folder per user
MOUNT_BASES = (Path("/media"), Path("/run/media"))


@dataclass(frozen=True)
class MediaFile:
    path: Path
    stick: str  # the stick's name (its mount folder's name, or the drive letter)
    relative: str  # the path on the stick, "/"-separated
    size: int
    is_pdf: bool


def _linux_roots(user: str, bases: tuple[Path, ...]) -> list[Path]:
    roots: list[Path] = []
    for base in bases:
        folder = base / user
        try:
            entries = sorted(folder.iterdir())
        except OSError:  # no such folder (nothing ever mounted), or not readable
            continue
        roots += [entry for entry in entries
                  if not entry.is_symlink() and entry.is_dir() and os.access(entry, os.R_OK)]
    return roots


def _windows_drive_type(root: str) -> int:  # pragma: no cover - Windows only
    import ctypes

    return int(ctypes.windll.kernel32.GetDriveTypeW(root))  # type: ignore[attr-defined]


def _windows_roots(drive_type: Callable[[str], int]) -> list[Path]:
    roots = []
    for letter in "DEFGHIJKLMNOPQRSTUVWXYZ":  # A: and B: are floppies, C: the system
        root = f"{letter}:\\"
        if drive_type(root) == DRIVE_REMOVABLE and os.path.isdir(root):
            roots.append(Path(root))
    return roots


def mounted_sticks(*, platform: str | None = None, user: str | None = None,
                   bases: tuple[Path, ...] | None = None,
                   drive_type: Callable[[str], int] | None = None) -> list[Path]:
    """The top folders of the removable media mounted now (may be empty).

    The keyword arguments exist for tests: another platform, user, mount bases, or a
    stand-in for Windows' ``GetDriveTypeW``."""
    platform = platform or sys.platform
    if platform.startswith("win"):
        return _windows_roots(drive_type or _windows_drive_type)
    return _linux_roots(user or getpass.getuser(), bases or MOUNT_BASES)


def _walk(folder: Path, depth: int, budget: list[int]) -> Iterator[Path]:
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name.lower())
    except OSError:
        return
    for entry in entries:
        budget[0] -= 1
        if budget[0] < 0:
            return
        if entry.name.startswith(".") or entry.is_symlink():
            continue  # hidden files (.Trash-1000, ._photo.jpg) and links that may leave
        try:
            if entry.is_file(follow_symlinks=False):
                yield Path(entry.path)
            elif entry.is_dir(follow_symlinks=False) and depth < MAX_DEPTH:
                yield from _walk(Path(entry.path), depth + 1, budget)
        except OSError:
            continue


def list_files(roots: list[Path]) -> list[MediaFile]:
    """The image and PDF files on the sticks, at most :data:`MAX_FILES`, by stick and path."""
    out: list[MediaFile] = []
    budget = [MAX_ENTRIES]
    for root in roots:
        stick = root.name or str(root).rstrip("\\/")
        for path in _walk(root, 0, budget):
            suffix = path.suffix.lower()
            if suffix not in IMAGE_EXTENSIONS and suffix not in PDF_EXTENSIONS:
                continue
            try:
                size = path.stat(follow_symlinks=False).st_size
            except OSError:
                continue
            out.append(MediaFile(path=path, stick=stick,
                                 relative=path.relative_to(root).as_posix(), size=size,
                                 is_pdf=suffix in PDF_EXTENSIONS))
            if len(out) >= MAX_FILES:
                return out
    return out


def on_a_stick(path: Path, roots: list[Path]) -> bool:
    """``path`` is a regular file under one of ``roots`` with no link on the way (the
    kiosk re-checks a picked file: a stick pulled and another pushed in meanwhile)."""
    path = Path(os.path.abspath(path))  # ".." folded, links left alone
    for root in roots:
        root = Path(os.path.abspath(root))
        if not path.is_relative_to(root) or path == root:
            continue
        step = root
        linked = False
        for part in path.relative_to(root).parts:
            step = step / part
            if step.is_symlink():
                linked = True
                break
        if not linked and path.is_file():
            return True
    return False

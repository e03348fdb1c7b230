"""The DejaVu Sans shipped in the package draws the slips where no system font qualifies
(issue #19 item 1: a Windows PC's Arial, Tahoma and Segoe UI lack the slips' ★; a bare
system has no font at all)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fontTools import subset

from sadec_desk.printers import fonts


@pytest.fixture(autouse=True)
def fresh_search():
    fonts.find_fonts.cache_clear()
    yield
    fonts.find_fonts.cache_clear()


def test_shipped_pair_covers_every_vietnamese_letter_and_the_star() -> None:
    pair = fonts.shipped_fonts()
    assert pair is not None
    assert pair.regular.name == "DejaVuSans.ttf" and pair.bold.name == "DejaVuSans-Bold.ttf"
    assert not fonts.missing_chars(pair.regular) and not fonts.missing_chars(pair.bold)
    assert "★" in fonts.VIETNAMESE_CHARS
    assert (pair.regular.parent / "LICENSE-DejaVu.txt").is_file()  # the licence travels


def test_no_system_font_at_all_uses_the_shipped_one(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv(fonts.FONT_DIRS_ENV, str(tmp_path))  # an empty font folder
    assert fonts.find_fonts() == fonts.shipped_fonts()


def test_windows_fonts_without_the_star_do_not_qualify(monkeypatch, tmp_path: Path) -> None:
    """An "arial.ttf" that has every Vietnamese letter but no ★, as Windows' Arial."""
    shipped = fonts.shipped_fonts()
    assert shipped is not None
    options = subset.Options()
    font = subset.load_font(str(shipped.regular), options)
    keep = (fonts.VIETNAMESE_CHARS | set(" ")) - {"★"}
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=[ord(c) for c in keep])
    subsetter.subset(font)
    windows = tmp_path / "Fonts"
    windows.mkdir()
    subset.save_font(font, str(windows / "arial.ttf"), options)
    assert fonts.missing_chars(windows / "arial.ttf") == {"★"}
    monkeypatch.setenv(fonts.FONT_DIRS_ENV, str(windows))
    assert fonts.find_fonts() == shipped


def test_a_qualifying_system_font_still_comes_first(monkeypatch, tmp_path: Path) -> None:
    shipped = fonts.shipped_fonts()
    assert shipped is not None
    system = tmp_path / "fonts"
    system.mkdir()
    (system / "NotoSans-Regular.ttf").write_bytes(shipped.regular.read_bytes())
    monkeypatch.setenv(fonts.FONT_DIRS_ENV, str(system))
    assert fonts.find_fonts().regular == system / "NotoSans-Regular.ttf"

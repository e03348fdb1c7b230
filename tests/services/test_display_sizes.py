"""services.display.size_text: the one way a file's size reads (kiosk USB list, status bar,
sync and backup commands, pages list)."""

from __future__ import annotations

import pytest

from sadec_desk import i18n
from sadec_desk.services.display import size_text


@pytest.mark.parametrize("size, text", [
    (0, "0 KB"),
    (1, "1 KB"),            # a tiny file is never shown as nothing
    (499, "1 KB"),
    (1_500, "2 KB"),
    (350_000, "350 KB"),
    (999_499, "999 KB"),
    (999_500, "1,0 MB"),    # rounds up into MB, never "1000 KB"
    (1_234_567, "1,2 MB"),
    (3_450_000, "3,5 MB"),
    (20 * 1024 * 1024, "21,0 MB"),  # decimal units, as a USB stick's label counts
    (999_940_000, "999,9 MB"),
    (999_960_000, "1,0 GB"),  # never "1000,0 MB"
    (2_400_000_000, "2,4 GB"),
])
def test_sizes_read_with_decimal_units_and_a_comma(size, text):
    assert size_text(size) == text


def test_a_negative_size_is_a_programming_error():
    with pytest.raises(ValueError):
        size_text(-1)


def test_english_keeps_the_units():
    i18n.set_language("en")
    try:
        assert size_text(1_234_567) == "1,2 MB" and size_text(2_000) == "2 KB"
    finally:
        i18n.set_language("vi")


def test_every_place_uses_it():
    """The kiosk's USB list, the status bar and the sync, backup and pages commands take
    their size text from here, none formats its own (the four copies this replaced)."""
    import inspect

    from sadec_desk.cli import backup, pages
    from sadec_desk.cli import sync as sync_cli
    from sadec_desk.services.kiosk import usb_files
    from sadec_desk.views import shell

    for module in (usb_files, shell, sync_cli, backup, pages):
        source = inspect.getsource(module)
        assert "size_text(" in source, module.__name__
        assert "1_048_576" not in source and "/ 1e6" not in source, module.__name__
        assert '" MB"' not in source and " MB\")" not in source, module.__name__

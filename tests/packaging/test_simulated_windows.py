"""The installed package under simulated Windows conditions (issue #19 items 1 and 3): no
zone database, a cp1252 stdout, no system fonts. See tests/support/windows_smoke.py for
how each condition is made."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from windows_smoke import run, run_packager_commands, windows_env

pytestmark = pytest.mark.slow


def test_zoneinfo_falls_back_to_the_tzdata_package(tmp_path: Path) -> None:
    env = windows_env(tmp_path)
    probe = (
        "import zoneinfo, importlib.util\n"
        "assert zoneinfo.TZPATH == ({!r},), zoneinfo.TZPATH\n"
        "from sadec_desk.domain.timezone import VN_TZ\n"
        "from datetime import datetime\n"
        "print(VN_TZ.key, datetime(2026, 12, 2, 12, tzinfo=VN_TZ).utcoffset())\n"
    ).format(env["PYTHONTZPATH"])
    ran = run([sys.executable, "-c", probe], env)
    assert ran.code == 0, ran.err
    assert ran.out.split() == ["Asia/Ho_Chi_Minh", "7:00:00"]


def test_without_tzdata_the_zone_is_really_missing(tmp_path: Path) -> None:
    """The condition is real: with tzdata hidden too, the zone cannot be found."""
    env = windows_env(tmp_path)
    probe = ("import sys; sys.modules['tzdata'] = None\n"
             "import zoneinfo\n"
             "try:\n    zoneinfo.ZoneInfo('Asia/Ho_Chi_Minh')\n"
             "except zoneinfo.ZoneInfoNotFoundError:\n    print('missing')\n")
    assert run([sys.executable, "-c", probe], env).out.strip() == "missing"


def test_cp1252_stream_cannot_take_vietnamese_by_itself(tmp_path: Path) -> None:
    """The condition is real: a plain print of Vietnamese to this stdout fails."""
    ran = run([sys.executable, "-c", "print('Đăng ký khai sinh')"], windows_env(tmp_path))
    assert ran.code != 0 and "UnicodeEncodeError" in ran.err


def test_packager_commands_from_the_installed_package(tmp_path: Path) -> None:
    made = run_packager_commands([sys.executable, "-m", "sadec_desk"], tmp_path,
                                 windows_env(tmp_path))
    # the receipt was drawn with the shipped font: its pixels hold text
    from PIL import Image

    with Image.open(made["receipt"]) as image:
        assert image.convert("L").getextrema()[0] < 128
    pdffonts = subprocess.run(["pdffonts", str(made["report"])], capture_output=True,
                              text=True, timeout=30, check=False)
    if pdffonts.returncode == 0:  # poppler-utils (bootstrap.sh test installs it)
        assert "DejaVu" in pdffonts.stdout or "SadecDesk" in pdffonts.stdout, pdffonts.stdout

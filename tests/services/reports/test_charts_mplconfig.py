"""matplotlib's config and font cache live in the app's data folder (issue #19 item 1)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

PROBE = (
    "import sys\n"
    "if sys.argv[1] == 'frozen':\n"
    "    sys.frozen = True  # as PyInstaller's bootloader sets it\n"
    "import sadec_desk.services.reports.charts\n"
    "import matplotlib\n"
    "print(matplotlib.get_configdir())\n"
    "print(matplotlib.get_cachedir())\n"
)


def probe(tmp_path: Path, mode: str, mplconfigdir: str | None) -> list[str]:
    env = {k: v for k, v in os.environ.items() if k != "MPLCONFIGDIR"}
    env["SADEC_DESK_DATA_DIR"] = str(tmp_path / "data")
    if mplconfigdir is not None:
        env["MPLCONFIGDIR"] = mplconfigdir
    done = subprocess.run([sys.executable, "-c", PROBE, mode], capture_output=True, text=True,
                          env=env, timeout=120, check=True)
    return done.stdout.split()


def test_config_dir_is_under_the_data_dir(tmp_path: Path) -> None:
    config, cache = probe(tmp_path, "installed", None)
    assert config == cache == str(tmp_path / "data" / "matplotlib")
    # the font cache was written there, so the next report starts without rebuilding it
    assert list((tmp_path / "data" / "matplotlib").glob("fontlist-*.json"))


def test_a_chosen_config_dir_is_kept_when_installed(tmp_path: Path) -> None:
    mine = tmp_path / "mine"
    mine.mkdir()
    assert probe(tmp_path, "installed", str(mine))[0] == str(mine)


def test_frozen_build_replaces_pyinstallers_temporary_dir(tmp_path: Path) -> None:
    # PyInstaller's matplotlib run-time hook sets a new temporary folder at every start
    temporary = tmp_path / "_MEI-mpl"
    temporary.mkdir()
    assert probe(tmp_path, "frozen", str(temporary))[0] == str(tmp_path / "data" / "matplotlib")

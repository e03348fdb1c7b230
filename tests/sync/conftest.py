"""Sync tests: a reference portal per test, served over loopback from a thread."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from portalfixtures import RunningPortal, start_portal  # noqa: E402


@pytest.fixture
def portal(tmp_path) -> RunningPortal:
    running = start_portal(tmp_path / "portal.sqlite3")
    try:
        yield running
    finally:
        running.stop()

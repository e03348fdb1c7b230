"""Sync tests: a reference portal per test, served over loopback from a thread."""

from __future__ import annotations

import pytest
from portalfixtures import RunningPortal, start_portal


@pytest.fixture
def portal(tmp_path) -> RunningPortal:
    running = start_portal(tmp_path / "portal.sqlite3")
    try:
        yield running
    finally:
        running.stop()

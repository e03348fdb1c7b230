"""Sync tests: a reference portal per test, served over loopback from a thread.

The portal runs on SQLite; the tests of the portal's own rules (PORTAL_ON_BOTH) run on
SQLite and again on PostgreSQL (issue #16 item 7), and SADEC_TEST_PORTAL_DATABASE=
postgres puts every sync test's portal on PostgreSQL.
"""

from __future__ import annotations

import os
import uuid

import pytest
from fakegateway import FakeGateway
from portalfixtures import RunningPortal, start_portal

#: test modules whose portal runs on both databases
PORTAL_ON_BOTH = {"test_portal_api", "test_portal_hostile", "test_portal_isolation",
                  "test_portal_uploads", "test_portal_concurrency", "test_sync_basic",
                  "test_sync_echo", "test_sync_enrol", "test_online_pages",
                  "test_sync_transfer", "test_result_sync"}


def pytest_generate_tests(metafunc):
    if "portal_database" not in metafunc.fixturenames:
        return
    if metafunc.module.__name__.rsplit(".", 1)[-1] in PORTAL_ON_BOTH:
        metafunc.parametrize("portal_database", [
            "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)


@pytest.fixture
def portal_database(request) -> str | None:
    """The portal's database URL: None for SQLite, else a fresh PostgreSQL database of its
    own (a test may put its office on ``pg_database`` beside it)."""
    kind = getattr(request, "param", None) or os.environ.get("SADEC_TEST_PORTAL_DATABASE",
                                                             "sqlite")
    if kind != "postgres":
        return None
    server = request.getfixturevalue("postgres_server")
    name = f"portal_{uuid.uuid4().hex[:16]}"
    url = server.create_database(name)
    request.addfinalizer(lambda: server.drop_database(name))
    return url


@pytest.fixture
def portal(tmp_path, portal_database) -> RunningPortal:
    running = start_portal(tmp_path / "portal.sqlite3", database_url=portal_database)
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def gateway():
    """The fake provincial gateway on loopback (a module may parametrize its own)."""
    fake = FakeGateway()
    try:
        yield fake
    finally:
        fake.stop()


#: words of an English diagnostic (none of them a Vietnamese word without its marks)
ENGLISH_WORDS = frozenset(
    "is not the must has have missing without unknown wrong lacks superseded held behind "
    "refused operation offset of or and by with be newer page list failed invalid type "
    "date time object field number".split())


def english_words(text: str) -> set[str]:
    """The English words of a sentence stored for a clerk or the IT officer, leaving out
    what it quotes: field names ('due_at'), values (repr) and other programs' words
    («...»), which stay as they are."""
    import re

    bare = re.sub(r"«[^»]*»|'[^']*'|\"[^\"]*\"", " ", text)
    return {w for w in re.findall(r"[a-z]+", bare.lower()) if w in ENGLISH_WORDS}


@pytest.fixture
def english_in():
    """``english_in(text)``: the English words of a stored diagnostic (empty when none)."""
    return english_words

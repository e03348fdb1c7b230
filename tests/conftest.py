"""Fixtures shared by all tests.

- every test runs with its own config file and data dir (never the user's real ones);
- ``postgres_url``: a throwaway PostgreSQL server for the session (tests/pgserver.py);
- ``pg_database``: a fresh, empty database on that server for one test;
- under pytest -n (bootstrap.sh), a private Xvfb display for each worker process.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from appfixtures import Clock, make_ctx
from pgserver import PostgresServer, PostgresUnavailable, find_bindir

PG_TEST_DB = "sadec_test"


def pytest_configure(config: pytest.Config) -> None:
    """Under pytest -n each worker gets its own X display (tests/support/worker_display.py:
    the keyboard focus is one per display)."""
    import worker_display

    worker_display.start_for_this_worker()


def pytest_unconfigure(config: pytest.Config) -> None:
    import worker_display

    worker_display.stop()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under pytest -n (bootstrap.sh: ``--dist worksteal``) the tests marked slow go first,
    the frozen build's first of all; the others keep their order.

    worksteal gives each worker an equal slice of the list and, when one runs out, moves
    tests from the end of the other's. With the long tests at the front, the first worker
    starts the two-minute build (tests/packaging/test_freeze.py) at once and the other
    worker never takes those tests (they are not at the end of a list); what is left to
    share at the end is short tests, so both workers finish at about the same time. Every
    worker sorts the same collection the same way, as xdist requires."""
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        return

    def rank(item: pytest.Item) -> int:
        if "frozen" in getattr(item, "fixturenames", ()):
            return 0
        return 1 if item.get_closest_marker("slow") else 2

    items.sort(key=rank)  # stable: the order inside each rank stays the collection's


@pytest.fixture(autouse=True)
def isolated_user_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Point the app's config file and data dir into the test's tmp dir."""
    monkeypatch.setenv("SADEC_DESK_CONFIG", str(tmp_path / "config.toml"))
    monkeypatch.setenv("SADEC_DESK_DATA_DIR", str(tmp_path / "data"))


@pytest.fixture(autouse=True)
def cheap_password_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """The production argon2 cost (about 0.7 s of CPU per hash, on purpose) would make every
    test that creates an account slow: tests hash with argon2's cheapest parameters.
    tests/services/admin/test_sign_in_rules.py checks the production parameters."""
    import argon2

    from sadec_desk.services.admin import users

    monkeypatch.setattr(users, "HASHER",
                        argon2.PasswordHasher.from_parameters(argon2.profiles.CHEAPEST))
    monkeypatch.setattr(users, "_DUMMY_HASH", None)


@pytest.fixture
def clock() -> Clock:
    """A settable clock, Thursday 26 Nov 2026 09:00 Vietnam time."""
    return Clock()


@pytest.fixture
def ctx(clock):
    """The app on a fresh SQLite database in the test's data dir, on ``clock``."""
    context = make_ctx(clock)
    yield context
    context.close()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    try:
        bindir = find_bindir()
    except PostgresUnavailable as exc:
        if os.environ.get("CI"):
            # CI installs PostgreSQL (bootstrap.sh test): a skip there would hide a broken setup.
            pytest.fail(f"CI is set but PostgreSQL is missing: {exc}", pytrace=False)
        pytest.skip(str(exc))
    server = PostgresServer(bindir).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def postgres_url(postgres_server: PostgresServer) -> str:
    """URL of a database on a throwaway server, e.g. postgresql://sadec@127.0.0.1:PORT/sadec_test.

    Shared by the whole session; tests that need an empty database use ``pg_database``.
    """
    return postgres_server.create_database(PG_TEST_DB)


@pytest.fixture
def pg_database(postgres_server: PostgresServer) -> Iterator[str]:
    """URL of a new, empty database for this test only; dropped afterwards."""
    name = f"t_{uuid.uuid4().hex[:16]}"
    url = postgres_server.create_database(name)
    try:
        yield url
    finally:
        postgres_server.drop_database(name)

"""``any_ctx``: the app on a fresh SQLite database, then on a fresh PostgreSQL database
(the ``pg_database`` fixture, marked ``postgres``): for the tests whose SQL differs by
database (search, reports). Import it into a test module to use it."""

from __future__ import annotations

import pytest
from appfixtures import make_ctx


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def any_ctx(request, clock):
    if request.param == "sqlite":
        context = make_ctx(clock)
    else:
        context = make_ctx(clock, database__url=request.getfixturevalue("pg_database"))
    yield context
    context.close()


@pytest.fixture
def pg_ctx(clock, pg_database):
    """The app on a fresh PostgreSQL database only (for PostgreSQL-only SQL; mark the test
    ``postgres``). Import it into a test module to use it."""
    context = make_ctx(clock, database__url=pg_database)
    yield context
    context.close()

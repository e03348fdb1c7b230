"""The throwaway PostgreSQL server of tests/conftest.py works."""

from urllib.parse import urlsplit

import psycopg2
import pytest

pytestmark = pytest.mark.postgres


def test_postgres_url_answers_queries(postgres_url: str) -> None:
    parts = urlsplit(postgres_url)
    assert parts.scheme == "postgresql"
    assert parts.hostname == "127.0.0.1"
    assert parts.path == "/sadec_test"
    conn = psycopg2.connect(postgres_url, connect_timeout=10)
    try:
        with conn.cursor() as cur:
            cur.execute("select 1")
            assert cur.fetchone() == (1,)
            cur.execute("show server_encoding")
            assert cur.fetchone() == ("UTF8",)
        assert conn.server_version >= 130000
    finally:
        conn.close()


def test_pg_database_is_fresh_and_separate(postgres_url: str, pg_database: str) -> None:
    assert pg_database != postgres_url
    conn = psycopg2.connect(pg_database, connect_timeout=10)
    try:
        with conn.cursor() as cur:
            cur.execute("select count(*) from pg_tables where schemaname = 'public'")
            assert cur.fetchone() == (0,)
            cur.execute("create table t (name text)")
            cur.execute("insert into t values ('Nguyễn Thị Hoa') returning name")
            assert cur.fetchone() == ("Nguyễn Thị Hoa",)
        conn.commit()
    finally:
        conn.close()

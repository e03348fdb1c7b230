"""What one request of an office costs the portal on PostgreSQL (issue #16 item 7).

Under 200 offices each round trip to PostgreSQL is a wait for the server and then for
the portal's thread to run again (docs/benchmarks.md), so the portal keeps them few: a
push is BEGIN with its office's lock and one read of everything the batch needs, the
inserts, and COMMIT; a pull is one statement; a token is read once, not per request; and
the pool hands out a connection given back a moment ago without asking the server
whether it is alive (peewee's ``SELECT 1``, which it sent holding the pool's lock). The
server's own statement log is the witness. Also: the remembered tokens end when the
operator expires tokens, and a connection the server dropped while it sat in the pool is
replaced, not handed to a request.
"""

from __future__ import annotations

import re
import time
import uuid as uuidlib

import psycopg2
import pytest

from sadec_desk.sync.portal import models

pytestmark = pytest.mark.postgres

AGENCY = "000.00.31.H56"


@pytest.fixture
def pg_portal(tmp_path, postgres_server):
    """A portal on a fresh PostgreSQL database whose statements the server logs."""
    from portalfixtures import start_portal

    name = f"portal_{uuidlib.uuid4().hex[:16]}"
    url = postgres_server.create_database(name)
    postgres_server.execute(f'ALTER DATABASE "{name}" SET log_statement = \'all\'')
    running = start_portal(tmp_path / "portal.sqlite3", database_url=url)
    running.store.database.close_all()  # the next connections log their statements
    try:
        yield running, url, postgres_server.logfile
    finally:
        running.stop()
        postgres_server.drop_database(name)


def received(n: int) -> dict:
    uuid = str(uuidlib.uuid4())
    return {"op_id": f"op-{uuid}", "dossier_uuid": uuid, "op": "dossier.received",
            "base_version": 0, "payload": {
                "uuid": uuid, "code": f"{AGENCY}-261203-{n:04d}", "procedure_code": "1.001193",
                "channel": "counter", "status": "received",
                "received_at": "2026-12-03T08:00:00+07:00",
                "due_at": "2026-12-05T17:00:00+07:00", "fee_vnd": 0, "pages": 1, "copies": 1,
                "citizen": {"id_number": f"{87_000_000_000 + n:012d}",
                            "full_name": "Nguyễn Thị Hoa"}}}


def statements(logfile, url: str, action) -> list[str]:
    """The statements the server received from the portal while ``action()`` ran: the
    log from a marker on, without the marker's own connection's lines."""
    marker = f"marker-{uuidlib.uuid4().hex}"
    with psycopg2.connect(url) as conn, conn.cursor() as cursor:
        cursor.execute(f"SELECT '{marker}', pg_backend_pid()")
        own_pid = cursor.fetchone()[1]
    conn.close()
    action()
    time.sleep(0.3)  # the server writes its log as it goes
    text = logfile.read_text(errors="replace")
    after = text[text.index(marker):].splitlines()[1:]
    found = []
    for line in after:
        match = re.search(r"\[(\d+)\] LOG:\s+statement: (.*)", line)
        if match and int(match.group(1)) != own_pid:
            found.append(match.group(2))
    return found


def test_a_push_and_a_pull_each_cost_few_round_trips(pg_portal):
    portal, url, logfile = pg_portal
    pusher, reader = portal.device_client(AGENCY), portal.device_client(AGENCY)
    first = pusher.post("/push", json={"ops": [received(n) for n in range(1, 11)]})
    assert [r["result"] for r in first.json()["results"]] == ["applied"] * 10, first.text
    assert reader.get("/changes?since=0").status_code == 200  # both tokens now known

    def push_and_pull():
        answer = pusher.post("/push", json={"ops": [received(n) for n in range(11, 21)]})
        assert [r["result"] for r in answer.json()["results"]] == ["applied"] * 10
        page = reader.get("/changes?since=0").json()
        assert len(page["changes"]) == 20 and not page["has_more"]

    sent = statements(logfile, url, push_and_pull)
    # BEGIN with the office's lock and the batch's reads; the inserts; COMMIT. The pull:
    # one statement.
    assert len(sent) == 4, sent
    assert re.match(r"BEGIN TRANSACTION ISOLATION LEVEL READ COMMITTED; SELECT "
                    r"pg_advisory_xact_lock\(.*\); SELECT \(SELECT coalesce\(json_agg\(q\)",
                    sent[0]), sent[0]
    assert sent[1].startswith("INSERT INTO")
    assert sent[2] == "COMMIT"
    assert "MAX(id)" in sent[3] and "LEFT JOIN" in sent[3]
    assert not any(s == "SELECT 1" for s in sent)  # no pool check on a fresh connection
    pusher.close()
    reader.close()


def test_a_connection_that_sat_in_the_pool_is_checked_and_replaced_when_dropped(
        pg_portal, monkeypatch):
    portal, url, logfile = pg_portal
    device = portal.device_client(AGENCY)
    assert device.get("/changes?since=0").status_code == 200
    monkeypatch.setattr(models, "POOL_CHECK_SECONDS", 0.0)  # "a while ago" is now
    sent = statements(logfile, url, lambda: device.get("/changes?since=0"))
    assert "SELECT 1" in sent  # the pool asked the server before handing it out
    # the server drops every connection of the portal while they sit in the pool
    with psycopg2.connect(url) as conn, conn.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE "
                       "datname = current_database() AND pid <> pg_backend_pid()")
    conn.close()
    time.sleep(0.2)
    for _ in range(3):  # no request meets a dead connection: each gets a live one
        answer = device.get("/changes?since=0")
        assert answer.status_code == 200, answer.text
    device.close()


def test_remembered_tokens_end_when_the_operator_expires_tokens(pg_portal):
    portal, _url, _logfile = pg_portal
    device = portal.device_client(AGENCY)
    assert device.get("/changes?since=0").status_code == 200  # the token is remembered
    assert device.get("/changes?since=0").status_code == 200
    assert portal.admin("POST", "/tokens/expire")["expired"] >= 1
    assert device.get("/changes?since=0").status_code == 401
    assert device.post("/push", json={"ops": [received(1)]}).status_code == 401
    device.close()

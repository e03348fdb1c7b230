"""The reference portal with many writers at once (issue #16 item 7), on SQLite and on
PostgreSQL (tests/sync/conftest.py PORTAL_ON_BOTH): each office's feed stays gap-free
and in order while its devices and other offices push together, every op is applied
exactly once however many times it arrives at once, two offices meeting on one op_id
get answers (never a 500), and on PostgreSQL one office's writers do not wait for
another's (PortalStore.write: one lock per office's feed)."""

from __future__ import annotations

import threading
import time
import uuid as uuidlib
from concurrent.futures import ThreadPoolExecutor

import httpx
import peewee
from appfixtures import AGENCY

from sadec_desk.sync.portal.models import ADVISORY_LOCK_KEY, Change, Operation, PortalDossier

OTHER = "000.00.15.H20"


def received(agency: str, n: int, *, op_id: str | None = None,
             uuid: str | None = None) -> dict:
    """A dossier.received op of office ``agency`` (dossier number n)."""
    uuid = uuid or str(uuidlib.uuid4())
    return {"op_id": op_id or f"op-{uuid}", "dossier_uuid": uuid, "op": "dossier.received",
            "base_version": 0, "payload": {
                "uuid": uuid, "code": f"{agency}-261203-{n:04d}", "procedure_code": "1.001193",
                "channel": "counter", "status": "received",
                "received_at": "2026-12-03T08:00:00+07:00",
                "due_at": "2026-12-05T17:00:00+07:00", "fee_vnd": 0, "pages": 1,
                "copies": 1, "citizen": {"id_number": f"{87_000_000_000 + n:012d}",
                                         "full_name": "Nguyễn Thị Hoa"}}}


def push(api: httpx.Client, ops: list[dict]) -> list[str]:
    answer = api.post("/push", json={"ops": ops})
    assert answer.status_code == 200, answer.text
    return [r["result"] for r in answer.json()["results"]]


def counts(portal) -> tuple[int, int, int, int]:
    """(dossiers, distinct codes, operations, changes) in the portal's database."""
    with portal.store.database.connection_context():
        return (PortalDossier.select().count(),
                PortalDossier.select(peewee.fn.COUNT(PortalDossier.code.distinct())).scalar(),
                Operation.select().count(), Change.select().count())


def test_the_feed_stays_gap_free_while_devices_of_two_offices_push_at_once(portal):
    pushers = [portal.device_client() for _ in range(3)]  # three counters of one office
    other = portal.device_client(OTHER)  # another office's ids interleave with ours
    reader = portal.device_client()
    numbers = iter(range(1, 10_000))
    lock = threading.Lock()
    sent: set[str] = set()
    done = threading.Event()

    def next_ops(agency: str, n: int) -> list[dict]:
        with lock:
            return [received(agency, next(numbers)) for _ in range(n)]

    def pusher(api: httpx.Client, agency: str) -> None:
        for _ in range(8):
            ops = next_ops(agency, 4)
            assert push(api, ops) == ["applied"] * 4
            if agency == AGENCY:
                with lock:
                    sent.update(o["dossier_uuid"] for o in ops)

    seen: list[tuple[int, str]] = []
    cursor = 0

    def pull_all() -> None:
        nonlocal cursor
        while True:
            page = reader.get("/changes", params={"since": cursor, "limit": 7}).json()
            seen.extend((c["seq"], c["dossier"]["uuid"]) for c in page["changes"])
            cursor = page["cursor"]
            if not page["has_more"]:
                return

    def read_while_pushing() -> None:
        while not done.is_set():
            pull_all()

    reading = threading.Thread(target=read_while_pushing)
    reading.start()
    try:
        with ThreadPoolExecutor(4) as pool:
            for future in [pool.submit(pusher, api, AGENCY) for api in pushers] + [
                    pool.submit(pusher, other, OTHER)]:
                future.result(timeout=120)
    finally:
        done.set()
        reading.join(60)
    pull_all()  # every push was answered, so committed: the feed must hold them all
    seqs = [seq for seq, _ in seen]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    assert sorted(uuid for _, uuid in seen) == sorted(sent)  # none missing, none twice
    assert len(sent) == 3 * 8 * 4
    for api in [*pushers, other, reader]:
        api.close()


def test_one_batch_arriving_four_times_at_once_is_applied_once(portal):
    api = portal.device_client()
    ops = [received(AGENCY, n) for n in range(1, 21)]
    start = threading.Barrier(4)

    def send() -> list[str]:
        start.wait(10)
        return push(api, ops)

    with ThreadPoolExecutor(4) as pool:
        answers = [f.result(timeout=60) for f in [pool.submit(send) for _ in range(4)]]
    for i in range(len(ops)):
        assert sorted(a[i] for a in answers) == ["applied"] + ["duplicate"] * 3
    assert counts(portal) == (20, 20, 20, 20)
    api.close()


def test_two_offices_sending_one_op_id_at_once_get_answers_and_one_applies(portal):
    mine, theirs = portal.device_client(), portal.device_client(OTHER)
    for round_ in range(6):
        op_id = f"shared-{round_}"
        start = threading.Barrier(2)

        def send(api, agency, start=start, op_id=op_id, n=round_ + 1):
            start.wait(10)
            return push(api, [received(agency, n, op_id=op_id)])[0]

        with ThreadPoolExecutor(2) as pool:
            results = sorted(f.result(timeout=60) for f in [
                pool.submit(send, mine, AGENCY), pool.submit(send, theirs, OTHER)])
        # the first to commit applies it; the other is told the op_id is another's
        assert results == ["applied", "rejected"], results
    assert counts(portal)[0] == 6
    mine.close()
    theirs.close()


def test_one_offices_writers_do_not_wait_for_anothers_on_postgresql(portal, portal_database):
    """An outside transaction holds office A's feed lock (as a long push of A would): a
    push of office B goes through meanwhile on PostgreSQL; A's own waits for the lock.
    On SQLite every writer waits (one writer at a time), and both go through after."""
    mine, theirs = portal.device_client(), portal.device_client(OTHER)
    finished: dict[str, float] = {}

    def send(api, agency, name):
        assert push(api, [received(agency, 1)]) == ["applied"]
        finished[name] = time.monotonic()

    if portal_database is None:  # SQLite: hold the file's write lock
        import sqlite3

        holder = sqlite3.connect(portal.store.database.database, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
    else:
        import psycopg2

        holder = psycopg2.connect(portal_database)
        holder.cursor().execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))",
                                (ADVISORY_LOCK_KEY, AGENCY))
    threads = [threading.Thread(target=send, args=(mine, AGENCY, "A")),
               threading.Thread(target=send, args=(theirs, OTHER, "B"))]
    for thread in threads:
        thread.start()
    time.sleep(2.5)  # under SQLite's 5 s busy timeout
    released = time.monotonic()
    holder.rollback() if portal_database else holder.execute("ROLLBACK")
    for thread in threads:
        thread.join(30)
    holder.close()
    assert finished["A"] >= released  # A's push waited for its office's lock
    if portal_database is None:
        assert finished["B"] >= released
    else:
        assert finished["B"] < released  # B's did not
    mine.close()
    theirs.close()


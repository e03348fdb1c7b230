"""Many offices at once against the reference portal, with locust (issue #16 item 7).

    .venv/bin/python bench/portal_load.py [--offices 200] [--dossiers 50] [--batch 10]
        [--interval 20] [--run-time 240] [--threads 8]
        [--database-url postgresql://... | --sqlite] [--not-durable]

1. The portal runs as `sadec-desk portal serve` in a subprocess on 127.0.0.1, on
   PostgreSQL: the database at --database-url (it should be empty: the counts below
   are of the whole portal), else a throwaway server started here (tests/support/
   pgserver.py) started durable (fsync, synchronous_commit, full_page_writes on, as the
   report's first lines show) unless --not-durable;
   --sqlite runs it on its default SQLite file instead.
2. Each office enrols two devices with one-time codes for its own agency: the counter
   PC, which pushes, and a second PC, which pulls the office's feed (a device never
   gets its own pushes back, so the second PC is the one that sees them).
3. Baseline in the same run: one office alone pushes --baseline batches one after the
   other (the push latency with nobody else on the portal).
4. The load (locust as a library, headless): the offices start within --ramp seconds
   and each runs one sync round every --interval seconds: push its next batch of
   --batch new dossiers, then pull its feed. Every office re-sends its second batch
   once (an answer lost after the portal committed): every op must come back
   "duplicate". The run is bounded by --run-time.
5. Checks at the end: every request answered 2xx; every op "applied" the first time and
   "duplicate" the second; each office's reader got exactly its office's dossiers, each
   once, in increasing cursor order (a gap in the feed shows as a missing dossier); and
   in the portal database, offices x dossiers dossiers with distinct codes, one
   operation and one change each (0 duplicates).

Prints p50/p99 push latency, throughput and errors, and how much CPU the portal process
got (on a shared machine, latency follows the share); exits 1 when any check fails (not
for the latency target, which it reports: p99 push <= 500 ms). Loopback only.
"""

from __future__ import annotations

# locust patches the standard library for gevent when imported: first, before anything
# else opens sockets or starts threads; and without bench/ on the path, so that no script
# there can stand in for a standard library module gevent imports (bench/queue.py did,
# until it became bench/ticket_queue.py)
import os  # noqa: I001
import sys

_BENCH = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != _BENCH]
import locust  # noqa: E402
from locust import FastHttpUser, constant_pacing, events, task  # noqa: E402
from locust.env import Environment  # noqa: E402
from locust.exception import StopUser  # noqa: E402

sys.path.insert(0, _BENCH)
import argparse  # noqa: E402
import itertools  # noqa: E402
import random  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import uuid as uuidlib  # noqa: E402
from pathlib import Path  # noqa: E402

import gevent  # noqa: E402
import httpx  # noqa: E402
import psutil  # noqa: E402  (a dependency of locust)
from benchutil import machine, percentile  # noqa: E402

ADMIN_KEY = "bench-admin"
PROCEDURES = ["1.001193", "2.000815", "1.004873", "2.000884", "1.000656"]
DAY = "261203"  # the dossier codes' YYMMDD


def agency(run: str, i: int) -> str:
    """Office i's agency code (QCVN 102:2016: four groups of 1-3 letters/digits)."""
    return f"{run}.{i // 100:02d}.{i % 100:02d}.H87"


def received_op(run: str, office: int, n: int) -> dict:
    """A dossier.received op as the desk sends it (sync/outbox_ops.py's shape)."""
    uuid = str(uuidlib.uuid4())
    code = f"{agency(run, office)}-{DAY}-{n + 1:04d}"
    return {"op_id": f"{run}-{office}-{n}", "dossier_uuid": uuid, "op": "dossier.received",
            "base_version": 0, "created_at": "2026-12-03T08:00:00+07:00", "payload": {
                "uuid": uuid, "code": code, "procedure_code": PROCEDURES[n % 5],
                "procedure_name": "Đăng ký khai sinh", "channel": "counter",
                "status": "received", "received_at": "2026-12-03T08:00:00+07:00",
                "due_at": "2026-12-05T17:00:00+07:00", "finished_at": None,
                "fee_vnd": 0, "pages": 1, "copies": 1, "phone": "0901234567",
                "received_by": "can_bo", "citizen": {
                    "id_number": f"{87_000_000_000 + office * 1000 + n:012d}",
                    "full_name": "Nguyễn Thị Hoa", "birth_date": "1990-01-01",
                    "gender": "Nữ", "address": "Ấp 1, xã Tân Khánh Đông, Sa Đéc"}}}


# --- the portal and its database ----------------------------------------------------------

def start_postgres(durable: bool):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "support"))
    from pgserver import PostgresServer

    # the test server runs with fsync off; a real portal would not. (Until 3 Dec 2026 this
    # bench turned them on with ALTER SYSTEM, which the command line's fsync=off outranks:
    # its runs before then were not durable. It now checks what the server runs with.)
    server = PostgresServer(durable=durable).start()
    url = server.create_database("portal_load")
    if durable and "off" in durability(url):
        raise SystemExit(f"the PostgreSQL server is not durable: {durability(url)}")
    return server, url


def durability(url: str) -> str:
    """What the PostgreSQL server at ``url`` runs with, as the report prints it."""
    import psycopg2

    conn = psycopg2.connect(url)
    try:
        with conn.cursor() as cursor:
            cursor.execute("SELECT name, setting FROM pg_settings WHERE name IN ('fsync', "
                           "'synchronous_commit', 'full_page_writes') ORDER BY name")
            return ", ".join(f"{name} {setting}" for name, setting in cursor.fetchall())
    finally:
        conn.close()


def start_portal(workdir: Path, database_url: str | None, threads: int):
    env = {**os.environ, "SADEC_DESK_DATA_DIR": str(workdir / "portal-data"),
           "SADEC_DESK_CONFIG": str(workdir / "portal-config.toml")}
    command = [sys.executable, "-m", "sadec_desk", "portal", "serve", "--host", "127.0.0.1",
               "--port", "0", "--admin-key", ADMIN_KEY, "--threads", str(threads)]
    if database_url:
        command += ["--database-url", database_url]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, env=env)
    found: list[str] = []
    log: list[str] = []

    def read():
        for line in proc.stdout:
            log.append(line)
            if line.startswith("listening on ") and not found:
                found.append(line.split()[-1])

    gevent.spawn(read)
    deadline = time.monotonic() + 60
    while not found and proc.poll() is None and time.monotonic() < deadline:
        gevent.sleep(0.05)
    if not found:
        proc.kill()
        raise SystemExit("the portal did not start within 60 s:\n" + "".join(log[-20:]))
    return proc, found[0]


def count_portal(database_url: str | None, workdir: Path) -> dict:
    """What the portal's database holds (its tables, read directly)."""
    import peewee

    from sadec_desk.sync.portal.models import (
        Change,
        Operation,
        PortalDossier,
        open_portal_database,
    )

    database = open_portal_database(database_url, workdir / "portal-data" / "portal.sqlite3",
                                    connections=1)
    with database.connection_context():
        dossiers = PortalDossier.select().count()
        counts = {
            "dossiers": dossiers,
            "distinct codes": PortalDossier.select(peewee.fn.COUNT(
                PortalDossier.code.distinct())).scalar(),
            "operations": Operation.select().count(),
            "changes": Change.select().count(),
            # a dossier whose creation entered the feed more than once was applied twice
            "dossiers in the feed twice": Change.select(Change.dossier_uuid).where(
                Change.version == 1).group_by(Change.dossier_uuid).having(
                peewee.fn.COUNT(Change.id) > 1).count(),
        }
    getattr(database, "close_all", database.close)()
    return counts


# --- the offices -----------------------------------------------------------------------------

class Run:
    """What the offices share: their devices' tokens and what went wrong."""

    tag = ""
    dossiers = 50
    batch = 10
    tokens: list[tuple[str, str]] = []  # (counter PC, second PC) per office
    numbers = itertools.count()
    latencies: dict[str, list[float]] = {}
    push_times: list[tuple[float, float]] = []  # (when it ended, s into the load; seconds)
    failures: list[str] = []
    finished = 0
    interval = 2.0
    started_at = 0.0
    last_push_at = 0.0


def enrol(http: httpx.Client, office: int, name: str) -> str:
    code = http.post("/admin/enrolments", json={"agency": agency(Run.tag, office)},
                     headers={"X-Admin-Key": ADMIN_KEY})
    code.raise_for_status()
    answer = http.post("/devices/enrol", json={"code": code.json()["code"], "name": name,
                                               "agency_code": agency(Run.tag, office)})
    answer.raise_for_status()
    return answer.json()["token"]


class Office(FastHttpUser):
    """One office: a sync round every --interval seconds (push a batch, pull the feed)."""

    network_timeout = 60.0
    connection_timeout = 30.0
    wait_time = constant_pacing(2.0)  # main() sets --interval

    def on_start(self):
        self.number = next(Run.numbers)
        self.pusher, self.reader = Run.tokens[self.number]
        self.ops = [received_op(Run.tag, self.number, n) for n in range(Run.dossiers)]
        self.sent = 0
        self.resent = False
        self.cursor = 0
        self.seen: dict[str, int] = {}  # uuid -> times the reader got it
        self.last_seq = 0
        gevent.sleep(random.uniform(0, Run.interval))  # offices are not in step

    def push(self, ops: list[dict], name: str, expected: str) -> None:
        with self.client.post("/v1/push", json={"ops": ops}, name=name, catch_response=True,
                              headers={"Authorization": f"Bearer {self.pusher}"}) as answer:
            if answer.status_code != 200:
                answer.failure(f"HTTP {answer.status_code}: {answer.text[:200]}")
                return
            results = [r.get("result") for r in answer.json()["results"]]
            wrong = [r for r in results if r != expected]
            if len(results) != len(ops) or wrong:
                answer.failure(f"{len(wrong)} of {len(ops)} ops answered {wrong[:3]}, "
                               f"expected {expected}")
        Run.last_push_at = time.monotonic()

    def pull(self) -> None:
        while True:
            with self.client.get(f"/v1/changes?since={self.cursor}&limit=500", name="pull",
                                 catch_response=True,
                                 headers={"Authorization": f"Bearer {self.reader}"}) as answer:
                if answer.status_code != 200:
                    answer.failure(f"HTTP {answer.status_code}: {answer.text[:200]}")
                    return
                page = answer.json()
                for change in page["changes"]:
                    if change["seq"] <= self.last_seq:
                        answer.failure(f"feed went back: {change['seq']} after "
                                       f"{self.last_seq}")
                    self.last_seq = change["seq"]
                    uuid = change["dossier"]["uuid"]
                    self.seen[uuid] = self.seen.get(uuid, 0) + 1
                self.cursor = page["cursor"]
            if not page["has_more"]:
                return

    @task
    def sync_round(self):
        if self.sent < len(self.ops):
            batch = self.ops[self.sent:self.sent + Run.batch]
            self.push(batch, "push", "applied")
            self.sent += len(batch)
            if not self.resent and self.sent >= 2 * Run.batch:
                # the answer to the second batch was lost: the desk sends it again
                self.push(self.ops[Run.batch:2 * Run.batch], "push again", "duplicate")
                self.resent = True
        self.pull()
        if self.sent >= len(self.ops):
            self.check_feed()
            Run.finished += 1
            raise StopUser()

    def check_feed(self) -> None:
        """Every push was answered, so its changes are committed: the reader's feed must
        hold each of this office's dossiers exactly once."""
        expected = {op["dossier_uuid"] for op in self.ops}
        missing = expected - set(self.seen)
        twice = [u for u, n in self.seen.items() if n > 1]
        foreign = set(self.seen) - expected
        if missing or twice or foreign:
            Run.failures.append(f"office {self.number}: feed missing {len(missing)}, "
                                f"twice {len(twice)}, of another office {len(foreign)}")


@events.request.add_listener
def _record(request_type, name, response_time, exception, **_kwargs):
    Run.latencies.setdefault(name, []).append(response_time / 1000)
    if name == "push":
        Run.push_times.append((time.monotonic() - Run.started_at, response_time / 1000))
    if exception is not None:
        Run.failures.append(f"{request_type} {name}: {exception}")


# --- the run -------------------------------------------------------------------------------

def line(label: str, seconds: list[float]) -> str:
    if not seconds:
        return f"{label}: no requests"
    ms = [s * 1000 for s in seconds]
    return (f"{label}: p50 {statistics.median(ms):.1f} ms  p99 {percentile(ms, 0.99):.1f} ms"
            f"  max {max(ms):.1f} ms  n={len(ms)}")


def baseline(url: str, pushes: int) -> list[float]:
    """One office alone: --baseline pushes of a batch, one after the other."""
    times = []
    with httpx.Client(base_url=url + "/v1", timeout=60) as http:
        token = enrol(http, 999, "baseline")
        ops = [received_op(Run.tag, 999, n) for n in range(pushes * Run.batch)]
        for start in range(0, len(ops), Run.batch):
            began = time.perf_counter()
            answer = http.post("/push", json={"ops": ops[start:start + Run.batch]},
                               headers={"Authorization": f"Bearer {token}"})
            times.append(time.perf_counter() - began)
            if answer.status_code != 200 or any(
                    r["result"] != "applied" for r in answer.json()["results"]):
                Run.failures.append(f"baseline push: HTTP {answer.status_code}")
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--offices", type=int, default=200)
    parser.add_argument("--dossiers", type=int, default=50, help="per office")
    parser.add_argument("--batch", type=int, default=10, help="dossiers per push")
    parser.add_argument("--interval", type=float, default=20.0,
                        help="seconds between two sync rounds of one office (the desk's "
                             "sync.interval_seconds is 60 by default)")
    parser.add_argument("--ramp", type=float, default=10.0,
                        help="seconds over which the offices start")
    parser.add_argument("--run-time", type=float, default=240.0,
                        help="the load phase stops after this many seconds, done or not")
    parser.add_argument("--baseline", type=int, default=30, help="pushes of one office alone")
    parser.add_argument("--threads", type=int, default=8, help="the portal's worker threads")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--database-url", help="an empty PostgreSQL database for the portal")
    where.add_argument("--sqlite", action="store_true", help="the portal on SQLite")
    parser.add_argument("--not-durable", action="store_true",
                        help="leave the throwaway PostgreSQL server's fsync off")
    args = parser.parse_args()
    if min(args.offices, args.dossiers, args.batch) < 1 or args.offices > 999 \
            or args.dossiers < 2 * args.batch:
        parser.error("need 1 to 999 offices and at least two batches of dossiers each")

    Run.tag = "".join(random.choice("ABCDEFGHJKLMNPQRSTUVWXYZ") for _ in range(3))
    Run.dossiers, Run.batch = args.dossiers, args.batch
    Run.interval = args.interval
    Office.wait_time = constant_pacing(args.interval)
    workdir = Path(tempfile.mkdtemp(prefix="sadec-portal-load-"))
    print("machine:", machine("peewee", "psycopg2-binary", "flask", "waitress", "locust"))
    pg = None
    database_url = args.database_url
    if not args.sqlite and not database_url:
        pg, database_url = start_postgres(durable=not args.not_durable)
    kind = "SQLite (synchronous=FULL)" if args.sqlite else (
        ("PostgreSQL at --database-url" if args.database_url else
         "PostgreSQL, throwaway server") + f" ({durability(database_url)})")
    proc, url = start_portal(workdir, database_url, args.threads)
    print(f"portal: {kind}; waitress, {args.threads} threads; {url}")
    try:
        return run(args, url, database_url, workdir, proc.pid)
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
        if pg is not None:
            pg.stop()


def run(args, url: str, database_url: str | None, workdir: Path, portal_pid: int) -> int:
    started = time.perf_counter()
    with httpx.Client(base_url=url + "/v1", timeout=60) as http:
        Run.tokens = [(enrol(http, i, "quầy 1"), enrol(http, i, "máy 2"))
                      for i in range(args.offices)]
    print(f"enrolled {2 * args.offices} devices of {args.offices} offices in "
          f"{time.perf_counter() - started:.1f} s")
    alone = baseline(url, args.baseline)
    print(line(f"baseline, one office alone, push of {args.batch} dossiers", alone))

    env = Environment(user_classes=[Office], events=events, host=url)
    runner = env.create_local_runner()
    Run.latencies.clear()
    Run.push_times.clear()
    portal_process = psutil.Process(portal_pid)
    cpu_before = sum(portal_process.cpu_times()[:2])
    own_before = sum(psutil.Process().cpu_times()[:2])
    load_before = os.getloadavg()[0]
    Run.started_at = time.monotonic()
    runner.start(args.offices, spawn_rate=args.offices / max(args.ramp, 0.1))
    deadline = Run.started_at + args.run_time
    while Run.finished < args.offices and time.monotonic() < deadline:
        gevent.sleep(0.2)
    runner.quit()
    runner.greenlet.join(timeout=30)
    took = max(Run.last_push_at - Run.started_at, 1e-9)
    wall = time.monotonic() - Run.started_at
    portal_cpu = sum(portal_process.cpu_times()[:2]) - cpu_before
    own_cpu = sum(psutil.Process().cpu_times()[:2]) - own_before
    if Run.finished < args.offices:
        Run.failures.append(f"{args.offices - Run.finished} offices did not finish within "
                            f"--run-time {args.run_time:g} s")

    pushes = Run.latencies.get("push", [])
    pulls = Run.latencies.get("pull", [])
    print(f"load: {args.offices} offices x {args.dossiers} dossiers in batches of "
          f"{args.batch}, a sync round every {args.interval:g} s each (push, then pull), "
          f"every office's second batch sent twice; started over {args.ramp:g} s")
    print(line(f"push of {args.batch} dossiers", pushes))
    windows: dict[int, list[float]] = {}
    for at, seconds in Run.push_times:
        windows.setdefault(int(at // 10), []).append(seconds)
    # where the slow pushes were: a spread-out tail is the load, a bunched one a stall
    print("push p99 by 10-s window (ms): " + ", ".join(
        f"{percentile(v, 0.99) * 1000:.0f}" for _, v in sorted(windows.items())))
    print(line("push sent again (all duplicate)", Run.latencies.get("push again", [])))
    print(line("pull (feed page)", pulls))
    applied = len(pushes) * args.batch
    requests = sum(len(v) for v in Run.latencies.values())
    print(f"throughput: {len(pushes) / took:.1f} pushes/s = {applied / took:.0f} dossiers/s, "
          f"{requests / took:.1f} requests/s in all, over {took:.1f} s (first to last push)")
    # the portal is one process: a share of one core well under 100 % while requests wait
    # means other processes (this load generator, PostgreSQL, anything else) had the CPUs
    print(f"portal process: {portal_cpu:.1f} s of CPU over {wall:.1f} s "
          f"({100 * portal_cpu / wall:.0f} % of one core); machine load average "
          f"{load_before:.1f} before, {os.getloadavg()[0]:.1f} after ({os.cpu_count()} CPUs); "
          f"the load generator (locust, this process): {100 * own_cpu / wall:.0f} % of one core")
    print(f"errors: {len(Run.failures)}")
    for failure in Run.failures[:10]:
        print("  ", failure)

    counts = count_portal(database_url, workdir)
    expected = args.offices * args.dossiers + args.baseline * args.batch
    duplicates = (counts["dossiers"] - counts["distinct codes"]
                  + counts["dossiers in the feed twice"]
                  + max(0, counts["operations"] - expected)
                  + max(0, counts["changes"] - expected))
    print("portal database: " + ", ".join(f"{v} {k}" for k, v in counts.items())
          + f" (expected {expected} of each); duplicates: {duplicates}")
    complete = all(counts[k] == expected for k in ("dossiers", "distinct codes",
                                                    "operations", "changes"))
    p99 = percentile(pushes, 0.99) * 1000 if pushes else float("inf")
    print(f"target p99 push <= 500 ms: {'met' if p99 <= 500 else 'NOT met'} ({p99:.1f} ms); "
          f"0 errors: {'met' if not Run.failures else 'NOT met'}; "
          f"0 duplicates: {'met' if duplicates == 0 and complete else 'NOT met'}")
    return 0 if not Run.failures and duplicates == 0 and complete else 1


if __name__ == "__main__":
    assert locust.__version__
    sys.exit(main())

"""Push and pull throughput against the reference portal over loopback.

    .venv/bin/python bench/sync.py [--dossiers 10000] [--changes 10000]
                                   [--baseline 2000] [--batch 500]

1. Receives N dossiers offline (through the service layer, so every one has its
   outbox row), starts `sadec-desk portal serve` in a subprocess on 127.0.0.1
   (SQLite, synchronous=FULL) and pushes them in batches: dossiers/second.
2. Baseline in the same run: the same push one request per operation (batch size
   1) from a second office, over --baseline dossiers (default 2,000; the rate is
   what is compared — pass --baseline N to use all of them).
3. Interrupted push: M more dossiers, the answer to the third batch is lost (as
   when the connection drops after the portal committed), then a full resync:
   the portal must hold each dossier exactly once.
4. Makes --changes portal-side status changes and pulls them: changes/second.

Targets (issue #5): push >= 1,000 dossiers/s and >= 10x the per-operation
baseline; pull >= 2,000 changes/s; the resync duplicates nothing.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

from benchutil import card, machine

ADMIN_KEY = "bench-admin"


def start_portal(workdir: Path) -> tuple[subprocess.Popen, str]:
    env = {**os.environ, "SADEC_DESK_DATA_DIR": str(workdir / "portal-data"),
           "SADEC_DESK_CONFIG": str(workdir / "portal-config.toml")}
    proc = subprocess.Popen([sys.executable, "-m", "sadec_desk", "portal", "serve",
                             "--host", "127.0.0.1", "--port", "0", "--admin-key", ADMIN_KEY],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env=env)
    # (a list and an event do; no queue.Queue needed)
    found: list[str] = []
    seen = threading.Event()

    def read():
        for line in proc.stdout:
            if line.startswith("listening on ") and not found:
                found.append(line.split()[-1])
                seen.set()

    threading.Thread(target=read, daemon=True).start()
    if seen.wait(30):
        return proc, found[0]
    proc.kill()
    raise SystemExit("the portal did not start within 30 s")


class Office:
    """One office database (its own data dir) enrolled with the portal."""

    def __init__(self, workdir: Path, name: str, url: str, admin, batch: int):
        os.environ["SADEC_DESK_CONFIG"] = str(workdir / name / "config.toml")
        os.environ["SADEC_DESK_DATA_DIR"] = str(workdir / name / "data")
        from sadec_desk.bootstrap import open_context
        from sadec_desk.config import load_config, save_setting
        from sadec_desk.domain.timezone import VN_TZ
        from sadec_desk.sync import engine

        save_setting("office.agency_code", f"000.00.{10 + len(name):02d}.H20")
        save_setting("sync.portal_url", url)
        save_setting("sync.batch_size", batch)
        self.base = datetime(2026, 1, 5, 7, 30, tzinfo=VN_TZ)
        self.tick = 0
        self.ctx = open_context(load_config(), clock=lambda: self.base + timedelta(
            minutes=3 * self.tick))
        engine.enrol(self.ctx, url, admin.post("/enrolments").json()["code"], name)

    def receive(self, n: int, offset: int = 0) -> float:
        from sadec_desk.services.reception import dossiers

        procedures = ["1.001193", "2.000815", "1.004873", "2.000884", "1.000656"]
        started = time.perf_counter()
        for i in range(offset, offset + n):
            self.tick = i
            dossiers.receive_dossier(self.ctx, procedure_code=procedures[i % 5],
                                     qr_text=card(i), pages=1 + i % 4)
        return time.perf_counter() - started

    def push(self, adapter=None) -> tuple[float, dict]:
        from sadec_desk.sync import protocol as P
        from sadec_desk.sync.adapters.reference import ReferenceAdapter
        from sadec_desk.sync.push import push

        own = adapter is None
        adapter = adapter or ReferenceAdapter(self.ctx)
        counts = dict.fromkeys(P.RESULTS, 0)
        started = time.perf_counter()
        try:
            push(self.ctx, adapter, counts)
        finally:
            if own:
                adapter.close()
        return time.perf_counter() - started, counts

    def bind(self):
        from sadec_desk.db.database import bind

        bind(self.ctx.database)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dossiers", type=int, default=10_000)
    parser.add_argument("--changes", type=int, default=10_000)
    parser.add_argument("--baseline", type=int, default=2_000)
    parser.add_argument("--interrupted", type=int, default=2_000)
    parser.add_argument("--batch", type=int, default=500)
    args = parser.parse_args()

    import httpx

    workdir = Path(tempfile.mkdtemp(prefix="sadec-sync-bench-"))
    print("machine:", machine("peewee", "httpx", "flask", "waitress"))
    print("work dir:", workdir)
    proc, url = start_portal(workdir)
    admin = httpx.Client(base_url=url + "/v1/admin", headers={"X-Admin-Key": ADMIN_KEY},
                         timeout=120)
    try:
        # 1. the push
        main_office = Office(workdir, "office", url, admin, args.batch)
        took = main_office.receive(args.dossiers)
        print(f"received offline: {args.dossiers} dossiers in {took:.1f} s")
        push_s, counts = main_office.push()
        assert counts["applied"] == args.dossiers, counts
        push_rate = args.dossiers / push_s
        print(f"push, batches of {args.batch}: {args.dossiers} dossiers in {push_s:.2f} s "
              f"= {push_rate:,.0f} dossiers/s")

        # 2. baseline: one request per operation
        base_office = Office(workdir, "baseline", url, admin, 1)
        base_office.receive(args.baseline, offset=500_000)
        base_s, base_counts = base_office.push()
        assert base_counts["applied"] == args.baseline, base_counts
        base_rate = args.baseline / base_s
        print(f"baseline, one request per operation: {args.baseline} dossiers in "
              f"{base_s:.2f} s = {base_rate:,.0f} dossiers/s")

        # 3. interrupted push then full resync
        main_office.bind()
        from sadec_desk.sync.adapters.reference import ReferenceAdapter
        from sadec_desk.sync.errors import TransientError
        from sadec_desk.sync.pull import pull

        main_office.receive(args.interrupted, offset=args.dossiers)

        class LosesThirdAnswer(ReferenceAdapter):
            calls = 0

            def push(self, ops):
                answer = super().push(ops)
                LosesThirdAnswer.calls += 1
                if LosesThirdAnswer.calls == 3:
                    raise TransientError("answer lost (benchmark)")
                return answer

        lossy = LosesThirdAnswer(main_office.ctx)
        try:
            main_office.push(lossy)
        except TransientError:
            pass
        finally:
            lossy.close()
        resync_s, resync = main_office.push()
        portal_dossiers = admin.get("/dossiers").json()["dossiers"]
        uuids = [d["uuid"] for d in portal_dossiers]
        expected = args.dossiers + args.baseline + args.interrupted
        clean = len(uuids) == len(set(uuids)) == expected
        print(f"interrupted push of {args.interrupted}: the resync took {resync_s:.2f} s "
              f"({resync['applied']} applied, {resync['duplicate']} answered duplicate); the "
              f"portal holds {len(set(uuids))} distinct of {len(uuids)} dossiers, expected "
              f"{expected}: {'no duplicates' if clean else 'MISMATCH'}")

        # 4. pull: portal-side changes to the office's dossiers
        from sadec_desk.db.models import Dossier
        from sadec_desk.sync import protocol as P

        # the feed also holds this office's own pushes: a first pull reads past them
        # (not timed), as the sync run right after the push would
        adapter = ReferenceAdapter(main_office.ctx)
        counts = {**dict.fromkeys(P.RESULTS, 0), "pulled": 0, "new": 0, "conflicts": 0}
        started = time.perf_counter()
        pull(main_office.ctx, adapter, counts)
        print(f"first pull read past the office's own {expected - args.baseline} pushed "
              f"changes in {time.perf_counter() - started:.2f} s (not timed)")
        targets = [d.uuid for d in Dossier.select(Dossier.uuid).limit(args.changes)]
        from sadec_desk.sync.portal.models import open_portal_database
        from sadec_desk.sync.portal.store import PortalStore

        # written straight into the portal's database in one transaction (setup, not timed)
        portal_db = open_portal_database(
            None, workdir / "portal-data" / "portal.sqlite3")
        store = PortalStore(portal_db, token_ttl=timedelta(hours=1))
        started = time.perf_counter()
        with portal_db.connection_context(), portal_db.atomic():
            for uuid in targets:
                store.portal_status_change(uuid, "processing", "Cổng tỉnh chuyển xử lý")
        print(f"made {len(targets)} portal-side changes in {time.perf_counter() - started:.1f} s"
              " (setup, not timed)")
        counts = {**dict.fromkeys(P.RESULTS, 0), "pulled": 0, "new": 0, "conflicts": 0}
        started = time.perf_counter()
        pull(main_office.ctx, adapter, counts)
        pull_s = time.perf_counter() - started
        adapter.close()
        pull_rate = counts["pulled"] / pull_s if pull_s else 0
        print(f"pull: {counts['pulled']} portal-side changes applied in {pull_s:.2f} s "
              f"= {pull_rate:,.0f} changes/s")
        print()
        print(f"target push >= 1,000 dossiers/s: {'met' if push_rate >= 1000 else 'NOT met'}")
        print(f"target push >= 10x baseline: {'met' if push_rate >= 10 * base_rate else 'NOT met'}"
              f" ({push_rate / base_rate:.1f}x)")
        print(f"target pull >= 2,000 changes/s: {'met' if pull_rate >= 2000 else 'NOT met'}")
        print(f"target resync duplicates nothing: {'met' if clean else 'NOT met'}")
    finally:
        admin.close()
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main())

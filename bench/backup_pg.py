"""PostgreSQL backup without the derived name suffixes: dump size and restore time.

    nice .venv/bin/python bench/backup_pg.py [--dossiers 50000] [--rounds 2]

Fills a throwaway PostgreSQL server as bench/search.py does (--dossiers, half as many
citizens), then, in the same run and on the same database, for each format:
- before: ``pg_dump --format=custom`` of everything (the suffix table's rows included),
  restored with ``pg_restore --clean --if-exists --single-transaction --no-owner``;
- after: the same dump with ``--exclude-table-data=citizen_name_suffix`` (what
  services/admin/backup.py now runs), the same pg_restore, then the restore's refill of
  the suffixes (db/migrations.refill_derived: step 11's fill, batch by batch, then the key).
These are the commands the backup service runs; the service adds its manifest, checks
and before-restore copy around them, the same for both formats. Each restore is checked:
the suffix table after it equals the table before the dump.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchutil import machine

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "support"))

from search import fill  # noqa: E402  (bench/search.py: the same fill)


def _run(args: list[str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(args, check=True, capture_output=True)
    return time.perf_counter() - t0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dossiers", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=2, help="restores of each format")
    args = parser.parse_args()
    print("machine:", machine("peewee", "psycopg2-binary"))
    print("load average at start:", " ".join(f"{x:.2f}" for x in os.getloadavg()))
    workdir = Path(tempfile.mkdtemp(prefix="sadec-bench-backup-pg-"))
    os.environ["SADEC_DESK_CONFIG"] = str(workdir / "config.toml")
    os.environ["SADEC_DESK_DATA_DIR"] = str(workdir / "data")
    from pgserver import PostgresServer

    from sadec_desk.bootstrap import open_context
    from sadec_desk.config import load_config, save_setting
    from sadec_desk.db import migrations
    from sadec_desk.db.search_index import SUFFIX_TABLE

    server = PostgresServer(durable=True).start()
    ctx = None
    try:
        save_setting("office.agency_code", "000.00.14.H20")
        url = server.create_database("bench")
        save_setting("database.url", url)
        ctx = open_context(load_config())
        fill(ctx, args.dossiers, min(300, args.dossiers), random.Random(16))
        db = ctx.database

        def suffix_rows() -> list:
            return db.execute_sql(f"SELECT suffix, citizen_id FROM {SUFFIX_TABLE} "
                                  "ORDER BY 1, 2").fetchall()

        reference = suffix_rows()
        size = db.execute_sql(f"SELECT pg_total_relation_size('{SUFFIX_TABLE}'), "
                              "pg_database_size(current_database())").fetchone()
        citizens = db.execute_sql("SELECT count(*) FROM citizen").fetchone()[0]
        print(f"{args.dossiers} dossiers, {citizens} citizens; {SUFFIX_TABLE}: "
              f"{len(reference)} rows, {size[0] / 1e6:.1f} MB of a {size[1] / 1e6:.1f} MB database")
        tool = {n: str(server.bindir / n) if (server.bindir / n).is_file() else shutil.which(n)
                for n in ("pg_dump", "pg_restore")}
        formats = {"before (rows in the dump)": [],
                   "after (rows left out)": [f"--exclude-table-data={SUFFIX_TABLE}"]}
        dumps, results = {}, {label: [] for label in formats}
        for label, extra in formats.items():
            path = workdir / f"{len(dumps)}.pgdump"
            seconds = _run([tool["pg_dump"], "--format=custom", f"--file={path}", *extra,
                            f"--dbname={url}"])
            dumps[label] = path
            print(f"dump {label:28} {path.stat().st_size / 1e6:8.1f} MB in {seconds:6.1f} s")
        for _round in range(args.rounds):
            for label, path in dumps.items():  # alternating: the machine's load hits both
                restore = _run([tool["pg_restore"], "--clean", "--if-exists",
                                "--single-transaction", "--no-owner", f"--dbname={url}",
                                str(path)])
                t0 = time.perf_counter()
                filled = migrations.refill_derived(db, progress=None)
                refill = time.perf_counter() - t0
                assert suffix_rows() == reference, label
                results[label].append((restore, refill, filled))
        for label, rows in results.items():
            for restore, refill, filled in rows:
                print(f"restore {label:28} pg_restore {restore:6.1f} s + refill {refill:6.1f} s "
                      f"({filled} citizens) = {restore + refill:6.1f} s")
        print("load average at end:", " ".join(f"{x:.2f}" for x in os.getloadavg()))
    finally:
        if ctx is not None:
            ctx.close()
        server.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""What the records outside the database cost a receipt (#14 item 8, #18).

    .venv/bin/python bench/audit_seal.py [--n 1000]

Every event written seals the chain head and writes it (durably, before the commit) to
``<data dir>/audit/head.json`` (one block overwritten in place, one fdatasync); every
receipt also notes its number in ``<data dir>/audit/issued.json`` (not fsynced). This
times those two steps alone, and ``receive_dossier`` with and without them, interleaved,
against the same-run baseline: a bare one-row INSERT + COMMIT with the app's durable
pragmas.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from benchutil import bench_baseline_commit, card, describe, machine


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="sadec-bench-seal-"))
    os.environ["SADEC_DESK_CONFIG"] = str(workdir / "config.toml")
    os.environ["SADEC_DESK_DATA_DIR"] = str(workdir / "data")
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from sadec_desk.bootstrap import open_context
    from sadec_desk.config import save_setting
    from sadec_desk.services import audit_seal, issued_numbers
    from sadec_desk.services.reception import dossiers

    print(machine("peewee"))
    save_setting("office.agency_code", "000.00.14.H20")
    ctx = open_context()
    head, issued = [], []
    for i in range(args.n):
        start = time.perf_counter()
        audit_seal.write_head(i + 1, "ab" * 32, i, "cd" * 32, "2026-11-26T02:00:00.000000",
                              single_writer=False)
        head.append(time.perf_counter() - start)
        start = time.perf_counter()
        issued_numbers.note_codes([f"000.00.14.H20-261126-{i + 1:04d}"])
        issued.append(time.perf_counter() - start)
    real_head, real_note = audit_seal.write_head, issued_numbers.note_codes
    with_records, without = [], []
    for i in range(args.n):
        sealed = i % 2 == 0
        audit_seal.write_head = real_head if sealed else (lambda *a, **k: None)
        issued_numbers.note_codes = real_note if sealed else (lambda codes: None)
        start = time.perf_counter()
        dossiers.receive_dossier(ctx, procedure_code="1.004873", qr_text=card(i))
        (with_records if sealed else without).append(time.perf_counter() - start)
    audit_seal.write_head, issued_numbers.note_codes = real_head, real_note
    ctx.close()
    baseline = bench_baseline_commit(workdir / "baseline.sqlite3", args.n)
    print(describe("write_head (seal + one block, fdatasync)", head))
    print(describe("note_codes (issued.json, not fsynced)", issued))
    print(describe("receive_dossier with the records", with_records))
    print(describe("receive_dossier without them", without))
    print(describe("baseline: bare INSERT + COMMIT (same pragmas)", baseline))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The commands a packager runs on a new build, under the conditions a Windows PC brings
(issue #19 item 3), shared by the frozen-build test and the installed-package test.

Simulated Windows conditions, each one a real environment of the child process:

- no time-zone database: ``PYTHONTZPATH`` names an empty folder, so ``zoneinfo`` finds
  Asia/Ho_Chi_Minh only in the ``tzdata`` package (Windows has no /usr/share/zoneinfo);
- a cp1252 stdout and stderr: ``PYTHONIOENCODING=cp1252`` and pipes, as a ``> out.txt``
  redirect or a Task Scheduler log on a Western-locale Windows;
- no system font: ``SADEC_DESK_FONT_DIRS`` names an empty folder and ``printing.font_file``
  is unset, so slips and PDFs must use the font shipped in the package;
- a data folder of its own (``SADEC_DESK_DATA_DIR``) and no configuration file.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from appfixtures import AGENCY, SAMPLE_QR
from qr_samples import render_qr

PROCEDURE = "1.001193"  # Đăng ký khai sinh (seed catalogue)


def windows_env(tmp: Path, base: dict[str, str] | None = None) -> dict[str, str]:
    empty = tmp / "empty"
    empty.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in (base or os.environ).items()
           if not k.startswith(("SADEC_", "PYTHONTZPATH", "TZ", "MPLCONFIGDIR"))}
    env.update(
        PYTHONTZPATH=str(empty),
        PYTHONIOENCODING="cp1252",
        SADEC_DESK_FONT_DIRS=str(empty),
        SADEC_DESK_DATA_DIR=str(tmp / "data"),
        SADEC_DESK_CONFIG=str(tmp / "config.toml"),  # absent: every default
        LANG="C", LC_ALL="C",
    )
    return env


@dataclass(frozen=True)
class Ran:
    code: int
    out: str
    err: str


def run(argv: Sequence[str], env: dict[str, str], *, timeout: float = 180) -> Ran:
    done = subprocess.run(list(argv), env=env, capture_output=True, timeout=timeout,
                          check=False, cwd=env["SADEC_DESK_DATA_DIR"].rsplit("/", 1)[0])
    # what a reader of the redirect gets: UTF-8 (the CLI reconfigures its streams)
    return Ran(done.returncode, done.stdout.decode("utf-8"), done.stderr.decode("utf-8"))


def ok(ran: Ran, what: str) -> Ran:
    assert ran.code == 0, f"{what}: exit {ran.code}\n{ran.out[-2000:]}\n{ran.err[-3000:]}"
    assert "Traceback" not in ran.out + ran.err, what
    return ran


def run_packager_commands(program: Sequence[str], tmp: Path, env: dict[str, str]) -> dict:
    """--help, init, catalog list, dossier receive, print preview receipt, citizen scan,
    report export --format pdf, backup create (and --if-due), audit verify; every one must
    succeed and say its Vietnamese correctly. Returns what was made, for more checks."""
    prog = list(program)
    help_text = ok(run([*prog, "--help"], env), "--help").out
    assert "Sa Đéc Desk" in help_text and "COMMAND" in help_text

    ok(run([*prog, "init", "--agency-code", AGENCY, "--office-name",
            "UBND Phường 1, TP. Sa Đéc"], env), "init")

    catalogue = ok(run([*prog, "catalog", "list"], env), "catalog list").out
    assert "Đăng ký khai sinh" in catalogue  # plain text to a cp1252 pipe, not --json

    received = ok(run([*prog, "dossier", "receive", "--procedure", PROCEDURE, "--qr",
                       SAMPLE_QR, "--json"], env), "dossier receive")
    dossier = json.loads(received.out)
    code = dossier["code"]
    assert code.startswith(AGENCY)

    receipt = tmp / "receipt.png"
    ok(run([*prog, "print", "preview", "receipt", code, "--out", str(receipt)], env),
       "print preview receipt")
    assert receipt.read_bytes().startswith(b"\x89PNG")

    card = tmp / "card.png"
    render_qr(SAMPLE_QR).save(card)
    scanned = ok(run([*prog, "citizen", "scan", str(card)], env), "citizen scan").out
    assert "Nguyễn Thị Hoa" in scanned

    today = datetime.now(timezone(timedelta(hours=7))).date()
    report = tmp / "report.pdf"
    ok(run([*prog, "report", "export", "--from", str(today - timedelta(days=1)), "--to",
            str(today), "--format", "pdf", "--out", str(report)], env), "report export")
    written = sorted(tmp.glob("report*.pdf"))
    assert written and written[0].read_bytes().startswith(b"%PDF")

    ok(run([*prog, "backup", "create"], env), "backup create")
    ok(run([*prog, "backup", "create", "--if-due"], env), "backup create --if-due")
    ok(run([*prog, "audit", "verify"], env), "audit verify")
    return {"dossier": code, "receipt": receipt, "report": written[0]}

"""The highest dossier number issued per office and day, kept outside the database (#18).

A dossier code (``<agency>-<YYMMDD>-<NNNN>``) may already be on a citizen's receipt and at
the portal. Restoring a backup puts back the day's counter (``dossier_sequence``) as it was
when the backup was taken, and the next receipt would be given a number already issued. So
every receipt also notes its number here, in ``<data dir>/audit/issued.json`` (beside the
audit anchors, outside the file a restore replaces), before its transaction commits; a
restore then raises every counter to at least what this file, the live database just before
the restore and the restored backup say (:func:`raise_counters`). A number noted for a save
that did not complete is skipped, never issued twice.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path

import peewee

from sadec_desk.config import data_dir
from sadec_desk.domain.dossier_code import parse_dossier_code
from sadec_desk.files import private_dir


def mark_file() -> Path:
    return data_dir() / "audit" / "issued.json"


def _key(agency_code: str, day_iso: str) -> str:
    return f"{agency_code}|{day_iso}"


def read_marks() -> dict[str, int]:
    """``"<agency>|<YYYY-MM-DD>" -> highest number``; an unreadable file counts as empty
    (the database's own counters still hold)."""
    try:
        data = json.loads(mark_file().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {str(k): int(v) for k, v in data.items() if isinstance(v, int)}


def _merge(found: Iterable[tuple[str, str, int]]) -> int:
    marks = read_marks()
    changed = 0
    for agency_code, day_iso, seq in found:
        key = _key(agency_code, day_iso)
        if seq > marks.get(key, 0):
            marks[key] = seq
            changed += 1
    if changed:
        private_dir(mark_file().parent)
        _rewrite(mark_file(), json.dumps(marks, sort_keys=True, indent=0).encode("utf-8"))
    return changed


def _rewrite(path: Path, data: bytes) -> None:
    """Overwritten in place, not flushed: a receipt must not pay for another file's disk
    flush. Writers are serialised by the database's write lock (this runs inside the
    receipt's transaction); a file torn by a power cut reads as empty, and the live
    database still holds its counters, which a restore reads too."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | getattr(os, "O_BINARY", 0), 0o600)
    try:
        os.write(fd, data)
        os.ftruncate(fd, len(data))
    finally:
        os.close(fd)


def note_codes(codes: Iterable[str]) -> None:
    """Remember the numbers of dossier codes just issued (called before the commit)."""
    found = []
    for code in codes:
        parts = parse_dossier_code(code)
        if parts.seq:
            found.append((parts.agency_code, parts.day.isoformat(), parts.seq))
    _merge(found)


COUNTERS_SQL = "SELECT agency_code, day, last FROM dossier_sequence"


def note_counters(rows: Iterable[tuple]) -> int:
    """Take in ``(agency_code, day, last)`` rows of a ``dossier_sequence`` table; returns
    how many marks rose."""
    return _merge((str(a), str(d)[:10], int(n)) for a, d, n in rows)


def note_database(database: peewee.Database) -> int:
    """Take in every counter of an open database (at start-up: receipts of an older
    version, or of other counters sharing a PostgreSQL database)."""
    return note_counters(database.execute_sql(COUNTERS_SQL).fetchall())


def raise_counters(database: peewee.Database) -> int:
    """Every day's counter at least its mark (after a restore); returns how many rose."""
    rows = []
    for key, seq in read_marks().items():
        agency_code, _sep, day_iso = key.partition("|")
        rows.append((agency_code, day_iso, seq))
    return _raise(database, rows)


def note_portal(database: peewee.Database, agency_code: str, issued: dict[str, int]) -> int:
    """The highest number per day the portal holds for this office (``{"YYYY-MM-DD": n}``,
    sync/office_anchor.py): noted with the others and every such day's counter raised to
    it at once, so that after a restore, even on a new computer without this file, the next
    code is one the portal has not seen. Returns how many counters rose."""
    rows = [(agency_code, str(day)[:10], int(seq)) for day, seq in issued.items()
            if isinstance(seq, int) and seq > 0]
    _merge(rows)
    # every sync answers up to 400 days: only the counters below the portal are written
    held = {str(day)[:10]: int(last) for _agency, day, last in database.execute_sql(
        f"{COUNTERS_SQL} WHERE agency_code = {database.param}", (agency_code,)).fetchall()}
    return _raise(database, [row for row in rows if held.get(row[1], 0) < row[2]])


def _raise(database: peewee.Database, rows: list[tuple[str, str, int]]) -> int:
    if not rows:
        return 0  # no write transaction (SQLite's BEGIN IMMEDIATE) for nothing
    raised = 0
    with database.atomic():
        for agency_code, day_iso, seq in rows:
            cursor = database.execute_sql(
                "INSERT INTO dossier_sequence (agency_code, day, last) VALUES (?, ?, ?) "
                "ON CONFLICT (agency_code, day) DO UPDATE SET last = excluded.last "
                "WHERE dossier_sequence.last < excluded.last".replace(
                    "?", database.param), (agency_code, day_iso, seq))
            raised += max(cursor.rowcount, 0)
    return raised

"""Restoring a backup never rewinds the day's dossier counter (#18): a code already on a
citizen's receipt (and perhaps at the portal) is never issued again — after a healthy
restore, after a restore over a damaged file, and when one of the two records is gone."""

from __future__ import annotations

import sqlite3
from datetime import timedelta

import pytest
from appfixtures import Clock, make_ctx
from test_backup_damaged import _receive, damage_dossier_page, damage_header

from sadec_desk.bootstrap import settings_context
from sadec_desk.db.models import Dossier
from sadec_desk.services import issued_numbers
from sadec_desk.services.admin import backup


def _all_codes(*paths) -> set[str]:
    codes = set()
    for path in paths:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        codes |= {c for (c,) in conn.execute("SELECT code FROM dossier")}
        conn.close()
    return codes


def _history():
    clock = Clock()
    ctx = make_ctx(clock)
    first = _receive(ctx, 2)
    saved = backup.create_backup(ctx)
    clock.moment += timedelta(minutes=30)
    later = _receive(ctx, 3)  # 0003-0005: on receipts, not in the backup
    return ctx, saved, first, later


def test_a_healthy_restore_keeps_the_counter_past_every_issued_number():
    ctx, saved, first, later = _history()
    result = backup.restore_backup(ctx, saved.name)
    assert sorted(d.code for d in Dossier.select()) == sorted(first)
    issued = set(first) | set(later)
    new = _receive(ctx, 2)
    assert not set(new) & issued
    assert [c[-4:] for c in new] == ["0006", "0007"]
    assert _all_codes(result.aside.path) == issued


@pytest.mark.parametrize("damage", [damage_header, damage_dossier_page],
                         ids=["header", "table page"])
def test_a_restore_over_a_damaged_file_never_reissues_a_number(damage):
    ctx, saved, first, later = _history()
    path = ctx.config.sqlite_path
    ctx.close()
    damage(path)
    restoring = settings_context()
    backup.restore_backup(restoring, saved.name)
    restoring.close()
    assert max(issued_numbers.read_marks().values()) == 5  # the receipts noted themselves
    ctx = make_ctx(ctx.clock)
    try:
        new = _receive(ctx)
        assert new[0][-4:] == "0006" and new[0] not in set(first) | set(later)
    finally:
        ctx.close()


def test_the_live_database_alone_suffices_when_the_outside_record_is_lost():
    ctx, saved, first, later = _history()
    issued_numbers.mark_file().unlink()  # lost, or deleted by someone
    backup.restore_backup(ctx, saved.name)
    assert _receive(ctx)[0][-4:] == "0006"


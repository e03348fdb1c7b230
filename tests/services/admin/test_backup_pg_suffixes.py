"""PostgreSQL backups leave out the name suffixes' rows (derived from ``citizen`` by a
trigger, ~500 MB at 1,000,000 dossiers); the restore makes them again, so the search
finds what it found before. A dump of the older format (with the rows) still restores."""

from __future__ import annotations

import shutil
import subprocess
from datetime import timedelta

import both_databases
import pytest
from appfixtures import Clock, make_ctx
from name_suffixes import expected_suffixes, suffix_rows

from sadec_desk.db import search_index
from sadec_desk.db.search_index import SUFFIX_TABLE
from sadec_desk.services.admin import backup
from sadec_desk.services.reception import dossiers, search

pg_ctx = both_databases.pg_ctx  # the fixture: PostgreSQL only

NAMES = ["Nguyễn Thị Hoa", "Đặng Văn Đức", "Trần Ánh Dương", "Lê Văn Đạt", "Võ An An An",
         "Huỳnh Thị Thu Hoài", "Dài " + "ngoằngngoằng " * 5 + "Cuối", "Ưng Hoàng Phúc"]
QUESTIONS = ["hoa", "van", "dang van duc", "an an", "ngoangngoang", "hoang phuc", "thu hoai"]


def _card(i: int, name: str) -> str:
    return f"087{i:09d}||{name}|05061999|Nam|Sa Đéc|01022022"


def _receive(ctx, names, first=0) -> None:
    for i, name in enumerate(names, start=first):
        dossiers.receive_dossier(ctx, procedure_code="1.001193", qr_text=_card(i, name))


def _found(ctx) -> dict[str, list[str]]:
    return {q: [d.code for d in search.find_dossiers(ctx, q)] for q in QUESTIONS}


def _table_data_in_dump(ctx, path: str) -> set[str]:
    """The tables whose rows the dump holds (its ``TABLE DATA`` entries)."""
    folder = ctx.config["backup.pg_bin_dir"]
    tool = f"{folder}/pg_restore" if folder else shutil.which("pg_restore")
    listing = subprocess.run([tool, "--list", path], capture_output=True, text=True,
                             check=True).stdout
    return {line.split()[-2] for line in listing.splitlines()
            if " TABLE DATA " in line and not line.startswith(";")}


@pytest.mark.postgres
def test_the_dump_leaves_the_suffix_rows_out_and_the_restore_makes_them_again(
        pg_ctx, clock, capsys, monkeypatch):
    ctx, db = pg_ctx, pg_ctx.database
    _receive(ctx, NAMES)
    before, found = suffix_rows(db), _found(ctx)
    assert before == expected_suffixes(db) and len(before) > 100
    assert all(found.values()), found  # every question finds something: a real comparison
    saved = backup.create_backup(ctx)
    in_dump = _table_data_in_dump(ctx, saved.path)
    assert SUFFIX_TABLE not in in_dump and {"citizen", "dossier"} <= in_dump

    # later changes, undone by the restore: a new citizen, a rename, a deleted suffix row
    clock.moment += timedelta(minutes=5)
    _receive(ctx, ["Phạm Văn Mới"], first=50)
    db.execute_sql("UPDATE citizen SET full_name = 'Lê Văn Khác', folded_name = 'le van khac' "
                   "WHERE id = (SELECT min(id) FROM citizen)")
    assert _found(ctx) != found
    monkeypatch.setattr(search_index, "PROGRESS_FROM", 1)  # the progress line, on 8 citizens
    capsys.readouterr()
    backup.restore_backup(ctx, saved.name)
    assert "Đang lập chỉ mục tìm kiếm theo tên: 8/8" in capsys.readouterr().err
    assert suffix_rows(db) == before == expected_suffixes(db)
    assert search_index.has_suffix_index(db)
    assert _found(ctx) == found
    # the trigger still keeps the table after the restore
    _receive(ctx, ["Phạm Văn Mới"], first=50)
    assert suffix_rows(db) == expected_suffixes(db) != before
    moi = search.find_dossiers(ctx, "pham van moi")
    assert [d.citizen.full_name for d in moi] == ["Phạm Văn Mới"]


@pytest.mark.postgres
def test_a_dump_with_the_suffix_rows_still_restores(pg_ctx, clock, monkeypatch):
    """The format written before the rows were left out: they come back from the dump, and
    nothing is filled again."""
    ctx, db = pg_ctx, pg_ctx.database
    _receive(ctx, NAMES)
    before, found = suffix_rows(db), _found(ctx)
    with monkeypatch.context() as m:
        m.setattr(backup, "PG_DERIVED_TABLES", frozenset())  # what pg_dump got before
        m.setattr(backup, "_pg_counts", lambda ctx: {})  # (the counts are not the point)
        saved = backup.create_backup(ctx)
    assert SUFFIX_TABLE in _table_data_in_dump(ctx, saved.path)
    clock.moment += timedelta(minutes=5)
    _receive(ctx, ["Phạm Văn Mới"], first=50)

    def refill(*_args, **_kwargs):
        raise AssertionError("the dump holds the rows: nothing to fill")

    monkeypatch.setattr(search_index, "install_name_suffixes", refill)
    backup.restore_backup(ctx, saved.name)
    assert suffix_rows(db) == before == expected_suffixes(db)
    assert _found(ctx) == found


@pytest.mark.postgres
def test_an_emptied_suffix_table_is_filled_at_the_next_open(pg_database, capsys, monkeypatch):
    """A restore whose fill was cut short (the process killed): the next start fills it."""
    clock = Clock()
    ctx = make_ctx(clock, database__url=pg_database)
    _receive(ctx, NAMES)
    before, found = suffix_rows(ctx.database), _found(ctx)
    ctx.database.execute_sql(f"DELETE FROM {SUFFIX_TABLE}")
    assert search_index.suffixes_missing(ctx.database)
    ctx.close()
    ctx = make_ctx(clock, database__url=pg_database)
    try:
        assert suffix_rows(ctx.database) == before and _found(ctx) == found
        assert not search_index.suffixes_missing(ctx.database)
    finally:
        ctx.close()

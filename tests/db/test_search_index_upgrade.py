"""Schema step 4 (issue #16 item 2) on a database written before it: the folded names are
filled from the names on file, with a progress line for large files, and the substring
index serves the search at once; on SQLite and on PostgreSQL."""

from __future__ import annotations

import both_databases

from sadec_desk.db import migrations, search_index
from sadec_desk.db.database import is_sqlite
from sadec_desk.services.reception import dossiers, search

any_ctx = both_databases.any_ctx  # the fixture: SQLite, then PostgreSQL

NAMES = ["Nguyễn Thị Hoa", "Đặng Văn Đức", "Trần Ánh Dương", "Lê Văn Đạt"]


def _as_before_step_4(db) -> None:
    """Take the schema back to what step 3 left: no folded names, none of their indexes."""
    if is_sqlite(db):
        db.execute_sql(f"DROP TABLE {search_index.FTS_TABLE}")
        for suffix in ("ai", "ad", "au"):
            db.execute_sql(f"DROP TRIGGER IF EXISTS {search_index.FTS_TABLE}_{suffix}")
    else:
        db.execute_sql(f"DROP INDEX {search_index.TRGM_INDEX}")
    # and what step 11 (PostgreSQL) or 12 (SQLite) added: the suffix table, its triggers
    # (on folded_name)
    db.execute_sql(f"DROP TABLE {search_index.SUFFIX_TABLE}")
    on = "" if is_sqlite(db) else " ON citizen"
    for kind in search_index.SUFFIX_TRIGGERS:
        db.execute_sql(f"DROP TRIGGER {search_index.SUFFIX_TABLE}_{kind}{on}")
    if not is_sqlite(db):  # and step 13's, on dossier
        for kind in search_index.NEWEST_TRIGGERS:
            db.execute_sql(f"DROP TRIGGER {search_index.SUFFIX_TABLE}_{kind} ON dossier")
    for index in ("citizen_folded_name", "citizen_old_id_number", "citizen_phone",
                  "dossier_phone", "dossier_event_rescheduled", "dossier_status_due_at"):
        db.execute_sql(f"DROP INDEX {index}")
    # (step 9 made the index of finished_at into a wider one)
    db.execute_sql("ALTER TABLE citizen DROP COLUMN folded_name")


def test_step_4_fills_the_names_and_indexes_them(any_ctx, capsys, monkeypatch):
    for i, name in enumerate(NAMES * 3):
        dossiers.receive_dossier(any_ctx, procedure_code="1.001193",
                                 qr_text=f"087{i:09d}||{name}|05061999|Nam|Sa Đéc|01022022")
    db = any_ctx.database
    _as_before_step_4(db)
    db.close()  # (a new connection: the one that found the suffix table knows it is there)
    db.connect()
    assert not search_index.has_name_index(db)
    assert migrations.UPGRADES[4].__name__ == "_add_search_index"
    monkeypatch.setattr(search_index, "PROGRESS_FROM", 5)
    monkeypatch.setattr(search_index, "_BATCH", 5)
    with db.atomic():
        migrations.UPGRADES[4](db)
    err = capsys.readouterr().err
    assert "5/12" in err and "12/12 công dân" in err  # the progress line, batch by batch
    assert search_index.has_name_index(db)
    names = dict(db.execute_sql("SELECT full_name, folded_name FROM citizen").fetchall())
    assert names["Đặng Văn Đức"] == "dang van duc" and names["Trần Ánh Dương"] == "tran anh duong"
    assert len(search.find_dossiers(any_ctx, "van d")) == 6
    assert len(search.find_dossiers(any_ctx, "anh duo")) == 3
    dossiers.receive_dossier(any_ctx, procedure_code="1.001193",
                             qr_text="087999999999||Võ Văn Đạt|05061999|Nam|Sa Đéc|01022022")
    assert len(search.find_dossiers(any_ctx, "van dat")) == 4  # the triggers are in place


def test_without_a_substring_index_the_search_still_answers(ctx):
    """An SQLite without FTS5 or a PostgreSQL role refused pg_trgm: slower, same answers."""
    dossiers.receive_dossier(ctx, procedure_code="1.001193",
                             qr_text="087000000001||Đặng Văn Đức|05061999|Nam|Sa Đéc|01022022")
    ctx.database.execute_sql(f"DROP TABLE {search_index.FTS_TABLE}")
    assert [d.citizen.full_name for d in search.find_dossiers(ctx, "dang van")] == [
        "Đặng Văn Đức"]

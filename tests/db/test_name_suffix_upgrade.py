"""The names' suffix table (schema step 11 on PostgreSQL, step 12 on SQLite; issue #16
item 3): its triggers keep it exactly the suffixes of every citizen's folded name through
inserts, renames and deletes in the writer's transaction; the step fills it on a database
written before it, with a progress line for large files; the other backend's step does
nothing. Hostile names are found on both backends."""

from __future__ import annotations

from datetime import UTC, datetime

import both_databases
import pytest
from name_suffixes import expected_newest, expected_suffixes, newest_rows, suffix_rows

from sadec_desk.db import migrations, search_index
from sadec_desk.db.database import is_sqlite
from sadec_desk.db.models import Citizen
from sadec_desk.db.search_index import SUFFIX_TABLE, fold_name
from sadec_desk.services.reception import dossiers, search

any_ctx = both_databases.any_ctx  # the fixture: SQLite, then PostgreSQL
pg_ctx = both_databases.pg_ctx  # the fixture: PostgreSQL only

NAMES = ["Nguyễn Thị Hoa", "Đặng Văn Đức", "Trần Ánh Dương", "Lê Văn Đạt", "Võ An An An"]
HOSTILE = ["O'Brien \"Bảo\" Anh", "Back\\slash Văn %_ Tí", "Lê \uffff Văn \uffffhoa",
           "Max \U0010ffff Char \U0010ffff", "Emoji 😀 Thị 😀hoa",
           "Dài " + "ngoằngngoằng " * 19 + "Cuối"]  # 250 characters


def _card(i: int, name: str) -> str:
    return f"087{i:09d}||{name}|05061999|Nam|Sa Đéc|01022022"


def _rename(db, citizen_id: int, name: str) -> None:
    db.execute_sql("UPDATE citizen SET full_name = ?, folded_name = ? WHERE id = ?"
                   .replace("?", db.param), (name, fold_name(name), citizen_id))


def test_the_triggers_keep_every_suffix_through_insert_rename_and_delete(any_ctx):
    pg_ctx = any_ctx
    db = pg_ctx.database
    for i, name in enumerate(NAMES):
        dossiers.receive_dossier(pg_ctx, procedure_code="1.001193", qr_text=_card(i, name))
    assert suffix_rows(db) == expected_suffixes(db) and len(suffix_rows(db)) > 50
    assert ("hoa", 1) in suffix_rows(db) or ("hoa", 2) in suffix_rows(db)
    with pytest.raises(RuntimeError), db.atomic():  # a rolled-back write leaves no trace
        dossiers.receive_dossier(pg_ctx, procedure_code="1.001193",
                                 qr_text=_card(99, "Phạm Hữu Dũng"))
        assert suffix_rows(db) == expected_suffixes(db)
        raise RuntimeError
    assert not any(s.startswith("pham") for s, _c in suffix_rows(db))
    first = db.execute_sql("SELECT min(id) FROM citizen").fetchone()[0]
    for i, name in enumerate(HOSTILE):  # renames: the old suffixes go, the new ones come
        _rename(db, first + i % 3, name)
        assert suffix_rows(db) == expected_suffixes(db), name
    # the card read again with the same name: nothing changes; an other name: renamed
    dossiers.receive_dossier(pg_ctx, procedure_code="1.001193", qr_text=_card(3, "Lê Văn Đạt"))
    dossiers.receive_dossier(pg_ctx, procedure_code="1.001193", qr_text=_card(4, "Võ Văn Tí"))
    assert suffix_rows(db) == expected_suffixes(db)
    assert not any(cid == first + 4 and s.startswith("an an") for s, cid in suffix_rows(db))
    lonely = Citizen.create(id_number="087000000555", full_name="Mai Lan",
                            folded_name=fold_name("Mai Lan"), updated_at=datetime.now(UTC))
    assert ("mai lan", lonely.id) in suffix_rows(db)
    db.execute_sql(f"DELETE FROM citizen WHERE id = {db.param}", (lonely.id,))
    assert suffix_rows(db) == expected_suffixes(db)
    assert not any(cid == lonely.id for _s, cid in suffix_rows(db))


def _as_before_the_step(db) -> None:
    db.execute_sql(f"DROP TABLE {SUFFIX_TABLE}")
    on = "" if is_sqlite(db) else " ON citizen"
    for kind in search_index.SUFFIX_TRIGGERS:
        db.execute_sql(f"DROP TRIGGER {SUFFIX_TABLE}_{kind}{on}")
    if not is_sqlite(db):
        for index in (search_index.CITIZEN_NEWEST_INDEX, search_index.NEWEST_CITIZEN_INDEX):
            db.execute_sql(f"DROP INDEX {index}")
        for kind in search_index.NEWEST_TRIGGERS:
            db.execute_sql(f"DROP TRIGGER {SUFFIX_TABLE}_{kind} ON dossier")


def test_steps_11_and_12_fill_the_suffixes_of_the_names_on_file(any_ctx, capsys,
                                                                 monkeypatch):
    for i, name in enumerate(NAMES * 3):
        dossiers.receive_dossier(any_ctx, procedure_code="1.001193",
                                 qr_text=_card(i, name))
    db = any_ctx.database
    assert migrations.UPGRADES[11].__name__ == "_add_name_suffixes"
    assert migrations.UPGRADES[12].__name__ == "_add_sqlite_name_suffixes"
    assert migrations.UPGRADES[13].__name__ == "_add_suffix_newest"
    assert migrations.LATEST == 13
    step, other = (12, 11) if is_sqlite(db) else (11, 12)
    _as_before_the_step(db)
    # (a new connection: the one that found the table before knows it is there)
    db.close()
    db.connect()
    with db.atomic():
        migrations.UPGRADES[other](db)  # the other backend's step: nothing to do
    assert SUFFIX_TABLE not in db.get_tables()
    assert not search_index.has_suffix_index(db)
    assert [d.citizen.full_name for d in search.find_dossiers(any_ctx, "van duc")] == [
        "Đặng Văn Đức"] * 3  # meanwhile the trigram index serves
    # what a restore of a backup older than step 11 leaves: a table that is not
    # the names on file (pg_restore --clean drops only what the backup has)
    collate = "" if is_sqlite(db) else ' COLLATE "C"'
    db.execute_sql(f"CREATE TABLE {SUFFIX_TABLE} (suffix text{collate}, "
                   "citizen_id integer, PRIMARY KEY (suffix, citizen_id))")
    db.execute_sql(f"INSERT INTO {SUFFIX_TABLE} VALUES ('stale van duc', 1)")
    monkeypatch.setattr(search_index, "PROGRESS_FROM", 5)
    monkeypatch.setattr(search_index, "_BATCH", 1)  # batches of 10 citizens
    with db.atomic():
        migrations.UPGRADES[step](db)
    err = capsys.readouterr().err
    assert "10/15" in err and "15/15 công dân" in err  # the progress line, batch by batch
    assert search_index.has_suffix_index(db)
    assert suffix_rows(db) == expected_suffixes(db)
    with db.atomic():
        assert migrations.UPGRADES[step](db) is None  # twice: nothing more
    assert suffix_rows(db) == expected_suffixes(db)
    if not is_sqlite(db):
        assert newest_rows(db) == expected_newest(db)
        with db.atomic():
            migrations.UPGRADES[13](db)  # made with the moments already: nothing to do
        assert newest_rows(db) == expected_newest(db)
        indexes = {r[0] for r in db.execute_sql(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'dossier'").fetchall()}
        assert {search_index.CITIZEN_NEWEST_INDEX, search_index.NEWEST_CITIZEN_INDEX} <= indexes
    assert len(search.find_dossiers(any_ctx, "van d")) == 6
    assert len(search.find_dossiers(any_ctx, "anh duo")) == 3
    dossiers.receive_dossier(any_ctx, procedure_code="1.001193",
                             qr_text="087999999999||Võ Văn Đạt|05061999|Nam|Sa Đéc|01022022")
    assert len(search.find_dossiers(any_ctx, "van dat")) == 4  # the trigger is in place
    assert suffix_rows(db) == expected_suffixes(db)


def test_hostile_names_are_found_by_any_part(any_ctx):
    db = any_ctx.database
    codes = {}
    for i, name in enumerate(HOSTILE):
        info = dossiers.receive_dossier(any_ctx, procedure_code="1.001193",
                                        qr_text=_card(i, "Người Lạ " + "ABCDEF"[i]))
        cid = db.execute_sql("SELECT id FROM citizen WHERE id_number = "
                             + db.param, (f"087{i:09d}",)).fetchone()[0]
        db.execute_sql(f"UPDATE citizen SET full_name = {db.param}, folded_name = {db.param} "
                       f"WHERE id = {db.param}", (name, fold_name(name), cid))
        codes[name] = info.code
    long_name = HOSTILE[-1]
    for name, parts in ((HOSTILE[0], ["o'brien \"bao", "'b", '"bao" a']),
                        (HOSTILE[1], ["back\\slash", "\\s", "%_ ti", "%_"]),
                        (HOSTILE[2], ["le \uffff van", "\uffffhoa", "\uffff"]),
                        (HOSTILE[3], ["max \U0010ffff", "\U0010ffff char \U0010ffff",
                                      "char \U0010ffff"]),
                        (HOSTILE[4], ["emoji 😀 thi", "😀hoa", "😀"]),
                        (long_name, [fold_name(long_name), fold_name(long_name)[100:],
                                     "ngoangngoang cuoi", "dai ngoang"])):
        for part in parts:
            found = [d.code for d in search.find_dossiers(any_ctx, part[:search.MAX_TEXT])]
            assert codes[name] in found, (name, part)
            assert found == [codes[n] for n in reversed(HOSTILE)
                             if part[:search.MAX_TEXT] in fold_name(n)], part
    assert search.find_dossiers(any_ctx, "\uffffx") == []
    assert search.find_dossiers(any_ctx, "o'brien \"bao\" anh x") == []


@pytest.mark.postgres
def test_each_citizens_newest_dossier_is_kept_through_receipts_moves_and_deletes(pg_ctx):
    """PostgreSQL's ``newest_at`` (step 13): the moment of the citizen's newest dossier on
    every suffix row, through new dossiers, a dossier moved to another citizen or to
    another moment, a deleted dossier, a renamed citizen; a table of step 11 or 12 is
    made again with the moments by step 13."""
    db = pg_ctx.database
    for i, name in enumerate(NAMES[:4] * 2):
        dossiers.receive_dossier(pg_ctx, procedure_code="1.001193", qr_text=_card(i % 4, name))
    lonely = Citizen.create(id_number="087000000555", full_name="Mai Lan",
                            folded_name=fold_name("Mai Lan"), updated_at=datetime.now(UTC))
    assert newest_rows(db) == expected_newest(db)
    assert ("mai lan", lonely.id, None) in newest_rows(db)  # no dossier yet
    first, last = db.execute_sql("SELECT min(id), max(id) FROM dossier").fetchone()
    citizens = [r[0] for r in db.execute_sql("SELECT id FROM citizen ORDER BY id").fetchall()]
    db.execute_sql("UPDATE dossier SET received_at = received_at + interval '9 days' "
                   "WHERE id = %s", (first,))
    assert newest_rows(db) == expected_newest(db)
    db.execute_sql("UPDATE dossier SET citizen_id = %s WHERE id = %s", (citizens[-1], last))
    assert newest_rows(db) == expected_newest(db)
    db.execute_sql("UPDATE dossier SET status = status WHERE id = %s", (last,))  # no change
    _rename(db, citizens[0], "Trịnh Công Sơn")
    assert newest_rows(db) == expected_newest(db)
    # a dossier without papers or history (as a bulk load may leave one) can be deleted
    db.execute_sql("DELETE FROM paper_received WHERE dossier_id = %s", (last,))
    with db.atomic():
        db.execute_sql("ALTER TABLE dossier_event DISABLE TRIGGER USER")
        db.execute_sql("DELETE FROM dossier_event WHERE dossier_id = %s", (last,))
        db.execute_sql("ALTER TABLE dossier_event ENABLE TRIGGER USER")
    db.execute_sql("DELETE FROM dossier WHERE id = %s", (last,))
    assert newest_rows(db) == expected_newest(db)
    assert ("hoa", citizens[0], None) not in newest_rows(db)
    # step 13 on a table of step 11: made again, with the moments
    db.execute_sql(f"ALTER TABLE {SUFFIX_TABLE} DROP COLUMN newest_at")
    assert not search_index.has_newest(db)
    with db.atomic():
        migrations.UPGRADES[13](db)
    assert search_index.has_newest(db)
    assert newest_rows(db) == expected_newest(db)

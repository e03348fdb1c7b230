"""Finding dossiers (issue #16 item 1): by code, receipt QR, ID number, phone or the name
without diacritics, the newest first over all matches, on SQLite and on PostgreSQL.

Every search is checked against a brute-force answer computed in Python over the same
rows, through both of the search's ways (the citizens' index, and walking the newest
dossiers when many citizens share the text)."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import timedelta

import both_databases
import pytest
from appfixtures import SAMPLE_QR, Clock

from sadec_desk.db.search_index import FTS_TABLE, fold_name, has_name_index
from sadec_desk.errors import InvalidInput, NotFound
from sadec_desk.services.reception import dossiers, search

any_ctx = both_databases.any_ctx  # the fixture: SQLite, then PostgreSQL

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Đặng", "Võ", "Huỳnh"]
MIDDLE = ["Văn", "Thị", "Hữu", "Ngọc", "Minh"]
GIVEN = ["An", "Hoa", "Đức", "Ánh", "Dũng", "Hương", "Đạt", "Yến"]


def card(i: int, name: str, old_id: str = "") -> str:
    return f"087{i:09d}|{old_id}|{name}|05061999|Nam|Phường 1, Sa Đéc, Đồng Tháp|01022022"


def _fill(ctx, clock: Clock, count: int, seed: int) -> None:
    """``count`` dossiers of ~count/3 random citizens; some at the same moment (ties)."""
    rng = random.Random(seed)
    people = [(i, f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}")
              for i in range(max(3, count // 3))]
    for n in range(count):
        if rng.random() < 0.8:  # the rest share the previous moment
            clock.moment += timedelta(minutes=rng.randint(1, 400))
        i, name = rng.choice(people)
        info = dossiers.receive_dossier(ctx, procedure_code="1.001193", qr_text=card(i, name),
                                        phone=f"09{i:08d}" if i % 2 else "")
        if n % 4 == 0:
            dossiers.advance_dossier(ctx, info.code, "processing")


def _brute(ctx, text: str, limit: int, status: str | None = None) -> list[str]:
    rows = ctx.database.execute_sql(
        "SELECT d.code, d.received_at, d.id, c.full_name, d.status FROM dossier d "
        "JOIN citizen c ON c.id = d.citizen_id").fetchall()
    wanted = fold_name(text)
    hits = [r for r in rows if wanted in fold_name(r[3]) and (status is None or r[4] == status)]
    hits.sort(key=lambda r: (str(r[1]), r[2]), reverse=True)
    return [r[0] for r in hits[:limit]]


def test_names_are_found_without_diacritics_newest_first_as_brute_force_says(
        any_ctx, clock, monkeypatch):
    _fill(any_ctx, clock, 90, seed=16)
    texts = ["nguyen", "NGUYEN VAN", "dang thi anh", "đặng", "ng", "a", "van du", "uc",
             "huynh minh yen", "le ngoc dat", "tran hu", "h", "Võ Thị Hương", "nobody here",
             "guyen v", "oang", "yen", "ran thi huong"]
    suffixes = search.has_suffix_index(any_ctx.database)
    assert suffixes
    # the suffix table: a few citizens' dossiers, the walk checking each one's
    # citizen, the walk checking each one's name; texts longer than the stored suffixes
    # (4 here, 16 in the table: a range on the first 4 is still every candidate)
    # The trigram index (SQLite's FTS5; PostgreSQL's pg_trgm, where the suffix table is
    # missing): sorted behind the fence, or the planner's way; walking the newest
    cases = [(True, search.MANY_CITIZENS, 1, search.FEW_CITIZENS, search.HASHED_CITIZENS,
              search.SUFFIX_CHARS), (True, 1, 1, 0, 10**6, search.SUFFIX_CHARS),
             (True, 1, 1, 0, 0, search.SUFFIX_CHARS), (True, 1, 1, 10**6, 10**6, 4),
             (True, 1, 1, 0, 10**6, 4)] if suffixes else []
    cases += [(False, search.MANY_CITIZENS, 10**6, 0, 0, 0),
              (False, search.MANY_CITIZENS, 1, 0, 0, 0), (False, 1, 1, 0, 0, 0)]
    for suffix, many, planner, few, pg_many, chars in cases:
        monkeypatch.setattr(search, "has_suffix_index", lambda db, s=suffix: s)
        monkeypatch.setattr(search, "MANY_CITIZENS", many)
        monkeypatch.setattr(search, "PG_PLANNER_CITIZENS", planner)
        monkeypatch.setattr(search, "FEW_CITIZENS", few)
        monkeypatch.setattr(search, "HASHED_CITIZENS", pg_many)
        monkeypatch.setattr(search, "SUFFIX_CHARS", chars or search.SUFFIX_CHARS)
        case = (suffix, many, planner, few, pg_many, chars)
        for text in texts:
            for limit in (1, 7, 50):
                found = [d.code for d in search.find_dossiers(any_ctx, text, limit=limit)]
                assert found == _brute(any_ctx, text, limit), (case, text, limit)
        found = search.find_dossiers(any_ctx, "nguyen", status="processing", limit=500)
        assert [d.code for d in found] == _brute(any_ctx, "nguyen", 500, "processing")


def test_a_result_is_the_list_record_and_details_add_papers_and_history(any_ctx, clock):
    _fill(any_ctx, clock, 12, seed=3)
    codes = [d.code for d in search.find_dossiers(any_ctx, "a", limit=12)]
    # a finished one (finished_at, its deadline state) and a refused one (not counted)
    dossiers.advance_dossier(any_ctx, codes[1], "done")
    dossiers.advance_dossier(any_ctx, codes[2], "refused", note="Thiếu giấy chứng sinh")
    clock.moment += timedelta(days=30)  # the others are overdue by now
    full = [dossiers.get_dossier(any_ctx, code) for code in codes]
    assert search.find_dossiers(any_ctx, "a", limit=12, details=True) == full
    assert any(len(d.events) == 2 for d in full) and all(d.papers for d in full)
    assert full[1].finished_at is not None and full[0].citizen.date_of_birth is not None
    assert {d.deadline_state for d in full} >= {"late", "not_counted"}
    # the counter's list: the same records without papers and history, as list_dossiers
    found = search.find_dossiers(any_ctx, "a", limit=12)
    assert found == [replace(d, papers=(), events=()) for d in full]
    listed = {d.code: d for d in dossiers.list_dossiers(any_ctx, limit=100)}
    assert found == [listed[code] for code in codes]


def test_code_receipt_url_uuid_id_numbers_and_phones(any_ctx, clock):
    first = dossiers.receive_dossier(any_ctx, procedure_code="1.001193",
                                     qr_text=card(7, "Trần Văn Đức", "351234567"),
                                     phone="0912 345 678")
    clock.moment += timedelta(hours=1)
    second = dossiers.receive_dossier(any_ctx, procedure_code="1.001193",
                                      qr_text=card(7, "Trần Văn Đức", "351234567"),
                                      phone="+84912345678")
    other = dossiers.receive_dossier(any_ctx, procedure_code="1.001193", qr_text=SAMPLE_QR)

    def codes(text, **kw):
        return [d.code for d in search.find_dossiers(any_ctx, text, **kw)]

    assert codes(first.code) == [first.code]
    assert codes(first.code.lower()) == [first.code]
    assert codes(f"https://dichvucong.gov.vn/tra-cuu?ma={first.code}") == [first.code]
    assert codes(second.uuid.upper()) == [second.code]
    assert codes("087000000007") == [second.code, first.code]
    assert codes("351234567") == [second.code, first.code]  # the old CMND on the card
    for phone in ("0912345678", "+84 912 345 678", "0912.345.678", "84912345678"):
        assert codes(phone) == [second.code, first.code], phone
    assert codes("034303011829") == [other.code]
    assert codes("087000000008") == []
    assert codes("000.00.14.H20-261126-0099") == []


def test_percent_underscore_and_quotes_are_plain_characters(any_ctx, clock):
    _fill(any_ctx, clock, 6, seed=5)
    # a name the long texts below would match if % and _ were wildcards or quotes syntax
    dossiers.receive_dossier(any_ctx, procedure_code="1.001193",
                             qr_text=card(999, "Nguyễn Văn An"))
    assert len(search.find_dossiers(any_ctx, "nguyen van an")) == 1
    for text in ("%", "_", "%%%", "___", "n_uyen", "ng%en", '"', 'a"b', "'", "nguyen'",
                 "\\", "a\\%", "*", "NEAR(a b)", "a OR b", "ng*",
                 # long enough to be asked for in pieces
                 "nguyen_van", "nguy%n van", 'nguyen "van"', "nguyen\\van", "nguyen v%n a"):
        assert search.find_dossiers(any_ctx, text) == [], text


def test_filters_by_status_and_local_days(any_ctx, clock):
    clock.moment = clock.moment.replace(hour=0, minute=30)  # 00:30 local = the day before in UTC
    early = dossiers.receive_dossier(any_ctx, procedure_code="1.001193",
                                     qr_text=card(1, "Lê Thị Hoa"))
    clock.moment += timedelta(days=1, hours=23)  # 23:30 the next day
    late = dossiers.receive_dossier(any_ctx, procedure_code="1.001193",
                                    qr_text=card(1, "Lê Thị Hoa"))
    dossiers.advance_dossier(any_ctx, late.code, "processing")

    def codes(**kw):
        return [d.code for d in search.find_dossiers(any_ctx, "le thi hoa", **kw)]

    assert codes() == [late.code, early.code]
    assert codes(date_from="2026-11-26", date_to="26/11/2026") == [early.code]
    assert codes(date_from="27/11/2026") == [late.code]
    assert codes(date_to="2026-11-25") == []
    assert codes(status="processing") == [late.code]
    assert codes(status="Đã tiếp nhận") == [early.code]


@pytest.mark.parametrize("kwargs, words", [
    ({"text": ""}, "Nhập mã hồ sơ"),
    ({"text": "   "}, "Nhập mã hồ sơ"),
    ({"text": "a" * 201}, "dài quá"),
    ({"text": "nguyen\x00"}, "ký tự điều khiển"),
    ({"text": "nguy\udce9n"}, "không đọc được"),
    ({"text": "nguyen", "limit": 0}, "từ 1 đến 1000"),
    ({"text": "nguyen", "limit": 1001}, "từ 1 đến 1000"),
    ({"text": "nguyen", "status": "lost"}, "không có"),
    ({"text": "nguyen", "date_from": "31/02/2026"}, "không phải ngày hợp lệ"),
    ({"text": "nguyen", "date_from": "2026-12-02", "date_to": "2026-12-01"}, "phải trước"),
])
def test_bad_input_gets_a_sentence(any_ctx, kwargs, words):
    kwargs = dict(kwargs)  # the same dict serves both databases
    text = kwargs.pop("text")
    with pytest.raises(InvalidInput, match=words):
        search.find_dossiers(any_ctx, text, **kwargs)


def test_the_index_follows_every_write_in_its_transaction(any_ctx, clock):
    """A rolled-back receipt leaves nothing in the index; a name read again from a card
    replaces the old one in it; nothing is built per process."""
    db = any_ctx.database
    assert has_name_index(db)
    with pytest.raises(NotFound):
        with db.atomic():
            dossiers.receive_dossier(any_ctx, procedure_code="1.001193",
                                     qr_text=card(5, "Phạm Hữu Dũng"))
            assert [d.citizen.full_name for d in search.find_dossiers(any_ctx, "huu dung")] \
                == ["Phạm Hữu Dũng"]
            dossiers.get_dossier(any_ctx, "000.00.14.H20-261126-0099")  # raises: rolls back
    assert search.find_dossiers(any_ctx, "huu dung") == []
    dossiers.receive_dossier(any_ctx, procedure_code="1.001193", qr_text=card(5, "Phạm Hữu Dũng"))
    dossiers.receive_dossier(any_ctx, procedure_code="1.001193",
                             qr_text=card(5, "Phạm Hữu Dũng Anh"))  # the card, re-issued
    assert len(search.find_dossiers(any_ctx, "huu dung anh")) == 2
    if db.__class__.__name__.startswith("Sqlite"):
        db.execute_sql(f"INSERT INTO {FTS_TABLE} ({FTS_TABLE}, rank) VALUES ('integrity-check', 1)")
        assert db.execute_sql(f"SELECT count(*) FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH ?",
                              ('"huu dung"',)).fetchone()[0] == 1
    assert not hasattr(any_ctx, "name_index")


def test_the_kiosk_finds_by_the_receipt_only(ctx):
    from sadec_desk.services.kiosk import guide

    info = dossiers.receive_dossier(ctx, procedure_code="1.001193", qr_text=SAMPLE_QR)
    assert guide.dossier_status(ctx, info.code).masked_name == "N. T. Hoa"
    with pytest.raises(NotFound, match="hỏi cán bộ"):
        guide.dossier_status(ctx, "000.00.14.H20-261126-0099")
    for text in ("nguyen thi hoa", "034303011829", "0912345678"):  # nobody else's dossiers
        with pytest.raises(InvalidInput, match="phiếu hẹn"):
            guide.dossier_status(ctx, text)

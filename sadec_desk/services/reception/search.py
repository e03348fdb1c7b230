"""Finding dossiers: the counter's find box, ``sadec-desk dossier find`` and the kiosk.

One text says what is looked for (issue #16): a dossier code or the text of the receipt's
QR (a portal URL carrying the code), a 12-digit CCCD or 9-digit CMND number, a phone
number, or the applicant's name typed without diacritics ("nguyen van an", any case,
``đ`` = ``d``), any part of it. Results are the newest first over *all* matches, filtered
in SQL by status and the local days received; ``%`` and ``_`` are plain characters.

The name goes through the index kept in the database (db/search_index.py): the citizens
whose folded name contains the text are a range of the names' suffix table, counted and
used as :func:`_by_suffix` says. The trigram indexes (SQLite's FTS5 table, PostgreSQL's
pg_trgm) serve only where that table is missing, a database between schema steps 4 and
11 (PostgreSQL) or 12 (SQLite), which opening the database upgrades: the citizens come
from them (:func:`_citizens_named`), then their dossiers through ``dossier.citizen_id``.
A text that half the office's citizens share ("nguyen") would make that list huge, while
their newest dossiers are among the newest of all: then the search walks the dossiers
from the newest by the ``received_at`` index and stops at the ``limit``-th match. Which
of the two is cheaper is decided by counting the matching citizens up to
:data:`MANY_CITIZENS`. (Checking the newest few thousand dossiers before asking the index
was measured too: it costs the many rare names more than it saves the few common ones.)

On PostgreSQL each of these statements is prepared once per connection
(db/database.execute_prepared): planning one took longer than running it.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from sadec_desk.db.database import execute_prepared, is_sqlite, translated_errors
from sadec_desk.db.models import Dossier
from sadec_desk.db.search_index import (
    FTS_TABLE,
    SUFFIX_CHARS,
    SUFFIX_TABLE,
    fold_name,
    has_name_index,
    has_suffix_index,
)
from sadec_desk.domain.dossier_code import find_dossier_code
from sadec_desk.domain.lifecycle import parse_status
from sadec_desk.domain.timezone import VN_TZ
from sadec_desk.errors import InvalidInput
from sadec_desk.i18n import _
from sadec_desk.services.access import READ_ROLES, require_role
from sadec_desk.services.reception.dossiers import RECORD_QUERY, dossier_records
from sadec_desk.services.records import DossierInfo

if TYPE_CHECKING:
    import peewee

    from sadec_desk.services.context import AppContext

MAX_TEXT = 200  # longer than any name, code or receipt URL
MAX_LIMIT = 1000
#: without the suffix table: above this many citizens matching a name, walking the newest
#: dossiers is cheaper
MANY_CITIZENS = 2000
#: PostgreSQL without the suffix table: from this many citizens the planner is left to
#: choose how to reach their newest dossiers (measured at 1,000,000 dossiers: see
#: :func:`_by_name`)
PG_PLANNER_CITIZENS = 1000
#: with the suffix table (:func:`_by_suffix`): up to this many matching
#: citizens their dossiers are read through their index; more, and the newest dossiers
#: are walked, each checked against the set of those citizens, up to
#: :data:`HASHED_CITIZENS`; more still, and each walked dossier's name is checked
FEW_CITIZENS = 1000
HASHED_CITIZENS = 20_000
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_PHONE = re.compile(r"^(?:\+84|84|0)(\d{9,10})$")


def _parse_day(value: date | str | None, what: str) -> date | None:
    """A day given as a date, ``YYYY-MM-DD`` or ``dd/mm/yyyy``; None stays None."""
    if value is None or isinstance(value, date):
        return value
    text = str(value).strip()
    if not text:
        return None
    for pattern in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise InvalidInput(_("«{what}» = «{text}» không phải ngày hợp lệ; hãy ghi dạng "
                         "dd/mm/yyyy hoặc yyyy-mm-dd, ví dụ 30/11/2026.")
                       .format(what=what, text=text[:40]))


def _where_filters(database: peewee.Database, status: str | None, day_from: date | None,
                   day_to: date | None) -> tuple[str, list]:
    """SQL conditions on ``d`` (the dossier) and their parameters."""
    clauses, params = [], []
    if status:
        clauses.append("d.status = ?")
        params.append(parse_status(status).value)
    if day_from is not None:
        clauses.append("d.received_at >= ?")
        params.append(Dossier.received_at.db_value(
            datetime.combine(day_from, time(), tzinfo=VN_TZ)))
    if day_to is not None:
        clauses.append("d.received_at < ?")
        params.append(Dossier.received_at.db_value(
            datetime.combine(day_to + timedelta(days=1), time(), tzinfo=VN_TZ)))
    text = "".join(f" AND {c}" for c in clauses).replace("?", database.param)
    return text, params


def _newest(database: peewee.Database, match: str, params: list, filters: tuple[str, list],
            limit: int, *, by_index: bool = False, prepare: bool = True) -> list[tuple]:
    """The record rows (:data:`RECORD_QUERY`) of the newest ``limit`` dossiers ``d``
    meeting ``match`` and the filters, newest first.

    ``by_index``: the match names few dossiers found through an index on them, so the
    ordering must not make the database walk ``received_at`` instead (SQLite would pick
    that index for the ORDER BY ... LIMIT; ``+`` hides it). ``prepare=False``: ``match``
    varies with the values (a list of ids): not a statement to prepare (one for each
    length)."""
    where = f"{match.replace('?', database.param)}{filters[0]}"
    sql = _records_of(_newest_ids(database, where, limit, by_index=by_index))
    values = (*params, *filters[1])
    if prepare:
        return execute_prepared(database, sql, values).fetchall()
    return database.execute_sql(sql, values).fetchall()


def _newest_ids(database: peewee.Database, where: str, limit: int, *, by_index: bool
                ) -> str:
    """The SELECT of the ids of the newest ``limit`` dossiers ``d`` meeting ``where``
    (``by_index``: see :func:`_newest`)."""
    if by_index and not is_sqlite(database):
        # PostgreSQL: behind a fence (OFFSET 0) that keeps the planner from walking the
        # received_at index backwards over the whole table for a LIMIT
        return (f"SELECT d.id FROM (SELECT d.id, d.received_at FROM dossier d WHERE {where} "
                f"OFFSET 0) AS d ORDER BY d.received_at DESC, d.id DESC LIMIT {int(limit)}")
    order = "+d.received_at DESC, +d.id DESC" if by_index else "d.received_at DESC, d.id DESC"
    return f"SELECT d.id FROM dossier d WHERE {where} ORDER BY {order} LIMIT {int(limit)}"


def _records_of(ids_sql: str) -> str:
    """The statement reading the records of the dossiers ``ids_sql`` selects, newest
    first: the search and its records in one statement (one plan, one round trip)."""
    return f"{RECORD_QUERY} WHERE d.id IN ({ids_sql}) ORDER BY d.received_at DESC, d.id DESC"


def _pieces(folded: str) -> list[str]:
    """The non-overlapping trigrams of ``folded`` (three characters or more), the last one
    flush with the end, without repeats: any name containing the text contains them all,
    and the index finds the names containing them all by leapfrogging over its lists."""
    pieces = [folded[i:i + 3] for i in range(0, len(folded) - 2, 3)]
    if len(folded) % 3:
        pieces.append(folded[-3:])
    return list(dict.fromkeys(pieces))


def _citizens_named(database: peewee.Database, folded: str) -> list[int] | None:
    """Ids of the citizens whose folded name contains ``folded`` through the substring
    index, or None when there are more than :data:`MANY_CITIZENS` (or no usable index).

    The index is asked for the candidates holding the text's :func:`_pieces` and each
    candidate's folded name is checked for the whole text."""
    if len(folded) < 3 or not has_name_index(database):
        return None  # trigrams need three characters
    if is_sqlite(database):
        # an FTS5 query: each piece a quoted string (a double quote doubled), AND-ed;
        # FTS5 drives the join, so the LIMIT stops it early
        match = " AND ".join('"' + p.replace('"', '""') + '"' for p in _pieces(folded))
        sql = (f"SELECT c.id FROM {FTS_TABLE} f JOIN citizen c ON c.id = f.rowid "
               f"WHERE {FTS_TABLE} MATCH ? AND instr(c.folded_name, ?) > 0 LIMIT ?")
        params: tuple = (match, folded, MANY_CITIZENS + 1)
    else:
        # pg_trgm serves each LIKE; a short text is one pattern (its pieces would only
        # repeat its trigrams)
        pieces = _pieces(folded) if len(folded) > 6 else [folded]
        likes = " AND ".join(["folded_name LIKE %s ESCAPE '\\'"] * len(pieces))
        sql = f"SELECT id FROM citizen WHERE {likes} AND strpos(folded_name, %s) > 0 LIMIT %s"
        params = (*(f"%{_escape_like(p)}%" for p in pieces), folded, MANY_CITIZENS + 1)
    ids = [row[0] for row in database.execute_sql(sql, params).fetchall()]
    return ids if len(ids) <= MANY_CITIZENS else None


def _escape_like(text: str) -> str:
    """``text`` as plain characters in a LIKE pattern with ESCAPE '\\'."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _prefix_range(text: str) -> tuple[str, str | None]:
    """The strings that start with ``text`` in code point order (the bytewise order of
    UTF-8, ``COLLATE "C"``): from ``text`` up to, not including, ``text`` with its last
    character made the next one (a character at U+10FFFF is dropped and the one before
    it moved instead; nothing is above a text of only those)."""
    head = text
    while head and ord(head[-1]) == 0x10FFFF:
        head = head[:-1]
    if not head:
        return text, None
    following = ord(head[-1]) + 1
    if 0xD800 <= following <= 0xDFFF:  # surrogates are not characters: none is stored
        following = 0xE000
    return text, head[:-1] + chr(following)


def _by_suffix(database: peewee.Database, folded: str, filters, limit: int
               ) -> list[tuple]:
    """The record rows of the newest dossiers of the citizens whose name
    contains ``folded`` (three characters or more), found through the suffix table
    (db/search_index.py).

    The citizens are the rows of the key (suffix, citizen_id) whose suffix starts with
    the text: on the bytewise-ordered column that is a range of the key
    (:func:`_prefix_range`), read from the index alone, so counting them up to a bound
    costs that many index entries whatever the text. Then, by how many they are
    (measured at 1,000,000 dossiers of 500,000 citizens, bench/search.py):

    - up to :data:`FEW_CITIZENS` (rows of the key): their dossiers through dossier
      (citizen_id, received_at, id) (SQLite: citizen_id), sorted, in the statement that
      counts them;
    - up to :data:`HASHED_CITIZENS`: the newest dossiers walked backwards through
      dossier (received_at, id, citizen_id) (SQLite: received_at), each looked up in a
      hash of those citizens (SQLite: a temporary index);
    - more: the walk checks each dossier's name (:func:`_walk_by_name`), and meets ``limit``
      matches within about (dossiers / matching dossiers) x ``limit`` dossiers.

    A text longer than the stored suffixes (:data:`SUFFIX_CHARS`) ranges on its first
    ones and each candidate's name is checked for the whole text."""
    low, high = _prefix_range(folded[:SUFFIX_CHARS])
    where = " WHERE s.suffix >= ?" + ("" if high is None else " AND s.suffix < ?")
    params: list = [low] if high is None else [low, high]
    sqlite = is_sqlite(database)
    if len(folded) > SUFFIX_CHARS:
        # each candidate's name looked up by its key (a join may be planned as a scan of
        # every citizen's name: 90 ms)
        where += (f" AND {'instr' if sqlite else 'strpos'}((SELECT c.folded_name FROM "
                  "citizen c WHERE c.id = s.citizen_id), ?) > 0")
        params.append(folded)
    source = f"SELECT s.citizen_id FROM {SUFFIX_TABLE} s{where}"
    # few citizens: their dossiers in the same statement, none if there are more than
    # FEW_CITIZENS rows (the one-time filter); all of them, then sorted: the fence
    # (OFFSET 0) keeps the planner from walking received_at for the LIMIT instead, as
    # it may when its estimate of the range is off (it did so with a list of ids:
    # 76,000 dossiers walked for 295 citizens, session 6)
    filter_sql, filter_params = filters
    few = "d.citizen_id IN (SELECT m.citizen_id FROM m) AND (SELECT count(*) FROM m) <= ?"
    first = source
    if not sqlite and not filter_sql:
        # PostgreSQL, every dossier wanted: only those of the ``limit`` citizens whose
        # newest dossiers are the newest, with those tied with the last of them (each of
        # the others has ``limit`` citizens' newer dossiers before any of its own:
        # db/search_index.py). Measured at 1,000,000 dossiers: 1.1 ms for 855 citizens
        # ("van an") against 2.7 ms reading all their dossiers
        first = f"SELECT s.citizen_id, s.newest_at FROM {SUFFIX_TABLE} s{where}"
        few = ("d.citizen_id IN (SELECT m.citizen_id FROM m WHERE m.newest_at IS NOT NULL "
               f"GROUP BY m.citizen_id ORDER BY max(m.newest_at) DESC FETCH FIRST {int(limit)} "
               "ROWS WITH TIES) AND (SELECT count(*) FROM m) <= ?")
    ids_sql = _newest_ids(database, few + filter_sql, limit, by_index=True)
    sql = f"WITH m AS MATERIALIZED ({first} LIMIT ?) {_records_of(ids_sql)}"
    found = execute_prepared(database, sql.replace("?", database.param), (
        *params, FEW_CITIZENS + 1, FEW_CITIZENS, *filter_params)).fetchall()
    if found:
        return found
    sql = f"SELECT count(*) FROM ({source} LIMIT ?) AS s".replace("?", database.param)
    count = execute_prepared(database, sql, (*params, HASHED_CITIZENS + 1)).fetchone()[0]
    if count <= FEW_CITIZENS:
        return []  # none of them has a dossier the filters let through (or no one matched)
    if count <= HASHED_CITIZENS:
        # the newest dossiers walked, each looked up in a hash of those citizens built
        # once from the range, in the same statement: ``IS TRUE`` keeps the IN a subplan
        # (PostgreSQL would otherwise turn it into a join and sort every match), which it
        # hashes. Measured at 1,000,000 dossiers: 1.5-5.5 ms for 6,000-9,500 citizens
        # ("giang", "tram", "nguyen quoc"), where sending their ids back as an array took
        # 100-300 ms in bench runs (planning an array of thousands of constants and, as
        # psycopg2's ARRAY[...], parsing it). The LIMIT (never reached: counted just
        # above) caps the planner's estimate of the range, so that it always judges the
        # hash to fit in memory: a plain subplan would scan the range again for every
        # dossier walked
        return _newest(database, f"(d.citizen_id IN ({source} LIMIT ?)) IS TRUE",
                       [*params, 2 * HASHED_CITIZENS], filters, limit)
    return _walk_by_name(database, folded, filters, limit)


def _by_name(database: peewee.Database, folded: str, filters, limit: int) -> list[tuple]:
    if len(folded) >= 3 and has_suffix_index(database):
        return _by_suffix(database, folded, filters, limit)
    citizen_ids = _citizens_named(database, folded)
    if citizen_ids is not None:
        if not citizen_ids:
            return []
        if not is_sqlite(database) and len(citizen_ids) >= PG_PLANNER_CITIZENS:
            # one array, no fence: for a thousand citizens or more the planner walks
            # received_at checking each dossier against the array, or sorts them all, as
            # it judges best (sorting them all behind the fence: 1.5-2x slower at 1,000,000
            # dossiers, and a scan of the table at 200,000); for fewer it walks too far
            return _newest(database, "d.citizen_id = ANY(?)", [citizen_ids], filters, limit)
        marks = ", ".join("?" * len(citizen_ids))
        return _newest(database, f"d.citizen_id IN ({marks})", citizen_ids, filters, limit,
                       by_index=True, prepare=False)
    # many citizens share the text (or it is too short for trigrams)
    return _walk_by_name(database, folded, filters, limit)


def _walk_by_name(database: peewee.Database, folded: str, filters, limit: int
                  ) -> list[tuple]:
    """The newest dossiers whose citizen's name contains ``folded``, walked from the
    newest: when many citizens share the text they reach ``limit`` matches soon. (A
    correlated lookup, not a join: SQLite >= 3.38 would first build a Bloom filter over
    every citizen.)"""
    name = "(SELECT c.folded_name FROM citizen c WHERE c.id = d.citizen_id)"
    position = f"instr({name}, ?) > 0" if is_sqlite(database) else f"strpos({name}, ?) > 0"
    return _newest(database, position, [folded], filters, limit)


def _phones(text: str) -> list[str] | None:
    """The ways a phone number may be on file (as typed at the receipt: 0… or +84…)."""
    cleaned = re.sub(r"[\s.\-()]", "", text)
    match = _PHONE.match(cleaned)
    if not match or (cleaned.isdigit() and len(cleaned) == 12 and cleaned.startswith("0")):
        return None  # (a 12-digit text from 0 is a CCCD number)
    return ["0" + match.group(1), "+84" + match.group(1)]


def _matching_rows(database: peewee.Database, text: str, filters, limit: int
                   ) -> list[tuple]:
    """The record rows of the dossiers ``text`` finds (:func:`find_dossiers`)."""
    code = find_dossier_code(text)
    if code is not None:
        return _newest(database, "d.code = ?", [code], filters, limit)
    if _UUID.match(text.lower()):
        return _newest(database, "d.uuid = ?", [text.lower()], filters, limit)
    if re.fullmatch(r"\d{12}", text):
        return _newest(database, "d.citizen_id IN (SELECT id FROM citizen WHERE id_number = ?)",
                       [text], filters, limit, by_index=True)
    if re.fullmatch(r"\d{9}", text):
        return _newest(database,
                       "d.citizen_id IN (SELECT id FROM citizen WHERE old_id_number = ?)",
                       [text], filters, limit, by_index=True)
    phones = _phones(text)
    if phones is not None:
        return _newest(database, "(d.phone IN (?, ?) OR d.citizen_id IN "
                       "(SELECT id FROM citizen WHERE phone IN (?, ?)))",
                       [*phones, *phones], filters, limit, by_index=True)
    return _by_name(database, fold_name(text), filters, limit)


def find_dossiers(ctx: AppContext, text: str, *, limit: int = 50, status: str | None = None,
                  date_from: date | str | None = None, date_to: date | str | None = None,
                  details: bool = False) -> list[DossierInfo]:
    """Dossiers matching ``text`` (code or receipt QR, CCCD/CMND number, phone, name
    without diacritics), the newest first, at most ``limit``; ``status`` and the local
    days ``date_from``..``date_to`` (inclusive) narrow them.

    The records are a result list's, as :func:`dossiers.list_dossiers` gives them: without
    papers and history, which the counter reads for the one dossier shown
    (:func:`dossiers.get_dossier`); ``details=True`` puts them in every record (the
    command line's ``dossier find``)."""
    require_role(ctx, *READ_ROLES)
    query = unicodedata.normalize("NFC", "" if text is None else str(text)).strip()
    if not query:
        raise InvalidInput(_("Nhập mã hồ sơ, số CCCD, số điện thoại hoặc họ tên để tìm "
                             "(hoặc quét mã QR trên phiếu hẹn)."))
    if any(unicodedata.category(c) == "Cc" for c in query):
        raise InvalidInput(_("Nội dung tìm kiếm có ký tự điều khiển; hãy gõ lại mã hồ sơ, số "
                             "CCCD, số điện thoại hoặc họ tên."))
    if any(unicodedata.category(c) == "Cs" for c in query):
        # a lone surrogate: bytes that were not UTF-8 (a command line's argument in another
        # encoding); no database could take it
        raise InvalidInput(_("Nội dung tìm kiếm có ký tự không đọc được (không phải văn bản "
                             "UTF-8); hãy gõ lại mã hồ sơ, số CCCD, số điện thoại hoặc họ "
                             "tên."))
    if len(query) > MAX_TEXT:
        raise InvalidInput(_("Nội dung tìm kiếm dài quá {n} ký tự; hãy nhập mã hồ sơ, số "
                             "CCCD, số điện thoại hoặc họ tên.").format(n=MAX_TEXT))
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(_("Số kết quả tối đa phải từ 1 đến {high} (đang là {value}).")
                           .format(high=MAX_LIMIT, value=limit))
    day_from = _parse_day(date_from, _("Từ ngày"))
    day_to = _parse_day(date_to, _("Đến ngày"))
    if day_from and day_to and day_from > day_to:
        raise InvalidInput(_("«Từ ngày» ({start}) phải trước hoặc bằng «Đến ngày» ({end}).")
                           .format(start=day_from.strftime("%d/%m/%Y"),
                                   end=day_to.strftime("%d/%m/%Y")))
    database = ctx.database
    with translated_errors():
        filters = _where_filters(database, status, day_from, day_to)
        rows = _matching_rows(database, query, filters, limit)
    return dossier_records(ctx, rows, details=details)

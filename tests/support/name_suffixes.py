"""The name-suffix table (schema steps 11-13) as tests check it: what the table holds and
what it should hold, computed in Python from the citizens' folded names (and, on
PostgreSQL, the moment of each citizen's newest dossier)."""

from __future__ import annotations

from sadec_desk.db.search_index import SUFFIX_CHARS, SUFFIX_MIN, SUFFIX_TABLE


def expected_suffixes(db) -> set[tuple[str, int]]:
    """Every citizen's suffixes as the table should hold them, computed in Python."""
    rows = db.execute_sql("SELECT id, folded_name FROM citizen").fetchall()
    return {(name[i:i + SUFFIX_CHARS], cid) for cid, name in rows
            for i in range(len(name) - SUFFIX_MIN + 1)}


def suffix_rows(db) -> set[tuple[str, int]]:
    """The table's rows (asserted to hold no duplicate)."""
    rows = db.execute_sql(f"SELECT suffix, citizen_id FROM {SUFFIX_TABLE}").fetchall()
    assert len(rows) == len(set(rows))
    return set(rows)


def newest_rows(db) -> set[tuple[str, int, object]]:
    """PostgreSQL: the table's (suffix, citizen_id, newest_at) rows."""
    return set(db.execute_sql(f"SELECT suffix, citizen_id, newest_at FROM {SUFFIX_TABLE}"
                              ).fetchall())


def expected_newest(db) -> set[tuple[str, int, object]]:
    """PostgreSQL: every citizen's suffixes with the moment of their newest dossier."""
    newest = dict(db.execute_sql("SELECT citizen_id, max(received_at) FROM dossier "
                                 "GROUP BY citizen_id").fetchall())
    return {(suffix, cid, newest.get(cid)) for suffix, cid in expected_suffixes(db)}

"""A query's rows as the tuples peewee yields, typed as such.

``query.tuples()`` makes a peewee query yield plain tuples, but peewee's stubs type it
as the query itself, whose rows are model instances; code that unpacks the rows then
fails the type check. :func:`tuple_rows` is ``query.tuples()`` with the type it has.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast


def tuple_rows(query: Any) -> Iterable[tuple[Any, ...]]:
    """``query.tuples()``: iterating it runs the query and yields one tuple per row."""
    return cast("Iterable[tuple[Any, ...]]", query.tuples())

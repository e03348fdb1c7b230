"""Bulk writes for the hot paths of push and pull (thousands of rows per request).

Building one peewee query per row costs about a millisecond of Python here, which
caps a sync at a few hundred rows per second; these helpers build the SQL once
from the model's metadata and hand all rows to the driver's ``executemany``
(sqlite3; on PostgreSQL, multi-row INSERTs sent together, :func:`insert_tables`),
inside the caller's transaction. Values go
through each field's ``db_value`` so they are stored exactly as peewee stores them.
"""

from __future__ import annotations

from collections.abc import Sequence

import peewee


def _name(database: peewee.Database, name: str) -> str:
    quote = database.quote  # e.g. '""'
    return f"{quote[0]}{name}{quote[1]}"


def insert_rows(database: peewee.Database, model: type[peewee.Model],
                rows: Sequence[dict]) -> None:
    insert_tables(database, [(model, rows)])


def insert_tables(database: peewee.Database,
                  tables: Sequence[tuple[type[peewee.Model], Sequence[dict]]]) -> None:
    """Insert each (model, rows) in the order given. On PostgreSQL all of them go as one
    request of multi-row INSERTs (psycopg2's executemany is one round trip per row, and
    under load every round trip waits for the scheduler); the rows keep their order, and
    so their ids. On SQLite, in process, ``executemany`` per table."""
    statements: list[bytes] = []
    cursor = database.cursor()
    for model, rows in tables:
        if not rows:
            continue
        names = list(rows[0])
        fields = [model._meta.fields[n] for n in names]
        head = (f"INSERT INTO {_name(database, model._meta.table_name)} "
                f"({', '.join(_name(database, f.column_name) for f in fields)}) VALUES ")
        values = [tuple(f.db_value(row[n]) for f, n in zip(fields, names, strict=True))
                  for row in rows]
        row_sql = f"({', '.join([database.param] * len(fields))})"
        if not isinstance(database, peewee.PostgresqlDatabase):
            cursor.executemany(head + row_sql, values)
            continue
        for start in range(0, len(values), 500):  # a few hundred kB per statement at most
            statements.append(head.encode() + b",".join(
                cursor.mogrify(row_sql, value) for value in values[start:start + 500]))
    if statements:
        cursor.execute(b";\n".join(statements))


def update_rows(database: peewee.Database, model: type[peewee.Model], key: str,
                rows: Sequence[dict]) -> None:
    """``UPDATE model SET <other columns> WHERE key = row[key]`` for every row."""
    if not rows:
        return
    names = [n for n in rows[0] if n != key]
    fields = [model._meta.fields[n] for n in names]
    key_field = model._meta.fields[key]
    sql = (f"UPDATE {_name(database, model._meta.table_name)} SET "
           + ", ".join(f"{_name(database, f.column_name)} = {database.param}" for f in fields)
           + f" WHERE {_name(database, key_field.column_name)} = {database.param}")
    values = [tuple(f.db_value(row[n]) for f, n in zip(fields, names, strict=True))
              + (key_field.db_value(row[key]),) for row in rows]
    database.cursor().executemany(sql, values)

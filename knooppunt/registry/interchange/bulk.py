"""Fast writes for large imports: plain SQL through Django's connection.

The ORM's bulk_create spends most of its time preparing each value; an import of a
national registry (hundreds of thousands of rows) writes plain values instead, with
`executemany` (SQLite) or COPY (PostgreSQL). Callers pass values that are already in
database form (str, int, None; datetimes through `db_datetime`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from itertools import islice
from typing import Any

from django.db import connection, models

BATCH = 5000
IN_CHUNK_SQLITE = 900  # values per IN (...) list: below SQLite's 999 parameters
IN_CHUNK = 10_000
FULL_SCAN_AT = 20_000
CHUNK = 10_000


def chunks(values: Iterable[Any], size: int) -> Iterator[list[Any]]:
    iterator = iter(values)
    while batch := list(islice(iterator, size)):
        yield batch


def _table(model: type[models.Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _columns(columns: Sequence[str]) -> str:
    return ", ".join(connection.ops.quote_name(c) for c in columns)


def db_datetime(value: datetime) -> Any:
    return connection.ops.adapt_datetimefield_value(value)


@contextmanager
def large_cache(kib: int = 128 * 1024) -> Iterator[None]:
    """SQLite: a bigger page cache while writing (default 2 MB): the indexes of big tables
    no longer have to be read back from disk for every few rows."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        previous = cursor.fetchone()[0]
        cursor.execute(f"PRAGMA cache_size = -{int(kib)}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(previous)}")


def reserve_ids(model: type[models.Model], count: int) -> list[int]:
    """`count` fresh primary keys for `model`, ascending; call inside the import transaction.

    SQLite: the transaction holds the write lock (transaction_mode IMMEDIATE), so the
    keys above the highest one used so far are ours. PostgreSQL: taken from the sequence.
    """
    if count == 0:
        return []
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [table, count],
            )
            return sorted(row[0] for row in cursor.fetchall())
        if connection.vendor == "sqlite":
            cursor.execute(f"SELECT MAX(id) FROM {_table(model)}")  # noqa: S608 - quoted name
            highest = cursor.fetchone()[0] or 0
            cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
            row = cursor.fetchone()
            start = max(highest, row[0] if row else 0) + 1
            return list(range(start, start + count))
    raise NotImplementedError(f"reserve_ids() does not support {connection.vendor}")


def insert(model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """INSERT `rows` (tuples in the order of `columns`) into `model`'s table."""
    written = 0
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            raw = cursor.cursor
            sql = f"COPY {_table(model)} ({_columns(columns)}) FROM STDIN"
            with raw.copy(sql) as copy:
                for row in rows:
                    copy.write_row(row)
                    written += 1
        return written
    placeholders = ", ".join(["%s"] * len(columns))
    sql = f"INSERT INTO {_table(model)} ({_columns(columns)}) VALUES ({placeholders})"  # noqa: S608
    with connection.cursor() as cursor:
        for batch in chunks(rows, BATCH):
            cursor.executemany(sql, batch)
            written += len(batch)
    return written


def update(
    model: type[models.Model],
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    bump_version: bool = True,
) -> int:
    """UPDATE `columns` of the rows whose id is the last value of each tuple.

    A versioned model's rows (`core.concurrency.Versioned`) get a new version as well, so
    that a form or API client holding the old one cannot overwrite the change unseen;
    `bump_version=False` for derived columns only (search documents).
    """
    assignments = ", ".join(f"{connection.ops.quote_name(c)} = %s" for c in columns)
    if bump_version and any(f.name == "version" for f in model._meta.concrete_fields):
        version = connection.ops.quote_name("version")
        assignments += f", {version} = {version} + 1"
    sql = f"UPDATE {_table(model)} SET {assignments} WHERE id = %s"  # noqa: S608 - quoted names
    written = 0
    with connection.cursor() as cursor:
        for batch in chunks(rows, BATCH):
            cursor.executemany(sql, batch)
            written += len(batch)
    return written


def _in_chunk() -> int:
    return IN_CHUNK_SQLITE if connection.vendor == "sqlite" else IN_CHUNK


def delete_in(model: type[models.Model], column: str, values: Iterable[Any]) -> None:
    for batch in chunks(values, _in_chunk()):
        model._default_manager.filter(**{f"{column}__in": batch}).delete()


def values_in(
    queryset: models.QuerySet[Any], column: str, values: Iterable[Any], *fields: str
) -> Iterator[tuple[Any, ...]]:
    """`queryset.values_list(*fields)` for the rows whose `column` is in `values`.

    A few values: IN (...) lists in chunks. Many (a national re-import): one pass over
    the table, filtered here, which beats hundreds of long IN lists.
    """
    values = values if isinstance(values, set | frozenset) else set(values)
    if len(values) >= FULL_SCAN_AT:
        for row in queryset.values_list(column, *fields).iterator(chunk_size=CHUNK):
            if row[0] in values:
                yield row[1:]
        return
    for batch in chunks(values, _in_chunk()):
        yield from queryset.filter(**{f"{column}__in": batch}).values_list(*fields)

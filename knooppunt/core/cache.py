"""The shared database cache: counters every server process sees (rate limits).

The default cache (local memory) is per process: with three gunicorn workers a limit of
three mails an hour would allow nine. This cache lives in the database, in the table of
`core.CacheEntry` (created by `migrate`, so also for the tests, `demo` and `serve`).
"""

from __future__ import annotations

import base64
import pickle
from typing import Any

from django.core.cache.backends import db
from django.db import connections, router, transaction
from django.utils import timezone


class DatabaseCache(db.DatabaseCache):
    """Django's database cache with an atomic `incr` that keeps the entry's expiry.

    Django's own `incr` reads the value, adds and writes it back with `set()`: two
    processes can both read the same count, and `set()` gives the entry the default
    timeout again, which would stretch or shorten a rate limit's window. Here the row is
    read and written in one transaction holding its lock (SELECT ... FOR UPDATE on
    PostgreSQL; on SQLite this project's transactions begin IMMEDIATE, which takes the
    database's write lock), and the expiry is left as `add()` set it.
    """

    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> Any:
        key = self.make_and_validate_key(key, version=version)
        alias = router.db_for_write(self.cache_model_class)
        connection = connections[alias]
        quote = connection.ops.quote_name
        table = quote(self._table)  # type: ignore[attr-defined]  # set by BaseDatabaseCache
        lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
        now = connection.ops.adapt_datetimefield_value(timezone.now().replace(microsecond=0))
        # Names are the cache table's own, quoted by the backend; values are parameters.
        select = (
            f"SELECT {quote('value')} FROM {table} "  # noqa: S608
            f"WHERE {quote('cache_key')} = %s AND {quote('expires')} >= %s{lock}"
        )
        update = f"UPDATE {table} SET {quote('value')} = %s WHERE {quote('cache_key')} = %s"  # noqa: S608
        with transaction.atomic(using=alias), connection.cursor() as cursor:
            cursor.execute(select, [key, now])
            row = cursor.fetchone()
            if row is None:
                raise ValueError(f"Key {key!r} not found.")
            stored = connection.ops.process_clob(row[0])
            # Our own table, written only by this cache (as Django's cache does).
            value = pickle.loads(base64.b64decode(stored.encode())) + delta  # noqa: S301
            encoded = base64.b64encode(pickle.dumps(value, self.pickle_protocol)).decode("latin1")
            cursor.execute(update, [encoded, key])
        return value

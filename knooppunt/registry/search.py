# ruff: noqa: S608 - SQL is built from the constant table names below and checked tokens.
"""The directory's full-text index: how documents are tagged and how the database is asked.

Every organisation and partnership carries a `search_document` (see
`services.organisation_search_document`): the index terms of its texts (each word
and its stem, accent-folded), then a `|` and its *facets*: tokens for the
directory's filters (kind, municipality, labour-market region, province, themes)
such as `_k_company` or `_p_pv30`. A facet starts with `_`, which `core.text`
never produces, so a typed word can never match one.

The database keeps its own index of that column, maintained by the database itself
so that every write path (services, bulk import, admin, raw SQL) stays in step:

- **SQLite**: an FTS5 table per model (`registry_organisation_fts`,
  `registry_partnership_fts`), contentless, filled by triggers on insert, delete
  and update of `name` or `search_document`.
- **PostgreSQL**: a stored generated `tsvector` column `search_vector` with a GIN
  index; the document's words and facets are its lexemes.

A text search then becomes one index lookup that applies the words *and* the
filters at once, counts (up to a cap), ranks (a word in the name comes first) and
returns the ids of one page; only that page's rows are read. How PostgreSQL
pages through a common word cheaply: see `TextSearch.page_ids`. `knooppunt reindex`
rebuilds everything.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db import connection, connections

FACET_MARK = "|"
_FACET_UNSAFE = re.compile(r"[^a-z0-9_]")
SQLITE_NAME_WEIGHT = 4.0  # bm25 weight of the name column against the document's 1.0


# --- documents -----------------------------------------------------------------------------


def facet(prefix: str, value: str) -> str:
    return f"_{prefix}_{_FACET_UNSAFE.sub('_', value.lower())}"


def facet_tokens(
    *,
    kind: str,
    places: Sequence[str] | None,
    theme_codes: Iterable[str],
    name_terms: Iterable[str] = (),
) -> list[str]:
    """The facet tokens of an object.

    `places`: (municipality code, labour-market region code, province code) or None.
    `name_terms`: the index terms of its name (`core.text.index_terms`), as `_n_` facets:
    PostgreSQL finds name hits with them in the same index (see `TextSearch.page_ids`).
    """
    out = [facet("k", kind)]
    if places:
        municipality, region, province = places
        out.append(facet("m", municipality))
        if region:
            out.append(facet("r", region))
        if province:
            out.append(facet("p", province))
    out += [facet("t", code) for code in theme_codes]
    out += [facet("n", term) for term in dict.fromkeys(name_terms)]
    return out


def with_facets(document: str, facets: Sequence[str]) -> str:
    """`document` (from `core.text.index_terms`, with its leading and trailing space) + facets."""
    return f"{document}{FACET_MARK} {' '.join(facets)} "


# --- queries -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Syntax:
    """How one database writes a full-text query."""

    prefix: str  # a word as a prefix term; {} is the word
    exact: str  # a facet as an exact term
    any_: str  # between alternatives
    all_: str  # between required parts


_SYNTAX = {
    "sqlite": _Syntax(prefix='"{}"*', exact='"{}"', any_=" OR ", all_=" AND "),  # FTS5 MATCH
    "postgresql": _Syntax(prefix="'{}':*", exact="'{}'", any_=" | ", all_=" & "),  # tsquery
}


def _query(
    syntax: _Syntax,
    terms: Sequence[str],
    facet_groups: Sequence[Sequence[str]],
    any_terms: bool = False,
) -> str:
    """Every word as a prefix (all of them, or `any_terms`), and one of each facet group."""
    parts = [syntax.prefix.format(term) for term in terms]
    if any_terms:
        parts = [f"({syntax.any_.join(parts)})"]
    for group in facet_groups:
        alternatives = syntax.any_.join(syntax.exact.format(token) for token in group)
        parts.append(f"({alternatives})" if len(group) > 1 else alternatives)
    return syntax.all_.join(parts)


def _check(tokens: Iterable[str]) -> None:
    # Terms come from core.text (a-z, 0-9), facets from facet(); nothing else may reach SQL.
    for token in tokens:
        if not token or _FACET_UNSAFE.search(token):
            raise ValueError(f"not a search token: {token!r}")


# PostgreSQL: the rows a page may walk in index order, at most (see `_pg_ordered`).
SCAN_BUDGET = 20_000

# The orders a page can come in: (SQL that an index can give, the same order that it
# cannot: sorting an expression keeps the planner on the GIN index and a sort).
ORDERS = {
    "id": ("id", "id + 0"),
    "name": ("name, id", "name || '', id + 0"),
    "-name": ("name DESC, id DESC", "name || '' DESC, id + 0 DESC"),
    "-updated": ("updated_at DESC, id DESC", "updated_at + interval '0 s' DESC, id + 0 DESC"),
}


class TextSearch:
    """One text search over one model's index: `count()` and `page_ids()`."""

    def __init__(
        self,
        table: str,
        terms: Sequence[str],
        facet_groups: Sequence[Sequence[str]],
        *,
        any_terms: bool = False,
    ) -> None:
        """`any_terms`: match objects with any of the words (ranked), not all of them."""
        if not terms:
            raise ValueError("a text search needs at least one term")
        _check(terms)
        for group in facet_groups:
            _check(group)
        self.table = table
        self.vendor = connection.vendor
        if self.vendor not in _SYNTAX:  # pragma: no cover - only the two supported databases
            raise NotImplementedError(f"no full-text search for {self.vendor}")
        syntax = _SYNTAX[self.vendor]
        self.query = _query(syntax, terms, facet_groups, any_terms)
        # Name hits: the words as `_n_` facets, plus the filters. Every word of the name
        # is in the document too, so this is "the query, and the words in the name",
        # without reading the (long) lists of every word that starts like the query's.
        names = _query(syntax, [facet("n", term) for term in terms], facet_groups, any_terms)
        self.name_hits = names
        self.others = f"({self.query}) & !({names})"
        self._at_least = 0  # matches known to exist (from `count`)
        self._exact: int | None = None  # the number of matches, once counted to the end

    def _run(self, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return list(cursor.fetchall())

    def id_subquery(self) -> tuple[str, list[Any]]:
        """SQL selecting the ids of every match."""
        if self.vendor == "sqlite":
            fts = f"{self.table}_fts"
            return f"SELECT rowid FROM {fts} WHERE {fts} MATCH %s", [self.query]
        return self._pg_matching(self.query)

    def _pg_matching(self, query: str) -> tuple[str, list[Any]]:
        return f"SELECT id FROM {self.table} WHERE search_vector @@ %s::tsquery", [query]

    def count(self, limit: int | None = None) -> int:
        """How many objects match; with `limit`, stop counting at `limit`."""
        n = self._count(*self.id_subquery(), limit)
        self._at_least = max(self._at_least, n)
        if limit is None or n < limit:
            self._exact = n
        return n

    def _count(self, sql: str, params: Sequence[Any], limit: int | None) -> int:
        if limit is not None:
            sql = f"{sql} LIMIT {int(limit)}"
        return int(self._run(f"SELECT count(*) FROM ({sql}) AS hits", params)[0][0])

    def page_ids(self, offset: int, limit: int, order: str = "relevance") -> list[int]:
        """Ids of one page of matches, best first, or in `order` (a key of `ORDERS`).

        Relevance on SQLite is bm25, a word in the name weighing four times one in the
        rest (ties: lowest id first). PostgreSQL puts the objects whose *name* has the
        words first, then the others, each in id order: ranking with `ts_rank` reads
        every match's whole vector, which for a common word (8,000 matches in a
        national registry) costs more than the rest of the page together.
        """
        if self.vendor == "sqlite":
            fts = f"{self.table}_fts"
            if order == "relevance":
                sql = (
                    f"SELECT rowid FROM {fts} WHERE {fts} MATCH %s "
                    f"ORDER BY bm25({fts}, {SQLITE_NAME_WEIGHT}, 1.0), rowid LIMIT %s OFFSET %s"
                )
            else:
                sql = (
                    f"SELECT id FROM {self.table} WHERE id IN "
                    f"(SELECT rowid FROM {fts} WHERE {fts} MATCH %s) "
                    f"ORDER BY {ORDERS[order][0]} LIMIT %s OFFSET %s"
                )
            return [row[0] for row in self._run(sql, [self.query, limit, offset])]
        if order != "relevance":
            return self._pg_ordered(self.query, offset, limit, order)
        rows = self._run(
            f"SELECT id, count(*) OVER () FROM {self.table} WHERE search_vector @@ %s::tsquery "
            f"ORDER BY {ORDERS['id'][1]} LIMIT %s OFFSET %s",
            [self.name_hits, limit, offset],
        )
        first = [row[0] for row in rows]
        if len(first) == limit:
            return first
        if rows:
            n_first = int(rows[0][1])
        else:  # the page starts past the name hits: count them (there are at most `offset`)
            n_first = self._count(*self._pg_matching(self.name_hits), offset) if offset else 0
        rest = max(offset - n_first, 0), limit - len(first)
        return first + self._pg_ordered(self.others, *rest, "id", n_first)

    def _pg_ordered(
        self, query: str, offset: int, limit: int, order: str, n_first: int = 0
    ) -> list[int]:
        """Ids of `query`'s matches in `order`; `query` is all matches but `n_first`.

        Two ways. Through the GIN index and a sort costs in proportion to the number
        of matches. Walking an index in `order`, testing each row, stops at the page's
        end: it reads about (offset + limit) x rows / matches rows. The walk is taken
        when `count` stopped at its limit (so there may be very many matches) and at
        most `SCAN_BUDGET` rows are sure to be enough.
        """
        walk = False
        at_least = self._at_least - n_first
        if self._exact is None and at_least > 0:
            rows = self._run("SELECT reltuples FROM pg_class WHERE relname = %s", [self.table])
            table_rows = float(rows[0][0]) if rows else -1.0
            walk = table_rows > 0 and (offset + limit) * table_rows / at_least <= SCAN_BUDGET
        by_index, by_sort = ORDERS[order]
        if walk:  # `IS TRUE` keeps the planner off the GIN index
            condition, order_by = "(search_vector @@ %s::tsquery) IS TRUE", by_index
        else:
            condition, order_by = "search_vector @@ %s::tsquery", by_sort
        sql = (
            f"SELECT id FROM {self.table} WHERE {condition} ORDER BY {order_by} LIMIT %s OFFSET %s"
        )
        return [row[0] for row in self._run(sql, [query, limit, offset])]


# --- schema (used by the migration and by `knooppunt reindex`) --------------------------------

INDEXED_TABLES = ("registry_organisation", "registry_partnership")


def _sqlite_statements(table: str) -> dict[str, str]:
    """The FTS5 table and its three triggers, by name (idempotent DDL)."""
    fts = f"{table}_fts"
    insert = f"INSERT INTO {fts}(rowid, name, doc) VALUES (new.id, new.name, new.search_document);"
    delete = (
        f"INSERT INTO {fts}({fts}, rowid, name, doc) "
        f"VALUES ('delete', old.id, old.name, old.search_document);"
    )
    return {
        fts: f"CREATE VIRTUAL TABLE IF NOT EXISTS {fts} USING fts5(name, doc, content='', "
        "tokenize=\"unicode61 remove_diacritics 2 tokenchars '_'\", prefix='2 3')",
        f"{table}_fts_ai": f"CREATE TRIGGER IF NOT EXISTS {table}_fts_ai AFTER INSERT ON {table} "
        f"BEGIN {insert} END",
        f"{table}_fts_ad": f"CREATE TRIGGER IF NOT EXISTS {table}_fts_ad AFTER DELETE ON {table} "
        f"BEGIN {delete} END",
        f"{table}_fts_au": f"CREATE TRIGGER IF NOT EXISTS {table}_fts_au "
        f"AFTER UPDATE OF name, search_document ON {table} BEGIN {delete} {insert} END",
    }


# The document is already folded, stemmed and space-separated (core.text), so its words
# go into the vector as they are (array_to_tsvector: no parser, no positions), facets
# included; only the name is parsed, to weigh it for ranking.
PG_VECTOR = (
    "setweight(to_tsvector('simple', name), 'A') || "
    "array_to_tsvector(string_to_array(btrim(replace(search_document, ' | ', ' ')), ' '))"
)


def ensure_index(using: str = "default") -> list[str]:
    """Create whatever part of the index is missing; returns what was created.

    Run by the migration that introduced the index and after every `migrate`
    (`RegistryConfig.ready`): on SQLite, Django rebuilds a table to alter it, which
    drops its triggers; they come back here and the index is refilled.
    """
    conn = connections[using]
    created: list[str] = []
    with conn.cursor() as cursor:
        for table in INDEXED_TABLES:
            if conn.vendor == "sqlite":
                cursor.execute(
                    "SELECT name FROM sqlite_master WHERE tbl_name IN (%s, %s)",
                    [table, f"{table}_fts"],
                )
                present = {row[0] for row in cursor.fetchall()}
                missing = {
                    name: sql
                    for name, sql in _sqlite_statements(table).items()
                    if name not in present
                }
                for sql in missing.values():
                    cursor.execute(sql)
                if missing:
                    _sqlite_refill(cursor, table)
                created += missing
            elif conn.vendor == "postgresql":
                cursor.execute(
                    "SELECT 1 FROM information_schema.columns "
                    "WHERE table_name = %s AND column_name = 'search_vector'",
                    [table],
                )
                if cursor.fetchone() is None:
                    cursor.execute(
                        f"ALTER TABLE {table} ADD COLUMN search_vector tsvector "
                        f"GENERATED ALWAYS AS ({PG_VECTOR}) STORED"
                    )
                    created.append(f"{table}.search_vector")
                cursor.execute(
                    "SELECT 1 FROM pg_indexes WHERE indexname = %s", [f"{table}_search_gin"]
                )
                if cursor.fetchone() is None:
                    cursor.execute(
                        f"CREATE INDEX {table}_search_gin ON {table} USING gin (search_vector)"
                    )
                    created.append(f"{table}_search_gin")
    return created


def _drop_maintenance(cursor: Any, vendor: str, table: str) -> None:
    """Stop the row-by-row upkeep of `table`'s index: its triggers, or its GIN index."""
    if vendor == "sqlite":
        for name in _sqlite_statements(table):
            if name != f"{table}_fts":
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
    elif vendor == "postgresql":
        cursor.execute(f"DROP INDEX IF EXISTS {table}_search_gin")


def drop_index(using: str = "default") -> None:
    conn = connections[using]
    with conn.cursor() as cursor:
        for table in INDEXED_TABLES:
            _drop_maintenance(cursor, conn.vendor, table)
            if conn.vendor == "sqlite":
                cursor.execute(f"DROP TABLE IF EXISTS {table}_fts")
            elif conn.vendor == "postgresql":
                cursor.execute(f"ALTER TABLE {table} DROP COLUMN IF EXISTS search_vector")


def _sqlite_refill(cursor: Any, table: str) -> None:
    fts = f"{table}_fts"
    cursor.execute(f"INSERT INTO {fts}({fts}) VALUES ('delete-all')")
    cursor.execute(
        f"INSERT INTO {fts}(rowid, name, doc) SELECT id, name, search_document FROM {table}"
    )


def suspend_index() -> None:
    """Stop maintaining the index row by row, for a bulk write (call `resume_index` after).

    Inside the caller's transaction: SQLite drops the triggers, PostgreSQL the GIN
    index; a rollback brings them back. Rebuilding once afterwards is about twice as
    fast as maintaining them for every one of a quarter million rows.
    """
    with connection.cursor() as cursor:
        for table in INDEXED_TABLES:
            _drop_maintenance(cursor, connection.vendor, table)


def resume_index() -> None:
    """Rebuild what `suspend_index` stopped: the triggers and a refilled FTS table (SQLite),
    the GIN index (PostgreSQL)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # CREATE INDEX refuses to run while deferred foreign-key checks are pending.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    ensure_index()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def rebuild_index() -> None:
    """Make the database's index equal to the stored documents (after `reindex`)."""
    if connection.vendor == "sqlite":
        ensure_index()
        with connection.cursor() as cursor:
            for table in INDEXED_TABLES:
                _sqlite_refill(cursor, table)
                cursor.execute(f"INSERT INTO {table}_fts({table}_fts) VALUES ('optimize')")
    # PostgreSQL: the generated column always equals its expression.


def _registry_tables() -> list[str]:
    """Every table of the registry app, the many-to-many tables included."""
    models = apps.get_app_config("registry").get_models(include_auto_created=True)
    return sorted({model._meta.db_table for model in models})


def analyze() -> None:
    """Refresh the planner's statistics (after a large import).

    On PostgreSQL every registry table, the many-to-many ones included: a table
    without statistics (autovacuum may be off, or not yet round) gets a guessed
    size, and a guess of 20,000 theme links for a page of 20 organisations made the
    planner start parallel workers for a one-millisecond query.
    """
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for table in _registry_tables():
                cursor.execute(f'ANALYZE "{table}"')
        elif connection.vendor == "sqlite":
            cursor.execute("PRAGMA optimize")


def refresh_statistics() -> None:
    """After a large import: on PostgreSQL, when it can (autocommit, not inside an
    outer transaction), `VACUUM (ANALYZE)`, which also marks the new rows visible to
    all so that counts and index scans skip the heap; otherwise `analyze()`."""
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE) " + ", ".join(f'"{t}"' for t in _registry_tables()))
    else:
        analyze()

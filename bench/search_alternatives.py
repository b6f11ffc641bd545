"""Benchmark: the directory's word-start search with and without a text index (diagnosis).

    uv run python bench/search_alternatives.py [--backend sqlite|postgres] [--runs 15]

The directory finds organisations with `search_document LIKE '% word%'`, which the
database can only answer by reading every row. On the generated national registry (the
same database as bench/search_http.py) this script times the count and the first page
of organisation queries (text + filters, as the directory builds them, in plain SQL):

* sqlite:   LIKE scan (today)   vs  an FTS5 prefix query (`MATCH 'word*'`) on a
            contentless FTS5 table built from the same search documents;
* postgres: LIKE scan (today)   vs  the same LIKE with a pg_trgm GIN index
            vs  a `to_tsvector('simple', ...)` GIN index with a prefix tsquery.

Nothing in the application changes: the FTS5 table lives in a side database file that is
attached; the PostgreSQL indexes are built in the benchmark database and dropped at the
end. Reports build time, index size, and p50/p95 per query and variant.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import FULL, loaded_database, percentile, print_machine, print_table

# (text, filters) as the directory gets them; organisations only.
QUERIES: list[tuple[str, dict[str, str]]] = [
    ("metaal", {}),
    ("zorg", {"province": "PV30"}),
    ("installatietechniek", {"region": "AM22"}),
    ("bouw", {"kind": "company", "municipality": "GM0363"}),
    ("software", {"province": "PV27"}),
    ("bakkerij", {"region": "AM26"}),
    ("jansen", {"kind": "company"}),
    ("eindhoven", {"kind": "company"}),
    ("horeca amsterdam", {}),
]
FILTER_SQL = {
    "kind": "o.kind = {p}",
    "municipality": "m.code = {p}",
    "region": "r.code = {p}",
    "province": "pv.code = {p}",
}
FROM = (
    "registry_organisation o "
    "LEFT JOIN places_municipality m ON m.id = o.municipality_id "
    "LEFT JOIN places_province pv ON pv.id = m.province_id "
    "LEFT JOIN places_labourmarketregion r ON r.id = m.labour_market_region_id"
)


def terms(text: str) -> list[str]:
    """The directory's query words (stems), as `DirectoryFilters` computes them."""
    from knooppunt.core.text import query_terms

    return query_terms(text)


def build_sql(
    match: Callable[[str], tuple[str, Any]], text: str, filters: dict[str, str], p: str, like: str
) -> tuple[str, str, list[Any], list[Any]]:
    where: list[str] = []
    params: list[Any] = []
    for term in terms(text):
        clause, value = match(term)
        where.append(clause)
        params.append(value)
    for key, value in filters.items():
        where.append(FILTER_SQL[key].format(p=p))
        params.append(value)
    condition = " AND ".join(where) or "1=1"
    score = " + ".join(f"CASE WHEN o.name {like} {p} THEN 3 ELSE 1 END" for _ in terms(text))
    score_params = [f"%{t}%" for t in terms(text)]
    count = f"SELECT count(*) FROM {FROM} WHERE {condition}"  # noqa: S608 - fixed fragments
    page = (
        f"SELECT o.id, o.name, {score or '0'} AS relevance FROM {FROM} WHERE {condition} "  # noqa: S608
        "ORDER BY relevance DESC, o.name, o.id LIMIT 20"
    )
    return count, page, params, score_params + params


def timed(run: Callable[[], Any], runs: int) -> tuple[list[float], Any]:
    run()
    run()  # warm
    times = []
    result = None
    for _ in range(runs):
        started = time.perf_counter()
        result = run()
        times.append((time.perf_counter() - started) * 1000)
    return times, result


def sqlite_variants(
    env: dict[str, str],
) -> tuple[dict[str, Any], list[list[str]], Callable[[], None]]:
    home = Path(env["KNOOPPUNT_DATA_DIR"])
    side = home / "search-side.sqlite3"
    built: list[list[str]] = []
    fresh = not side.exists()
    # The side file is the main database here; the registry is attached read-only.
    conn = sqlite3.connect(f"file:{side}", uri=True)
    conn.execute("ATTACH DATABASE ? AS reg", [f"file:{home / 'knooppunt.sqlite3'}?mode=ro"])
    if fresh:
        started = time.perf_counter()
        conn.execute(
            "CREATE VIRTUAL TABLE main.org_fts USING fts5(doc, content='', detail=none, "
            "prefix='3 4 5')"
        )
        conn.execute(
            "INSERT INTO main.org_fts(rowid, doc) "
            "SELECT id, search_document FROM reg.registry_organisation"
        )
        conn.commit()
        built.append(["FTS5 build", f"{time.perf_counter() - started:.1f} s"])
    built.append(["FTS5 side file", f"{side.stat().st_size / 2**20:.0f} MiB"])

    def run(sql: str, params: list[Any]) -> Any:
        return conn.execute(sql, params).fetchall()

    variants = {
        "LIKE scan": lambda t: ("o.search_document LIKE ? ESCAPE '\\'", f"% {t}%"),
        "FTS5 prefix": lambda t: (
            "o.id IN (SELECT rowid FROM org_fts WHERE org_fts MATCH ?)",
            f'"{t}"*',
        ),
    }
    return {"run": run, "variants": variants, "p": "?", "like": "LIKE"}, built, conn.close


def postgres_variants(
    env: dict[str, str],
) -> tuple[dict[str, Any], list[list[str]], Callable[[], None]]:
    import psycopg

    conn = psycopg.connect(env["DATABASE_URL"], autocommit=True)
    built: list[list[str]] = []
    conn.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, ddl in (
        (
            "bench_org_doc_trgm",
            "CREATE INDEX bench_org_doc_trgm ON registry_organisation "
            "USING gin (search_document gin_trgm_ops)",
        ),
        (
            "bench_org_doc_tsv",
            "CREATE INDEX bench_org_doc_tsv ON registry_organisation "
            "USING gin (to_tsvector('simple', search_document))",
        ),
    ):
        conn.execute(f"DROP INDEX IF EXISTS {name}")
        started = time.perf_counter()
        conn.execute(ddl)
        seconds = time.perf_counter() - started
        size = conn.execute("SELECT pg_relation_size(%s::regclass)", [name]).fetchone()
        built.append([f"{name} build", f"{seconds:.1f} s, {size[0] / 2**20:.0f} MiB"])
    conn.execute("ANALYZE registry_organisation")
    table = conn.execute("SELECT pg_relation_size('registry_organisation')").fetchone()
    built.append(["registry_organisation heap", f"{table[0] / 2**20:.0f} MiB"])

    def run(sql: str, params: list[Any]) -> Any:
        return conn.execute(sql, params).fetchall()

    def without_index(sql: str, params: list[Any]) -> Any:
        with conn.transaction():
            conn.execute("SET LOCAL enable_bitmapscan = off")
            conn.execute("SET LOCAL enable_indexscan = off")
            return conn.execute(sql, params).fetchall()

    variants = {
        "LIKE scan": lambda t: ("o.search_document LIKE %s", f"% {t}%"),
        "LIKE + pg_trgm GIN": lambda t: ("o.search_document LIKE %s", f"% {t}%"),
        "tsvector GIN prefix": lambda t: (
            "to_tsvector('simple', o.search_document) @@ to_tsquery('simple', %s)",
            f"{t}:*",
        ),
    }

    def close() -> None:
        conn.execute("DROP INDEX IF EXISTS bench_org_doc_trgm")
        conn.execute("DROP INDEX IF EXISTS bench_org_doc_tsv")
        conn.close()

    return (
        {
            "run": run,
            "run_no_index": without_index,
            "variants": variants,
            "p": "%s",
            "like": "ILIKE",
        },
        built,
        close,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    for key, value in FULL.items():
        parser.add_argument(f"--{key}", type=int, default=value)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    sizes = {k: getattr(args, k) for k in FULL}
    print_machine()
    env = loaded_database(args.backend, sizes, args.seed)
    setup = sqlite_variants if args.backend == "sqlite" else postgres_variants
    ctx, built, close = setup(env)
    rows = []
    totals: dict[str, list[float]] = {}
    try:
        for text, filters in QUERIES:
            label = " ".join([text, *[f"{k}={v}" for k, v in filters.items()]])
            for variant, match in ctx["variants"].items():
                count_sql, page_sql, params, page_params = build_sql(
                    match, text, filters, ctx["p"], ctx["like"]
                )
                runner = ctx["run"]
                if variant == "LIKE scan" and "run_no_index" in ctx:
                    runner = ctx["run_no_index"]

                def both(runner: Any = runner, c: str = count_sql, pg: str = page_sql,
                         a: list[Any] = params, b: list[Any] = page_params) -> Any:  # fmt: skip
                    return runner(c, a)[0][0], len(runner(pg, b))

                times, (count, _page) = timed(both, args.runs)
                totals.setdefault(variant, []).extend(times)
                rows.append(
                    [
                        label,
                        variant,
                        count,
                        f"{percentile(times, 50):.1f}",
                        f"{percentile(times, 95):.1f}",
                    ]
                )
    finally:
        close()
    for variant, times in totals.items():
        rows.append(
            ["ALL", variant, "-", f"{percentile(times, 50):.1f}", f"{percentile(times, 95):.1f}"]
        )
    print(f"backend {args.backend}: count + first page of 20, {args.runs} runs each after 2 warm")
    print_table(["what", "value"], built)
    print_table(["query", "variant", "results", "p50 ms", "p95 ms"], rows)


if __name__ == "__main__":
    main()

"""Benchmark: directory search and detail pages through the real HTTP stack, and the floor.

    uv run python bench/search_http.py [--backend sqlite|postgres] [--requests 200]
        [--organisations 250000 --partnerships 5000 --memberships 100000 --seed 1] [--explain]

With a generated national registry loaded (built once and reused, see
`_common.loaded_database`), starts `knooppunt serve` (gunicorn, 2 workers, 127.0.0.1 only),
warms it up and times, one request at a time with urllib:

* directory search (text and filters, first page) over a mix of realistic queries;
* the same queries straight against the database in this process, through
  `queries.directory_page` (count up to the cap, first page of 20)
  (count + 20 rows + their themes): the floor. The ratio HTTP / floor is printed;
* organisation and partnership detail pages, plus the number of SQL queries each takes.

Target: p95 < 100 ms for each.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
import urllib.parse
import urllib.request
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (
    FULL,
    loaded_database,
    percentile,
    print_machine,
    print_table,
    server,
    setup_django,
)

QUERIES: list[dict[str, str]] = [
    {"q": "metaal"},
    {"q": "zorg", "province": "PV30"},
    {"q": "installatietechniek", "region": "AM22"},
    {"q": "bouw", "kind": "company", "municipality": "GM0363"},
    {"q": "software", "province": "PV27"},
    {"q": "logistiek", "theme": "logistiek"},
    {"q": "bakkerij", "region": "AM26"},
    {"q": "techniek", "what": "partnerships"},
    {"q": "learning community", "what": "partnerships", "province": "PV30"},
    {"q": "jansen", "kind": "company"},
    {"q": "eindhoven", "kind": "company"},
    {"q": "energietransitie", "region": "AM28"},
    {"q": "horeca amsterdam", "sort": "name"},
    {"q": "zorg", "what": "partnerships", "theme": "zorg_welzijn"},
]


def fetch(url: str) -> tuple[float, int]:
    started = time.perf_counter()
    with urllib.request.urlopen(url, timeout=60) as resp:  # noqa: S310 - loopback only
        resp.read()
        status = resp.status
    return (time.perf_counter() - started) * 1000, status


def ms(values: list[float]) -> tuple[str, str]:
    return f"{percentile(values, 50):.1f}", f"{percentile(values, 95):.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    for key, value in FULL.items():
        parser.add_argument(f"--{key}", type=int, default=value)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--detail-requests", type=int, default=100)
    parser.add_argument("--explain", action="store_true", help="print query plans")
    args = parser.parse_args()
    sizes = {k: getattr(args, k) for k in FULL}
    facts = print_machine()
    env = loaded_database(args.backend, sizes, args.seed)
    setup_django(env)

    from django.contrib.auth.models import AnonymousUser
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from knooppunt.registry import queries
    from knooppunt.registry.forms import DirectoryForm
    from knooppunt.registry.models import Organisation, Partnership

    rng = random.Random(args.seed)
    plan = [QUERIES[i % len(QUERIES)] for i in range(args.requests)]
    rng.shuffle(plan)
    org_ids = list(
        Organisation.objects.order_by("?").values_list("pk", flat=True)[: args.detail_requests]
    )
    ps_ids = list(
        Partnership.objects.order_by("?").values_list("pk", flat=True)[: args.detail_requests]
    )

    def floor(params: dict[str, str]) -> tuple[float, int]:
        started = time.perf_counter()
        filters = DirectoryForm(params).filters()
        page = queries.directory_page(AnonymousUser(), filters, page=1)
        return (time.perf_counter() - started) * 1000, page.count

    # --- the floor, in process ----------------------------------------------------------
    floor_times: dict[int, list[float]] = defaultdict(list)
    counts: dict[int, int] = {}
    for i, params in enumerate(QUERIES):  # warm-up
        _, counts[i] = floor(params)
    for params in plan:
        i = QUERIES.index(params)
        floor_times[i].append(floor(params)[0])

    # --- HTTP ---------------------------------------------------------------------------
    http_times: dict[int, list[float]] = defaultdict(list)
    detail: dict[str, list[float]] = defaultdict(list)
    errors = 0
    with server(env, workers=2) as base:
        for _ in range(2):  # warm-up: every query and some detail pages on both workers
            for params in QUERIES:
                fetch(base + "/?" + urllib.parse.urlencode(params))
            for pk in org_ids[:10]:
                fetch(f"{base}/organisaties/{pk}/")
            for pk in ps_ids[:10]:
                fetch(f"{base}/partnerschappen/{pk}/")
        started = time.perf_counter()
        for params in plan:
            elapsed, status = fetch(base + "/?" + urllib.parse.urlencode(params))
            errors += status != 200
            http_times[QUERIES.index(params)].append(elapsed)
        search_seconds = time.perf_counter() - started
        for pk in org_ids:
            elapsed, status = fetch(f"{base}/organisaties/{pk}/")
            errors += status != 200
            detail["organisation"].append(elapsed)
        for pk in ps_ids:
            elapsed, status = fetch(f"{base}/partnerschappen/{pk}/")
            errors += status != 200
            detail["partnership"].append(elapsed)

    # --- report -------------------------------------------------------------------------
    print(f"backend: {args.backend}; {args.requests} search requests in {search_seconds:.1f} s")
    rows = []
    for i, params in enumerate(QUERIES):
        h50, h95 = ms(http_times[i])
        f50, f95 = ms(floor_times[i])
        rows.append(
            [
                urllib.parse.urlencode(params),
                counts[i],
                h50,
                h95,
                f50,
                f95,
                f"{percentile(http_times[i], 50) / percentile(floor_times[i], 50):.2f}",
            ]
        )
    all_http = [t for v in http_times.values() for t in v]
    all_floor = [t for v in floor_times.values() for t in v]
    h50, h95 = ms(all_http)
    f50, f95 = ms(all_floor)
    ratio = percentile(all_http, 50) / percentile(all_floor, 50)
    rows.append(["ALL", "-", h50, h95, f50, f95, f"{ratio:.2f}"])
    print_table(
        ["query", "results", "http p50 ms", "http p95 ms", "floor p50 ms", "floor p95 ms", "ratio"],
        rows,
    )

    client = Client()
    qcount = {}
    for label, url in (
        ("organisation", f"/organisaties/{org_ids[0]}/"),
        ("partnership", f"/partnerschappen/{ps_ids[0]}/"),
        ("directory search", "/?" + urllib.parse.urlencode(QUERIES[1])),
    ):
        with CaptureQueriesContext(connection) as ctx:
            client.get(url)
        qcount[label] = len(ctx.captured_queries)
    detail_rows = []
    for label in ("organisation", "partnership"):
        d50, d95 = ms(detail[label])
        detail_rows.append([f"{label} detail", len(detail[label]), d50, d95, qcount[label]])
    s50, s95 = ms(all_http)
    detail_rows.append(["directory search", len(all_http), s50, s95, qcount["directory search"]])
    print_table(["page", "requests", "p50 ms", "p95 ms", "SQL queries"], detail_rows)
    load = facts["load average (1/5/15 min)"]
    print(f"HTTP errors: {errors}. Target: p95 < 100 ms. Load at start: {load}")

    if args.explain:
        slowest = sorted(range(len(QUERIES)), key=lambda i: -percentile(floor_times[i], 95))[:2]
        for i in slowest:
            with CaptureQueriesContext(connection) as ctx:
                floor(QUERIES[i])
            print(f"\n## plans for {urllib.parse.urlencode(QUERIES[i])}")
            for captured in ctx.captured_queries[:2]:
                sql = captured["sql"]
                prefix = (
                    "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN ANALYZE "
                )
                with connection.cursor() as cursor:
                    cursor.execute(prefix + sql)
                    plan_rows = cursor.fetchall()
                print(f"-- {captured['time']} s: {sql[:300]}...")
                for row in plan_rows:
                    print("   ", " ".join(str(c) for c in row))


if __name__ == "__main__":
    main()

"""Benchmark: the staff list of organisations without a municipality, at national scale.

    uv run python bench/unplaced.py [--backend sqlite|postgres] [--unplaced 2000]
        [--abroad 500] [--requests 50]
        [--organisations 250000 --partnerships 5000 --memberships 100000 --seed 1]

The generated registry places every organisation, so with a generated national registry
loaded (built once and reused, see `_common.loaded_database`) this script first takes
`--unplaced` organisations out of their municipality (a place as written that does not
resolve: misspelt, ambiguous or abroad without a country) and moves `--abroad` abroad,
inside a transaction that it rolls back at the end: the shared database is left as it was.
Then it times, in this process and one request at a time:

* `queries.unplaced_page` alone (count + one page of 50): the first page, a deep page,
  a name search, the abroad list and all of them;
* the whole page through Django's test client as staff (view, the reasons per row,
  template), for the same requests;

and prints the database's plan for the first page. Target: p95 < 100 ms.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import FULL, loaded_database, percentile, print_machine, print_table, setup_django

CASES: list[tuple[str, dict[str, str]]] = [
    ("first page (to fix)", {}),
    ("page 20 (to fix)", {"page": "20"}),
    ("search 'velp'", {"q": "velp"}),
    ("abroad", {"scope": "abroad"}),
    ("all, page 5", {"scope": "all", "page": "5"}),
    ("partnerships", {"what": "partnerships", "scope": "all"}),
]
# Places as a real register writes them when they do not resolve to one municipality.
LOOSE_PLACES = ["Velp", "Haren", "Elst", "Bergen", "Eindhovn", "Amsterdm", "Rozenburg", "Beek"]
ABROAD = [("BE", "Mol"), ("DE", "Aachen"), ("ES", "Valencia"), ("BE", "Gent"), ("DE", "Kleve")]


class _Rollback(Exception):
    pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    for key, value in FULL.items():
        parser.add_argument(f"--{key}", type=int, default=value)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--unplaced", type=int, default=2000)
    parser.add_argument("--abroad", type=int, default=500)
    parser.add_argument("--requests", type=int, default=50)
    args = parser.parse_args()
    sizes = {k: getattr(args, k) for k in FULL}
    print_machine()
    env = loaded_database(args.backend, sizes, args.seed)
    setup_django(env)

    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import override_settings

    from knooppunt.accounts.models import User
    from knooppunt.registry import queries
    from knooppunt.registry.models import Organisation, Partnership

    rng = random.Random(args.seed)
    rows: list[list[Any]] = []
    try:
        with transaction.atomic(), override_settings(ALLOWED_HOSTS=["*"]):
            ids = list(Organisation.objects.values_list("id", flat=True))
            chosen = rng.sample(ids, args.unplaced + args.abroad)
            for i, pk in enumerate(chosen[: args.unplaced]):
                Organisation.objects.filter(pk=pk).update(
                    municipality=None, city=LOOSE_PLACES[i % len(LOOSE_PLACES)]
                )
            for i, pk in enumerate(chosen[args.unplaced :]):
                country, city = ABROAD[i % len(ABROAD)]
                Organisation.objects.filter(pk=pk).update(
                    municipality=None, country=country, city=city
                )
            ps_ids = list(Partnership.objects.values_list("id", flat=True)[:50])
            Partnership.objects.filter(pk__in=ps_ids).update(municipality=None, city="Velp")
            staff = User.objects.create_user(
                "bench-staff@example.nl", "bench-password-9", is_staff=True
            )
            client = Client()
            client.force_login(staff)
            print(
                f"{Organisation.objects.count():,} organisations; "
                f"{args.unplaced:,} without a municipality in the Netherlands, "
                f"{args.abroad:,} abroad (rolled back afterwards)\n"
            )
            for label, params in CASES:
                query_ms, page_ms = [], []
                for _ in range(args.requests):
                    started = time.perf_counter()
                    page = queries.unplaced_page(
                        None,
                        what=params.get("what", "organisations"),
                        scope=params.get("scope", "netherlands"),
                        q=params.get("q", ""),
                        page=int(params.get("page", "1")),
                    )
                    query_ms.append((time.perf_counter() - started) * 1000)
                    started = time.perf_counter()
                    response = client.get("/beheer/zonder-gemeente/", params)
                    page_ms.append((time.perf_counter() - started) * 1000)
                    assert response.status_code == 200, response.status_code
                rows.append(
                    [
                        label,
                        f"{page.count:,}",
                        f"{percentile(query_ms, 50):.1f}",
                        f"{percentile(query_ms, 95):.1f}",
                        f"{percentile(page_ms, 50):.1f}",
                        f"{percentile(page_ms, 95):.1f}",
                    ]
                )
            qs = (
                Organisation.objects.filter(municipality__isnull=True, country="NL")
                .order_by("name", "id")
                .only("id", "name")[:50]
            )
            sql, sql_params = qs.query.sql_with_params()
            with connection.cursor() as cursor:
                explain = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN "
                cursor.execute(explain + sql, sql_params)
                plan = [" ".join(str(c) for c in row) for row in cursor.fetchall()]
            raise _Rollback
    except _Rollback:
        pass
    print_table(
        ["request", "results", "query p50 ms", "query p95 ms", "page p50 ms", "page p95 ms"],
        rows,
    )
    print("Plan of the first page:")
    for line in plan:
        print("  " + line)


if __name__ == "__main__":
    main()

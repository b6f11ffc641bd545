"""Benchmark: partner matching on the national registry, in process and through HTTP.

    uv run python bench/match.py [--backend sqlite|postgres] [--requests 100]
        [--organisations 250000 --partnerships 5000 --memberships 100000 --seed 1]

With the generated registry loaded (built once and reused, see `_common.loaded_database`):

* the registry snapshot (`matching.network.build`): seconds and the growth of this
  process's peak RSS while building it;
* one match request in process (`queries.suggest_members` for a random partnership,
  `queries.suggest_partners` for a need with place and kind): p50/p95, snapshot warm;
* the same requests through `knooppunt serve` (gunicorn, 2 workers) as
  `POST /api/v1/match`, one at a time after a warm-up: p50/p95 end to end.

Target (issue 4): p95 < 200 ms end to end, memory bounded.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

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

NEEDS: list[dict[str, Any]] = [
    {
        "need": "BBL-plaatsen voor monteurs in de metaal",
        "municipality": "GM0828",
        "kinds": ["company"],
    },
    {"need": "stages in de zorg", "region": "AM26", "kinds": ["company", "school_mbo"]},
    {"need": "technohub starten", "municipality": "GM0363", "kinds": ["school_vo", "school_mbo"]},
    {"need": "data en AI opdrachten", "themes": ["ict"], "kinds": ["company"]},
    {"need": "", "themes": ["energietransitie"], "municipality": "GM0014", "radius_km": 50},
]


def rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def post(url: str, body: dict[str, Any]) -> tuple[float, int]:
    data = json.dumps(body).encode()
    req = urllib.request.Request(  # noqa: S310 - loopback only
        url, data=data, headers={"Content-Type": "application/json"}, method="POST"
    )
    started = time.perf_counter()
    with urllib.request.urlopen(req, timeout=60) as resp:  # noqa: S310 - loopback only
        resp.read()
        status = resp.status
    return (time.perf_counter() - started) * 1000, status


def stats(values: list[float]) -> tuple[str, str]:
    return f"{percentile(values, 50):.1f}", f"{percentile(values, 95):.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    for key, value in FULL.items():
        parser.add_argument(f"--{key}", type=int, default=value)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--requests", type=int, default=100)
    args = parser.parse_args()
    sizes = {k: getattr(args, k) for k in FULL}
    print_machine()
    env = loaded_database(args.backend, sizes, args.seed)
    setup_django(env)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)  # a database built by an older commit

    from knooppunt.matching import network, queries
    from knooppunt.places.models import LabourMarketRegion, Municipality
    from knooppunt.registry.models import Partnership, Theme

    before = rss_mib()
    started = time.perf_counter()
    snapshot = network.build()
    build_s = time.perf_counter() - started
    network._cached = snapshot  # reuse it below (as `current()` would)
    grew = rss_mib() - before
    rng = random.Random(args.seed)
    ps_ids = list(Partnership.objects.values_list("pk", flat=True))
    muni = dict(Municipality.objects.values_list("code", "pk"))
    themes = dict(Theme.objects.values_list("code", "pk"))
    regions = dict(LabourMarketRegion.objects.values_list("code", "pk"))

    def need_kwargs(n: dict[str, Any]) -> dict[str, Any]:
        return {
            "text": n.get("need", ""),
            "theme_ids": [themes[c] for c in n.get("themes", [])],
            "municipality_id": muni.get(n.get("municipality", "")),
            "region_id": regions.get(n.get("region", "")),
            "radius_km": n.get("radius_km"),
            "kinds": n.get("kinds", []),
        }

    floor: dict[str, list[float]] = {"partnership": [], "need": []}
    plan = [("partnership", rng.choice(ps_ids)) for _ in range(args.requests)]
    plan += [("need", i % len(NEEDS)) for i in range(args.requests)]
    for what, key in plan[:10]:  # warm-up
        if what == "partnership":
            queries.suggest_members(None, Partnership.objects.get(pk=key))
    for what, key in plan:
        t0 = time.perf_counter()
        if what == "partnership":
            queries.suggest_members(None, Partnership.objects.get(pk=key))
        else:
            queries.suggest_partners(None, **need_kwargs(NEEDS[key]))
        floor[what].append((time.perf_counter() - t0) * 1000)

    http: dict[str, list[float]] = {"partnership": [], "need": []}
    errors = 0
    with server(env, workers=2) as base:
        url = base + "/api/v1/match"
        for _ in range(2):  # warm-up: both workers build their snapshot
            for n in NEEDS:
                post(url, n)
        for what, key in plan:
            body = {"partnership": str(key)} if what == "partnership" else NEEDS[key]
            try:
                elapsed, status = post(url, body)
            except Exception:
                errors += 1
                continue
            if status != 200:
                errors += 1
            http[what].append(elapsed)

    print(f"\nbackend: {args.backend}; snapshot built in {build_s:.2f} s, peak RSS +{grew:.0f} MiB")
    rows = []
    for what in ("partnership", "need"):
        rows.append([what, len(http[what]), *stats(floor[what]), *stats(http[what])])
    every_floor = floor["partnership"] + floor["need"]
    every_http = http["partnership"] + http["need"]
    rows.append(["ALL", len(every_http), *stats(every_floor), *stats(every_http)])
    print_table(["request", "n", "in-process p50 ms", "p95 ms", "HTTP p50 ms", "HTTP p95 ms"], rows)
    print(f"\nHTTP errors: {errors}. Target: p95 < 200 ms end to end.")


if __name__ == "__main__":
    main()

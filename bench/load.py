"""Benchmark: 50 concurrent users browsing and searching for 60 s (locust, loopback only).

    uv run python bench/load.py [--backend sqlite|postgres] [--users 50] [--spawn-rate 10]
        [--run-time 60s] [--wait 0.5,1.5] [--workers 2]

Starts `knooppunt serve` (gunicorn, 2 workers) on 127.0.0.1 against the generated national
registry (built once, see `_common.loaded_database`) and runs locust headless against it:
`locust -f bench/locustfile.py --headless --users 50 --spawn-rate 10 --run-time 60s
--host http://127.0.0.1:<port>`. Prints requests/s, p50/p95/p99 and failures per page.
The run is bounded by --run-time and stops by itself. Target: zero errors.
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (
    FULL,
    ROOT,
    loaded_database,
    print_machine,
    print_table,
    server,
    setup_django,
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    for key, value in FULL.items():
        parser.add_argument(f"--{key}", type=int, default=value)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--spawn-rate", type=int, default=10)
    parser.add_argument("--run-time", default="60s")
    parser.add_argument("--wait", default="0.5,1.5", help="think time min,max in seconds")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--no-migrate", action="store_true", help="pass --no-migrate to knooppunt serve"
    )
    args = parser.parse_args()
    sizes = {k: getattr(args, k) for k in FULL}
    facts = print_machine()
    env = loaded_database(args.backend, sizes, args.seed)
    setup_django(env)
    from knooppunt.registry.models import Organisation, Partnership

    ids = {
        "organisations": list(
            Organisation.objects.order_by("?").values_list("pk", flat=True)[:2000]
        ),
        "partnerships": list(Partnership.objects.order_by("?").values_list("pk", flat=True)[:500]),
    }
    with tempfile.TemporaryDirectory(prefix="knooppunt-bench-load-") as tmp:
        ids_file = Path(tmp) / "ids.json"
        ids_file.write_text(json.dumps(ids))
        prefix = Path(tmp) / "locust"
        with server(env, workers=args.workers, migrate=not args.no_migrate) as base:
            cmd = [
                sys.executable, "-m", "locust", "-f", str(ROOT / "bench" / "locustfile.py"),
                "--headless", "--users", str(args.users), "--spawn-rate", str(args.spawn_rate),
                "--run-time", args.run_time, "--host", base, "--csv", str(prefix),
                "--only-summary", "--stop-timeout", "10", "--loglevel", "WARNING",
            ]  # fmt: skip
            print("$", " ".join(cmd[2:]), flush=True)
            locust_env = {**env, "BENCH_IDS": str(ids_file), "BENCH_WAIT": args.wait}
            code = subprocess.run(  # noqa: S603
                cmd, env=locust_env, cwd=ROOT, check=False, capture_output=True, text=True
            ).returncode
        with open(f"{prefix}_stats.csv", encoding="utf-8", newline="") as fh:
            stats = list(csv.DictReader(fh))
        failures_file = Path(f"{prefix}_failures.csv")
        failures = failures_file.read_text() if failures_file.exists() else ""
    rows = [
        [
            s["Name"],
            s["Request Count"],
            s["Failure Count"],
            f"{float(s['Requests/s']):.1f}",
            s["50%"],
            s["95%"],
            s["99%"],
            s["Max Response Time"].split(".")[0],
        ]
        for s in stats
    ]
    print(
        f"backend {args.backend}, {args.users} users, spawn rate {args.spawn_rate}/s, "
        f"run time {args.run_time}, think time {args.wait} s, {args.workers} gunicorn workers"
        + (", serve --no-migrate" if args.no_migrate else "")
    )
    print_table(
        ["page", "requests", "failures", "req/s", "p50 ms", "p95 ms", "p99 ms", "max ms"], rows
    )
    if failures.count("\n") > 1:
        print(failures)
    print(f"locust exit code {code}; load at start {facts['load average (1/5/15 min)']}")


if __name__ == "__main__":
    main()

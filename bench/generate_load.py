"""Benchmark: load a generated registry into the database (`knooppunt generate` without --out).

    uv run python bench/generate_load.py [--organisations 20000 --partnerships 400
        --memberships 8000 --seed 1 --runs 3 --backends sqlite,postgres
        --modes direct,files --checkouts .,/path/to/other/checkout]

For each run, backend, checkout and mode, in that order (so the checkouts alternate and
share the machine's load): a fresh database (SQLite in a temporary KNOOPPUNT_DATA_DIR, or
a new PostgreSQL database on 127.0.0.1 that is dropped afterwards), `knooppunt migrate`,
then the timed `knooppunt generate ...` with `--direct` (rows handed over in memory) or
without (through CSV files in a temporary folder) as a subprocess. Reports the median
and range of the command's own "Loaded in" figure (the load, without generating), its
wall time and peak RSS (with children, from wait4). `--checkouts` compares commits: each
path is a checkout of Knooppunt whose code the commands run (PYTHONPATH and working
directory), all with this environment's dependencies.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import ROOT, base_env, pg_create, pg_drop, print_machine, print_table

SIZES = {"organisations": 20_000, "partnerships": 400, "memberships": 8_000}


def command(*args: str) -> list[str]:
    return [sys.executable, "-m", "knooppunt.cli", *args]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    for key, value in SIZES.items():
        parser.add_argument(f"--{key}", type=int, default=value)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--modes", default="direct,files")
    parser.add_argument("--checkouts", default=str(ROOT))
    args = parser.parse_args()
    print_machine()
    checkouts = [Path(c).resolve() for c in args.checkouts.split(",")]
    generate = ["generate", f"--seed={args.seed}"]
    generate += [f"--{key}={getattr(args, key)}" for key in SIZES]
    results: dict[tuple[str, Path, str], list[tuple[float, float, float, float]]] = {}
    for run_number in range(1, args.runs + 1):
        for backend in args.backends.split(","):
            for checkout in checkouts:
                for mode in args.modes.split(","):
                    extra = ["--direct"] if mode == "direct" else []
                    measured = measure(backend, checkout, [*generate, *extra])
                    results.setdefault((backend, checkout, mode), []).append(measured)
                    loaded, wall, rss, load = measured
                    print(
                        f"run {run_number} {backend} {checkout} {mode}: loaded in {loaded:.1f} s, "
                        f"wall {wall:.1f} s, {rss:.0f} MiB, load average {load:.1f}",
                        flush=True,
                    )
    rows = []
    for (backend, checkout, mode), values in results.items():
        loaded = [v[0] for v in values]
        wall = [v[1] for v in values]
        rows.append(
            [
                backend,
                str(checkout),
                mode,
                f"{statistics.median(loaded):.1f} ({min(loaded):.1f}-{max(loaded):.1f})",
                f"{statistics.median(wall):.1f}",
                f"{max(v[2] for v in values):.0f}",
                f"{statistics.median(v[3] for v in values):.1f}",
            ]
        )
    print_table(
        ["backend", "checkout", "mode", "loaded in s: median (range)", "wall s", "peak RSS MiB",
         "load average"],
        rows,
    )  # fmt: skip


def run_in(
    checkout: Path, cmd: list[str], env: dict[str, str], log: Path
) -> tuple[float, float, int]:
    """Run `cmd` in `checkout` (its code first on the path, for `python -m` too); return
    (wall seconds, peak RSS in MiB of it and its children, exit code)."""
    env = {**env, "PYTHONPATH": str(checkout)}
    with log.open("wb") as out:
        started = time.perf_counter()
        proc = subprocess.Popen(  # noqa: S603
            cmd, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=checkout
        )
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
    return seconds, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status)


def measure(backend: str, checkout: Path, args: list[str]) -> tuple[float, float, float, float]:
    """(the command's "Loaded in" seconds, wall seconds, peak RSS MiB, load average)."""
    with tempfile.TemporaryDirectory(prefix="knooppunt-bench-generate-") as tmp:
        data_dir = Path(tmp)
        db_name = f"knooppunt_bench_generate_{int(time.time())}"
        url = pg_create(db_name) if backend == "postgres" else None
        env = base_env(data_dir, url)
        try:
            for step, cmd in (("migrate", command("migrate")), ("generate", command(*args))):
                load = os.getloadavg()[0]
                log = data_dir / f"{step}.log"
                wall, rss, code = run_in(checkout, cmd, env, log)
                text = log.read_text(errors="replace")
                if code != 0:
                    raise SystemExit(f"{' '.join(cmd)} failed ({code}):\n{text[-2000:]}")
            found = re.search(r"Loaded in ([0-9.]+) s", text)
            return float(found[1]) if found else float("nan"), wall, rss, load
        finally:
            if url:
                pg_drop(db_name)


if __name__ == "__main__":
    main()

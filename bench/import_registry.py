"""Benchmark: import a national registry from CSV (`knooppunt import-registry`).

    uv run python bench/import_registry.py [--organisations 250000 --partnerships 5000
        --memberships 100000 --seed 1 --backends sqlite,postgres]

Generates the registry with `knooppunt.synthetic.generate` into a temporary folder, then
for each backend: a fresh database (SQLite in a temporary KNOOPPUNT_DATA_DIR, or a new
PostgreSQL database on 127.0.0.1 that is dropped afterwards), `knooppunt migrate`, and the
timed `knooppunt import-registry FOLDER` as a subprocess. Reports wall time and peak RSS
(of the import process and its children, from wait4). Targets: < 60 s and < 1 GiB.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (
    BENCH_HOME,
    FULL,
    LOAD_REFERENCE,
    ROOT,
    base_env,
    generate_csv,
    has_command,
    knooppunt,
    pg_create,
    pg_drop,
    print_machine,
    print_table,
    run_measured,
)

LOGS = BENCH_HOME / "import-logs"
COUNT = (
    "from knooppunt.registry.models import Organisation, Partnership, Membership; "
    "print(Organisation.objects.count(), Partnership.objects.count(), "
    "Membership.objects.count())"
)


def new_rows(log: Path) -> str:
    """The "new" column of import-registry's summary table, per file."""
    found = []
    for line in log.read_text(errors="replace").splitlines():
        parts = line.split()
        if parts and parts[0].endswith(".csv") and len(parts) >= 3 and parts[2].isdigit():
            found.append(f"{parts[0].removesuffix('.csv')}={parts[2]}")
    return ", ".join(found) or "?"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    for key, value in FULL.items():
        parser.add_argument(f"--{key}", type=int, default=value)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--source", default="generated", help="--source for import-registry")
    args = parser.parse_args()
    sizes = {k: getattr(args, k) for k in FULL}
    print_machine()
    rows: list[list[str]] = []
    with tempfile.TemporaryDirectory(prefix="knooppunt-bench-import-") as tmp:
        folder = Path(tmp) / "registry"
        started = time.perf_counter()
        seconds = generate_csv(folder, sizes, args.seed)
        size_mb = sum(p.stat().st_size for p in folder.iterdir()) / 2**20
        rows.append(
            [
                "-",
                "generate CSV (in process)",
                f"{seconds:.1f}",
                "-",
                f"{size_mb:.0f} MiB of CSV",
            ]
        )
        print(f"generated in {time.perf_counter() - started:.1f} s", flush=True)
        for backend in args.backends.split(","):
            rows += bench_backend(backend.strip(), folder, Path(tmp), args)
    print_table(["backend", "step", "seconds", "peak RSS MiB", "result"], rows)
    print("Targets: import < 60 s, peak RSS < 1024 MiB.")


def bench_backend(
    backend: str, folder: Path, tmp: Path, args: argparse.Namespace
) -> list[list[str]]:
    data_dir = tmp / backend
    data_dir.mkdir()
    db_name = f"knooppunt_bench_import_{int(time.time())}"
    url = pg_create(db_name) if backend == "postgres" else None
    env = base_env(data_dir, url)
    out: list[list[str]] = []
    try:
        seconds, rss, code = run_measured(knooppunt("migrate"), env, data_dir / "migrate.log")
        out.append([backend, "migrate (fresh database)", f"{seconds:.1f}", f"{rss:.0f}", code])
        seconds, rss, code = run_measured(
            knooppunt("shell", "-c", LOAD_REFERENCE), env, data_dir / "reference.log"
        )
        out.append([backend, "reference data (places, themes, SBI)", f"{seconds:.1f}",
                    f"{rss:.0f}", code])  # fmt: skip
        if not has_command("import_registry", env):
            out.append([backend, "import-registry", "-", "-", "command not available yet"])
            return out
        cmd = knooppunt("import-registry", str(folder))
        if args.source:
            cmd += ["--source", args.source]
        print(f"{backend}: {' '.join(cmd[1:])}", flush=True)
        log = data_dir / "import.log"
        seconds, rss, code = run_measured(cmd, env, log)
        if code != 0:
            result = f"FAILED ({code}): {log.read_text(errors='replace')[-500:]!r}"
        else:
            counted = (
                subprocess.run(  # noqa: S603
                    knooppunt("shell", "-c", COUNT),
                    env=env,
                    cwd=ROOT,
                    capture_output=True,
                    text=True,
                    check=False,
                )
                .stdout.strip()
                .splitlines()[-1:]
            )
            result = "in database: " + "/".join(" ".join(counted).split())
            verdict = "OK" if seconds < 60 and rss < 1024 else "MISSES TARGET"
            result += f" ({verdict})"
        out.append([backend, "import-registry", f"{seconds:.1f}", f"{rss:.0f}", result])
        # A second import of the same files must change nothing (and shows the no-op cost).
        seconds, rss, code = run_measured(cmd, env, data_dir / "reimport.log")
        out.append(
            [backend, "import-registry again", f"{seconds:.1f}", f"{rss:.0f}",
             f"exit {code}; new rows: {new_rows(data_dir / 'reimport.log')}"]
        )  # fmt: skip
        keep = LOGS / f"{backend}-{time.strftime('%Y%m%d-%H%M%S')}"
        keep.mkdir(parents=True, exist_ok=True)
        for name in ("import.log", "reimport.log"):
            shutil.copy(data_dir / name, keep / name)
        if backend == "sqlite":
            size = (data_dir / "knooppunt.sqlite3").stat().st_size / 2**20
            out.append([backend, "database file", "-", "-", f"{size:.0f} MiB"])
    finally:
        if url:
            pg_drop(db_name)
    return out


if __name__ == "__main__":
    main()

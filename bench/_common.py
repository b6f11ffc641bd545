"""Shared helpers for the benchmarks in bench/: machine facts, databases, a server, tables.

Everything stays on this machine: the server binds to 127.0.0.1 and the benchmarks only
talk to it and to the local PostgreSQL server.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN_URL = os.environ.get("BENCH_PG_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")
BENCH_HOME = Path(os.environ.get("BENCH_HOME", Path(tempfile.gettempdir()) / "knooppunt-bench"))
FULL = {"organisations": 250_000, "partnerships": 5_000, "memberships": 100_000}


# --- facts --------------------------------------------------------------------------------


def pg_version() -> str:
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, connect_timeout=3) as conn:
            row = conn.execute("SHOW server_version").fetchone()
            return str(row[0]) if row else "?"
    except Exception as exc:  # the benchmark still runs on SQLite without it
        return f"unavailable ({type(exc).__name__})"


def commit() -> str:
    """The checked-out commit, and whether the work tree has changes (read-only git calls)."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],  # noqa: S607
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "?"
    return head + (" + uncommitted changes" if dirty else "")


def machine() -> dict[str, str]:
    cpu = "?"
    with contextlib.suppress(OSError), open("/proc/cpuinfo", encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem = "?"
    with contextlib.suppress(OSError), open("/proc/meminfo", encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    system = platform.platform()
    with contextlib.suppress(OSError), open("/etc/os-release", encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("PRETTY_NAME="):
                system = line.split("=", 1)[1].strip().strip('"') + f" ({platform.release()})"
    disks = []
    for dev in sorted(Path("/sys/block").iterdir()):
        if dev.name.startswith(("vd", "sd", "nvme", "xvd")):
            rotational = (dev / "queue" / "rotational").read_text().strip() == "1"
            disks.append(f"{dev.name} ({'rotational' if rotational else 'SSD'} per kernel)")
    disk = ", ".join(disks) or "?"
    return {
        "commit": commit(),
        "os": system,
        "disk": disk,
        "date": datetime.now().astimezone().date().isoformat(),
        "cpus (nproc)": str(os.cpu_count()),
        "cpu": cpu,
        "memory": mem,
        "load average (1/5/15 min)": load,
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "postgresql": pg_version(),
    }


def print_machine() -> dict[str, str]:
    facts = machine()
    print_table(["fact", "value"], list(facts.items()))
    if os.getloadavg()[0] > 1.5:
        print("NOTE: load average > 1.5 at the start; other work on this machine skews figures.")
    return facts


# --- tables and statistics ----------------------------------------------------------------


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(1, min(len(ordered), round(p / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def print_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    cells = [[str(h) for h in headers], *[[str(c) for c in row] for row in rows]]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    line = "| " + " | ".join(h.ljust(w) for h, w in zip(cells[0], widths, strict=True)) + " |"
    print(line)
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in cells[1:]:
        print("| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |")
    print()


# --- processes ----------------------------------------------------------------------------


def knooppunt(*args: str) -> list[str]:
    return [sys.executable, "-m", "knooppunt.cli", *args]


def base_env(data_dir: Path, database_url: str | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DJANGO_ENV"}}
    env["KNOOPPUNT_DATA_DIR"] = str(data_dir)
    env["DEBUG"] = "false"
    env["PYTHONPATH"] = str(ROOT)
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


def run_measured(cmd: list[str], env: dict[str, str], log: Path) -> tuple[float, float, int]:
    """Run `cmd`; return (wall seconds, peak RSS in MiB of it and its children, exit code)."""
    with log.open("wb") as out:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT)  # noqa: S603
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    return seconds, usage.ru_maxrss / 1024, proc.returncode


def run(cmd: list[str], env: dict[str, str], log: Path | None = None) -> None:
    if log is None:
        subprocess.run(cmd, env=env, check=True, cwd=ROOT)  # noqa: S603
        return
    seconds, _rss, code = run_measured(cmd, env, log)
    if code != 0:
        tail = log.read_text(errors="replace")[-3000:]
        raise SystemExit(f"{' '.join(cmd)} failed ({code}) after {seconds:.0f} s:\n{tail}")


def has_command(name: str, env: dict[str, str]) -> bool:
    result = subprocess.run(  # noqa: S603
        knooppunt("help", name), env=env, cwd=ROOT, capture_output=True, check=False
    )
    return result.returncode == 0


# --- PostgreSQL ---------------------------------------------------------------------------


def pg_url(name: str) -> str:
    return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name


def pg_create(name: str) -> str:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    return pg_url(name)


def pg_exists(name: str) -> bool:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        return bool(conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone())


def pg_drop(name: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# --- a loaded database for the search and load benchmarks ---------------------------------


def generate_csv(folder: Path, sizes: dict[str, int], seed: int) -> float:
    from knooppunt.synthetic.generate import generate

    counts = generate(folder, seed=seed, **sizes)
    return counts.seconds


LOAD_REFERENCE = (
    "from knooppunt.places.services import places_load_reference; "
    "from knooppunt.registry.services import themes_load_reference, sbi_load_reference; "
    "places_load_reference(); themes_load_reference(); sbi_load_reference()"
)


def loaded_database(backend: str, sizes: dict[str, int], seed: int) -> dict[str, str]:
    """The environment of a database holding the generated registry; built once, then reused.

    SQLite lives in BENCH_HOME/<name>/, PostgreSQL in a database of the same name. A marker
    file says it finished loading; delete BENCH_HOME/<name> to rebuild.
    """
    name = f"knooppunt_bench_{backend}_{sizes['organisations']}_{seed}"
    home = BENCH_HOME / name
    marker = home / "loaded.json"
    url = pg_url(name) if backend == "postgres" else None
    if marker.exists() and (backend != "postgres" or pg_exists(name)):
        return base_env(home, url)
    if home.exists():
        shutil.rmtree(home)
    home.mkdir(parents=True)
    if backend == "postgres":
        pg_create(name)
    env = base_env(home, url)
    print(f"Building the {backend} benchmark database in {home} (once) ...", flush=True)
    run(knooppunt("migrate", "--verbosity", "0"), env, home / "migrate.log")
    started = time.perf_counter()
    # `knooppunt generate` without --out loads reference data and imports the generated
    # files through the registry import (the code behind `knooppunt import-registry`).
    args = [f"--{k}={v}" for k, v in sizes.items()]
    run(knooppunt("generate", *args, f"--seed={seed}"), env, home / "load.log")
    how = "knooppunt generate (through import_registry)"
    marker.write_text(
        json.dumps({"how": how, "seconds": round(time.perf_counter() - started, 1), **sizes})
    )
    print(f"Loaded with {how} in {time.perf_counter() - started:.0f} s.", flush=True)
    return env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def server(env: dict[str, str], workers: int = 2, *, migrate: bool = True) -> Iterator[str]:
    """`knooppunt serve` (gunicorn) on 127.0.0.1 with `workers` workers; yields its base URL.

    `migrate=False` passes --no-migrate (the database is migrated already).
    """
    port = free_port()
    log = Path(env["KNOOPPUNT_DATA_DIR"]) / "serve.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(  # noqa: S603
            knooppunt("serve", "--bind", f"127.0.0.1:{port}", "--workers", str(workers))
            + ([] if migrate else ["--no-migrate"]),
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            if proc.poll() is not None:
                raise SystemExit(f"the server stopped; see {log}")
            try:
                with urllib.request.urlopen(base + "/health/", timeout=5) as resp:  # noqa: S310
                    if resp.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit(f"the server did not come up in 120 s; see {log}")
            time.sleep(0.5)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def setup_django(env: dict[str, str]) -> None:
    """Configure Django in this process for the same database as `env`."""
    for key in ("KNOOPPUNT_DATA_DIR", "DATABASE_URL", "DEBUG"):
        if key in env:
            os.environ[key] = env[key]
        else:
            os.environ.pop(key, None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "knooppunt.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()

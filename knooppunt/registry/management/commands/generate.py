"""`knooppunt generate`: a synthetic national registry, to a folder or into the database.

    knooppunt generate --organisations 250000 --partnerships 5000 --memberships 100000 \\
        --seed 1 --out DIR

writes organisations.csv, partnerships.csv and memberships.csv in the interchange format
(see `knooppunt.registry.generate` for what the data look like). Without --out the data
go into the database through the registry import (`knooppunt.registry.interchange`, the
same code as `knooppunt import-registry`): one write path, with its checks and audit.
"""

from __future__ import annotations

import csv
import tempfile
import time
from collections.abc import Iterator
from itertools import islice
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from knooppunt.registry.generate import generate

DEFAULT_SOURCE = "generated"


class Command(BaseCommand):
    help = (
        "Generate a synthetic registry (fictional companies and partnerships, real schools "
        "and public bodies) in the interchange CSV format, or load it into the database."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--organisations", type=int, default=250_000)
        parser.add_argument("--partnerships", type=int, default=5_000)
        parser.add_argument("--memberships", type=int, default=100_000)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--out", help="Folder to write the three CSV files to; omit to load the database."
        )
        parser.add_argument(
            "--source",
            default=DEFAULT_SOURCE,
            help=f"Source name for the ids when loading the database (default {DEFAULT_SOURCE}).",
        )
        parser.add_argument(
            "--direct",
            action="store_true",
            help="The same as loading without it (the registry import's bulk writer); kept "
            "for old scripts.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        sizes = {
            "organisations": options["organisations"],
            "partnerships": options["partnerships"],
            "memberships": options["memberships"],
            "seed": options["seed"],
        }
        if options["out"]:
            counts = self._generate(Path(options["out"]), sizes)
            self.stdout.write(
                f"Wrote {counts.organisation_total} organisations, "
                f"{counts.partnership_total} partnerships and {counts.memberships} memberships "
                f"to {options['out']} in {counts.seconds:.1f} s."
            )
            return
        if settings.PRODUCTION:
            raise CommandError("Refusing to load generated (fictional) data under production.")
        with tempfile.TemporaryDirectory(prefix="knooppunt-generate-") as tmp:
            folder = Path(tmp)
            self._generate(folder, sizes)
            started = time.perf_counter()
            if options["direct"]:
                counts = load_direct(folder, source=options["source"])
                self.stdout.write(
                    "Loaded " + ", ".join(f"{v} {k}" for k, v in counts.items()) + " directly"
                )
            else:
                self._import(folder, options["source"])
            self.stdout.write(f"Loaded in {time.perf_counter() - started:.1f} s.")

    def _import(self, folder: Path, source: str) -> None:
        from knooppunt.registry.interchange import import_registry

        load_reference_data()
        report = import_registry(folder, source=source)
        for error in report.errors[:20]:
            self.stderr.write(f"error: {error}")
        if report.errors:
            raise CommandError(f"{len(report.errors)} problem(s) found; nothing was imported.")
        for name, c in report.counts.items():
            self.stdout.write(
                f"{name}: {c.rows} rows, {c.new} new, {c.updated} updated, "
                f"{c.unchanged} unchanged, {c.merged} merged"
            )

    def _generate(self, folder: Path, sizes: dict[str, int]) -> Any:
        try:
            return generate(folder, **sizes)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc


# --- loading ---------------------------------------------------------------------------

CHUNK = 2000


def load_reference_data() -> None:
    """Places, themes and SBI codes (idempotent): an import needs them to resolve codes."""
    from knooppunt.places.services import places_load_reference
    from knooppunt.registry.services import sbi_load_reference, themes_load_reference

    places_load_reference()
    themes_load_reference()
    sbi_load_reference()


def _chunks(folder: Path, name: str) -> Iterator[list[dict[str, str]]]:
    """The rows of a CSV file, CHUNK at a time (the files can be large)."""
    with (folder / name).open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        while chunk := list(islice(reader, CHUNK)):
            yield chunk


def _year(value: str) -> int | None:
    return int(value) if value else None


def load_direct(folder: Path, *, source: str = DEFAULT_SOURCE) -> dict[str, int]:
    """Load a generated registry: the registry import's bulk writer (`--direct` is kept for
    old scripts; it used to be a second write path, without checks or audit).

    Ids already known under `source` are found again, so loading twice adds nothing; the
    import records its run and one bulk audit entry per kind of object.
    """
    from knooppunt.registry.interchange import import_registry

    load_reference_data()
    report = import_registry(folder, source=source)
    if report.errors:
        raise CommandError(
            f"{len(report.errors)} problem(s) found; nothing was loaded: {report.errors[0]}"
        )
    return {name: c.new for name, c in report.counts.items()}

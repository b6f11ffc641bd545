"""`knooppunt generate`: a synthetic national registry, to a folder or into the database.

    knooppunt generate --organisations 250000 --partnerships 5000 --memberships 100000 \\
        --seed 1 --out DIR

writes organisations.csv, partnerships.csv and memberships.csv in the interchange format
(see `knooppunt.synthetic.generate` for what the data look like). Without --out the data
go into the database through the registry import (`knooppunt.registry.interchange`, the
same code as `knooppunt import-registry`): by default from the CSV files in a temporary
folder, with --direct straight from memory (`knooppunt.synthetic.load`). Either way the
rows get the import's checks, merges, bulk writes, search documents and audit entries.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from knooppunt.registry.interchange import ImportReport, import_registry
from knooppunt.synthetic.generate import generate, generate_rows
from knooppunt.synthetic.load import DEFAULT_SOURCE, load_generated, load_reference_data

T = TypeVar("T")


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
            help="Hand the rows to the registry import in memory instead of through CSV files "
            "(the same checks and writes).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        sizes = {
            "organisations": options["organisations"],
            "partnerships": options["partnerships"],
            "memberships": options["memberships"],
            "seed": options["seed"],
        }
        if options["out"]:
            counts = self._generate(lambda: generate(Path(options["out"]), **sizes))
            self.stdout.write(
                f"Wrote {counts.organisation_total} organisations, "
                f"{counts.partnership_total} partnerships and {counts.memberships} memberships "
                f"to {options['out']} in {counts.seconds:.1f} s."
            )
            return
        if settings.PRODUCTION:
            raise CommandError("Refusing to load generated (fictional) data under production.")
        source = options["source"]
        if options["direct"]:
            generated = self._generate(lambda: generate_rows(**sizes))
            started = time.perf_counter()
            report = load_generated(
                generated, source=source, input_name=f"generated-seed-{options['seed']}"
            )
        else:
            with tempfile.TemporaryDirectory(prefix="knooppunt-generate-") as tmp:
                folder = Path(tmp)
                self._generate(lambda: generate(folder, **sizes))
                started = time.perf_counter()
                load_reference_data()
                report = import_registry(folder, source=source)
        self._report(report)
        self.stdout.write(f"Loaded in {time.perf_counter() - started:.1f} s.")

    def _report(self, report: ImportReport) -> None:
        for error in report.errors[:20]:
            self.stderr.write(f"error: {error}")
        if report.errors:
            raise CommandError(f"{len(report.errors)} problem(s) found; nothing was imported.")
        for name, c in report.counts.items():
            self.stdout.write(
                f"{name}: {c.rows} rows, {c.new} new, {c.updated} updated, "
                f"{c.unchanged} unchanged, {c.merged} merged"
            )

    def _generate(self, make: Callable[[], T]) -> T:
        try:
            return make()
        except ValueError as exc:
            raise CommandError(str(exc)) from exc

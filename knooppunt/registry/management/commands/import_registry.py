"""`knooppunt import-registry PATH`: import a registry in the interchange format."""

from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation

from knooppunt.registry.interchange import ImportReport, import_registry
from knooppunt.registry.interchange.format import FILES
from knooppunt.registry.interchange.progress import TextProgress
from knooppunt.registry.interchange.readers import Limits

SHOWN_WARNINGS = 50
SHOWN_MERGES = 100


class _Raw:
    """Writes to a command's stderr without the newline OutputWrapper adds."""

    def __init__(self, wrapper: Any) -> None:
        self.wrapper = wrapper

    def write(self, text: str) -> None:
        self.wrapper.write(text, ending="")

    def flush(self) -> None:
        self.wrapper.flush()


class Command(BaseCommand):
    # A data command: the system checks (admin, URLs, ...) only add seconds to every run.
    requires_system_checks: list[str] = []
    help = (
        "Import a registry (a folder or .zip with organisations.csv, partnerships.csv and "
        "memberships.csv, or an .xlsx workbook with those sheets). All or nothing: with any "
        "error nothing is imported and every problem is listed."
    )

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        # The limits are settings: say the ones in force (set with IMPORT_MAX_MB,
        # IMPORT_MAX_FILE_MB and IMPORT_MAX_ROWS).
        with translation.override("en"):
            limits = Limits.from_settings().describe()
        self.help = (
            f"{type(self).help} {limits} "
            "(Set with IMPORT_MAX_MB, IMPORT_MAX_FILE_MB and IMPORT_MAX_ROWS.)"
        )
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="A folder, a .zip of that folder or an .xlsx workbook.")
        parser.add_argument(
            "--source",
            help="Name of the source; ids are remembered per source (default: the file's stem).",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Check and compare only: report what would change, write nothing.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from knooppunt.places.models import Municipality
        from knooppunt.registry.models import Theme

        if not (Municipality.objects.exists() and Theme.objects.exists()):
            # A new database: the import resolves places and themes against these.
            call_command("load_reference", stdout=self.stderr)
        progress = TextProgress(_Raw(self.stderr)) if options["verbosity"] > 0 else None
        try:
            report = import_registry(
                options["path"],
                source=options["source"],
                dry_run=options["dry_run"],
                progress=progress,
            )
        finally:
            if progress:
                progress.close()
        self._summary(report)
        shown = report.warnings[:SHOWN_WARNINGS]
        for warning in shown:
            self.stderr.write(f"warning: {warning}")
        if len(report.warnings) > len(shown):
            self.stderr.write(f"... and {len(report.warnings) - len(shown)} more warnings")
        if report.errors:
            for error in report.errors:
                self.stderr.write(f"error: {error}")
            raise CommandError(f"{len(report.errors)} problem(s) found; nothing was imported.")
        if report.dry_run:
            self.stdout.write("Dry run: nothing was written.")
        else:
            seconds = report.timings.get("total", 0.0)
            self.stdout.write(self.style.SUCCESS(f"Imported in {seconds:.1f} s."))
        if options["verbosity"] > 1:
            self.stdout.write(
                "Timings (s): " + ", ".join(f"{k} {v:.1f}" for k, v in report.timings.items())
            )

    def _summary(self, report: ImportReport) -> None:
        write = self.stdout.write
        write(f"Source: {report.source}" + (" (dry run)" if report.dry_run else ""))
        columns = ("rows", "new", "updated", "unchanged", "merged", "errors")
        write(f"{'file':<22}" + "".join(f"{c:>11}" for c in columns))
        for name in FILES:
            counts = report.counts[name]
            write(
                f"{report.label(name):<22}" + "".join(f"{getattr(counts, c):>11}" for c in columns)
            )
        for merge in report.merges[:SHOWN_MERGES]:
            write(
                f"merge: {merge['file']}, line {merge['line']}: “{merge['name']}” is "
                f"organisation #{merge['target_id']} “{merge['target_name']}” ({merge['reason']})"
            )
        if len(report.merges) > SHOWN_MERGES:
            write(f"... and {len(report.merges) - SHOWN_MERGES} more merges")

"""`knooppunt export-registry PATH`: write the registry in the interchange format."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from knooppunt.registry.interchange import FORMATS, export_registry


class Command(BaseCommand):
    # A data command: the system checks (admin, URLs, ...) only add seconds to every run.
    requires_system_checks: list[str] = []
    help = (
        "Export the registry: csv writes a folder with organisations.csv, partnerships.csv "
        "and memberships.csv (or a .zip when PATH ends with .zip); xlsx one workbook; json "
        "one document."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path")
        parser.add_argument("--format", choices=FORMATS, default="csv", dest="fmt")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["path"])
        fmt = options["fmt"]
        if fmt == "csv" and path.suffix.lower() != ".zip" and path.exists() and not path.is_dir():
            raise CommandError(f"{path} is a file; give a folder or a path ending in .zip.")
        if fmt != "csv" and path.is_dir():
            raise CommandError(f"{path} is a folder; give a file name for --format {fmt}.")
        counts = export_registry(path, fmt=fmt)
        self.stdout.write(
            f"Wrote {counts['organisations']} organisations, {counts['partnerships']} "
            f"partnerships and {counts['memberships']} memberships to {path}."
        )

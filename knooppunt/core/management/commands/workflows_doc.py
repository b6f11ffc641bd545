"""`knooppunt workflows-doc`: write the generated part of docs/workflows.md."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from knooppunt.core.workflow import REGISTRY, document_all, splice

DOC = Path(settings.BASE_DIR).parent / "docs" / "workflows.md"


def render(text: str) -> str:
    """`text` (the current docs/workflows.md) with its generated part brought up to date."""
    return splice(text, document_all(REGISTRY.all()))


class Command(BaseCommand):
    help = (
        "Write the states and transitions of every workflow (from their definitions in "
        "<app>/workflows.py) into docs/workflows.md, between its markers. With --check, "
        "only report whether the file is up to date."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--path", type=Path, default=DOC)
        parser.add_argument("--check", action="store_true", help="fail if it is out of date")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["path"]
        current = path.read_text(encoding="utf-8")
        try:
            wanted = render(current)
        except ValueError as error:
            raise CommandError(f"{path}: {error}") from error
        if options["check"]:
            if wanted != current:
                raise CommandError(f"{path} is out of date: run `knooppunt workflows-doc`.")
            self.stdout.write(f"{path} is up to date.")
            return
        if wanted != current:
            path.write_text(wanted, encoding="utf-8")
            self.stdout.write(f"Wrote {path}.")
        else:
            self.stdout.write(f"{path} was up to date.")

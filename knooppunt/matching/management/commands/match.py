"""`knooppunt match`: partner suggestions from the command line (JSON or a table)."""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from knooppunt.matching import queries
from knooppunt.matching.api import candidates_json, resolve_partnership
from knooppunt.registry.models import OrganisationKind


class Command(BaseCommand):
    requires_system_checks: list[str] = []
    help = (
        "Suggest partners. --partnership ID: new members for a partnership (ID is its id or "
        "the id from an imported registry file). --need TEXT: organisations for a need, with "
        "--theme, --municipality, --kind. Existing members are never suggested."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        what = parser.add_mutually_exclusive_group(required=True)
        what.add_argument("--partnership", help="partnership id or imported id")
        what.add_argument("--need", help="what you look for, in your own words")
        parser.add_argument("--theme", action="append", default=[], help="theme code (repeat)")
        parser.add_argument("--municipality", default="", help="CBS code, e.g. GM0828")
        parser.add_argument(
            "--kind",
            action="append",
            default=[],
            choices=OrganisationKind.values,
            help="organisation kind wanted (repeat)",
        )
        parser.add_argument("--top", type=int, default=10)
        parser.add_argument("--format", choices=("json", "table"), default="table", dest="fmt")

    def handle(self, *args: Any, **options: Any) -> None:
        top = options["top"]
        if not 1 <= top <= 1000:
            raise CommandError("--top must be between 1 and 1000.")
        if options["partnership"]:
            partnership = resolve_partnership(options["partnership"])
            if partnership is None:
                raise CommandError(f"No partnership with id {options['partnership']!r}.")
            result = queries.suggest_members(None, partnership, kinds=options["kind"], per_page=top)
        else:
            try:
                need = queries.need_from_codes(
                    text=options["need"],
                    theme_codes=options["theme"],
                    municipality_code=options["municipality"],
                    kinds=options["kind"],
                )
            except ValidationError as error:
                raise CommandError(" ".join(error.messages)) from None
            result = queries.suggest_partners(None, need=need, per_page=top)
        rows = candidates_json(None, result)
        for row in rows:
            row.pop("components")
            row.pop("url")
            row.pop("id")
        if options["fmt"] == "json":
            self.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2))
            return
        for rank, row in enumerate(rows, start=1):
            self.stdout.write(f"{rank:>3}. {row['score']:.3f}  {row['name']} ({row['kind']})")
            for reason in row["reasons"]:
                self.stdout.write(f"       - {reason}")

"""`knooppunt allocate INSTANCE.json --mode stable|optimal`: the team allocator, offline.

Reads an allocation instance (`shared/formats/allocation-instance.md`) and writes the
result as JSON to standard output. Needs no database. Bad input is refused with a
message naming the field, exit status 2.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from knooppunt.communities.allocation import (
    MODES,
    InstanceError,
    allocate,
    parse_instance,
    result_json,
)

BAD_INPUT = 2


class Command(BaseCommand):
    requires_system_checks: list[str] = []
    help = (
        "Allocate students to team assignments: stable (student-optimal stable "
        "allocation) or optimal (least total choice rank under the team rules). "
        "INSTANCE is a JSON file ('-' for standard input)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("instance", help="the instance (JSON), or - for standard input")
        parser.add_argument("--mode", choices=MODES, required=True)
        parser.add_argument("--time-limit", type=float, default=None, dest="time_limit")
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--format", choices=("json",), default="json", dest="fmt")

    def handle(self, *args: Any, **options: Any) -> None:
        path = options["instance"]
        time_limit = options["time_limit"]
        if time_limit is not None and not time_limit > 0:
            raise CommandError("--time-limit must be a positive number of seconds.", returncode=2)
        try:
            if path == "-":
                data = json.load(sys.stdin)
            else:
                with open(path, encoding="utf-8") as fh:
                    data = json.load(fh)
        except OSError as error:
            raise CommandError(f"{path}: {error.strerror}", returncode=BAD_INPUT) from None
        except (ValueError, UnicodeDecodeError) as error:
            raise CommandError(f"{path}: not valid JSON ({error})", returncode=BAD_INPUT) from None
        try:
            instance = parse_instance(data)
        except InstanceError as error:
            raise CommandError(str(error), returncode=BAD_INPUT) from None
        result = allocate(instance, options["mode"], time_limit=time_limit, seed=options["seed"])
        self.stdout.write(json.dumps(result_json(instance, result), ensure_ascii=False))

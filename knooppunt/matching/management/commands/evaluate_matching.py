"""`knooppunt evaluate-matching PATH`: leave-one-out evaluation of the matcher on a registry."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from knooppunt.matching.evaluation import format_table, leave_one_out
from knooppunt.matching.network import from_registry_file


class Command(BaseCommand):
    requires_system_checks: list[str] = []
    help = (
        "Hide one member of each partnership in a registry (a folder, .zip or .xlsx in the "
        "interchange format; nothing is stored), ask the matcher for new members, and report "
        "hit@1/5/10 and MRR next to three baselines (random, most-connected, same-region "
        "most-connected). PATH 'synthetic' uses a generated network with planted structure."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path")
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--min-members", type=int, default=3)
        parser.add_argument("--max-queries", type=int, default=None)
        parser.add_argument("--format", choices=("table", "json"), default="table", dest="fmt")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["path"] == "synthetic":
            # Test data, not registry data: the one import of the synthetic package here.
            from knooppunt.synthetic.planted import planted_network

            net = planted_network(20_000, 1_000, options["seed"])
            label = "synthetic network with planted structure (20,000 / 1,000)"
        else:
            path = Path(options["path"])
            try:
                net, _orgs, _parts = from_registry_file(path)
            except ValueError as error:
                raise CommandError(f"The registry at {path} does not check out:\n{error}") from None
            label = str(path)
        results = leave_one_out(
            net,
            seed=options["seed"],
            min_members=options["min_members"],
            max_queries=options["max_queries"],
        )
        if options["fmt"] == "json":
            self.stdout.write(
                json.dumps(
                    [
                        {
                            "method": r.name,
                            "queries": r.queries,
                            **{f"hit@{k}": round(v, 4) for k, v in r.hit_at.items()},
                            "mrr": round(r.mrr, 4),
                        }
                        for r in results
                    ],
                    indent=2,
                )
            )
            return
        self.stdout.write(
            f"{label}: {net.n_orgs} organisations, {net.n_partnerships} partnerships, "
            f"{len(net.member_idx)} memberships"
        )
        self.stdout.write(format_table(results))

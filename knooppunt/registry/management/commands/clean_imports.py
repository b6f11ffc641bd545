"""`knooppunt clean-imports`: housekeeping of web import runs (cron, hourly or daily)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from knooppunt.registry.interchange.runs import import_runs_housekeeping


class Command(BaseCommand):
    help = (
        "Expire import previews that were not confirmed within 48 hours (their files are "
        "removed), report imports that stopped (their worker is gone: retry or discard them "
        "on their page), and remove upload folders that belong to no import any more."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        counts = import_runs_housekeeping()
        self.stdout.write(
            f"Expired {counts['expired']}, stopped {counts['stale']}, "
            f"orphaned folders removed {counts['orphans']}."
        )
        if counts["stale"]:
            self.stderr.write(
                f"{counts['stale']} import(s) stopped without finishing; see the import page."
            )

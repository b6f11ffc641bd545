"""`knooppunt remind-introductions`: daily housekeeping of introduction requests (cron)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from knooppunt.matching.services import introductions_housekeeping


class Command(BaseCommand):
    help = (
        "Expire introduction requests open for 30 days and remind the target of every "
        "request open for 7 days (once; recorded only when the reminder mail was really "
        "sent, else tried again on the next run). Run it daily (cron or a scheduler)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        counts = introductions_housekeeping()
        self.stdout.write(f"Reminded {counts['reminded']}, expired {counts['expired']}.")

"""`knooppunt demo-matching`: partner profiles and guides for the demo (run by `demo`)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from knooppunt.matching.demo import demo_matching


class Command(BaseCommand):
    help = "Add demo partner profiles and contact guides (idempotent; refused in production)."

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            self.stderr.write("Refusing to load demo data under production settings.")
            raise SystemExit(2)
        counts = demo_matching()
        self.stdout.write(
            f"Matching demo: {counts['partner_profiles']} profiles, {counts['guides']} guides."
        )

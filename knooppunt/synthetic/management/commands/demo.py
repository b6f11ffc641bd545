"""`knooppunt demo`: a working local Knooppunt in one command."""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from knooppunt.synthetic.demo import DEMO_STAFF_EMAIL, DEMO_STAFF_PASSWORD, demo_load


class Command(BaseCommand):
    help = (
        "Create the local database, load reference and demo data, create a demo staff "
        "account and serve at http://127.0.0.1:8000 (safe to run again)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--no-serve", action="store_true", help="Set up only; do not serve.")
        parser.add_argument("--addrport", default="127.0.0.1:8000")

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            self.stderr.write("Refusing to load demo data under production settings.")
            raise SystemExit(2)
        call_command("migrate", interactive=False, verbosity=0)
        counts = demo_load()
        self.stdout.write(
            "Demo data: "
            + ", ".join(f"{value} {key.replace('_', ' ')}" for key, value in counts.items())
        )
        self.stdout.write(
            self.style.SUCCESS(f"Demo staff login: {DEMO_STAFF_EMAIL} / {DEMO_STAFF_PASSWORD}")
        )
        if options["no_serve"]:
            return
        self.stdout.write(f"Knooppunt runs at http://{options['addrport']}/  (Ctrl+C stops it)")
        os.environ.setdefault("DJANGO_COLORS", "nocolor")
        call_command("runserver", options["addrport"], use_reloader=False)

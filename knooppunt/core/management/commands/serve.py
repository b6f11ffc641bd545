"""`knooppunt serve`: run Knooppunt under gunicorn (a real WSGI server)."""

from __future__ import annotations

import os
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connections


class Command(BaseCommand):
    help = "Serve Knooppunt with gunicorn (collects static files and migrates first)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--bind", default=os.environ.get("BIND", "127.0.0.1:8000"))
        parser.add_argument(
            "--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "3"))
        )
        parser.add_argument("--no-migrate", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        from gunicorn.app.base import BaseApplication

        if not options["no_migrate"]:
            call_command("migrate", interactive=False, verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        # The workers are forked from this process: they must not share its connection.
        connections.close_all()

        config = {
            "bind": options["bind"],
            "workers": options["workers"],
            "accesslog": "-",
            "timeout": 60,
        }

        class Server(BaseApplication):
            def load_config(self) -> None:
                for key, value in config.items():
                    self.cfg.set(key, value)

            def load(self) -> Any:
                # Imported after collectstatic so WhiteNoise indexes the collected files.
                from knooppunt.wsgi import application

                return application

        self.stdout.write(f"Serving Knooppunt on http://{options['bind']}/")
        Server().run()

"""The `knooppunt` command: the management commands users need, under one name.

knooppunt demo       set up a local SQLite database with demo data and serve it
knooppunt serve      run the production server (gunicorn)
knooppunt <command>  any Django management command (migrate, createsuperuser, ...)
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "knooppunt.settings")
    from django.core.management import execute_from_command_line

    if not args:
        args = ["help"]
    # `knooppunt import-registry` is the management command `import_registry`.
    args[0] = args[0].replace("-", "_")
    execute_from_command_line(["knooppunt", *args])


if __name__ == "__main__":
    main()

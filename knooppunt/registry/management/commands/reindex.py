from typing import Any

from django.core.management.base import BaseCommand

from knooppunt.registry.services import registry_reindex_all


class Command(BaseCommand):
    help = "Rebuild the search documents of every organisation and partnership from the database."

    def handle(self, *args: Any, **options: Any) -> None:
        counts = registry_reindex_all()
        self.stdout.write(
            f"Reindexed {counts['organisations']} organisations and "
            f"{counts['partnerships']} partnerships."
        )

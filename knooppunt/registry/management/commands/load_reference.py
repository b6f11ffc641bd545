from typing import Any

from django.core.management.base import BaseCommand

from knooppunt.places.services import places_load_reference
from knooppunt.registry.services import sbi_load_reference, themes_load_reference


class Command(BaseCommand):
    help = (
        "Load the reference data (places, regions, themes, SBI codes) into the database. "
        "Safe to run again; needed before the first import-registry on a new database."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        places = places_load_reference()
        themes = themes_load_reference()
        sbi = sbi_load_reference()
        self.stdout.write(
            f"{places['municipalities']} municipalities, {places['places']} places, "
            f"{themes} themes, {sbi} SBI codes."
        )

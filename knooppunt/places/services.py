"""Loading the reference geography. Idempotent: running it twice changes nothing."""

from __future__ import annotations

import csv
from pathlib import Path

from django.db import transaction

from knooppunt.core.text import fold
from knooppunt.places.models import CoropRegion, LabourMarketRegion, Municipality, Place, Province
from knooppunt.places.queries import place_index_forget

DATA = Path(__file__).resolve().parent / "data"


def _rows(name: str) -> list[dict[str, str]]:
    with (DATA / name).open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@transaction.atomic
def places_load_reference() -> dict[str, int]:
    """Create or update provinces, regions, municipalities and places from data/*.csv."""
    provinces = {}
    for row in _rows("provinces.csv"):
        provinces[row["province_code"]], _ = Province.objects.update_or_create(
            code=row["province_code"],
            defaults={"abbreviation": row["province_abbr"], "name": row["province_name"]},
        )
    corops = {}
    for row in _rows("corop_regions.csv"):
        corops[row["corop_code"]], _ = CoropRegion.objects.update_or_create(
            code=row["corop_code"],
            defaults={"name": row["corop_name"], "province": provinces[row["province_code"]]},
        )
    lmrs = {}
    for row in _rows("labour_market_regions.csv"):
        lmrs[row["labour_market_region_code"]], _ = LabourMarketRegion.objects.update_or_create(
            code=row["labour_market_region_code"],
            defaults={"name": row["labour_market_region_name"]},
        )
    centroids = {row["municipality_code"]: row for row in _rows("municipality_centroids.csv")}
    municipalities = {}
    for row in _rows("municipalities.csv"):
        centroid = centroids.get(row["municipality_code"])
        municipalities[row["municipality_code"]], _ = Municipality.objects.update_or_create(
            code=row["municipality_code"],
            defaults={
                "name": row["name"],
                "province": provinces[row["province_code"]],
                "corop_region": corops[row["corop_code"]],
                "labour_market_region": lmrs[row["labour_market_region_code"]],
                "latitude": float(centroid["latitude"]) if centroid else None,
                "longitude": float(centroid["longitude"]) if centroid else None,
            },
        )
    existing = set(Place.objects.values_list("code", flat=True))
    new_places = [
        Place(
            code=row["place_code"],
            name=row["place"],
            folded_name=fold(row["place"]),
            municipality=municipalities[row["municipality_code"]],
            is_ambiguous=row["name_is_ambiguous"] == "true",
        )
        for row in _rows("places.csv")
        if row["place_code"] not in existing
    ]
    Place.objects.bulk_create(new_places, batch_size=500)
    place_index_forget()
    return {
        "provinces": len(provinces),
        "labour_market_regions": len(lmrs),
        "municipalities": len(municipalities),
        "places": Place.objects.count(),
    }

"""Reads on the reference geography (public data: no viewer needed)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Max, QuerySet
from django.utils.translation import gettext as _

from knooppunt.core.text import fold
from knooppunt.places.models import LabourMarketRegion, Municipality, Place, Province
from knooppunt.places.resolve import (
    AMBIGUOUS,
    EMPTY,
    FOREIGN,
    NETHERLANDS,
    UNKNOWN,
    PlaceIndex,
    Resolution,
)

_INDEX: dict[str, Any] = {}


def _reference_version() -> tuple[Any, ...]:
    """Changes whenever municipalities or places are added, removed or reloaded."""
    municipalities = Municipality.objects.aggregate(n=Count("id"), top=Max("id"))
    places = Place.objects.aggregate(n=Count("id"), top=Max("id"))
    return (municipalities["n"], municipalities["top"], places["n"], places["top"])


def place_index() -> PlaceIndex:
    """The municipalities, woonplaatsen and aliases of the database, ready to resolve places.

    Building it reads about 2,900 names (tens of milliseconds); it is kept per process
    and rebuilt when the reference data changes (two small aggregate queries tell), so
    a form or API call pays for a lookup only. `places_load_reference` forgets it.
    """
    version = _reference_version()
    if _INDEX.get("version") != version:
        _INDEX["index"] = PlaceIndex(
            Municipality.objects.values_list("pk", "name", "province__code"),
            Place.objects.values_list("name", "municipality_id"),
        )
        _INDEX["version"] = version
    index: PlaceIndex = _INDEX["index"]
    return index


def place_index_forget() -> None:
    _INDEX.clear()


def resolve_city(
    city: str, *, country: str = NETHERLANDS, index: PlaceIndex | None = None
) -> tuple[Municipality | None, Resolution]:
    """Where a place as written lies (see `places.resolve`): the municipality, or None and why."""
    if (country or NETHERLANDS).strip().upper() != NETHERLANDS:
        return None, Resolution(FOREIGN)
    if not fold(city):
        return None, Resolution(EMPTY)
    resolution = (index or place_index()).resolve(city)
    if resolution.municipality_id is None:
        return None, resolution
    municipality = Municipality.objects.select_related("province", "labour_market_region").get(
        pk=resolution.municipality_id
    )
    return municipality, resolution


def municipality_for_city(city: str, *, country: str = NETHERLANDS) -> Municipality | None:
    """The municipality a place as written lies in; None abroad, when unknown or ambiguous."""
    return resolve_city(city, country=country)[0]


def unresolved_reason(city: str, resolution: Resolution) -> str:
    """Why `city` has no municipality, with the candidates, for a warning ("" if it has one)."""
    if resolution.status == AMBIGUOUS:
        return _(
            "“%(city)s” lies in more than one municipality (%(candidates)s); "
            "no municipality was set. Choose one, or give a municipality code."
        ) % {"city": city, "candidates": ", ".join(resolution.candidates)}
    if resolution.status == UNKNOWN and resolution.candidates:
        return _(
            "“%(city)s” is not a Dutch municipality or place we know (did you mean: "
            "%(candidates)s?); no municipality was set. If it is abroad, give its country."
        ) % {"city": city, "candidates": ", ".join(resolution.candidates)}
    if resolution.status == UNKNOWN:
        return _(
            "“%(city)s” is not a Dutch municipality or place we know; no municipality was "
            "set. If it is abroad, give its country; otherwise give a municipality code."
        ) % {"city": city}
    return ""


def province_list() -> QuerySet[Province]:
    return Province.objects.order_by("name")


def labour_market_region_list() -> QuerySet[LabourMarketRegion]:
    return LabourMarketRegion.objects.order_by("name")


def municipality_list() -> QuerySet[Municipality]:
    return Municipality.objects.select_related("province", "labour_market_region").order_by("name")

"""Reads on the reference geography (public data: no viewer needed)."""

from __future__ import annotations

import re

from django.db.models import QuerySet

from knooppunt.core.text import fold
from knooppunt.places.models import LabourMarketRegion, Municipality, Place, Province

# Names people write that CBS spells differently (CBS woonplaats names are the reference).
CITY_ALIASES = {
    "den haag": "s gravenhage",
    "the hague": "s gravenhage",
    "den bosch": "s hertogenbosch",
}


_QUALIFIER = re.compile(r"\s*\([^)]*\)\s*$")


def base_name(name: str) -> str:
    """A place or municipality name folded, without a CBS qualifier: `Hengelo (Gld)` -> hengelo."""
    return fold(_QUALIFIER.sub("", name))


class CityIndex:
    """Resolves free-text place names to municipalities, from data loaded once.

    A municipality name is accepted too (Oss, Súdwest-Fryslân). A name written
    with its CBS qualifier (`Hengelo (Gld)`, `Beek (L.)`) resolves exactly; a bare
    name that several municipalities share (Hengelo, Beek, ...) resolves only when
    the province tells which.
    """

    def __init__(self, municipalities: list[Municipality], places: list[tuple[str, int]]) -> None:
        self.by_pk = {m.pk: m for m in municipalities}
        self.exact: dict[str, set[int]] = {}
        self.base: dict[str, set[int]] = {}
        names = [(m.name, m.pk) for m in municipalities] + places
        for name, municipality_id in names:
            self.exact.setdefault(fold(name), set()).add(municipality_id)
            self.base.setdefault(base_name(name), set()).add(municipality_id)

    @classmethod
    def from_db(cls) -> CityIndex:
        return cls(
            list(Municipality.objects.select_related("province")),
            list(Place.objects.values_list("name", "municipality_id")),
        )

    def resolve(self, city: str, *, province_code: str = "") -> Municipality | None:
        exact = fold(city)
        exact = CITY_ALIASES.get(exact, exact)
        if not exact:
            return None
        if _QUALIFIER.search(city):
            ids = self.exact.get(exact, set())
        else:
            ids = self.base.get(CITY_ALIASES.get(base_name(city), base_name(city)), set())
        found = [self.by_pk[i] for i in ids]
        if province_code:
            found = [m for m in found if m.province.code == province_code]
        return found[0] if len(found) == 1 else None


def municipality_for_city(city: str, *, province_code: str = "") -> Municipality | None:
    """The municipality a free-text place name lies in, or None when unknown or ambiguous."""
    if not fold(city):
        return None
    return CityIndex.from_db().resolve(city, province_code=province_code)


def province_list() -> QuerySet[Province]:
    return Province.objects.order_by("name")


def labour_market_region_list() -> QuerySet[LabourMarketRegion]:
    return LabourMarketRegion.objects.order_by("name")


def municipality_list() -> QuerySet[Municipality]:
    return Municipality.objects.select_related("province", "labour_market_region").order_by("name")

"""The place rules of interchange format 1.1 ("Places"), on the shipped reference data.

`places.resolve` is plain Python: these tests build the index straight from the CSV files
(no database), so they also check the data files and the alias table against each other.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from knooppunt.places import countries
from knooppunt.places.resolve import (
    ALIAS,
    AMBIGUOUS,
    EMPTY,
    FOREIGN,
    MUNICIPALITY,
    PLACE,
    UNKNOWN,
    PlaceIndex,
    load_aliases,
    tokens,
)

DATA = Path(__file__).resolve().parents[2] / "knooppunt" / "places" / "data"


def _rows(name: str) -> list[dict[str, str]]:
    with (DATA / name).open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


MUNICIPALITIES = _rows("municipalities.csv")
ID = {row["municipality_code"]: i for i, row in enumerate(MUNICIPALITIES, start=1)}
CODE = {i: code for code, i in ID.items()}
INPUT_MUNICIPALITIES = [
    (ID[r["municipality_code"]], r["name"], r["province_code"]) for r in MUNICIPALITIES
]
INPUT_PLACES = [(r["place"], ID[r["municipality_code"]]) for r in _rows("places.csv")]
INDEX = PlaceIndex(INPUT_MUNICIPALITIES, INPUT_PLACES)


def code_of(city: str, country: str = "NL") -> str | None:
    found = INDEX.resolve(city, country).municipality_id
    return CODE[found] if found is not None else None


@pytest.mark.parametrize(
    ("city", "code", "status"),
    [
        # An exact municipality name first: the municipality Hengelo, not the village.
        ("Hengelo", "GM0164", MUNICIPALITY),
        ("hengelo (o.)", "GM0164", MUNICIPALITY),
        ("Beek", "GM0888", MUNICIPALITY),
        ("Rijswijk", "GM0603", MUNICIPALITY),
        ("Laren", "GM0417", MUNICIPALITY),
        ("Bergen (NH)", "GM0373", MUNICIPALITY),
        ("Bergen NH", "GM0373", MUNICIPALITY),
        ("Bergen (L)", "GM0893", MUNICIPALITY),
        ("Den Helder", "GM0400", MUNICIPALITY),  # a real name, not an alias of anything
        # Case, accents, punctuation, a leading 's- or gemeente do not count.
        ("'s-Hertogenbosch", "GM0796", MUNICIPALITY),
        ("S HERTOGENBOSCH", "GM0796", MUNICIPALITY),
        ("Hertogenbosch", "GM0796", MUNICIPALITY),
        ("Gemeente Oss", "GM0828", MUNICIPALITY),
        ("gemeente 's-Gravenhage", "GM0518", MUNICIPALITY),
        ("Sudwest Fryslan", "GM1900", MUNICIPALITY),
        ("Etten Leur", "GM0777", MUNICIPALITY),
        ("Alphen a/d Rijn", "GM0484", MUNICIPALITY),
        ("Capelle a.d. IJssel", "GM0502", MUNICIPALITY),
        ("St. Michielsgestel", "GM0845", MUNICIPALITY),
        ("Oss, Nederland", "GM0828", MUNICIPALITY),
        # Known aliases.
        ("Den Haag", "GM0518", ALIAS),
        ("The Hague", "GM0518", ALIAS),
        ("Den Bosch", "GM0796", ALIAS),
        ("den bosch", "GM0796", ALIAS),
        ("Ljouwert", "GM0080", ALIAS),
        ("Snits", "GM1900", ALIAS),
        ("Nuenen c.a.", "GM0820", ALIAS),
        # A woonplaats in exactly one municipality.
        ("Nuenen", "GM0820", PLACE),
        ("Rosmalen", "GM0796", PLACE),
        ("Hoek van Holland", "GM0599", PLACE),
        ("Hengelo (Gld)", "GM1876", PLACE),
        ("Haren Gn", "GM0014", PLACE),
        # A name with its province narrows to that province.
        ("Hengelo Gelderland", "GM1876", PLACE),
        ("Velp (Gld)", "GM0275", PLACE),
        ("Haren, Groningen", "GM0014", PLACE),
    ],
)
def test_resolves(city: str, code: str, status: str) -> None:
    resolution = INDEX.resolve(city)
    assert (code_of(city), resolution.status) == (code, status)


@pytest.mark.parametrize(
    ("city", "candidates"),
    [
        ("Bergen", ("Bergen (L.)", "Bergen (NH.)")),
        ("Velp", ("Land van Cuijk", "Rheden")),
        # CBS writes the second Haren and Elst with their province: without it, both.
        ("Haren", ("Groningen", "Oss")),
        ("Elst", ("Overbetuwe", "Rhenen")),
        ("Beek (Gld)", ("Berg en Dal", "Montferland")),
    ],
)
def test_ambiguous_names_the_candidates(city: str, candidates: tuple[str, ...]) -> None:
    resolution = INDEX.resolve(city)
    assert (resolution.status, resolution.municipality_id) == (AMBIGUOUS, None)
    assert resolution.candidates == candidates
    assert resolution.unresolved


def test_a_misspelt_name_is_unknown_with_suggestions() -> None:
    resolution = INDEX.resolve("Eindhovn")
    assert (resolution.status, resolution.municipality_id) == (UNKNOWN, None)
    assert resolution.candidates == ("Eindhoven",)
    assert INDEX.resolve("Rotterdan").candidates == ("Rotterdam",)


def test_abroad_nothing_is_looked_up() -> None:
    assert INDEX.resolve("Mol", "BE").status == FOREIGN
    assert INDEX.resolve("Oss", "DE").status == FOREIGN  # a Dutch name, but abroad
    assert INDEX.resolve("Aachen", "de").status == FOREIGN
    # An empty country is the Netherlands: Aachen is then an unknown Dutch place.
    assert INDEX.resolve("Aachen", "").status == UNKNOWN
    assert INDEX.resolve("Oss", "").municipality_id == ID["GM0828"]


def test_empty_places() -> None:
    for city in ("", "   ", "-", "'s"):
        resolution = INDEX.resolve(city)
        assert resolution.municipality_id is None
        assert not resolution.resolved
    assert INDEX.resolve("").status == EMPTY


def test_every_municipality_resolves_to_itself_by_its_own_name() -> None:
    for row in MUNICIPALITIES:
        assert code_of(row["name"]) == row["municipality_code"], row["name"]


def test_every_woonplaats_resolves_or_names_its_candidates() -> None:
    """A woonplaats written as CBS spells it resolves to its own municipality, unless its
    name is also a municipality's (then that municipality), or is shared (then ambiguous,
    with its own municipality among the candidates)."""
    names = {row["municipality_code"]: row["name"] for row in MUNICIPALITIES}
    for row in _rows("places.csv"):
        resolution = INDEX.resolve(row["place"])
        own = row["municipality_code"]
        if resolution.status == AMBIGUOUS:
            assert names[own] in resolution.candidates, row["place"]
        else:
            assert resolution.status in (MUNICIPALITY, PLACE), row["place"]
            if resolution.status == PLACE:
                assert CODE[resolution.municipality_id] == own, row["place"]


def test_every_alias_points_at_one_municipality_and_is_no_name_of_its_own() -> None:
    aliases = load_aliases()
    assert len(aliases) >= 40
    plain = PlaceIndex(INPUT_MUNICIPALITIES, INPUT_PLACES, aliases={})
    for alias, target in aliases.items():
        resolution = INDEX.resolve(alias)
        assert resolution.status == ALIAS, alias
        assert code_of(alias) == code_of(target), alias
        assert plain.resolve(alias).status == UNKNOWN, f"{alias} is a name already"


@given(st.text(max_size=40), st.sampled_from(["", "NL", "nl", "BE", "DE"]))
def test_resolve_never_fails_and_is_consistent(city: str, country: str) -> None:
    resolution = INDEX.resolve(city, country)
    assert resolution.resolved == (resolution.status in (MUNICIPALITY, ALIAS, PLACE))
    if resolution.status == AMBIGUOUS:
        assert len(resolution.candidates) >= 2
    if country.upper() in ("BE", "DE"):
        assert resolution.status == FOREIGN
    assert INDEX.resolve(city, country) == resolution  # the same answer twice


@given(st.sampled_from(MUNICIPALITIES), st.sampled_from(["upper", "lower", "dash", "space"]))
def test_writing_variants_do_not_matter(row: dict[str, str], variant: str) -> None:
    name = row["name"]
    written = {
        "upper": name.upper(),
        "lower": name.lower(),
        "dash": name.replace(" ", "-"),
        "space": name.replace("-", " "),
    }[variant]
    assert code_of(written) == row["municipality_code"]


def test_tokens() -> None:
    assert tokens("'s-Hertogenbosch") == ["hertogenbosch"]
    assert tokens("Alphen a/d Rijn") == tokens("Alphen aan den Rijn")
    assert tokens("St.-Annaparochie") == ["sint", "annaparochie"]
    assert tokens("Gemeente Súdwest-Fryslân") == ["sudwest", "fryslan"]


def test_country_list() -> None:
    codes = countries.codes()
    assert len(codes) == 250  # ISO 3166-1 alpha-2 (249) and XK
    assert all(len(c) == 2 and c.isupper() for c in codes)
    assert countries.name("BE", "nl") == "België"
    assert countries.name("BE", "en") == "Belgium"
    assert countries.name("DE", "nl") == "Duitsland"
    assert countries.name("ES", "en") == "Spain"
    assert countries.name("QQ", "nl") == "QQ"
    assert countries.from_text("be") == ("BE", True)
    assert countries.from_text("België") == ("BE", False)
    assert countries.from_text("Germany") == ("DE", False)
    assert countries.from_text("UK") == ("GB", False)
    assert countries.from_text("Atlantis") == (None, False)
    assert countries.from_text("QQ") == (None, False)

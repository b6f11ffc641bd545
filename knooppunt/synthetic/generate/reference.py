"""Reference data the generator places organisations on: municipalities, places,
provinces, labour-market regions, institutions, SBI codes and themes (the CSV files of
the `places` and `registry` apps), plus each municipality's weight."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from knooppunt.synthetic.generate.parameters import MAIN_MUNICIPALITIES, PROVINCE_WEIGHTS
from knooppunt.synthetic.tables import read_rows

REGISTRY_DATA = Path(__file__).resolve().parents[2] / "registry" / "data"
PLACES_DATA = Path(__file__).resolve().parents[2] / "places" / "data"


@dataclass
class Municipality:
    code: str
    name: str
    province: str
    region: str
    places: list[str]
    main_place: str
    weight: float = 0.0


@dataclass
class ThemeRef:
    code: str
    name_nl: str
    kind: str
    parent: str
    divisions: list[str]


@dataclass
class Reference:
    municipalities: list[Municipality]
    by_code: dict[str, Municipality]
    provinces: dict[str, str]
    regions: dict[str, str]
    institutions: list[dict[str, str]]
    sbi: list[tuple[str, str, str, str]]  # (code, name, division, section)
    themes: dict[str, ThemeRef]


def load_reference() -> Reference:
    places: dict[str, list[str]] = {}
    for row in read_rows(PLACES_DATA / "places.csv"):
        places.setdefault(row["municipality_code"], []).append(row["place"])
    municipalities = []
    for row in read_rows(PLACES_DATA / "municipalities.csv"):
        code = row["municipality_code"]
        own = places.get(code, [])
        base = row["name"].split(" (")[0]
        main = next((p for p in own if p == row["name"]), None)
        main = main or next((p for p in own if p == base), None) or (own[0] if own else base)
        municipalities.append(
            Municipality(
                code,
                row["name"],
                row["province_code"],
                row["labour_market_region_code"],
                sorted(own) or [main],
                main,
            )
        )
    municipalities.sort(key=lambda m: m.code)
    provinces = {
        r["province_code"]: r["province_name"] for r in read_rows(PLACES_DATA / "provinces.csv")
    }
    regions = {
        r["labour_market_region_code"]: r["labour_market_region_name"]
        for r in read_rows(PLACES_DATA / "labour_market_regions.csv")
    }
    sbi = [
        (r["code"], r["name_nl"], r["division"], r["section"])
        for r in read_rows(REGISTRY_DATA / "sbi.csv")
        if r["level"] in {"4", "5"} and r["is_leaf"] == "true" and r["section"]
    ]
    themes = {
        r["code"]: ThemeRef(
            r["code"],
            r["name_nl"],
            r["kind"],
            r["parent_code"],
            [d for d in r["related_sbi_divisions"].split(";") if d],
        )
        for r in read_rows(REGISTRY_DATA / "themes.csv")
    }
    ref = Reference(
        municipalities,
        {m.code: m for m in municipalities},
        provinces,
        regions,
        read_rows(REGISTRY_DATA / "institutions.csv"),
        sbi,
        themes,
    )
    _set_weights(ref)
    return ref


def _set_weights(ref: Reference) -> None:
    """Province weight times 1/rank within the province (see the module docstring)."""
    for province, weight in PROVINCE_WEIGHTS.items():
        members = [m for m in ref.municipalities if m.province == province]
        main = [c for c in MAIN_MUNICIPALITIES[province] if c in ref.by_code]
        rank = {code: i + 1 for i, code in enumerate(main)}
        raw = {m.code: 1.0 / rank.get(m.code, len(main) + 1) for m in members}
        total = sum(raw.values())
        for m in members:
            m.weight = weight * raw[m.code] / total

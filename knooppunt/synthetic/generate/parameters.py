"""The generator's parameters: fixed constants here, tables from `data/generate/`.

Each table keeps the shape the generator uses (dicts in file order, lists, tuples);
the comments say what a table means and where its numbers come from.
"""

from __future__ import annotations

from knooppunt.synthetic.tables import load_json, rows, split, weighted

MARK = "Fictief (gegenereerd)."
REAL_MARK = "Bestaande organisatie; de samenwerkingen in deze dataset zijn fictief (gegenereerd)."
THIS_YEAR = 2026
FULL_SIZE = 250_000
MIN_COMPANIES = 100
RANDSTAD_AND_BRABANT = ("PV26", "PV27", "PV28", "PV30")

# --- places -------------------------------------------------------------------------------

_PROVINCES = rows("generate/provinces.csv")
# Roughly each province's share (%) of business establishments (KvK/CBS, rounded by hand).
PROVINCE_WEIGHTS = {r["province_code"]: float(r["weight"]) for r in _PROVINCES}
# Each province's largest municipalities, biggest first (CBS population, approximately).
MAIN_MUNICIPALITIES = {r["province_code"]: split(r["main_municipalities"]) for r in _PROVINCES}
NEIGHBOURS = {r["province_code"]: split(r["neighbours"]) for r in _PROVINCES}
# Seat of each provincial government: (city, municipality code).
PROVINCE_SEATS = {
    r["province_code"]: (r["seat_city"], r["seat_municipality_code"]) for r in _PROVINCES
}
# Institutions in institutions.csv whose seat DUO's list leaves empty: their best-known
# main location, used here only to place them on the synthetic map.
ASSUMED_SEATS = {
    r["brin"]: (r["city"], r["municipality_code"]) for r in rows("generate/assumed_seats.csv")
}
# (id, name, themes besides "overheid")
MINISTRIES = [
    (r["id"], r["name"], tuple(split(r["themes"]))) for r in rows("generate/ministries.csv")
]

# --- organisations ------------------------------------------------------------------------

_SCHOOLS = rows("generate/school_kinds.csv")
# About the real national numbers of schools (vo boards/locations, mbo, hbo, wo).
SCHOOL_TARGETS = {r["kind"]: int(r["target"]) for r in _SCHOOLS}
# How many themes a (broad) school of a kind gets: (fewest, most).
SCHOOL_THEME_COUNTS = {
    r["kind"]: (int(r["min_themes"]), int(r["max_themes"])) for r in _SCHOOLS if r["min_themes"]
}
OTHER_KIND_SHARES = {r["kind"]: float(r["share"]) for r in rows("generate/other_kinds.csv")}

_SECTIONS = rows("generate/sbi_sections.csv")
# Share of companies per SBI section (hand-set, after the KvK register of learning
# companies: trade, construction, care, business services and hospitality lead).
SECTION_WEIGHTS = {r["section"]: float(r["weight"]) for r in _SECTIONS}
# Words for company names, per SBI section.
SECTION_WORDS = {r["section"]: split(r["words"]) for r in _SECTIONS}
# Regional specialisations: SBI division -> multiplier, per province.
PROVINCE_DIVISION_BONUS: dict[str, dict[str, float]] = {}
for _row in rows("generate/division_bonus.csv"):
    PROVINCE_DIVISION_BONUS.setdefault(_row["province_code"], {})[_row["division"]] = float(
        _row["factor"]
    )

_WORDS = load_json("generate/words.json")
SURNAMES: list[str] = _WORDS["surnames"]
# Made-up brand names: one syllable of each list.
SYLLABLES_A: list[str] = _WORDS["syllables_a"]
SYLLABLES_B: list[str] = _WORDS["syllables_b"]
SYLLABLES_C: list[str] = _WORDS["syllables_c"]
VO_PATTERNS: list[str] = _WORDS["vo_patterns"]
VO_PERSONS: list[str] = _WORDS["vo_persons"]
GENERAL_CROSS_THEMES: list[str] = _WORDS["general_cross_themes"]

_SIZES = rows("generate/company_sizes.csv")
COMPANY_SIZES = [r["size"] for r in _SIZES]
COMPANY_SIZE_WEIGHTS = [int(r["weight"]) for r in _SIZES]
_LEGAL = rows("generate/legal_forms.csv")
LEGAL_FORMS = [f" {r['form']}" if r["form"] else "" for r in _LEGAL]
LEGAL_WEIGHTS = [int(r["weight"]) for r in _LEGAL]
# Words in a real institution's name and the themes they stand for.
SCHOOL_NAME_THEMES = {
    r["word"]: tuple(split(r["themes"])) for r in rows("generate/school_name_themes.csv")
}

# --- partnerships -------------------------------------------------------------------------

_KINDS = rows("generate/partnership_kinds.csv")
PARTNERSHIP_KIND_WEIGHTS = {r["kind"]: int(r["weight"]) for r in _KINDS}
# Which school kinds lead a partnership kind, with weights.
LEAD_KINDS = {r["kind"]: tuple(weighted(r["lead_kinds"])) for r in _KINDS}
# (first year, typical length in years or 0 for open-ended) per kind.
KIND_YEARS = {r["kind"]: (int(r["first_year"]), int(r["years"])) for r in _KINDS}
# Mean size multiplier per kind (members per partnership, before scaling to the total).
KIND_SIZE = {r["kind"]: float(r["size"]) for r in _KINDS}
KIND_NAMES = {r["kind"]: split(r["names"]) for r in _KINDS}
KIND_PHRASES = {r["kind"]: r["phrase"] for r in _KINDS}
NAME_QUALIFIERS: list[str] = _WORDS["name_qualifiers"]
TECHNOHUB_TOPICS: list[str] = _WORDS["technohub_topics"]
TECHNOHUB_THEMES: list[str] = _WORDS["technohub_themes"]
PARTNERSHIP_EXTRA_THEMES: list[str] = _WORDS["partnership_extra_themes"]

_LABELS = rows("generate/theme_labels.csv")
# Short labels of themes, for names.
THEME_LABELS = {r["theme"]: r["label"] for r in _LABELS}
# Public-private partnerships in vocational education lean towards technology and care.
PARTNERSHIP_THEME_BONUS = {
    r["theme"]: float(r["partnership_bonus"]) for r in _LABELS if r["partnership_bonus"]
}
# Where the members of a partnership come from (after the lead), with weights.
MEMBER_SOURCES = [(r["source"], int(r["weight"])) for r in rows("generate/member_sources.csv")]

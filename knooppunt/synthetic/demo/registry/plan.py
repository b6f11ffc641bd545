"""The demo registry as a plan: plain specs built from the tables, before anything is
written. The same inputs always give the same plan (one seeded stream, plus one stream
per seed partnership for its made-up members)."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from typing import Any

from knooppunt.core.text import fold
from knooppunt.registry.services import DATA
from knooppunt.synthetic.tables import column, load_json, read_rows, rows, split

SOURCE = "demo"
SEED = 2026
FICTIONAL_COMPANY = "Fictief bedrijf (demodata)."
FICTIONAL_PARTNERSHIP = "Fictief samenwerkingsverband (demodata)."
# Said by a partnership from the seed texts whose members the demo had to make up.
INVENTED_MEMBERS = "De deelnemers zijn voor de demo verzonnen."
SOME_INVENTED_MEMBERS = "Een deel van de deelnemers is voor de demo verzonnen."
LAST_YEAR = 2025


# --- plan: plain data, built before anything is written -----------------------------------


@dataclass
class OrgSpec:
    external_id: str
    kind: str
    name: str
    municipality: str = ""  # CBS code
    city: str = ""
    themes: tuple[str, ...] = ()
    sbi: tuple[str, ...] = ()
    brin: str = ""
    kvk: str = ""
    website: str = ""
    description: str = ""
    province: str = ""  # for planning only
    country: str = "NL"


@dataclass
class PartnershipSpec:
    external_id: str
    kind: str
    name: str
    municipality: str = ""
    city: str = ""
    themes: tuple[str, ...] = ()
    start_year: int | None = None
    end_year: int | None = None
    description: str = ""
    goals: str = ""
    website: str = ""
    # (organisation external id, role, since year)
    members: list[tuple[str, str, int | None]] = field(default_factory=list)


@dataclass
class PersonSpec:
    name: str
    organisation: str  # external id
    function: str
    email: str = ""
    phone: str = ""
    is_public: bool = False
    contact_for: list[tuple[str, str]] = field(default_factory=list)  # (partnership id, role)


@dataclass
class Plan:
    organisations: list[OrgSpec] = field(default_factory=list)
    partnerships: list[PartnershipSpec] = field(default_factory=list)
    people: list[PersonSpec] = field(default_factory=list)


@dataclass(frozen=True)
class Sector:
    label: str  # short word for partnership names
    themes: tuple[str, ...]  # the first has SBI divisions
    words: tuple[str, ...]  # for company names
    sbi: dict[str, tuple[str, ...]]  # each word's SBI codes: what such a company does
    activity: str
    focus: str
    weight: int
    provinces: tuple[str, ...] = ()  # where companies of this sector may be; empty: anywhere


# --- the tables (data/demo/registry/) -------------------------------------------------------

_PROVINCES = rows("demo/registry/provinces.csv")
# Provincial governments: (province, name, seat, seat's municipality code).
PROVINCE_ORGS = [
    (r["province_code"], r["name"], r["seat_city"], r["seat_municipality_code"]) for r in _PROVINCES
]
# Companies per province (300): more in the Randstad and Noord-Brabant.
COMPANY_COUNTS = {r["province_code"]: int(r["companies"]) for r in _PROVINCES}
# Fictional partnerships per province (40), besides one Technohub in every province.
PARTNERSHIP_COUNTS = {r["province_code"]: int(r["partnerships"]) for r in _PROVINCES}
NEIGHBOURS = {r["province_code"]: split(r["neighbours"]) for r in _PROVINCES}
# "Brabantse", for company names.
REGIONAL = {r["province_code"]: r["adjective"] for r in _PROVINCES}
# Municipal governments: (province, name, municipality code).
MUNICIPALITY_ORGS = [
    (r["province_code"], r["name"], r["municipality_code"])
    for r in rows("demo/registry/municipal_governments.csv")
]
# (place, CBS municipality code) per province, most important first.
PROVINCE_CITIES: dict[str, list[tuple[str, str]]] = {}
for _row in rows("demo/registry/cities.csv"):
    PROVINCE_CITIES.setdefault(_row["province_code"], []).append(
        (_row["place"], _row["municipality_code"])
    )
SURNAMES = column("demo/registry/surnames.csv", "surname")
FIRST_NAMES = column("demo/registry/first_names.csv", "first_name")
SECTORS = [
    Sector(
        s["label"],
        tuple(s["themes"]),
        tuple(s["words"]),
        {word: tuple(codes) for word, codes in s["words"].items()},
        s["activity"],
        s["focus"],
        s["weight"],
        tuple(s.get("provinces", ())),
    )
    for s in load_json("demo/registry/sectors.json")
]
# Sectors more common in a province: sector label -> factor.
PROVINCE_SECTOR_BONUS: dict[str, dict[str, int]] = {}
for _row in rows("demo/registry/sector_bonus.csv"):
    PROVINCE_SECTOR_BONUS.setdefault(_row["province_code"], {})[_row["sector"]] = int(
        _row["factor"]
    )
_KINDS = rows("demo/registry/partnership_kinds.csv")
# Name patterns of the kinds spread over the provinces (one Technohub per province besides).
KIND_NAMES = {r["kind"]: r["name"] for r in _KINDS if r["kind"] != "technohub"}
TECHNOHUB_NAME = next(r["name"] for r in _KINDS if r["kind"] == "technohub")
KIND_PHRASES = {r["kind"]: r["phrase"] for r in _KINDS}
LEAD_KINDS = {r["kind"]: tuple(split(r["lead_kinds"])) for r in _KINDS}
# The years a partnership of a kind may have started in (the kind's first year on).
START_YEARS = {r["kind"]: (int(r["first_year"]), int(r["last_year"] or LAST_YEAR)) for r in _KINDS}
TECHNOHUB_TOPICS = column("demo/registry/technohub_topics.csv", "topic")
# Institutions with a narrow profile take part only in generated partnerships of these sectors
# (none listed: never). All other institutions are treated as broad.
SPECIALISED = {
    r["brin"]: tuple(split(r["sectors"]))
    for r in rows("demo/registry/specialised_institutions.csv")
}
_TEXTS = load_json("demo/registry/texts.json")
CROSS_THEMES: tuple[str, ...] = tuple(_TEXTS["cross_themes"])
GOALS: list[str] = _TEXTS["goals"]
COMPANY_EXTRAS: list[str] = _TEXTS["company_extras"]
COMPANY_FUNCTIONS: list[str] = _TEXTS["company_functions"]
# How a company describes itself, and the staff numbers that fit each description.
COMPANY_STAFF = {
    r["size"]: [int(n) for n in split(r["staff"])] for r in rows("demo/registry/company_sizes.csv")
}
SCHOOL_FUNCTIONS: list[str] = _TEXTS["school_functions"]


def _org_spec(data: dict[str, Any]) -> OrgSpec:
    return OrgSpec(
        data["external_id"],
        data["kind"],
        data["name"],
        data.get("municipality", ""),
        data.get("city", ""),
        tuple(data.get("themes", ())),
        description=data["description"],
        country=data.get("country", "NL"),
    )


def _partnership_spec(data: dict[str, Any]) -> tuple[PartnershipSpec, dict[str, Any]]:
    return PartnershipSpec(
        data["external_id"],
        data["kind"],
        data["name"],
        data.get("municipality", ""),
        data.get("city", ""),
        tuple(data.get("themes", ())),
        description=data["description"],
        goals=data.get("goals", ""),
        members=[(m["organisation"], m["role"], None) for m in data["members"]],
    ), data.get("demo_members", {})


def _seed_organisations() -> list[OrgSpec]:
    return [_org_spec(o) for o in load_json("demo/registry/seed_organisations.json")]


def _abroad_organisations() -> list[OrgSpec]:
    """Fictional partners abroad (interchange format 1.1: a country, no municipality)."""
    return [_org_spec(o) for o in load_json("demo/registry/abroad_organisations.json")]


# Members of a partnership besides its lead, at most, when a partner abroad joins it.
ABROAD_JOINS_BELOW = 12


def _seed_partnerships() -> list[tuple[PartnershipSpec, dict[str, Any]]]:
    """The partnerships named in the seed texts, each with what to add as its members."""
    return [_partnership_spec(p) for p in load_json("demo/registry/seed_partnerships.json")]


def _seed_people() -> list[PersonSpec]:
    return [
        PersonSpec(r["name"], r["organisation"], r["function"], is_public=r["is_public"] == "true")
        for r in rows("demo/registry/seed_people.csv")
    ]


def _company_name(rng: random.Random, sector: Sector, province: str, city: str) -> tuple[str, str]:
    """A company name and the sector word in it (which decides its SBI codes)."""
    word = rng.choice(sector.words)
    pattern = rng.random()
    if pattern < 0.7:
        surname = rng.choice(SURNAMES)
        legal = rng.choices([" B.V.", "", " & Zonen B.V."], weights=[62, 28, 10])[0]
        return f"{surname[0].upper()}{surname[1:]} {word}{legal}", word
    legal = rng.choices([" B.V.", ""], weights=[70, 30])[0]
    if pattern < 0.85:
        return f"{REGIONAL[province]} {word}{legal}", word
    return f"{city} {word}{legal}", word


def _slug(name: str) -> str:
    return fold(name.replace(" B.V.", "").replace("&", " ")).replace(" ", "-")


def _pick_city(rng: random.Random, province: str) -> tuple[str, str]:
    cities = PROVINCE_CITIES[province]
    return rng.choices(cities, weights=range(len(cities) + 1, 1, -1))[0]


def _sector_for(rng: random.Random, province: str) -> Sector:
    bonus = PROVINCE_SECTOR_BONUS.get(province, {})
    weights = [
        s.weight * bonus.get(s.label, 1) if not s.provinces or province in s.provinces else 0
        for s in SECTORS
    ]
    return rng.choices(SECTORS, weights=weights)[0]


def _institutions() -> list[dict[str, str]]:
    return read_rows(DATA / "institutions.csv")


def build_plan(province_of: dict[str, str], position_of: dict[str, tuple[float, float]]) -> Plan:
    """The whole demo data set as plain specs; the same inputs always give the same plan.

    `province_of` maps municipality code -> province code, `position_of` municipality
    code -> (latitude, longitude).
    """
    rng = random.Random(SEED)
    plan = Plan()
    orgs = plan.organisations
    schools: list[OrgSpec] = []
    for row in _institutions():
        spec = OrgSpec(
            f"brin:{row['brin']}",
            row["kind"],
            row["name"],
            row["municipality_code"],
            row["city"],
            brin=row["brin"],
            province=province_of.get(row["municipality_code"], ""),
        )
        schools.append(spec)
    orgs += schools
    orgs += _seed_organisations()
    government: dict[str, list[OrgSpec]] = {}
    for province, name, city, code in PROVINCE_ORGS:
        spec = OrgSpec(
            f"gov:province-{province.lower()}",
            "province",
            f"Provincie {name}",
            code,
            city,
            ("overheid",),
            description=f"Provinciale overheid, zetel in {city}.",
            province=province,
        )
        government.setdefault(province, []).append(spec)
        orgs.append(spec)
    for province, name, code in MUNICIPALITY_ORGS:
        spec = OrgSpec(
            f"gov:municipality-{code.lower()}",
            "municipality",
            f"Gemeente {name}",
            code,
            name,
            ("overheid",),
            description="Gemeentelijke overheid.",
            province=province,
        )
        government.setdefault(province, []).append(spec)
        orgs.append(spec)

    # Companies.
    companies: dict[str, list[tuple[OrgSpec, Sector]]] = {p: [] for p in PROVINCE_CITIES}
    names: set[str] = set()
    number = 0
    for province, count in COMPANY_COUNTS.items():
        for _ in range(count):
            number += 1
            sector = _sector_for(rng, province)
            city, code = _pick_city(rng, province)
            name, word = _company_name(rng, sector, province, city)
            while name in names:
                name, word = _company_name(rng, sector, province, city)
            names.add(name)
            extra = rng.sample(sector.themes[1:], k=rng.randint(0, min(2, len(sector.themes) - 1)))
            themes = (sector.themes[0], *extra)
            # What the name says the company does: the word's first SBI code, sometimes a
            # second one of the same word.
            codes = sector.sbi[word]
            sbi = tuple(sorted(codes[:2] if len(codes) > 1 and rng.random() < 0.3 else codes[:1]))
            size = rng.choice(list(COMPANY_STAFF))
            staff = rng.choice(COMPANY_STAFF[size])
            description = " ".join(
                part
                for part in (
                    FICTIONAL_COMPANY,
                    f"{size} in {city} {sector.activity}.",
                    f"Circa {staff} medewerkers.",
                    rng.choice(COMPANY_EXTRAS),
                )
                if part
            )
            website = f"https://{_slug(name)}.example.nl" if rng.random() < 0.45 else ""
            spec = OrgSpec(
                f"gen-company-{number:04d}",
                "company",
                name,
                code,
                city,
                themes,
                sbi,
                kvk=f"0099{number:04d}",
                website=website,
                description=description,
                province=province,
            )
            companies[province].append((spec, sector))
            orgs.append(spec)

    # Partnerships.
    def schools_for(
        province: str, kinds: tuple[str, ...], sector: Sector, exclude: str = ""
    ) -> list[OrgSpec]:
        fitting = [
            s
            for s in schools
            if s.kind in kinds
            and s.external_id != exclude
            and sector.label in SPECIALISED.get(s.brin, (sector.label,))
        ]
        for where in [province, *NEIGHBOURS[province]]:
            found = [s for s in fitting if s.province == where]
            if found:
                return found
        return fitting

    kinds = list(KIND_NAMES) * 6
    schedule = [p for p, n in PARTNERSHIP_COUNTS.items() for _ in range(n)]
    kinds = kinds[: len(schedule)]
    rng.shuffle(kinds)
    schedule_kinds = list(zip(schedule, kinds, strict=True))
    schedule_kinds += [(p, "technohub") for p in PROVINCE_CITIES]
    partnership_names: set[str] = set()
    topics = list(TECHNOHUB_TOPICS)
    rng.shuffle(topics)
    contacts: list[PersonSpec] = []
    for number, (province, kind) in enumerate(schedule_kinds, start=1):
        pool = companies[province]
        if kind == "technohub":
            sector = next(s for s in SECTORS if s.label == "Maakindustrie")
            topic = topics.pop()
        else:
            sector = rng.choice(pool)[1]
            topic = ""
        lead = rng.choice(schools_for(province, LEAD_KINDS[kind], sector))
        city, code = (
            (lead.city, lead.municipality)
            if lead.province == province and (rng.random() < 0.6)
            else _pick_city(rng, province)
        )
        template = TECHNOHUB_NAME if kind == "technohub" else KIND_NAMES[kind]
        name = template.format(label=topic or sector.label, city=city)
        while name in partnership_names:
            city, code = _pick_city(rng, province)
            name = template.format(label=topic or sector.label, city=city)
        partnership_names.add(name)
        first, last = START_YEARS[kind]
        start = rng.randint(first, last)
        end = None
        if kind != "technohub" and rng.random() < 0.18 and start + 2 <= LAST_YEAR:
            end = min(LAST_YEAR, start + rng.randint(2, 4))

        def since(start: int = start, end: int | None = end) -> int:
            return rng.randint(start, end or LAST_YEAR)

        members: list[tuple[str, str, int | None]] = [(lead.external_id, "lead", start)]
        second = None
        if kind == "technohub" or rng.random() < 0.5:
            second_kinds = (
                ("school_mbo", "school_hbo")
                if kind == "technohub"
                else ("school_mbo", "school_hbo", "school_wo")
            )
            second = rng.choice(schools_for(province, second_kinds, sector, lead.external_id))
            members.append((second.external_id, "partner", since()))
        # Companies with the partnership's main theme: from the province, then from the
        # neighbouring provinces; others from the province only to reach two.
        theme = sector.themes[0]
        matching = [c for c, _ in pool if theme in c.themes]
        nearby = [c for p in NEIGHBOURS[province] for c, _ in companies[p] if theme in c.themes]
        others = [c for c, _ in pool if theme not in c.themes]
        for group in (matching, nearby, others):
            rng.shuffle(group)
        chosen = (matching + nearby)[: rng.randint(2, 9)]
        chosen += others[: max(0, 2 - len(chosen))]
        for i, company in enumerate(chosen):
            role = (
                "founder"
                if i == 0 and rng.random() < 0.5
                else rng.choice(["partner", "partner", "member"])
            )
            members.append((company.external_id, role, start if role == "founder" else since()))
        if kind == "technohub":
            members.append(("seed:ao-metalektro", "funder", start))
        elif rng.random() < 0.45:
            local = [g for g in government[province] if g.municipality == code]
            funder = rng.choice(local or government[province])
            members.append((funder.external_id, "funder", since()))
        extra = rng.sample(sector.themes[1:], k=rng.randint(1, min(2, len(sector.themes) - 1)))
        themes = (sector.themes[0], *extra, rng.choice(CROSS_THEMES))
        focus = f"{topic.lower()} en {sector.focus}" if topic else sector.focus
        company_count = len(chosen)
        description = (
            f"{FICTIONAL_PARTNERSHIP} {KIND_PHRASES[kind]}. {lead.name} werkt hier samen met "
            f"{company_count} bedrijven"
            + (f" en {second.name}" if second else "")
            + f" aan {focus}."
        )
        if kind == "technohub":
            description += " Naam, deelnemers en cijfers zijn verzonnen."
        goals = " ".join(rng.sample(GOALS, k=2))
        external_id = f"gen-partnership-{number:03d}"
        plan.partnerships.append(
            PartnershipSpec(
                external_id,
                kind,
                name,
                code,
                city,
                themes,
                start,
                end,
                description,
                goals,
                f"https://{_slug(name)}.example.nl" if rng.random() < 0.4 else "",
                members,
            )
        )
        # One contact at the lead school; sometimes one for the companies too.
        # The institution is real and the person is not: say so in the function.
        functions = SCHOOL_FUNCTIONS + (["Lector"] if lead.kind == "school_hbo" else [])
        contacts.append(
            PersonSpec(
                "",
                lead.external_id,
                f"{rng.choice(functions)} (fictief)",
                contact_for=[(external_id, "Programmaleiding")],
            )
        )
        if chosen and rng.random() < 0.5:
            contacts.append(
                PersonSpec(
                    "",
                    rng.choice(chosen).external_id,
                    rng.choice(COMPANY_FUNCTIONS),
                    contact_for=[(external_id, "Contact voor bedrijven")],
                )
            )

    # Partners abroad: each joins a European partnership (a CoVE, else a hub) with room.
    abroad = _abroad_organisations()
    orgs += abroad
    european = [p for kind in ("cove", "hub") for p in plan.partnerships if p.kind == kind]
    for i, partner in enumerate(abroad):
        roomy = [p for p in european if len(p.members) - 1 < ABROAD_JOINS_BELOW]
        target = roomy[i % len(roomy)]
        target.members.append((partner.external_id, "partner", target.start_year))

    # People: partnership contacts first, then staff of random companies, 120 in all.
    all_companies = [c for p in PROVINCE_CITIES for c, _ in companies[p]]
    while len(contacts) < 120:
        contacts.append(
            PersonSpec("", rng.choice(all_companies).external_id, rng.choice(COMPANY_FUNCTIONS))
        )
    person_names: set[str] = set()
    for person in contacts:
        name = f"{rng.choice(FIRST_NAMES)} {rng.choice(SURNAMES)}"
        while name in person_names:
            name = f"{rng.choice(FIRST_NAMES)} {rng.choice(SURNAMES)}"
        person_names.add(name)
        person.name = name
        person.email = f"{fold(name).replace(' ', '.', 1).replace(' ', '')}@example.nl"
        person.phone = f"06-00{rng.randrange(10**6):06d}"
        person.is_public = rng.random() < 0.15
    plan.people = [*_seed_people(), *contacts]
    seeds = _seed_partnerships()
    for seed_partnership, fill in seeds:
        if fill:
            _add_demo_members(
                seed_partnership, fill, schools, companies, government, province_of, position_of
            )
    plan.partnerships = [*(p for p, _fill in seeds), *plan.partnerships]
    return plan


def _add_demo_members(
    partnership: PartnershipSpec,
    fill: dict[str, Any],
    schools: list[OrgSpec],
    companies: dict[str, list[tuple[OrgSpec, Sector]]],
    government: dict[str, list[OrgSpec]],
    province_of: dict[str, str],
    position_of: dict[str, tuple[float, float]],
) -> None:
    """Members for a partnership named in the seed texts, which say nothing about them.

    `fill` (from seed_partnerships.json) asks for school kinds, a number of companies of
    some sectors and, if wanted, the municipality. Each school kind gives the nearest
    institution that takes part in the sector; the companies are drawn (a stream of their
    own per partnership) from the sector's fictional companies in the province, then the
    neighbouring ones. The description says the members are made up.
    """
    rng = random.Random(f"{SEED}:{partnership.external_id}")
    code = partnership.municipality
    province = province_of[code]
    here = position_of[code]
    sectors = fill["sectors"]
    taken = {org_id for org_id, _role, _since in partnership.members}
    note = SOME_INVENTED_MEMBERS if taken else INVENTED_MEMBERS
    has_lead = any(role == "lead" for _org, role, _since in partnership.members)

    def distance(school: OrgSpec) -> float:
        """In degrees of latitude; longitude shrunk by the cosine of the latitude."""
        there = position_of.get(school.municipality)
        if there is None:
            return math.inf
        shrink = math.cos(math.radians(here[0]))
        return math.hypot(there[0] - here[0], (there[1] - here[1]) * shrink)

    for kind in fill.get("schools", ()):
        fitting = [
            s
            for s in schools
            if s.kind == kind
            and s.external_id not in taken
            and any(label in SPECIALISED.get(s.brin, (label,)) for label in sectors)
        ]
        school = min(fitting, key=lambda s: (distance(s), s.external_id))
        partnership.members.append((school.external_id, "partner" if has_lead else "lead", None))
        has_lead = True
        taken.add(school.external_id)
    pool = [c for c, sector in companies[province] if sector.label in sectors]
    nearby = [
        c for p in NEIGHBOURS[province] for c, sector in companies[p] if sector.label in sectors
    ]
    for group in (pool, nearby):
        rng.shuffle(group)
    for company in (pool + nearby)[: fill.get("companies", 0)]:
        partnership.members.append((company.external_id, rng.choice(["partner", "member"]), None))
    if fill.get("municipality"):
        for body in government.get(province, []):
            if body.kind == "municipality" and body.municipality == code:
                partnership.members.append((body.external_id, "funder", None))
    partnership.description += " " + note

"""The generator: organisations, then partnerships and their members, as CSV rows."""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from knooppunt.synthetic.generate.helpers import (
    Names,
    Picker,
    core_name,
    fictional_brin,
    kvk_number,
    roman,
    slug,
)
from knooppunt.synthetic.generate.parameters import (
    ASSUMED_SEATS,
    COMPANY_SIZE_WEIGHTS,
    COMPANY_SIZES,
    FULL_SIZE,
    GENERAL_CROSS_THEMES,
    KIND_NAMES,
    KIND_PHRASES,
    KIND_SIZE,
    KIND_YEARS,
    LEAD_KINDS,
    LEGAL_FORMS,
    LEGAL_WEIGHTS,
    MARK,
    MEMBER_SOURCES,
    MIN_COMPANIES,
    MINISTRIES,
    NAME_QUALIFIERS,
    NEIGHBOURS,
    OTHER_KIND_SHARES,
    PARTNERSHIP_EXTRA_THEMES,
    PARTNERSHIP_KIND_WEIGHTS,
    PARTNERSHIP_THEME_BONUS,
    PROVINCE_DIVISION_BONUS,
    PROVINCE_SEATS,
    PROVINCE_WEIGHTS,
    REAL_MARK,
    SCHOOL_NAME_THEMES,
    SCHOOL_TARGETS,
    SCHOOL_THEME_COUNTS,
    SECTION_WEIGHTS,
    SECTION_WORDS,
    SURNAMES,
    SYLLABLES_A,
    SYLLABLES_B,
    SYLLABLES_C,
    TECHNOHUB_THEMES,
    TECHNOHUB_TOPICS,
    THEME_LABELS,
    THIS_YEAR,
    VO_PATTERNS,
    VO_PERSONS,
)
from knooppunt.synthetic.generate.reference import Municipality, Reference


@dataclass
class Counts:
    organisations: dict[str, int] = field(default_factory=dict)
    partnerships: dict[str, int] = field(default_factory=dict)
    memberships: int = 0
    seconds: float = 0.0

    @property
    def organisation_total(self) -> int:
        return sum(self.organisations.values())

    @property
    def partnership_total(self) -> int:
        return sum(self.partnerships.values())


@dataclass
class Org:
    """What partnerships need to know about an organisation (kept in memory)."""

    id: str
    kind: str
    municipality: str
    region: str
    province: str
    themes: tuple[str, ...]


class Generator:
    def __init__(
        self, ref: Reference, *, organisations: int, partnerships: int, memberships: int, seed: int
    ) -> None:
        self.ref = ref
        self.n_org = organisations
        self.n_ps = partnerships
        self.n_ms = memberships
        self.seed = seed
        self.names = Names()
        self.orgs: list[Org] = []
        self.counts = Counts()
        # Pools of organisation indices.
        self.by_region_theme: dict[tuple[str, str], list[int]] = {}
        self.by_region: dict[str, list[int]] = {}
        self.by_theme: dict[str, list[int]] = {}
        self.schools: dict[tuple[str, str], list[int]] = {}  # (kind, region|province|"") -> idx
        self.public_by_region: dict[str, list[int]] = {}
        self.municipality_org: dict[str, int] = {}
        self.province_org: dict[str, int] = {}
        self.theme_children: dict[str, list[str]] = {}
        for theme in ref.themes.values():
            if theme.parent:
                self.theme_children.setdefault(theme.parent, []).append(theme.code)
        self.division_themes: dict[str, list[str]] = {}
        for theme in ref.themes.values():
            for division in theme.divisions:
                self.division_themes.setdefault(division, []).append(theme.code)

    def rng(self, stream: str) -> random.Random:
        # Synthetic data, not security: a seeded non-crypto generator is the point.
        return random.Random(f"knooppunt-generate:{self.seed}:{stream}")

    # -- plan --------------------------------------------------------------------------

    def plan_kinds(self) -> dict[str, int]:
        """How many organisations of each kind; raises ValueError when too few are asked."""
        scale = self.n_org / FULL_SIZE
        real = {kind: 0 for kind in SCHOOL_TARGETS}
        for row in self.ref.institutions:
            real[row["kind"]] += 1
        plan = {
            f"fictional_{kind}": max(0, round(target * scale) - real[kind])
            for kind, target in SCHOOL_TARGETS.items()
        }
        for kind, share in OTHER_KIND_SHARES.items():
            plan[kind] = round(self.n_org * share)
        fixed = (
            len(self.ref.institutions)
            + len(self.ref.municipalities)
            + len(self.ref.provinces)
            + len(MINISTRIES)
        )
        companies = self.n_org - fixed - sum(plan.values())
        if companies < MIN_COMPANIES:
            minimum = math.ceil((fixed + MIN_COMPANIES + plan["fictional_school_vo"]) * 1.02)
            raise ValueError(f"--organisations must be at least about {minimum}")
        plan["company"] = companies
        return plan

    def check(self) -> dict[str, int]:
        plan = self.plan_kinds()
        if self.n_ps < 1:
            raise ValueError("--partnerships must be at least 1")
        if self.n_ms < self.n_ps:
            raise ValueError("--memberships must be at least --partnerships (each has a lead)")
        if self.n_ms > self.n_ps * self.n_org // 2:
            raise ValueError("--memberships is too large for this many organisations")
        if plan["company"] > 980_000:
            raise ValueError("at most 980,000 companies (the fictional KvK block)")
        return plan

    # -- organisations -----------------------------------------------------------------

    def _add(self, org: Org, *, pooled: bool = True) -> int:
        idx = len(self.orgs)
        self.orgs.append(org)
        self.counts.organisations[org.kind] = self.counts.organisations.get(org.kind, 0) + 1
        if org.kind.startswith("school_"):
            for key in (org.region, org.province, ""):
                self.schools.setdefault((org.kind, key), []).append(idx)
        elif org.kind in {"municipality", "province"}:
            self.public_by_region.setdefault(org.region, []).append(idx)
        elif pooled:
            self.by_region.setdefault(org.region, []).append(idx)
            for theme in org.themes:
                self.by_region_theme.setdefault((org.region, theme), []).append(idx)
                self.by_theme.setdefault(theme, []).append(idx)
            if org.kind == "intermediary":
                self.public_by_region.setdefault(org.region, []).append(idx)
        return idx

    def _city(self, rng: random.Random, m: Municipality) -> str:
        return m.main_place if rng.random() < 0.6 else rng.choice(m.places)

    def _theme_names(self, codes: Sequence[str]) -> str:
        return ";".join(self.ref.themes[c].name_nl for c in codes)

    def organisations(self, writer: Any, plan: dict[str, int]) -> None:
        ref = self.ref
        rng = self.rng("organisations")
        muni_picker = Picker(ref.municipalities, [m.weight for m in ref.municipalities])
        school_picker = Picker(
            ref.municipalities, [math.sqrt(m.weight) for m in ref.municipalities]
        )
        domain_codes = [t.code for t in ref.themes.values() if t.kind in {"domain", "topsector"}]

        def row(org: Org, name: str, city: str, **cells: str) -> None:
            writer.writerow(
                [
                    org.id,
                    name,
                    org.kind,
                    org.municipality,
                    city,
                    cells.get("brin", ""),
                    cells.get("kvk", ""),
                    cells.get("sbi", ""),
                    self._theme_names(org.themes),
                    cells.get("website", ""),
                    cells.get("description", ""),
                ]
            )

        def org_at(idx: str, kind: str, m: Municipality | None, themes: Sequence[str]) -> Org:
            if m is None:
                return Org(idx, kind, "", "", "", tuple(themes))
            return Org(idx, kind, m.code, m.region, m.province, tuple(themes))

        # Real schools.
        for inst in ref.institutions:
            code, city = inst["municipality_code"], inst["city"]
            if not code and inst["brin"] in ASSUMED_SEATS:
                city, code = ASSUMED_SEATS[inst["brin"]]
            m = ref.by_code.get(code)
            org = org_at(
                f"brin:{inst['brin']}",
                inst["kind"],
                m,
                self._school_themes(rng, inst, domain_codes),
            )
            self.names.used.add(core_name(inst["name"]))
            self._add(org)
            row(org, inst["name"], city, brin=inst["brin"], description=REAL_MARK)
        # Fictional schools.
        brin_n = 0
        for kind in SCHOOL_TARGETS:
            for _ in range(plan[f"fictional_{kind}"]):
                m = school_picker(rng)
                city = m.main_place if rng.random() < 0.85 else rng.choice(m.places)
                themes: list[str]
                if kind == "school_vo":
                    themes = ["onderwijs"]

                    def vo_name(attempt: int, city: str = city) -> str:
                        pattern = rng.choice(VO_PATTERNS)
                        name = pattern.format(place=city, person=rng.choice(VO_PERSONS))
                        return name if attempt < 5 else f"{name} {roman(attempt - 3)}"

                    name = self.names.take(vo_name)
                    description = f"{MARK} School voor voortgezet onderwijs in {city}."
                else:
                    lo, hi = SCHOOL_THEME_COUNTS[kind]
                    themes = sorted(rng.sample(domain_codes, rng.randint(lo, hi)))
                    label = {"school_mbo": "Vakcollege", "school_hbo": "Hogeschool",
                             "school_wo": "Universiteit"}[kind]  # fmt: skip

                    def school_name(attempt: int, label: str = label, city: str = city) -> str:
                        return f"{label} {city}" + (f" {roman(attempt + 1)}" if attempt else "")

                    name = self.names.take(school_name)
                    description = f"{MARK} Onderwijsinstelling in {city}."
                brin = fictional_brin(brin_n)
                brin_n += 1
                org = org_at(f"brin:{brin}", kind, m, themes)
                self._add(org)
                row(org, name, city, brin=brin, description=description)
        # Public bodies.
        for province, pname in sorted(ref.provinces.items()):
            city, code = PROVINCE_SEATS[province]
            m = ref.by_code[code]
            org = org_at(f"pv:{province}", "province", m, ["overheid"])
            self.province_org[province] = self._add(org)
            self.names.used.add(core_name(f"Provincie {pname}"))
            row(org, f"Provincie {pname}", city, description=REAL_MARK)
        for m in ref.municipalities:
            org = org_at(f"gm:{m.code}", "municipality", m, ["overheid"])
            self.municipality_org[m.code] = self._add(org)
            self.names.used.add(core_name(f"Gemeente {m.name}"))
            row(org, f"Gemeente {m.name}", m.main_place, description=REAL_MARK)
        seat = ref.by_code["GM0518"]
        for ext_id, name, themes_ in MINISTRIES:
            org = org_at(ext_id, "national_government", seat, ["overheid", *themes_])
            self._add(org, pooled=False)
            self.names.used.add(core_name(name))
            row(org, name, seat.main_place, description=REAL_MARK)
        # Associations, knowledge institutes, intermediaries, others, companies.
        number = 0
        for kind in ("industry_association", "knowledge_institute", "intermediary", "other"):
            for _ in range(plan[kind]):
                number += 1
                m = muni_picker(rng)
                city = self._city(rng, m)
                org, name = self._other_org(rng, kind, m, city, number)
                self._add(org)
                row(org, name, city, kvk=kvk_number(number), description=self._other_description(
                    kind, city, org.themes))  # fmt: skip
        self.companies(rng, writer, plan["company"], number, muni_picker, row)

    @staticmethod
    def _school_themes(
        rng: random.Random, inst: dict[str, str], domain_codes: list[str]
    ) -> list[str]:
        """Themes a specialised school's name suggests; a broad school gets several at random."""
        name = inst["name"].casefold()
        themes = sorted({t for word, ts in SCHOOL_NAME_THEMES.items() if word in name for t in ts})
        lo, hi = SCHOOL_THEME_COUNTS[inst["kind"]]
        if not themes:
            themes = rng.sample(domain_codes, rng.randint(lo, hi))
        return sorted(themes)

    def _other_org(
        self, rng: random.Random, kind: str, m: Municipality, city: str, number: int
    ) -> tuple[Org, str]:
        ref = self.ref
        region = ref.regions[m.region]
        domain = rng.choice(
            sorted(c for c in THEME_LABELS if ref.themes[c].kind != "cross_cutting")
        )
        themes = [domain]
        if kind == "industry_association":
            patterns = ["Branchevereniging {label} {region}", "Ondernemersvereniging {city}",
                        "Vereniging {label} {province}", "Bedrijvenkring {city}",
                        "Platform {label} {region}"]  # fmt: skip
        elif kind == "knowledge_institute":
            patterns = ["Kenniscentrum {label} {region}", "Instituut voor {label} {city}",
                        "{brand} Research", "Expertisecentrum {label} {province}"]  # fmt: skip
        elif kind == "intermediary":
            themes.append(rng.choice(["arbeidsmarkt", "onderwijs", "leven_lang_ontwikkelen"]))
            patterns = ["Talentpunt {region}", "Stichting {brand} Werkt", "Praktijkpunt {city}",
                        "Netwerk {label} {region}", "Leerwerkpunt {city}",
                        "Platform Onderwijs & Bedrijf {city}"]  # fmt: skip
        else:
            themes = [rng.choice(["ondernemerschap", "leven_lang_ontwikkelen", domain])]
            patterns = ["Stichting {brand}", "Fonds {label} {region}", "Coöperatie {brand}",
                        "Stichting {label} {city}"]  # fmt: skip

        def candidate(attempt: int) -> str:
            name = rng.choice(patterns).format(
                label=THEME_LABELS[domain],
                region=region,
                city=city,
                province=ref.provinces[m.province],
                brand=self._brand(rng),
            )
            return name if attempt < 4 else f"{name} {roman(attempt - 2)}"

        name = self.names.take(candidate)
        org = Org(f"gen-org-{number:06d}", kind, m.code, m.region, m.province, tuple(themes))
        return org, name

    def _other_description(self, kind: str, city: str, themes: Sequence[str]) -> str:
        what = {
            "industry_association": "Brancheorganisatie",
            "knowledge_institute": "Kennisinstelling",
            "intermediary": "Intermediair tussen onderwijs en arbeidsmarkt",
            "other": "Organisatie",
        }[kind]
        return f"{MARK} {what} in {city}, actief in {self.ref.themes[themes[0]].name_nl.lower()}."

    @staticmethod
    def _brand(rng: random.Random) -> str:
        return rng.choice(SYLLABLES_A) + rng.choice(SYLLABLES_B) + rng.choice(SYLLABLES_C)

    def companies(
        self,
        rng: random.Random,
        writer: Any,
        count: int,
        first_number: int,
        muni_picker: Picker,
        row: Callable[..., None],
    ) -> None:
        ref = self.ref
        section_sizes: dict[str, int] = {}
        for _code, _name, _division, section in ref.sbi:
            section_sizes[section] = section_sizes.get(section, 0) + 1
        sbi_pickers = {}
        for province in PROVINCE_WEIGHTS:
            bonus = PROVINCE_DIVISION_BONUS.get(province, {})
            weights = [
                SECTION_WEIGHTS.get(section, 0.0)
                / section_sizes[section]
                * bonus.get(division, 1.0)
                for _code, _name, division, section in ref.sbi
            ]
            sbi_pickers[province] = Picker(ref.sbi, weights)
        size_picker = Picker(COMPANY_SIZES, COMPANY_SIZE_WEIGHTS)
        legal_picker = Picker(LEGAL_FORMS, LEGAL_WEIGHTS)
        for i in range(count):
            number = first_number + i + 1
            m: Municipality = muni_picker(rng)
            city = self._city(rng, m)
            sbi = [sbi_pickers[m.province](rng)]
            if rng.random() < 0.2:
                second = sbi_pickers[m.province](rng)
                if second[0] != sbi[0][0]:
                    sbi.append(second)
            themes: list[str] = []
            for _code, _name, division, _section in sbi:
                linked = self.division_themes.get(division, [])
                if linked:
                    k = 1 if len(linked) == 1 or rng.random() < 0.6 else 2
                    for theme in rng.sample(linked, k):
                        if theme not in themes:
                            themes.append(theme)
            if themes and rng.random() < 0.25:
                children = self.theme_children.get(themes[0], [])
                if children:
                    child = rng.choice(children)
                    if child not in themes:
                        themes.append(child)
            if rng.random() < 0.05:
                extra = rng.choice(GENERAL_CROSS_THEMES)
                if extra not in themes:
                    themes.append(extra)
            section = sbi[0][3]
            words = SECTION_WORDS[section]
            legal = legal_picker(rng)

            def candidate(attempt: int, words: list[str] = words, city: str = city,
                          legal: str = legal) -> str:  # fmt: skip
                word = rng.choice(words)
                pattern = rng.random()
                if attempt >= 3:
                    base = f"{self._brand(rng)} {word} {city}"
                elif pattern < 0.1:
                    base = f"{rng.choice(SURNAMES)} {word}"
                elif pattern < 0.25:
                    base = f"{rng.choice(SURNAMES)} {word} {city}"
                elif pattern < 0.65:
                    base = f"{self._brand(rng)} {word}"
                elif pattern < 0.75:
                    base = self._brand(rng)
                elif pattern < 0.85:
                    base = f"{city} {word}"
                else:
                    base = f"{rng.choice(SURNAMES)} & {rng.choice(SURNAMES).split()[-1]} {word}"
                if attempt >= 8:
                    base += f" {roman(attempt - 6)}"
                return base + legal

            name = self.names.take(candidate)
            website = f"https://{slug(core_name(name))}.example.nl" if rng.random() < 0.35 else ""
            activity = sbi[0][1]
            description = (
                f"{MARK} {size_picker(rng)} in {city}. "
                f"Activiteit: {activity[0].lower()}{activity[1:]}."
            )
            theme_tuple = tuple(themes)
            org = Org(f"gen-org-{number:06d}", "company", m.code, m.region, m.province, theme_tuple)
            self._add(org)
            row(
                org,
                name,
                city,
                kvk=kvk_number(number),
                sbi=";".join(s[0] for s in sbi),
                website=website,
                description=description,
            )

    # -- partnerships ------------------------------------------------------------------

    def partnerships(self, ps_writer: Any, ms_writer: Any) -> None:
        ref = self.ref
        rng = self.rng("partnerships")
        kind_picker = Picker(
            list(PARTNERSHIP_KIND_WEIGHTS), list(PARTNERSHIP_KIND_WEIGHTS.values())
        )
        region_weight: dict[str, float] = {}
        for m in ref.municipalities:
            region_weight[m.region] = region_weight.get(m.region, 0.0) + m.weight
        regions = sorted(region_weight)
        region_picker = Picker(regions, [region_weight[r] ** 0.6 for r in regions])
        muni_in_region: dict[str, Picker] = {}
        for region in regions:
            ms = [m for m in ref.municipalities if m.region == region]
            muni_in_region[region] = Picker(ms, [m.weight for m in ms])
        self.region_province: dict[str, str] = {}
        for m in ref.municipalities:
            self.region_province.setdefault(m.region, m.province)
        self.region_themes: dict[str, list[tuple[str, float]]] = {}
        for (reg, theme), pool in sorted(self.by_region_theme.items()):
            if len(pool) >= 3:
                weight = len(pool) ** 0.7 * PARTNERSHIP_THEME_BONUS.get(theme, 1.0)
                self.region_themes.setdefault(reg, []).append((theme, weight))
        kinds = [kind_picker(rng) for _ in range(self.n_ps)]
        sizes = self._sizes(rng, kinds)
        for n, (kind, size) in enumerate(zip(kinds, sizes, strict=True), start=1):
            region = region_picker(rng)
            themes = self._partnership_themes(rng, kind, region)
            lead = self._lead(rng, kind, region)
            lead_org = self.orgs[lead]
            if lead_org.region == region and lead_org.municipality:
                m = ref.by_code[lead_org.municipality]
            else:
                m = muni_in_region[region](rng)
            city = self._city(rng, m)
            first, length = KIND_YEARS[kind]
            start = rng.randint(first, THIS_YEAR - 1)
            start = max(start, rng.randint(first, THIS_YEAR - 1))  # more recent ones
            end: int | None = None
            if length:
                end = start + length
            elif rng.random() < 0.2 and start < THIS_YEAR - 2:
                end = rng.randint(start + 2, THIS_YEAR - 1)
            if end is not None and end >= THIS_YEAR:
                end = None  # still running
            name = self._partnership_name(rng, kind, themes, region, city)
            ext_id = f"gen-ps-{n:05d}"
            ps_writer.writerow(
                [
                    ext_id,
                    name,
                    kind,
                    self._theme_names(themes),
                    m.code,
                    city,
                    start,
                    end or "",
                    f"{MARK} {KIND_PHRASES[kind]} rond "
                    f"{ref.themes[themes[0]].name_nl.lower()} in de regio {ref.regions[region]}.",
                ]
            )
            self.counts.partnerships[kind] = self.counts.partnerships.get(kind, 0) + 1
            last = min(end or THIS_YEAR, THIS_YEAR)
            for org_idx, role in self._members(rng, size, lead, region, m.code, themes):
                since = start if role in {"lead", "founder"} else rng.randint(start, last)
                ms_writer.writerow([ext_id, self.orgs[org_idx].id, role, since])
                self.counts.memberships += 1

    def _sizes(self, rng: random.Random, kinds: list[str]) -> list[int]:
        """Heavy-tailed sizes (>= 1, <= a cap) that add up exactly to the membership total."""
        cap = max(1, len(self.orgs) // 2)
        raw = [KIND_SIZE[k] * rng.lognormvariate(0.0, 0.8) for k in kinds]
        total = sum(raw)
        exact = [r * self.n_ms / total for r in raw]
        sizes = [min(cap, max(1, int(e))) for e in exact]
        diff = self.n_ms - sum(sizes)
        order = sorted(range(len(kinds)), key=lambda i: (-(exact[i] - int(exact[i])), i))
        while diff > 0:
            for i in order:
                if diff == 0:
                    break
                if sizes[i] < cap:
                    sizes[i] += 1
                    diff -= 1
        while diff < 0:
            for i in sorted(range(len(kinds)), key=lambda i: (-sizes[i], i)):
                if diff == 0:
                    break
                if sizes[i] > 1:
                    sizes[i] -= 1
                    diff += 1
        return sizes

    def _partnership_themes(self, rng: random.Random, kind: str, region: str) -> list[str]:
        if kind == "technohub":
            primary = rng.choice(TECHNOHUB_THEMES[:3])
        else:
            candidates = self.region_themes.get(region) or [("techniek", 1.0)]
            primary = rng.choices([c[0] for c in candidates], weights=[c[1] for c in candidates])[0]
        themes = [primary]
        related = [*self.theme_children.get(primary, [])]
        parent = self.ref.themes[primary].parent
        if parent:
            related.append(parent)
        if related and rng.random() < 0.6:
            themes.append(rng.choice(related))
        if rng.random() < 0.4:
            extra = rng.choice(PARTNERSHIP_EXTRA_THEMES)
            if extra not in themes:
                themes.append(extra)
        return themes

    def _lead(self, rng: random.Random, kind: str, region: str) -> int:
        options = LEAD_KINDS[kind]
        school_kind = rng.choices([o[0] for o in options], weights=[o[1] for o in options])[0]
        province = self.region_province[region]
        keys = [(school_kind, region), (school_kind, province)]
        keys += [(school_kind, p) for p in NEIGHBOURS[province]]
        keys.append((school_kind, ""))
        keys += [(k, "") for k in ("school_mbo", "school_hbo", "school_wo", "school_vo")]
        for key in keys:
            pool = self.schools.get(key)
            if pool:
                return rng.choice(pool)
        raise ValueError("no schools to lead partnerships")

    def _partnership_name(
        self, rng: random.Random, kind: str, themes: list[str], region: str, city: str
    ) -> str:
        label = THEME_LABELS[themes[0]]
        region_name = self.ref.regions[region]

        def candidate(attempt: int) -> str:
            name = rng.choice(KIND_NAMES[kind]).format(
                label=label, place=city, region=region_name, topic=rng.choice(TECHNOHUB_TOPICS)
            )
            if attempt >= 2:
                name = f"{name} {rng.choice(NAME_QUALIFIERS)}"
            if attempt >= 6:
                name = f"{name} {roman(attempt - 4)}"
            return name

        return self.names.take(candidate)

    def _members(
        self,
        rng: random.Random,
        size: int,
        lead: int,
        region: str,
        municipality: str,
        themes: list[str],
    ) -> list[tuple[int, str]]:
        chosen: dict[int, str] = {lead: "lead"}
        if size > 3 and rng.random() < 0.4:
            chosen.setdefault(self.municipality_org[municipality], "funder")
        if size > 6 and rng.random() < 0.25:
            province = self.ref.by_code[municipality].province
            chosen.setdefault(self.province_org[province], "funder")
        theme_pools = [self.by_region_theme.get((region, t), []) for t in themes]
        theme_pools = [p for p in theme_pools if p]
        national = [self.by_theme[t] for t in themes if t in self.by_theme]
        schools = [
            p
            for k in ("school_mbo", "school_hbo", "school_vo")
            if (p := self.schools.get((k, region)))
        ]
        public = self.public_by_region.get(region, [])
        region_pool = self.by_region.get(region, [])
        source_picker = [s for s, _ in MEMBER_SOURCES]
        source_weights = [w for _, w in MEMBER_SOURCES]
        founders = rng.randint(0, 2) if size > 4 else 0
        misses = 0
        while len(chosen) < size:
            source = rng.choices(source_picker, weights=source_weights)[0]
            pool: list[int] = []
            if source == "region_theme" and theme_pools:
                pool = rng.choice(theme_pools)
            elif source == "region":
                pool = region_pool
            elif source == "theme" and national:
                pool = rng.choice(national)
            elif source == "school" and schools:
                pool = rng.choice(schools)
            elif source == "public":
                pool = public
            idx = rng.randrange(len(self.orgs)) if misses > 50 or not pool else rng.choice(pool)
            if idx in chosen:
                misses += 1
                continue
            org = self.orgs[idx]
            if founders and org.kind == "company":
                role = "founder"
                founders -= 1
            elif org.kind.startswith("school_") or rng.random() < 0.3:
                role = "partner"
            else:
                role = "member"
            chosen[idx] = role
        return list(chosen.items())

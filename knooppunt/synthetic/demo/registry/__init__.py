"""The registry's demo data: organisations, partnerships, people (`knooppunt demo`).

Three layers, each recognisable in the data:

1. **Reference data**: places, themes, SBI codes, and the 110 real mbo, hbo and wo
   institutions with their BRIN (DUO open data, `registry/data/institutions.csv`).
2. **Named in the seed texts** (`shared/seeds`): Talentencampus Oss, De Kracht van Oss,
   the Learning Communities in Oss, Katapult, FME, A+O Metalektro and the Technohub
   regulation, Metalot, Smart Services Campus, Qeske, Denim City, TecWijzer, Edupower and
   Bureau Birch. Only the facts the texts state, in our own words; no contact details are
   made up for the real people named there (`data/demo/registry/seed_*.json`,
   `seed_people.csv`). The texts do not say who takes part in the campuses, hubs and
   Learning Communities; the demo gives them plausible members (the nearest fitting
   schools, fictional companies of the sector, often the municipality) and says so in
   their description. Grow Campus, named without place or anything else, is left out.
3. **Generated and fictional**: about 300 companies, 50 partnerships and 120 contact
   people, all from `random.Random(2026)` so every run builds the same data. Descriptions
   start with "Fictief bedrijf (demodata)." or "Fictief samenwerkingsverband (demodata).";
   KvK numbers are 0099xxxx, e-mail addresses and websites are on example.nl and mobile
   numbers are 06-00xxxxxx (a block that is not handed out). What it draws from (places,
   sectors, names, partnership kinds, texts) is in `data/demo/registry/`.

Every organisation and partnership gets a stable id under source "demo"
(`brin:25LJ`, `seed:talentencampus-oss`, `gen-company-0001`); a second run skips what is
already there, so `load()` is idempotent. All writes go through the registry services
with `actor=None`, which keeps audit entries and search documents right.
"""

from __future__ import annotations

from knooppunt.places.models import Municipality
from knooppunt.registry.models import (
    Membership,
    Organisation,
    Partnership,
    PartnershipContact,
    Person,
)
from knooppunt.synthetic.demo.registry.plan import (
    FICTIONAL_COMPANY,
    FICTIONAL_PARTNERSHIP,
    SECTORS,
    SOURCE,
    build_plan,
)
from knooppunt.synthetic.demo.registry.writer import Writer

__all__ = ["FICTIONAL_COMPANY", "FICTIONAL_PARTNERSHIP", "SECTORS", "SOURCE", "build_plan", "load"]


def load() -> dict[str, int]:
    """Plan the demo registry and write what is not there yet; totals in the database."""
    province_of = dict(Municipality.objects.values_list("code", "province__code"))
    position_of = {
        code: (latitude, longitude)
        for code, latitude, longitude in Municipality.objects.values_list(
            "code", "latitude", "longitude"
        )
        if latitude is not None and longitude is not None
    }
    plan = build_plan(province_of, position_of)

    writer = Writer()
    for org in plan.organisations:
        writer.organisation(org)
    for partnership in plan.partnerships:
        writer.partnership(partnership)
    for person in plan.people:
        writer.person(person)
    return {
        "organisations": Organisation.objects.count(),
        "partnerships": Partnership.objects.count(),
        "memberships": Membership.objects.count(),
        "people": Person.objects.count(),
        "partnership_contacts": PartnershipContact.objects.count(),
    }

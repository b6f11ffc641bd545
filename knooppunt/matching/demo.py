"""Demo data for matching: partner profiles and contact guides (idempotent).

Profiles are derived deterministically from each organisation's kind, so running the
demo twice changes nothing. The guides are example texts written for the demo; staff
replace them in the UI (/gidsen/).
"""

from __future__ import annotations

import random

from django.db import transaction

from knooppunt.matching.models import Guide, PartnerProfile
from knooppunt.matching.services import guide_save, partner_profile_update
from knooppunt.registry.models import Organisation

# What each kind typically offers and seeks (demo data, not rules of the matcher).
TYPICAL: dict[str, tuple[list[str], list[str]]] = {
    "company": (
        ["internships", "bbl_places", "assignments", "company_visits", "guest_lessons"],
        ["assignments", "teacher_placements"],
    ),
    "school_mbo": (
        ["assignments", "teacher_placements"],
        ["internships", "bbl_places", "guest_lessons"],
    ),
    "school_hbo": (
        ["assignments", "teacher_placements"],
        ["internships", "assignments", "equipment"],
    ),
    "school_vo": (["company_visits"], ["guest_lessons", "company_visits"]),
    "municipality": (["funding"], ["assignments"]),
    "province": (["funding"], []),
    "industry_association": (["guest_lessons", "funding"], ["internships"]),
    "knowledge_institute": (["equipment", "assignments"], ["internships"]),
}

GUIDES: dict[str, tuple[str, str]] = {
    "company": (
        "Een bedrijf benaderen",
        "Begin klein en concreet: een gastles, een bedrijfsbezoek of één praktijkopdracht.\n\n"
        "Bel of mail de HR- of opleidingsverantwoordelijke en noem wat het bedrijf eraan heeft: "
        "kennismaken met toekomstige medewerkers, frisse blik op een vraagstuk.\n\n"
        "Spreek af wie de begeleiding doet en hoeveel uur het kost.",
    ),
    "school_mbo": (
        "Een mbo-school benaderen",
        "Zoek de opleidingsmanager of praktijkcoördinator van de opleiding die past bij uw vak.\n\n"
        "Scholen plannen per schooljaar: meld stages en BBL-plaatsen ruim voor de zomer.\n\n"
        "Bied naast plaatsen ook iets voor docenten aan, zoals een docentstage.",
    ),
    "municipality": (
        "Een gemeente benaderen",
        "Gemeenten werken vanuit hun economische agenda en arbeidsmarktbeleid. Vraag naar de "
        "accounthouder onderwijs-arbeidsmarkt.\n\nLaat zien welke regionale opgave u samen "
        "oppakt en welke partijen al meedoen.",
    ),
}


@transaction.atomic
def demo_matching(*, seed: int = 7) -> dict[str, int]:
    rng = random.Random(seed)  # noqa: S311 - demo data, not secrets
    done = set(PartnerProfile.objects.values_list("organisation_id", flat=True))
    created = 0
    for org in Organisation.objects.order_by("id").only("id", "kind"):
        if org.pk in done or org.kind not in TYPICAL or rng.random() < 0.3:
            continue
        offers, seeks = TYPICAL[org.kind]
        partner_profile_update(
            actor=None,
            organisation=org,
            open_to_partnerships=rng.random() < 0.8,
            offers=[o for o in offers if rng.random() < 0.6],
            seeks=[s for s in seeks if rng.random() < 0.7],
        )
        created += 1
    guides = 0
    for kind, (title, body) in GUIDES.items():
        if not Guide.objects.filter(kind=kind).exists():
            guide_save(actor=None, kind=kind, title_nl=title, body_nl=body)
            guides += 1
    return {"partner_profiles": created, "guides": guides}

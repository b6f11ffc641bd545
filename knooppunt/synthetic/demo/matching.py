"""The matching demo: partner profiles and contact guides (idempotent).

Profiles are derived deterministically from each organisation's kind (what a kind
typically offers and seeks, `data/demo/matching/profiles.csv`: demo data, not rules of
the matcher), so running the demo twice changes nothing. The guides
(`data/demo/matching/guides.json`) are example texts written for the demo; staff
replace them in the UI (/gidsen/).
"""

from __future__ import annotations

import random

from knooppunt.matching.models import Guide, PartnerProfile
from knooppunt.matching.services import guide_save, partner_profile_update
from knooppunt.registry.models import Organisation
from knooppunt.synthetic.tables import load_json, rows, split

SEED = 7

# What each kind typically offers and seeks.
TYPICAL: dict[str, tuple[list[str], list[str]]] = {
    r["kind"]: (split(r["offers"]), split(r["seeks"])) for r in rows("demo/matching/profiles.csv")
}


def load() -> dict[str, int]:
    """Profiles for about 70 % of the organisations of a typical kind, and the guides.

    Every organisation's draws are made whether or not it has a profile already, so a
    second run draws the same profiles and, finding them there, adds none.
    """
    rng = random.Random(SEED)
    done = set(PartnerProfile.objects.values_list("organisation_id", flat=True))
    for org in Organisation.objects.order_by("id").only("id", "kind"):
        if org.kind not in TYPICAL or rng.random() < 0.3:
            continue
        offers, seeks = TYPICAL[org.kind]
        open_to_partnerships = rng.random() < 0.8
        offered = [o for o in offers if rng.random() < 0.6]
        sought = [s for s in seeks if rng.random() < 0.7]
        if org.pk not in done:
            partner_profile_update(
                actor=None,
                organisation=org,
                open_to_partnerships=open_to_partnerships,
                offers=offered,
                seeks=sought,
            )
    for guide in load_json("demo/matching/guides.json"):
        if not Guide.objects.filter(kind=guide["kind"]).exists():
            guide_save(
                actor=None, kind=guide["kind"], title_nl=guide["title_nl"], body_nl=guide["body_nl"]
            )
    return {"partner_profiles": PartnerProfile.objects.count(), "guides": Guide.objects.count()}

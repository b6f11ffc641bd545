"""Why a candidate fits: reasons as codes with parameters, rendered in the reader's language.

The server computes the reasons from the matcher's components and evidence
(`reasons_for`); they are stored as codes with parameters that are themselves codes
or numbers (theme codes, CBS codes, organisation ids, a distance), never as text.
`render` turns them into sentences in the active language, with the names of
themes and places as they are now. Nothing a client sends can become a reason:
`from_json` keeps only known codes with parameters of the expected types.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from knooppunt.matching import network as registry_network
from knooppunt.matching.models import Offer
from knooppunt.matching.scoring import OFFER_KINDS, ORG_KINDS, Candidate, Seeker
from knooppunt.registry.models import OrganisationKind

# Reasons are given for components at least this strong.
SHOWN = 0.05
# At most this many reasons are kept with an introduction.
KEPT = 8

THEMES_SHARED = "themes_shared"  # {"themes": [theme codes]}
THEMES_RELATED = "themes_related"  # {"themes": [theme codes]}
TEXT_MATCH = "text_match"  # {}
SAME_MUNICIPALITY = "same_municipality"  # {"municipality": CBS code}
SAME_REGION = "same_region"  # {"region": code, "km": int | None}
SAME_PROVINCE = "same_province"  # {"province": code, "km": int | None}
NEARBY = "nearby"  # {"km": int}
SHARED_PARTNERS = "shared_partners"  # {"count": int, "organisations": [ids]}
OFFERS_SOUGHT = "offers_sought"  # {"offers": [offer codes]}
SEEKS_OFFERED = "seeks_offered"  # {"offers": [offer codes]}
KIND_IN_PARTNERSHIP = "kind_in_partnership"  # {"kind": organisation kind}
KIND_FITS = "kind_fits"  # {"kind": organisation kind}
OPEN = "open"  # {}
ACTIVE = "active"  # {"partnerships": int}

# code -> {parameter: type}; a stored reason must have exactly these.
PARAMS: dict[str, dict[str, Any]] = {
    THEMES_SHARED: {"themes": [str]},
    THEMES_RELATED: {"themes": [str]},
    TEXT_MATCH: {},
    SAME_MUNICIPALITY: {"municipality": str},
    SAME_REGION: {"region": str, "km": (int, type(None))},
    SAME_PROVINCE: {"province": str, "km": (int, type(None))},
    NEARBY: {"km": int},
    SHARED_PARTNERS: {"count": int, "organisations": [int]},
    OFFERS_SOUGHT: {"offers": [str]},
    SEEKS_OFFERED: {"offers": [str]},
    KIND_IN_PARTNERSHIP: {"kind": str},
    KIND_FITS: {"kind": str},
    OPEN: {},
    ACTIVE: {"partnerships": int},
}


@dataclass(frozen=True)
class Reason:
    code: str
    params: dict[str, Any] = field(default_factory=dict)
    weight: float = field(default=0.0, compare=False)

    def as_json(self) -> dict[str, Any]:
        return {"code": self.code, "params": self.params}


def _valid(value: Any, kind: Any) -> bool:
    if isinstance(kind, list):
        return (
            isinstance(value, list) and len(value) <= 20 and all(_valid(v, kind[0]) for v in value)
        )
    if kind is int or kind == (int, type(None)):
        if isinstance(value, bool):
            return False
        return isinstance(value, kind) and (value is None or 0 <= value < 100_000)
    return isinstance(value, str) and 0 < len(value) <= 60


def from_json(data: Any) -> list[Reason]:
    """The well-formed reasons in stored data (anything else is dropped)."""
    reasons = []
    for item in data if isinstance(data, list) else []:
        if not isinstance(item, dict):
            continue
        code, params = item.get("code"), item.get("params")
        spec = PARAMS.get(code) if isinstance(code, str) else None
        if spec is None or not isinstance(params, dict) or set(params) != set(spec):
            continue
        if all(_valid(params[name], kind) for name, kind in spec.items()):
            reasons.append(Reason(str(code), params))
    return reasons[:KEPT]


# --- computing ----------------------------------------------------------------------------------


def reasons_for(
    snapshot: registry_network.Snapshot, candidate: Candidate, seeker: Seeker
) -> list[Reason]:
    """The reasons for `candidate`, strongest first, only from components that counted."""
    net, o = snapshot.net, candidate.index
    municipality, region, province = (
        int(net.municipality[o]),
        int(net.region[o]),
        int(net.province[o]),
    )
    kind = int(net.kind[o])
    c, e = candidate.components, candidate.evidence
    used = set(e.get("components_used", c))
    found: list[Reason] = []

    def add(weight: float, code: str, **params: Any) -> None:
        found.append(Reason(code, params, weight))

    if "theme" in used and c["theme"] >= SHOWN:
        shared = snapshot.themes_in_mask(sum(1 << i for i in e["shared_themes"]))
        related = snapshot.themes_in_mask(sum(1 << i for i in e["related_themes"]))
        if shared:
            add(c["theme"], THEMES_SHARED, themes=[t.code for t in shared])
        elif related:
            add(c["theme"], THEMES_RELATED, themes=[t.code for t in related])
        if e["text_match"]:
            add(c["theme"] * 0.9, TEXT_MATCH)
    if "geo" in used and c["geo"] >= SHOWN:
        level = e["geo_level"]
        km = e["distance_km"]
        km = round(km) if km is not None and math.isfinite(km) else None
        if level == "municipality" and municipality >= 0:
            code = snapshot.municipalities[municipality].code
            add(c["geo"], SAME_MUNICIPALITY, municipality=code)
        elif level == "region" and region >= 0:
            add(c["geo"], SAME_REGION, region=snapshot.regions[region].code, km=km)
        elif level == "province" and province >= 0:
            add(c["geo"], SAME_PROVINCE, province=snapshot.provinces[province].code, km=km)
        elif km is not None and level in ("distance", "province", "region"):
            add(c["geo"], NEARBY, km=km)
    if "network" in used and c["network"] >= SHOWN and e["shared_partner_count"]:
        add(
            c["network"],
            SHARED_PARTNERS,
            count=int(e["shared_partner_count"]),
            organisations=[int(net.org_ids[i]) for i in e["shared_partners"]],
        )
    if "complement" in used and c["complement"] >= SHOWN:
        if e["offers_matched"]:
            offers = [OFFER_KINDS[i] for i in e["offers_matched"]]
            add(c["complement"], OFFERS_SOUGHT, offers=offers)
        if e["seeks_matched"]:
            add(
                c["complement"] * 0.8,
                SEEKS_OFFERED,
                offers=[OFFER_KINDS[i] for i in e["seeks_matched"]],
            )
    if "kind" in used and c["kind"] >= 0.5 and 0 <= kind < len(ORG_KINDS):
        if seeker.partnership >= 0 and e["kind_share"] > 0:
            add(c["kind"] * 0.6, KIND_IN_PARTNERSHIP, kind=ORG_KINDS[kind])
        else:
            add(c["kind"] * 0.5, KIND_FITS, kind=ORG_KINDS[kind])
    if "openness" in used and e["open"] == 1:
        add(c["openness"] * 0.5, OPEN)
    if "activity" in used and e["degree"] >= 2 and c["activity"] >= SHOWN:
        add(c["activity"] * 0.4, ACTIVE, partnerships=int(e["degree"]))
    found.sort(key=lambda r: -r.weight)
    return found


# --- rendering ----------------------------------------------------------------------------------


@dataclass
class Names:
    """What the sentences name: themes (objects: their name follows the language), places
    and organisations, by code or id."""

    themes: dict[str, Any] = field(default_factory=dict)
    municipalities: dict[str, str] = field(default_factory=dict)
    regions: dict[str, str] = field(default_factory=dict)
    provinces: dict[str, str] = field(default_factory=dict)
    organisations: dict[int, str] = field(default_factory=dict)

    @classmethod
    def from_snapshot(
        cls, snapshot: registry_network.Reference, organisations: dict[int, str]
    ) -> Names:
        return cls(
            themes={t.code: t for t in snapshot.themes},
            municipalities={m.code: m.name for m in snapshot.municipalities},
            regions={r.code: r.name for r in snapshot.regions},
            provinces={p.code: p.name for p in snapshot.provinces},
            organisations=organisations,
        )

    @classmethod
    def load(cls, reasons: Iterable[Reason]) -> Names:
        """Read from the database what `reasons` name (one query per kind of name)."""
        from knooppunt.places.models import LabourMarketRegion, Municipality, Province
        from knooppunt.registry.models import Organisation, Theme

        wanted: dict[str, set[Any]] = {k: set() for k in ("t", "m", "r", "p", "o")}
        for r in reasons:
            wanted["t"].update(r.params.get("themes", ()))
            wanted["o"].update(r.params.get("organisations", ()))
            for key, param in (("m", "municipality"), ("r", "region"), ("p", "province")):
                if param in r.params:
                    wanted[key].add(r.params[param])

        def names(model: Any, key: str) -> dict[str, str]:
            if not wanted[key]:
                return {}
            return dict(model.objects.filter(code__in=wanted[key]).values_list("code", "name"))

        return cls(
            themes={t.code: t for t in Theme.objects.filter(code__in=wanted["t"])}
            if wanted["t"]
            else {},
            municipalities=names(Municipality, "m"),
            regions=names(LabourMarketRegion, "r"),
            provinces=names(Province, "p"),
            organisations=dict(
                Organisation.objects.filter(pk__in=wanted["o"]).values_list("pk", "name")
            )
            if wanted["o"]
            else {},
        )


def _join(items: Iterable[Any]) -> str:
    return ", ".join(str(i) for i in items)


def _with_km(text: str, km: int | None) -> str:
    if km is None:
        return text
    return f"{text}, " + _("%(km)s km away") % {"km": km}


def _offer_labels(codes: Iterable[str]) -> list[str]:
    return [str(Offer(c).label) for c in codes if c in Offer.values]


def _kind_label(code: str) -> str:
    return str(OrganisationKind(code).label) if code in OrganisationKind.values else code


def render_one(reason: Reason, names: Names) -> str:
    """One reason as a sentence in the active language ("" if it names nothing known)."""
    p = reason.params
    code = reason.code
    if code in (THEMES_SHARED, THEMES_RELATED):
        themes = [names.themes[c].name for c in p["themes"] if c in names.themes]
        if not themes:
            return ""
        if code == THEMES_SHARED:
            return ngettext(
                "works on theme %(themes)s", "works on themes %(themes)s", len(themes)
            ) % {"themes": _join(themes)}
        return _("works on a related theme: %(themes)s") % {"themes": _join(themes)}
    if code == TEXT_MATCH:
        return _("its own description matches your words")
    if code == SAME_MUNICIPALITY:
        name = names.municipalities.get(p["municipality"])
        return _("in the same municipality (%(name)s)") % {"name": name} if name else ""
    if code == SAME_REGION:
        name = names.regions.get(p["region"])
        text = _("in the same labour-market region (%(name)s)") % {"name": name} if name else ""
        return _with_km(text, p["km"]) if text else ""
    if code == SAME_PROVINCE:
        name = names.provinces.get(p["province"])
        text = _("in the same province (%(name)s)") % {"name": name} if name else ""
        return _with_km(text, p["km"]) if text else ""
    if code == NEARBY:
        return _("%(km)s km away") % {"km": p["km"]}
    if code == SHARED_PARTNERS:
        known = names.organisations
        partner_names = [known[i] for i in p["organisations"] if i in known]
        return ngettext(
            "already works with %(n)d of the partners elsewhere: %(names)s",
            "already works with %(n)d of the partners elsewhere: %(names)s",
            p["count"],
        ) % {"n": p["count"], "names": _join(partner_names)}
    if code in (OFFERS_SOUGHT, SEEKS_OFFERED):
        labels = _offer_labels(p["offers"])
        if not labels:
            return ""
        if code == OFFERS_SOUGHT:
            return _("offers what you look for: %(what)s") % {"what": _join(labels)}
        return _("looks for what you offer: %(what)s") % {"what": _join(labels)}
    if code == KIND_IN_PARTNERSHIP:
        return _("a kind of organisation this partnership has many of: %(kind)s") % {
            "kind": _kind_label(p["kind"])
        }
    if code == KIND_FITS:
        return _("a fitting kind of partner: %(kind)s") % {"kind": _kind_label(p["kind"])}
    if code == OPEN:
        return _("open to new partnerships")
    if code == ACTIVE:
        return ngettext(
            "active in %(n)d partnership", "active in %(n)d partnerships", p["partnerships"]
        ) % {"n": p["partnerships"]}
    return ""


def render(reasons: Iterable[Reason], names: Names) -> list[str]:
    """The reasons as sentences in the active language, in their order."""
    return [text for text in (render_one(r, names) for r in reasons) if text]


def render_stored(data: Any) -> list[str]:
    """Stored reasons (JSON) as sentences in the active language."""
    reasons = from_json(data)
    return render(reasons, Names.load(reasons)) if reasons else []

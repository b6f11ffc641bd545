"""Reads for matching: suggestions with their reasons, introductions and guides per viewer.

The scoring itself is `matching.scoring` (pure numpy); this module turns a question
(a partnership, an organisation, or a free-text need with filters) into a `Seeker`
over the cached registry snapshot (`matching.network`), and the scorer's components
and evidence into reasons (`matching.reasons`: codes, rendered in the reader's
language). Every reason comes from a component that counted in the score.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from knooppunt.accounts.permissions import editable_organisation_ids, is_staff
from knooppunt.core.paging import PagerMixin
from knooppunt.core.text import query_terms
from knooppunt.matching import network as registry_network
from knooppunt.matching import reasons
from knooppunt.matching.models import Guide, Introduction
from knooppunt.matching.reasons import Reason
from knooppunt.matching.scoring import (
    OFFER_KINDS,
    ORG_KINDS,
    Seeker,
    explain,
    score,
    seeker_for_organisation,
    seeker_for_partnership,
)
from knooppunt.places.models import LabourMarketRegion, Municipality
from knooppunt.registry import search
from knooppunt.registry.models import Organisation, OrganisationKind, Partnership, Theme

# Free-text needs: the organisations whose own text best matches count as text hits.
TEXT_HITS = 2000


@dataclass
class Suggestion:
    organisation: Organisation
    score: float
    reasons: list[str]  # in the active language
    components: dict[str, float]
    evidence: dict[str, Any]
    external_id: str = ""
    reason_codes: list[Reason] = field(default_factory=list)

    @property
    def percent(self) -> int:
        """The score as 0-100, as pages show it."""
        return round(self.score * 100)


@dataclass
class MatchResult(PagerMixin):
    suggestions: list[Suggestion]
    count: int  # eligible candidates
    number: int = 1
    per_page: int = 10
    themes: list[Any] = field(default_factory=list)  # themes the question was read as

    @property
    def ranked(self) -> list[tuple[int, Suggestion]]:
        return list(enumerate(self.suggestions, start=self.first_rank))


@dataclass(frozen=True)
class Need:
    """A question from the match page, the API or `knooppunt match --need`."""

    text: str = ""
    theme_ids: Sequence[int] = ()
    municipality_id: int | None = None
    region_id: int | None = None
    radius_km: float | None = None
    kinds: Iterable[str] = ()
    seeks: Iterable[str] = ()
    organisation: Organisation | None = None


def _kinds(kinds: Iterable[str]) -> frozenset[int] | None:
    wanted = frozenset(ORG_KINDS.index(k) for k in kinds if k in ORG_KINDS)
    return wanted or None


def _offer_mask(values: Iterable[str]) -> int:
    return sum(1 << OFFER_KINDS.index(v) for v in set(values) if v in OFFER_KINDS)


def _text_hits(snapshot: registry_network.Snapshot, text: str) -> np.ndarray | None:
    """Organisations whose own text matches the words (the best TEXT_HITS by rank).

    Words that name a theme are left to the theme component (they would match a large
    part of the registry); the rest must all match, or, when no organisation has all
    of them, any of them.
    """
    theme_words = set().union(*snapshot.theme_terms) if snapshot.theme_terms else set()
    terms = [t for t in query_terms(text) if len(t) >= 3 and t not in theme_words]
    if not terms:
        return None
    table = Organisation._meta.db_table
    ids = search.TextSearch(table, terms, []).page_ids(0, TEXT_HITS)
    if not ids and len(terms) > 1:
        ids = search.TextSearch(table, terms, [], any_terms=True).page_ids(0, TEXT_HITS)
    if not ids:
        return None
    hits = np.zeros(snapshot.net.n_orgs, dtype=bool)
    index = snapshot.org_index
    for pk in ids:
        i = index.get(pk)
        if i is not None:
            hits[i] = True
    return hits


def partnership_seeker(
    snapshot: registry_network.Snapshot, partnership: Partnership, kinds: Iterable[str] = ()
) -> Seeker:
    return seeker_for_partnership(
        snapshot.net, snapshot.p_index[partnership.pk], kinds_wanted=_kinds(kinds)
    )


def need_from_codes(
    *,
    text: str = "",
    theme_codes: Iterable[str] = (),
    municipality_code: str = "",
    region_code: str = "",
    organisation_id: int | None = None,
    radius_km: float | None = None,
    kinds: Iterable[str] = (),
    seeks: Iterable[str] = (),
) -> Need:
    """A `Need` from the codes a client sends (API, CLI); unknown codes raise a
    ValidationError naming the field."""
    theme_codes = list(dict.fromkeys(theme_codes))
    themes = dict(Theme.objects.filter(code__in=theme_codes).values_list("code", "pk"))
    unknown = [code for code in theme_codes if code not in themes]
    if unknown:
        raise ValidationError({"themes": _("Unknown theme code(s): %s.") % ", ".join(unknown)})

    def pk_of(model: Any, field: str, message: str, **lookup: Any) -> int | None:
        if not any(lookup.values()):
            return None
        pk = model.objects.filter(**lookup).values_list("pk", flat=True).first()
        if pk is None:
            raise ValidationError({field: message})
        return int(pk)

    organisation = None
    if organisation_id is not None:
        organisation = Organisation.objects.filter(pk=organisation_id).first()
        if organisation is None:
            raise ValidationError({"organisation": _("No such organisation.")})
    return Need(
        text=text,
        theme_ids=list(themes.values()),
        municipality_id=pk_of(
            Municipality, "municipality", _("Unknown municipality code."), code=municipality_code
        ),
        region_id=pk_of(
            LabourMarketRegion,
            "region",
            _("Unknown labour-market region code."),
            code=region_code,
        ),
        radius_km=radius_km,
        kinds=list(kinds),
        seeks=list(seeks),
        organisation=organisation,
    )


def need_problems(need: Need) -> dict[str, str]:
    """What is wrong with a question, by field (`need`, `radius_km`); the page and the API
    both ask this, so the same question gets the same answer on both."""
    problems: dict[str, str] = {}
    if need.radius_km and need.municipality_id is None and need.organisation is None:
        problems["radius_km"] = _("Choose a municipality (or your organisation) to measure from.")
    asked = (
        need.text.strip()
        or need.theme_ids
        or need.municipality_id is not None
        or need.region_id is not None
        or any(True for _kind in need.kinds)
        or any(True for _offer in need.seeks)
        or need.organisation is not None
    )
    if not asked:
        problems["need"] = _(
            "Say what you look for: words, themes, a place, kinds of organisation or what "
            "they should offer."
        )
    return problems


def need_seeker(snapshot: registry_network.Snapshot, need: Need) -> Seeker:
    """A seeker from the match form: who I am (optional), what, where, which kinds."""
    net = snapshot.net
    text, organisation = need.text, need.organisation
    municipality_id, region_id = need.municipality_id, need.region_id
    themes = snapshot.theme_mask(list(need.theme_ids)) | snapshot.themes_for_text(text)
    kinds_wanted = _kinds(need.kinds)
    seek_mask = _offer_mask(need.seeks)
    if organisation is not None and organisation.pk in snapshot.org_index:
        o = snapshot.org_index[organisation.pk]
        base = seeker_for_organisation(
            net,
            o,
            kinds_wanted=kinds_wanted,
            themes=themes or None,
            seeks=seek_mask or None,
        )
    else:
        base = Seeker(kinds_wanted=kinds_wanted, themes=themes, seeks=seek_mask)
    place: dict[str, Any] = {}
    if municipality_id is not None and municipality_id in snapshot.municipality_index:
        m = snapshot.municipality_index[municipality_id]
        muni = snapshot.municipalities[m]
        place = {
            "municipality": m,
            "region": snapshot.region_index[muni.labour_market_region_id],
            "province": snapshot.province_index[muni.province_id],
            "lat": muni.latitude if muni.latitude is not None else float("nan"),
            "lon": muni.longitude if muni.longitude is not None else float("nan"),
        }
    elif region_id is not None and region_id in snapshot.region_index:
        r = snapshot.region_index[region_id]
        in_region = [m for m in snapshot.municipalities if m.labour_market_region_id == region_id]
        lats = [m.latitude for m in in_region if m.latitude is not None]
        lons = [m.longitude for m in in_region if m.longitude is not None]
        place = {
            "municipality": -1,
            "region": r,
            "province": -1,
            "lat": float(np.mean(lats)) if lats else float("nan"),
            "lon": float(np.mean(lons)) if lons else float("nan"),
        }
    return Seeker(
        themes=base.themes,
        text_hits=_text_hits(snapshot, text) if text.strip() else None,
        kinds_wanted=base.kinds_wanted,
        municipality=place.get("municipality", base.municipality),
        region=place.get("region", base.region),
        province=place.get("province", base.province),
        lat=place.get("lat", base.lat),
        lon=place.get("lon", base.lon),
        radius_km=need.radius_km,
        seeks=base.seeks,
        offers=base.offers,
        own_kind=base.own_kind,
        partners=base.partners,
        exclude=base.exclude,
    )


def _suggestions(
    snapshot: registry_network.Snapshot,
    seeker: Seeker,
    *,
    page: int,
    per_page: int,
) -> MatchResult:
    offset = (max(page, 1) - 1) * per_page
    candidates, total = score(snapshot.net, seeker, top=per_page, offset=offset)
    ids = [cand.org_id for cand in candidates]
    orgs = Organisation.objects.select_related(
        "municipality__province", "municipality__labour_market_region"
    ).prefetch_related("themes", "source_ids")
    by_id = orgs.in_bulk(ids)
    partner_idx = {i for cand in candidates for i in cand.evidence["shared_partners"]}
    partner_ids = [int(snapshot.net.org_ids[i]) for i in partner_idx]
    names_by_id = dict(Organisation.objects.filter(pk__in=partner_ids).values_list("pk", "name"))
    names = reasons.Names.from_snapshot(snapshot, names_by_id)
    suggestions = []
    for cand in candidates:
        org = by_id.get(cand.org_id)
        if org is None:  # deleted since the snapshot was taken
            continue
        source_ids = list(org.source_ids.all())
        codes = reasons.reasons_for(snapshot, cand, seeker)
        suggestions.append(
            Suggestion(
                organisation=org,
                score=round(cand.score, 4),
                reasons=reasons.render(codes, names),
                reason_codes=codes,
                components={k: round(v, 4) for k, v in cand.components.items()},
                evidence=cand.evidence,
                external_id=source_ids[0].external_id if source_ids else "",
            )
        )
    return MatchResult(
        suggestions,
        total,
        number=max(page, 1),
        per_page=per_page,
        themes=snapshot.themes_in_mask(seeker.themes),
    )


def suggest_members(
    viewer: Any,
    partnership: Partnership,
    *,
    kinds: Iterable[str] = (),
    page: int = 1,
    per_page: int = 10,
) -> MatchResult:
    """Organisations that would strengthen `partnership`; never its members."""
    snapshot = registry_network.current()
    if partnership.pk not in snapshot.p_index:
        return MatchResult([], 0)
    seeker = partnership_seeker(snapshot, partnership, kinds)
    return _suggestions(snapshot, seeker, page=page, per_page=per_page)


def suggest_partners(
    viewer: Any, *, need: Need | None = None, page: int = 1, per_page: int = 10, **fields: Any
) -> MatchResult:
    """Candidates for a need (a `Need`, or its fields): the match page, the API, the CLI."""
    snapshot = registry_network.current()
    seeker = need_seeker(snapshot, need if need is not None else Need(**fields))
    return _suggestions(snapshot, seeker, page=page, per_page=per_page)


def reasons_between(requester: Organisation, target: Organisation) -> list[Reason]:
    """Why `target` fits `requester`: the matcher's reasons with `requester` as the seeker.

    Computed by the server for an introduction request (never taken from the request).
    """
    snapshot = registry_network.current()
    o = snapshot.org_index.get(requester.pk)
    c = snapshot.org_index.get(target.pk)
    if o is None or c is None:
        return []
    seeker = seeker_for_organisation(snapshot.net, o)
    candidate = explain(snapshot.net, seeker, c)
    return reasons.reasons_for(snapshot, candidate, seeker)[: reasons.KEPT]


# --- introductions and guides --------------------------------------------------------------


def introductions_for(viewer: Any) -> QuerySet[Introduction]:
    """The introductions `viewer` is a party to (all of them for staff)."""
    qs = Introduction.objects.select_related(
        "requester", "target", "partnership", "requested_by", "responded_by"
    )
    if is_staff(viewer):
        return qs
    ids = editable_organisation_ids(viewer)
    if not ids:
        return qs.none()
    return qs.filter(Q(requester_id__in=ids) | Q(target_id__in=ids))


def introduction_get(viewer: Any, pk: int) -> Introduction:
    from django.http import Http404

    introduction = introductions_for(viewer).filter(pk=pk).first()
    if introduction is None:
        raise Http404(_("No such introduction."))
    return introduction


def guide_list() -> list[tuple[str, str, Guide | None]]:
    """Every organisation kind with its guide (None where none is written yet)."""
    guides = {g.kind: g for g in Guide.objects.all()}
    return [(value, str(label), guides.get(value)) for value, label in OrganisationKind.choices]

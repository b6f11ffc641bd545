"""Reads of the registry. Every function takes the viewer and returns only what they may see.

The registry's organisations and partnerships are public; people's names are
public only with consent, their email and phone only to those who may edit them
(see `knooppunt.accounts.permissions`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import (
    Case,
    Count,
    IntegerField,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
)
from django.http import Http404
from django.utils.translation import gettext as _

from knooppunt.accounts.permissions import editable_organisation_ids, is_staff
from knooppunt.core.text import index_terms, query_terms
from knooppunt.places.models import LabourMarketRegion, Municipality, Province
from knooppunt.registry.models import (
    Affiliation,
    Membership,
    Organisation,
    OrganisationKind,
    Partnership,
    PartnershipContact,
    PartnershipKind,
    Person,
    Theme,
)

SORTS = ("relevance", "name", "-name", "-updated")


@dataclass
class DirectoryFilters:
    """What the directory was asked for; built from GET parameters by the form."""

    what: str = "organisations"  # or "partnerships"
    q: str = ""
    kind: str = ""
    theme: str = ""
    province: str = ""
    region: str = ""
    municipality: str = ""
    sort: str = "relevance"
    terms: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.terms = query_terms(self.q)
        if self.sort not in SORTS:
            self.sort = "relevance"


def theme_with_descendants(code: str) -> list[int]:
    """Ids of the theme `code` and every theme below it in the hierarchy."""
    themes = list(Theme.objects.values_list("id", "code", "parent_id"))
    root = next((t for t in themes if t[1] == code), None)
    if root is None:
        return []
    ids = {root[0]}
    grew = True
    while grew:
        grew = False
        for tid, _code, parent in themes:
            if parent in ids and tid not in ids:
                ids.add(tid)
                grew = True
    return sorted(ids)


def _apply_common(qs: QuerySet[Any], filters: DirectoryFilters) -> QuerySet[Any]:
    for term in filters.terms:
        qs = qs.filter(search_document__contains=" " + term)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.theme:
        qs = qs.filter(themes__in=theme_with_descendants(filters.theme)).distinct()
    if filters.municipality:
        qs = qs.filter(municipality__code=filters.municipality)
    if filters.region:
        qs = qs.filter(municipality__labour_market_region__code=filters.region)
    if filters.province:
        qs = qs.filter(municipality__province__code=filters.province)
    if filters.terms:
        # Relevance: a query word in the name weighs more than one elsewhere.
        score = sum(
            (
                Case(
                    When(name__icontains=term, then=Value(3)),
                    default=Value(1),
                    output_field=IntegerField(),
                )
                for term in filters.terms
            ),
            start=Value(0, output_field=IntegerField()),
        )
        qs = qs.annotate(relevance=score)
    ordering = {
        "relevance": ["-relevance", "name", "id"] if filters.terms else ["name", "id"],
        "name": ["name", "id"],
        "-name": ["-name", "-id"],
        "-updated": ["-updated_at", "-id"],
    }[filters.sort]
    return qs.order_by(*ordering)


def organisation_list_for(viewer: Any, filters: DirectoryFilters) -> QuerySet[Organisation]:
    qs = Organisation.objects.select_related(
        "municipality__province", "municipality__labour_market_region"
    ).prefetch_related("themes")
    return _apply_common(qs, filters)


def partnership_list_for(viewer: Any, filters: DirectoryFilters) -> QuerySet[Partnership]:
    qs = (
        Partnership.objects.select_related(
            "municipality__province", "municipality__labour_market_region"
        )
        .prefetch_related("themes")
        .annotate(member_count=Count("memberships", distinct=True))
    )
    return _apply_common(qs, filters)


def _has(terms_doc: str, term: str) -> bool:
    return (" " + term) in terms_doc


def explain_match(
    obj: Organisation | Partnership, filters: DirectoryFilters, theme: Theme | None = None
) -> list[str]:
    """Plain-language reasons why `obj` is in the result, from the same data the query used."""
    reasons: list[str] = []
    municipality = obj.municipality
    for term in filters.terms:
        if _has(index_terms(obj.name), term):
            reasons.append(_("name contains “%(term)s”") % {"term": term})
            continue
        theme_hit = next(
            (
                t
                for t in obj.themes.all()
                if _has(index_terms(t.name_nl, t.name_en, *t.synonyms()), term)
            ),
            None,
        )
        if theme_hit is not None:
            reasons.append(_("works on theme %(theme)s") % {"theme": theme_hit.name})
            continue
        place = " ".join([obj.city, municipality.name if municipality else ""])
        if _has(index_terms(place), term):
            reasons.append(_("located in %(place)s") % {"place": obj.city or municipality})
            continue
        texts = [obj.description]
        if isinstance(obj, Partnership):
            texts.append(obj.goals)
        if _has(index_terms(*texts), term):
            reasons.append(_("description mentions “%(term)s”") % {"term": term})
            continue
        reasons.append(_("a member's name contains “%(term)s”") % {"term": term})
    if theme is not None:
        reasons.append(_("theme %(theme)s") % {"theme": theme.name})
    if filters.kind:
        reasons.append(_("kind: %(kind)s") % {"kind": obj.get_kind_display()})
    if municipality is not None:
        if filters.municipality:
            reasons.append(_("in municipality %(name)s") % {"name": municipality.name})
        if filters.region:
            reasons.append(
                _("in labour-market region %(name)s")
                % {"name": municipality.labour_market_region.name}
            )
        if filters.province:
            reasons.append(_("in province %(name)s") % {"name": municipality.province.name})
    return reasons


# --- details ------------------------------------------------------------------------------


def person_queryset_for(viewer: Any) -> QuerySet[Person]:
    """People `viewer` may see at all: public names, plus everyone at organisations they edit."""
    qs = Person.objects.all()
    if is_staff(viewer):
        return qs
    visible = Q(is_public=True)
    org_ids = editable_organisation_ids(viewer)
    if org_ids:
        visible |= Q(affiliations__organisation_id__in=org_ids)
    return qs.filter(visible).distinct()


def organisation_get(viewer: Any, pk: int) -> Organisation:
    people = person_queryset_for(viewer).prefetch_related("affiliations")
    qs = Organisation.objects.select_related(
        "municipality__province",
        "municipality__labour_market_region",
        "municipality__corop_region",
    ).prefetch_related(
        "themes",
        "sbi_codes",
        "source_ids",
        Prefetch(
            "memberships",
            queryset=Membership.objects.select_related("partnership__municipality").order_by(
                "partnership__name"
            ),
        ),
        Prefetch(
            "affiliations",
            queryset=Affiliation.objects.filter(person__in=people)
            .select_related("person")
            .prefetch_related("person__affiliations")
            .order_by("person__name"),
            to_attr="visible_affiliations",
        ),
    )
    try:
        return qs.get(pk=pk)
    except Organisation.DoesNotExist as exc:
        raise Http404(_("No such organisation.")) from exc


def partnership_get(viewer: Any, pk: int) -> Partnership:
    people = person_queryset_for(viewer)
    qs = Partnership.objects.select_related(
        "municipality__province",
        "municipality__labour_market_region",
    ).prefetch_related(
        "themes",
        "source_ids",
        Prefetch(
            "memberships",
            queryset=Membership.objects.select_related("organisation__municipality").order_by(
                "role", "organisation__name"
            ),
        ),
        Prefetch(
            "contacts",
            queryset=PartnershipContact.objects.filter(person__in=people)
            .select_related("person")
            .prefetch_related("person__affiliations__organisation"),
            to_attr="visible_contacts",
        ),
    )
    try:
        return qs.get(pk=pk)
    except Partnership.DoesNotExist as exc:
        raise Http404(_("No such partnership.")) from exc


def person_get(viewer: Any, pk: int) -> Person:
    qs = person_queryset_for(viewer).prefetch_related(
        Prefetch("affiliations", queryset=Affiliation.objects.select_related("organisation")),
        Prefetch(
            "partnership_roles",
            queryset=PartnershipContact.objects.select_related("partnership"),
        ),
    )
    try:
        return qs.get(pk=pk)
    except Person.DoesNotExist as exc:
        raise Http404(_("No such person.")) from exc


def related_partnerships(partnership: Partnership, *, limit: int = 6) -> list[Partnership]:
    """Partnerships that share members with this one, then those sharing a theme nearby."""
    member_ids = [m.organisation_id for m in partnership.memberships.all()]
    theme_ids = [t.id for t in partnership.themes.all()]
    shared = (
        Partnership.objects.exclude(pk=partnership.pk)
        .filter(memberships__organisation_id__in=member_ids)
        .annotate(shared_members=Count("memberships", distinct=True))
        .select_related("municipality")
        .order_by("-shared_members", "name")[:limit]
    )
    out: list[Partnership] = [*shared]
    if len(out) < limit and theme_ids and partnership.municipality_id:
        province_id = partnership.municipality.province_id  # type: ignore[union-attr]
        more = (
            Partnership.objects.exclude(pk__in=[partnership.pk, *[p.pk for p in out]])
            .filter(themes__in=theme_ids, municipality__province_id=province_id)
            .distinct()
            .select_related("municipality")
            .order_by("name")[: limit - len(out)]
        )
        out += list(more)
    return out


def organisation_partnerships(organisation: Organisation) -> list[Membership]:
    return list(organisation.memberships.all())


# --- region view --------------------------------------------------------------------------


def region_counts() -> dict[str, Any]:
    """Organisations and partnerships per province and per labour-market region."""

    def by(model: Any, path: str) -> dict[str, int]:
        return {
            row[path]: row["n"]
            for row in model.objects.filter(municipality__isnull=False)
            .values(path)
            .annotate(n=Count("id"))
        }

    org_prov = by(Organisation, "municipality__province__code")
    ps_prov = by(Partnership, "municipality__province__code")
    org_lmr = by(Organisation, "municipality__labour_market_region__code")
    ps_lmr = by(Partnership, "municipality__labour_market_region__code")
    provinces = [
        {
            "code": p.code,
            "name": p.name,
            "abbr": p.abbreviation,
            "organisations": org_prov.get(p.code, 0),
            "partnerships": ps_prov.get(p.code, 0),
        }
        for p in Province.objects.order_by("name")
    ]
    regions = [
        {
            "code": r.code,
            "name": r.name,
            "organisations": org_lmr.get(r.code, 0),
            "partnerships": ps_lmr.get(r.code, 0),
        }
        for r in LabourMarketRegion.objects.order_by("name")
    ]
    return {
        "provinces": provinces,
        "regions": regions,
        "unplaced_organisations": Organisation.objects.filter(municipality__isnull=True).count(),
        "unplaced_partnerships": Partnership.objects.filter(municipality__isnull=True).count(),
    }


def filter_choices() -> dict[str, Any]:
    return {
        "organisation_kinds": OrganisationKind.choices,
        "partnership_kinds": PartnershipKind.choices,
        "themes": sorted(Theme.objects.all(), key=lambda t: t.name.lower()),
        "provinces": list(Province.objects.order_by("name")),
        "regions": list(LabourMarketRegion.objects.order_by("name")),
        "municipalities": list(Municipality.objects.order_by("name").only("code", "name")),
    }

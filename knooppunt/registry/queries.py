"""Reads of the registry. Every function takes the viewer and returns only what they may see.

The registry's organisations and partnerships are public; people's names are
public only with consent, their email and phone only to those who may edit them
(see `knooppunt.accounts.permissions`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from knooppunt.accounts.permissions import editable_organisation_ids, is_staff
from knooppunt.core.paging import PagerMixin, page_count
from knooppunt.core.text import index_terms, query_terms
from knooppunt.places.countries import NETHERLANDS
from knooppunt.places.models import LabourMarketRegion, Municipality, Province
from knooppunt.registry import search
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


# Text searches count at most this many matches: "more than 1,000 results" says enough,
# and counting every match of a common word would cost as much as the search itself.
COUNT_CAP = 1000
PER_PAGE = 20


def _theme_tree(code: str) -> list[tuple[int, str]]:
    """(id, code) of the theme `code` and every theme below it in the hierarchy."""
    themes = list(Theme.objects.values_list("id", "code", "parent_id"))
    root = next((t for t in themes if t[1] == code), None)
    if root is None:
        return []
    found = {root[0]: root[1]}
    grew = True
    while grew:
        grew = False
        for tid, tcode, parent in themes:
            if parent in found and tid not in found:
                found[tid] = tcode
                grew = True
    return sorted(found.items())


def theme_with_descendants(code: str) -> list[int]:
    """Ids of the theme `code` and every theme below it in the hierarchy."""
    return [pk for pk, _code in _theme_tree(code)]


def _filtered(qs: QuerySet[Any], filters: DirectoryFilters) -> QuerySet[Any]:
    """`qs` with the directory's filters applied, without the text."""
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
    return qs


def _facet_groups(filters: DirectoryFilters) -> list[list[str]] | None:
    """The filters as index facets (one group per filter, any of a group); None: no match."""
    groups: list[list[str]] = []
    if filters.kind:
        groups.append([search.facet("k", filters.kind)])
    if filters.theme:
        codes = [code for _pk, code in _theme_tree(filters.theme)]
        if not codes:
            return None
        groups.append([search.facet("t", code) for code in codes])
    if filters.municipality:
        groups.append([search.facet("m", filters.municipality)])
    if filters.region:
        groups.append([search.facet("r", filters.region)])
    if filters.province:
        groups.append([search.facet("p", filters.province)])
    return groups


_ORDERINGS = {
    "relevance": ["name", "id"],  # without a text; with one the index ranks
    "name": ["name", "id"],
    "-name": ["-name", "-id"],
    "-updated": ["-updated_at", "-id"],
}


def _base(model: type[Organisation] | type[Partnership]) -> QuerySet[Any]:
    return model.objects.select_related(
        "municipality__province", "municipality__labour_market_region"
    ).prefetch_related("themes")


def _text_search(
    model: type[Organisation] | type[Partnership], filters: DirectoryFilters
) -> search.TextSearch | None:
    groups = _facet_groups(filters)
    if groups is None:
        return None
    return search.TextSearch(model._meta.db_table, filters.terms, groups)


@dataclass
class DirectoryPage(PagerMixin):
    """One page of directory results, with what a pager needs (like Django's `Page`)."""

    objects: list[Any]
    number: int
    per_page: int
    count: int
    count_capped: bool = False  # `count` is COUNT_CAP; there are more

    def start_index(self) -> int:
        return self.first_rank if self.objects else 0


def directory_page(
    viewer: Any,
    filters: DirectoryFilters,
    *,
    page: int = 1,
    per_page: int = PER_PAGE,
    count_cap: int | None = COUNT_CAP,
    clamp: bool = True,
    prefetch: tuple[str, ...] = (),
) -> DirectoryPage:
    """One page of the directory for `filters`, best matches first.

    With a text, the database's full-text index (see `registry.search`) applies the
    words and the filters together, counts (up to `count_cap`) and ranks; only the
    page's rows are then read. `clamp`: a page past the end gives the last page
    (the web pager), otherwise an empty page (the API).
    """
    model: type[Organisation] | type[Partnership] = (
        Partnership if filters.what == "partnerships" else Organisation
    )
    qs = _base(model).prefetch_related(*prefetch)
    text = _text_search(model, filters) if filters.terms else None
    if filters.terms and text is None:
        return DirectoryPage([], 1, per_page, 0)
    if text is not None:
        count = text.count(limit=count_cap + 1 if count_cap is not None else None)
        capped = count_cap is not None and count > count_cap
        count = min(count, count_cap) if count_cap is not None else count
    else:
        qs = _filtered(qs, filters)
        count, capped = qs.count(), False
    last = page_count(count, per_page)
    number = min(max(page, 1), last) if clamp else max(page, 1)
    offset = (number - 1) * per_page
    objects: list[Any] = []
    if offset < count:
        if text is not None:
            ids = text.page_ids(offset, per_page, filters.sort)
            by_id = qs.in_bulk(ids)
            objects = [by_id[pk] for pk in ids if pk in by_id]
        else:
            objects = list(qs.order_by(*_ORDERINGS[filters.sort])[offset : offset + per_page])
    if model is Partnership and objects:
        counts = dict(
            Membership.objects.filter(partnership__in=objects)
            .values_list("partnership_id")
            .annotate(n=Count("id"))
            .values_list("partnership_id", "n")
        )
        for obj in objects:
            obj.member_count = counts.get(obj.pk, 0)
    return DirectoryPage(objects, number, per_page, count, capped)


def _has(terms_doc: str, term: str) -> bool:
    return (" " + term) in terms_doc


@lru_cache(maxsize=256)
def _theme_terms(name_nl: str, name_en: str, synonyms: tuple[str, ...]) -> str:
    """A theme's index terms; the same few themes recur on every results page."""
    return index_terms(name_nl, name_en, *synonyms)


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
                if _has(_theme_terms(t.name_nl, t.name_en, tuple(t.synonyms())), term)
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


# --- without a municipality ---------------------------------------------------------------

UNPLACED_SCOPES = ("netherlands", "abroad", "all")
UNPLACED_PER_PAGE = 50


@dataclass
class UnplacedPage(PagerMixin):
    objects: list[Any]
    number: int
    per_page: int
    count: int


def unplaced_page(
    viewer: Any,
    *,
    what: str = "organisations",
    scope: str = "netherlands",
    q: str = "",
    page: int = 1,
    per_page: int = UNPLACED_PER_PAGE,
) -> UnplacedPage:
    """Organisations (or partnerships) without a municipality, by name: in the Netherlands
    (a place that did not resolve, or none given: to fix), abroad, or all; `q` narrows by
    name or place. Public data (the page that lists it is for staff). A partial index on
    (country, name, id) where the municipality is empty serves it at any registry size."""
    model: type[Organisation] | type[Partnership] = (
        Partnership if what == "partnerships" else Organisation
    )
    qs = model.objects.filter(municipality__isnull=True)
    if scope == "netherlands":
        qs = qs.filter(country=NETHERLANDS)
    elif scope == "abroad":
        qs = qs.exclude(country=NETHERLANDS)
    q = q.strip()
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(city__icontains=q))
    count = qs.count()
    number = min(max(1, page), page_count(count, per_page))
    start = (number - 1) * per_page
    objects = list(
        qs.order_by("name", "id").only("id", "name", "kind", "country", "city", "municipality")[
            start : start + per_page
        ]
    )
    return UnplacedPage(objects=objects, number=number, per_page=per_page, count=count)


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
        "unplaced_organisations": Organisation.objects.filter(
            municipality__isnull=True, country=NETHERLANDS
        ).count(),
        "unplaced_partnerships": Partnership.objects.filter(
            municipality__isnull=True, country=NETHERLANDS
        ).count(),
        # Abroad means no municipality (Located.clean_place): counted from the null rows only.
        "abroad_organisations": Organisation.objects.filter(municipality__isnull=True)
        .exclude(country=NETHERLANDS)
        .count(),
        "abroad_partnerships": Partnership.objects.filter(municipality__isnull=True)
        .exclude(country=NETHERLANDS)
        .count(),
    }


def filter_choices() -> dict[str, list[tuple[str, Any]]]:
    """(code, label) pairs for the directory's filter lists, labels in the active language."""
    themes = [(t.code, t.name) for t in Theme.objects.only("code", "name_nl", "name_en")]
    return {
        "organisation_kinds": list(OrganisationKind.choices),
        "partnership_kinds": list(PartnershipKind.choices),
        "themes": sorted(themes, key=lambda pair: pair[1].lower()),
        "provinces": list(Province.objects.order_by("name").values_list("code", "name")),
        "regions": list(LabourMarketRegion.objects.order_by("name").values_list("code", "name")),
        "municipalities": list(Municipality.objects.order_by("name").values_list("code", "name")),
    }

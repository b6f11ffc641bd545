"""Output of the JSON API v1: registry objects as the plain data of `knooppunt.api.schemas`.

Field by field, never a model dump: email and phone of people appear only through
`_personal()`, which asks `can_view_personal_data` for the caller. The functions expect
the objects as `registry.queries` returns them (related rows fetched), so a page of
results costs a fixed number of queries.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.http import HttpRequest

from knooppunt.accounts.permissions import can_view_personal_data
from knooppunt.places.models import Municipality
from knooppunt.registry.models import Membership, Organisation, Partnership, Person, Theme

Json = dict[str, Any]


def municipality_out(m: Municipality) -> Json:
    """Expects province and labour_market_region to be fetched with it."""
    return {
        "code": m.code,
        "name": m.name,
        "province": {"code": m.province.code, "name": m.province.name},
        "labour_market_region": {
            "code": m.labour_market_region.code,
            "name": m.labour_market_region.name,
        },
    }


def _themes(themes: Iterable[Theme]) -> list[Json]:
    return [{"code": t.code, "name_nl": t.name_nl, "name_en": t.name_en} for t in themes]


def _ref(obj: Organisation | Partnership) -> Json:
    return {"id": obj.pk, "name": obj.name, "kind": obj.kind}


def _personal(viewer: Any, person: Person, value: str) -> str | None:
    return value if can_view_personal_data(viewer, person) else None


def organisation_out(request: HttpRequest, org: Organisation) -> Json:
    return {
        "id": org.pk,
        "url": request.build_absolute_uri(org.get_absolute_url()),
        "kind": org.kind,
        "name": org.name,
        "brin": org.brin,
        "kvk": org.kvk,
        "country": org.country,
        "city": org.city,
        "municipality": municipality_out(org.municipality) if org.municipality else None,
        "website": org.website,
        "email": org.email,
        "phone": org.phone,
        "description": org.description,
        "themes": _themes(org.themes.all()),
        "sbi_codes": [s.code for s in org.sbi_codes.all()],
        "created_at": org.created_at,
        "updated_at": org.updated_at,
    }


def organisation_detail_out(request: HttpRequest, org: Organisation) -> Json:
    """`org` as `queries.organisation_get` returns it (memberships, visible affiliations)."""
    viewer = request.user
    return {
        **organisation_out(request, org),
        "memberships": [
            {
                "id": m.pk,
                "partnership": _ref(m.partnership),
                "role": m.role,
                "since_year": m.since_year,
                "until_year": m.until_year,
            }
            for m in org.memberships.all()
        ],
        "people": [
            {
                "id": a.person.pk,
                "name": a.person.name,
                "function": a.function,
                "email": _personal(viewer, a.person, a.person.email),
                "phone": _personal(viewer, a.person, a.person.phone),
            }
            for a in org.visible_affiliations  # type: ignore[attr-defined]
        ],
    }


def partnership_out(request: HttpRequest, ps: Partnership) -> Json:
    member_count = getattr(ps, "member_count", None)
    return {
        "id": ps.pk,
        "url": request.build_absolute_uri(ps.get_absolute_url()),
        "kind": ps.kind,
        "name": ps.name,
        "country": ps.country,
        "city": ps.city,
        "municipality": municipality_out(ps.municipality) if ps.municipality else None,
        "start_year": ps.start_year,
        "end_year": ps.end_year,
        "description": ps.description,
        "goals": ps.goals,
        "website": ps.website,
        "email": ps.email,
        "themes": _themes(ps.themes.all()),
        "member_count": len(ps.memberships.all()) if member_count is None else member_count,
        "created_at": ps.created_at,
        "updated_at": ps.updated_at,
    }


def partnership_detail_out(request: HttpRequest, ps: Partnership) -> Json:
    """`ps` as `queries.partnership_get` returns it (memberships, visible contacts)."""
    viewer = request.user
    return {
        **partnership_out(request, ps),
        "memberships": [
            {
                "id": m.pk,
                "organisation": _ref(m.organisation),
                "role": m.role,
                "since_year": m.since_year,
                "until_year": m.until_year,
            }
            for m in ps.memberships.all()
        ],
        "contacts": [
            {
                "person": {"id": c.person.pk, "name": c.person.name},
                "role": c.role,
                "email": _personal(viewer, c.person, c.person.email),
                "phone": _personal(viewer, c.person, c.person.phone),
            }
            for c in ps.visible_contacts  # type: ignore[attr-defined]
        ],
    }


def membership_out(m: Membership) -> Json:
    return {
        "id": m.pk,
        "partnership": _ref(m.partnership),
        "organisation": _ref(m.organisation),
        "role": m.role,
        "since_year": m.since_year,
        "until_year": m.until_year,
    }


def person_out(request: HttpRequest, person: Person) -> Json:
    """Email and phone only for who may see personal data; `null` for everyone else."""
    viewer = request.user
    return {
        "id": person.pk,
        "url": request.build_absolute_uri(person.get_absolute_url()),
        "name": person.name,
        "is_public": person.is_public,
        "email": _personal(viewer, person, person.email),
        "phone": _personal(viewer, person, person.phone),
        "affiliations": [
            {"organisation": _ref(a.organisation), "function": a.function}
            for a in person.affiliations.all()
        ],
    }


def person_detail_out(request: HttpRequest, person: Person) -> Json:
    return {
        **person_out(request, person),
        "partnership_roles": [
            {"partnership": _ref(c.partnership), "role": c.role}
            for c in person.partnership_roles.all()
        ],
    }


def theme_out(theme: Theme) -> Json:
    return {
        "code": theme.code,
        "name_nl": theme.name_nl,
        "name_en": theme.name_en,
        "kind": theme.kind,
        "parent": theme.parent.code if theme.parent else None,
        "synonyms_nl": [s.strip() for s in theme.synonyms_nl.split(";") if s.strip()],
        "synonyms_en": [s.strip() for s in theme.synonyms_en.split(";") if s.strip()],
    }

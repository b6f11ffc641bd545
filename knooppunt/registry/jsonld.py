"""schema.org JSON-LD for public pages (checked offline against formats/schemaorg in tests)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from knooppunt.registry.models import Organisation, Partnership

SCHOOL_KIND_TO_TYPE = {
    "school_vo": "HighSchool",
    "school_mbo": "EducationalOrganization",
    "school_hbo": "CollegeOrUniversity",
    "school_wo": "CollegeOrUniversity",
    "municipality": "GovernmentOrganization",
    "province": "GovernmentOrganization",
    "national_government": "GovernmentOrganization",
    "company": "Corporation",
    "knowledge_institute": "ResearchOrganization",
}


def _place(obj: Organisation | Partnership) -> dict[str, Any] | None:
    """A PostalAddress: the country (ISO 3166-1 code, as schema.org allows), the place as
    written (else the municipality) and, in the Netherlands, the province."""
    municipality = obj.municipality
    if municipality is None and not obj.city and not obj.is_abroad:
        return None
    address: dict[str, Any] = {"@type": "PostalAddress", "addressCountry": obj.country}
    locality = obj.city or (municipality.name if municipality else "")
    if locality:
        address["addressLocality"] = locality
    if municipality is not None:
        address["addressRegion"] = municipality.province.name
    return address


def organisation(request: HttpRequest, org: Organisation) -> dict[str, Any]:
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": SCHOOL_KIND_TO_TYPE.get(org.kind, "Organization"),
        "@id": request.build_absolute_uri(org.get_absolute_url()),
        "name": org.name,
        "url": org.website or request.build_absolute_uri(org.get_absolute_url()),
    }
    if org.description:
        data["description"] = org.description
    address = _place(org)
    if address:
        data["address"] = address
    if org.kvk:
        data["identifier"] = {"@type": "PropertyValue", "propertyID": "KvK", "value": org.kvk}
    elif org.brin:
        data["identifier"] = {"@type": "PropertyValue", "propertyID": "BRIN", "value": org.brin}
    themes = [t.name for t in org.themes.all()]
    if themes:
        data["knowsAbout"] = themes
    memberships = list(org.memberships.all())
    if memberships:
        data["memberOf"] = [
            {
                "@type": "Project",
                "name": m.partnership.name,
                "@id": request.build_absolute_uri(m.partnership.get_absolute_url()),
            }
            for m in memberships
        ]
    return data


def partnership(request: HttpRequest, ps: Partnership) -> dict[str, Any]:
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Project",
        "@id": request.build_absolute_uri(ps.get_absolute_url()),
        "name": ps.name,
        "url": ps.website or request.build_absolute_uri(ps.get_absolute_url()),
    }
    if ps.description:
        data["description"] = ps.description
    if ps.start_year:
        data["foundingDate"] = str(ps.start_year)
    if ps.end_year:
        data["dissolutionDate"] = str(ps.end_year)
    address = _place(ps)
    if address:
        data["location"] = {"@type": "Place", "address": address}
    themes = [t.name for t in ps.themes.all()]
    if themes:
        data["keywords"] = ", ".join(themes)
    members = list(ps.memberships.all())
    if members:
        data["member"] = [
            {
                "@type": "Organization",
                "name": m.organisation.name,
                "@id": request.build_absolute_uri(m.organisation.get_absolute_url()),
            }
            for m in members
        ]
        funders = [m for m in members if m.role == "funder"]
        if funders:
            data["funder"] = [
                {"@type": "Organization", "name": m.organisation.name} for m in funders
            ]
    return data

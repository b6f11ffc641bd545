"""Matching with partners abroad and places that did not resolve: they are matched on
themes, kind and network like everyone else, with no distance or region component."""

from __future__ import annotations

import math
from typing import Any

import pytest
from django.urls import reverse

from knooppunt.matching import network, queries
from knooppunt.registry import services
from knooppunt.registry.models import Theme


@pytest.fixture(autouse=True)
def _english(settings: Any) -> None:
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def european(registry: dict[str, Any]) -> dict[str, Any]:
    """The small registry plus a CoVE with members in Mol and Aachen, and a company whose
    place did not resolve (Velp lies in two municipalities)."""
    maak = Theme.objects.get(code="maakindustrie")
    energie = Theme.objects.get(code="energie")
    create = services.organisation_create
    mol = create(
        actor=None,
        kind="knowledge_institute",
        name="Kempens Energie-instituut",
        country="BE",
        city="Mol",
        themes=[maak, energie],
    )
    aachen = create(
        actor=None,
        kind="school_wo",
        name="Hochschule Dreiländereck",
        country="DE",
        city="Aachen",
        themes=[maak],
    )
    velp = create(actor=None, kind="company", name="Velpse Metaal", city="Velp", themes=[maak])
    cove = services.partnership_create(
        actor=None, kind="cove", name="CoVE Maakindustrie", country="BE", city="Mol", themes=[maak]
    )
    services.membership_set(actor=None, partnership=cove, organisation=mol, role="lead")
    services.membership_set(actor=None, partnership=cove, organisation=aachen, role="partner")
    services.membership_set(
        actor=None, partnership=cove, organisation=registry["school"], role="partner"
    )
    network.forget()
    return {**registry, "mol": mol, "aachen": aachen, "velp": velp, "cove": cove}


def test_a_foreign_partnership_gets_member_suggestions(european: dict[str, Any]) -> None:
    result = queries.suggest_members(None, european["cove"], per_page=50)
    names = [s.organisation.name for s in result.suggestions]
    assert "Metaalbedrijf De Vonk" in names  # shares the theme
    assert "Velpse Metaal" in names  # no municipality: still a candidate
    members = {"Kempens Energie-instituut", "Hochschule Dreiländereck", "Koning Willem I College"}
    assert not members & set(names)
    for suggestion in result.suggestions:
        assert suggestion.components["geo"] == 0.0  # the seeker has no place: no distance
        assert not any("km away" in r or "same province" in r for r in suggestion.reasons)


def test_partners_abroad_are_suggested_without_a_distance(european: dict[str, Any]) -> None:
    maak = Theme.objects.get(code="maakindustrie")
    oss = european["company"].municipality
    result = queries.suggest_partners(
        None, theme_ids=[maak.pk], municipality_id=oss.pk, per_page=50
    )
    by_name = {s.organisation.name: s for s in result.suggestions}
    mol = by_name["Kempens Energie-instituut"]
    assert mol.components["geo"] == 0.0
    distance = mol.evidence["distance_km"]
    assert distance is None or math.isnan(distance)  # unknown, not 0 km
    assert any("theme" in r for r in mol.reasons)
    assert by_name["Velpse Metaal"].components["geo"] == 0.0
    # A candidate in Oss itself gets the place; the one abroad is still on the list.
    assert by_name["Gemeente Oss"].components["geo"] == 1.0


def test_an_organisation_abroad_can_ask_for_partners(european: dict[str, Any]) -> None:
    result = queries.suggest_partners(None, organisation=european["aachen"], per_page=50)
    names = [s.organisation.name for s in result.suggestions]
    assert names, "an organisation without a municipality still gets suggestions"
    assert "Hochschule Dreiländereck" not in names


def test_the_match_page_shows_the_country(client: Any, european: dict[str, Any]) -> None:
    response = client.get(reverse("matching:find"), {"themes": ["maakindustrie"]})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Kempens Energie-instituut" in html
    assert "Mol, Belgium" in html

"""Partners abroad on the website, and the staff list of those without a municipality."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from knooppunt.places.models import Municipality
from knooppunt.registry import jsonld, queries, services
from knooppunt.registry.models import Organisation

UNPLACED = reverse("registry:unplaced")


@pytest.fixture(autouse=True)
def _english(settings: Any) -> None:
    """English pages (the assertions read the source texts) unless a test asks for Dutch."""
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def abroad(registry: dict[str, Any]) -> dict[str, Any]:
    create = services.organisation_create
    mol = create(
        actor=None, kind="knowledge_institute", name="Instituut Mol", country="BE", city="Mol"
    )
    velp = create(actor=None, kind="company", name="Velpse Techniek", city="Velp")
    typo = create(actor=None, kind="company", name="Eindhovens Design", city="Eindhovn")
    bare = create(actor=None, kind="company", name="Zonder Plaats BV")
    cove = services.partnership_create(
        actor=None, kind="cove", name="CoVE Valencia", country="ES", city="Valencia"
    )
    services.membership_set(actor=None, partnership=registry["hub"], organisation=mol)
    return {**registry, "mol": mol, "velp": velp, "typo": typo, "bare": bare, "cove": cove}


def _html(client: Client, url: str, **params: Any) -> str:
    response = client.get(url, params)
    assert response.status_code == 200
    return response.content.decode()


# --- showing the country -------------------------------------------------------------------


def test_detail_page_shows_the_country_in_dutch_and_english(
    client: Client, abroad: dict[str, Any]
) -> None:
    url = abroad["mol"].get_absolute_url()
    client.cookies["django_language"] = "nl"
    dutch = _html(client, url)
    assert "Mol, België" in dutch and "<dt>Land</dt><dd>België</dd>" in dutch
    client.cookies["django_language"] = "en"
    english = _html(client, url)
    assert "Mol, Belgium" in english and "<dt>Country</dt><dd>Belgium</dd>" in english
    partnership = _html(client, abroad["cove"].get_absolute_url())
    assert "Valencia, Spain" in partnership


def test_member_list_and_directory_show_the_country(client: Client, abroad: dict[str, Any]) -> None:
    hub = _html(client, abroad["hub"].get_absolute_url())
    assert 'Instituut Mol</a> <span class="muted">(Mol, Belgium)</span>' in hub
    directory = _html(client, reverse("registry:directory"), q="Instituut Mol")
    assert "Mol, Belgium" in directory
    velp = _html(client, reverse("registry:directory"), q="Velpse")
    assert re.search(r"</span>\s*Velp\s*</p>", velp)  # the place as written, no province


def test_jsonld_has_the_country(rf: Any, abroad: dict[str, Any]) -> None:
    request = rf.get("/")
    mol = Organisation.objects.get(pk=abroad["mol"].pk)
    data = jsonld.organisation(request, mol)
    assert data["address"] == {
        "@type": "PostalAddress",
        "addressCountry": "BE",
        "addressLocality": "Mol",
    }
    oss = jsonld.organisation(request, Organisation.objects.get(pk=abroad["company"].pk))
    assert oss["address"]["addressCountry"] == "NL"
    assert oss["address"]["addressRegion"] == "Noord-Brabant"
    cove = jsonld.partnership(request, abroad["cove"])
    assert cove["location"]["address"]["addressCountry"] == "ES"
    bare = jsonld.organisation(request, Organisation.objects.get(pk=abroad["bare"].pk))
    assert "address" not in bare


def test_detail_page_embeds_the_country_in_its_jsonld(
    client: Client, abroad: dict[str, Any]
) -> None:
    html = _html(client, abroad["mol"].get_absolute_url())
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert block is not None
    assert json.loads(block.group(1))["address"]["addressCountry"] == "BE"


# --- editing -----------------------------------------------------------------------------


def _form(client: Client, url: str, **changes: Any) -> dict[str, Any]:
    from tests.core.test_permission_matrix import page_form

    data: dict[str, Any] = page_form(_html(client, url))
    data.update(changes)
    return data


def test_edit_form_moves_an_organisation_abroad(
    client: Client, staff: Any, abroad: dict[str, Any]
) -> None:
    client.force_login(staff)
    typo = abroad["typo"]
    url = reverse("registry:organisation-edit", args=[typo.pk])
    response = client.post(url, _form(client, url, country="DE", city="Aachen"))
    assert response.status_code == 302
    typo.refresh_from_db()
    assert (typo.country, typo.city, typo.municipality) == ("DE", "Aachen", None)
    # A municipality for a place abroad is refused, and the form says why.
    oss = Municipality.objects.get(code="GM0828")
    response = client.post(url, _form(client, url, municipality=str(oss.pk)))
    assert response.status_code == 400
    assert "Only places in the Netherlands have a municipality" in response.content.decode()


def test_an_unresolved_place_is_saved_with_a_warning(
    client: Client, staff: Any, abroad: dict[str, Any]
) -> None:
    client.force_login(staff)
    company = abroad["company"]
    url = reverse("registry:organisation-edit", args=[company.pk])
    data = _form(client, url, city="Velp", municipality="")
    response = client.post(url, data, follow=True)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Changes saved." in html
    assert "“Velp” lies in more than one municipality (Land van Cuijk, Rheden)" in html
    company.refresh_from_db()
    assert (company.city, company.municipality) == ("Velp", None)  # not Oss any more
    # Staff choose the municipality by hand; saving again with the same place keeps it.
    rheden = Municipality.objects.get(name="Rheden")
    client.post(url, _form(client, url, municipality=str(rheden.pk)))
    client.post(url, _form(client, url, description="Nieuw.", municipality=""))
    company.refresh_from_db()
    assert (company.city, company.municipality, company.description) == ("Velp", rheden, "Nieuw.")


# --- the staff list ------------------------------------------------------------------------


def test_staff_list_shows_what_to_fix_with_reasons_and_edit_links(
    client: Client, staff: Any, abroad: dict[str, Any]
) -> None:
    client.force_login(staff)
    html = _html(client, UNPLACED)
    assert "4 results" not in html  # abroad ones are not in the default list
    assert "3 results" in html
    for key in ("velp", "typo", "bare"):
        assert reverse("registry:organisation-edit", args=[abroad[key].pk]) in html, key
    assert "Instituut Mol" not in html
    assert "Metaalbedrijf De Vonk" not in html  # placed
    assert "(Land van Cuijk, Rheden)" in html
    assert "did you mean: Eindhoven?" in html
    assert "No place given." in html

    abroad_html = _html(client, UNPLACED, scope="abroad")
    assert "1 result" in abroad_html and "Instituut Mol" in abroad_html and "Belgium" in abroad_html
    everything = _html(client, UNPLACED, scope="all", q="velp")
    assert "1 result" in everything and "Velpse Techniek" in everything
    partnerships = _html(client, UNPLACED, what="partnerships", scope="abroad")
    assert "CoVE Valencia" in partnerships
    assert reverse("registry:partnership-edit", args=[abroad["cove"].pk]) in partnerships


def test_staff_list_pages(client: Client, staff: Any, reference: None) -> None:
    for i in range(queries.UNPLACED_PER_PAGE + 5):
        Organisation.objects.create(kind="company", name=f"Ongeplaatst {i:03d}", city="Velp")
    client.force_login(staff)
    first = _html(client, UNPLACED)
    assert "Page 1 of 2" in first and "Ongeplaatst 000" in first
    assert "Ongeplaatst 050" not in first
    second = _html(client, UNPLACED, page=2)
    assert "Ongeplaatst 054" in second and "Ongeplaatst 000" not in second
    assert _html(client, UNPLACED, page="x")  # a bad page number is page 1, not an error
    assert "Page 2 of 2" in _html(client, UNPLACED, page=99)


def test_staff_list_is_for_staff_only(client: Client, viewer: Any, editor: Any) -> None:
    assert client.get(UNPLACED).status_code == 302  # to the login page
    for user in (viewer, editor):
        client.force_login(user)
        assert client.get(UNPLACED).status_code == 403


def test_region_page_counts_abroad_and_unplaced_and_links_staff_to_the_list(
    client: Client, staff: Any, abroad: dict[str, Any]
) -> None:
    public = _html(client, reverse("registry:region"))
    assert "1 abroad, not on the map." in public
    assert "3 in the Netherlands without a known municipality." in public
    assert UNPLACED not in public
    client.force_login(staff)
    assert UNPLACED in _html(client, reverse("registry:region"))


def test_detail_page_asks_staff_to_fix_an_unplaced_place(
    client: Client, staff: Any, abroad: dict[str, Any]
) -> None:
    url = abroad["velp"].get_absolute_url()
    assert "No municipality is known" not in _html(client, url)
    client.force_login(staff)
    assert "No municipality is known for “Velp”" in _html(client, url)
    assert "No municipality is known" not in _html(client, abroad["mol"].get_absolute_url())

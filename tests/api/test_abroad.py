"""The API and partners abroad: `country` in and out, no municipality abroad."""

from __future__ import annotations

from typing import Any

from knooppunt.registry.models import Organisation, Partnership


def errors(response: Any) -> set[str]:
    return {e["field"] for e in response.json().get("errors", [])}


def test_create_abroad_keeps_the_place_and_has_no_municipality(
    staff_api: Any, registry: dict[str, Any]
) -> None:
    response = staff_api.post(
        "/organisations",
        {"kind": "knowledge_institute", "name": "Instituut Mol", "country": "BE", "city": "Mol"},
    )
    assert response.status_code == 201, response.content
    data = response.json()
    assert (data["country"], data["city"], data["municipality"]) == ("BE", "Mol", None)
    # Read back, in the list too.
    listed = staff_api.get("/organisations", {"q": "Instituut Mol"}).json()["results"]
    assert [(o["name"], o["country"]) for o in listed] == [("Instituut Mol", "BE")]
    assert staff_api.get(f"/organisations/{data['id']}").json()["country"] == "BE"


def test_country_defaults_to_the_netherlands(staff_api: Any, registry: dict[str, Any]) -> None:
    data = staff_api.post("/organisations", {"kind": "company", "name": "X", "city": "Oss"}).json()
    assert data["country"] == "NL" and data["municipality"]["code"] == "GM0828"
    velp = staff_api.post("/organisations", {"kind": "company", "name": "Y", "city": "Velp"})
    assert velp.status_code == 201  # an ambiguous place is kept, without a municipality
    assert velp.json()["municipality"] is None and velp.json()["city"] == "Velp"


def test_bad_country_input_is_422(staff_api: Any, registry: dict[str, Any]) -> None:
    before = Organisation.objects.count()
    unknown = staff_api.post("/organisations", {"kind": "company", "name": "X", "country": "QQ"})
    assert unknown.status_code == 422 and errors(unknown) == {"country"}
    lower = staff_api.post("/organisations", {"kind": "company", "name": "X", "country": "be"})
    assert lower.status_code == 422
    both = staff_api.post(
        "/organisations",
        {"kind": "company", "name": "X", "country": "DE", "municipality": "GM0828"},
    )
    assert both.status_code == 422 and errors(both) == {"municipality"}
    assert Organisation.objects.count() == before


def test_patch_country_moves_abroad_and_drops_the_municipality(
    staff_api: Any, registry: dict[str, Any]
) -> None:
    hub = registry["hub"]
    response = staff_api.patch(f"/partnerships/{hub.pk}", {"country": "BE", "city": "Mol"})
    assert response.status_code == 200, response.content
    assert (response.json()["country"], response.json()["municipality"]) == ("BE", None)
    hub = Partnership.objects.get(pk=hub.pk)
    assert (hub.country, hub.city, hub.municipality) == ("BE", "Mol", None)
    back = staff_api.patch(f"/partnerships/{hub.pk}", {"country": "NL", "city": "Oss"})
    assert back.json()["municipality"]["code"] == "GM0828"

"""ETag and If-Match: no write based on an old version; PATCH writes only what it sends."""

from __future__ import annotations

from typing import Any

from knooppunt.core.models import AuditEntry
from knooppunt.registry import services
from knooppunt.registry.models import Membership, Organisation, Person

LONG = "x" * 20_001


def test_get_gives_an_etag_and_every_write_a_new_one(
    staff_api: Any, registry: dict[str, Any]
) -> None:
    path = f"/organisations/{registry['company'].pk}"
    response = staff_api.get(path)
    assert response["ETag"] == '"v1"'
    response = staff_api.patch(path, {"phone": "06-1"}, headers={"If-Match": '"v1"'})
    assert response.status_code == 200, response.content
    assert response["ETag"] == '"v2"'
    assert staff_api.get(path)["ETag"] == '"v2"'


def test_a_stale_if_match_is_412_with_the_current_etag_and_nothing_is_written(
    staff_api: Any, registry: dict[str, Any]
) -> None:
    company = registry["company"]
    services.organisation_update(actor=None, organisation=company, phone="06-1")
    path = f"/organisations/{company.pk}"
    response = staff_api.patch(path, {"name": "Oud"}, headers={"If-Match": '"v1"'})
    assert response.status_code == 412
    assert response["ETag"] == '"v2"'
    assert set(response.json()) == {"detail"}  # the one error shape
    assert Organisation.objects.get(pk=company.pk).name == "Metaalbedrijf De Vonk"
    assert staff_api.delete(path, headers={"If-Match": '"v1"'}).status_code == 412
    assert Organisation.objects.filter(pk=company.pk).exists()
    assert staff_api.delete(path, headers={"If-Match": 'W/"v2"'}).status_code == 204


def test_if_match_on_partnerships_memberships_and_people(
    staff_api: Any, registry: dict[str, Any]
) -> None:
    membership = Membership.objects.get(
        partnership=registry["hub"], organisation=registry["company"]
    )
    cases = [
        (f"/partnerships/{registry['hub'].pk}", {"goals": "Meer"}),
        (f"/memberships/{membership.pk}", {"since_year": 2020}),
        (f"/people/{registry['public'].pk}", {"phone": "06-2"}),
    ]
    for path, body in cases:
        tag = staff_api.get(path)["ETag"]
        assert staff_api.patch(path, body, headers={"If-Match": tag}).status_code == 200, path
        again = staff_api.patch(path, body, headers={"If-Match": tag})
        assert again.status_code == 412, path
        assert again["ETag"] != tag


def test_patch_without_if_match_writes_only_the_fields_it_sends(
    staff_api: Any, registry: dict[str, Any]
) -> None:
    """A client that read the object before someone else's change does not undo it."""
    person = Person.objects.get(pk=registry["private"].pk)
    services.person_update(actor=None, person=person, name="Petra Nieuw")
    response = staff_api.patch(f"/people/{person.pk}", {"function": "Directeur"})
    assert response.status_code == 200
    person.refresh_from_db()
    assert person.name == "Petra Nieuw"
    assert person.affiliations.get().function == "Directeur"


def test_an_api_patch_obeys_the_rules_too(staff_api: Any, registry: dict[str, Any]) -> None:
    company = registry["company"]
    for body, field in (
        ({"name": "  "}, "name"),
        ({"name": "a\nb"}, "name"),
        ({"city": "Oss\u2028Noord"}, "city"),
        ({"description": LONG}, "description"),
        ({"brin": "25LJ"}, "brin"),
    ):
        response = staff_api.patch(f"/organisations/{company.pk}", body)
        assert response.status_code == 422, (body, response.content)
        assert field in {e["field"] for e in response.json()["errors"]}
    company.refresh_from_db()
    assert company.name == "Metaalbedrijf De Vonk" and company.version == 1
    assert not AuditEntry.objects.filter(action="registry.organisation.updated").exists()


def test_the_api_strips_white_space_as_the_forms_do(
    staff_api: Any, registry: dict[str, Any]
) -> None:
    response = staff_api.patch(f"/organisations/{registry['company'].pk}", {"name": "  Vonk  "})
    assert response.status_code == 200
    assert Organisation.objects.get(pk=registry["company"].pk).name == "Vonk"


def test_if_match_is_documented_on_every_change_and_delete(staff_api: Any) -> None:
    from django.test import Client

    openapi = Client().get("/api/v1/openapi.json").json()
    versioned = ("organisations", "partnerships", "memberships", "people")
    for path, operations in openapi["paths"].items():
        if not any(path.startswith(f"/api/v1/{v}/{{") for v in versioned):
            continue
        for method, op in operations.items():
            if method == "get":
                assert "ETag" in op["responses"]["200"]["headers"], path
            else:
                names = {p["name"] for p in op.get("parameters", []) if p["in"] == "header"}
                assert "If-Match" in names, (method, path)
                assert "ETag" in op["responses"]["412"]["headers"], (method, path)

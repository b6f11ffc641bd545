"""Writing through the API: the same services and permissions as the website."""

from __future__ import annotations

from typing import Any

import pytest

from knooppunt.core.models import AuditEntry
from knooppunt.registry.models import Membership, Organisation, Partnership, Person


def fields(response: Any) -> set[str]:
    return {e["field"] for e in response.json().get("errors", [])}


# --- organisations ------------------------------------------------------------------------


def test_staff_creates_an_organisation_through_the_service(
    staff_api: Any, staff: Any, registry: dict[str, Any]
) -> None:
    response = staff_api.post(
        "/organisations",
        {
            "kind": "company",
            "name": "Nieuw BV",
            "city": "Oss",
            "themes": ["ict"],
            "sbi_codes": ["6201"],
            "kvk": "87654321",
        },
    )
    assert response.status_code == 201, response.content
    data = response.json()
    org = Organisation.objects.get(pk=data["id"])
    assert org.name == "Nieuw BV"
    assert data["municipality"]["code"] == "GM0828"  # looked up from the city, as on the site
    assert [t["code"] for t in data["themes"]] == ["ict"]
    assert data["sbi_codes"] == ["6201"]
    assert " nieuw" in org.search_document  # the service kept the search index in step
    entry = AuditEntry.objects.get(action="registry.organisation.created", target_id=org.pk)
    assert entry.actor == staff


def test_editor_updates_own_organisation_and_only_sent_fields_change(
    editor_api: Any, editor: Any, registry: dict[str, Any]
) -> None:
    company = registry["company"]
    response = editor_api.patch(
        f"/organisations/{company.pk}", {"website": "https://vonk.example", "themes": ["ict"]}
    )
    assert response.status_code == 200, response.content
    company.refresh_from_db()
    assert company.website == "https://vonk.example"
    assert company.name == "Metaalbedrijf De Vonk"
    assert company.description == "Fictief bedrijf voor tests."
    assert [t.code for t in company.themes.all()] == ["ict"]
    assert response.json()["website"] == "https://vonk.example"
    entry = AuditEntry.objects.filter(action="registry.organisation.updated").latest("id")
    assert entry.actor == editor
    assert set(entry.changes) == {"website", "themes"}


def test_editor_cannot_touch_another_organisation(
    editor_api: Any, registry: dict[str, Any]
) -> None:
    other = registry["other"]
    response = editor_api.patch(f"/organisations/{other.pk}", {"name": "Gekaapt"})
    assert response.status_code == 403
    assert response.json()["detail"]
    other.refresh_from_db()
    assert other.name == "Data & Zo"
    assert editor_api.delete(f"/organisations/{registry['company'].pk}").status_code == 403


def test_anonymous_writes_are_401_with_a_challenge(anon_api: Any, registry: dict[str, Any]) -> None:
    response = anon_api.post("/organisations", {"kind": "company", "name": "X"})
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert set(response.json()) == {"detail"}
    assert anon_api.delete(f"/organisations/{registry['company'].pk}").status_code == 401
    assert Organisation.objects.filter(pk=registry["company"].pk).exists()


def test_staff_deletes_an_organisation(staff_api: Any, registry: dict[str, Any]) -> None:
    company = registry["company"]
    response = staff_api.delete(f"/organisations/{company.pk}")
    assert response.status_code == 204
    assert response.content == b""
    assert not Organisation.objects.filter(pk=company.pk).exists()
    assert staff_api.get(f"/organisations/{company.pk}").status_code == 404
    assert staff_api.delete(f"/organisations/{company.pk}").status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "company"}, "name"),
        ({"kind": "bakery", "name": "X"}, "kind"),
        ({"kind": "company", "name": ""}, "name"),
        ({"kind": "company", "name": "x" * 201}, "name"),
        ({"kind": "company", "name": "X", "brin": "12AB"}, "brin"),  # model.clean(): schools only
        ({"kind": "school_mbo", "name": "X", "brin": "nope"}, "brin"),
        ({"kind": "company", "name": "X", "kvk": "123"}, "kvk"),
        ({"kind": "company", "name": "X", "email": "not-an-address"}, "email"),
        ({"kind": "company", "name": "X", "website": "not a url"}, "website"),
        ({"kind": "company", "name": "X", "themes": ["ict", "bestaat_niet"]}, "themes"),
        ({"kind": "company", "name": "X", "themes": ["NOT A CODE"]}, "themes.0"),
        ({"kind": "company", "name": "X", "sbi_codes": ["9999"]}, "sbi_codes"),
        ({"kind": "company", "name": "X", "municipality": "GM9999"}, "municipality"),
        ({"kind": "company", "name": "X\x00"}, "name"),
        ({"kind": "company", "name": "X", "colour": "red"}, "colour"),
        ({"kind": "company", "name": None}, "name"),
        ({"kind": "company", "name": 42}, "name"),
    ],
)
def test_invalid_organisation_is_422_naming_the_field(
    staff_api: Any, registry: dict[str, Any], body: dict[str, Any], field: str
) -> None:
    before = Organisation.objects.count()
    response = staff_api.post("/organisations", body)
    assert response.status_code == 422, response.content
    assert field in fields(response)
    assert response.json()["detail"]
    assert Organisation.objects.count() == before


@pytest.mark.parametrize(
    "body", [{"name": None}, {"kind": None}, {"themes": None}, {"name": ""}, [None, None], 7, "x"]
)
def test_invalid_patch_is_422(staff_api: Any, registry: dict[str, Any], body: Any) -> None:
    company = registry["company"]
    response = staff_api.patch(f"/organisations/{company.pk}", body)
    assert response.status_code == 422, response.content
    company.refresh_from_db()
    assert company.name == "Metaalbedrijf De Vonk"


@pytest.mark.parametrize("raw", ["{not json", "", "[", "\xff"])
def test_body_that_is_not_json_is_400_or_422(
    staff_api: Any, registry: dict[str, Any], raw: str
) -> None:
    response = staff_api.post("/organisations", raw=raw)
    assert response.status_code in {400, 422}
    assert response.json()["detail"]


# --- partnerships -------------------------------------------------------------------------


def test_lead_editor_updates_the_partnership_a_partner_cannot(
    lead_api: Any, editor_api: Any, registry: dict[str, Any]
) -> None:
    hub = registry["hub"]
    assert editor_api.patch(f"/partnerships/{hub.pk}", {"goals": "x"}).status_code == 403
    response = lead_api.patch(
        f"/partnerships/{hub.pk}", {"goals": "Meer stages.", "end_year": 2030}
    )
    assert response.status_code == 200, response.content
    hub.refresh_from_db()
    assert (hub.goals, hub.end_year, hub.start_year) == ("Meer stages.", 2030, 2022)


def test_partnership_years_are_checked_by_the_model(
    staff_api: Any, registry: dict[str, Any]
) -> None:
    hub = registry["hub"]
    response = staff_api.patch(f"/partnerships/{hub.pk}", {"end_year": 2000})
    assert response.status_code == 422
    assert fields(response) == {"end_year"}
    response = staff_api.post("/partnerships", {"kind": "hub", "name": "X", "start_year": 1800})
    assert response.status_code == 422 and "start_year" in fields(response)
    response = staff_api.post("/partnerships", {"kind": "hub", "name": "X", "start_year": "2020"})
    assert response.status_code == 422 and "start_year" in fields(response)  # no coercion


def test_staff_creates_and_deletes_a_partnership(staff_api: Any, registry: dict[str, Any]) -> None:
    response = staff_api.post(
        "/partnerships",
        {
            "kind": "campus",
            "name": "Campus Oss",
            "city": "Oss",
            "themes": ["maakindustrie"],
            "start_year": 2024,
        },
    )
    assert response.status_code == 201, response.content
    pk = response.json()["id"]
    assert response.json()["member_count"] == 0
    assert staff_api.delete(f"/partnerships/{pk}").status_code == 204
    assert not Partnership.objects.filter(pk=pk).exists()


# --- memberships --------------------------------------------------------------------------


def test_lead_editor_manages_members(lead_api: Any, registry: dict[str, Any]) -> None:
    hub, other = registry["hub"], registry["other"]
    response = lead_api.post(
        "/memberships",
        {"partnership": hub.pk, "organisation": other.pk, "role": "partner", "since_year": 2024},
    )
    assert response.status_code == 201, response.content
    membership = Membership.objects.get(partnership=hub, organisation=other)
    assert (membership.role, membership.since_year) == ("partner", 2024)
    hub.refresh_from_db()
    assert " zo " in hub.search_document  # the service reindexed: members' names are searchable
    again = lead_api.post("/memberships", {"partnership": hub.pk, "organisation": other.pk})
    assert again.status_code == 409
    response = lead_api.patch(f"/memberships/{membership.pk}", {"role": "founder"})
    assert response.status_code == 200
    membership.refresh_from_db()
    assert (membership.role, membership.since_year) == ("founder", 2024)  # years kept
    assert lead_api.delete(f"/memberships/{membership.pk}").status_code == 204
    assert not Membership.objects.filter(pk=membership.pk).exists()
    hub.refresh_from_db()
    assert " zo " not in hub.search_document


def test_membership_references_are_checked(staff_api: Any, registry: dict[str, Any]) -> None:
    hub = registry["hub"]
    response = staff_api.post("/memberships", {"partnership": hub.pk, "organisation": 987654})
    assert response.status_code == 422 and fields(response) == {"organisation"}
    response = staff_api.post("/memberships", {"partnership": 987654, "organisation": 1})
    assert response.status_code == 422 and fields(response) == {"partnership"}
    response = staff_api.post(
        "/memberships",
        {"partnership": hub.pk, "organisation": registry["other"].pk, "role": "boss"},
    )
    assert response.status_code == 422 and fields(response) == {"role"}


# --- people -------------------------------------------------------------------------------


def test_editor_adds_and_changes_a_person_of_their_organisation(
    editor_api: Any, registry: dict[str, Any]
) -> None:
    company = registry["company"]
    response = editor_api.post(
        "/people",
        {
            "name": "Nieuwe Nina",
            "organisation": company.pk,
            "function": "Praktijkopleider",
            "email": "nina@example.nl",
            "is_public": False,
        },
    )
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["email"] == "nina@example.nl"  # the editor may see it
    assert data["affiliations"] == [
        {
            "organisation": {"id": company.pk, "name": company.name, "kind": "company"},
            "function": "Praktijkopleider",
        }
    ]
    response = editor_api.patch(
        f"/people/{data['id']}", {"function": "Teamleider", "phone": "06-1"}
    )
    assert response.status_code == 200, response.content
    nina = Person.objects.get(pk=data["id"])
    assert nina.phone == "06-1"
    assert nina.affiliations.get().function == "Teamleider"
    # personal data stays out of the audit log, as with the website
    entry = AuditEntry.objects.filter(action="registry.person.updated").latest("id")
    assert "06-1" not in str(entry.changes)


def test_editor_cannot_add_people_to_another_organisation(
    editor_api: Any, registry: dict[str, Any]
) -> None:
    response = editor_api.post("/people", {"name": "X", "organisation": registry["other"].pk})
    assert response.status_code == 403
    assert not Person.objects.filter(name="X").exists()


def test_people_the_caller_cannot_see_are_404_not_403(
    lead_api: Any, registry: dict[str, Any]
) -> None:
    private = registry["private"]
    assert lead_api.patch(f"/people/{private.pk}", {"name": "X"}).status_code == 404
    assert lead_api.delete(f"/people/{private.pk}").status_code == 404
    assert Person.objects.filter(pk=private.pk).exists()


def test_person_validation(staff_api: Any, registry: dict[str, Any]) -> None:
    company = registry["company"]
    response = staff_api.post(
        "/people", {"name": "X", "organisation": company.pk, "email": "nope", "is_public": 1}
    )
    assert response.status_code == 422
    assert "is_public" in fields(response)  # a boolean, not a number
    response = staff_api.post("/people", {"name": "X", "organisation": company.pk, "email": "nope"})
    assert response.status_code == 422 and fields(response) == {"email"}
    response = staff_api.post("/people", {"name": "X"})
    assert response.status_code == 422 and fields(response) == {"organisation"}


# --- input the database could not store: refused, never a 500 (PostgreSQL refuses NUL) ----


@pytest.mark.parametrize(
    ("method", "path", "raw"),
    [
        ("POST", "/organisations", '{"kind": "company", "name": "a", "city": "\\u0000"}'),
        ("POST", "/organisations", '{"kind": "company", "name": "\\ud800"}'),
        ("POST", "/organisations", '{"kind": "company", "name": "a", "themes": ["a\\u0000"]}'),
        ("POST", "/people", '{"organisation": 1, "name": "\\ud800x"}'),
        ("PATCH", "/people/{private}", '{"function": "\\u0000"}'),
        ("PATCH", "/partnerships/{hub}", '{"goals": "a\\u0000b"}'),
    ],
)
def test_nul_and_lone_surrogates_in_bodies_are_422(
    staff_api: Any, registry: dict[str, Any], method: str, path: str, raw: str
) -> None:
    path = path.format(private=registry["private"].pk, hub=registry["hub"].pk)
    response = staff_api.call(method, path, raw=raw)
    assert response.status_code == 422, response.content


@pytest.mark.parametrize(
    ("path", "params", "status"),
    [
        ("/people", {"q": "a\x00b"}, 422),
        ("/organisations", {"q": "\x00"}, 200),  # search words are folded: NUL is no word
        ("/partnerships", {"q": "\x00"}, 200),
        ("/places/municipalities", {"province": "\x00"}, 422),
        ("/themes/a%00b", {}, 422),
    ],
)
def test_nul_in_query_parameters_never_reaches_the_database(
    staff_api: Any, registry: dict[str, Any], path: str, params: dict[str, str], status: int
) -> None:
    assert staff_api.get(path, params).status_code == status

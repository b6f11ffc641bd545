"""Reading the registry through the API: lists, filters, pages, details, personal data."""

from __future__ import annotations

from typing import Any

import pytest

from knooppunt.registry import services


def names(response: Any) -> list[str]:
    return [r["name"] for r in response.json()["results"]]


# --- organisations and partnerships: the directory's filters -----------------------------


def test_organisation_list_is_public_and_paged(anon_api: Any, registry: dict[str, Any]) -> None:
    response = anon_api.get("/organisations")
    assert response.status_code == 200
    data = response.json()
    assert data["count"] == 4
    assert data["page"] == 1 and data["page_size"] == 20
    assert data["next"] is None and data["previous"] is None
    assert names(response) == sorted(names(response))  # name order without a query
    company = next(r for r in data["results"] if r["name"] == "Metaalbedrijf De Vonk")
    assert company["kind"] == "company"
    assert company["kvk"] == "12345678"
    assert company["municipality"]["code"] == "GM0828"
    assert company["municipality"]["province"] == {"code": "PV30", "name": "Noord-Brabant"}
    assert [t["code"] for t in company["themes"]] == ["maakindustrie"]
    assert company["url"].endswith(f"/organisaties/{registry['company'].pk}/")


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"q": "vonk"}, ["Metaalbedrijf De Vonk"]),
        ({"q": "metaal"}, ["Koning Willem I College", "Metaalbedrijf De Vonk"]),  # via theme
        ({"q": "bedrijven"}, ["Data & Zo", "Metaalbedrijf De Vonk"]),  # stemmed, as the site
        ({"kind": "school_mbo"}, ["Koning Willem I College"]),
        ({"theme": "ict"}, ["Data & Zo"]),
        ({"municipality": "GM0828"}, ["Gemeente Oss", "Metaalbedrijf De Vonk"]),
        ({"region": "AM27"}, ["Gemeente Oss", "Koning Willem I College", "Metaalbedrijf De Vonk"]),
        (
            {"province": "PV30"},
            ["Data & Zo", "Gemeente Oss", "Koning Willem I College", "Metaalbedrijf De Vonk"],
        ),
        (
            {"kind": "company", "province": "PV30", "q": "fictief"},
            ["Data & Zo", "Metaalbedrijf De Vonk"],
        ),
    ],
)
def test_organisation_filters_equal_the_directory(
    anon_api: Any, registry: dict[str, Any], params: dict[str, str], expected: list[str]
) -> None:
    response = anon_api.get("/organisations", {**params, "sort": "name"})
    assert response.status_code == 200, response.content
    assert names(response) == expected


def test_theme_filter_includes_narrower_themes(anon_api: Any, registry: dict[str, Any]) -> None:
    from knooppunt.registry.models import Theme

    ict = Theme.objects.get(code="ict")
    narrower = Theme.objects.filter(parent=ict).first() or Theme.objects.exclude(pk=ict.pk).first()
    assert narrower is not None
    narrower.parent = ict
    narrower.save()
    services.organisation_create(
        actor=None, kind="company", name="Smalle Thema BV", themes=[narrower]
    )
    response = anon_api.get("/organisations", {"theme": "ict", "sort": "name"})
    assert names(response) == ["Data & Zo", "Smalle Thema BV"]


def test_sorting(anon_api: Any, registry: dict[str, Any]) -> None:
    by_name = names(anon_api.get("/organisations", {"sort": "name"}))
    assert names(anon_api.get("/organisations", {"sort": "-name"})) == by_name[::-1]
    services.organisation_update(actor=None, organisation=registry["gemeente"], description="x")
    assert names(anon_api.get("/organisations", {"sort": "-updated"}))[0] == "Gemeente Oss"
    # relevance: a word in the name weighs more than one in the description
    ranked = names(anon_api.get("/organisations", {"q": "oss"}))
    assert ranked[0] == "Gemeente Oss"


def test_partnership_list_and_filters(anon_api: Any, registry: dict[str, Any]) -> None:
    data = anon_api.get("/partnerships").json()
    assert data["count"] == 2
    hub = next(r for r in data["results"] if r["name"] == "Technohub Maasland")
    assert hub["member_count"] == 3
    assert hub["start_year"] == 2022
    assert names(anon_api.get("/partnerships", {"kind": "technohub"})) == ["Technohub Maasland"]
    assert names(anon_api.get("/partnerships", {"theme": "ict"})) == ["Learning Community Data"]
    assert names(anon_api.get("/partnerships", {"q": "vonk"})) == ["Technohub Maasland"]


def test_pagination_walks_every_result_once(anon_api: Any, registry: dict[str, Any]) -> None:
    for i in range(7):
        services.organisation_create(actor=None, kind="company", name=f"Bedrijf {i:02d}")
    seen: list[str] = []
    response = anon_api.get("/organisations", {"page_size": 3, "sort": "name"})
    pages = 0
    while True:
        data = response.json()
        assert data["count"] == 11
        seen += [r["name"] for r in data["results"]]
        pages += 1
        if data["next"] is None:
            break
        assert "page_size=3" in data["next"] and "sort=name" in data["next"]
        response = anon_api.client.get(data["next"])  # a full URL, as given
    assert pages == 4
    assert len(seen) == 11 == len(set(seen))
    assert data["previous"] is not None and "page=3" in data["previous"]


def test_page_past_the_end_is_empty_not_an_error(anon_api: Any, registry: dict[str, Any]) -> None:
    data = anon_api.get("/organisations", {"page": 50}).json()
    assert data["results"] == [] and data["count"] == 4 and data["next"] is None
    assert "page=1" in data["previous"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"page_size": 101}, "page_size"),
        ({"page_size": 0}, "page_size"),
        ({"page": 0}, "page"),
        ({"page": "abc"}, "page"),
        ({"page": 10**30}, "page"),
        ({"kind": "bakery"}, "kind"),
        ({"sort": "random"}, "sort"),
        ({"theme": "bestaat_niet"}, "theme"),
        ({"theme": "Not A Code!"}, "theme"),
        ({"province": "PV99"}, "province"),
        ({"region": "XX"}, "region"),
        ({"municipality": "GM0000"}, "municipality"),
        ({"municipality": "GM\x00"}, "municipality"),
        ({"q": "x" * 201}, "q"),
    ],
)
def test_bad_list_parameters_are_422_with_the_field(
    anon_api: Any, registry: dict[str, Any], params: dict[str, Any], field: str
) -> None:
    response = anon_api.get("/organisations", params)
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["detail"]
    assert field in [e["field"] for e in body["errors"]]


def test_query_with_odd_characters_is_fine(anon_api: Any, registry: dict[str, Any]) -> None:
    for q in ["\x00", "' OR 1=1 --", "🚜", "%", "_", "ß"]:
        assert anon_api.get("/organisations", {"q": q}).status_code == 200


def test_organisation_detail(anon_api: Any, registry: dict[str, Any]) -> None:
    response = anon_api.get(f"/organisations/{registry['company'].pk}")
    assert response.status_code == 200
    data = response.json()
    assert data["name"] == "Metaalbedrijf De Vonk"
    assert [(m["partnership"]["name"], m["role"]) for m in data["memberships"]] == [
        ("Technohub Maasland", "partner")
    ]


def test_partnership_detail(anon_api: Any, registry: dict[str, Any]) -> None:
    data = anon_api.get(f"/partnerships/{registry['hub'].pk}").json()
    assert [(m["organisation"]["name"], m["role"]) for m in data["memberships"]] == [
        ("Gemeente Oss", "funder"),
        ("Koning Willem I College", "lead"),
        ("Metaalbedrijf De Vonk", "partner"),
    ]
    assert data["member_count"] == 3
    assert [c["person"]["name"] for c in data["contacts"]] == ["Openbare Olaf"]


@pytest.mark.parametrize(
    "path",
    [
        "/organisations/987654",
        "/partnerships/987654",
        "/memberships/987654",
        "/people/987654",
        "/themes/bestaat_niet",
        "/places/provinces/PV99",
        "/places/labour-market-regions/AM99",
        "/places/municipalities/GM9999",
        "/no-such-thing",
        "/organisations/1/extra",
    ],
)
def test_not_found_is_404_with_the_error_shape(
    anon_api: Any, registry: dict[str, Any], path: str
) -> None:
    response = anon_api.get(path)
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert set(response.json()) == {"detail"}


@pytest.mark.parametrize(
    "path",
    [
        "/organisations/abc",
        "/organisations/0",
        "/organisations/-1",
        f"/organisations/{2**63}",
        "/people/1.5",
        "/themes/NOT-A-CODE",
    ],
)
def test_malformed_ids_are_422_never_500(
    anon_api: Any, registry: dict[str, Any], path: str
) -> None:
    response = anon_api.get(path)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] in {"organisation_id", "person_id", "code"}


def test_memberships_per_partnership_and_per_organisation(
    anon_api: Any, registry: dict[str, Any]
) -> None:
    hub, company = registry["hub"], registry["company"]
    per_ps = anon_api.get("/memberships", {"partnership": hub.pk}).json()
    assert per_ps["count"] == 3
    assert {m["organisation"]["name"] for m in per_ps["results"]} == {
        "Koning Willem I College",
        "Metaalbedrijf De Vonk",
        "Gemeente Oss",
    }
    per_org = anon_api.get("/memberships", {"organisation": company.pk}).json()
    assert [(m["partnership"]["name"], m["role"]) for m in per_org["results"]] == [
        ("Technohub Maasland", "partner")
    ]
    leads = anon_api.get("/memberships", {"role": "lead"}).json()
    assert {m["organisation"]["name"] for m in leads["results"]} == {
        "Koning Willem I College",
        "Data & Zo",
    }
    one = per_org["results"][0]
    assert anon_api.get(f"/memberships/{one['id']}").json() == one


def test_themes_and_places(anon_api: Any, registry: dict[str, Any]) -> None:
    themes = anon_api.get("/themes").json()
    codes = [t["code"] for t in themes]
    assert "ict" in codes and codes == sorted(codes)
    ict = anon_api.get("/themes/ict").json()
    assert ict["name_en"] and isinstance(ict["synonyms_nl"], list)
    provinces = anon_api.get("/places/provinces").json()
    assert len(provinces) == 12
    assert anon_api.get("/places/provinces/PV30").json()["name"] == "Noord-Brabant"
    regions = anon_api.get("/places/labour-market-regions").json()
    assert len(regions) == 35
    assert anon_api.get("/places/labour-market-regions/AM27").json()["name"] == "Noordoost-Brabant"
    municipalities = anon_api.get("/places/municipalities").json()
    assert len(municipalities) > 300
    oss = anon_api.get("/places/municipalities/GM0828").json()
    assert oss["province"]["code"] == "PV30" and oss["labour_market_region"]["code"] == "AM27"
    in_brabant = anon_api.get("/places/municipalities", {"province": "PV30"}).json()
    assert "Oss" in [m["name"] for m in in_brabant]
    assert all(m["province"]["code"] == "PV30" for m in in_brabant)
    in_region = anon_api.get("/places/municipalities", {"region": "AM27"}).json()
    assert {m["labour_market_region"]["code"] for m in in_region} == {"AM27"}
    assert anon_api.get("/places/municipalities", {"province": "PV99"}).status_code == 422


# --- people: only what the caller may see ------------------------------------------------


def people_by_name(response: Any) -> dict[str, Any]:
    return {p["name"]: p for p in response.json()["results"]}


def test_anonymous_sees_public_names_only_without_contact_details(
    anon_api: Any, registry: dict[str, Any]
) -> None:
    people = people_by_name(anon_api.get("/people"))
    assert set(people) == {"Openbare Olaf", "Dirk Data"}
    assert all(p["email"] is None and p["phone"] is None for p in people.values())
    assert anon_api.get(f"/people/{registry['private'].pk}").status_code == 404
    olaf = anon_api.get(f"/people/{registry['public'].pk}").json()
    assert olaf["email"] is None and olaf["phone"] is None
    assert olaf["partnership_roles"] == [
        {
            "partnership": {
                "id": registry["hub"].pk,
                "name": "Technohub Maasland",
                "kind": "technohub",
            },
            "role": "bedrijven",
        }
    ]
    org = anon_api.get(f"/organisations/{registry['company'].pk}").json()
    assert [(p["name"], p["email"]) for p in org["people"]] == [("Openbare Olaf", None)]
    hub = anon_api.get(f"/partnerships/{registry['hub'].pk}").json()
    assert hub["contacts"][0]["email"] is None and hub["contacts"][0]["phone"] is None


def test_a_viewer_token_sees_what_anonymous_sees(
    viewer_api: Any, anon_api: Any, registry: dict[str, Any]
) -> None:
    assert viewer_api.get("/people").json() == anon_api.get("/people").json()
    path = f"/organisations/{registry['company'].pk}"
    assert viewer_api.get(path).json()["people"] == anon_api.get(path).json()["people"]


def test_editor_sees_their_organisations_people_with_contact_details(
    editor_api: Any, registry: dict[str, Any]
) -> None:
    people = people_by_name(editor_api.get("/people"))
    assert set(people) == {"Openbare Olaf", "Dirk Data", "Petra Privé"}
    assert people["Petra Privé"]["email"] == "petra@example.nl"
    assert people["Openbare Olaf"]["phone"] == "06-33334444"
    # someone else's organisation: the public name, not the contact details
    assert people["Dirk Data"]["email"] is None
    petra = editor_api.get(f"/people/{registry['private'].pk}").json()
    assert petra["phone"] == "06-11112222"
    org = editor_api.get(f"/organisations/{registry['company'].pk}").json()
    assert {p["name"]: p["email"] for p in org["people"]} == {
        "Openbare Olaf": "olaf@example.nl",
        "Petra Privé": "petra@example.nl",
    }
    hub = editor_api.get(f"/partnerships/{registry['hub'].pk}").json()
    assert hub["contacts"][0]["email"] == "olaf@example.nl"


def test_lead_editor_of_another_organisation_sees_no_contact_details(
    lead_api: Any, registry: dict[str, Any]
) -> None:
    people = people_by_name(lead_api.get("/people"))
    assert "Petra Privé" not in people
    assert all(p["email"] is None for p in people.values())


def test_staff_sees_everyone(staff_api: Any, registry: dict[str, Any]) -> None:
    people = people_by_name(staff_api.get("/people"))
    assert set(people) == {"Openbare Olaf", "Dirk Data", "Petra Privé"}
    assert people["Dirk Data"]["email"] == "dirk@example.nl"


def test_people_filters(staff_api: Any, registry: dict[str, Any]) -> None:
    assert list(people_by_name(staff_api.get("/people", {"q": "petra"}))) == ["Petra Privé"]
    at_other = staff_api.get("/people", {"organisation": registry["other"].pk})
    assert list(people_by_name(at_other)) == ["Dirk Data"]


def test_list_query_count_does_not_grow_with_the_page(
    anon_api: Any, registry: dict[str, Any], django_assert_max_num_queries: Any
) -> None:
    for i in range(30):
        services.organisation_create(actor=None, kind="company", name=f"Extra {i}", city="Oss")
    with django_assert_max_num_queries(8):
        assert len(anon_api.get("/organisations", {"page_size": 30}).json()["results"]) == 30
    with django_assert_max_num_queries(8):
        anon_api.get("/people", {"page_size": 100})

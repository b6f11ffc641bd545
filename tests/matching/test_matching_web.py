"""The match page, member suggestions, partner profiles, the API and the commands."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from knooppunt.accounts.models import User
from knooppunt.api.services import api_token_create
from knooppunt.core.audit import history_for
from knooppunt.matching import network, queries, services
from knooppunt.matching.models import Offer, PartnerProfile
from knooppunt.matching.scoring import OFFER_KINDS
from knooppunt.registry import services as registry_services
from knooppunt.registry.models import Membership, Organisation, Theme

REAL = Path(__file__).resolve().parents[2] / "bench" / "data" / "real-partnerships"


@pytest.fixture(autouse=True)
def _english(settings: Any) -> None:
    settings.LANGUAGE_CODE = "en"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def wider(registry: dict[str, Any]) -> dict[str, Any]:
    """The small registry plus a few organisations around Oss to choose from."""
    maak = Theme.objects.get(code="maakindustrie")
    extra = {
        "welder": registry_services.organisation_create(
            actor=None, kind="company", name="Lasbedrijf Oss", city="Oss", themes=[maak]
        ),
        "far": registry_services.organisation_create(
            actor=None, kind="company", name="Metaal Groningen", city="Groningen", themes=[maak]
        ),
        "mbo": registry_services.organisation_create(
            actor=None, kind="school_mbo", name="ROC Maasland", city="Uden", themes=[maak]
        ),
    }
    services.partner_profile_update(
        actor=None,
        organisation=extra["welder"],
        open_to_partnerships=True,
        offers=["bbl_places", "internships"],
        seeks=[],
    )
    return {**registry, **extra}


def test_offer_bits_follow_the_offer_choices() -> None:
    assert tuple(Offer.values) == OFFER_KINDS


def test_empty_match_page_asks_a_question(client: Any, db: Any) -> None:
    response = client.get(reverse("matching:find"))
    assert response.status_code == 200
    assert b"Fill in at least one question" in response.content


def test_match_page_ranks_with_reasons_and_a_map(client: Any, wider: dict[str, Any]) -> None:
    gm_oss = wider["company"].municipality.code
    response = client.get(
        reverse("matching:find"),
        {"q": "metaal", "municipality": gm_oss, "kinds": ["company"], "seeks": ["bbl_places"]},
    )
    assert response.status_code == 200
    page = response.content.decode()
    names = [s.organisation.name for s in response.context["result"].suggestions]
    assert set(names) <= {
        "Lasbedrijf Oss",
        "Metaal Groningen",
        "Metaalbedrijf De Vonk",
        "Data & Zo",
    }
    assert names.index("Metaalbedrijf De Vonk") < names.index("Metaal Groningen")
    assert "offers what you look for: BBL work-study places" in page
    assert "in the same municipality (Oss)" in page
    assert '<svg viewBox="0 0 480' in page and 'class="map-dot"' in page


def test_radius_needs_a_place(client: Any, wider: dict[str, Any]) -> None:
    response = client.get(reverse("matching:find"), {"q": "metaal", "radius": "25"})
    assert response.status_code == 400
    assert b"Choose a municipality" in response.content


def test_radius_keeps_far_candidates_out(wider: dict[str, Any]) -> None:
    oss = wider["company"].municipality
    result = queries.suggest_partners(
        None, text="metaal", municipality_id=oss.pk, radius_km=30, per_page=50
    )
    names = {s.organisation.name for s in result.suggestions}
    assert "Lasbedrijf Oss" in names and "Metaal Groningen" not in names


def test_editor_asks_as_own_organisation_and_is_never_suggested_itself(
    client: Any, wider: dict[str, Any], editor: User
) -> None:
    client.force_login(editor)
    response = client.get(
        reverse("matching:find"), {"organisation": wider["company"].pk, "kinds": ["company"]}
    )
    assert response.status_code == 200
    names = [s.organisation.name for s in response.context["result"].suggestions]
    assert names and "Metaalbedrijf De Vonk" not in names


def test_member_suggestions_never_name_members(
    client: Any, wider: dict[str, Any], lead_editor: User
) -> None:
    hub = wider["hub"]
    members = set(
        Membership.objects.filter(partnership=hub).values_list("organisation_id", flat=True)
    )
    result = queries.suggest_members(None, hub, per_page=50)
    assert result.suggestions
    assert not members & {s.organisation.pk for s in result.suggestions}
    client.force_login(lead_editor)
    page = client.get(reverse("matching:partnership-suggestions", args=[hub.pk])).content.decode()
    assert "ROC Maasland" in page or "Lasbedrijf Oss" in page
    assert "Gemeente Oss</a>" not in page


def test_suggestions_follow_the_registry(wider: dict[str, Any]) -> None:
    hub = wider["hub"]
    first = {s.organisation.pk for s in queries.suggest_members(None, hub, per_page=50).suggestions}
    assert wider["welder"].pk in first
    registry_services.membership_set(
        actor=None, partnership=hub, organisation=wider["welder"], role="partner"
    )
    after = {s.organisation.pk for s in queries.suggest_members(None, hub, per_page=50).suggestions}
    assert wider["welder"].pk not in after


def test_every_reason_comes_from_a_component_that_counted(wider: dict[str, Any]) -> None:
    result = queries.suggest_partners(
        None,
        text="metaal",
        municipality_id=wider["company"].municipality.pk,
        seeks=["bbl_places"],
        per_page=20,
    )
    for s in result.suggestions:
        used = set(s.evidence["components_used"])
        for reason in s.reasons:
            if reason.startswith(("in the same", "km away")):
                assert "geo" in used and s.components["geo"] > 0
            if reason.startswith("offers what you look for"):
                assert "complement" in used and s.components["complement"] > 0
            if reason.startswith("works on"):
                assert "theme" in used and s.components["theme"] > 0


def test_profile_edit_saves_and_is_in_the_history(
    client: Any, registry: dict[str, Any], editor: User
) -> None:
    client.force_login(editor)
    url = reverse("matching:profile-edit", args=[registry["company"].pk])
    bad = client.post(url, {"open_to_partnerships": "true", "offers": ["bogus"]})
    assert bad.status_code == 400 and not PartnerProfile.objects.exists()
    ok = client.post(
        url,
        {"open_to_partnerships": "true", "offers": ["internships"], "seeks": ["assignments"]},
    )
    assert ok.status_code == 302
    profile = PartnerProfile.objects.get(organisation=registry["company"])
    assert (profile.open_to_partnerships, profile.offers, profile.seeks) == (
        True,
        ["internships"],
        ["assignments"],
    )
    entry = history_for(registry["company"])[0]
    assert entry.action == "matching.profile.updated" and entry.actor == editor
    page = client.get(registry["company"].get_absolute_url()).content.decode()
    assert "Internships" in page and "Practical assignments" in page


def test_api_match_for_a_partnership_and_for_a_need(
    client: Any, wider: dict[str, Any], staff: User
) -> None:
    token = api_token_create(actor=staff, name="tests")[1]
    response = client.post(
        "/api/v1/match",
        json.dumps({"partnership": str(wider["hub"].pk), "top": 5}),
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["total"] >= len(body["candidates"]) > 0
    first = body["candidates"][0]
    assert set(first) == {
        "id",
        "name",
        "kind",
        "external_id",
        "score",
        "reasons",
        "components",
        "url",
    }
    assert 0 <= first["score"] <= 1
    members = set(
        Membership.objects.filter(partnership=wider["hub"]).values_list(
            "organisation_id", flat=True
        )
    )
    assert not members & {c["id"] for c in body["candidates"]}
    response = client.post(
        "/api/v1/match",
        json.dumps({"need": "metaal", "kinds": ["school_mbo"]}),
        content_type="application/json",
    )
    assert [c["name"] for c in response.json()["candidates"]] == [
        "ROC Maasland",
        "Koning Willem I College",
    ] or {c["kind"] for c in response.json()["candidates"]} == {"school_mbo"}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"partnership": "no-such-id"}, "partnership"),
        ({"need": ""}, "need"),
        ({"need": "x", "themes": ["nope"]}, "themes"),
        ({"need": "x", "municipality": "GM9999"}, "municipality"),
        ({"need": "x", "radius_km": 20}, "radius_km"),
        ({"need": "x", "top": 0}, "top"),
        ({"need": "x", "kinds": ["pirate"]}, "kinds"),
    ],
)
def test_api_match_refuses_bad_input_with_422(
    client: Any, registry: dict[str, Any], body: dict[str, Any], field: str
) -> None:
    response = client.post("/api/v1/match", json.dumps(body), content_type="application/json")
    assert response.status_code == 422, response.content
    assert field in json.dumps(response.json()["errors"])


def test_match_command_json_for_an_imported_partnership(reference: None) -> None:
    call_command("import_registry", str(REAL), source="real", stdout=StringIO())
    out = StringIO()
    pid = "ps-campus-bssc"
    call_command("match", partnership=pid, top=5, fmt="json", stdout=out)
    rows = json.loads(out.getvalue())
    assert len(rows) == 5
    assert all(set(r) == {"name", "kind", "external_id", "score", "reasons"} for r in rows)
    assert all(r["external_id"].startswith("org-") for r in rows)
    members = set(
        Membership.objects.filter(partnership__source_ids__external_id=pid).values_list(
            "organisation__name", flat=True
        )
    )
    assert members and not members & {r["name"] for r in rows}
    scores = [r["score"] for r in rows]
    assert scores == sorted(scores, reverse=True)


def test_match_command_for_a_need_and_bad_arguments(registry: dict[str, Any]) -> None:
    out = StringIO()
    call_command("match", need="metaal", kind=["company"], top=3, fmt="json", stdout=out)
    assert {r["kind"] for r in json.loads(out.getvalue())} == {"company"}
    with pytest.raises(CommandError, match="No partnership"):
        call_command("match", partnership="nope", stdout=StringIO())
    with pytest.raises(CommandError, match="Unknown theme"):
        call_command("match", need="x", theme=["nope"], stdout=StringIO())


def test_evaluate_matching_on_the_real_set_beats_the_baselines(reference: None) -> None:
    out = StringIO()
    call_command("evaluate_matching", str(REAL), fmt="json", stdout=out)
    results = {r["method"]: r for r in json.loads(out.getvalue())}
    assert set(results) == {"matcher", "random", "most_connected", "same_region_most_connected"}
    assert results["matcher"]["queries"] >= 20
    for baseline in ("random", "most_connected", "same_region_most_connected"):
        assert results["matcher"]["mrr"] > results[baseline]["mrr"], baseline
    assert Organisation.objects.count() == 0, "evaluation stores nothing"


def test_evaluate_matching_reports_a_broken_registry(reference: None, tmp_path: Path) -> None:
    (tmp_path / "organisations.csv").write_text("id,name,kind\n1,X,pirate\n", encoding="utf-8")
    with pytest.raises(CommandError, match="does not check out"):
        call_command("evaluate_matching", str(tmp_path), stdout=StringIO())


def test_snapshot_is_reused_until_the_registry_changes(registry: dict[str, Any]) -> None:
    first = network.current()
    assert network.current() is first
    registry_services.organisation_create(actor=None, kind="company", name="Nieuw")
    assert network.current() is not first


def test_import_into_a_new_database_loads_the_reference_data_first(db: Any) -> None:
    from knooppunt.places.models import Municipality
    from knooppunt.registry.models import Partnership

    assert not Municipality.objects.exists()
    call_command("import_registry", str(REAL), source="real", stdout=StringIO(), stderr=StringIO())
    assert Municipality.objects.count() == 342
    assert Partnership.objects.count() == 53

"""Partner profiles and contact guides carry a version: a stale form never overwrites."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from knooppunt.accounts.models import User
from knooppunt.matching import services
from knooppunt.matching.models import Guide, PartnerProfile
from tests.registry.test_writes import page_form


def test_a_stale_profile_form_is_refused_and_merged(
    client: Any, registry: dict[str, Any], editor: User, settings: Any
) -> None:
    settings.LANGUAGE_CODE = "en"
    company = registry["company"]
    url = reverse("matching:profile-edit", args=[company.pk])
    client.force_login(editor)
    mine = page_form(client.get(url).content.decode())
    assert mine["version"] == ["0"]  # no profile yet
    services.partner_profile_update(
        actor=None, organisation=company, open_to_partnerships=True, offers=[], seeks=["funding"]
    )
    mine["offers"] = ["internships"]
    response = client.post(url, mine)
    assert response.status_code == 409
    profile = PartnerProfile.objects.get(organisation=company)
    assert (profile.offers, profile.seeks) == ([], ["funding"])
    again = page_form(response.content.decode())
    assert again["offers"] == ["internships"] and again["seeks"] == ["funding"]
    assert client.post(url, again).status_code == 302
    profile.refresh_from_db()
    assert (profile.offers, profile.seeks, profile.version) == (["internships"], ["funding"], 2)


def test_a_stale_guide_form_is_refused(client: Any, staff: User, db: Any, settings: Any) -> None:
    settings.LANGUAGE_CODE = "en"
    services.guide_save(actor=None, kind="company", title_nl="Bedrijven", body_nl="Eerst.")
    url = reverse("matching:guide-edit", args=["company"])
    client.force_login(staff)
    mine = page_form(client.get(url).content.decode())
    services.guide_save(actor=None, kind="company", title_nl="Bedrijven", body_nl="Bijgewerkt.")
    mine["title_nl"] = ["Bedrijven benaderen"]
    response = client.post(url, mine)
    assert response.status_code == 409
    assert "Bijgewerkt." in response.content.decode()
    assert Guide.objects.get(kind="company").title_nl == "Bedrijven"

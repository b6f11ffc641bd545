"""One write path: partial updates, versions, stale forms, and the same answer on web and API."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from knooppunt.accounts.models import User
from knooppunt.api.services import api_token_create
from knooppunt.core.concurrency import StaleWrite
from knooppunt.registry import services
from knooppunt.registry.models import Membership, Organisation, Partnership, Person


@pytest.fixture(autouse=True)
def _english(settings: Any) -> None:
    settings.LANGUAGE_CODE = "en"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


class _FormReader(HTMLParser):
    """The values a browser would post back from the page's main (post) form."""

    def __init__(self) -> None:
        super().__init__()
        self.data: dict[str, list[str]] = {}
        self._in_form = False
        self._textarea: str | None = None
        self._select: str | None = None
        self._option: tuple[str, bool] | None = None
        self._done = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if (
            tag == "form"
            and a.get("method") == "post"
            and not self._done
            and "stacked" in a.get("class", "")
        ):
            self._in_form = True
        if not self._in_form:
            return
        name = a.get("name", "")
        if tag == "input" and name:
            kind = a.get("type", "text")
            if kind in {"checkbox", "radio"}:
                if "checked" in a:
                    self.data.setdefault(name, []).append(a.get("value", "on"))
            elif kind != "submit":
                self.data.setdefault(name, []).append(a.get("value", ""))
        elif tag == "textarea":
            self._textarea = name
            self.data[name] = [""]
        elif tag == "select":
            self._select = name
        elif tag == "option" and self._select and "selected" in a:
            self.data.setdefault(self._select, []).append(a.get("value", ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self._in_form:
            self._in_form, self._done = False, True
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.data[self._textarea][-1] += data


def page_form(html: str) -> dict[str, list[str]]:
    reader = _FormReader()
    reader.feed(html)
    data = reader.data
    for name, values in data.items():  # a textarea's content starts after a newline
        data[name] = [v[1:] if v.startswith("\n") else v for v in values]
    data.pop("csrfmiddlewaretoken", None)
    return data


# --- partial writes ------------------------------------------------------------------------


def test_an_update_from_a_stale_object_keeps_another_fields_change(
    registry: dict[str, Any],
) -> None:
    """What lost data before: a writer holding an old copy saved every field."""
    stale = Organisation.objects.get(pk=registry["company"].pk)
    services.organisation_update(
        actor=None, organisation=Organisation.objects.get(pk=stale.pk), name="Vonk Nieuw"
    )
    services.organisation_update(actor=None, organisation=stale, website="https://vonk.example")
    company = Organisation.objects.get(pk=stale.pk)
    assert (company.name, company.website) == ("Vonk Nieuw", "https://vonk.example")
    assert company.version == 3
    assert stale.name == "Vonk Nieuw"  # the caller's object shows the row as it is now


def test_a_partnership_update_from_a_stale_object_keeps_another_fields_change(
    registry: dict[str, Any],
) -> None:
    stale = Partnership.objects.get(pk=registry["hub"].pk)
    services.partnership_update(
        actor=None, partnership=Partnership.objects.get(pk=stale.pk), goals="Meer stages"
    )
    services.partnership_update(actor=None, partnership=stale, end_year=2030)
    hub = Partnership.objects.get(pk=stale.pk)
    assert (hub.goals, hub.end_year) == ("Meer stages", 2030)


def test_an_expected_version_refuses_a_stale_write_and_writes_nothing(
    registry: dict[str, Any],
) -> None:
    company = registry["company"]
    services.organisation_update(actor=None, organisation=company, phone="06-1")
    with pytest.raises(StaleWrite) as caught:
        services.organisation_update(
            actor=None, organisation=company, expected_version=1, name="Te laat"
        )
    assert caught.value.current_version == 2
    assert Organisation.objects.get(pk=company.pk).name == "Metaalbedrijf De Vonk"
    with pytest.raises(StaleWrite):
        services.organisation_delete(actor=None, organisation=company, expected_version=1)
    assert Organisation.objects.filter(pk=company.pk).exists()


def test_no_change_no_new_version(registry: dict[str, Any]) -> None:
    company = registry["company"]
    services.organisation_update(actor=None, organisation=company, name=company.name)
    assert Organisation.objects.get(pk=company.pk).version == 1


def test_membership_update_changes_only_what_is_given(registry: dict[str, Any]) -> None:
    membership = Membership.objects.get(
        partnership=registry["hub"], organisation=registry["school"]
    )
    services.membership_update(actor=None, membership=membership, since_year=2019)
    services.membership_update(actor=None, membership=membership, until_year=2031)
    membership.refresh_from_db()
    assert (membership.role, membership.since_year, membership.until_year) == ("lead", 2019, 2031)
    assert membership.version == 3


def test_person_update_changes_the_function_in_the_same_write(registry: dict[str, Any]) -> None:
    person = Person.objects.get(pk=registry["public"].pk)
    services.person_update(actor=None, person=person, function="Eigenaar")
    person.refresh_from_db()
    assert person.affiliations.get().function == "Eigenaar"
    assert person.version == 2  # the person's page shows the function: a new version


# --- stale web forms ---------------------------------------------------------------------------


def _post(client: Client, url: str, data: dict[str, list[str]]) -> Any:
    return client.post(url, data)


def test_a_stale_web_form_shows_the_other_change_and_never_overwrites(
    client: Client, staff: User, registry: dict[str, Any]
) -> None:
    company = registry["company"]
    url = reverse("registry:organisation-edit", args=[company.pk])
    client.force_login(staff)
    mine = page_form(client.get(url).content.decode())
    assert mine["version"] == ["1"]
    # A colleague saves a new description while this form is open.
    services.organisation_update(
        actor=None, organisation=company, description="Door een collega bijgewerkt."
    )
    mine["website"] = ["https://vonk.example"]
    response = _post(client, url, mine)
    assert response.status_code == 409
    html = response.content.decode()
    assert "Someone else saved this page" in html
    assert "Door een collega bijgewerkt." in html  # their value, in the table and the form
    company.refresh_from_db()
    assert company.website == ""  # nothing of the stale form was written
    assert company.description == "Door een collega bijgewerkt."
    again = page_form(html)
    assert again["version"] == ["2"]
    assert again["website"] == ["https://vonk.example"]  # what this person typed is kept
    assert again["description"] == ["Door een collega bijgewerkt."]  # theirs, filled in
    # Saving the form shown again keeps both changes.
    assert _post(client, url, again).status_code == 302
    company.refresh_from_db()
    assert company.website == "https://vonk.example"
    assert company.description == "Door een collega bijgewerkt."


def test_a_conflict_on_the_same_field_keeps_this_persons_value_in_the_form(
    client: Client, staff: User, registry: dict[str, Any]
) -> None:
    hub = registry["hub"]
    url = reverse("registry:partnership-edit", args=[hub.pk])
    client.force_login(staff)
    mine = page_form(client.get(url).content.decode())
    services.partnership_update(actor=None, partnership=hub, goals="Hun doel")
    mine["goals"] = ["Mijn doel"]
    response = client.post(url, mine, headers={"HX-Request": "true"})
    assert response.status_code == 409  # also for HTMX: a conflict, not a validation error
    html = response.content.decode()
    assert "Hun doel" in html and "Mijn doel" in html
    assert page_form(html)["goals"] == ["Mijn doel"]
    assert Partnership.objects.get(pk=hub.pk).goals == "Hun doel"


def test_a_stale_person_form_is_refused(
    client: Client, staff: User, registry: dict[str, Any]
) -> None:
    person = registry["public"]
    url = reverse("registry:person-edit", args=[person.pk])
    client.force_login(staff)
    mine = page_form(client.get(url).content.decode())
    services.person_update(actor=None, person=person, phone="06-12345678")
    mine["name"] = ["Olaf Openbaar"]
    assert client.post(url, mine).status_code == 409
    assert Person.objects.get(pk=person.pk).name == "Openbare Olaf"


def test_a_stale_membership_form_is_refused(
    client: Client, staff: User, registry: dict[str, Any]
) -> None:
    hub = registry["hub"]
    membership = Membership.objects.get(partnership=hub, organisation=registry["company"])
    url = reverse("registry:membership-edit", args=[hub.pk, membership.pk])
    client.force_login(staff)
    mine = page_form(client.get(url).content.decode())
    services.membership_update(actor=None, membership=membership, since_year=2020)
    mine["role"] = ["member"]
    assert client.post(url, mine).status_code == 409
    membership.refresh_from_db()
    assert (membership.role, membership.since_year) == ("partner", 2020)
    # The form shown again carries the colleague's year; saving it keeps both.
    again = page_form(client.post(url, mine).content.decode())
    assert again["since_year"] == ["2020"] and again["role"] == ["member"]
    assert client.post(url, again).status_code == 302
    membership.refresh_from_db()
    assert (membership.role, membership.since_year) == ("member", 2020)


# --- web and API: the same answers ---------------------------------------------------------


def _api(client: Client, user: User, method: str, path: str, body: Any) -> Any:
    token = api_token_create(actor=user, name="t")[1]
    return client.generic(
        method,
        "/api/v1" + path,
        json.dumps(body),
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )


def test_adding_an_existing_member_is_refused_on_the_site_and_in_the_api(
    client: Client, staff: User, registry: dict[str, Any]
) -> None:
    hub, company = registry["hub"], registry["company"]
    services.membership_update(
        actor=None,
        membership=Membership.objects.get(partnership=hub, organisation=company),
        since_year=2018,
    )
    client.force_login(staff)
    web = client.post(
        reverse("registry:membership-add", args=[hub.pk]),
        {"member-organisation": company.pk, "member-role": "lead", "member-since_year": ""},
    )
    api = _api(
        client,
        staff,
        "POST",
        "/memberships",
        {"partnership": hub.pk, "organisation": company.pk, "role": "lead"},
    )
    assert web.status_code == 400
    assert api.status_code == 409
    message = "already a member of this partnership"
    assert message in web.content.decode() and message in api.json()["detail"]
    membership = Membership.objects.get(partnership=hub, organisation=company)
    assert (membership.role, membership.since_year) == ("partner", 2018)  # nothing changed


def test_an_empty_partner_question_gets_the_same_answer_on_the_site_and_in_the_api(
    client: Client, registry: dict[str, Any]
) -> None:
    web = client.get(reverse("matching:find"), {"q": "  ", "municipality": "", "region": ""})
    api = client.post("/api/v1/match", {}, content_type="application/json")
    assert web.status_code == 400
    assert api.status_code == 422
    message = "Say what you look for"
    assert message in web.content.decode()
    assert any(message in e["message"] for e in api.json()["errors"])
    # What they should offer is a question on both.
    web = client.get(reverse("matching:find"), {"seeks": "internships"})
    api = client.post("/api/v1/match", {"seeks": ["internships"]}, content_type="application/json")
    assert (web.status_code, api.status_code) == (200, 200)

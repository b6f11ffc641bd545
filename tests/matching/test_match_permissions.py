"""One rule for member suggestions and for asking as an organisation: website and API agree.

Roles: anonymous; a viewer; the company's editor (a partner, not the lead, of Technohub
Maasland: an editor of another organisation as far as the hub is concerned); the
school's editor (the lead: the hub's editor); staff.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.http import HttpRequest
from django.test import Client
from django.urls import reverse

from knooppunt.accounts.models import User
from knooppunt.api.services import api_token_create
from knooppunt.matching.permissions import can_match_as_organisation, can_view_member_suggestions
from tests.conftest import PASSWORD

ROLES = ("anonymous", "viewer", "editor", "lead_editor", "staff")


@pytest.fixture(autouse=True)
def _english(settings: Any) -> None:
    settings.LANGUAGE_CODE = "en"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def users(viewer: User, editor: User, lead_editor: User, staff: User) -> dict[str, User | None]:
    return {
        "anonymous": None,
        "viewer": viewer,
        "editor": editor,
        "lead_editor": lead_editor,
        "staff": staff,
    }


def web_client(user: User | None) -> Client:
    client = Client()
    if user is not None:
        assert client.login(request=HttpRequest(), username=user.email, password=PASSWORD)
    return client


def api_match(user: User | None, body: dict[str, Any]) -> Any:
    headers = {}
    if user is not None:
        headers["Authorization"] = f"Bearer {api_token_create(actor=user, name='t')[1]}"
    return Client().post(
        "/api/v1/match", json.dumps(body), content_type="application/json", headers=headers
    )


def as_user(user: User | None) -> Any:
    from django.contrib.auth.models import AnonymousUser

    return AnonymousUser() if user is None else User.objects.get(pk=user.pk)


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        ("anonymous", False),
        ("viewer", False),
        ("editor", False),
        ("lead_editor", True),
        ("staff", True),
    ],
)
def test_member_suggestions_follow_one_rule_on_web_and_api(
    registry: dict[str, Any], users: dict[str, User | None], role: str, allowed: bool
) -> None:
    user, hub = users[role], registry["hub"]
    assert can_view_member_suggestions(as_user(user), hub) is allowed
    web = web_client(user).get(reverse("matching:partnership-suggestions", args=[hub.pk]))
    api = api_match(user, {"partnership": str(hub.pk), "top": 3})
    if allowed:
        assert (web.status_code, api.status_code) == (200, 200), api.content
        assert "candidates" in api.json()
    elif user is None:
        assert web.status_code == 302 and reverse("accounts:login") in web.headers["Location"]
        assert api.status_code == 401 and "WWW-Authenticate" in api.headers
    else:
        assert (web.status_code, api.status_code) == (403, 403)
        assert "candidates" not in api.json()


@pytest.mark.parametrize(
    ("role", "own", "other"),
    [
        ("anonymous", 401, 401),
        ("viewer", 403, 403),
        ("editor", 200, 403),
        ("lead_editor", 403, 200),
        ("staff", 200, 200),
    ],
)
def test_api_asks_as_an_organisation_only_for_the_callers_own(
    registry: dict[str, Any], users: dict[str, User | None], role: str, own: int, other: int
) -> None:
    """`organisation` in the body: the company (the editor's) and the school (the lead's)."""
    user = users[role]
    company, school = registry["company"], registry["school"]
    for organisation, expected in ((company, own), (school, other)):
        response = api_match(user, {"need": "metaal", "organisation": organisation.pk})
        assert response.status_code == expected, (organisation, response.content)
        assert can_match_as_organisation(as_user(user), organisation) is (expected == 200)


def test_web_match_page_offers_only_own_organisations(
    registry: dict[str, Any], editor: User
) -> None:
    client = web_client(editor)
    url = reverse("matching:find")
    own = client.get(url, {"organisation": registry["company"].pk, "q": "metaal"})
    assert own.status_code == 200
    other = client.get(url, {"organisation": registry["school"].pk, "q": "metaal"})
    assert other.status_code == 400  # not a choice: the form refuses it

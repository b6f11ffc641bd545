"""Personal API tokens: created and revoked by their owner in the web UI, stored hashed."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta
from typing import Any

import pytest
from django.http import HttpRequest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from knooppunt.accounts.models import User
from knooppunt.api.models import ApiToken
from knooppunt.api.services import api_token_create
from knooppunt.core.models import AuditEntry
from tests.conftest import PASSWORD

TOKEN_LIST = "/account/api-tokens/"


def logged_in(user: User) -> Client:
    client = Client()
    assert client.login(request=HttpRequest(), email=user.email, password=PASSWORD)
    return client


def plain_token_on(page: str) -> str:
    match = re.search(r'value="(kp_[A-Za-z0-9_\-]+)"', page)
    assert match, "the new token is not on the page"
    return match.group(1)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_token_pages_need_login(client: Client, db: Any) -> None:
    response = client.get(TOKEN_LIST)
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]
    assert client.post(TOKEN_LIST, {"name": "x"}).status_code == 302
    assert not ApiToken.objects.exists()


def test_token_lifecycle_through_the_ui(editor: User, registry: dict[str, Any]) -> None:
    browser = logged_in(editor)
    assert reverse("api-tokens:token-list") == TOKEN_LIST
    page = browser.get(TOKEN_LIST)
    assert page.status_code == 200
    assert "You have no API tokens yet." in page.content.decode()

    # create: the plain token is shown once, only its hash is stored
    response = browser.post(TOKEN_LIST, {"name": "CRM-koppeling"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    plain = plain_token_on(response.content.decode())
    token = ApiToken.objects.get(user=editor)
    assert token.name == "CRM-koppeling"
    assert token.token_hash == hashlib.sha256(plain.encode()).hexdigest()
    assert plain.startswith(token.prefix) and len(token.prefix) < len(plain) // 3
    assert plain not in str(list(ApiToken.objects.values()))
    assert token.last_used_at is None and token.revoked_at is None
    assert AuditEntry.objects.filter(action="api.token.created", actor=editor).exists()

    # shown once: the list page later has the prefix, never the token
    later = browser.get(TOKEN_LIST).content.decode()
    assert plain not in later
    assert token.prefix in later

    # the token works: it writes as the editor, and its use is noted
    api = Client()
    company = registry["company"]
    response = api.patch(
        f"/api/v1/organisations/{company.pk}",
        '{"phone": "073-1234567"}',
        content_type="application/json",
        headers=bearer(plain),
    )
    assert response.status_code == 200, response.content
    token.refresh_from_db()
    assert token.last_used_at is not None

    # revoke: the token stops working at once, reads included
    response = browser.post(reverse("api-tokens:token-revoke", args=[token.pk]))
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert AuditEntry.objects.filter(action="api.token.revoked", actor=editor).exists()
    response = api.patch(
        f"/api/v1/organisations/{company.pk}",
        '{"phone": "0"}',
        content_type="application/json",
        headers=bearer(plain),
    )
    assert response.status_code == 401
    assert api.get("/api/v1/organisations", headers=bearer(plain)).status_code == 401
    assert "revoked on" in browser.get(TOKEN_LIST).content.decode()


def test_invalid_name_rerenders_with_400(viewer: User) -> None:
    browser = logged_in(viewer)
    response = browser.post(TOKEN_LIST, {"name": ""})
    assert response.status_code == 400
    assert not ApiToken.objects.exists()


def test_users_see_and_revoke_only_their_own_tokens(
    editor: User, staff: User, registry: dict[str, Any]
) -> None:
    editors_token, editors_plain = api_token_create(actor=editor, name="van de redacteur")
    staff_token, _ = api_token_create(actor=staff, name="van de staf")
    staff_page = logged_in(staff).get(TOKEN_LIST)
    assert list(staff_page.context["tokens"]) == [staff_token]  # staff too: only their own
    assert "van de redacteur" not in staff_page.content.decode()
    # someone else's token is not found, for staff as for anyone
    response = logged_in(staff).post(reverse("api-tokens:token-revoke", args=[editors_token.pk]))
    assert response.status_code == 404
    editors_token.refresh_from_db()
    assert editors_token.revoked_at is None
    assert Client().get("/api/v1/people", headers=bearer(editors_plain)).status_code == 200


def test_revoke_needs_post(editor: User) -> None:
    token, _ = api_token_create(actor=editor, name="x")
    response = logged_in(editor).get(reverse("api-tokens:token-revoke", args=[token.pk]))
    assert response.status_code == 405
    token.refresh_from_db()
    assert token.revoked_at is None


@pytest.mark.parametrize(
    "header",
    [
        "Bearer kp_wrong",
        "Bearer ",
        "Bearer",
        "Basic dXNlcjpwYXNz",
        "kp_no_scheme",
        "Bearer " + "kp_" + "x" * 5000,
        "Bearer kp_\u00e9\u00e9",
    ],
)
def test_bad_tokens_are_401_on_reads_and_writes(registry: dict[str, Any], header: str) -> None:
    client = Client()
    assert client.get("/api/v1/organisations", headers={"Authorization": header}).status_code == 401
    response = client.post(
        "/api/v1/organisations",
        "{}",
        content_type="application/json",
        headers={"Authorization": header},
    )
    assert response.status_code == 401
    assert response.json()["detail"]


def test_token_of_a_deactivated_user_is_refused(editor: User, registry: dict[str, Any]) -> None:
    _, plain = api_token_create(actor=editor, name="x")
    editor.is_active = False
    editor.save()
    assert Client().get("/api/v1/people", headers=bearer(plain)).status_code == 401


def test_last_used_is_written_at_most_once_a_minute(editor: User, registry: dict[str, Any]) -> None:
    token, plain = api_token_create(actor=editor, name="x")
    client = Client()
    client.get("/api/v1/themes", headers=bearer(plain))
    token.refresh_from_db()
    first = token.last_used_at
    assert first is not None
    client.get("/api/v1/themes", headers=bearer(plain))
    token.refresh_from_db()
    assert token.last_used_at == first
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first - timedelta(minutes=5))
    client.get("/api/v1/themes", headers=bearer(plain))
    token.refresh_from_db()
    assert token.last_used_at is not None and token.last_used_at > first - timedelta(minutes=1)
    assert token.last_used_at <= timezone.now()


def test_the_session_is_not_an_api_credential(editor: User, registry: dict[str, Any]) -> None:
    """A logged-in browser reads the public API like anyone else and cannot write (no CSRF)."""
    browser = logged_in(editor)
    people = browser.get("/api/v1/people").json()["results"]
    assert all(p["email"] is None for p in people)
    response = browser.patch(
        f"/api/v1/organisations/{registry['company'].pk}", "{}", content_type="application/json"
    )
    assert response.status_code == 401


def test_dashboard_links_to_the_token_page(viewer: User) -> None:
    page = logged_in(viewer).get(reverse("accounts:dashboard")).content.decode()
    assert f'href="{TOKEN_LIST}"' in page


def test_admin_lists_tokens_without_hashes_and_can_revoke(
    staff: User, editor: User, registry: dict[str, Any]
) -> None:
    token, _ = api_token_create(actor=editor, name="x")
    admin = logged_in(staff)
    page = admin.get(reverse("admin:api_apitoken_changelist"))
    assert page.status_code == 200
    assert token.token_hash not in page.content.decode()
    assert admin.get(reverse("admin:api_apitoken_add")).status_code == 403
    detail = admin.get(reverse("admin:api_apitoken_change", args=[token.pk])).content.decode()
    assert token.token_hash not in detail
    admin.post(
        reverse("admin:api_apitoken_changelist"),
        {"action": "revoke", "_selected_action": [token.pk]},
    )
    token.refresh_from_db()
    assert token.revoked_at is not None

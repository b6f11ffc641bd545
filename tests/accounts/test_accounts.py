"""Accounts: logging in, password reset and the invitation flow, end to end."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from knooppunt.accounts.models import Editorship, Invitation, User
from knooppunt.accounts.permissions import can_edit_organisation
from knooppunt.accounts.services import invitation_create
from knooppunt.core.audit import history_for
from knooppunt.places.services import places_load_reference
from knooppunt.registry import services
from tests.conftest import PASSWORD

LOGIN = reverse("accounts:login")
DASHBOARD = reverse("accounts:dashboard")
INVITATIONS = reverse("accounts:invitations")
NEW_PASSWORD = "Nieuw-wachtwoord-2025!"

# --- speed: reference data once per module, cheap password hashing ----------------------


@pytest.fixture(scope="module")
def _reference_once(django_db_setup: Any, django_db_blocker: Any) -> Iterator[None]:
    """The reference data, loaded once for this module in a transaction rolled back at its end."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        places_load_reference()
        services.themes_load_reference()
        services.sbi_load_reference()
    yield
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)


@pytest.fixture
def reference(_reference_once: None, db: Any) -> None:
    """Overrides tests/conftest.py's `reference` in this module: same data, loaded once."""


@pytest.fixture(autouse=True)
def _test_settings(settings: Any) -> None:
    """Cheap password hashing; English pages, so assertions read the msgids."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.LANGUAGE_CODE = "en"


def logged_in_user_id(client: Any) -> str | None:
    return client.session.get("_auth_user_id")


# --- login and logout ----------------------------------------------------------------------


def test_login_with_email_and_password(client: Any, viewer: User) -> None:
    response = client.post(LOGIN, {"username": "kijker@example.nl", "password": PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == DASHBOARD
    assert logged_in_user_id(client) == str(viewer.pk)
    page = client.get(DASHBOARD)
    assert page.status_code == 200
    assert "Welcome, Kim Kijker" in page.content.decode()


@pytest.mark.parametrize(
    "credentials",
    [
        {"username": "kijker@example.nl", "password": "wrong-password"},
        {"username": "niemand@example.nl", "password": PASSWORD},
        {"username": "not-an-email", "password": PASSWORD},
        {"username": "", "password": ""},
        {},
    ],
)
def test_wrong_login_rerenders_with_an_error(
    client: Any, viewer: User, credentials: dict[str, str]
) -> None:
    response = client.post(LOGIN, credentials)
    assert response.status_code == 200
    assert "did not match" in response.content.decode()
    assert logged_in_user_id(client) is None


def test_login_follows_a_safe_next_and_ignores_an_unsafe_one(client: Any, viewer: User) -> None:
    data = {"username": "kijker@example.nl", "password": PASSWORD}
    response = client.post(LOGIN, {**data, "next": "/over/"})
    assert response.headers["Location"] == "/over/"
    client.logout()
    response = client.post(LOGIN, {**data, "next": "https://evil.example/"})
    assert response.headers["Location"] == DASHBOARD


def test_inactive_user_cannot_log_in(client: Any, viewer: User) -> None:
    User.objects.filter(pk=viewer.pk).update(is_active=False)
    response = client.post(LOGIN, {"username": "kijker@example.nl", "password": PASSWORD})
    assert response.status_code == 200
    assert logged_in_user_id(client) is None


def test_login_ignores_the_case_of_the_email(client: Any, viewer: User) -> None:
    response = client.post(LOGIN, {"username": "Kijker@Example.nl", "password": PASSWORD})
    assert response.status_code == 302
    assert logged_in_user_id(client) == str(viewer.pk)


def test_logout(client: Any, viewer: User) -> None:
    client.force_login(viewer)
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert logged_in_user_id(client) is None
    assert client.get(DASHBOARD).headers["Location"].startswith(LOGIN)


# --- password reset --------------------------------------------------------------------------


def test_password_reset_end_to_end(client: Any, viewer: User) -> None:
    response = client.post(reverse("accounts:password-reset"), {"email": "kijker@example.nl"})
    assert response.status_code == 302
    assert response.headers["Location"] == reverse("accounts:password-reset-done")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["kijker@example.nl"]
    assert message.subject == "Choose a new password for Knooppunt"
    match = re.search(r"https?://testserver(/account/wachtwoord-herstellen/\S+/\S+/)", message.body)
    assert match, message.body
    link = match[1]

    # The link redirects to a token-free URL that shows the form.
    response = client.get(link)
    assert response.status_code == 302
    form_url = response.headers["Location"]
    assert "set-password" in form_url
    assert "Choose a new password" in client.get(form_url).content.decode()
    response = client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == reverse("accounts:password-reset-complete")

    # The new password works, the old one does not, and the link cannot be used again.
    assert not client.login(request=HttpRequest(), username="kijker@example.nl", password=PASSWORD)
    assert client.login(request=HttpRequest(), username="kijker@example.nl", password=NEW_PASSWORD)
    client.logout()
    again = client.get(link, follow=True)
    assert "This link is invalid or has already been used" in again.content.decode()


def test_password_reset_mismatch_rerenders(client: Any, viewer: User) -> None:
    client.post(reverse("accounts:password-reset"), {"email": "kijker@example.nl"})
    link = re.search(r"https?://testserver(\S+)", mail.outbox[0].body)[1]
    form_url = client.get(link).headers["Location"]
    response = client.post(
        form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD + "x"}
    )
    assert response.status_code == 200
    assert client.login(request=HttpRequest(), username="kijker@example.nl", password=PASSWORD), (
        "password unchanged"
    )


def test_password_reset_for_unknown_email_sends_nothing_but_looks_the_same(
    client: Any, viewer: User
) -> None:
    response = client.post(reverse("accounts:password-reset"), {"email": "niemand@example.nl"})
    assert response.status_code == 302
    assert response.headers["Location"] == reverse("accounts:password-reset-done")
    assert mail.outbox == []


# --- invitations ------------------------------------------------------------------------------


def _invite(client: Any, capture: Any, **data: Any) -> Any:
    with capture(execute=True):
        return client.post(INVITATIONS, data)


def _accept_link(message: Any) -> str:
    match = re.search(r"https?://testserver(/account/uitnodiging/[^/\s]+/)", message.body)
    assert match, message.body
    return match[1]


def test_invitation_flow_end_to_end(
    client: Any, registry: dict[str, Any], staff: User, django_capture_on_commit_callbacks: Any
) -> None:
    company = registry["company"]
    client.force_login(staff)
    response = _invite(
        client,
        django_capture_on_commit_callbacks,
        email="Nieuw@Example.nl",
        role="editor",
        organisation=company.pk,
    )
    assert response.status_code == 302
    assert response.headers["Location"] == INVITATIONS
    invitation = Invitation.objects.get()
    assert invitation.email == "nieuw@example.nl"
    assert invitation.invited_by == staff
    assert history_for(company).first().action == "accounts.invitation.created"

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["nieuw@example.nl"]
    assert "Metaalbedrijf De Vonk" in message.body
    link = _accept_link(message)
    assert invitation.token in link

    client.logout()
    page = client.get(link)
    assert page.status_code == 200
    assert "You will be able to edit Metaalbedrijf De Vonk" in page.content.decode()
    response = client.post(
        link, {"full_name": "Nora Nieuw", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == DASHBOARD

    user = User.objects.get(email="nieuw@example.nl")
    assert user.full_name == "Nora Nieuw"
    assert not user.is_staff
    assert logged_in_user_id(client) == str(user.pk)
    assert Editorship.objects.filter(user=user, organisation=company).exists()
    assert can_edit_organisation(user, company)
    dashboard = client.get(DASHBOARD).content.decode()
    assert "Metaalbedrijf De Vonk" in dashboard
    assert client.get(reverse("registry:organisation-edit", args=[company.pk])).status_code == 200
    invitation.refresh_from_db()
    assert invitation.accepted_at is not None

    # The link cannot be used twice.
    client.logout()
    again = client.get(link)
    assert again.status_code == 404
    assert "Invitation not valid" in again.content.decode()
    again = client.post(
        link, {"full_name": "Iemand Anders", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert again.status_code == 404
    assert User.objects.filter(email="nieuw@example.nl").count() == 1
    assert logged_in_user_id(client) is None


def test_staff_invitation_makes_staff(client: Any, reference: None, staff: User) -> None:
    invitation = invitation_create(
        actor=staff, email="broker@example.nl", role="staff", accept_url_base="http://testserver/x/"
    )
    response = client.post(
        reverse("accounts:invitation-accept", args=[invitation.token]),
        {"full_name": "Bo Broker", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert User.objects.get(email="broker@example.nl").is_staff


def test_expired_invitation_is_refused(client: Any, registry: dict[str, Any], staff: User) -> None:
    invitation = invitation_create(
        actor=staff,
        email="laat@example.nl",
        role="editor",
        organisation=registry["company"],
        accept_url_base="http://testserver/x/",
    )
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    url = reverse("accounts:invitation-accept", args=[invitation.token])
    response = client.get(url)
    assert response.status_code == 404
    assert "Invitation not valid" in response.content.decode()
    response = client.post(
        url, {"full_name": "Te Laat", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert response.status_code == 404
    assert not User.objects.filter(email="laat@example.nl").exists()


def test_editor_invitation_without_organisation_is_refused(
    client: Any, reference: None, staff: User, django_capture_on_commit_callbacks: Any
) -> None:
    client.force_login(staff)
    response = _invite(
        client,
        django_capture_on_commit_callbacks,
        email="x@example.nl",
        role="editor",
        organisation="",
    )
    assert response.status_code == 400
    assert "An editor invitation needs an organisation." in response.content.decode()
    assert not Invitation.objects.exists()
    assert mail.outbox == []


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"email": "geen-email", "role": "viewer"}, "Enter a valid email address."),
        ({"email": "x@example.nl", "role": "koning"}, "Select a valid choice."),
        ({"role": "viewer"}, "This field is required."),
    ],
)
def test_invitation_form_errors(
    client: Any, reference: None, staff: User, data: dict[str, str], message: str
) -> None:
    client.force_login(staff)
    response = client.post(INVITATIONS, data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Invitation.objects.exists()


@pytest.fixture
def open_invitation(registry: dict[str, Any], staff: User) -> Invitation:
    return invitation_create(
        actor=staff,
        email="nieuw@example.nl",
        role="editor",
        organisation=registry["company"],
        accept_url_base="http://testserver/x/",
    )


def test_mismatched_passwords_give_400(client: Any, open_invitation: Invitation) -> None:
    url = reverse("accounts:invitation-accept", args=[open_invitation.token])
    response = client.post(
        url, {"full_name": "Nora", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD + "?"}
    )
    assert response.status_code == 400
    assert "The two passwords differ." in response.content.decode()
    assert not User.objects.filter(email="nieuw@example.nl").exists()
    open_invitation.refresh_from_db()
    assert open_invitation.is_open


@pytest.mark.parametrize("password", ["kort", "1234567890123", "nieuw@example.nl"])
def test_weak_passwords_give_400(client: Any, open_invitation: Invitation, password: str) -> None:
    url = reverse("accounts:invitation-accept", args=[open_invitation.token])
    response = client.post(url, {"full_name": "Nora", "password1": password, "password2": password})
    assert response.status_code == 400
    assert not User.objects.filter(email="nieuw@example.nl").exists()


def test_invitation_for_an_existing_account_needs_its_password(
    client: Any, registry: dict[str, Any], staff: User, viewer: User
) -> None:
    """Whoever has the link cannot take over an existing account by choosing a password."""
    invitation = invitation_create(
        actor=staff,
        email="kijker@example.nl",
        role="editor",
        organisation=registry["company"],
        accept_url_base="http://testserver/x/",
    )
    url = reverse("accounts:invitation-accept", args=[invitation.token])
    response = client.post(
        url, {"full_name": "Kaper", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert response.status_code == 400
    assert "not the password of your existing account" in response.content.decode()
    assert logged_in_user_id(client) is None
    assert not Editorship.objects.filter(user=viewer).exists()

    response = client.post(url, {"password1": PASSWORD})
    assert response.status_code == 302
    assert logged_in_user_id(client) == str(viewer.pk)
    assert Editorship.objects.filter(user=viewer, organisation=registry["company"]).exists()
    viewer.refresh_from_db()
    assert viewer.full_name == "Kim Kijker"

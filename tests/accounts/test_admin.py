"""The Django admin: staff rights from one place, no write without audit."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from knooppunt.accounts.models import Invitation, User
from knooppunt.accounts.services import invitation_accept, invitation_create
from knooppunt.core.models import AuditEntry
from knooppunt.registry.models import Organisation


@pytest.fixture(autouse=True)
def _fast(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def invited_staff(staff: User) -> User:
    """Staff made the way the product makes them: an accepted staff invitation."""
    invitation = invitation_create(
        actor=staff,
        email="nieuwe.staf@example.nl",
        role=Invitation.Role.STAFF,
        accept_url_base="http://testserver/account/uitnodiging/",
    )
    user = invitation_accept(
        invitation=invitation, full_name="Nieuwe Staf", password="correct-horse-battery-9"
    )
    assert user.is_staff and not user.is_superuser
    return user


def test_invited_staff_can_use_the_admin(invited_staff: User, db: Any) -> None:
    client = Client()
    client.force_login(invited_staff)
    index = client.get(reverse("admin:index"))
    assert index.status_code == 200
    assert reverse("admin:registry_organisation_changelist") in index.content.decode()
    for name in (
        "admin:registry_organisation_changelist",
        "admin:core_auditentry_changelist",
        "admin:accounts_user_changelist",
        "admin:registry_theme_changelist",
    ):
        assert client.get(reverse(name)).status_code == 200, name


def test_others_cannot(client: Client, viewer: User) -> None:
    client.force_login(viewer)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302 and reverse("admin:login") in response["Location"]
    assert not viewer.has_perm("registry.view_organisation")


def test_a_bulk_delete_of_users_is_audited(invited_staff: User, db: Any) -> None:
    doomed = [User.objects.create_user(f"weg{i}@example.nl", "x" * 12) for i in range(3)]
    client = Client()
    client.force_login(invited_staff)
    response = client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "delete_selected", "_selected_action": [u.pk for u in doomed], "post": "yes"},
    )
    assert response.status_code == 302
    assert not User.objects.filter(pk__in=[u.pk for u in doomed]).exists()
    entries = AuditEntry.objects.filter(action="accounts.user.deleted")
    assert sorted(e.target_id for e in entries) == sorted(u.pk for u in doomed)
    assert {e.actor for e in entries} == {invited_staff}


def test_registry_objects_cannot_be_added_or_deleted_in_the_admin(
    invited_staff: User, db: Any
) -> None:
    org = Organisation.objects.create(kind="company", name="Blijft")
    client = Client()
    client.force_login(invited_staff)
    assert client.get(reverse("admin:registry_organisation_add")).status_code == 403
    assert client.get(reverse("admin:registry_organisation_delete", args=[org.pk])).status_code == (
        403
    )
    client.post(
        reverse("admin:registry_organisation_changelist"),
        {"action": "delete_selected", "_selected_action": [org.pk], "post": "yes"},
    )
    assert Organisation.objects.filter(pk=org.pk).exists()

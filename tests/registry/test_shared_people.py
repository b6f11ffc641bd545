"""A person shared by two organisations (issue 8).

Their own data (name, email, phone, consent) belongs to both organisations: staff, or
someone who edits both, may change it; an editor of one organisation may only unlink the
person from it; deleting a shared person is for staff. Every object the change touches
(the person, each organisation, each partnership they are a contact of) gets an entry
in its history.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from knooppunt.accounts.models import User
from knooppunt.accounts.permissions import (
    can_delete_person,
    can_edit_person,
    can_unlink_person,
    can_view_history,
)
from knooppunt.accounts.services import editorship_grant
from knooppunt.core.audit import history_for
from knooppunt.registry import services
from knooppunt.registry.models import Affiliation, Person
from tests.conftest import PASSWORD


@pytest.fixture(autouse=True)
def _english(settings: Any) -> None:
    settings.LANGUAGE_CODE = "en"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def shared(registry: dict[str, Any]) -> Person:
    """Gijs works at the company and at the school, and is a contact of the hub."""
    person = services.person_create(
        actor=None,
        name="Gedeelde Gijs",
        organisation=registry["company"],
        function="Stagecoördinator",
        email="gijs@example.nl",
        is_public=True,
    )
    services.affiliation_set(
        actor=None, person=person, organisation=registry["school"], function="Gastdocent"
    )
    services.partnership_contact_set(actor=None, partnership=registry["hub"], person=person)
    return person


@pytest.fixture
def both_editor(registry: dict[str, Any]) -> User:
    user = User.objects.create_user("beide@example.nl", PASSWORD, full_name="Bo Beide")
    editorship_grant(actor=None, user=user, organisation=registry["company"])
    editorship_grant(actor=None, user=user, organisation=registry["school"])
    return user


def fresh(person: Person) -> Person:
    return Person.objects.prefetch_related("affiliations").get(pk=person.pk)


def actions(obj: Any) -> list[str]:
    return [entry.action for entry in history_for(obj)]


def test_who_may_do_what_with_a_shared_person(
    registry: dict[str, Any],
    shared: Person,
    editor: User,
    lead_editor: User,
    both_editor: User,
    staff: User,
    viewer: User,
) -> None:
    person, company, school = fresh(shared), registry["company"], registry["school"]
    assert [can_edit_person(u, person) for u in (viewer, editor, lead_editor, both_editor)] == [
        False,
        False,
        False,
        True,
    ]
    assert can_edit_person(staff, person)
    # Unlinking: per organisation.
    assert can_unlink_person(editor, person, company)
    assert not can_unlink_person(editor, person, school)
    assert can_unlink_person(lead_editor, person, school)
    assert not can_unlink_person(viewer, person, company)
    # Deleting a shared person: staff only, even for someone who edits both.
    assert [can_delete_person(u, person) for u in (editor, lead_editor, both_editor, staff)] == [
        False,
        False,
        False,
        True,
    ]
    # Both organisations' editors still see the person's history.
    assert can_view_history(editor, person) and can_view_history(lead_editor, person)
    # A person at one organisation only: its editor edits and deletes, nobody unlinks.
    olaf = fresh(registry["public"])
    assert can_edit_person(editor, olaf) and can_delete_person(editor, olaf)
    assert not can_unlink_person(editor, olaf, company)
    assert not can_unlink_person(staff, olaf, company)


def test_editing_a_shared_person_writes_every_history(
    registry: dict[str, Any], shared: Person, both_editor: User
) -> None:
    services.person_update(actor=both_editor, person=fresh(shared), name="Gijs Gedeeld", phone="1")
    assert actions(shared)[0] == "registry.person.updated"
    for organisation in (registry["company"], registry["school"]):
        entry = history_for(organisation)[0]
        assert (entry.action, entry.actor) == ("registry.affiliation.updated", both_editor)
        assert entry.changes["person"] == ["Gedeelde Gijs", "Gijs Gedeeld"]
        assert entry.changes["phone"] == ["…", "…"]  # no personal data in the log
    entry = history_for(registry["hub"])[0]
    assert entry.action == "registry.contact.updated"
    assert entry.changes["name"] == ["Gedeelde Gijs", "Gijs Gedeeld"]
    assert "registry.affiliation.updated" not in actions(registry["other"])  # not linked


def test_unlinking_removes_one_link_only_and_tells_both_histories(
    registry: dict[str, Any], shared: Person, editor: User
) -> None:
    services.person_unlink(actor=editor, person=fresh(shared), organisation=registry["company"])
    person = fresh(shared)
    assert [a.organisation for a in person.affiliations.all()] == [registry["school"]]
    assert person.partnership_roles.count() == 1  # still the hub's contact person
    entry = history_for(registry["company"])[0]
    assert (entry.action, entry.actor) == ("registry.affiliation.removed", editor)
    assert entry.changes["person"] == ["Gedeelde Gijs", None]
    entry = history_for(person)[0]
    assert entry.action == "registry.affiliation.removed"
    assert entry.changes["organisation"] == [registry["company"].name, None]
    # The last link cannot be unlinked: that would be deleting the person.
    with pytest.raises(ValidationError):
        services.person_unlink(actor=editor, person=person, organisation=registry["school"])
    assert Affiliation.objects.filter(person=person).count() == 1


def test_deleting_a_shared_person_writes_every_history(
    registry: dict[str, Any], shared: Person, staff: User
) -> None:
    pk = shared.pk
    services.person_delete(actor=staff, person=fresh(shared))
    assert not Person.objects.filter(pk=pk).exists()
    for organisation in (registry["company"], registry["school"]):
        entry = history_for(organisation)[0]
        assert (entry.action, entry.actor) == ("registry.affiliation.removed", staff)
        assert entry.changes["person"] == ["Gedeelde Gijs", None]
    entry = history_for(registry["hub"])[0]
    assert (entry.action, entry.changes["contact"]) == (
        "registry.contact.removed",
        ["Gedeelde Gijs", None],
    )


def login(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_person_page_offers_unlink_not_edit_to_one_organisations_editor(
    registry: dict[str, Any], shared: Person, editor: User
) -> None:
    client = login(editor)
    page = client.get(shared.get_absolute_url()).content.decode()
    unlink_company = reverse("registry:person-unlink", args=[shared.pk, registry["company"].pk])
    unlink_school = reverse("registry:person-unlink", args=[shared.pk, registry["school"].pk])
    assert unlink_company in page and unlink_school not in page
    assert reverse("registry:person-edit", args=[shared.pk]) not in page
    assert reverse("registry:person-delete", args=[shared.pk]) not in page
    assert "is a contact of more than one organisation" in page
    # The edit page and a tampered POST are refused; nothing changes.
    assert client.get(reverse("registry:person-edit", args=[shared.pk])).status_code == 403
    response = client.post(
        reverse("registry:person-edit", args=[shared.pk]),
        {"name": "Overschreven", "email": "", "phone": "", "function": ""},
    )
    assert response.status_code == 403
    assert fresh(shared).name == "Gedeelde Gijs"
    # Unlinking works and goes back to the organisation.
    response = client.post(unlink_company)
    assert response.status_code == 302
    assert response.headers["Location"] == registry["company"].get_absolute_url()
    assert [a.organisation_id for a in fresh(shared).affiliations.all()] == [registry["school"].pk]


def test_editor_deletes_a_person_of_only_their_organisation(
    registry: dict[str, Any], editor: User
) -> None:
    olaf = registry["public"]
    client = login(editor)
    page = client.get(olaf.get_absolute_url()).content.decode()
    assert reverse("registry:person-delete", args=[olaf.pk]) in page
    response = client.post(reverse("registry:person-delete", args=[olaf.pk]))
    assert response.status_code == 302
    assert not Person.objects.filter(pk=olaf.pk).exists()
    assert history_for(registry["company"])[0].action == "registry.affiliation.removed"
    assert history_for(registry["hub"])[0].action == "registry.contact.removed"

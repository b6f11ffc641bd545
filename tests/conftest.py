"""Shared fixtures: reference data, one user per role, and a small registry."""

from __future__ import annotations

from typing import Any

import pytest

from knooppunt.accounts.models import User
from knooppunt.accounts.services import editorship_grant
from knooppunt.places.services import places_load_reference
from knooppunt.registry import services
from knooppunt.registry.models import Organisation, Partnership, Person, Theme

PASSWORD = "correct-horse-battery-9"


@pytest.fixture
def reference(db: Any) -> None:
    """Places, themes and SBI codes, as `knooppunt demo` loads them."""
    places_load_reference()
    services.themes_load_reference()
    services.sbi_load_reference()


@pytest.fixture
def staff(db: Any) -> User:
    return User.objects.create_user(
        "staf@example.nl", PASSWORD, full_name="Sam Staf", is_staff=True, is_superuser=True
    )


@pytest.fixture
def viewer(db: Any) -> User:
    return User.objects.create_user("kijker@example.nl", PASSWORD, full_name="Kim Kijker")


@pytest.fixture
def registry(reference: None) -> dict[str, Any]:
    """Two companies, a school and a municipality; one partnership led by the school."""
    maak = Theme.objects.get(code="maakindustrie")
    ict = Theme.objects.get(code="ict")
    school = services.organisation_create(
        actor=None,
        kind="school_mbo",
        name="Koning Willem I College",
        city="'s-Hertogenbosch",
        brin="00GT",
        themes=[maak],
    )
    company = services.organisation_create(
        actor=None,
        kind="company",
        name="Metaalbedrijf De Vonk",
        city="Oss",
        kvk="12345678",
        themes=[maak],
        description="Fictief bedrijf voor tests.",
    )
    other = services.organisation_create(
        actor=None,
        kind="company",
        name="Data & Zo",
        city="Eindhoven",
        themes=[ict],
        description="Een ander fictief bedrijf.",
    )
    gemeente = services.organisation_create(
        actor=None, kind="municipality", name="Gemeente Oss", city="Oss"
    )
    hub = services.partnership_create(
        actor=None,
        kind="technohub",
        name="Technohub Maasland",
        city="Oss",
        themes=[maak],
        start_year=2022,
        description="Een fictieve technohub.",
    )
    services.membership_set(actor=None, partnership=hub, organisation=school, role="lead")
    services.membership_set(actor=None, partnership=hub, organisation=company, role="partner")
    services.membership_set(actor=None, partnership=hub, organisation=gemeente, role="funder")
    other_ps = services.partnership_create(
        actor=None,
        kind="learning_community",
        name="Learning Community Data",
        city="Eindhoven",
        themes=[ict],
    )
    services.membership_set(actor=None, partnership=other_ps, organisation=other, role="lead")
    private = services.person_create(
        actor=None,
        name="Petra Privé",
        organisation=company,
        function="HR-adviseur",
        email="petra@example.nl",
        phone="06-11112222",
        is_public=False,
    )
    public = services.person_create(
        actor=None,
        name="Openbare Olaf",
        organisation=company,
        function="Directeur",
        email="olaf@example.nl",
        phone="06-33334444",
        is_public=True,
    )
    other_person = services.person_create(
        actor=None,
        name="Dirk Data",
        organisation=other,
        function="Eigenaar",
        email="dirk@example.nl",
        is_public=True,
    )
    services.partnership_contact_set(actor=None, partnership=hub, person=public, role="bedrijven")
    return {
        "school": school,
        "company": company,
        "other": other,
        "gemeente": gemeente,
        "hub": hub,
        "other_ps": other_ps,
        "private": private,
        "public": public,
        "other_person": other_person,
    }


@pytest.fixture
def editor(registry: dict[str, Any]) -> User:
    """Editor of the company (a partner, not the lead, of Technohub Maasland)."""
    user = User.objects.create_user("redacteur@example.nl", PASSWORD, full_name="Eva Editor")
    editorship_grant(actor=None, user=user, organisation=registry["company"])
    return user


@pytest.fixture
def lead_editor(registry: dict[str, Any]) -> User:
    """Editor of the school that leads Technohub Maasland."""
    user = User.objects.create_user("school@example.nl", PASSWORD, full_name="Lars Lead")
    editorship_grant(actor=None, user=user, organisation=registry["school"])
    return user


def org(name: str) -> Organisation:
    return Organisation.objects.get(name=name)


def partnership(name: str) -> Partnership:
    return Partnership.objects.get(name=name)


def person(name: str) -> Person:
    return Person.objects.get(name=name)

"""The registry's write services: audit entries, validation, municipalities, search documents."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse

from knooppunt.accounts.models import User
from knooppunt.core.audit import history_for
from knooppunt.core.models import AuditEntry
from knooppunt.places.queries import municipality_for_city, resolve_city
from knooppunt.places.services import places_load_reference
from knooppunt.registry import services
from knooppunt.registry.models import (
    Membership,
    Organisation,
    Partnership,
    Person,
    Theme,
)

# --- speed: reference data once per module, cheap password hashing ----------------------


@pytest.fixture(scope="module")
def _reference_once(django_db_setup: Any, django_db_blocker: Any) -> Iterator[None]:
    """The reference data, loaded once for this module in a transaction rolled back at its end.

    Every test still runs in its own savepoint (pytest-django's `db`).
    """
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
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.LANGUAGE_CODE = "en"


def latest(obj: Any) -> AuditEntry:
    entry = history_for(obj).first()
    assert entry is not None, f"no audit entry for {obj!r}"
    return entry


def reload(obj: Any) -> Any:
    return type(obj).objects.get(pk=obj.pk)


# --- audit entries ------------------------------------------------------------------------


def test_organisation_create_writes_an_audit_entry(reference: None, staff: User) -> None:
    maak = Theme.objects.get(code="maakindustrie")
    org = services.organisation_create(
        actor=staff, kind="company", name="Lasbedrijf Vonk", city="Oss", themes=[maak]
    )
    entry = latest(org)
    assert entry.actor == staff
    assert entry.action == "registry.organisation.created"
    assert entry.changes["name"] == [None, "Lasbedrijf Vonk"]
    assert entry.changes["themes"] == [None, ["maakindustrie"]]
    assert entry.changes["municipality"] == [None, "Oss"]
    assert "brin" not in entry.changes, "empty fields are not listed"


def test_organisation_update_diff_contains_only_changed_fields(
    registry: dict[str, Any], editor: User
) -> None:
    company = reload(registry["company"])
    before = history_for(company).count()
    services.organisation_update(
        actor=editor,
        organisation=company,
        name=company.name,
        kind=company.kind,
        description="Nieuwe omschrijving.",
        phone="073-1234567",
    )
    assert history_for(company).count() == before + 1
    entry = latest(company)
    assert entry.actor == editor
    assert entry.action == "registry.organisation.updated"
    assert entry.changes == {
        "description": ["Fictief bedrijf voor tests.", "Nieuwe omschrijving."],
        "phone": ["", "073-1234567"],
    }


def test_organisation_update_of_themes_lists_the_theme_codes(
    registry: dict[str, Any], staff: User
) -> None:
    company = reload(registry["company"])
    ict = Theme.objects.get(code="ict")
    services.organisation_update(
        actor=staff, organisation=company, themes=[*company.themes.all(), ict]
    )
    assert latest(company).changes == {"themes": [["maakindustrie"], ["ict", "maakindustrie"]]}


def test_organisation_update_without_changes_writes_no_entry(
    registry: dict[str, Any], staff: User
) -> None:
    company = reload(registry["company"])
    before = history_for(company).count()
    services.organisation_update(
        actor=staff,
        organisation=company,
        name=company.name,
        city=company.city,
        themes=list(company.themes.all()),
    )
    assert history_for(company).count() == before


def test_partnership_update_and_delete_are_audited(registry: dict[str, Any], staff: User) -> None:
    hub = reload(registry["hub"])
    services.partnership_update(actor=staff, partnership=hub, end_year=2030, goals="Meer stages.")
    entry = latest(hub)
    assert (entry.actor, entry.action) == (staff, "registry.partnership.updated")
    assert entry.changes == {"end_year": [None, 2030], "goals": ["", "Meer stages."]}
    pk = hub.pk
    services.partnership_delete(actor=staff, partnership=hub)
    deleted = AuditEntry.objects.filter(target_id=pk, action="registry.partnership.deleted").get()
    assert deleted.actor == staff
    assert deleted.changes == {"name": ["Technohub Maasland", None]}


def test_contact_and_membership_changes_are_audited_on_the_partnership(
    registry: dict[str, Any], lead_editor: User
) -> None:
    hub = reload(registry["hub"])
    membership = Membership.objects.get(partnership=hub, organisation=registry["gemeente"])
    services.membership_remove(actor=lead_editor, membership=membership)
    entry = latest(hub)
    assert (entry.actor, entry.action) == (lead_editor, "registry.membership.removed")
    assert entry.changes == {"organisation": ["Gemeente Oss", None]}
    contact = hub.contacts.get()
    services.partnership_contact_remove(actor=lead_editor, contact=contact)
    entry = latest(hub)
    assert (entry.actor, entry.action) == (lead_editor, "registry.contact.removed")
    assert entry.changes == {"contact": ["Openbare Olaf", None]}


def test_anonymous_actor_is_recorded_as_system(reference: None) -> None:
    org = services.organisation_create(actor=None, kind="other", name="Zonder actor")
    assert latest(org).actor is None


# --- place names -> municipality ------------------------------------------------------------


@pytest.mark.parametrize(
    ("city", "code"),
    [
        ("Oss", "GM0828"),
        ("oss", "GM0828"),
        ("Berghem", "GM0828"),  # a village in Oss
        ("Den Haag", "GM0518"),  # alias of 's-Gravenhage
        ("the hague", "GM0518"),
        ("'s-Gravenhage", "GM0518"),
        ("Den Bosch", "GM0796"),
        ("'s-Hertogenbosch", "GM0796"),
        ("Leeuwarden", "GM0080"),
    ],
)
def test_city_resolves_to_municipality(reference: None, city: str, code: str) -> None:
    org = services.organisation_create(actor=None, kind="company", name="Plaatstest", city=city)
    assert org.municipality is not None, city
    assert org.municipality.code == code


def test_den_haag_resolves_to_s_gravenhage(reference: None) -> None:
    municipality = municipality_for_city("Den Haag")
    assert municipality is not None
    assert municipality.name == "'s-Gravenhage"


def test_unknown_place_stays_without_municipality(reference: None) -> None:
    org = services.organisation_create(actor=None, kind="company", name="X", city="Nergenshuizen")
    assert org.municipality is None


def test_a_municipality_name_wins_over_villages_of_the_same_name(reference: None) -> None:
    """Format 1.1, "Places": an exact municipality name first. Beek is the municipality
    Beek (L.), although Berg en Dal and Montferland have a village Beek; Hengelo is the
    municipality Hengelo (O.), not the village Hengelo (Gld) in Bronckhorst."""
    beek = municipality_for_city("Beek")
    assert beek is not None and beek.code == "GM0888"
    hengelo = municipality_for_city("Hengelo")
    assert hengelo is not None and hengelo.code == "GM0164"
    org = services.organisation_create(actor=None, kind="company", name="X", city="Hengelo")
    assert org.municipality is not None and org.municipality.code == "GM0164"


def test_a_province_after_the_name_picks_the_village(reference: None) -> None:
    bronckhorst = municipality_for_city("Hengelo (Gld)")
    assert bronckhorst is not None and bronckhorst.name == "Bronckhorst"
    assert municipality_for_city("Hengelo Gelderland") == bronckhorst
    # Two villages Beek in Gelderland: still ambiguous.
    assert municipality_for_city("Beek (Gld)") is None
    rheden = municipality_for_city("Velp (Gld)")
    assert rheden is not None and rheden.name == "Rheden"


def test_a_woonplaats_in_two_municipalities_is_ambiguous(reference: None) -> None:
    municipality, resolution = resolve_city("Velp")
    assert municipality is None
    assert resolution.status == "ambiguous"
    assert resolution.candidates == ("Land van Cuijk", "Rheden")
    org = services.organisation_create(actor=None, kind="company", name="X", city="Velp")
    assert org.municipality is None and org.city == "Velp"


def test_abroad_no_municipality_is_looked_up(reference: None) -> None:
    """Mol is in Belgium; with country BE nothing is looked up, even for a Dutch name."""
    org = services.organisation_create(
        actor=None, kind="knowledge_institute", name="VITO", city="Mol", country="BE"
    )
    assert (org.country, org.city, org.municipality) == ("BE", "Mol", None)
    odd = services.organisation_create(
        actor=None, kind="company", name="Y", city="Oss", country="DE"
    )
    assert odd.municipality is None
    assert municipality_for_city("Oss", country="DE") is None


def test_city_change_moves_the_municipality(registry: dict[str, Any], staff: User) -> None:
    company = reload(registry["company"])
    services.organisation_update(actor=staff, organisation=company, city="Leeuwarden")
    assert reload(company).municipality.code == "GM0080"
    assert latest(company).changes["municipality"] == ["Oss", "Leeuwarden"]


def test_edit_form_with_empty_municipality_looks_it_up_from_the_city(
    client: Any, registry: dict[str, Any], editor: User
) -> None:
    company = reload(registry["company"])
    client.force_login(editor)
    data = {
        "name": company.name,
        "kind": company.kind,
        "city": "Oss",
        "municipality": "",
        "brin": "",
        "kvk": company.kvk,
        "website": "",
        "email": "",
        "phone": "",
        "description": company.description,
        "themes": [t.pk for t in company.themes.all()],
    }
    response = client.post(reverse("registry:organisation-edit", args=[company.pk]), data)
    assert response.status_code == 302
    municipality = reload(company).municipality
    assert municipality is not None and municipality.code == "GM0828"
    # ...also when the place changes at the same time.
    data["city"] = "Leeuwarden"
    client.post(reverse("registry:organisation-edit", args=[company.pk]), data)
    assert reload(company).municipality.code == "GM0080"


# --- validation: full_clean refuses, nothing is saved -----------------------------------------


@pytest.mark.parametrize(
    ("fields", "error_field"),
    [
        ({"kind": "company", "kvk": "1234567"}, "kvk"),  # 7 digits
        ({"kind": "company", "kvk": "1234567a"}, "kvk"),
        ({"kind": "company", "brin": "25LJ"}, "brin"),  # only schools have a BRIN
        ({"kind": "school_mbo", "brin": "25L"}, "brin"),
        ({"kind": "no-such-kind"}, "kind"),
        ({"kind": "company", "website": "not a url"}, "website"),
    ],
)
def test_organisation_create_refuses_invalid_data(
    reference: None, fields: dict[str, Any], error_field: str
) -> None:
    organisations, entries = Organisation.objects.count(), AuditEntry.objects.count()
    with pytest.raises(ValidationError) as excinfo:
        services.organisation_create(actor=None, name="Ongeldig", **fields)
    assert error_field in excinfo.value.message_dict
    assert Organisation.objects.count() == organisations
    assert AuditEntry.objects.count() == entries


def test_school_with_brin_is_accepted(reference: None) -> None:
    org = services.organisation_create(actor=None, kind="school_mbo", name="ROC", brin="25LJ")
    assert org.pk is not None


def test_partnership_end_before_start_is_refused(reference: None) -> None:
    partnerships, entries = Partnership.objects.count(), AuditEntry.objects.count()
    with pytest.raises(ValidationError) as excinfo:
        services.partnership_create(
            actor=None, kind="hub", name="Terug in de tijd", start_year=2022, end_year=2020
        )
    assert "end_year" in excinfo.value.message_dict
    assert Partnership.objects.count() == partnerships
    assert AuditEntry.objects.count() == entries


def test_invalid_update_changes_nothing(registry: dict[str, Any], staff: User) -> None:
    company = reload(registry["company"])
    entries = AuditEntry.objects.count()
    with pytest.raises(ValidationError):
        services.organisation_update(
            actor=staff, organisation=company, name="Hernoemd", kvk="1234567"
        )
    fresh = reload(company)
    assert (fresh.name, fresh.kvk) == ("Metaalbedrijf De Vonk", "12345678")
    assert AuditEntry.objects.count() == entries


def test_update_refuses_unknown_fields(registry: dict[str, Any], staff: User) -> None:
    with pytest.raises(TypeError):
        services.organisation_update(actor=staff, organisation=registry["company"], colour="red")


# --- personal data stays out of the audit log -------------------------------------------------


PERSONAL_VALUES = [
    "petra@example.nl",
    "06-11112222",
    "olaf@example.nl",
    "06-33334444",
    "dirk@example.nl",
]


def _all_logged_text() -> str:
    return json.dumps(
        [[e.changes, e.target_repr] for e in AuditEntry.objects.all()], ensure_ascii=False
    )


def test_person_create_logs_which_fields_were_set_not_their_values(
    registry: dict[str, Any],
) -> None:
    entry = latest(registry["private"])
    assert entry.action == "registry.person.created"
    assert entry.changes["fields_set"] == ["email", "phone"]  # is_public=False is not "set"
    logged = _all_logged_text()
    for value in PERSONAL_VALUES:
        assert value not in logged, value


def test_person_update_keeps_email_and_phone_values_out_of_the_log(
    registry: dict[str, Any], editor: User
) -> None:
    petra = reload(registry["private"])
    services.person_update(
        actor=editor,
        person=petra,
        email="petra.nieuw@example.nl",
        phone="06-55556666",
        name="Petra Privé-Jansen",
    )
    entry = latest(petra)
    assert (entry.actor, entry.action) == (editor, "registry.person.updated")
    assert entry.changes["email"] == ["…", "…"]
    assert entry.changes["phone"] == ["…", "…"]
    assert entry.changes["name"] == ["Petra Privé", "Petra Privé-Jansen"]
    logged = _all_logged_text()
    for value in [*PERSONAL_VALUES, "petra.nieuw@example.nl", "06-55556666"]:
        assert value not in logged, value


def test_person_update_of_consent_is_logged(registry: dict[str, Any], editor: User) -> None:
    petra = reload(registry["private"])
    services.person_update(actor=editor, person=petra, is_public=True)
    assert latest(petra).changes == {"is_public": [False, True]}


# --- memberships ----------------------------------------------------------------------------


def test_membership_set_twice_updates_instead_of_duplicating(
    registry: dict[str, Any], lead_editor: User
) -> None:
    hub, other = reload(registry["hub"]), registry["other"]
    services.membership_set(actor=lead_editor, partnership=hub, organisation=other)
    services.membership_set(
        actor=lead_editor, partnership=hub, organisation=other, role="partner", since_year=2023
    )
    memberships = Membership.objects.filter(partnership=hub, organisation=other)
    assert memberships.count() == 1
    assert (memberships[0].role, memberships[0].since_year) == ("partner", 2023)
    added, updated = history_for(hub)[1], history_for(hub)[0]
    assert added.action == "registry.membership.added"
    assert updated.action == "registry.membership.updated"
    assert updated.changes == {
        "role": ["member", "partner"],
        "since_year": [None, 2023],
        "organisation": ["Data & Zo", "Data & Zo"],
    }
    count = history_for(hub).count()
    services.membership_set(
        actor=lead_editor, partnership=hub, organisation=other, role="partner", since_year=2023
    )
    assert history_for(hub).count() == count, "setting the same values again logs nothing"
    assert Membership.objects.filter(partnership=hub).count() == 4


def test_membership_year_out_of_range_is_refused(registry: dict[str, Any]) -> None:
    """The model validates years; a refused membership leaves none behind."""
    hub, other = registry["hub"], registry["other"]
    with pytest.raises(ValidationError):
        services.membership_set(actor=None, partnership=hub, organisation=other, since_year=1800)
    assert not Membership.objects.filter(partnership=hub, organisation=other).exists()


def test_membership_until_before_since_is_refused(registry: dict[str, Any]) -> None:
    hub, other = registry["hub"], registry["other"]
    with pytest.raises(ValidationError):
        services.membership_set(
            actor=None, partnership=hub, organisation=other, since_year=2023, until_year=2020
        )


# --- search documents stay in step ------------------------------------------------------------


def words(document: str) -> set[str]:
    return set(document.split())


def test_search_document_follows_a_name_change(registry: dict[str, Any], staff: User) -> None:
    company = reload(registry["company"])
    assert "vonk" in words(company.search_document)
    services.organisation_update(actor=staff, organisation=company, name="Staalwerk Ijzerman")
    document = words(reload(company).search_document)
    assert {"staalwerk", "ijzerman"} <= document
    assert "vonk" not in document
    # The hub's document lists its members' names.
    hub_document = words(reload(registry["hub"]).search_document)
    assert "ijzerman" in hub_document
    assert "vonk" not in hub_document


def test_search_document_follows_a_theme_change(registry: dict[str, Any], staff: User) -> None:
    company = reload(registry["company"])
    assert "metaalbewerking" in words(company.search_document)  # a maakindustrie synonym
    ict = Theme.objects.get(code="ict")
    services.organisation_update(actor=staff, organisation=company, themes=[ict])
    document = words(reload(company).search_document)
    assert "metaalbewerking" not in document
    assert {"ict", "software", "digitalisering"} <= document


def test_partnership_document_follows_members_and_themes(
    registry: dict[str, Any], lead_editor: User
) -> None:
    hub = reload(registry["hub"])
    services.membership_set(actor=lead_editor, partnership=hub, organisation=registry["other"])
    assert "zo" in words(reload(hub).search_document)
    energie = Theme.objects.get(code="energie")
    services.partnership_update(actor=lead_editor, partnership=hub, themes=[energie])
    document = words(reload(hub).search_document)
    assert "windenergie" in document
    assert "metaalbewerking" not in document


def test_reindex_command_catches_up_after_a_theme_rename(
    registry: dict[str, Any], staff: User
) -> None:
    maak = Theme.objects.get(code="maakindustrie")
    Theme.objects.filter(pk=maak.pk).update(synonyms_nl="smeedwerk")
    call_command("reindex", stdout=None)
    assert "smeedwerk" in words(reload(registry["company"]).search_document)
    assert "smeedwerk" in words(reload(registry["hub"]).search_document)
    assert "metaalbewerking" not in words(reload(registry["company"]).search_document)


def test_theme_change_in_admin_reindexes(
    client: Any, registry: dict[str, Any], staff: User
) -> None:
    maak = Theme.objects.get(code="maakindustrie")
    client.force_login(staff)
    response = client.post(
        reverse("admin:registry_theme_change", args=[maak.pk]),
        {
            "code": maak.code,
            "name_nl": maak.name_nl,
            "name_en": maak.name_en,
            "kind": maak.kind,
            "parent": maak.parent_id,
            "synonyms_nl": "smeedwerk",
            "synonyms_en": "",
            "related_sbi_divisions": maak.related_sbi_divisions,
        },
    )
    assert response.status_code == 302, response.content[:2000]
    assert reload(maak).synonyms_nl == "smeedwerk"
    assert "smeedwerk" in words(reload(registry["company"]).search_document)
    entry = AuditEntry.objects.get(action="registry.theme.updated", target_id=maak.pk)
    assert entry.actor == staff and "synonyms_nl" in entry.changes


def test_registry_admin_is_read_only(client: Any, registry: dict[str, Any], staff: User) -> None:
    """Organisations are edited on the site (services, versions, audit), not in the admin."""
    company = reload(registry["company"])
    client.force_login(staff)
    url = reverse("admin:registry_organisation_change", args=[company.pk])
    assert client.get(url).status_code == 200  # shown
    response = client.post(url, {"kind": company.kind, "name": "Staalwerk Ijzerman"})
    assert response.status_code == 403
    assert reload(company).name == "Metaalbedrijf De Vonk"
    changelist = reverse("admin:registry_organisation_changelist")
    client.post(
        changelist, {"action": "delete_selected", "_selected_action": [company.pk], "post": "yes"}
    )
    assert Organisation.objects.filter(pk=company.pk).exists()  # no bulk delete without audit


# --- the theme vocabulary -------------------------------------------------------------------


def test_theme_loading_is_idempotent(db: Any) -> None:
    assert services.themes_load_reference() == 42
    first = sorted(Theme.objects.values_list("code", "parent__code", "name_nl"))
    assert services.themes_load_reference() == 42
    assert Theme.objects.count() == 42
    assert sorted(Theme.objects.values_list("code", "parent__code", "name_nl")) == first
    maak = Theme.objects.get(code="maakindustrie")
    assert maak.parent is not None and maak.parent.code == "htsm"
    smart = Theme.objects.get(code="smart_industry")
    assert smart.parent == maak
    assert Theme.objects.get(code="waterstof").parent.code == "energietransitie"
    # Every parent in the vocabulary file is set, and no other.
    with (services.DATA / "themes.csv").open(encoding="utf-8", newline="") as fh:
        expected = {row["code"]: row["parent_code"] or None for row in csv.DictReader(fh)}
    assert dict(Theme.objects.values_list("code", "parent__code")) == expected


def test_theme_loading_repairs_a_changed_parent(db: Any) -> None:
    services.themes_load_reference()
    Theme.objects.filter(code="maakindustrie").update(parent=None, name_nl="Fout")
    services.themes_load_reference()
    maak = Theme.objects.get(code="maakindustrie")
    assert maak.parent is not None and maak.parent.code == "htsm"
    assert maak.name_nl == "Maakindustrie & metaal"


def test_person_delete_is_audited_without_personal_data(
    registry: dict[str, Any], editor: User
) -> None:
    petra = reload(registry["private"])
    pk = petra.pk
    services.person_delete(actor=editor, person=petra)
    assert not Person.objects.filter(pk=pk).exists()
    entry = AuditEntry.objects.get(target_id=pk, action="registry.person.deleted")
    assert entry.actor == editor
    assert "petra@example.nl" not in json.dumps(entry.changes)

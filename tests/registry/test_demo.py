"""`demo_load()`: complete, clearly fictional where invented, and safe to run twice."""

from __future__ import annotations

import csv
import time

import pytest
from django.contrib.auth import authenticate
from django.db.models import QuerySet

from knooppunt.accounts.models import Editorship, User
from knooppunt.places.models import Province
from knooppunt.registry.demo import (
    DEMO_EDITOR_EMAIL,
    DEMO_EDITOR_PASSWORD,
    DEMO_STAFF_EMAIL,
    DEMO_STAFF_PASSWORD,
    FICTIONAL_COMPANY,
    FICTIONAL_PARTNERSHIP,
    build_plan,
    demo_load,
)
from knooppunt.registry.models import (
    Membership,
    Organisation,
    OrganisationSourceId,
    Partnership,
    PartnershipSourceId,
    Person,
)
from knooppunt.registry.services import DATA


def _generated_organisations(prefix: str) -> QuerySet[Organisation]:
    ids = OrganisationSourceId.objects.filter(source="demo", external_id__startswith=prefix)
    return Organisation.objects.filter(source_ids__in=ids)


@pytest.mark.django_db
def test_demo_load_is_complete_fictional_where_invented_and_idempotent() -> None:
    started = time.perf_counter()
    first = demo_load()
    first_seconds = time.perf_counter() - started
    started = time.perf_counter()
    second = demo_load()
    second_seconds = time.perf_counter() - started
    print(f"demo_load: first run {first_seconds:.1f} s, second run {second_seconds:.1f} s")

    # Running twice changes nothing, and the counts are totals in the database.
    assert first == second
    assert first["organisations"] == Organisation.objects.count()
    assert first["partnerships"] == Partnership.objects.count()
    assert first["memberships"] == Membership.objects.count()
    assert first["people"] == Person.objects.count()
    assert first["organisations"] >= 440
    assert first["partnerships"] >= 60
    assert first["people"] >= 120
    assert OrganisationSourceId.objects.filter(source="demo").count() == first["organisations"]

    # Organisations in every province; companies too.
    assert Province.objects.count() == 12
    for province in Province.objects.all():
        organisations = Organisation.objects.filter(municipality__province=province)
        assert organisations.filter(kind="company").exists(), province.name
        assert Partnership.objects.filter(municipality__province=province).exists(), province.name

    # All 110 institutions from DUO, with their BRIN.
    with (DATA / "institutions.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 110
    schools = {o.brin: o for o in Organisation.objects.exclude(brin="")}
    for row in rows:
        assert schools[row["brin"]].name == row["name"]
        assert schools[row["brin"]].kind == row["kind"]

    # Every generated company and partnership says it is fictional.
    companies = _generated_organisations("gen-company-")
    assert companies.count() == 300
    assert all(c.description.startswith(FICTIONAL_COMPANY) for c in companies)
    assert all(len(c.kvk) == 8 and c.kvk.startswith("0099") for c in companies)
    assert all(c.website == "" or c.website.endswith(".example.nl") for c in companies)
    assert not Organisation.objects.filter(kind="company").exclude(pk__in=companies).exists()
    generated = Partnership.objects.filter(
        source_ids__in=PartnershipSourceId.objects.filter(external_id__startswith="gen-")
    )
    assert generated.count() >= 50
    assert all(p.description.startswith(FICTIONAL_PARTNERSHIP) for p in generated)
    assert set(generated.values_list("kind", flat=True)) >= {
        "campus",
        "centre_of_expertise",
        "civ",
        "technohub",
        "learning_community",
        "rif_project",
        "cove",
        "hub",
    }
    assert generated.filter(kind="technohub").count() == 12
    for partnership in generated.prefetch_related("memberships__organisation"):
        memberships = list(partnership.memberships.all())
        leads = [m for m in memberships if m.role == "lead"]
        assert len(leads) == 1 and leads[0].organisation.is_school, partnership.name
        assert 2 <= len(memberships) - 1 <= 12, partnership.name
        if partnership.kind == "centre_of_expertise":
            assert leads[0].organisation.kind == "school_hbo"
        if partnership.kind == "civ":
            assert leads[0].organisation.kind == "school_mbo"
        if partnership.kind == "technohub":
            assert sum(m.organisation.is_school for m in memberships) >= 2

    # Partners abroad: a country and the place as written, no municipality, in a partnership.
    abroad = Organisation.objects.exclude(country="NL").order_by("city")
    assert [(o.city, o.country, o.municipality) for o in abroad] == [
        ("Aachen", "DE", None),
        ("Mol", "BE", None),
        ("Valencia", "ES", None),
    ]
    assert all(o.memberships.exists() for o in abroad)

    # Fictional people: example.nl addresses only; real people named in the seeds have none.
    assert not Person.objects.exclude(email="").exclude(email__endswith="@example.nl").exists()
    richard = Person.objects.get(name="Richard van Ommen")
    assert richard.is_public and richard.email == "" and richard.phone == ""
    assert Person.objects.filter(partnership_roles__isnull=False).distinct().count() >= 50

    # Seed facts: Talentencampus Oss in Oss, Metalot in Cranendonck, Katapult in Den Haag.
    campus = Organisation.objects.get(name="Talentencampus Oss")
    assert (campus.kind, campus.municipality.code) == ("intermediary", "GM0828")
    assert Partnership.objects.get(name="Metalot").municipality.code == "GM1706"
    assert Organisation.objects.get(name="Katapult").municipality.code == "GM0518"
    assert (
        Partnership.objects.filter(
            kind="learning_community", municipality__code="GM0828", memberships__organisation=campus
        ).count()
        >= 3
    )

    # Accounts: staff can log in; the editor edits Talentencampus Oss.
    staff = authenticate(username=DEMO_STAFF_EMAIL, password=DEMO_STAFF_PASSWORD)
    assert staff is not None and staff.is_staff and staff.is_superuser
    editor = authenticate(username=DEMO_EDITOR_EMAIL, password=DEMO_EDITOR_PASSWORD)
    assert editor is not None and not editor.is_staff
    assert Editorship.objects.filter(user=editor, organisation=campus).exists()
    assert User.objects.filter(email__in=[DEMO_STAFF_EMAIL, DEMO_EDITOR_EMAIL]).count() == 2
    assert all(u.full_name for u in User.objects.all())

    # Search documents were written through the services.
    assert not Organisation.objects.filter(search_document="").exists()
    assert not Partnership.objects.filter(search_document="").exists()
    assert " oss " in campus.search_document


def test_build_plan_is_deterministic() -> None:
    province_of = {"GM0014": "PV20", "GM0828": "PV30"}
    sbi = {"25": ["2550", "2562"], "43": ["4321"], "62": ["6201"]}
    divisions = {"maakindustrie": ["25"], "installatietechniek": ["43"], "ict": ["62"]}
    first = build_plan(province_of, sbi, divisions)
    second = build_plan(province_of, sbi, divisions)
    assert first == second
    assert len({o.external_id for o in first.organisations}) == len(first.organisations)
    assert len({p.external_id for p in first.partnerships}) == len(first.partnerships)
    assert len({p.name for p in first.partnerships}) == len(first.partnerships)

"""`demo_load()`: complete, clearly fictional where invented, and safe to run twice."""

from __future__ import annotations

import csv
import re
import time

import pytest
from django.contrib.auth import authenticate
from django.db.models import QuerySet
from django.http import HttpRequest

from knooppunt.accounts.models import Editorship, User
from knooppunt.places.models import Province
from knooppunt.registry.models import (
    Membership,
    Organisation,
    OrganisationSourceId,
    Partnership,
    PartnershipSourceId,
    Person,
)
from knooppunt.registry.services import DATA
from knooppunt.synthetic.demo import (
    DEMO_EDITOR_EMAIL,
    DEMO_EDITOR_PASSWORD,
    DEMO_STAFF_EMAIL,
    DEMO_STAFF_PASSWORD,
    demo_load,
)
from knooppunt.synthetic.demo.registry import (
    FICTIONAL_COMPANY,
    FICTIONAL_PARTNERSHIP,
    SECTORS,
    build_plan,
)
from knooppunt.synthetic.generate import PLACES_DATA
from knooppunt.synthetic.tables import read_rows


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
    staff = authenticate(HttpRequest(), username=DEMO_STAFF_EMAIL, password=DEMO_STAFF_PASSWORD)
    assert staff is not None and staff.is_staff and staff.is_superuser
    editor = authenticate(HttpRequest(), username=DEMO_EDITOR_EMAIL, password=DEMO_EDITOR_PASSWORD)
    assert editor is not None and not editor.is_staff
    assert Editorship.objects.filter(user=editor, organisation=campus).exists()
    assert User.objects.filter(email__in=[DEMO_STAFF_EMAIL, DEMO_EDITOR_EMAIL]).count() == 2
    assert all(u.full_name for u in User.objects.all())

    # Search documents were written through the services.
    assert not Organisation.objects.filter(search_document="").exists()
    assert not Partnership.objects.filter(search_document="").exists()
    assert " oss " in campus.search_document

    # Nothing a visitor would see as an error (issue 9), see below.
    _assert_no_visible_errors()


def _places() -> tuple[dict[str, str], dict[str, tuple[float, float]]]:
    province_of = {
        r["municipality_code"]: r["province_code"]
        for r in read_rows(PLACES_DATA / "municipalities.csv")
    }
    position_of = {
        r["municipality_code"]: (float(r["latitude"]), float(r["longitude"]))
        for r in read_rows(PLACES_DATA / "municipality_centroids.csv")
    }
    return province_of, position_of


def test_build_plan_is_deterministic() -> None:
    first = build_plan(*_places())
    second = build_plan(*_places())
    assert first == second
    assert len({o.external_id for o in first.organisations}) == len(first.organisations)
    assert len({p.external_id for p in first.partnerships}) == len(first.partnerships)
    assert len({p.name for p in first.partnerships}) == len(first.partnerships)


# A word in a demo company's name and the SBI 2008 sections a company with that word can
# be in. Written from what the words mean, independent of the demo's own SBI table
# (data/demo/registry/sectors.json, which picks codes): every fictional company name
# holds exactly one of these words, and all its SBI codes must lie in these sections.
NAME_SECTIONS: list[tuple[str, str]] = [
    ("installatietechniek elektrotechniek klimaattechniek installaties", "F"),
    ("bouw bouwgroep bouwbedrijf aannemersbedrijf waterbouw", "F"),
    ("metaaltechniek metaalbewerking machinebouw precisietechniek constructiewerken", "C"),
    ("plaatbewerking lastechniek timmerfabriek", "C"),
    ("voedingsmiddelen zuivel bakkerij foods", "C"),
    ("chemie kunststoffen coatings process", "C"),
    ("scheepsbouw scheepswerf jachtbouw maritiem", "C"),
    ("medical pharma diagnostics laboratoria", "CMQ"),
    ("aerospace aviation vliegtuigonderhoud", "CH"),
    ("zorggroep thuiszorg zorgdiensten", "Q"),
    ("software it data digital automatisering", "J"),
    ("media studio ontwerpbureau design", "JM"),
    ("transport logistiek distributie expeditie", "H"),
    ("kwekerij tuinbouw glastuinbouw plantenkwekerij", "A"),
    ("energie energy zonne-energie warmte", "D"),
    ("hotel horecagroep catering events", "IN"),
    ("autobedrijf mobiliteit carrosserie fietstechniek", "GS"),
    ("administratiekantoor adviesgroep accountants", "M"),
    ("personeelsdiensten", "N"),
    ("hoveniers groenvoorziening boomverzorging", "AN"),
    ("recycling grondstoffen circulair", "E"),
]
# What a company's description calls it, and the staff numbers that fit (EU size classes).
SIZE_STAFF = {
    "Mkb-bedrijf": range(1, 250),
    "Middelgroot bedrijf": range(50, 250),
    "Jong bedrijf": range(1, 51),
    "Familiebedrijf": range(1, 100_000),
}
# Kinds in which schools and companies work together: each needs both among its members.
SCHOOL_AND_BUSINESS_KINDS = {
    "campus",
    "centre_of_expertise",
    "civ",
    "cove",
    "hub",
    "learning_community",
    "rif_project",
    "technohub",
}


def _sections_for_name(name: str) -> set[str]:
    words = set(name.casefold().replace("&", " ").split())
    matches = [sections for group, sections in NAME_SECTIONS if words & set(group.split())]
    assert len(matches) == 1, f"{name}: {len(matches)} keyword groups match"
    return set(matches[0])


def _assert_no_visible_errors() -> None:
    """What a visitor would notice: SBI codes that do not fit a company's name, a size that
    does not fit its staff, partnerships without members or without schools or companies."""
    companies = Organisation.objects.filter(kind="company").prefetch_related("sbi_codes")
    assert companies.count() == 300
    for company in companies:
        sections = _sections_for_name(company.name)
        codes = list(company.sbi_codes.all())
        assert codes, company.name
        for code in codes:
            assert code.section in sections, f"{company.name}: {code.code} {code.name_nl}"
        found = re.search(r"\. (.+?) in .*Circa (\d+) medewerkers", company.description)
        assert found, company.description
        assert int(found[2]) in SIZE_STAFF[found[1]], company.description

    partnerships = Partnership.objects.prefetch_related("memberships__organisation")
    for partnership in partnerships:
        members = [m.organisation for m in partnership.memberships.all()]
        assert members, f"{partnership.name} has no members"
        if partnership.kind in SCHOOL_AND_BUSINESS_KINDS:
            assert any(o.is_school for o in members), f"{partnership.name}: no school"
            assert any(o.kind == "company" for o in members), f"{partnership.name}: no company"
        # Members the seed texts do not name are made up, and the description says so.
        seed = partnership.source_ids.filter(external_id__startswith="seed:").exists()
        if seed and partnership.kind in SCHOOL_AND_BUSINESS_KINDS:
            assert "voor de demo verzonnen" in partnership.description, partnership.name


def test_every_sector_word_has_existing_sbi_codes() -> None:
    leaves = {
        r["code"]: r["section"]
        for r in read_rows(DATA / "sbi.csv")
        if r["is_leaf"] == "true" and r["level"] in {"4", "5"}
    }
    for sector in SECTORS:
        assert set(sector.words) == set(sector.sbi), sector.label
        for word, codes in sector.sbi.items():
            assert codes, word
            assert all(code in leaves for code in codes), (word, codes)
            # The test's own table knows every word, and agrees with the codes.
            sections = _sections_for_name(f"X {word}")
            assert {leaves[code] for code in codes} <= sections, (word, codes)

"""Interchange format 1.1: the `country` column and places that do not resolve.

A real partnership register has partners abroad (a Flemish institute in Mol, universities
in Aachen and Valencia) and writes municipalities by name. A place is an attribute, not an
identity: an unresolved one is a warning, a municipality code that does not exist an error.
"""

from __future__ import annotations

import io
import shutil
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import transaction
from django.urls import reverse

from knooppunt.core.models import AuditEntry
from knooppunt.places.models import Municipality
from knooppunt.places.services import places_load_reference
from knooppunt.registry import services
from knooppunt.registry.interchange import export_registry, import_registry
from knooppunt.registry.models import (
    ImportRun,
    Membership,
    Organisation,
    OrganisationSourceId,
    Partnership,
    PartnershipSourceId,
)

ORG_HEADER = "id,name,kind,country,municipality_code,city,brin,kvk,sbi,themes,website,description"
PS_HEADER = "id,name,kind,themes,country,municipality_code,city,start_year,end_year,description"
MS_HEADER = "partnership_id,organisation_id,role,since_year"

ORGANISATIONS = [
    "mol,Kempens Energie-instituut,knowledge_institute,BE,,Mol,,,,energie,,",  # line 2
    "aachen,Hochschule Dreiländereck,school_wo,DE,,Aachen,,,,htsm,,",  # 3
    "valencia,Universidad del Turia,school_wo,es,,Valencia,,,,,,",  # 4
    "hengelo,Twents Metaal,company,NL,,Hengelo,,,,,,",  # 5: the municipality Hengelo
    "bosch,Bossche Bouw,company,,,Den Bosch,,,,,,",  # 6: an alias
    "velp,Velpse Techniek,company,,,Velp,,,,,,",  # 7: Velp lies in two municipalities
    "typo,Eindhovens Design,company,,,Eindhovn,,,,,,",  # 8: misspelt
    "abroad,Ohne Land GmbH,company,,,Aachen,,,,,,",  # 9: abroad, but no country given
    "oss,Osse Metaal,company,,GM0828,Oss,,,,,,",  # 10
]
PARTNERSHIPS = [
    "cove,CoVE Slimme Maakindustrie,cove,maakindustrie,NL,,Oss,2023,,",  # line 2
    "eu,Erasmus+ Agri Valencia,other,agri_food,ES,,Valencia,2024,,",  # 3
    "vague,Hub Velp,hub,,,,Velp,2022,,",  # 4
]
MEMBERSHIPS = [
    "cove,oss,lead,2023",
    "cove,mol,partner,2023",
    "cove,aachen,partner,2024",
    "cove,hengelo,member,",
    "eu,valencia,lead,2024",
    "eu,velp,partner,2024",
]


@pytest.fixture(scope="module")
def _reference_once(django_db_setup: Any, django_db_blocker: Any) -> Any:
    with django_db_blocker.unblock(), transaction.atomic():
        places_load_reference()
        services.themes_load_reference()
        services.sbi_load_reference()
        yield
        transaction.set_rollback(True)


@pytest.fixture
def reference(_reference_once: Any, db: Any) -> None:
    """Overrides tests/conftest.py's `reference`: loaded once per module."""


@pytest.fixture(autouse=True)
def _english(settings: Any) -> Any:
    from django.utils import translation

    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


def write(
    folder: Path,
    organisations: list[str] = ORGANISATIONS,
    partnerships: list[str] = PARTNERSHIPS,
    memberships: list[str] = MEMBERSHIPS,
    *,
    org_header: str = ORG_HEADER,
    ps_header: str = PS_HEADER,
) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, header, rows in (
        ("organisations", org_header, organisations),
        ("partnerships", ps_header, partnerships),
        ("memberships", MS_HEADER, memberships),
    ):
        (folder / f"{name}.csv").write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return folder


def org(ext_id: str) -> Organisation:
    return Organisation.objects.select_related("municipality").get(source_ids__external_id=ext_id)


def state() -> dict[str, Any]:
    return {
        "organisations": list(Organisation.objects.order_by("id").values()),
        "partnerships": list(Partnership.objects.order_by("id").values()),
        "memberships": list(Membership.objects.order_by("id").values()),
        "sources": (OrganisationSourceId.objects.count(), PartnershipSourceId.objects.count()),
        "audit": AuditEntry.objects.count(),
        "runs": ImportRun.objects.count(),
    }


def test_partners_abroad_and_loose_places_import_with_warnings(
    reference: None, tmp_path: Path
) -> None:
    report = import_registry(write(tmp_path / "reg"), source="register")
    assert report.ok, [str(p) for p in report.errors]
    assert report.applied
    assert report.counts["organisations"].new == 9
    assert report.counts["memberships"].new == 6

    # Abroad: the country and the place as written, no municipality, no warning.
    places = {
        ext_id: (o.country, o.city, o.municipality.code if o.municipality else None)
        for ext_id in ("mol", "aachen", "valencia", "hengelo", "bosch", "velp", "typo", "oss")
        for o in [org(ext_id)]
    }
    assert places == {
        "mol": ("BE", "Mol", None),
        "aachen": ("DE", "Aachen", None),
        "valencia": ("ES", "Valencia", None),
        "hengelo": ("NL", "Hengelo", "GM0164"),  # the municipality, not the village
        "bosch": ("NL", "Den Bosch", "GM0796"),
        "velp": ("NL", "Velp", None),
        "typo": ("NL", "Eindhovn", None),
        "oss": ("NL", "Oss", "GM0828"),
    }
    eu = Partnership.objects.get(name="Erasmus+ Agri Valencia")
    assert (eu.country, eu.city, eu.municipality) == ("ES", "Valencia", None)
    assert Partnership.objects.get(name="Hub Velp").municipality is None

    # Warnings, each naming the row (file, line, column) and the candidates.
    warnings = {(p.file, p.line, p.column): p.reason for p in report.warnings}
    assert set(warnings) == {
        ("organisations.csv", 7, "city"),
        ("organisations.csv", 8, "city"),
        ("organisations.csv", 9, "city"),
        ("partnerships.csv", 4, "city"),
    }
    assert "Land van Cuijk, Rheden" in warnings["organisations.csv", 7, "city"]
    assert "more than one municipality" in warnings["organisations.csv", 7, "city"]
    assert "did you mean: Eindhoven?" in warnings["organisations.csv", 8, "city"]
    assert "If it is abroad, give its country" in warnings["organisations.csv", 9, "city"]
    assert report.to_json()["warning_count"] == 4


def test_a_bad_municipality_code_is_an_error_and_nothing_is_imported(
    reference: None, tmp_path: Path
) -> None:
    services.organisation_create(actor=None, kind="company", name="Er al", city="Oss")
    before = state()
    rows = [*ORGANISATIONS, "nowhere,Nergens BV,company,NL,GM9999,Nergenshuizen,,,,,,"]
    report = import_registry(write(tmp_path / "reg", rows), source="register")
    assert not report.applied
    assert [(p.file, p.line, p.column) for p in report.errors] == [
        ("organisations.csv", 11, "municipality_code")
    ]
    assert "GM9999" in report.errors[0].reason
    assert len(report.warnings) == 4  # the warnings are still reported
    assert state() == before  # all or nothing


@pytest.mark.parametrize(
    ("row", "column"),
    [
        ("x,Naam,company,XX,,Mol,,,,,,", "country"),
        ("x,Naam,company,Atlantis,,Mol,,,,,,", "country"),
        ("x,Naam,company,BEL,,Mol,,,,,,", "country"),
        # A municipality code is for Dutch places only.
        ("x,Naam,company,DE,GM0828,Aachen,,,,,,", "municipality_code"),
    ],
)
def test_country_errors(reference: None, tmp_path: Path, row: str, column: str) -> None:
    report = import_registry(write(tmp_path / "reg", [row], [], []), source="register")
    assert not report.applied
    assert [(p.line, p.column) for p in report.errors] == [(2, column)]
    assert Organisation.objects.count() == 0


def test_a_country_written_as_a_name_is_read_with_a_warning(
    reference: None, tmp_path: Path
) -> None:
    rows = ["x,Naam,company,België,,Mol,,,,,,", "y,Name,company,UK,,Leeds,,,,,,"]
    report = import_registry(write(tmp_path / "reg", rows, [], []), source="register")
    assert report.applied
    assert [(p.line, p.column) for p in report.warnings] == [(2, "country"), (3, "country")]
    assert "BE (Belgium)" in report.warnings[0].reason
    assert sorted(Organisation.objects.values_list("country", "city")) == [
        ("BE", "Mol"),
        ("GB", "Leeds"),
    ]


def test_version_1_files_without_a_country_still_import(reference: None, tmp_path: Path) -> None:
    folder = write(
        tmp_path / "v1",
        ["a,Oude Stijl,company,,Oss,,,,,,"],
        ["p,Hub,hub,,,Hengelo,2020,,"],
        ["p,a,lead,"],
        org_header="id,name,kind,municipality_code,city,brin,kvk,sbi,themes,website,description",
        ps_header="id,name,kind,themes,municipality_code,city,start_year,end_year,description",
    )
    report = import_registry(folder, source="v1")
    assert report.ok and report.applied and not report.warnings
    company = Organisation.objects.get()
    assert (company.country, company.municipality.code) == ("NL", "GM0828")
    assert Partnership.objects.get().municipality.code == "GM0164"


def test_round_trip_with_countries(reference: None, tmp_path: Path) -> None:
    assert import_registry(write(tmp_path / "reg"), source="register").applied
    export_registry(tmp_path / "out")
    text = (tmp_path / "out" / "organisations.csv").read_text(encoding="utf-8")
    assert text.splitlines()[0] == ORG_HEADER
    assert "mol,Kempens Energie-instituut,knowledge_institute,BE,,Mol," in text
    assert "velp,Velpse Techniek,company,NL,,Velp," in text
    ps_text = (tmp_path / "out" / "partnerships.csv").read_text(encoding="utf-8")
    assert ps_text.splitlines()[0] == PS_HEADER
    assert ",ES,,Valencia,2024," in ps_text

    def places() -> list[tuple[str, str, str, str | None]]:
        return sorted(
            (o.name, o.country, o.city, o.municipality.code if o.municipality else None)
            for o in Organisation.objects.select_related("municipality")
        )

    before = places()
    for model in (Membership, OrganisationSourceId, PartnershipSourceId, Organisation):
        model.objects.all().delete()
    Partnership.objects.all().delete()
    report = import_registry(tmp_path / "out", source="register")
    assert report.applied
    assert places() == before
    export_registry(tmp_path / "again")
    for name in ("organisations.csv", "partnerships.csv", "memberships.csv"):
        assert (tmp_path / "again" / name).read_bytes() == (tmp_path / "out" / name).read_bytes()


def test_reimport_keeps_a_municipality_that_staff_fixed(
    reference: None, tmp_path: Path, staff: Any
) -> None:
    folder = write(tmp_path / "reg")
    assert import_registry(folder, source="register").applied
    typo = org("typo")
    eindhoven = Municipality.objects.get(code="GM0772")
    services.organisation_update(actor=staff, organisation=typo, municipality=eindhoven)
    report = import_registry(folder, source="register")
    assert report.applied
    assert report.counts["organisations"].updated == 0
    assert org("typo").municipality == eindhoven
    # A row that says the organisation is abroad does move it (and drops the municipality).
    rows = [r.replace(",,,Eindhovn,", ",BE,,Eindhoven,") for r in ORGANISATIONS]
    assert import_registry(write(tmp_path / "moved", rows), source="register").applied
    moved = org("typo")
    assert (moved.country, moved.city, moved.municipality) == ("BE", "Eindhoven", None)


def test_cli_prints_the_warnings_and_imports(reference: None, tmp_path: Path, capsys: Any) -> None:
    call_command("import_registry", str(write(tmp_path / "reg")), "--source", "register")
    out, err = capsys.readouterr()
    assert "Imported in" in out
    assert "warning: organisations.csv, line 7, column city: “Velp” lies in" in err
    assert Organisation.objects.count() == 9
    rows = [*ORGANISATIONS, "nowhere,Nergens BV,company,,GM9999,,,,,,,"]
    with pytest.raises(CommandError):
        call_command("import_registry", str(write(tmp_path / "bad", rows)), "--source", "bad")
    _out, err = capsys.readouterr()
    assert "error: organisations.csv, line 11, column municipality_code" in err
    assert Organisation.objects.count() == 9


def test_web_preview_shows_the_warnings(
    client: Any, staff: Any, reference: None, tmp_path: Path, settings: Any
) -> None:
    settings.KNOOPPUNT_IMPORT_DIR = tmp_path / "imports"
    folder = write(tmp_path / "reg")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for file in sorted(folder.iterdir()):
            archive.write(file, f"register/{file.name}")
    upload = SimpleUploadedFile("register.zip", buffer.getvalue(), content_type="application/zip")
    client.force_login(staff)
    response = client.post(reverse("registry-import:upload"), {"upload": [upload]})
    assert response.status_code == 302
    html = client.get(response["Location"]).content.decode()
    assert "4 warnings" in html
    assert "lies in more than one municipality (Land van Cuijk, Rheden)" in html
    assert "did you mean: Eindhoven?" in html
    assert reverse("registry:unplaced") in html
    assert "Confirm and import" in html  # warnings do not block the import
    assert Organisation.objects.count() == 0
    shutil.rmtree(tmp_path / "imports", ignore_errors=True)

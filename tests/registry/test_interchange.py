"""Registry import and export in the interchange format (../shared/formats/registry-csv.md)."""

from __future__ import annotations

import codecs
import csv
import io
import shutil
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction

from knooppunt.core.models import AuditEntry
from knooppunt.places.models import Municipality, Place
from knooppunt.places.queries import resolve_city
from knooppunt.places.resolve import load_aliases
from knooppunt.places.services import places_load_reference
from knooppunt.registry import services
from knooppunt.registry.interchange import export_registry, import_registry
from knooppunt.registry.interchange.format import escape_cell, unescape_cell
from knooppunt.registry.interchange.parse import Reference
from knooppunt.registry.models import (
    ImportRun,
    Membership,
    Organisation,
    OrganisationSourceId,
    Partnership,
    PartnershipSourceId,
    SbiCode,
    Theme,
)

FIXTURES = Path(__file__).resolve().parent / "fixtures"
SAMPLE = FIXTURES / "sample"

ORG_HEADER = "id,name,kind,municipality_code,city,brin,kvk,sbi,themes,website,description"
PS_HEADER = "id,name,kind,themes,municipality_code,city,start_year,end_year,description"
MS_HEADER = "partnership_id,organisation_id,role,since_year"


@pytest.fixture(scope="module")
def _reference_once(django_db_setup: Any, django_db_blocker: Any) -> Any:
    """The reference data, loaded once for this module in a transaction rolled back after it."""
    with django_db_blocker.unblock(), transaction.atomic():
        places_load_reference()
        services.themes_load_reference()
        services.sbi_load_reference()
        yield
        transaction.set_rollback(True)


@pytest.fixture
def reference(_reference_once: Any, db: Any) -> None:
    """Overrides tests/conftest.py's `reference`: already loaded, see `_reference_once`."""


def write_registry(
    folder: Path,
    organisations: list[str] | None = None,
    partnerships: list[str] | None = None,
    memberships: list[str] | None = None,
    *,
    org_header: str = ORG_HEADER,
    ps_header: str = PS_HEADER,
    ms_header: str = MS_HEADER,
) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, header, rows in (
        ("organisations", org_header, organisations),
        ("partnerships", ps_header, partnerships),
        ("memberships", ms_header, memberships),
    ):
        if rows is not None:
            (folder / f"{name}.csv").write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return folder


def registry_state() -> dict[str, Any]:
    """Everything an import may write, to prove that a failed import wrote nothing."""
    return {
        "organisations": list(Organisation.objects.order_by("id").values()),
        "partnerships": list(Partnership.objects.order_by("id").values()),
        "memberships": list(Membership.objects.order_by("id").values()),
        "org_sources": OrganisationSourceId.objects.count(),
        "ps_sources": PartnershipSourceId.objects.count(),
        "sbi": SbiCode.objects.count(),
        "audit": AuditEntry.objects.count(),
        "runs": ImportRun.objects.count(),
        "org_themes": Organisation.themes.through.objects.count(),
    }


def problems(report: Any) -> set[tuple[str, int, str]]:
    return {(p.file, p.line, p.column) for p in report.errors}


# --- importing the sample registry ---------------------------------------------------------------


def test_import_sample_creates_everything(reference: None) -> None:
    report = import_registry(SAMPLE, source="sample")
    assert report.ok, report.errors
    assert report.applied
    counts = {name: (c.rows, c.new, c.updated, c.unchanged) for name, c in report.counts.items()}
    assert counts == {
        "organisations": (4, 4, 0, 0),
        "partnerships": (2, 2, 0, 0),
        "memberships": (5, 5, 0, 0),
    }
    school = Organisation.objects.get(source_ids__source="sample", source_ids__external_id="o1")
    assert school.name == 'Techniek College "De Brug"'
    assert school.description == "Regel één\nRegel twee, met een komma"
    assert school.brin == "01AB"
    assert school.municipality.code == "GM0828"
    assert sorted(t.code for t in school.themes.all()) == ["ict", "maakindustrie"]
    company = Organisation.objects.get(kvk="87654321")
    assert company.municipality.name == "Eindhoven"  # from the city
    assert company.website == "https://www.metaal.example.nl"
    assert company.description == "=SUM(A1)"  # the escaping apostrophe is stripped
    assert [t.code for t in company.themes.all()] == ["techniek"]
    assert company.other_themes == "Robotisering in de polder"  # not lost
    assert sorted(company.sbi_codes.values_list("code", flat=True)) == ["2562", "28"]
    division = SbiCode.objects.get(code="28")
    assert division.section == "C"
    assert division.name_nl == "SBI-afdeling 28 (sectie C: Industrie)"
    cafe = Organisation.objects.get(name="Café Zoë")
    assert cafe.municipality.code == "GM0796"  # Den Bosch -> 's-Hertogenbosch
    assert cafe.description == "-korting voor studenten"
    assert Organisation.objects.get(name="Gemeente Oss").city == ""
    hub = Partnership.objects.get(name="Technohub Oss")
    roles = dict(hub.memberships.values_list("organisation__name", "role"))
    assert roles == {
        'Techniek College "De Brug"': "lead",
        "Metaal Verbinders B.V.": "partner",
        "Gemeente Oss": "member",  # empty role: the default
    }
    assert hub.memberships.get(organisation__name="Gemeente Oss").since_year == 2022
    civ = Partnership.objects.get(kind="civ")
    assert civ.name == 'CIV "Zorg", Brabant'
    assert (civ.start_year, civ.end_year) == (2019, 2023)
    assert civ.other_themes == "Ouderenzorg in de wijk"
    # One summary entry for the run (and, for a small import, one per created object).
    run = ImportRun.objects.get()
    assert run.status == ImportRun.Status.DONE
    assert run.counts["new"] == 11
    summary = AuditEntry.objects.get(action="registry.import.done")
    assert summary.target_id == run.pk
    assert AuditEntry.objects.filter(action="registry.organisation.created").count() == 4


def test_search_documents_equal_the_services_and_include_other_themes(reference: None) -> None:
    assert import_registry(SAMPLE, source="sample").ok
    for org in Organisation.objects.all():
        assert org.search_document == services.organisation_search_document(org)
    for ps in Partnership.objects.all():
        assert ps.search_document == services.partnership_search_document(ps)
    company = Organisation.objects.get(kvk="87654321")
    assert " robotisering " in company.search_document
    assert " metaal " in Partnership.objects.get(name="Technohub Oss").search_document


def test_reimport_is_idempotent(reference: None) -> None:
    assert import_registry(SAMPLE, source="sample").ok
    before = registry_state()
    report = import_registry(SAMPLE, source="sample")
    assert report.ok
    for counts in report.counts.values():
        assert (counts.new, counts.updated, counts.merged) == (0, 0, 0)
        assert counts.unchanged == counts.rows
    after = registry_state()
    for key in ("organisations", "partnerships", "memberships", "org_sources", "ps_sources"):
        assert after[key] == before[key], key


def test_changed_rows_update_and_empty_cells_keep(reference: None, tmp_path: Path) -> None:
    assert import_registry(SAMPLE, source="sample").ok
    folder = tmp_path / "sample"
    shutil.copytree(SAMPLE, folder)
    orgs = (folder / "organisations.csv").read_text(encoding="utf-8")
    orgs = orgs.replace("Gemeente Oss,municipality", "Gemeente Oss (gemeentehuis),municipality")
    # The description of o2 becomes empty: unknown, so it is kept.
    orgs = orgs.replace("www.metaal.example.nl,'=SUM(A1)", "www.metaal.example.nl,")
    (folder / "organisations.csv").write_text(orgs, encoding="utf-8")
    (folder / "memberships.csv").write_text(
        (folder / "memberships.csv").read_text().replace("p2,o4,funder,", "p2,o4,lead,2020"),
        encoding="utf-8",
    )
    report = import_registry(folder, source="sample")
    assert report.ok, report.errors
    orgs_counts = report.counts["organisations"]
    assert (orgs_counts.new, orgs_counts.updated, orgs_counts.unchanged) == (0, 1, 3)
    assert report.counts["memberships"].updated == 1
    gemeente = Organisation.objects.get(source_ids__external_id="o3")
    assert gemeente.name == "Gemeente Oss (gemeentehuis)"
    assert Organisation.objects.get(kvk="87654321").description == "=SUM(A1)"
    membership = Membership.objects.get(organisation__name="Café Zoë")
    assert (membership.role, membership.since_year) == ("lead", 2020)
    # The partnership's search document follows the renamed member.
    assert " gemeentehuis " in Partnership.objects.get(name="Technohub Oss").search_document
    entry = AuditEntry.objects.get(action="registry.organisation.updated", target_id=gemeente.pk)
    assert entry.changes["name"] == ["Gemeente Oss", "Gemeente Oss (gemeentehuis)"]


def test_same_files_under_another_source_merge_instead_of_duplicating(reference: None) -> None:
    assert import_registry(SAMPLE, source="first").ok
    report = import_registry(SAMPLE, source="second")
    assert report.ok
    # o1 by BRIN, o2 by KvK, the others by name in the same municipality.
    assert report.counts["organisations"].merged == 4
    assert Organisation.objects.count() == 4
    assert OrganisationSourceId.objects.filter(source="second").count() == 4
    # Partnerships are matched by source id only.
    assert Partnership.objects.count() == 4


# --- all or nothing ------------------------------------------------------------------------------


def test_one_bad_row_changes_nothing_and_every_bad_row_is_listed(
    registry: dict[str, Any], tmp_path: Path
) -> None:
    folder = write_registry(
        tmp_path / "reg",
        [
            "a,Goed Bedrijf,company,GM0828,,,,,,,",
            "b,Slecht Bedrijf,bakery,GM0828,,,,,,,",
            "c,Nog een goed bedrijf,company,,Oss,,,,,,",
            "d,Ook slecht,company,GM0828,,,1234,,,,",
        ],
        ["p,Hub,hub,,,,2020,,"],
        ["p,a,lead,", "p,c,member,", "p,zz,member,"],
    )
    before = registry_state()
    report = import_registry(folder, source="reg")
    assert not report.applied
    assert problems(report) == {
        ("organisations.csv", 3, "kind"),
        ("organisations.csv", 5, "kvk"),
        ("memberships.csv", 4, "organisation_id"),
    }
    assert report.counts["organisations"].errors == 2
    assert registry_state() == before


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        # organisations
        (dict(orgs=[",Naam,company,,,,,,,,"]), ("organisations.csv", 2, "id")),
        (dict(orgs=["x,,company,,,,,,,,"]), ("organisations.csv", 2, "name")),
        (dict(orgs=["x,Naam,,,,,,,,,"]), ("organisations.csv", 2, "kind")),
        (dict(orgs=["x,Naam,bakker,,,,,,,,"]), ("organisations.csv", 2, "kind")),
        (dict(orgs=["x,Naam,company,0828,,,,,,,"]), ("organisations.csv", 2, "municipality_code")),
        (
            dict(orgs=["x,Naam,company,GM9999,,,,,,,"]),
            ("organisations.csv", 2, "municipality_code"),
        ),
        (dict(orgs=["x,Naam,school_vo,,,25L,,,,,"]), ("organisations.csv", 2, "brin")),
        (dict(orgs=["x,Naam,company,,,25LJ,,,,,"]), ("organisations.csv", 2, "brin")),
        (dict(orgs=["x,Naam,company,,,,1234567,,,,"]), ("organisations.csv", 2, "kvk")),
        (dict(orgs=["x,Naam,company,,,,,6,,,"]), ("organisations.csv", 2, "sbi")),
        (dict(orgs=["x,Naam,company,,,,,123456,,,"]), ("organisations.csv", 2, "sbi")),
        (dict(orgs=["x,Naam,company,,,,,9999,,,"]), ("organisations.csv", 2, "sbi")),
        (dict(orgs=["x,Naam,company,,,,,04,,,"]), ("organisations.csv", 2, "sbi")),
        (dict(orgs=["x,Naam,company,,,,,,,geen url,"]), ("organisations.csv", 2, "website")),
        (dict(orgs=["x,A,company,,,,,,,,", "x,B,company,,,,,,,,"]), ("organisations.csv", 3, "id")),
        (dict(orgs=["x," + "N" * 201 + ",company,,,,,,,,"]), ("organisations.csv", 2, "name")),
        (dict(orgs=["x,Naam,company,,,,,,,,,extra cell"]), ("organisations.csv", 2, "")),
        # partnerships
        (dict(pss=["p,Hub,hubs,,,,,,"]), ("partnerships.csv", 2, "kind")),
        (dict(pss=["p,Hub,hub,,,,21,,"]), ("partnerships.csv", 2, "start_year")),
        (dict(pss=["p,Hub,hub,,,,2021,20x3,"]), ("partnerships.csv", 2, "end_year")),
        (dict(pss=["p,Hub,hub,,,,2021,2019,"]), ("partnerships.csv", 2, "end_year")),
        (dict(pss=["p,Hub,hub,,,,1850,,"]), ("partnerships.csv", 2, "start_year")),
        (dict(pss=["p,Hub,hub,,,,,,", "p,Hub 2,hub,,,,,,"]), ("partnerships.csv", 3, "id")),
        # memberships
        (dict(mss=["nope,o,member,"]), ("memberships.csv", 2, "partnership_id")),
        (dict(mss=["p,nope,member,"]), ("memberships.csv", 2, "organisation_id")),
        (dict(mss=["p,o,boss,"]), ("memberships.csv", 2, "role")),
        (dict(mss=["p,o,member,99"]), ("memberships.csv", 2, "since_year")),
        (dict(mss=["p,o,member,", "p,o,lead,"]), ("memberships.csv", 3, "organisation_id")),
        (dict(mss=[",o,member,"]), ("memberships.csv", 2, "partnership_id")),
    ],
)
def test_every_kind_of_error_is_reported(
    reference: None, tmp_path: Path, rows: dict[str, list[str]], expected: tuple[str, int, str]
) -> None:
    folder = write_registry(
        tmp_path / "reg",
        rows.get("orgs", ["o,Organisatie,company,,,,,,,,"]),
        rows.get("pss", ["p,Partnerschap,hub,,,,,,"]),
        rows.get("mss", ["p,o,member,"]),
    )
    report = import_registry(folder, source="reg")
    assert not report.applied
    assert expected in problems(report), [str(p) for p in report.errors]
    assert Organisation.objects.count() == 0


def test_missing_required_columns_and_files(reference: None, tmp_path: Path) -> None:
    folder = write_registry(
        tmp_path / "reg",
        ["o,company"],
        None,
        ["p,o"],
        org_header="id,kind",
    )
    report = import_registry(folder, source="reg")
    found = problems(report)
    assert ("organisations.csv", 1, "name") in found
    # No partnerships.csv: every partnership id in memberships.csv dangles.
    assert ("memberships.csv", 2, "partnership_id") in found
    empty = tmp_path / "empty"
    empty.mkdir()
    report = import_registry(empty, source="reg")
    assert not report.ok and "No registry files" in report.errors[0].reason


def test_wrong_encoding_and_bad_quoting_are_reported_with_line(
    reference: None, tmp_path: Path
) -> None:
    folder = write_registry(tmp_path / "reg", ["o,Organisatie,company,,,,,,,,"], [], [])
    (folder / "organisations.csv").write_bytes(
        (ORG_HEADER + "\no1,Goed,company,,,,,,,,\no2,Caf\xe9 Latin-1,company,,,,,,,,\n").encode(
            "latin-1"
        )
    )
    (folder / "partnerships.csv").write_text(
        PS_HEADER + '\np1,Hub,hub,,,,,,\np2,"Open quote,hub,,,,,,\n', encoding="utf-8"
    )
    report = import_registry(folder, source="reg")
    found = problems(report)
    assert ("organisations.csv", 3, "") in found
    assert any(p.file == "partnerships.csv" and "Malformed CSV" in p.reason for p in report.errors)
    assert Organisation.objects.count() == 0


# --- matching organisations already in the registry ----------------------------------------------


def test_merge_proposed_by_kvk(registry: dict[str, Any], tmp_path: Path) -> None:
    company = registry["company"]
    folder = write_registry(
        tmp_path / "kvk",
        ["k1,De Vonk Metaal,company,,Oss,,12345678,,,,Nieuwe beschrijving"],
        [],
        [],
    )
    preview = import_registry(folder, dry_run=True)
    assert preview.ok and not preview.applied
    assert preview.counts["organisations"].merged == 1
    (merge,) = preview.merges
    assert merge["target_id"] == company.pk
    assert merge["line"] == 2
    assert "KvK" in merge["reason"]
    assert not OrganisationSourceId.objects.filter(source="kvk").exists()  # a dry run

    count = Organisation.objects.count()
    report = import_registry(folder)
    assert report.ok and report.counts["organisations"].merged == 1
    assert Organisation.objects.count() == count
    company.refresh_from_db()
    assert company.name == "De Vonk Metaal"
    assert company.description == "Nieuwe beschrijving"
    assert company.source_ids.filter(source="kvk", external_id="k1").exists()
    assert AuditEntry.objects.filter(
        action="registry.organisation.merged", target_id=company.pk
    ).exists()
    # The next import of the same file knows the id: unchanged, no second merge.
    again = import_registry(folder)
    assert again.counts["organisations"].unchanged == 1


def test_merge_proposed_by_near_identical_name(registry: dict[str, Any], tmp_path: Path) -> None:
    folder = write_registry(
        tmp_path / "names",
        [
            # One letter off, same municipality: the school.
            "n1,Koning Willem I Colege,school_mbo,,'s-Hertogenbosch,,,,,,",
            # Equal after dropping the legal form: the company in Eindhoven.
            "n2,Data & Zo B.V.,company,,Eindhoven,,,,,,",
            # The same name in another municipality: a different organisation.
            "n3,Data & Zo,company,,Oss,,,,,,",
        ],
        [],
        [],
    )
    report = import_registry(folder, dry_run=True)
    merges = {m["id"]: m["target_id"] for m in report.merges}
    assert merges == {"n1": registry["school"].pk, "n2": registry["other"].pk}
    assert report.counts["organisations"].new == 1


def test_merge_cannot_give_a_non_school_a_brin(registry: dict[str, Any], tmp_path: Path) -> None:
    folder = write_registry(
        tmp_path / "brin", ["s1,Koning Willem I College,company,,,00GT,,,,,"], [], []
    )
    report = import_registry(folder)
    # 00GT on a company is an error in the row itself already.
    assert ("organisations.csv", 2, "brin") in problems(report)
    folder = write_registry(
        tmp_path / "brin2", ["s1,Koning Willem I College,company,,'s-Hertogenbosch,,,,,,"], [], []
    )
    report = import_registry(folder)
    assert ("organisations.csv", 2, "kind") in problems(report)
    assert not report.applied


# --- input forms ---------------------------------------------------------------------------------


def test_extra_columns_are_ignored_with_a_warning(reference: None, tmp_path: Path) -> None:
    folder = write_registry(
        tmp_path / "extra",
        ["o,Organisatie,company,,,,,,,,,mijn notitie"],
        [],
        [],
        org_header=ORG_HEADER + ",notes",
    )
    report = import_registry(folder)
    assert report.ok
    (warning,) = report.warnings
    assert (warning.file, warning.line, warning.column) == ("organisations.csv", 1, "notes")
    assert Organisation.objects.get().name == "Organisatie"


def test_free_column_order_and_bom(reference: None, tmp_path: Path) -> None:
    folder = tmp_path / "bom"
    folder.mkdir()
    (folder / "organisations.csv").write_bytes(
        codecs.BOM_UTF8 + b"kind,name,id\r\ncompany,Eerste,1\r\nother,Tweede,2\r\n"
    )
    report = import_registry(folder)
    assert report.ok, report.errors
    assert sorted(Organisation.objects.values_list("name", "kind")) == [
        ("Eerste", "company"),
        ("Tweede", "other"),
    ]


def _zip(folder: Path, target: Path, prefix: str) -> Path:
    with zipfile.ZipFile(target, "w") as archive:
        for file in sorted(folder.iterdir()):
            archive.write(file, prefix + file.name)
        archive.writestr("__MACOSX/._organisations.csv", b"\x00\x01junk")
    return target


@pytest.mark.parametrize("prefix", ["", "registry-2025/"])
def test_zip_with_files_at_the_root_or_in_a_subfolder(
    reference: None, tmp_path: Path, prefix: str
) -> None:
    archive = _zip(SAMPLE, tmp_path / "brabant.zip", prefix)
    report = import_registry(archive)
    assert report.ok, report.errors
    assert report.source == "brabant"
    assert Organisation.objects.count() == 4
    assert OrganisationSourceId.objects.filter(source="brabant").count() == 4


def test_xlsx_workbook(reference: None, tmp_path: Path) -> None:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "organisations"
    sheet.append(["id", "name", "kind", "kvk", "municipality_code", "notes"])
    sheet.append([1, "Bedrijf Eén", "company", 1234567, "GM0828", "genegeerd"])
    sheet.append([2, "Tweede", "company", None, None, None])
    partnerships = workbook.create_sheet("partnerships")
    partnerships.append(["id", "name", "kind", "start_year"])
    partnerships.append(["p", "Hub", "hub", 2021])
    memberships = workbook.create_sheet("memberships")
    memberships.append(["partnership_id", "organisation_id", "role"])
    memberships.append(["p", 1, "lead"])
    workbook.create_sheet("toelichting").append(["dit blad wordt overgeslagen"])
    path = tmp_path / "werkboek.xlsx"
    workbook.save(path)
    report = import_registry(path)
    assert report.ok, report.errors
    company = Organisation.objects.get(name="Bedrijf Eén")
    assert company.kvk == "01234567"  # a number cell lost its leading zero
    assert Partnership.objects.get().start_year == 2021
    assert Membership.objects.get().organisation == company
    assert {(w.file, w.column) for w in report.warnings} == {
        ("organisations", "notes"),
        ("toelichting", ""),
    }
    bad = tmp_path / "kapot.xlsx"
    bad.write_bytes(b"not a workbook")
    assert "not a valid Excel" in import_registry(bad).errors[0].reason


# --- export and round trip -----------------------------------------------------------------------

TRICKY = [
    "Quotes \"binnen\" en 'apostrof'",
    "Regel 1\nRegel 2\r\nRegel 3",
    "Komma, puntkomma; en tab\tdaar",
    "Accenten: café, Zoë, Curaçao, Ærø, 東京",
    '=HYPERLINK("http://evil.example")',
    "-10 graden",
    "+31 6 1234",
    "@SUM(A1)",
    "'=al een apostrof",
    "''dubbel",
]


@pytest.fixture
def tricky_registry(registry: dict[str, Any]) -> dict[str, Any]:
    ict = Theme.objects.get(code="ict")
    oss = Municipality.objects.get(code="GM0828")
    for i, text in enumerate(TRICKY):
        org = services.organisation_create(
            actor=None,
            kind="company" if i % 2 else "other",
            # Names are one line: no line breaks or tabs (core.validators).
            name=f"{text[:40]} {i}".replace("\n", " ").replace("\r", " ").replace("\t", " "),
            description=text,
            municipality=oss,
            city=text[:60] if i in (4, 5) else "Oss",
            themes=[ict] if i % 3 == 0 else [],
            other_themes="Eigen thema;-min" if i == 1 else "",
            sbi_codes=list(SbiCode.objects.filter(code__in=["6201", "2562"])) if i == 2 else [],
            kvk=f"{i:08d}" if i % 2 else "",
            website="https://example.nl/?a=1,b=2" if i == 3 else "",
        )
        if i < 4:
            services.membership_set(
                actor=None,
                partnership=registry["hub"],
                organisation=org,
                role="member",
                since_year=2020 + i if i % 2 else None,
            )
    services.partnership_create(
        actor=None,
        kind="cove",
        name='=Tricky, "partnership"',
        description=TRICKY[1],
        municipality=oss,
        start_year=2020,
        end_year=2024,
        other_themes="Waterstofketen",
    )
    # An organisation with two source ids, and one that shares a source id with another.
    OrganisationSourceId.objects.create(
        organisation=registry["school"], source="duo", external_id="brin:00GT"
    )
    OrganisationSourceId.objects.create(
        organisation=registry["company"], source="kvk", external_id="brin:00GT"
    )
    return registry


def _empty_registry() -> None:
    Membership.objects.all().delete()
    Partnership.objects.all().delete()
    Organisation.objects.all().delete()


def _read(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_round_trip_csv_is_byte_identical(tricky_registry: dict[str, Any], tmp_path: Path) -> None:
    first = tmp_path / "first"
    counts = export_registry(first)
    assert counts == {
        "organisations": Organisation.objects.count(),
        "partnerships": Partnership.objects.count(),
        "memberships": Membership.objects.count(),
    }
    export_registry(tmp_path / "first.zip")
    _empty_registry()
    report = import_registry(first, source="roundtrip")
    assert report.ok, [str(p) for p in report.errors]
    second = tmp_path / "second"
    export_registry(second)
    assert _read(first) == _read(second)
    export_registry(tmp_path / "second.zip")
    assert (tmp_path / "first.zip").read_bytes() == (tmp_path / "second.zip").read_bytes()


def test_export_escapes_formulas_and_is_readable_csv(
    tricky_registry: dict[str, Any], tmp_path: Path
) -> None:
    export_registry(tmp_path / "out")
    raw = (tmp_path / "out" / "organisations.csv").read_bytes()
    assert not raw.startswith(codecs.BOM_UTF8)
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8"), newline="")))
    cells = [cell for row in rows for cell in row.values()]
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@")]
    descriptions = {row["description"] for row in rows}
    assert '\'=HYPERLINK("http://evil.example")' in descriptions
    assert "'-10 graden" in descriptions
    assert "''=al een apostrof" in descriptions
    ids = [row["id"] for row in rows]
    assert len(ids) == len(set(ids))
    # The school's only source id is brin:00GT; the company's first source id is the same
    # text (from another source), so the company gets its own id instead.
    assert ids[0] == "brin:00GT"
    assert ids[1] == f"knooppunt-{tricky_registry['company'].pk}"
    themes = next(r["themes"] for r in rows if r["description"] == TRICKY[1])
    assert themes == "Eigen thema;'-min" or themes.endswith(";-min")


def test_round_trip_through_xlsx(tricky_registry: dict[str, Any], tmp_path: Path) -> None:
    export_registry(tmp_path / "before")
    export_registry(tmp_path / "registry.xlsx", fmt="xlsx")
    _empty_registry()
    report = import_registry(tmp_path / "registry.xlsx", source="roundtrip")
    assert report.ok, [str(p) for p in report.errors]
    export_registry(tmp_path / "after")
    before, after = _read(tmp_path / "before"), _read(tmp_path / "after")
    # Equal line by line: a workbook (XML) keeps a line break inside a cell as LF only.
    for name in before:
        assert before[name].decode().splitlines() == after[name].decode().splitlines(), name


def test_export_json(tricky_registry: dict[str, Any], tmp_path: Path) -> None:
    import json

    export_registry(tmp_path / "registry.json", fmt="json")
    data = json.loads((tmp_path / "registry.json").read_text(encoding="utf-8"))
    assert set(data) == {"organisations", "partnerships", "memberships"}
    hub = next(p for p in data["partnerships"] if p["name"] == "Technohub Maasland")
    assert hub["start_year"] == 2022 and hub["end_year"] is None
    assert hub["themes"] == ["Maakindustrie & metaal"]
    assert any(o["description"] == TRICKY[4] for o in data["organisations"])  # not escaped
    assert len(data["memberships"]) == Membership.objects.count()


def test_escaping_is_reversible() -> None:
    for text in [*TRICKY, "'", "''", "'a", "", "=", "-", "'s-Hertogenbosch"]:
        assert unescape_cell(escape_cell(text)) == text
    assert escape_cell("'s-Hertogenbosch") == "'s-Hertogenbosch"


def test_city_resolution_agrees_with_the_place_list(reference: None) -> None:
    reference_data = Reference()
    names = list(Place.objects.order_by("code").values_list("name", flat=True)[::25])
    names += list(Place.objects.filter(is_ambiguous=True).values_list("name", flat=True)[:20])
    names += [*load_aliases(), "Súdwest-Fryslân", "Oss", "Hengelo", "Bergen", "", "Atlantis"]
    names += list(Municipality.objects.values_list("name", flat=True)[::20])
    for name in names:
        if name:
            assert reference_data.resolve_city(name) == resolve_city(name), name


def test_sbi_divisions_and_groups_are_added_once(reference: None, tmp_path: Path) -> None:
    folder = write_registry(tmp_path / "sbi", ["o,Software Zo,company,,,,,620;62;6201,,,"], [], [])
    assert import_registry(folder).ok
    assert SbiCode.objects.get(code="620").name_nl == (
        "SBI-groep 620 (sectie J: Informatie en communicatie)"
    )
    assert SbiCode.objects.get(code="62").section == "J"
    codes = sorted(Organisation.objects.get().sbi_codes.values_list("code", flat=True))
    assert codes == ["62", "620", "6201"]
    export_registry(tmp_path / "out")
    assert ",620;62;6201," not in (tmp_path / "out" / "organisations.csv").read_text()
    assert ",62;620;6201," in (tmp_path / "out" / "organisations.csv").read_text()
    count = SbiCode.objects.count()
    assert import_registry(tmp_path / "out", source="again").ok
    assert SbiCode.objects.count() == count


def test_a_long_description_survives_the_round_trip(reference: None, tmp_path: Path) -> None:
    # As long as the registry allows (registry.rules.TEXT_MAX, the same on the site and API).
    text = ("Een lange beschrijving.\n" * 1000)[:20_000]
    services.organisation_create(actor=None, kind="other", name="Lang", description=text)
    export_registry(tmp_path / "out")
    _empty_registry()
    assert import_registry(tmp_path / "out").ok
    assert Organisation.objects.get().description == text


@pytest.fixture(autouse=True)
def _english_messages(settings: Any) -> Any:
    """These tests read the reports' English source texts; the product defaults to Dutch."""
    from django.utils import translation

    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield

"""The synthetic registry generator (`knooppunt generate`), at a small size."""

from __future__ import annotations

import csv
import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from knooppunt.core.models import AuditEntry
from knooppunt.registry.models import (
    ImportRun,
    Membership,
    MembershipRole,
    Organisation,
    OrganisationKind,
    Partnership,
    PartnershipKind,
)
from knooppunt.registry.services import organisation_create
from knooppunt.synthetic.generate import (
    MARK,
    MEMBERSHIP_COLUMNS,
    ORGANISATION_COLUMNS,
    PARTNERSHIP_COLUMNS,
    PLACES_DATA,
    RANDSTAD_AND_BRABANT,
    REGISTRY_DATA,
    generate,
)

SIZES = {"organisations": 2000, "partnerships": 50, "memberships": 400}
FILES = ("organisations.csv", "partnerships.csv", "memberships.csv")


def _read(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        rows = list(reader)
        return list(reader.fieldnames or []), rows


def _municipalities() -> dict[str, dict[str, str]]:
    _, rows = _read(PLACES_DATA / "municipalities.csv")
    return {r["municipality_code"]: r for r in rows}


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("generated")
    generate(folder, seed=7, **SIZES)
    return folder


@pytest.fixture(scope="module")
def data(out: Path) -> dict[str, Any]:
    return {name: _read(out / name) for name in FILES}


def test_same_seed_gives_the_same_bytes(out: Path, tmp_path: Path) -> None:
    generate(tmp_path, seed=7, **SIZES)
    for name in FILES:
        assert (tmp_path / name).read_bytes() == (out / name).read_bytes(), name


def test_same_bytes_in_another_process_with_another_hash_seed(out: Path, tmp_path: Path) -> None:
    code = (
        "import sys; from knooppunt.synthetic.generate import generate; "
        "generate(sys.argv[1], seed=7, organisations=2000, partnerships=50, memberships=400)"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    subprocess.run([sys.executable, "-c", code, str(tmp_path)], check=True, env=env)  # noqa: S603
    for name in FILES:
        assert (tmp_path / name).read_bytes() == (out / name).read_bytes(), name


def test_another_seed_gives_other_data(out: Path, tmp_path: Path) -> None:
    generate(tmp_path, seed=8, **SIZES)
    for name in FILES:
        assert (tmp_path / name).read_bytes() != (out / name).read_bytes(), name


def test_files_follow_the_interchange_contract(data: dict[str, Any]) -> None:
    org_header, orgs = data["organisations.csv"]
    ps_header, partnerships = data["partnerships.csv"]
    ms_header, memberships = data["memberships.csv"]
    assert org_header == ORGANISATION_COLUMNS
    assert ps_header == PARTNERSHIP_COLUMNS
    assert ms_header == MEMBERSHIP_COLUMNS
    assert (len(orgs), len(partnerships), len(memberships)) == (2000, 50, 400)

    municipalities = _municipalities()
    org_ids = [r["id"] for r in orgs]
    assert len(set(org_ids)) == len(org_ids)
    assert all(r["kind"] in OrganisationKind.values for r in orgs)
    assert all(r["name"] for r in orgs)
    placed = [r for r in orgs if r["municipality_code"]]
    assert len(placed) == len(orgs)
    assert all(r["municipality_code"] in municipalities for r in placed)

    kvks = [r["kvk"] for r in orgs if r["kvk"]]
    assert all(re.fullmatch(r"[0-9]{8}", k) for k in kvks)
    assert len(set(kvks)) == len(kvks)
    assert not any(k.startswith("0099") for k in kvks)  # the demo data's block
    brins = [r["brin"] for r in orgs if r["brin"]]
    assert all(re.fullmatch(r"[0-9]{2}[A-Z0-9]{2}", b) for b in brins)
    assert len(set(brins)) == len(brins)
    assert all(r["kind"].startswith("school_") for r in orgs if r["brin"])
    names = [r["name"].casefold() for r in orgs]
    assert len(set(names)) == len(names)

    _, sbi_rows = _read(REGISTRY_DATA / "sbi.csv")
    leaves = {r["code"] for r in sbi_rows if r["is_leaf"] == "true" and r["level"] in "45"}
    _, theme_rows = _read(REGISTRY_DATA / "themes.csv")
    theme_names = {r["name_nl"] for r in theme_rows}
    for row in orgs:
        assert all(code in leaves for code in row["sbi"].split(";") if row["sbi"])
        assert all(t in theme_names for t in row["themes"].split(";") if row["themes"])
        assert MARK.rstrip(".").lower() in row["description"].lower()
        assert not row["name"].startswith(("=", "+", "-", "@"))

    ps_ids = [r["id"] for r in partnerships]
    assert len(set(ps_ids)) == len(ps_ids)
    for row in partnerships:
        assert row["kind"] in PartnershipKind.values
        assert row["municipality_code"] in municipalities
        assert re.fullmatch(r"[0-9]{4}", row["start_year"])
        assert row["end_year"] == "" or int(row["end_year"]) >= int(row["start_year"])
        assert row["end_year"] == "" or int(row["end_year"]) <= 2026
        assert all(t in theme_names for t in row["themes"].split(";"))
        assert row["description"].startswith(MARK)

    known_orgs, known_ps = set(org_ids), set(ps_ids)
    pairs = [(m["partnership_id"], m["organisation_id"]) for m in memberships]
    assert len(set(pairs)) == len(pairs)
    for m in memberships:
        assert m["partnership_id"] in known_ps
        assert m["organisation_id"] in known_orgs
        assert m["role"] in MembershipRole.values
        assert re.fullmatch(r"[0-9]{4}", m["since_year"])
    leads = Counter(m["partnership_id"] for m in memberships if m["role"] == "lead")
    assert set(leads) == known_ps and set(leads.values()) == {1}
    kind_of = {r["id"]: r["kind"] for r in orgs}
    assert all(kind_of[m["organisation_id"]].startswith("school_") for m in memberships
               if m["role"] == "lead")  # fmt: skip


def test_kinds_are_distributed_like_the_country(data: dict[str, Any]) -> None:
    _, orgs = data["organisations.csv"]
    kinds = Counter(r["kind"] for r in orgs)
    assert kinds["municipality"] == 342
    assert kinds["province"] == 12
    assert kinds["company"] > 0.7 * len(orgs)
    # Every real mbo, hbo and wo institution is there with its own BRIN code.
    _, institutions = _read(REGISTRY_DATA / "institutions.csv")
    by_id = {r["id"]: r for r in orgs}
    for inst in institutions:
        row = by_id[f"brin:{inst['brin']}"]
        assert (row["name"], row["kind"], row["brin"]) == (inst["name"], inst["kind"], inst["brin"])
    assert kinds["school_mbo"] >= 54 and kinds["school_hbo"] >= 35 and kinds["school_wo"] >= 14


def test_companies_cluster_in_the_randstad_and_brabant(data: dict[str, Any]) -> None:
    _, orgs = data["organisations.csv"]
    municipalities = _municipalities()
    provinces = [
        municipalities[r["municipality_code"]]["province_code"]
        for r in orgs
        if r["kind"] == "company"
    ]
    assert len(set(provinces)) == 12
    company_share = sum(p in RANDSTAD_AND_BRABANT for p in provinces) / len(provinces)
    municipality_share = sum(
        m["province_code"] in RANDSTAD_AND_BRABANT for m in municipalities.values()
    ) / len(municipalities)
    assert company_share > municipality_share + 0.05


def test_themes_follow_the_sbi_codes(data: dict[str, Any]) -> None:
    _, orgs = data["organisations.csv"]
    _, theme_rows = _read(REGISTRY_DATA / "themes.csv")
    themes_of_division: dict[str, set[str]] = {}
    for t in theme_rows:
        for division in filter(None, t["related_sbi_divisions"].split(";")):
            themes_of_division.setdefault(division, set()).add(t["name_nl"])
    checked = 0
    for row in orgs:
        if row["kind"] != "company" or not row["themes"]:
            continue
        expected = set().union(
            *(themes_of_division.get(c[:2], set()) for c in row["sbi"].split(";"))
        )
        if expected:
            assert set(row["themes"].split(";")) & expected, row
            checked += 1
    assert checked > 500


def test_members_come_mostly_from_the_partnership_region(data: dict[str, Any]) -> None:
    _, orgs = data["organisations.csv"]
    _, partnerships = data["partnerships.csv"]
    _, memberships = data["memberships.csv"]
    region = {code: m["labour_market_region_code"] for code, m in _municipalities().items()}
    org_region = {r["id"]: region[r["municipality_code"]] for r in orgs}
    org_kind = {r["id"]: r["kind"] for r in orgs}
    ps_region = {r["id"]: region[r["municipality_code"]] for r in partnerships}
    companies = [m for m in memberships if org_kind[m["organisation_id"]] == "company"]
    same = sum(
        org_region[m["organisation_id"]] == ps_region[m["partnership_id"]] for m in companies
    )
    assert same / len(companies) > 0.6


def test_too_few_organisations_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="at least"):
        generate(tmp_path, organisations=300, partnerships=5, memberships=10)
    with pytest.raises(ValueError, match="memberships"):
        generate(tmp_path, organisations=2000, partnerships=50, memberships=10)


def test_command_writes_the_files(tmp_path: Path) -> None:
    call_command("generate", out=str(tmp_path), seed=7, stdout=open(os.devnull, "w"), **SIZES)  # noqa: SIM115
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(FILES)
    with pytest.raises(CommandError):
        call_command("generate", out=str(tmp_path), organisations=10, partnerships=1,
                     memberships=1)  # fmt: skip


@pytest.mark.django_db
def test_command_loads_the_database_directly_through_the_registry_import(
    reference: None,
) -> None:
    # A school already in the registry: the import's duplicate rule (same BRIN) merges the
    # generated row into it instead of adding a second organisation with its BRIN.
    school = organisation_create(
        actor=None, kind="school_hbo", name="Hogeschool van Arnhem en Nijmegen", brin="25KB"
    )
    call_command("generate", direct=True, seed=3, stdout=open(os.devnull, "w"), **SIZES)  # noqa: SIM115
    assert Organisation.objects.count() == 2000
    assert Partnership.objects.count() == 50
    assert Membership.objects.count() == 400
    assert list(Organisation.objects.filter(brin="25KB")) == [school]
    assert school.source_ids.get(source="generated").external_id == "brin:25KB"
    company = Organisation.objects.filter(kind="company").exclude(themes=None).first()
    assert company is not None and company.search_document.strip()
    assert company.municipality is not None
    # One import run, with its audit entry, like any import.
    run = ImportRun.objects.get()
    assert (run.source, run.status, run.input_name) == ("generated", "done", "generated-seed-3")
    assert AuditEntry.objects.filter(action="registry.import.done").count() == 1
    # One write path: the import's bulk writer, with a bulk audit entry.
    entry = AuditEntry.objects.get(action="registry.organisation.imported")
    # 2,000 generated rows, one of them merged into the school that was already there.
    assert entry.changes["bulk"]["counts"]["created"] == 1999
    # Loading the same seed again adds nothing.
    call_command("generate", direct=True, seed=3, stdout=open(os.devnull, "w"), **SIZES)  # noqa: SIM115
    assert Organisation.objects.count() == 2000
    assert Membership.objects.count() == 400


@pytest.mark.django_db
def test_in_memory_and_file_loads_give_the_same_registry(tmp_path: Path) -> None:
    """--direct (rows in memory) and the default (CSV files) write the same data."""
    quiet = {"stdout": open(os.devnull, "w"), "stderr": open(os.devnull, "w")}  # noqa: SIM115
    call_command("generate", direct=True, seed=5, source="a", **quiet, **SIZES)
    call_command("generate", seed=5, source="b", **quiet, **SIZES)
    # The second load found every organisation again (same BRIN, KvK or name and place):
    # all merged, none new, and no field changed.
    run = ImportRun.objects.get(source="b")
    assert run.report["files"]["organisations"]["merged"] == 2000
    assert Organisation.objects.count() == 2000
    # The partnerships are new under source b, with the same values as under source a.
    fields = ("name", "kind", "municipality_id", "city", "start_year", "end_year",
              "description", "search_document")  # fmt: skip
    by_source = {
        source: sorted(Partnership.objects.filter(source_ids__source=source).values_list(*fields))
        for source in ("a", "b")
    }
    assert by_source["a"] == by_source["b"] and len(by_source["a"]) == 50


@pytest.mark.django_db
def test_command_loads_the_database_through_the_registry_import() -> None:
    quiet = {"stdout": open(os.devnull, "w"), "stderr": open(os.devnull, "w")}  # noqa: SIM115
    call_command("generate", seed=3, **quiet, **SIZES)
    assert Organisation.objects.count() == 2000
    assert Partnership.objects.count() == 50
    assert Membership.objects.count() == 400
    assert Organisation.objects.filter(kind="municipality").count() == 342
    hits = Organisation.objects.filter(kind="company", search_document__contains=" ")
    assert hits.count() == Organisation.objects.filter(kind="company").count()
    # The import remembers ids per source: the same data again adds nothing.
    call_command("generate", seed=3, **quiet, **SIZES)
    assert Organisation.objects.count() == 2000
    assert Membership.objects.count() == 400

"""Each registry rule once: the model, the form, the API and the import give the same verdict.

Every case is a bad organisation or partnership; each of the four ways in must refuse it,
naming the field (the import: line and column) and writing nothing.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from knooppunt.accounts.models import User
from knooppunt.api.services import api_token_create
from knooppunt.core.models import AuditEntry
from knooppunt.registry import rules, services
from knooppunt.registry.forms import OrganisationForm, PartnershipForm
from knooppunt.registry.interchange import import_registry
from knooppunt.registry.models import ImportRun, Organisation, Partnership

LONG = "x" * (rules.TEXT_MAX + 1)

ORGANISATION_CASES = {
    "blank name": ({"name": "   "}, "name"),
    "line break in name": ({"name": "Twee\nregels"}, "name"),
    "paragraph separator in name": ({"name": "Twee\u2029regels"}, "name"),
    "tab in city": ({"city": "Oss\tNoord"}, "city"),
    "description too long": ({"description": LONG}, "description"),
    "control character in description": ({"description": "bel\x07"}, "description"),
    "BRIN of a company": ({"brin": "25LJ"}, "brin"),
    "malformed BRIN": ({"kind": "school_mbo", "brin": "25L"}, "brin"),
    "malformed KvK": ({"kvk": "1234"}, "kvk"),
}
PARTNERSHIP_CASES = {
    "end before start": ({"start_year": 2024, "end_year": 2020}, "end_year"),
    "line break in name": ({"name": "Twee\r\nregels"}, "name"),
    "goals too long": ({"goals": LONG}, "goals"),
}
ORG_BASE = {"kind": "company", "name": "Regel BV", "city": "", "description": ""}
PS_BASE = {"kind": "hub", "name": "Regel Hub"}


@pytest.fixture(autouse=True)
def _english(settings: Any) -> None:
    settings.LANGUAGE_CODE = "en"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _api(user: User, path: str, body: dict[str, Any]) -> Any:
    token = api_token_create(actor=user, name="t")[1]
    return Client().post(
        "/api/v1" + path,
        json.dumps(body),
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )


def _import(tmp_path: Path, name: str, row: dict[str, Any]) -> Any:
    folder = tmp_path / "import"
    folder.mkdir(exist_ok=True)
    row = {"id": "r1", **{k: "" if v is None else str(v) for k, v in row.items()}}
    with (folder / f"{name}.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(row))
        writer.writeheader()
        writer.writerow(row)
    return import_registry(folder, source="regels")


@pytest.mark.parametrize("case", list(ORGANISATION_CASES))
def test_an_organisation_rule_holds_everywhere(
    case: str, staff: User, reference: None, tmp_path: Path
) -> None:
    change, field = ORGANISATION_CASES[case]
    values = {**ORG_BASE, **change}
    # The model (and so every service).
    with pytest.raises(ValidationError) as caught:
        services.organisation_create(actor=None, **values)
    assert field in caught.value.message_dict
    # The site's form.
    form = OrganisationForm(data=values)
    assert not form.is_valid() and field in form.errors, form.errors
    # The API.
    response = _api(staff, "/organisations", values)
    assert response.status_code == 422, response.content
    assert field in {e["field"] for e in response.json()["errors"]}
    # The import (all or nothing: the row's line and column are named).
    report = _import(tmp_path, "organisations", values)
    assert {(p.line, p.column) for p in report.errors} == {(2, field)}, report.errors
    assert not Organisation.objects.filter(name__startswith="Regel").exists()
    assert not Organisation.objects.filter(name__contains="regels").exists()


@pytest.mark.parametrize("case", list(PARTNERSHIP_CASES))
def test_a_partnership_rule_holds_everywhere(
    case: str, staff: User, reference: None, tmp_path: Path
) -> None:
    change, field = PARTNERSHIP_CASES[case]
    values = {**PS_BASE, **change}
    with pytest.raises(ValidationError) as caught:
        services.partnership_create(actor=None, **values)
    assert field in caught.value.message_dict
    form = PartnershipForm(data=values)
    assert not form.is_valid() and field in form.errors, form.errors
    response = _api(staff, "/partnerships", values)
    assert response.status_code == 422, response.content
    assert field in {e["field"] for e in response.json()["errors"]}
    if field != "goals":  # the interchange format has no goals column
        report = _import(tmp_path, "partnerships", values)
        assert {(p.line, p.column) for p in report.errors} == {(2, field)}, report.errors
    assert not Partnership.objects.filter(kind="hub").exists()


# --- the import's own checks -----------------------------------------------------------------


def test_an_xlsx_formula_without_a_saved_value_is_an_error_naming_the_cell(
    reference: None, tmp_path: Path
) -> None:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "organisations"
    sheet.append(["id", "name", "kind", "city"])
    sheet.append(["f1", "Formule BV", "company", "Oss"])
    sheet.append(["f2", '=CONCAT("Bere", "kend")', "company", "Oss"])  # no cached value
    path = tmp_path / "formules.xlsx"
    workbook.save(path)
    report = import_registry(path, source="formules")
    assert {(p.file, p.line, p.column) for p in report.errors} == {("organisations", 3, "name")}
    assert any("Cell B3 holds a formula" in p.reason for p in report.errors), report.errors
    assert not Organisation.objects.exists()


def test_an_import_writes_one_bulk_audit_entry_per_kind_and_new_versions(
    reference: None, tmp_path: Path
) -> None:
    folder = tmp_path / "bulk"
    folder.mkdir()
    (folder / "organisations.csv").write_text(
        "id,name,kind,city\no1,Een BV,company,Oss\no2,Twee BV,company,Oss\n", encoding="utf-8"
    )
    (folder / "partnerships.csv").write_text("id,name,kind\np1,Hub,hub\n", encoding="utf-8")
    (folder / "memberships.csv").write_text(
        "partnership_id,organisation_id,role\np1,o1,lead\np1,o2,member\n", encoding="utf-8"
    )
    assert import_registry(folder, source="bulk").ok
    run = ImportRun.objects.get()
    entries = {e.action: e for e in AuditEntry.objects.filter(action__endswith=".imported")}
    assert set(entries) == {
        "registry.organisation.imported",
        "registry.partnership.imported",
        "registry.membership.imported",
    }
    orgs = entries["registry.organisation.imported"].changes["bulk"]
    pks = sorted(Organisation.objects.values_list("pk", flat=True))
    assert orgs["counts"] == {"created": 2, "updated": 0, "merged": 0}
    assert orgs["ids"] == [[pks[0], pks[1]]]
    assert orgs["reference"] == f"registry.importrun:{run.pk}"
    assert entries["registry.membership.imported"].changes["bulk"]["counts"]["created"] == 2
    # A later import that changes a row gives it a new version (an open form becomes stale).
    (folder / "organisations.csv").write_text(
        "id,name,kind,city\no1,Een BV,company,Eindhoven\n", encoding="utf-8"
    )
    (folder / "memberships.csv").unlink()
    assert import_registry(folder, source="bulk").ok
    assert Organisation.objects.get(name="Een BV").version == 2
    assert Organisation.objects.get(name="Twee BV").version == 1

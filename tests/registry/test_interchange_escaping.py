"""Formula escaping on export: no cell a spreadsheet would run, and the import undoes it.

The rule (../shared/formats/registry-csv.md): a text cell that a spreadsheet would run as
a formula is escaped on export. Spreadsheets skip leading white space before `=`, `+`,
`-` and `@`, and a leading tab or carriage return is itself a known trick, so those
count too.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from knooppunt.places.models import Municipality
from knooppunt.registry import services
from knooppunt.registry.interchange import export_registry, import_registry
from knooppunt.registry.interchange.exporter import write_csv
from knooppunt.registry.interchange.format import (
    ORGANISATIONS,
    column_names,
    escape_cell,
    unescape_cell,
)
from knooppunt.registry.models import Membership, Organisation, Partnership

DANGEROUS = [
    "\t=cmd|' /C calc'!A0",
    "\r=1+1",
    "  =1+1",
    " \t -2+3",
    "\n@SUM(A1)",
    "\r\n+31 6 1234",
    "'  =al geëscaped?",
    "\t",
]

# Text made of the characters that matter here, so that the interesting cases are common.
tricky_text = st.text(alphabet=st.sampled_from(" \t\r\n=+-@'aZ1;,\""), max_size=12) | st.text()


def spreadsheet_would_run(cell: str) -> bool:
    """What a spreadsheet does with a cell, written independently of the exporter's code."""
    if cell[:1] in ("\t", "\r"):
        return True
    i = 0
    while i < len(cell) and cell[i] in " \t\r\n":
        i += 1
    return cell[i : i + 1] in ("=", "+", "-", "@")


@given(tricky_text)
@example("'")
@example("''")
@example("'s-Hertogenbosch")
@example("'\t=x")
def test_escaped_cells_never_run_and_unescape_reverses(text: str) -> None:
    escaped = escape_cell(text)
    assert not spreadsheet_would_run(escaped)
    assert unescape_cell(escaped) == text
    if not spreadsheet_would_run(text) and not text.startswith("'"):
        assert escaped == text  # harmless text is left alone


@given(st.lists(st.tuples(*[tricky_text] * len(column_names(ORGANISATIONS))), max_size=5))
def test_csv_cells_read_back_are_never_formulas(rows: list[tuple[str, ...]]) -> None:
    out = io.StringIO(newline="")
    write_csv(out, ORGANISATIONS, rows)
    read = list(csv.reader(io.StringIO(out.getvalue(), newline="")))
    assert len(read) == len(rows) + 1
    for written, original in zip(read[1:], rows, strict=True):
        assert not [cell for cell in written if spreadsheet_would_run(cell)]
        assert [unescape_cell(cell) for cell in written] == list(original)


def test_the_examples_from_the_issue_are_escaped() -> None:
    for text in DANGEROUS:
        assert escape_cell(text) == "'" + text, repr(text)
    assert escape_cell("Oss") == "Oss"
    assert escape_cell("2024") == "2024"


@pytest.fixture
def dangerous_registry(registry: dict[str, Any]) -> dict[str, Any]:
    oss = Municipality.objects.get(code="GM0828")
    for i, text in enumerate(DANGEROUS):
        org = services.organisation_create(
            actor=None,
            kind="company",
            # Names are one line (control characters refused); descriptions keep them all.
            name=re.sub(r"[\t\r\n]", " ", text).strip() + str(i),
            description=text,
            municipality=oss,
            city="Oss",
        )
        services.membership_set(
            actor=None, partnership=registry["hub"], organisation=org, since_year=2020 + i
        )
    return registry


def _read(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_export_escapes_and_round_trips(dangerous_registry: dict[str, Any], tmp_path: Path) -> None:
    export_registry(tmp_path / "first")
    raw = (tmp_path / "first" / "organisations.csv").read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(raw, newline="")))
    cells = [cell for row in rows for cell in row.values()]
    assert not [c for c in cells if spreadsheet_would_run(c)]
    descriptions = {row["description"] for row in rows}
    assert "'\t=cmd|' /C calc'!A0" in descriptions
    assert "'  =1+1" in descriptions
    # Numbers are not text: the years in memberships.csv are written as they are.
    memberships = (tmp_path / "first" / "memberships.csv").read_bytes().decode()
    assert ",2020\r\n" in memberships and "'20" not in memberships

    Membership.objects.all().delete()
    Partnership.objects.all().delete()
    Organisation.objects.all().delete()
    report = import_registry(tmp_path / "first", source="roundtrip")
    assert report.ok, [str(p) for p in report.errors]
    assert set(Organisation.objects.values_list("description", flat=True)) >= set(DANGEROUS)
    export_registry(tmp_path / "second")
    assert _read(tmp_path / "first") == _read(tmp_path / "second")


def test_xlsx_export_escapes_and_round_trips(
    dangerous_registry: dict[str, Any], tmp_path: Path
) -> None:
    import openpyxl

    export_registry(tmp_path / "registry.xlsx", fmt="xlsx")
    sheet = openpyxl.load_workbook(tmp_path / "registry.xlsx", read_only=True)["organisations"]
    values = [str(v) for row in sheet.iter_rows(values_only=True) for v in row if v is not None]
    assert not [v for v in values if spreadsheet_would_run(v)]
    Membership.objects.all().delete()
    Partnership.objects.all().delete()
    Organisation.objects.all().delete()
    report = import_registry(tmp_path / "registry.xlsx", source="roundtrip")
    assert report.ok, [str(p) for p in report.errors]
    # A workbook (XML) stores a carriage return as a line feed.
    expected = {text.replace("\r\n", "\n").replace("\r", "\n") for text in DANGEROUS}
    assert set(Organisation.objects.values_list("description", flat=True)) >= expected

"""Limits on what an import reads: zip bombs, huge files and row counts (issue 8).

Real files throughout: small archives that expand past a limit lowered for the test,
a zip whose headers lie about the unpacked size, and a memory check (tracemalloc's
peak, not a timer) that reading a large member streams instead of loading it whole.
"""

from __future__ import annotations

import io
import struct
import tracemalloc
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation

from knooppunt.registry.interchange import import_registry
from knooppunt.registry.interchange.readers import Limits, _Budget, csv_table, open_registry
from knooppunt.registry.interchange.report import ImportReport
from knooppunt.registry.models import Organisation

ORG_HEADER = "id,name,kind,municipality_code,city,brin,kvk,sbi,themes,website,description\r\n"
MB = 1024 * 1024


def org_rows(count: int, description: str = "Een bedrijf") -> str:
    return "".join(f"o{i},Bedrijf {i},company,,Oss,,,,,,{description}\r\n" for i in range(count))


def write_zip(path: Path, text: str, name: str = "organisations.csv") -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, text)
    return path


def reasons(report: ImportReport) -> list[str]:
    return [p.reason for p in report.errors]


@pytest.fixture
def low_limits(settings: Any) -> Any:
    settings.IMPORT_MAX_BYTES = 1 * MB
    settings.IMPORT_MAX_FILE_BYTES = 1 * MB
    settings.IMPORT_MAX_ROWS = 1000
    settings.LANGUAGE_CODE = "en"
    return settings


def test_zip_that_expands_past_the_limit_is_refused_before_reading(
    reference: None, low_limits: Any, tmp_path: Path
) -> None:
    # 8 KB on disk, 3.5 MB unpacked.
    archive = write_zip(tmp_path / "bom.zip", ORG_HEADER + org_rows(1, "x" * (3 * MB)))
    assert archive.stat().st_size < 20_000
    report = import_registry(archive, source="bom")
    assert reasons(report) == [
        "Unpacked, this file is larger than 1 MB, the most an import reads per file."
    ]
    assert Organisation.objects.count() == 0


def test_files_together_past_the_total_limit_are_refused(
    reference: None, low_limits: Any, tmp_path: Path
) -> None:
    low_limits.IMPORT_MAX_FILE_BYTES = 800_000
    half = "y" * 700_000
    with zipfile.ZipFile(tmp_path / "twee.zip", "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("organisations.csv", ORG_HEADER + org_rows(1, half))
        z.writestr("partnerships.csv", "id,name,kind,description\r\np,Hub,hub," + half + "\r\n")
    report = import_registry(tmp_path / "twee.zip", source="twee")
    assert reasons(report) == [
        "Unpacked, the files are larger than 1 MB together, the most an import reads."
    ]


def _lie_about_size(path: Path, declared: int) -> None:
    """Rewrite the unpacked size in both headers of the archive's only member."""
    data = bytearray(path.read_bytes())
    local = data.find(b"PK\x03\x04")
    struct.pack_into("<I", data, local + 22, declared)
    central = data.find(b"PK\x01\x02")
    struct.pack_into("<I", data, central + 24, declared)
    path.write_bytes(bytes(data))


def test_a_zip_lying_about_its_size_stops_at_the_declared_size(
    reference: None, low_limits: Any, tmp_path: Path
) -> None:
    archive = write_zip(tmp_path / "leugen.zip", ORG_HEADER + org_rows(50_000))
    _lie_about_size(archive, 4000)
    with zipfile.ZipFile(archive) as z:
        assert z.infolist()[0].file_size == 4000  # it claims to be small
    report = import_registry(archive, source="leugen")
    assert "The .zip archive is damaged or encrypted." in reasons(report)
    assert report.counts["organisations"].rows < 100  # read no further than it claimed
    assert Organisation.objects.count() == 0


def test_bytes_are_counted_while_reading_too() -> None:
    """Whatever a size claims, the reader stops once it has read more than the limit."""
    data = (ORG_HEADER + org_rows(40_000)).encode()
    assert len(data) > 1.5 * MB
    report = ImportReport()
    limits = Limits(total_bytes=MB, file_bytes=2 * MB, rows=10**6)
    with translation.override("en"):
        table = csv_table(
            "organisations",
            "organisations.csv",
            io.BytesIO(data),
            report,
            size=0,
            budget=_Budget(limits),
        )
        assert table is not None
        rows = sum(1 for _row in table.rows)
    assert 10_000 < rows < 30_000
    assert [p.reason for p in report.errors] == [
        "Unpacked, the files are larger than 1 MB together, the most an import reads."
    ]


def test_too_many_rows(reference: None, low_limits: Any, tmp_path: Path) -> None:
    low_limits.IMPORT_MAX_ROWS = 3
    folder = tmp_path / "reg"
    folder.mkdir()
    (folder / "organisations.csv").write_text(ORG_HEADER + org_rows(5), encoding="utf-8")
    report = import_registry(folder, source="reg")
    assert [(p.file, p.line, p.reason) for p in report.errors] == [
        (
            "organisations.csv",
            5,
            "This file has more than 3 rows, the most an import reads per file.",
        )
    ]
    assert Organisation.objects.count() == 0


def test_xlsx_rows_and_unpacked_size(reference: None, low_limits: Any, tmp_path: Path) -> None:
    from openpyxl import Workbook

    def workbook(path: Path, rows: int, description: str) -> Path:
        book = Workbook()
        sheet = book.active
        sheet.title = "organisations"
        sheet.append(["id", "name", "kind", "description"])
        for i in range(rows):
            sheet.append([f"o{i}", f"Bedrijf {i}", "company", f"{description} {i}"])
        book.save(path)
        return path

    low_limits.IMPORT_MAX_ROWS = 3
    report = import_registry(workbook(tmp_path / "rijen.xlsx", 5, "kort"), source="x")
    assert reasons(report) == ["This file has more than 3 rows, the most an import reads per file."]
    # Unique long strings: the shared strings part alone unpacks past 1 MB.
    big = workbook(tmp_path / "groot.xlsx", 300, "z" * 5000)
    assert big.stat().st_size < MB
    report = import_registry(big, source="x")
    assert reasons(report) == [
        "Unpacked, the files are larger than 1 MB together, the most an import reads."
    ]


def test_reading_a_large_member_streams(reference: None, settings: Any, tmp_path: Path) -> None:
    """tracemalloc's peak while reading 24 MB of rows stays a small part of that."""
    settings.IMPORT_MAX_BYTES = settings.IMPORT_MAX_FILE_BYTES = 100 * MB
    description = "lange omschrijving " * 100  # rows of about 2 KB
    text = ORG_HEADER + org_rows(12_500, description)
    assert len(text) > 23 * MB
    archive = write_zip(tmp_path / "groot.zip", text)
    del text
    report = ImportReport()
    tracemalloc.start()
    try:
        with open_registry(archive, report) as tables:
            rows = sum(1 for _row in tables["organisations"].rows)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert rows == 12_500 and report.ok
    assert peak < 4 * MB, f"peak {peak / MB:.1f} MB while reading a 24 MB member"


def test_limits_are_shown_on_the_upload_page_and_in_the_cli_help(
    client: Any, staff: Any, low_limits: Any, capsys: Any
) -> None:
    low_limits.IMPORT_MAX_ROWS = 250_000
    client.force_login(staff)
    page = client.get(reverse("registry-import:upload")).content.decode()
    assert "at most 1 MB unpacked for all files together, 1 MB per file" in page
    assert "250,000 rows per file" in page
    with pytest.raises(SystemExit):
        call_command("import_registry", "--help")
    out = " ".join(capsys.readouterr().out.split())
    assert "1 MB per file and 250,000 rows per file" in out

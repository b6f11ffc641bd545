"""Writing the registry in the interchange format: CSV (a folder or a .zip), .xlsx or JSON.

Rows are ordered by primary key; an object's id is its first source id (lowest
OrganisationSourceId/PartnershipSourceId pk) or `knooppunt-<pk>` when it has none
(or when that id is already taken by an earlier row). Text cells that a spreadsheet
would run as a formula are escaped in CSV and .xlsx (see `format.escape_cell`); the
number columns (years) are written as they are.
Exporting, importing the files into an empty registry and exporting again gives
byte-identical CSV files.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from django.db import models

from knooppunt.registry.interchange.format import (
    FILES,
    LIST_SEPARATOR,
    MEMBERSHIPS,
    ORGANISATIONS,
    OWN_ID_PREFIX,
    PARTNERSHIPS,
    column_names,
    escape_cell,
    filename,
)
from knooppunt.registry.models import (
    Membership,
    Organisation,
    OrganisationSourceId,
    Partnership,
    PartnershipSourceId,
    Theme,
)

FORMATS = ("csv", "xlsx", "json")
ZIP_DATE = (1980, 1, 1, 0, 0, 0)
CHUNK = 5000
INT_COLUMNS = {"start_year", "end_year", "since_year"}
LIST_COLUMNS = {"sbi", "themes"}

Row = tuple[str, ...]


def _external_ids(
    model: type[models.Model], source_model: type[models.Model], fk: str
) -> dict[int, str]:
    """pk -> the id to export: the first source id, else knooppunt-<pk>; unique in the file."""
    first: dict[int, str] = {}
    for pk, external_id in source_model._default_manager.order_by("id").values_list(
        fk, "external_id"
    ):
        first.setdefault(pk, external_id)
    pks = list(model._default_manager.order_by("id").values_list("id", flat=True))
    chosen: dict[int, str] = {}
    used: set[str] = set()
    for pk in pks:
        external_id = first.get(pk)
        if external_id is not None and external_id not in used:
            chosen[pk] = external_id
            used.add(external_id)
    for pk in pks:
        if pk not in chosen:
            own, n = f"{OWN_ID_PREFIX}{pk}", 2
            while own in used:
                own, n = f"{OWN_ID_PREFIX}{pk}-{n}", n + 1
            chosen[pk] = own
            used.add(own)
    return chosen


def _grouped(pairs: Iterable[tuple[int, Any]]) -> dict[int, list[Any]]:
    grouped: dict[int, list[Any]] = {}
    for key, value in pairs:
        grouped.setdefault(key, []).append(value)
    return grouped


def _themes_cell(
    theme_ids: list[int], names: dict[int, str], order: dict[int, int], other: str
) -> str:
    items = [names[t] for t in sorted(theme_ids, key=order.__getitem__)]
    items += [t for t in other.split(LIST_SEPARATOR) if t]
    return LIST_SEPARATOR.join(items)


def _year(value: int | None) -> str:
    return "" if value is None else str(value)


class RegistryRows:
    """The three files' rows (plain strings, unescaped), read from the database on demand."""

    def __init__(self) -> None:
        themes = list(Theme.objects.order_by("name_nl", "id").values_list("id", "name_nl"))
        self.theme_names = dict(themes)
        self.theme_order = {pk: i for i, (pk, _name) in enumerate(themes)}
        self.org_ids = _external_ids(Organisation, OrganisationSourceId, "organisation_id")
        self.ps_ids = _external_ids(Partnership, PartnershipSourceId, "partnership_id")

    def rows(self, name: str) -> Iterator[Row]:
        return {
            ORGANISATIONS: self.organisations,
            PARTNERSHIPS: self.partnerships,
            MEMBERSHIPS: self.memberships,
        }[name]()

    def counts(self) -> dict[str, int]:
        return {
            ORGANISATIONS: len(self.org_ids),
            PARTNERSHIPS: len(self.ps_ids),
            MEMBERSHIPS: Membership.objects.count(),
        }

    def organisations(self) -> Iterator[Row]:
        themes = _grouped(
            Organisation.themes.through.objects.values_list("organisation_id", "theme_id")
        )
        sbi = _grouped(
            Organisation.sbi_codes.through.objects.values_list("organisation_id", "sbicode__code")
        )
        rows = (
            Organisation.objects.order_by("id")
            .values_list(
                "id",
                "name",
                "kind",
                "country",
                "municipality__code",
                "city",
                "brin",
                "kvk",
                "other_themes",
                "website",
                "description",
            )
            .iterator(chunk_size=CHUNK)
        )
        for pk, name, kind, country, code, city, brin, kvk, other, website, description in rows:
            yield (
                self.org_ids[pk],
                name,
                kind,
                country,
                code or "",
                city,
                brin,
                kvk,
                LIST_SEPARATOR.join(sorted(sbi.get(pk, ()))),
                _themes_cell(themes.get(pk, []), self.theme_names, self.theme_order, other),
                website,
                description,
            )

    def partnerships(self) -> Iterator[Row]:
        themes = _grouped(
            Partnership.themes.through.objects.values_list("partnership_id", "theme_id")
        )
        rows = (
            Partnership.objects.order_by("id")
            .values_list(
                "id",
                "name",
                "kind",
                "other_themes",
                "country",
                "municipality__code",
                "city",
                "start_year",
                "end_year",
                "description",
            )
            .iterator(chunk_size=CHUNK)
        )
        for pk, name, kind, other, country, code, city, start, end, description in rows:
            yield (
                self.ps_ids[pk],
                name,
                kind,
                _themes_cell(themes.get(pk, []), self.theme_names, self.theme_order, other),
                country,
                code or "",
                city,
                _year(start),
                _year(end),
                description,
            )

    def memberships(self) -> Iterator[Row]:
        rows = (
            Membership.objects.order_by("id")
            .values_list("partnership_id", "organisation_id", "role", "since_year")
            .iterator(chunk_size=CHUNK)
        )
        for ps_id, org_id, role, since in rows:
            yield (self.ps_ids[ps_id], self.org_ids[org_id], role, _year(since))


# --- writers -----------------------------------------------------------------------------------


def _escapes(name: str) -> list[bool]:
    """Per column of `name`: whether its cells are text to escape (numbers are not)."""
    return [column not in INT_COLUMNS for column in column_names(name)]


def write_csv(fh: IO[str], name: str, rows: Iterable[Row]) -> None:
    writer = csv.writer(fh, lineterminator="\r\n")
    writer.writerow(column_names(name))
    escapes = _escapes(name)
    for row in rows:
        writer.writerow(
            [escape_cell(cell) if text else cell for cell, text in zip(row, escapes, strict=True)]
        )


def _export_csv_folder(path: Path, data: RegistryRows) -> None:
    path.mkdir(parents=True, exist_ok=True)
    for name in FILES:
        with (path / filename(name)).open("w", encoding="utf-8", newline="") as fh:
            write_csv(fh, name, data.rows(name))


def _export_csv_zip(path: Path, data: RegistryRows) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in FILES:
            info = zipfile.ZipInfo(filename(name), date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            with (
                archive.open(info, "w") as raw,
                io.TextIOWrapper(raw, encoding="utf-8", newline="") as fh,
            ):
                write_csv(fh, name, data.rows(name))


def _export_xlsx(path: Path, data: RegistryRows) -> None:
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    workbook = Workbook(write_only=True)
    for name in FILES:
        sheet = workbook.create_sheet(name)
        sheet.append(column_names(name))
        escapes = _escapes(name)
        for row in data.rows(name):
            cells = [ILLEGAL_CHARACTERS_RE.sub("", cell) if cell else None for cell in row]
            sheet.append(
                [
                    escape_cell(cell) if cell and text else cell
                    for cell, text in zip(cells, escapes, strict=True)
                ]
            )
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)


def _json_value(column: str, value: str) -> Any:
    if column in LIST_COLUMNS:
        return [item for item in value.split(LIST_SEPARATOR) if item]
    if not value:
        return None
    if column in INT_COLUMNS:
        return int(value)
    return value


def _export_json(path: Path, data: RegistryRows) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="\n") as fh:
        fh.write("{")
        for i, name in enumerate(FILES):
            columns = column_names(name)
            fh.write(("," if i else "") + f"\n {json.dumps(name)}: [")
            for j, row in enumerate(data.rows(name)):
                item = {c: _json_value(c, v) for c, v in zip(columns, row, strict=True)}
                fh.write(("," if j else "") + "\n  " + json.dumps(item, ensure_ascii=False))
            fh.write("\n ]")
        fh.write("\n}\n")


def export_registry(path: Path | str, *, fmt: str = "csv") -> dict[str, int]:
    """Write the whole registry to `path`; returns the number of rows per file.

    csv: a folder of three files, or a .zip when `path` ends with .zip;
    xlsx: one workbook with a sheet per file; json: one document with a list per file.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    path = Path(path)
    data = RegistryRows()
    if fmt == "csv" and path.suffix.lower() == ".zip":
        _export_csv_zip(path, data)
    elif fmt == "csv":
        _export_csv_folder(path, data)
    elif fmt == "xlsx":
        _export_xlsx(path, data)
    else:
        _export_json(path, data)
    return data.counts()

"""Reading a registry: a folder, a .zip of that folder, or an .xlsx workbook.

Every reader yields one `Table` per file it found (organisations, partnerships,
memberships): the header and, lazily, each row with the line it starts on. What is
wrong with the input itself (encoding, quoting, a missing header) goes into the
report; the checks of the values are in `parse.py`.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from django.utils.translation import gettext as _

from knooppunt.registry.interchange.format import FILES, filename
from knooppunt.registry.interchange.report import ImportReport

MAX_FILE_BYTES = 512 * 1024 * 1024  # per file, uncompressed
MAX_CELL_CHARS = 16 * 1024 * 1024  # csv's default limit (128 KiB) is below a long description
MAX_ENCODING_ERRORS = 100  # per file; then one line saying how many more
EXCEL_SUFFIXES = {".xlsx", ".xlsm"}

Rows = Iterator[tuple[int, list[str]]]


@dataclass
class Table:
    name: str  # organisations, partnerships or memberships
    label: str  # what the report calls it: "organisations.csv" or the sheet name
    header: list[str]
    header_line: int
    rows: Rows
    estimated_rows: int = 0  # for progress: lines after the header (cells may span lines)


def source_name_for(path: Path) -> str:
    """The default source name: the folder's name or the file's stem."""
    path = Path(path)
    return (path.name if path.is_dir() else path.stem) or "import"


@contextmanager
def open_registry(path: Path, report: ImportReport) -> Iterator[dict[str, Table]]:
    """The tables found at `path`; problems go into `report`. Files stay open inside the block."""
    path = Path(path)
    if path.is_dir():
        yield _folder_tables(path, report)
    elif not path.exists():
        report.error(str(path), 0, "", _("There is no file or folder here."))
        yield {}
    elif path.suffix.lower() == ".zip":
        try:
            archive = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError):
            report.error(path.name, 0, "", _("This is not a valid .zip archive."))
            yield {}
            return
        with archive:
            try:
                tables = _zip_tables(archive, report)
            except (zipfile.BadZipFile, RuntimeError, OSError, EOFError, zlib.error):
                report.error(path.name, 0, "", _("The .zip archive is damaged or encrypted."))
                tables = {}
            yield tables
    elif path.suffix.lower() in EXCEL_SUFFIXES:
        yield from _workbook_tables(path, report)
    else:
        report.error(
            path.name,
            0,
            "",
            _("Give a folder, a .zip of that folder or an .xlsx workbook."),
        )
        yield {}


# --- CSV -----------------------------------------------------------------------------------


def csv_table(name: str, label: str, data: bytes, report: ImportReport) -> Table | None:
    """Decode and parse one CSV file (UTF-8, an optional BOM, RFC 4180 quoting)."""
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        _report_encoding(label, data, report)
        text = data.decode("utf-8", errors="replace")
    del data
    if csv.field_size_limit() < MAX_CELL_CHARS:
        csv.field_size_limit(MAX_CELL_CHARS)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    header: list[str] | None = None
    header_line = 0
    try:
        for cells in reader:
            if any(c.strip() for c in cells):
                header = cells
                header_line = reader.line_num
                break
    except csv.Error as exc:
        report.error(label, reader.line_num, "", _("Malformed CSV: %(error)s") % {"error": exc})
        return None
    if header is None:
        report.error(label, 1, "", _("The file is empty: the first row must name the columns."))
        return None
    estimate = max(text.count("\n") - header_line, 0)
    if text and not text.endswith("\n"):
        estimate += 1
    return Table(
        name,
        label,
        _clean_header(header),
        header_line,
        _csv_rows(reader, label, report),
        estimate,
    )


def _csv_rows(reader: Any, label: str, report: ImportReport) -> Rows:
    while True:
        start = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            report.error(label, start, "", _("Malformed CSV: %(error)s") % {"error": exc})
            return
        if cells and any(cells):
            yield start, cells


def _report_encoding(label: str, data: bytes, report: ImportReport) -> None:
    bad = 0
    for number, line in enumerate(data.split(b"\n"), start=1):
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            bad += 1
            if bad <= MAX_ENCODING_ERRORS:
                report.error(
                    label,
                    number,
                    "",
                    _(
                        "This line is not valid UTF-8 (the file has another encoding; "
                        "save it as CSV UTF-8)."
                    ),
                )
    if bad > MAX_ENCODING_ERRORS:
        report.error(
            label,
            0,
            "",
            _("%(count)d more lines are not valid UTF-8.") % {"count": bad - MAX_ENCODING_ERRORS},
        )


def _clean_header(cells: list[Any]) -> list[str]:
    return [str(c or "").strip().lower() for c in cells]


def _registry_file(name: str) -> str | None:
    lowered = name.lower()
    for wanted in FILES:
        if lowered == filename(wanted):
            return wanted
    return None


def _hidden(parts: tuple[str, ...]) -> bool:
    return any(p.startswith(".") or p == "__MACOSX" for p in parts)


# --- folders and archives -------------------------------------------------------------------


def _folder_tables(folder: Path, report: ImportReport) -> dict[str, Table]:
    found = {key: p for p in folder.iterdir() if p.is_file() and (key := _registry_file(p.name))}
    if not found:
        subfolders = [p for p in folder.iterdir() if p.is_dir() and not _hidden((p.name,))]
        if len(subfolders) == 1:
            return _folder_tables(subfolders[0], report)
        report.error(folder.name, 0, "", _no_files_message())
        return {}
    _warn_other_csv(folder.name, [p.name for p in folder.iterdir() if p.is_file()], report)
    tables: dict[str, Table] = {}
    for key in FILES:
        if key in found:
            if found[key].stat().st_size > MAX_FILE_BYTES:
                report.error(found[key].name, 0, "", _too_big_message())
                continue
            table = csv_table(key, found[key].name, found[key].read_bytes(), report)
            if table is not None:
                tables[key] = table
    return tables


def _zip_tables(archive: zipfile.ZipFile, report: ImportReport) -> dict[str, Table]:
    matches: dict[str, list[zipfile.ZipInfo]] = {}
    others: dict[PurePosixPath, list[str]] = {}
    for info in archive.infolist():
        member = PurePosixPath(info.filename)
        if info.is_dir() or _hidden(member.parts):
            continue
        key = _registry_file(member.name)
        if key:
            matches.setdefault(key, []).append(info)
        others.setdefault(member.parent, []).append(member.name)
    if not matches:
        report.error(archive.filename or "", 0, "", _no_files_message())
        return {}
    folders = {PurePosixPath(i.filename).parent for infos in matches.values() for i in infos}
    if len(folders) > 1 or any(len(infos) > 1 for infos in matches.values()):
        report.error(
            PurePosixPath(archive.filename or "").name,
            0,
            "",
            _("The archive holds registry files in more than one folder; keep one set."),
        )
        return {}
    (folder,) = folders
    _warn_other_csv(str(folder) if str(folder) != "." else "", others.get(folder, []), report)
    tables: dict[str, Table] = {}
    for key in FILES:
        if key not in matches:
            continue
        info = matches[key][0]
        label = PurePosixPath(info.filename).name
        if info.file_size > MAX_FILE_BYTES:
            report.error(label, 0, "", _too_big_message())
            continue
        table = csv_table(key, label, archive.read(info), report)
        if table is not None:
            tables[key] = table
    return tables


def _warn_other_csv(where: str, names: list[str], report: ImportReport) -> None:
    for name in sorted(names):
        if name.lower().endswith(".csv") and not _registry_file(name):
            report.warning(
                name,
                0,
                "",
                _(
                    "Ignored: only organisations.csv, partnerships.csv and memberships.csv "
                    "are read."
                ),
            )


def _no_files_message() -> str:
    return _(
        "No registry files found: expected organisations.csv, partnerships.csv and/or "
        "memberships.csv (in the folder itself or in one subfolder)."
    )


def _too_big_message() -> str:
    return _("The file is larger than 512 MB.")


# --- Excel ------------------------------------------------------------------------------------


def _workbook_tables(path: Path, report: ImportReport) -> Iterator[dict[str, Table]]:
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds of errors for a damaged file
        report.error(path.name, 0, "", _("This is not a valid Excel (.xlsx) workbook."))
        yield {}
        return
    try:
        tables: dict[str, Table] = {}
        for sheet in workbook.worksheets:
            title = sheet.title.strip()
            key = title.lower().removesuffix(".csv")
            if key not in FILES:
                report.warning(
                    title,
                    0,
                    "",
                    _(
                        "Ignored sheet: only the sheets organisations, partnerships and "
                        "memberships are read."
                    ),
                )
                continue
            if key in tables:
                report.error(title, 0, "", _("There are two sheets for the same file."))
                continue
            rows = sheet.iter_rows(values_only=True)
            header: list[str] | None = None
            header_line = 0
            for number, values in enumerate(rows, start=1):
                if any(v not in (None, "") for v in values):
                    header, header_line = _clean_header(list(values)), number
                    break
            if header is None:
                report.error(
                    title, 1, "", _("The sheet is empty: the first row must name the columns.")
                )
                continue
            _report_unsaved_formulas(workbook, sheet, title, header, header_line, report)
            tables[key] = Table(
                key,
                title,
                header,
                header_line,
                _sheet_rows(rows, header_line, header),
                max((sheet.max_row or 0) - header_line, 0),
            )
        yield tables
    finally:
        workbook.close()


# The start of a formula element (`<f>`, `<f t="shared" .../>`, `<x:f>`) in a sheet's XML.
_FORMULA_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s>/]")
_SCAN_CHUNK = 1 << 20


def _has_formulas(archive: zipfile.ZipFile, path: str) -> bool:
    """Whether the sheet's XML holds any formula (a fast byte scan, no XML parsing)."""
    tail = b""
    with archive.open(path) as fh:
        while chunk := fh.read(_SCAN_CHUNK):
            if _FORMULA_TAG.search(tail + chunk):
                return True
            tail = chunk[-16:]
    return False


def _report_unsaved_formulas(
    workbook: Any, sheet: Any, title: str, header: list[str], header_line: int, report: ImportReport
) -> None:
    """Report each data cell that holds a formula without a saved result.

    A workbook written by a program that does not calculate (a script, some exports)
    stores the formula but no value; read for its values, such a cell looks empty and the
    row would be imported without it. It is an error naming the cell instead. A formula
    whose saved result is empty looks the same and is reported too.
    """
    from openpyxl.utils.cell import column_index_from_string, coordinate_from_string
    from openpyxl.xml.functions import iterparse

    archive = getattr(workbook, "_archive", None)
    path = getattr(sheet, "_worksheet_path", None)
    if archive is None or path is None or not _has_formulas(archive, path):
        return
    with archive.open(path) as fh:
        for _event, element in iterparse(fh):
            tag = element.tag.rsplit("}", 1)[-1]
            if tag == "row":
                element.clear()
                continue
            if tag != "c":
                continue
            children = {child.tag.rsplit("}", 1)[-1]: child for child in element}
            value = children.get("v")
            # No saved result: no <v>, or an empty one (what programs that do not calculate
            # write; a result that really is empty cannot be told apart, and is refused too).
            if "f" in children and (value is None or not value.text) and "is" not in children:
                cell = element.get("r", "")
                letters, row = coordinate_from_string(cell) if cell else ("", 0)
                index = column_index_from_string(letters) - 1 if letters else -1
                column = header[index] if 0 <= index < len(header) else ""
                if row > header_line and column:
                    report.error(
                        title,
                        row,
                        column,
                        _(
                            "Cell %(cell)s holds a formula whose result was never saved; open "
                            "the workbook in a spreadsheet program and save it, or replace the "
                            "formula by its value."
                        )
                        % {"cell": cell},
                    )


def _sheet_rows(rows: Iterator[tuple[Any, ...]], header_line: int, header: list[str]) -> Rows:
    kvk_index = header.index("kvk") if "kvk" in header else -1
    for number, values in enumerate(rows, start=header_line + 1):
        cells = [_cell_text(v) for v in values]
        if not any(cells):
            continue
        if 0 <= kvk_index < len(values) and isinstance(values[kvk_index], int | float):
            # A KvK number typed as a number loses its leading zeros.
            cells[kvk_index] = cells[kvk_index].zfill(8)
        yield number, cells


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value)

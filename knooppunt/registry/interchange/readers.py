"""Reading a registry: a folder, a .zip of that folder, or an .xlsx workbook.

Every reader yields one `Table` per file it found (organisations, partnerships,
memberships): the header and, lazily, each row with the line it starts on. What is
wrong with the input itself (encoding, quoting, a missing header) goes into the
report; the checks of the values are in `parse.py`.

Files are read as streams, line by line, never whole into memory: an archive member
is decompressed while its rows are parsed. What an import may read is limited
(`Limits`, from the IMPORT_MAX_* settings): the unpacked bytes of all files together,
of each file, and the rows per file. The sizes an archive declares are checked before
reading; the bytes actually read are counted while reading, so an archive that lies
about its sizes stops at the limit too. A workbook's declared unpacked size is checked
before openpyxl opens it.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import re
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, Any

from django.conf import settings
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from knooppunt.registry.interchange.format import FILES, filename
from knooppunt.registry.interchange.report import ImportReport

MAX_CELL_CHARS = 16 * 1024 * 1024  # csv's default limit (128 KiB) is below a long description
MAX_LINE_BYTES = 16 * 1024 * 1024  # one physical line; a longer one is no registry CSV
MAX_ENCODING_ERRORS = 100  # per file; then one line saying how many more
EXCEL_SUFFIXES = {".xlsx", ".xlsm"}
ESTIMATE_EVERY = 1000  # rows between updates of a table's estimated row count
MB = 1024 * 1024
# What a damaged archive member raises while it is decompressed.
DAMAGED = (zipfile.BadZipFile, RuntimeError, OSError, EOFError, zlib.error)
_BARE_CR = re.compile(r"(?<=\r)(?!\n)")

Rows = Iterator[tuple[int, list[str]]]


@dataclass
class Table:
    name: str  # organisations, partnerships or memberships
    label: str  # what the report calls it: "organisations.csv" or the sheet name
    header: list[str]
    header_line: int
    rows: Rows
    estimated_rows: int = 0  # for progress; refined while the rows are read


@dataclass(frozen=True)
class Limits:
    """How much one import may read: unpacked bytes in all, per file, and rows per file."""

    total_bytes: int
    file_bytes: int
    rows: int

    @classmethod
    def from_settings(cls) -> Limits:
        return cls(
            total_bytes=settings.IMPORT_MAX_BYTES,
            file_bytes=settings.IMPORT_MAX_FILE_BYTES,
            rows=settings.IMPORT_MAX_ROWS,
        )

    def context(self) -> dict[str, str]:
        """The limits as people read them (for messages, the upload page and --help)."""
        return {
            "total": megabytes(self.total_bytes),
            "file": megabytes(self.file_bytes),
            "rows": number_format(self.rows, force_grouping=True),
        }

    def describe(self) -> str:
        return (
            _(
                "An import reads at most %(total)s MB unpacked (all files together), "
                "%(file)s MB per file and %(rows)s rows per file."
            )
            % self.context()
        )


def megabytes(size: int) -> str:
    return number_format(round(size / MB, 1) if size % MB else size // MB, force_grouping=True)


class LimitExceeded(Exception):
    """Raised while reading when an input passes one of the `Limits`; the text says which."""


class _Budget:
    """The unpacked bytes read so far from the files of one registry."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.total = 0

    def spend(self, size: int) -> None:
        self.total += size
        if self.total > self.limits.total_bytes:
            raise LimitExceeded(_total_too_big_message(self.limits))


class _Metered:
    """A binary stream read line by line, counting (and limiting) the bytes it gives."""

    def __init__(self, raw: IO[bytes], budget: _Budget) -> None:
        self.raw = raw
        self.budget = budget
        self.read_bytes = 0

    def readline(self) -> bytes:
        line = self.raw.readline(MAX_LINE_BYTES + 1)
        self.read_bytes += len(line)
        if self.read_bytes > self.budget.limits.file_bytes:
            raise LimitExceeded(_too_big_message(self.budget.limits))
        self.budget.spend(len(line))
        if len(line) > MAX_LINE_BYTES:
            raise LimitExceeded(
                _("A line is longer than %(size)s MB: this is not a registry CSV file.")
                % {"size": megabytes(MAX_LINE_BYTES)}
            )
        return line


def source_name_for(path: Path) -> str:
    """The default source name: the folder's name or the file's stem."""
    path = Path(path)
    return (path.name if path.is_dir() else path.stem) or "import"


@contextmanager
def open_registry(
    path: Path, report: ImportReport, limits: Limits | None = None
) -> Iterator[dict[str, Table]]:
    """The tables found at `path`; problems go into `report`. Files stay open inside the block."""
    path = Path(path)
    limits = limits or Limits.from_settings()
    if path.is_dir():
        with ExitStack() as files:
            yield _folder_tables(path, report, _Budget(limits), files)
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
        with archive, ExitStack() as files:
            try:
                tables = _zip_tables(archive, report, _Budget(limits), files)
            except DAMAGED:
                report.error(path.name, 0, "", _damaged_message())
                tables = {}
            yield tables
    elif path.suffix.lower() in EXCEL_SUFFIXES:
        yield from _workbook_tables(path, report, limits)
    else:
        report.error(
            path.name,
            0,
            "",
            _("Give a folder, a .zip of that folder or an .xlsx workbook."),
        )
        yield {}


# --- CSV -----------------------------------------------------------------------------------


def csv_table(
    name: str,
    label: str,
    stream: IO[bytes],
    report: ImportReport,
    *,
    size: int,
    budget: _Budget,
) -> Table | None:
    """Read one CSV file's header (UTF-8, an optional BOM, RFC 4180 quoting); rows follow lazily.

    `size` is the file's (declared) unpacked size, for the progress estimate.
    """
    if csv.field_size_limit() < MAX_CELL_CHARS:
        csv.field_size_limit(MAX_CELL_CHARS)
    metered = _Metered(stream, budget)
    reader = csv.reader(_text_lines(metered, label, report), strict=True)
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
    except LimitExceeded as exc:
        report.error(label, reader.line_num, "", str(exc))
        return None
    except DAMAGED:
        report.error(label, reader.line_num, "", _damaged_message())
        return None
    if header is None:
        report.error(label, 1, "", _("The file is empty: the first row must name the columns."))
        return None
    header_bytes = max(metered.read_bytes, 1)
    table = Table(name, label, _clean_header(header), header_line, iter(()))
    # A first guess (rows as long as the header), refined while the rows are read.
    table.estimated_rows = max(size - header_bytes, 0) // header_bytes
    table.rows = _csv_rows(reader, table, report, metered, size, budget.limits)
    return table


def _text_lines(stream: _Metered, label: str, report: ImportReport) -> Iterator[str]:
    """The file's lines as text, as `open(newline="")` splits them; bad UTF-8 is reported."""
    number = 0
    bad = 0
    while line := stream.readline():
        number += 1
        if number == 1 and line.startswith(codecs.BOM_UTF8):
            line = line[len(codecs.BOM_UTF8) :]
        try:
            text = line.decode("utf-8")
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
            text = line.decode("utf-8", errors="replace")
        if "\r" in text:  # a bare carriage return ends a line too (old Mac files)
            yield from (part for part in _BARE_CR.split(text) if part)
        else:
            yield text
    if bad > MAX_ENCODING_ERRORS:
        report.error(
            label,
            0,
            "",
            _("%(count)d more lines are not valid UTF-8.") % {"count": bad - MAX_ENCODING_ERRORS},
        )


def _csv_rows(
    reader: Any, table: Table, report: ImportReport, metered: _Metered, size: int, limits: Limits
) -> Rows:
    label = table.label
    count = 0
    while True:
        start = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            report.error(label, start, "", _("Malformed CSV: %(error)s") % {"error": exc})
            return
        except LimitExceeded as exc:
            report.error(label, start, "", str(exc))
            return
        except DAMAGED:
            report.error(label, start, "", _damaged_message())
            return
        if cells and any(cells):
            count += 1
            if count > limits.rows:
                report.error(label, start, "", _too_many_rows_message(limits))
                return
            if count % ESTIMATE_EVERY == 0:
                table.estimated_rows = max(count * size // max(metered.read_bytes, 1), count)
            yield start, cells


def _clean_header(cells: Iterable[Any]) -> list[str]:
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


def _folder_tables(
    folder: Path, report: ImportReport, budget: _Budget, files: ExitStack
) -> dict[str, Table]:
    found = {key: p for p in folder.iterdir() if p.is_file() and (key := _registry_file(p.name))}
    if not found:
        subfolders = [p for p in folder.iterdir() if p.is_dir() and not _hidden((p.name,))]
        if len(subfolders) == 1:
            return _folder_tables(subfolders[0], report, budget, files)
        report.error(folder.name, 0, "", _no_files_message())
        return {}
    _warn_other_csv(folder.name, [p.name for p in folder.iterdir() if p.is_file()], report)
    sizes = {key: path.stat().st_size for key, path in found.items()}
    if not _sizes_fit(folder.name, {found[k].name: s for k, s in sizes.items()}, budget, report):
        return {}
    tables: dict[str, Table] = {}
    for key in FILES:
        if key in found:
            stream = files.enter_context(found[key].open("rb"))
            table = csv_table(key, found[key].name, stream, report, size=sizes[key], budget=budget)
            if table is not None:
                tables[key] = table
    return tables


def _sizes_fit(where: str, sizes: dict[str, int], budget: _Budget, report: ImportReport) -> bool:
    """Check the (declared) unpacked sizes against the limits before reading anything."""
    limits = budget.limits
    fit = True
    for label, size in sizes.items():
        if size > limits.file_bytes:
            report.error(label, 0, "", _too_big_message(limits))
            fit = False
    if fit and sum(sizes.values()) > limits.total_bytes:
        report.error(where, 0, "", _total_too_big_message(limits))
        fit = False
    return fit


def _zip_tables(
    archive: zipfile.ZipFile, report: ImportReport, budget: _Budget, files: ExitStack
) -> dict[str, Table]:
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
    archive_name = PurePosixPath(archive.filename or "").name
    if not matches:
        report.error(archive.filename or "", 0, "", _no_files_message())
        return {}
    folders = {PurePosixPath(i.filename).parent for infos in matches.values() for i in infos}
    if len(folders) > 1 or any(len(infos) > 1 for infos in matches.values()):
        report.error(
            archive_name,
            0,
            "",
            _("The archive holds registry files in more than one folder; keep one set."),
        )
        return {}
    (folder,) = folders
    _warn_other_csv(str(folder) if str(folder) != "." else "", others.get(folder, []), report)
    chosen = {key: infos[0] for key, infos in matches.items()}
    sizes = {PurePosixPath(info.filename).name: info.file_size for info in chosen.values()}
    if not _sizes_fit(archive_name, sizes, budget, report):
        return {}
    tables: dict[str, Table] = {}
    for key in FILES:
        if key not in chosen:
            continue
        info = chosen[key]
        label = PurePosixPath(info.filename).name
        stream = files.enter_context(archive.open(info))
        table = csv_table(key, label, stream, report, size=info.file_size, budget=budget)
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


def _damaged_message() -> str:
    return _("The .zip archive is damaged or encrypted.")


def _too_big_message(limits: Limits) -> str:
    return (
        _("Unpacked, this file is larger than %(file)s MB, the most an import reads per file.")
        % limits.context()
    )


def _total_too_big_message(limits: Limits) -> str:
    return (
        _("Unpacked, the files are larger than %(total)s MB together, the most an import reads.")
        % limits.context()
    )


def _too_many_rows_message(limits: Limits) -> str:
    return (
        _("This file has more than %(rows)s rows, the most an import reads per file.")
        % limits.context()
    )


# --- Excel ------------------------------------------------------------------------------------


def _workbook_size(path: Path) -> int | None:
    """The unpacked size a workbook (a zip of XML parts) declares; None if it is no zip."""
    try:
        with zipfile.ZipFile(path) as archive:
            return sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError):
        return None


def _workbook_tables(
    path: Path, report: ImportReport, limits: Limits
) -> Iterator[dict[str, Table]]:
    import openpyxl

    size = _workbook_size(path)
    if size is not None and size > limits.total_bytes:
        # openpyxl would unpack it (its shared strings wholly into memory): refuse first.
        report.error(path.name, 0, "", _total_too_big_message(limits))
        yield {}
        return
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
                _sheet_rows(rows, header_line, header, title, report, limits),
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


def _sheet_rows(
    rows: Iterator[tuple[Any, ...]],
    header_line: int,
    header: list[str],
    label: str,
    report: ImportReport,
    limits: Limits,
) -> Rows:
    kvk_index = header.index("kvk") if "kvk" in header else -1
    count = 0
    numbered = enumerate(rows, start=header_line + 1)
    while True:
        try:
            number, values = next(numbered)
        except StopIteration:
            return
        except (*DAMAGED, SyntaxError):  # SyntaxError: the XML parser's ParseError
            report.error(label, 0, "", _("This is not a valid Excel (.xlsx) workbook."))
            return
        cells = [_cell_text(v) for v in values]
        if not any(cells):
            continue
        count += 1
        if count > limits.rows:
            report.error(label, number, "", _too_many_rows_message(limits))
            return
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

"""Checking every row of a registry and turning it into records.

Nothing here writes to the database. Each problem is reported with file, line,
column and reason; checking goes on after a problem so that one run lists them all.

An empty cell means "unknown": the record holds None for it, and an import keeps
what the registry already knows (see `importer.py`).
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import cast

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext as _

from knooppunt.core.text import fold
from knooppunt.core.validators import single_line_problem, text_problem
from knooppunt.places import countries
from knooppunt.places.models import Municipality, Place
from knooppunt.places.queries import unresolved_reason
from knooppunt.places.resolve import PlaceIndex, Resolution
from knooppunt.registry import rules
from knooppunt.registry.interchange.format import (
    MEMBERSHIPS,
    ORGANISATION_KINDS,
    ORGANISATIONS,
    PARTNERSHIP_KINDS,
    PARTNERSHIPS,
    ROLES,
    column_names,
    required_columns,
    split_list,
    unescape_cell,
)
from knooppunt.registry.interchange.readers import Table
from knooppunt.registry.interchange.report import ImportReport
from knooppunt.registry.models import SbiCode, Theme
from knooppunt.registry.services import theme_lookup, themes_resolve

Progress = Callable[[str, int, int], None]

MUNICIPALITY_CODE = re.compile(r"GM[0-9]{4}")
SBI = re.compile(r"[0-9]{2,5}")
YEAR = re.compile(r"[0-9]{4}")
# The same limits as the models, the forms and the API (registry.rules).
MAX_LENGTH = {
    "id": rules.EXTERNAL_ID_MAX,
    "partnership_id": rules.EXTERNAL_ID_MAX,
    "organisation_id": rules.EXTERNAL_ID_MAX,
    "name": rules.NAME_MAX,
    "city": rules.CITY_MAX,
    "website": rules.URL_MAX,
    "description": rules.TEXT_MAX,
}
# Every other column holds one line (core.validators.single_line_problem).
MULTI_LINE = frozenset({"description"})
PROGRESS_EVERY = 5000
CELL_MEMO = 100_000

_url = URLValidator()
# URLValidator.regex is compiled lazily behind a proxy; a plain compiled copy is faster.
_URL_REGEX = re.compile(
    cast(re.Pattern[str], URLValidator.regex).pattern,
    cast(re.Pattern[str], URLValidator.regex).flags,
)


def _valid_url(value: str) -> bool:
    """URLValidator's verdict; its regular expression first, which settles the usual case
    faster than the validator (that also tries internationalised domain names)."""
    scheme = value.split("://", 1)[0].lower()
    if scheme in _url.schemes and _URL_REGEX.search(value):
        return True
    try:
        _url(value)
    except ValidationError:
        return False
    return True


@dataclass(slots=True)
class OrganisationRecord:
    line: int
    ext_id: str
    name: str
    kind: str
    country: str | None = None
    municipality: Municipality | None = None
    municipality_set: bool = False
    city: str | None = None
    brin: str | None = None
    kvk: str | None = None
    sbi: tuple[str, ...] | None = None
    themes: tuple[int, ...] | None = None
    other_themes: str | None = None
    website: str | None = None
    description: str | None = None


@dataclass(slots=True)
class PartnershipRecord:
    line: int
    ext_id: str
    name: str
    kind: str
    country: str | None = None
    municipality: Municipality | None = None
    municipality_set: bool = False
    city: str | None = None
    start_year: int | None = None
    end_year: int | None = None
    themes: tuple[int, ...] | None = None
    other_themes: str | None = None
    description: str | None = None


@dataclass(slots=True)
class MembershipRecord:
    line: int
    partnership_id: str
    organisation_id: str
    role: str | None = None
    since_year: int | None = None


@dataclass
class ParsedRegistry:
    organisations: list[OrganisationRecord] = field(default_factory=list)
    partnerships: list[PartnershipRecord] = field(default_factory=list)
    memberships: list[MembershipRecord] = field(default_factory=list)
    # 2- and 3-digit SBI codes that the import must add to the SBI list.
    new_sbi_codes: set[str] = field(default_factory=set)


class Reference:
    """The reference data a check needs, loaded once per import."""

    def __init__(self) -> None:
        self.municipalities = {
            m.code: m for m in Municipality.objects.select_related("province").order_by("id")
        }
        self._by_pk = {m.pk: m for m in self.municipalities.values()}
        self._places: PlaceIndex | None = None
        self.sbi_codes = set(SbiCode.objects.values_list("code", flat=True))
        self.sbi_prefixes = {code[:n] for code in self.sbi_codes if len(code) >= 4 for n in (2, 3)}
        self.themes = {t.pk: t for t in Theme.objects.order_by("name_nl", "id")}
        self.theme_order = {pk: i for i, pk in enumerate(self.themes)}
        lookup = theme_lookup()
        for theme in self.themes.values():  # a theme's own Dutch name always means that theme
            lookup[fold(theme.name_nl)] = theme
        self.theme_lookup = lookup
        self._theme_cells: dict[str, tuple[tuple[int, ...], tuple[str, ...]]] = {}
        self._theme_items: dict[str, tuple[int, str]] = {}

    def municipality_by_pk(self, pk: int) -> Municipality:
        return self._by_pk[pk]

    @property
    def places(self) -> PlaceIndex:
        """The place index (`places.resolve`), built on first use from the municipalities
        loaded above and the woonplaatsen: the same one `places.queries.place_index` builds."""
        if self._places is None:
            self._places = PlaceIndex(
                ((m.pk, m.name, m.province.code) for m in self.municipalities.values()),
                Place.objects.values_list("name", "municipality_id"),
            )
        return self._places

    def resolve_city(self, city: str) -> tuple[Municipality | None, Resolution]:
        """Where a Dutch place as written lies (`places.queries.resolve_city`, with the index
        built once: the importer resolves thousands of places). The index remembers answers."""
        resolution = self.places.resolve(city)
        found = resolution.municipality_id
        return (self._by_pk[found] if found is not None else None), resolution

    def resolve_themes(self, cell: str) -> tuple[tuple[int, ...], tuple[str, ...]]:
        """(theme ids in vocabulary order, texts outside the vocabulary) for a themes cell."""
        cached = self._theme_cells.get(cell)
        if cached is not None:
            return cached
        ids: set[int] = set()
        others: dict[str, str] = {}
        for text in split_list(cell):
            item = self._theme_items.get(text)
            if item is None:
                found, _unknown = themes_resolve([text], self.theme_lookup)
                item = self._theme_items[text] = (found[0].pk if found else 0, fold(text) or text)
            if item[0]:
                ids.add(item[0])
            else:
                others.setdefault(item[1], text)
        cached = (
            tuple(sorted(ids, key=self.theme_order.__getitem__)),
            tuple(others.values()),
        )
        if len(self._theme_cells) < CELL_MEMO:
            self._theme_cells[cell] = cached
        return cached


class _Row:
    """One row's cells by column name, with the report at hand."""

    __slots__ = ("label", "line", "report", "values")

    def __init__(self, values: dict[str, str], label: str, line: int, report: ImportReport) -> None:
        self.values, self.label, self.line, self.report = values, label, line, report

    def get(self, column: str) -> str:
        """The cell, stripped, with a spreadsheet's formula escape undone; "" when absent.

        A cell of a one-line column that holds a line break or another control character
        is reported here, once, whatever the column's other checks say.
        """
        value = self.values.get(column)
        if not value:
            return ""
        stripped = value.strip()
        if stripped[:1] == "'":
            # An export escape keeps the text behind it exactly, white space included.
            raw = value.lstrip()
            unescaped = unescape_cell(raw)
            value = unescaped if unescaped != raw else stripped
        else:
            value = stripped
        problem = text_problem(value) if column in MULTI_LINE else single_line_problem(value)
        if problem:
            self.error(column, problem)
        return value

    def error(self, column: str, reason: str) -> None:
        self.report.error(self.label, self.line, column, reason)

    def warning(self, column: str, reason: str) -> None:
        self.report.warning(self.label, self.line, column, reason)

    def text(self, column: str, *, required: bool = False) -> str | None:
        value = self.get(column)
        if not value:
            if required:
                self.error(column, _("A value is required."))
            return None
        limit = MAX_LENGTH.get(column)
        if limit and (problem := rules.too_long_problem(value, limit)):
            self.error(column, problem)
        return value

    def year(self, column: str) -> int | None:
        value = self.get(column)
        if not value:
            return None
        if not YEAR.fullmatch(value):
            self.error(column, _("“%(value)s” is not a year of 4 digits.") % {"value": value})
            return None
        year = int(value)
        if problem := rules.year_problem(year):
            self.error(column, problem)
            return None
        return year


class Parser:
    def __init__(
        self, report: ImportReport, reference: Reference, progress: Progress | None = None
    ) -> None:
        self.report = report
        self.ref = reference
        self.progress = progress
        self.result = ParsedRegistry()
        # For the membership checks: the ids in the other two files, and the pairs seen.
        self._org_ids: dict[str, int] | None = {}
        self._ps_ids: dict[str, int] | None = {}
        self._pairs: set[tuple[str, str]] = set()

    # --- tables -----------------------------------------------------------------------------

    def parse(self, tables: dict[str, Table]) -> ParsedRegistry:
        self._org_ids = self._parse_table(tables.get(ORGANISATIONS), self._organisation)
        self._ps_ids = self._parse_table(tables.get(PARTNERSHIPS), self._partnership)
        self._parse_table(tables.get(MEMBERSHIPS), self._membership)
        if not tables and not self.report.errors:
            self.report.error("", 0, "", _("No registry files were found."))
        return self.result

    def _parse_table(
        self, table: Table | None, handle: Callable[[_Row, dict[str, int]], str | None]
    ) -> dict[str, int] | None:
        """Check every row of `table`; the ids it holds (None when they cannot be known)."""
        if table is None:
            return {}
        report = self.report
        report.labels[table.name] = table.label
        index: dict[str, int] = {}
        known = set(column_names(table.name))
        usable = True
        for i, column in enumerate(table.header):
            if not column:
                continue
            if column in index:
                report.error(
                    table.label,
                    table.header_line,
                    column,
                    _("This column appears twice."),
                )
                usable = False
            index[column] = i
            if column not in known:
                report.warning(
                    table.label,
                    table.header_line,
                    column,
                    _("Unknown column, ignored."),
                )
        for column in required_columns(table.name):
            if column not in index:
                report.error(
                    table.label,
                    table.header_line,
                    column,
                    _("The required column “%(column)s” is missing.") % {"column": column},
                )
                usable = False
        if not usable:
            for _row in table.rows:  # still read to the end, for encoding and quoting problems
                pass
            return None
        ids: dict[str, int] = {}
        names = [column for column in column_names(table.name) if column in index]
        pick = operator.itemgetter(*(index[column] for column in names))
        single = len(names) == 1  # itemgetter of one index returns the item, not a tuple
        width = len(table.header)
        counts = report.counts[table.name]
        for line, cells in table.rows:
            counts.rows += 1
            if len(cells) < width:
                cells = cells + [""] * (width - len(cells))
            picked = (pick(cells),) if single else pick(cells)
            row = _Row(dict(zip(names, picked, strict=True)), table.label, line, report)
            if len(cells) > width and any(c.strip() for c in cells[width:]):
                row.error(
                    "",
                    _("This row has %(cells)d cells but the header names %(columns)d columns.")
                    % {"cells": len(cells), "columns": width},
                )
            ext_id = handle(row, ids)
            if ext_id:
                if ext_id in ids:
                    row.error(
                        "id",
                        _("Duplicate id “%(id)s”: line %(line)d has it too.")
                        % {"id": ext_id, "line": ids[ext_id]},
                    )
                else:
                    ids[ext_id] = line
            if self.progress and counts.rows % PROGRESS_EVERY == 0:
                self.progress(
                    f"checking {table.name}",
                    counts.rows,
                    max(table.estimated_rows, counts.rows),
                )
        if self.progress:
            self.progress(f"checking {table.name}", counts.rows, counts.rows)
        return ids

    # --- shared checks ----------------------------------------------------------------------

    def _kind(self, row: _Row, allowed: frozenset[str]) -> str:
        value = row.get("kind").lower()
        if not value:
            row.error("kind", _("A value is required."))
        elif value not in allowed:
            row.error(
                "kind",
                _("Unknown kind “%(value)s”; use one of: %(allowed)s.")
                % {"value": value, "allowed": ", ".join(sorted(allowed))},
            )
        return value

    def _country(self, row: _Row) -> str | None:
        """The row's ISO 3166-1 code; None when the cell is empty (then: Dutch, see `_place`)."""
        value = row.get("country")
        if not value:
            return None
        code, exact = countries.from_text(value)
        if code is None:
            row.error(
                "country",
                _("“%(value)s” is not a country code (ISO 3166-1, two letters: NL, BE, DE, ...).")
                % {"value": value},
            )
            return None
        if not exact:
            row.warning(
                "country",
                _("“%(value)s” was read as %(code)s (%(name)s); write the code.")
                % {"value": value, "code": code, "name": countries.name(code)},
            )
        return code

    def _place(self, row: _Row) -> tuple[Municipality | None, bool, str | None, str | None]:
        """(municipality, whether the row settles it, city as written, country code or None).

        The rules of the format's "Places" section: abroad, no municipality; a code must
        exist (an error otherwise); a city is resolved by `places.resolve`, and one that
        does not resolve is a warning that leaves the municipality as the registry knows it
        (none for a new row). A municipality found implies the Netherlands.
        """
        country = self._country(row)
        abroad = country is not None and country != countries.NETHERLANDS
        code = row.get("municipality_code").upper()
        city = row.text("city")
        if code:
            if not MUNICIPALITY_CODE.fullmatch(code):
                row.error(
                    "municipality_code",
                    _("“%(value)s” is not a CBS municipality code (GM and 4 digits, e.g. GM0828).")
                    % {"value": code},
                )
                return None, False, city, country
            municipality = self.ref.municipalities.get(code)
            if municipality is None:
                row.error(
                    "municipality_code",
                    _("Unknown municipality code “%(value)s”.") % {"value": code},
                )
            elif abroad:
                row.error(
                    "municipality_code",
                    _(
                        "A municipality code is only for places in the Netherlands; this row's "
                        "country is %(country)s."
                    )
                    % {"country": country},
                )
            return municipality, True, city, country or countries.NETHERLANDS
        if abroad:
            return None, True, city, country
        if city:
            municipality, resolution = self.ref.resolve_city(city)
            if municipality is None:
                row.warning("city", unresolved_reason(city, resolution))
                return None, False, city, country
            return municipality, True, city, country or countries.NETHERLANDS
        return None, False, None, country

    def _themes(self, row: _Row) -> tuple[tuple[int, ...] | None, str | None]:
        cell = row.get("themes")
        if not cell:
            return None, None
        ids, others = self.ref.resolve_themes(cell)
        self.report.unmapped_themes.update(others)
        return ids, ";".join(others)

    # --- rows -------------------------------------------------------------------------------

    def _organisation(self, row: _Row, ids: dict[str, int]) -> str | None:
        ext_id = row.text("id", required=True)
        name = row.text("name", required=True)
        kind = self._kind(row, ORGANISATION_KINDS)
        municipality, municipality_set, city, country = self._place(row)
        record = OrganisationRecord(
            line=row.line,
            ext_id=ext_id or "",
            name=name or "",
            kind=kind,
            country=country,
            municipality=municipality,
            municipality_set=municipality_set,
            city=city,
            description=row.text("description"),
        )
        brin = row.get("brin").upper()
        if brin:
            if problem := rules.brin_problem(brin):
                row.error("brin", _value_problem(brin, problem))
            elif kind in ORGANISATION_KINDS and (problem := rules.school_brin_problem(kind, brin)):
                row.error("brin", _value_problem(kind, problem))
            record.brin = brin
        kvk = row.get("kvk")
        if kvk:
            if problem := rules.kvk_problem(kvk):
                row.error("kvk", _value_problem(kvk, problem))
            record.kvk = kvk
        record.sbi = self._sbi(row)
        record.themes, record.other_themes = self._themes(row)
        website = row.text("website")
        if website:
            if "://" not in website:
                website = "https://" + website
            if not _valid_url(website):
                row.error("website", _("“%(value)s” is not a web address.") % {"value": website})
            record.website = website
        if ext_id and name and kind in ORGANISATION_KINDS:
            self.result.organisations.append(record)
        return ext_id

    def _sbi(self, row: _Row) -> tuple[str, ...] | None:
        cell = row.get("sbi")
        if not cell:
            return None
        codes: set[str] = set()
        for code in split_list(cell):
            if not SBI.fullmatch(code):
                row.error(
                    "sbi",
                    _("“%(value)s” is not an SBI code (2 to 5 digits).") % {"value": code},
                )
            elif code in self.ref.sbi_codes:
                codes.add(code)
            elif len(code) <= 3 and code in self.ref.sbi_prefixes:
                codes.add(code)
                self.result.new_sbi_codes.add(code)
            else:
                row.error("sbi", _("Unknown SBI code “%(value)s”.") % {"value": code})
        return tuple(sorted(codes))

    def _partnership(self, row: _Row, ids: dict[str, int]) -> str | None:
        ext_id = row.text("id", required=True)
        name = row.text("name", required=True)
        kind = self._kind(row, PARTNERSHIP_KINDS)
        municipality, municipality_set, city, country = self._place(row)
        start_year = row.year("start_year")
        end_year = row.year("end_year")
        if problem := rules.year_order_problem(start_year, end_year):
            row.error("end_year", _value_problem(f"{start_year}–{end_year}", problem))
        themes, other_themes = self._themes(row)
        if ext_id and name and kind in PARTNERSHIP_KINDS:
            self.result.partnerships.append(
                PartnershipRecord(
                    line=row.line,
                    ext_id=ext_id,
                    name=name,
                    kind=kind,
                    country=country,
                    municipality=municipality,
                    municipality_set=municipality_set,
                    city=city,
                    start_year=start_year,
                    end_year=end_year,
                    themes=themes,
                    other_themes=other_themes,
                    description=row.text("description"),
                )
            )
        return ext_id

    def _membership(self, row: _Row, ids: dict[str, int]) -> str | None:
        org_ids, ps_ids, seen = self._org_ids, self._ps_ids, self._pairs
        partnership_id = row.text("partnership_id", required=True)
        organisation_id = row.text("organisation_id", required=True)
        if partnership_id and ps_ids is not None and partnership_id not in ps_ids:
            row.error(
                "partnership_id",
                _("“%(value)s” is not an id in %(file)s.")
                % {"value": partnership_id, "file": self.report.label(PARTNERSHIPS)},
            )
        if organisation_id and org_ids is not None and organisation_id not in org_ids:
            row.error(
                "organisation_id",
                _("“%(value)s” is not an id in %(file)s.")
                % {"value": organisation_id, "file": self.report.label(ORGANISATIONS)},
            )
        role = row.get("role").lower() or None
        if role and role not in ROLES:
            row.error(
                "role",
                _("Unknown role “%(value)s”; use one of: %(allowed)s.")
                % {"value": role, "allowed": ", ".join(sorted(ROLES))},
            )
        since_year = row.year("since_year")
        if partnership_id and organisation_id:
            pair = (partnership_id, organisation_id)
            if pair in seen:
                row.error(
                    "organisation_id",
                    _("This organisation is listed twice for partnership “%(value)s”.")
                    % {"value": partnership_id},
                )
            seen.add(pair)
            self.result.memberships.append(
                MembershipRecord(
                    line=row.line,
                    partnership_id=partnership_id,
                    organisation_id=organisation_id,
                    role=role,
                    since_year=since_year,
                )
            )
        return None


def _value_problem(value: str, problem: str) -> str:
    """A rule's message about the value in a cell: “value”: message."""
    return _("“%(value)s”: %(problem)s") % {"value": value, "problem": problem}


def parse_registry(
    tables: dict[str, Table],
    report: ImportReport,
    *,
    reference: Reference | None = None,
    progress: Progress | None = None,
) -> ParsedRegistry:
    return Parser(report, reference or Reference(), progress).parse(tables)

"""The registry interchange format, version 1.1 (see ../shared/formats/registry-csv.md).

Column names, which columns are required and the kinds are a contract other tools
rely on: change them only together with that document. Version 1.1 added the optional
`country` column (every version-1 file stays valid) and the rules for places that do not
resolve (warnings, not errors; see `parse.Parser._place` and `places.resolve`).
"""

from __future__ import annotations

from knooppunt.registry.models import MembershipRole, OrganisationKind, PartnershipKind

ORGANISATIONS = "organisations"
PARTNERSHIPS = "partnerships"
MEMBERSHIPS = "memberships"
FILES = (ORGANISATIONS, PARTNERSHIPS, MEMBERSHIPS)
VERSION = "1.1"

# (column, required), in the order the contract lists them and the export writes them.
COLUMNS: dict[str, tuple[tuple[str, bool], ...]] = {
    ORGANISATIONS: (
        ("id", True),
        ("name", True),
        ("kind", True),
        ("country", False),
        ("municipality_code", False),
        ("city", False),
        ("brin", False),
        ("kvk", False),
        ("sbi", False),
        ("themes", False),
        ("website", False),
        ("description", False),
    ),
    PARTNERSHIPS: (
        ("id", True),
        ("name", True),
        ("kind", True),
        ("themes", False),
        ("country", False),
        ("municipality_code", False),
        ("city", False),
        ("start_year", False),
        ("end_year", False),
        ("description", False),
    ),
    MEMBERSHIPS: (
        ("partnership_id", True),
        ("organisation_id", True),
        ("role", False),
        ("since_year", False),
    ),
}

ORGANISATION_KINDS = frozenset(OrganisationKind.values)
PARTNERSHIP_KINDS = frozenset(PartnershipKind.values)
ROLES = frozenset(MembershipRole.values)
DEFAULT_ROLE = MembershipRole.MEMBER.value

LIST_SEPARATOR = ";"
# A spreadsheet runs a cell starting with one of these as a formula.
FORMULA_START = ("=", "+", "-", "@")
ESCAPE = "'"

# Our own id for an object that has no source id, e.g. "knooppunt-42".
OWN_ID_PREFIX = "knooppunt-"


def filename(name: str) -> str:
    return f"{name}.csv"


def column_names(name: str) -> list[str]:
    return [column for column, _required in COLUMNS[name]]


def required_columns(name: str) -> list[str]:
    return [column for column, required in COLUMNS[name] if required]


def escape_cell(value: str) -> str:
    """Make a text cell safe for spreadsheets: prefix an apostrophe to formula-like text.

    A value that already starts with the apostrophe followed by a formula character
    is escaped too, so that `unescape_cell(escape_cell(v)) == v` for every text.
    """
    if value.startswith(FORMULA_START) or (
        value.startswith(ESCAPE) and value[1:2] in (*FORMULA_START, ESCAPE) and len(value) > 1
    ):
        return ESCAPE + value
    return value


def unescape_cell(value: str) -> str:
    """Undo `escape_cell`: strip one apostrophe in front of a formula character or apostrophe."""
    if value.startswith(ESCAPE) and len(value) > 1 and value[1] in (*FORMULA_START, ESCAPE):
        return value[1:]
    return value


def split_list(value: str) -> list[str]:
    """The non-empty, stripped items of a `;`-list, without repeats (first one wins)."""
    seen: dict[str, None] = {}
    for item in value.split(LIST_SEPARATOR):
        item = item.strip()
        if item:
            seen.setdefault(item, None)
    return list(seen)

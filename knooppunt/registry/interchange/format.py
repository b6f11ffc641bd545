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
# ... also after leading white space; and a cell starting with a tab or carriage return
# is treated as formula-like itself (OWASP's CSV injection advice).
FORMULA_PADDING = " \t\r\n"
FORMULA_LEADERS = ("\t", "\r")
ESCAPE = "'"

# Our own id for an object that has no source id, e.g. "knooppunt-42".
OWN_ID_PREFIX = "knooppunt-"


def filename(name: str) -> str:
    return f"{name}.csv"


def column_names(name: str) -> list[str]:
    return [column for column, _required in COLUMNS[name]]


def required_columns(name: str) -> list[str]:
    return [column for column, required in COLUMNS[name] if required]


def _runs_as_formula(value: str) -> bool:
    """Whether a spreadsheet could run `value` as a formula (or a DDE command).

    A cell starting with a tab or carriage return is refused outright (some spreadsheets
    drop them on input); otherwise the first character that is not a space, tab, carriage
    return or line feed must not be one of FORMULA_START.
    """
    if value.startswith(FORMULA_LEADERS):
        return True
    return value.lstrip(FORMULA_PADDING).startswith(FORMULA_START)


def _needs_escape(value: str) -> bool:
    return _runs_as_formula(value) or (
        value.startswith(ESCAPE)
        and len(value) > 1
        and (value[1] == ESCAPE or _runs_as_formula(value[1:]))
    )


def escape_cell(value: str) -> str:
    """Make a text cell safe for spreadsheets: prefix an apostrophe to formula-like text.

    Formula-like: starting with a tab or carriage return, or with one of FORMULA_START
    after any leading spaces, tabs and line breaks. A value that already starts with the
    apostrophe followed by such text (or by a second apostrophe) is escaped too, so that
    `unescape_cell(escape_cell(v)) == v` for every text.
    """
    return ESCAPE + value if _needs_escape(value) else value


def unescape_cell(value: str) -> str:
    """Undo `escape_cell`: strip the apostrophe it added, and only that one."""
    if value.startswith(ESCAPE) and _needs_escape(value[1:]):
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

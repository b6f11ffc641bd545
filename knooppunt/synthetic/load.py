"""Loading a generated registry into the database, through the registry import.

There is no second write path for generated data: `load_generated()` hands the
generator's rows (`generate.generate_rows()`) to `registry.interchange.import_registry`
as tables, without files in between. The rows get the same checks, duplicate merges,
bulk writes, search documents, import run and audit entries as `knooppunt
import-registry` gives the same data read from CSV files.
"""

from __future__ import annotations

from knooppunt.places.services import places_load_reference
from knooppunt.registry.interchange import ImportReport, import_registry
from knooppunt.registry.interchange.format import (
    FILES,
    MEMBERSHIPS,
    ORGANISATIONS,
    PARTNERSHIPS,
    filename,
)
from knooppunt.registry.interchange.readers import Table
from knooppunt.registry.services import sbi_load_reference, themes_load_reference
from knooppunt.synthetic.generate import (
    MEMBERSHIP_COLUMNS,
    ORGANISATION_COLUMNS,
    PARTNERSHIP_COLUMNS,
    Generated,
)

DEFAULT_SOURCE = "generated"


def load_reference_data() -> None:
    """Places, themes and SBI codes (idempotent): an import needs them to resolve codes."""
    places_load_reference()
    themes_load_reference()
    sbi_load_reference()


def generated_tables(generated: Generated) -> dict[str, Table]:
    """The generated rows as the tables a reader would find in the three CSV files."""
    data = {
        ORGANISATIONS: (ORGANISATION_COLUMNS, generated.organisations),
        PARTNERSHIPS: (PARTNERSHIP_COLUMNS, generated.partnerships),
        MEMBERSHIPS: (MEMBERSHIP_COLUMNS, generated.memberships),
    }
    tables = {}
    for name in FILES:
        header, rows = data[name]
        # Line numbers as in the file: the header is line 1 and no cell spans lines.
        tables[name] = Table(
            name, filename(name), list(header), 1, iter(enumerate(rows, start=2)), len(rows)
        )
    return tables


def load_generated(
    generated: Generated, *, source: str = DEFAULT_SOURCE, input_name: str = "generated"
) -> ImportReport:
    """Import the generated rows (all or nothing); the report says what happened."""
    load_reference_data()
    return import_registry(input_name, source=source, tables=generated_tables(generated))

"""Registry import and export in the interchange format (docs: ../shared/formats/registry-csv.md).

- `import_registry(path, source=..., dry_run=...)`: read a folder, .zip or .xlsx,
  check every row, compare with the registry and (unless a dry run) write it all
  in one transaction; returns an `ImportReport`.
- `export_registry(path, fmt="csv"|"xlsx"|"json")`: write the registry.
"""

from knooppunt.registry.interchange.exporter import FORMATS, export_registry
from knooppunt.registry.interchange.importer import import_registry
from knooppunt.registry.interchange.readers import source_name_for
from knooppunt.registry.interchange.report import ImportReport, Problem

__all__ = [
    "FORMATS",
    "ImportReport",
    "Problem",
    "export_registry",
    "import_registry",
    "source_name_for",
]

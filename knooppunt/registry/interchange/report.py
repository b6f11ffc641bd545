"""What an import found and did: problems (file, line, column, reason) and counts per file."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

from knooppunt.registry.interchange.format import FILES

# The report keeps every error in memory (the CLI prints them all); the stored JSON of a
# web import keeps this many, plus the total, so that a hopeless file cannot bloat the row.
STORED_PROBLEMS = 5000
STORED_SAMPLES = 50


@dataclass(frozen=True, slots=True)
class Problem:
    file: str
    line: int
    column: str
    reason: str

    def __str__(self) -> str:
        where = f"{self.file}, line {self.line}" if self.line else self.file
        if self.column:
            where += f", column {self.column}"
        return f"{where}: {self.reason}"


@dataclass(slots=True)
class FileCounts:
    rows: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    merged: int = 0
    errors: int = 0


@dataclass
class ImportReport:
    source: str = ""
    dry_run: bool = False
    applied: bool = False
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    counts: dict[str, FileCounts] = field(default_factory=lambda: {n: FileCounts() for n in FILES})
    labels: dict[str, str] = field(default_factory=dict)
    merges: list[dict[str, Any]] = field(default_factory=list)
    samples: dict[str, dict[str, list[dict[str, Any]]]] = field(default_factory=dict)
    unmapped_themes: Counter[str] = field(default_factory=Counter)
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors

    def error(self, file: str, line: int, column: str, reason: str) -> None:
        self.errors.append(Problem(file, line, column, reason))

    def warning(self, file: str, line: int, column: str, reason: str) -> None:
        self.warnings.append(Problem(file, line, column, reason))

    def label(self, name: str) -> str:
        return self.labels.get(name, f"{name}.csv")

    def sample(self, name: str, action: str, item: dict[str, Any]) -> None:
        bucket = self.samples.setdefault(name, {}).setdefault(action, [])
        if len(bucket) < STORED_SAMPLES:
            bucket.append(item)

    def count_errors_per_file(self) -> None:
        by_label = Counter(p.file for p in self.errors)
        for name in FILES:
            self.counts[name].errors = by_label.get(self.label(name), 0)

    def totals(self) -> dict[str, int]:
        total = FileCounts()
        for counts in self.counts.values():
            for key in ("rows", "new", "updated", "unchanged", "merged", "errors"):
                setattr(total, key, getattr(total, key) + getattr(counts, key))
        result = asdict(total)
        # Problems outside the three files (a missing file, a bad archive) count too.
        result["errors"] = len(self.errors)
        return result

    def to_json(self, *, limit: int = STORED_PROBLEMS) -> dict[str, Any]:
        """A JSON-friendly summary; at most `limit` errors and warnings are kept."""
        return {
            "source": self.source,
            "dry_run": self.dry_run,
            "applied": self.applied,
            "files": {
                name: {"label": self.label(name), **asdict(self.counts[name])} for name in FILES
            },
            "totals": self.totals(),
            "error_count": len(self.errors),
            "warning_count": len(self.warnings),
            "errors": [asdict(p) for p in self.errors[:limit]],
            "warnings": [asdict(p) for p in self.warnings[:limit]],
            "merges": self.merges[:limit],
            "samples": self.samples,
            "unmapped_themes": self.unmapped_themes.most_common(100),
            "timings": {k: round(v, 2) for k, v in self.timings.items()},
        }

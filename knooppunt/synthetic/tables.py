"""Small readers for the data files in `data/` (plain Python, no Django).

Every table of names, words, places and templates that the generators draw from is a
file: CSV (UTF-8, a header row) for flat tables, JSON for nested ones. A cell that
holds a list separates its items with `;`; a weighted list writes `item:weight`.
The order of the rows is part of the data: the seeded generators draw by position,
so reordering a file changes what they make.
"""

from __future__ import annotations

import csv
import json
from functools import cache
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent / "data"


def read_rows(path: Path) -> list[dict[str, str]]:
    """The rows of a CSV file as dicts, in file order."""
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@cache
def _rows(name: str) -> tuple[dict[str, str], ...]:
    return tuple(read_rows(DATA / name))


def rows(name: str) -> list[dict[str, str]]:
    """The rows of `data/<name>` (a CSV file), fresh dicts on every call."""
    return [dict(row) for row in _rows(name)]


def column(name: str, key: str) -> list[str]:
    """One column of `data/<name>`, in file order."""
    return [row[key] for row in _rows(name)]


@cache
def _json(name: str) -> str:
    return (DATA / name).read_text(encoding="utf-8")


def load_json(name: str) -> Any:
    """The parsed contents of `data/<name>` (a JSON file), a fresh copy on every call."""
    return json.loads(_json(name))


def split(cell: str) -> list[str]:
    """`a;b;c` -> ["a", "b", "c"]; an empty cell is an empty list."""
    return cell.split(";") if cell else []


def weighted(cell: str) -> list[tuple[str, int]]:
    """`a:2;b:1` -> [("a", 2), ("b", 1)]."""
    pairs = []
    for item in split(cell):
        key, _, weight = item.rpartition(":")
        pairs.append((key, int(weight)))
    return pairs


def floats(cell: str) -> list[float]:
    """`0.1;0.5` -> [0.1, 0.5]."""
    return [float(value) for value in split(cell)]

"""Countries: ISO 3166-1 alpha-2 codes with their English and Dutch names (data/countries.csv).

The interchange format's `country` column and the `country` of organisations and
partnerships hold these codes; `NL` is the default and the only country whose
places resolve to a municipality. The names are for display, in the active language.
"""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

from django.utils.translation import get_language

from knooppunt.core.text import fold

NETHERLANDS = "NL"
DATA = Path(__file__).resolve().parent / "data" / "countries.csv"

# Codes people write that ISO assigns otherwise: the United Kingdom is GB (UK is only
# reserved), Greece is GR (the EU writes EL).
CODE_ALIASES = {"UK": "GB", "EL": "GR"}


@cache
def _table() -> dict[str, tuple[str, str]]:
    """code -> (English name, Dutch name)."""
    with DATA.open(encoding="utf-8", newline="") as fh:
        return {row["code"]: (row["name_en"], row["name_nl"]) for row in csv.DictReader(fh)}


@cache
def _by_name() -> dict[str, str]:
    """Folded English or Dutch name (and a few common extra names) -> code."""
    names = {fold(name): code for code, pair in _table().items() for name in pair}
    extra = {
        "holland": NETHERLANDS,
        "the netherlands": NETHERLANDS,
        "deutschland": "DE",
        "belgique": "BE",
        "belgie": "BE",
        "espana": "ES",
        "great britain": "GB",
        "england": "GB",
        "scotland": "GB",
        "wales": "GB",
        "usa": "US",
        "united states of america": "US",
        "turkey": "TR",
        "czech republic": "CZ",
    }
    return {**names, **{fold(k): v for k, v in extra.items()}}


def is_country(code: str) -> bool:
    return code in _table()


def codes() -> list[str]:
    return list(_table())


def name(code: str, language: str | None = None) -> str:
    """The country's name in `language` (default: the active one); the code when unknown."""
    pair = _table().get(code)
    if pair is None:
        return code
    language = language or get_language() or "nl"
    return pair[0] if language.startswith("en") else pair[1]


def from_text(text: str) -> tuple[str | None, bool]:
    """(code, exact) for a country cell: `BE`, `be` -> ("BE", True); `Belgium`, `België`,
    `UK` -> (code, False), a known country written otherwise than by its code; (None, False)
    when the text names no country."""
    value = text.strip()
    if is_country(value.upper()) and len(value) == 2:
        return value.upper(), True
    if value.upper() in CODE_ALIASES:
        return CODE_ALIASES[value.upper()], False
    code = _by_name().get(fold(value))
    return code, False


def choices() -> list[tuple[str, str]]:
    """(code, name) for a country list in the active language: the Netherlands first, then
    the others by name. A callable, so that model and form fields show the names of the
    language of each request (and migrations do not copy the list)."""
    language = get_language() or "nl"
    others = sorted(
        ((code, name(code, language)) for code in _table() if code != NETHERLANDS),
        key=lambda pair: fold(pair[1]),
    )
    return [(NETHERLANDS, name(NETHERLANDS, language)), *others]

"""From a place as people write it to a municipality: the rules of the interchange format's
"Places" section (../shared/formats/registry-csv.md, version 1.1).

One function decides for the importer, the web forms, the API and the services:
`PlaceIndex.resolve(city, country)`. Plain Python over plain data (no Django), so it
is fast, testable with hypothesis and the same everywhere.

The rules, in order:

1. a country other than NL: no lookup, the place is abroad;
2. an exact municipality name (`Hengelo` is the municipality Hengelo (O.), not the
   village Hengelo in Bronckhorst; `Bergen (NH)` is Bergen (NH.); `Bergen` alone is
   two municipalities and so ambiguous);
3. a known alias (`Den Haag` = 's-Gravenhage, `Den Bosch` = 's-Hertogenbosch, Frisian
   names such as `Ljouwert` = Leeuwarden; see data/place_aliases.csv);
4. a woonplaats name that lies in exactly one municipality. CBS adds a province to
   woonplaats names that occur twice (`Haren Gn`, `Elst Ut`, `Hengelo (Gld)`), so a name
   without it (`Haren`, `Elst`) matches both and is ambiguous;
5. a name followed by a province (`Velp (Gld)`, `Hengelo Gelderland`, `Haren, Groningen`):
   steps 2-4 among the municipalities of that province.

Names are compared after folding: case, accents and punctuation do not count, nor a
leading `'s-` or `gemeente`; `St.` is `Sint`, `a/d` and `aan den` are `aan de`, and
spaces and hyphens are ignored (`Etten Leur` = `Etten-Leur`). Anything else (a misspelt
name, a place abroad without its country) is unknown; close names are offered as
suggestions, never chosen.
"""

from __future__ import annotations

import csv
import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from knooppunt.core.text import fold

NETHERLANDS = "NL"
ALIASES_FILE = Path(__file__).resolve().parent / "data" / "place_aliases.csv"

# How the place was found (or why not).
FOREIGN = "foreign"  # the country is not NL: no municipality is looked up
EMPTY = "empty"  # no place given
MUNICIPALITY = "municipality"
ALIAS = "alias"
PLACE = "place"
AMBIGUOUS = "ambiguous"  # several municipalities: candidates name them
UNKNOWN = "unknown"  # not found: candidates are close names, if any

# Province qualifiers as people and CBS write them after a name, as folded tokens; the
# value is the CBS province code (None: the country, which narrows nothing).
PROVINCE_QUALIFIERS: dict[tuple[str, ...], str | None] = {
    ("gn",): "PV20",
    ("gr",): "PV20",
    ("groningen",): "PV20",
    ("fr",): "PV21",
    ("frl",): "PV21",
    ("friesland",): "PV21",
    ("fryslan",): "PV21",
    ("dr",): "PV22",
    ("drenthe",): "PV22",
    ("o",): "PV23",
    ("ov",): "PV23",
    ("overijssel",): "PV23",
    ("fl",): "PV24",
    ("flevoland",): "PV24",
    ("gld",): "PV25",
    ("gelderland",): "PV25",
    ("u",): "PV26",
    ("ut",): "PV26",
    ("utr",): "PV26",
    ("utrecht",): "PV26",
    ("nh",): "PV27",
    ("n", "h"): "PV27",
    ("noord", "holland"): "PV27",
    ("zh",): "PV28",
    ("z", "h"): "PV28",
    ("zuid", "holland"): "PV28",
    ("z",): "PV29",
    ("zld",): "PV29",
    ("zeeland",): "PV29",
    ("nb",): "PV30",
    ("n", "b"): "PV30",
    ("n", "br"): "PV30",
    ("nbr",): "PV30",
    ("brabant",): "PV30",
    ("noord", "brabant"): "PV30",
    ("l",): "PV31",
    ("lb",): "PV31",
    ("li",): "PV31",
    ("limburg",): "PV31",
    ("nl",): None,
    ("nederland",): None,
    ("netherlands",): None,
    ("the", "netherlands"): None,
}
_LEADING = {"s", "gemeente", "gem"}  # 's-Gravenhage, gemeente Oss, gem. Oss
_TOKEN_SPELLING = {"st": "sint", "den": "de"}
SUGGESTIONS = 3
SUGGESTION_CUTOFF = 0.8
MAX_FUZZY = 10_000  # unknown names per index that get suggestions
MEMO = 100_000


def tokens(text: str) -> list[str]:
    """The words of a place name as compared: folded, without a leading 's- or gemeente,
    with St. = Sint and a/d = aan de."""
    words = fold(text).split()
    while len(words) > 1 and words[0] in _LEADING:
        words = words[1:]
    out: list[str] = []
    i = 0
    while i < len(words):
        word = words[i]
        if out and word == "a" and words[i + 1 : i + 2] == ["d"]:  # a/d, a.d.
            out += ["aan", "de"]
            i += 2
            continue
        if out and word == "ad" and i + 1 < len(words):
            out += ["aan", "de"]
        else:
            out.append(_TOKEN_SPELLING.get(word, word))
        i += 1
    return out


def key(words: Iterable[str]) -> str:
    """The comparison key: the words without spaces (so hyphens and spaces are the same)."""
    return "".join(words)


def split_qualifier(words: list[str]) -> tuple[list[str], str | None, bool]:
    """(name, province code, whether a qualifier was found) for `Velp Gld` and the like."""
    for n in (2, 1):
        tail = tuple(words[-n:])
        if len(words) > n and tail in PROVINCE_QUALIFIERS:
            return words[:-n], PROVINCE_QUALIFIERS[tail], True
    return words, None, False


@dataclass(frozen=True, slots=True)
class Resolution:
    """What a place resolved to: a municipality id, or why not (with candidates)."""

    status: str
    municipality_id: int | None = None
    candidates: tuple[str, ...] = ()

    @property
    def resolved(self) -> bool:
        return self.municipality_id is not None

    @property
    def unresolved(self) -> bool:
        """A Dutch place was given but no municipality found: worth a warning."""
        return self.status in (AMBIGUOUS, UNKNOWN)


@cache
def load_aliases(path: Path = ALIASES_FILE) -> dict[str, str]:
    """alias -> CBS name of the municipality or woonplaats it means."""
    with path.open(encoding="utf-8", newline="") as fh:
        return {row["alias"]: row["name"] for row in csv.DictReader(fh)}


def _add(index: dict[str, set[int]], name_key: str, municipality_id: int) -> None:
    if name_key:
        index.setdefault(name_key, set()).add(municipality_id)


class PlaceIndex:
    """The municipalities, woonplaatsen and aliases, indexed for `resolve`.

    `municipalities`: (id, CBS name, province code); `places`: (woonplaats name,
    municipality id); `aliases`: alias -> a municipality or woonplaats name.
    """

    def __init__(
        self,
        municipalities: Iterable[tuple[int, str, str]],
        places: Iterable[tuple[str, int]],
        aliases: Mapping[str, str] | None = None,
    ) -> None:
        self.names: dict[int, str] = {}
        self.province: dict[int, str] = {}
        self._municipality: dict[str, set[int]] = {}
        self._place: dict[str, set[int]] = {}
        self._labels: dict[str, str] = {}  # key -> a name to suggest
        self._by_initial: dict[str, list[str]] = {}  # first letter -> keys, for suggestions
        for pk, name, province in municipalities:
            self.names[pk], self.province[pk] = name, province
            words = tokens(name)
            _add(self._municipality, key(words), pk)
            base, _province, found = split_qualifier(words)
            if found:
                _add(self._municipality, key(base), pk)
            self._labels.setdefault(key(words), name)
        for name, pk in places:
            words = tokens(name)
            _add(self._place, key(words), pk)
            base, _province, found = split_qualifier(words)
            if found:
                _add(self._place, key(base), pk)
            municipality = self.names.get(pk, "")
            label = name if fold(name) == fold(municipality) else f"{name} ({municipality})"
            self._labels.setdefault(key(words), label)
        self._aliases: dict[str, str] = {}
        for alias, target in (aliases if aliases is not None else load_aliases()).items():
            self._aliases[key(tokens(alias))] = key(tokens(target))
            self._labels.setdefault(key(tokens(alias)), alias)
        for label_key in self._labels:
            self._by_initial.setdefault(label_key[0], []).append(label_key)
        self._memo: dict[tuple[str, str], Resolution] = {}
        self._fuzzy = 0

    def resolve(self, city: str, country: str = NETHERLANDS) -> Resolution:
        """Where `city` lies; `country` empty means the Netherlands."""
        if (country or NETHERLANDS).strip().upper() != NETHERLANDS:
            return Resolution(FOREIGN)
        memo_key = (city, NETHERLANDS)
        found = self._memo.get(memo_key)
        if found is None:
            found = self._resolve(city)
            if len(self._memo) < MEMO:
                self._memo[memo_key] = found
        return found

    def _resolve(self, city: str) -> Resolution:
        words = tokens(city)
        if not words:
            return Resolution(EMPTY)
        found = self._lookup(key(words))
        if found is not None:
            return found
        base, province, qualified = split_qualifier(words)
        if qualified and base:
            found = self._lookup(key(base), province=province)
            if found is not None:
                return found
        return Resolution(UNKNOWN, candidates=self._suggest(key(words)))

    def _within(self, ids: set[int], province: str | None) -> list[int]:
        return sorted(i for i in ids if province is None or self.province.get(i) == province)

    def _found(self, status: str, ids: list[int]) -> Resolution | None:
        if not ids:
            return None
        if len(ids) == 1:
            return Resolution(status, ids[0])
        return Resolution(AMBIGUOUS, candidates=tuple(sorted(self.names[i] for i in ids)))

    def _lookup(
        self, name_key: str, *, province: str | None = None, aliases: bool = True
    ) -> Resolution | None:
        found = self._found(
            MUNICIPALITY, self._within(self._municipality.get(name_key, set()), province)
        )
        if found is not None:
            return found
        target = self._aliases.get(name_key) if aliases else None
        if target is not None:
            found = self._lookup(target, province=province, aliases=False)
            if found is not None and found.resolved:
                return Resolution(ALIAS, found.municipality_id)
            if found is not None:
                return found
        return self._found(PLACE, self._within(self._place.get(name_key, set()), province))

    def _suggest(self, name_key: str) -> tuple[str, ...]:
        """Names close to a misspelt one (difflib ratio >= 0.8). Only names with the same
        first letter and about the same length are compared: a slip seldom changes the
        first letter, and it keeps a suggestion well under a millisecond."""
        if self._fuzzy >= MAX_FUZZY or len(name_key) < 3:
            return ()
        self._fuzzy += 1
        pool = [
            k for k in self._by_initial.get(name_key[0], ()) if abs(len(k) - len(name_key)) <= 3
        ]
        close = difflib.get_close_matches(name_key, pool, n=SUGGESTIONS, cutoff=SUGGESTION_CUTOFF)
        return tuple(dict.fromkeys(self._labels[k] for k in close))

"""Helpers of the generator: weighted picking, unique names, identifiers."""

from __future__ import annotations

import random
import re
import unicodedata
from bisect import bisect
from collections.abc import Callable, Sequence
from itertools import accumulate
from typing import Any

from knooppunt.synthetic.generate.parameters import LEGAL_FORMS


class Picker:
    """Draw from a fixed population with fixed weights, fast (cumulative weights)."""

    def __init__(self, population: Sequence[Any], weights: Sequence[float]) -> None:
        pairs = [(p, w) for p, w in zip(population, weights, strict=True) if w > 0]
        self.population = [p for p, _ in pairs]
        self.cum = list(accumulate(w for _, w in pairs))
        self.total = self.cum[-1]
        self.last = len(self.cum) - 1

    def __call__(self, rng: random.Random) -> Any:
        return self.population[min(bisect(self.cum, rng.random() * self.total), self.last)]


def slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def core_name(name: str) -> str:
    """A name without legal form, case-folded: what must be unique."""
    for legal in LEGAL_FORMS:
        if legal and name.endswith(legal):
            name = name[: -len(legal)]
            break
    return " ".join(name.casefold().split())


class Names:
    def __init__(self) -> None:
        self.used: set[str] = set()

    def take(self, candidates: Callable[[int], str]) -> str:
        """The first unused name among candidates(0), candidates(1), ..."""
        attempt = 0
        while True:
            name = candidates(attempt)
            key = core_name(name)
            if key not in self.used:
                self.used.add(key)
                return name
            attempt += 1


def roman(n: int) -> str:
    out = ""
    for value, letters in ((10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):
        while n >= value:
            out += letters
            n -= value
    return out


def kvk_number(n: int) -> str:
    """The n-th fictional KvK number: 00 + a permutation of 0..979,999 (never 0099xxxx)."""
    return f"00{(n * 618_033 + 271_829) % 980_000:06d}"


def fictional_brin(n: int) -> str:
    """The n-th fictional BRIN code: 9, a digit and two letters (6,760 codes)."""
    k = (n * 2011 + 17) % 6760
    digit, rest = divmod(k, 676)
    return f"9{digit}{chr(65 + rest // 26)}{chr(65 + rest % 26)}"

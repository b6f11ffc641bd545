"""Search documents for many objects at once, equal to what the services compute one by one.

`services.organisation_search_document` and `partnership_search_document` call
`core.text.index_terms`; building 250,000 documents that way repeats the same work
(the theme words, place names and common words) over and over. This builder gives
the same text (a test compares them) with the repeated parts remembered.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import chain

from knooppunt.core.text import _STOP, _TOKEN, stem, tokens
from knooppunt.places.models import Municipality
from knooppunt.registry import search
from knooppunt.registry.models import Theme

MEMO_LIMIT = 200_000


def all_place_codes() -> dict[int, tuple[str, str, str]]:
    """Municipality id -> (municipality, labour-market region, province) codes."""
    rows = Municipality.objects.values_list(
        "pk", "code", "labour_market_region__code", "province__code"
    )
    return {pk: (code, region, province) for pk, code, region, province in rows}


class DocBuilder:
    def __init__(
        self, themes: dict[int, Theme], places: dict[int, tuple[str, str, str]] | None = None
    ) -> None:
        self.themes = themes
        self.places = all_place_codes() if places is None else places
        self._facets: dict[tuple[str, int | None, tuple[int, ...]], str] = {}
        self._stems: dict[str, str] = {}
        self._texts: dict[str, list[str]] = {}
        self._theme_sets: dict[tuple[int, ...], list[str]] = {}
        self._theme_entries: dict[tuple[int, ...], tuple[list[str], set[str], str]] = {}

    def _terms(self, text: str, *, memo: bool = False) -> list[str]:
        """[token, stem(token), ...] of `text`, as `index_terms` adds them.

        `memo`: remember the result, for texts that recur (places, theme lists).
        """
        if not text:
            return []
        if memo:
            cached = self._texts.get(text)
            if cached is not None:
                return cached
        stems = self._stems
        terms: list[str] = []
        if text.isascii():  # what `tokens` gives, without the Unicode folding it does not need
            words = [t for t in _TOKEN.findall(text.lower()) if t not in _STOP]
        else:
            words = tokens(text)
        for token in words:
            s = stems.get(token)
            if s is None:
                s = stems[token] = stem(token)
            terms += (token, s)
        if memo and len(self._texts) < MEMO_LIMIT:
            self._texts[text] = terms
        return terms

    def _theme_terms(self, theme_ids: Sequence[int]) -> list[str]:
        """The terms of the theme words; `theme_ids` in vocabulary (name_nl) order.

        The services index " ".join(words of every theme); no token spans two words,
        so the terms of that text are the terms of each theme's words in turn.
        """
        key = tuple(theme_ids)
        cached = self._theme_sets.get(key)
        if cached is None:
            cached = []
            for pk in key:
                cached += self._one_theme_terms(pk)
            if len(self._theme_sets) < MEMO_LIMIT:
                self._theme_sets[key] = cached
        return cached

    def _one_theme_terms(self, pk: int) -> list[str]:
        cached = self._theme_sets.get((-pk,))
        if cached is None:
            theme = self.themes[pk]
            words = [theme.name_nl, theme.name_en, *theme.synonyms()]
            cached = self._theme_sets[(-pk,)] = self._terms(" ".join(words))
        return cached

    @staticmethod
    def _join(parts: Iterable[list[str]]) -> str:
        return " " + " ".join(dict.fromkeys(chain.from_iterable(parts))) + " "

    def _with_facets(
        self,
        document: str,
        kind: str,
        municipality_id: int | None,
        theme_ids: Sequence[int],
        name_terms: list[str],
    ) -> str:
        key = (kind, municipality_id, tuple(theme_ids))
        facets = self._facets.get(key)
        if facets is None:
            tokens = search.facet_tokens(
                kind=kind,
                places=self.places[municipality_id] if municipality_id else None,
                theme_codes=[self.themes[pk].code for pk in theme_ids],
            )
            facets = search.with_facets("", tokens)
            if len(self._facets) < MEMO_LIMIT:
                self._facets[key] = facets
        # Terms are a-z0-9 already, so this is `search.facet("n", term)` without its regex.
        names = " ".join(f"_n_{term}" for term in dict.fromkeys(name_terms))
        return f"{document}{facets}{names} " if names else document + facets

    def organisation(
        self,
        *,
        kind: str,
        municipality_id: int | None,
        name: str,
        city: str,
        municipality_name: str,
        description: str,
        brin: str,
        kvk: str,
        other_themes: str,
        theme_ids: Sequence[int],
    ) -> str:
        name_terms = self._terms(name)
        head = dict.fromkeys(
            chain(
                name_terms,
                self._terms(city, memo=True),
                self._terms(municipality_name, memo=True),
                self._terms(description),
                self._terms(brin),
                self._terms(kvk),
                self._terms(other_themes.replace(";", " "), memo=True),
            )
        )
        if not theme_ids:
            document = " " + " ".join(head) + " "
        else:
            themes = self._theme_entry(tuple(theme_ids))
            if head.keys().isdisjoint(themes[1]):
                # The usual case: no theme word repeats the name, place or description.
                document = (
                    (" " + " ".join(head) + " " + themes[2] + " ") if head else f" {themes[2]} "
                )
            else:
                rest = [t for t in themes[0] if t not in head]
                document = " " + " ".join([*head, *rest]) + " "
        return self._with_facets(document, kind, municipality_id, theme_ids, name_terms)

    def _theme_entry(self, key: tuple[int, ...]) -> tuple[list[str], set[str], str]:
        """The theme terms without repeats, as a set, and joined."""
        entry = self._theme_entries.get(key)
        if entry is None:
            terms = list(dict.fromkeys(self._theme_terms(key)))
            entry = (terms, set(terms), " ".join(terms))
            if len(self._theme_entries) < MEMO_LIMIT:
                self._theme_entries[key] = entry
        return entry

    def partnership(
        self,
        *,
        kind: str,
        municipality_id: int | None,
        name: str,
        city: str,
        municipality_name: str,
        description: str,
        goals: str,
        other_themes: str,
        theme_ids: Sequence[int],
        member_names: Iterable[str],
    ) -> str:
        name_terms = self._terms(name)
        document = self._join(
            (
                name_terms,
                self._terms(city, memo=True),
                self._terms(municipality_name, memo=True),
                self._terms(description),
                self._terms(goals),
                self._terms(other_themes.replace(";", " "), memo=True),
                self._theme_terms(theme_ids),
                self._terms(" ".join(member_names)),
            )
        )
        return self._with_facets(document, kind, municipality_id, theme_ids, name_terms)

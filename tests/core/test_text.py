"""Search text normalisation: accent folding, the light Dutch stemmer, prefix matching."""

from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from knooppunt.core.text import fold, index_terms, query_terms, stem, tokens


def matches(query: str, *texts: str) -> bool:
    """What the directory does: every query stem starts a word of the document."""
    document = index_terms(*texts)
    return all((" " + term) in document for term in query_terms(query))


# --- fold -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Fryslân", "fryslan"),
        ("café", "cafe"),
        ("Súdwest-Fryslân", "sudwest fryslan"),
        ("'s-Hertogenbosch", "s hertogenbosch"),
        ("  Data & Zo  ", "data zo"),
        ("ÉÉN Coöperatie", "een cooperatie"),
        ("ﬁets", "fiets"),  # a ligature decomposes
        ("", ""),
    ],
)
def test_fold(text: str, folded: str) -> None:
    assert fold(text) == folded


def test_tokens_drop_stop_words() -> None:
    assert tokens("De school van het jaar") == ["school", "jaar"]


# --- stem ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("singular", "plural"),
    [
        ("bedrijf", "bedrijven"),
        ("opleiding", "opleidingen"),
        ("school", "scholen"),
        ("stage", "stages"),
        ("project", "projecten"),
        ("huis", "huizen"),
    ],
)
def test_stem_joins_singular_and_plural(singular: str, plural: str) -> None:
    assert stem(singular) == stem(plural)


@pytest.mark.parametrize(
    ("query", "text"),
    [("bedrijven", "Bedrijf Jansen"), ("scholen", "Een school in Oss"), ("stages", "Stage lopen")],
)
def test_plural_query_finds_singular_text(query: str, text: str) -> None:
    assert matches(query, text)


def test_stage_prefix_matches_stageplaatsen() -> None:
    assert matches("stage", "Wij bieden stageplaatsen aan")
    assert matches("stages", "Wij bieden stageplaatsen aan")


def test_prefix_matching_is_at_word_starts_only() -> None:
    assert not matches("bedrijf", "Metaalbedrijven in Oss")
    assert matches("metaal", "Metaalbedrijven in Oss")


def test_query_is_accent_insensitive() -> None:
    assert matches("Fryslan", "Kenniscentrum Fryslân")
    assert matches("fryslân", "Kenniscentrum Fryslan")
    assert matches("cafe", "Grand Café De Markt")


def test_unrelated_word_does_not_match() -> None:
    assert not matches("zorg", "Metaalbedrijf De Vonk")


def test_short_words_and_numbers_are_left_alone() -> None:
    assert stem("ict") == "ict"
    assert stem("2024") == "2024"
    assert stem("12345678") == "12345678"


# --- properties ----------------------------------------------------------------------------

WORDS = st.from_regex(r"[a-z0-9]{1,24}", fullmatch=True)


@settings(max_examples=300, deadline=None)
@given(WORDS)
@example("scholen")
@example("bedrijven")
@example("stages")
@example("aaaa")
@example("etjes")
@example("zzzzzz")
def test_stem_is_never_longer_and_never_empty(word: str) -> None:
    result = stem(word)
    assert result, f"stem({word!r}) is empty"
    assert len(result) <= len(word)
    assert result.isalnum() and result.isascii()


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
@example("Fryslân")
@example("İstanbul")
@example("ǅemal")
def test_fold_is_idempotent_and_ascii(text: str) -> None:
    folded = fold(text)
    assert fold(folded) == folded
    assert all(part.isalnum() and part.isascii() for part in folded.split())
    assert folded == folded.strip()
    assert "  " not in folded


@settings(max_examples=200, deadline=None)
@given(st.lists(WORDS, min_size=1, max_size=6).map(" ".join))
def test_a_document_matches_its_own_words(text: str) -> None:
    """Whatever the stemmer does, searching for a text's words finds that text."""
    assert matches(text, text)

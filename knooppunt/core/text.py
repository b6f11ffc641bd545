"""Text normalisation for search: accent folding, tokens and a light Dutch stemmer.

Pure Python, no Django. The stemmer is deliberately conservative: it only joins
word forms that Dutch users expect to find each other (bedrijf/bedrijven,
opleiding/opleidingen, stage/stages, school/scholen); prefix matching on the
stems does the rest (stage -> stageplaatsen).
"""

from __future__ import annotations

import re
import unicodedata

_TOKEN = re.compile(r"[a-z0-9]+")
_VOWELS = set("aeiouy")
# Words whose plural changes the stem vowel; a short list beats a wrong rule.
_IRREGULAR = {
    "scholen": "school",
    "steden": "stad",
    "wegen": "weg",
    "schepen": "schip",
    "gebieden": "gebied",
    "leden": "lid",
}
_STOP = {
    "de",
    "het",
    "een",
    "en",
    "van",
    "in",
    "op",
    "voor",
    "met",
    "te",
    "der",
    "den",
    "the",
    "of",
    "and",
    "for",
    "to",
    "a",
    "an",
}


def fold(text: str) -> str:
    """Lower-case, strip accents, turn everything but letters and digits into spaces."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    ascii_only = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(_TOKEN.findall(ascii_only.lower()))


def tokens(text: str) -> list[str]:
    return [t for t in fold(text).split() if t not in _STOP]


def _plural_s(w: str) -> bool:
    """auto's, stages (vowel + s), or a long word ending in consonant + s (but not -ss)."""
    if not w.endswith("s"):
        return False
    if w.endswith("'s") or (len(w) >= 5 and w[-2] in _VOWELS):
        return True
    return len(w) >= 6 and w[-2] not in _VOWELS and w[-2] != "s"


def stem(word: str) -> str:
    """A light Dutch stem: strip plural and diminutive endings, undo spelling changes."""
    w = word
    if w in _IRREGULAR:
        return _IRREGULAR[w]
    if len(w) <= 3 or w.isdigit():
        return w
    for ending in ("etjes", "tjes", "jes", "etje", "tje", "je"):
        if w.endswith(ending) and len(w) - len(ending) >= 3:
            w = w[: -len(ending)]
            break
    else:
        if w.endswith("en") and len(w) >= 6:
            w = w[:-2]
        elif _plural_s(w):
            w = w[:-1]
    # bedrijv -> bedrijf, huiz -> huis
    if w.endswith("v"):
        w = w[:-1] + "f"
    elif w.endswith("z"):
        w = w[:-1] + "s"
    # stapp -> stap, bedd -> bed
    if len(w) >= 4 and w[-1] == w[-2] and w[-1] not in _VOWELS:
        w = w[:-1]
    # stage -> stag, opleidinge -> opleiding: drop a final schwa-e after a consonant
    if len(w) >= 5 and w.endswith("e") and w[-2] not in _VOWELS:
        w = w[:-1]
    return w


def index_terms(*texts: str) -> str:
    """The search document for some texts: each token and its stem, space-separated.

    Stored with a leading and trailing space so that a `contains(" " + prefix)`
    lookup matches at word starts only.
    """
    seen: dict[str, None] = {}
    for text in texts:
        for token in tokens(text):
            seen.setdefault(token, None)
            seen.setdefault(stem(token), None)
    return " " + " ".join(seen) + " "


def query_terms(text: str) -> list[str]:
    """The stems to look for, one per distinct query word."""
    out: list[str] = []
    for token in tokens(text):
        s = stem(token)
        if s not in out:
            out.append(s)
    return out

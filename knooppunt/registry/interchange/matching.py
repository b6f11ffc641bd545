"""Does an imported organisation look like one the registry already has?

Same BRIN, same KvK number, or a near-identical name in the same municipality
(names compared after folding accents and case and dropping legal forms such as
B.V.; near-identical = difflib ratio of at least 0.92).
"""

from __future__ import annotations

from collections.abc import Container, Iterable
from difflib import SequenceMatcher

from django.utils.translation import gettext as _

from knooppunt.core.text import fold

NAME_RATIO = 0.92
# Legal forms at the end of a name, as `fold` leaves them ("B.V." -> "b v").
LEGAL_FORMS = [
    tuple(form.split())
    for form in ("b v", "bv", "n v", "nv", "v o f", "vof", "c v", "cv", "u a", "ua", "b a")
]


def normalise_name(name: str) -> str:
    words = fold(name).split()
    stripped = True
    while stripped:
        stripped = False
        for form in LEGAL_FORMS:
            if len(words) > len(form) and tuple(words[-len(form) :]) == form:
                del words[-len(form) :]
                stripped = True
    return " ".join(words)


def name_ratio(a: str, b: str) -> float:
    return SequenceMatcher(None, a, b, autojunk=False).ratio()


class ExistingOrganisations:
    """An index of the organisations in the registry, for finding the one a row may be."""

    def __init__(self, rows: Iterable[tuple[int, str, str, str, int | None]]) -> None:
        """`rows`: (pk, name, brin, kvk, municipality pk), in pk order."""
        self.names: dict[int, str] = {}
        self.by_brin: dict[str, list[int]] = {}
        self.by_kvk: dict[str, list[int]] = {}
        self.by_name: dict[tuple[int, str], list[int]] = {}
        self.blocks: dict[tuple[int, str], list[tuple[int, str]]] = {}
        for pk, name, brin, kvk, municipality_id in rows:
            self.names[pk] = name
            if brin:
                self.by_brin.setdefault(brin, []).append(pk)
            if kvk:
                self.by_kvk.setdefault(kvk, []).append(pk)
            if municipality_id is not None:
                norm = normalise_name(name)
                if norm:
                    self.by_name.setdefault((municipality_id, norm), []).append(pk)
                    for key in {norm[:3], norm[-3:]}:
                        self.blocks.setdefault((municipality_id, key), []).append((pk, norm))

    def __bool__(self) -> bool:
        return bool(self.names)

    def match(
        self,
        *,
        name: str,
        brin: str | None,
        kvk: str | None,
        municipality_id: int | None,
        claimed: Container[int],
    ) -> tuple[int, str] | None:
        """(pk, reason) of the organisation this one looks like, skipping `claimed` ones."""
        if brin:
            pk = _first(self.by_brin.get(brin), claimed)
            if pk is not None:
                return pk, _("same BRIN code %(brin)s") % {"brin": brin}
        if kvk:
            pk = _first(self.by_kvk.get(kvk), claimed)
            if pk is not None:
                return pk, _("same KvK number %(kvk)s") % {"kvk": kvk}
        if municipality_id is None:
            return None
        norm = normalise_name(name)
        if not norm:
            return None
        pk = _first(self.by_name.get((municipality_id, norm)), claimed)
        if pk is not None:
            return pk, _("same name in the same municipality")
        best: tuple[float, int] | None = None
        seen: set[int] = set()
        for key in {norm[:3], norm[-3:]}:
            for candidate, other in self.blocks.get((municipality_id, key), ()):
                if candidate in claimed or candidate in seen:
                    continue
                seen.add(candidate)
                shorter, longer = sorted((len(norm), len(other)))
                if 2 * shorter / (shorter + longer) < NAME_RATIO:
                    continue
                matcher = SequenceMatcher(None, norm, other, autojunk=False)
                if matcher.real_quick_ratio() < NAME_RATIO or matcher.quick_ratio() < NAME_RATIO:
                    continue
                ratio = matcher.ratio()
                if ratio >= NAME_RATIO and (best is None or ratio > best[0]):
                    best = (ratio, candidate)
        if best is not None:
            return best[1], _(
                "near-identical name in the same municipality (%(ratio)d%% alike)"
            ) % {"ratio": int(best[0] * 100)}
        return None


def _first(pks: list[int] | None, claimed: Container[int]) -> int | None:
    for pk in pks or ():
        if pk not in claimed:
            return pk
    return None

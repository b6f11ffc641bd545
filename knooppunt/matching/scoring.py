"""Partner matchmaking: score every organisation against a seeker, with the reasons why.

Pure numpy, no Django: the registry arrives as arrays (`Network`), a question as a
`Seeker` (a partnership looking for members, or an organisation looking for partners),
and `score_all` scores all n organisations in one vectorised pass; `score` returns one
page of `Candidate`s with their components and evidence. Nothing here knows anything
about real organisations: every signal comes from the arrays.

Components (each in [0, 1], computed for every organisation)
------------------------------------------------------------
With S the seeker's theme mask, C a candidate's, ``|x|`` a popcount:

* **theme** ``= 1 - (1 - d)(1 - r)(1 - t)``, where

  - ``d = 0.75 * min(1, |C & S| / min(|S|, 3)) + 0.25 * |C & S| / |C|``: coverage of
    the sought themes (three shared themes is full coverage) plus a little precision,
    so a specialist beats a generalist with the same overlap;
  - ``r = 0.5 * min(1, (|C & R1| + 0.5 * |C & R2|) / min(|S|, 3))``: taxonomy credit,
    R1 = parents and children of the sought themes, R2 = their siblings (both
    without S itself), so related themes never earn more than half;
  - ``t = 0.5`` when the candidate's own text matched the seeker's free text.

  d grows with every shared theme (coverage and precision both do) and r and t do not
  depend on shared themes, so adding a shared theme never lowers the score.
* **geo** ``= max(level, 0.65 * exp(-km / 25))`` with level 1 (same municipality), 0.7
  (same labour-market region), 0.4 (same province), else 0; km is the great-circle
  distance between (municipality-centroid) positions. The decay stays below the region
  level, so a candidate in the seeker's region always beats a closer one across the
  region border, while a neighbour just across a province border (0.65 at 0 km, 0.4 at
  12 km) may beat a far one in the same province. Unknown on either side: 0.
* **kind** ``= sqrt(s) / (sqrt(s) + sqrt(b))`` for the candidate's kind, where s is its
  smoothed share among the seeker's partners (a partnership's members, an organisation's
  co-members), ``s(k) = (count(k) + a * prior(k)) / (M + a)`` with M partners and the
  prior the row of `PARTNERSHIP_KIND_PRIOR` (partnership seekers, a = 3) or
  `ORG_KIND_PRIOR` (organisation seekers, a = max(3, M): the prior weighs at least as
  much as what it already does), and b the kind's share of the whole registry. So 0.5
  means "as common among the partners as in the registry", towards 1 over-represented,
  towards 0 under-represented (a tempered likelihood ratio: companies are most members
  but also nearly all organisations). Both priors are hand-set weights, listed below.
* **complement** ``= 0.75 * |O & seeks| / |seeks| + 0.25 * |offers & N| / |N|`` with O
  the candidate's offers and N its needs (seeks); the half the seeker states nothing
  about is dropped and the other takes the full weight.
* **network** ``= 1 - exp(-x)``, ``x = sum over (partner s, partnership q) of
  1 / log(2 + |q|)`` for every partnership q other than the seeker's own that has the
  candidate and one of the seeker's partners s as members (an Adamic-Adar-like sum over
  the bipartite graph: a small shared partnership says more than a big one). The hidden
  membership (leave-one-out) is removed from the graph first, also from |q|.
* **activity** ``= log1p(degree) / log1p(max degree)`` (hidden membership not counted).
* **openness**: open to new partnerships 1, not stated 0.5, not open 0.

Total score
-----------
``total = sum_k w_k c_k / sum_k w_k`` over the components the seeker gives information
for: theme (it has themes or text hits), geo (a place), kind (a kind or partners),
complement (seeks or offers), network (partners), and always activity and openness.
A component that is equal for every candidate cannot change the order, only drag every
score down, so it is left out of the mean; the components themselves are still
reported. Candidates that are excluded, of an unwanted kind or outside the radius score
``-inf`` and are never returned. A radius with an unknown seeker position admits nobody.
Ties are broken by organisation index, ascending.

`DEFAULT_WEIGHTS` were chosen by leave-one-out (hit@10 + MRR, `evaluation.py`) averaged
over five synthetic registries of two unrelated generators (`planted_network` at three
sizes and the project's `knooppunt generate` at 20k and 60k organisations); the optimum
is flat (+-0.01 for +-0.04 on any weight). Complement and openness cannot be learnt from
memberships (neither generator links them to who joins) and carry small fixed weights:
they are what a seeker states and wants respected, not what predicts the past.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import numpy.typing as npt

ORG_KINDS: tuple[str, ...] = (
    "school_vo",
    "school_mbo",
    "school_hbo",
    "school_wo",
    "company",
    "municipality",
    "province",
    "national_government",
    "industry_association",
    "knowledge_institute",
    "intermediary",
    "other",
)
PARTNERSHIP_KINDS: tuple[str, ...] = (
    "campus",
    "centre_of_expertise",
    "civ",
    "technohub",
    "learning_community",
    "rif_project",
    "cove",
    "hub",
    "other",
)
OFFER_KINDS: tuple[str, ...] = (
    "guest_lessons",
    "assignments",
    "internships",
    "bbl_places",
    "company_visits",
    "equipment",
    "teacher_placements",
    "funding",
)
MAX_THEMES = 64

COMPONENTS: tuple[str, ...] = (
    "theme",
    "geo",
    "kind",
    "complement",
    "network",
    "activity",
    "openness",
)
DEFAULT_WEIGHTS: dict[str, float] = {
    "theme": 0.15,
    "geo": 0.30,
    "kind": 0.10,
    "complement": 0.05,
    "network": 0.22,
    "activity": 0.15,
    "openness": 0.03,
}

# Geo: score per shared administrative level, and the distance decay.
GEO_LEVELS: tuple[tuple[str, float], ...] = (
    ("municipality", 1.0),
    ("region", 0.7),
    ("province", 0.4),
)
GEO_DISTANCE_MAX = 0.65
GEO_DISTANCE_KM = 25.0
EARTH_RADIUS_KM = 6371.0

# Theme: coverage saturates at this many shared themes; credits for the other signals.
THEME_SATURATION = 3
THEME_COVERAGE_SHARE = 0.75
THEME_RELATED_MAX = 0.5
THEME_SIBLING_FACTOR = 0.5
THEME_TEXT_CREDIT = 0.5

# Kind: pseudo-count of the prior for partnership seekers (organisation seekers: max(a, M)).
KIND_PRIOR_WEIGHT = 3.0
KIND_NEUTRAL = 0.5

# Complement: what the candidate offers of what the seeker seeks weighs most.
COMPLEMENT_OFFERS_SHARE = 0.75

OPENNESS = {-1: 0.0, 0: 0.5, 1: 1.0}

# Which organisation kinds each partnership kind typically brings together, as relative
# weights; kinds not listed get PRIOR_FLOOR. Rows are normalised to a distribution.
PARTNERSHIP_KIND_PRIOR: dict[str, dict[str, float]] = {
    "campus": {
        "school_mbo": 3.0,
        "company": 3.0,
        "municipality": 1.5,
        "school_vo": 1.0,
        "school_hbo": 1.0,
        "industry_association": 1.0,
        "province": 0.5,
        "knowledge_institute": 0.5,
        "intermediary": 0.5,
    },
    "centre_of_expertise": {
        "school_hbo": 3.0,
        "company": 3.0,
        "knowledge_institute": 2.0,
        "school_wo": 1.0,
        "school_mbo": 1.0,
        "industry_association": 1.0,
        "municipality": 0.5,
        "province": 0.5,
    },
    "civ": {
        "school_mbo": 3.0,
        "company": 3.0,
        "industry_association": 1.5,
        "municipality": 1.0,
        "school_hbo": 0.5,
        "knowledge_institute": 0.5,
    },
    "technohub": {
        "school_vo": 3.0,
        "company": 3.0,
        "school_mbo": 2.0,
        "municipality": 2.0,
        "industry_association": 1.0,
        "intermediary": 1.0,
    },
    "learning_community": {
        "school_mbo": 2.0,
        "school_hbo": 2.0,
        "company": 2.0,
        "school_vo": 1.0,
        "knowledge_institute": 1.0,
        "municipality": 1.0,
        "intermediary": 1.0,
    },
    "rif_project": {
        "school_mbo": 3.0,
        "company": 3.0,
        "municipality": 1.0,
        "industry_association": 1.0,
        "province": 0.5,
        "intermediary": 0.5,
    },
    "cove": {
        "school_mbo": 3.0,
        "company": 2.0,
        "school_hbo": 1.5,
        "knowledge_institute": 1.0,
        "industry_association": 1.0,
        "municipality": 0.5,
        "province": 0.5,
    },
    "hub": {
        "company": 2.0,
        "school_mbo": 2.0,
        "school_hbo": 1.5,
        "municipality": 1.5,
        "intermediary": 1.5,
        "school_vo": 1.0,
        "industry_association": 1.0,
    },
    "other": {
        "company": 2.0,
        "school_mbo": 2.0,
        "school_vo": 1.0,
        "school_hbo": 1.0,
        "municipality": 1.0,
        "industry_association": 1.0,
        "intermediary": 1.0,
        "knowledge_institute": 1.0,
    },
}
PRIOR_FLOOR = 0.1

# Which kinds an organisation of a kind (row) looks for (columns), 0..1; unlisted 0.2.
ORG_KIND_PRIOR: dict[str, dict[str, float]] = {
    "school_vo": {
        "company": 1.0,
        "school_mbo": 0.8,
        "municipality": 0.6,
        "intermediary": 0.5,
        "industry_association": 0.5,
        "school_hbo": 0.4,
        "knowledge_institute": 0.3,
    },
    "school_mbo": {
        "company": 1.0,
        "industry_association": 0.8,
        "municipality": 0.6,
        "school_hbo": 0.6,
        "school_vo": 0.5,
        "intermediary": 0.5,
        "knowledge_institute": 0.4,
        "province": 0.4,
    },
    "school_hbo": {
        "company": 1.0,
        "knowledge_institute": 0.8,
        "industry_association": 0.7,
        "school_mbo": 0.6,
        "school_wo": 0.6,
        "municipality": 0.5,
        "province": 0.4,
    },
    "school_wo": {
        "company": 1.0,
        "knowledge_institute": 0.9,
        "school_hbo": 0.7,
        "national_government": 0.4,
        "province": 0.4,
        "industry_association": 0.5,
    },
    "company": {
        "school_mbo": 1.0,
        "school_hbo": 0.9,
        "school_vo": 0.6,
        "school_wo": 0.6,
        "knowledge_institute": 0.6,
        "industry_association": 0.6,
        "intermediary": 0.5,
        "company": 0.4,
        "municipality": 0.4,
    },
    "municipality": {
        "school_mbo": 1.0,
        "company": 1.0,
        "school_vo": 0.8,
        "school_hbo": 0.7,
        "intermediary": 0.6,
        "industry_association": 0.6,
        "province": 0.5,
        "municipality": 0.4,
    },
    "province": {
        "company": 0.9,
        "school_mbo": 0.9,
        "school_hbo": 0.8,
        "municipality": 0.8,
        "knowledge_institute": 0.7,
        "industry_association": 0.6,
        "school_wo": 0.5,
    },
    "national_government": {
        "industry_association": 0.8,
        "province": 0.7,
        "knowledge_institute": 0.7,
        "school_mbo": 0.6,
        "school_hbo": 0.6,
        "school_wo": 0.6,
        "company": 0.5,
    },
    "industry_association": {
        "company": 1.0,
        "school_mbo": 1.0,
        "school_hbo": 0.8,
        "school_vo": 0.5,
        "knowledge_institute": 0.5,
        "municipality": 0.4,
    },
    "knowledge_institute": {
        "company": 1.0,
        "school_hbo": 0.9,
        "school_wo": 0.8,
        "school_mbo": 0.5,
        "industry_association": 0.5,
    },
    "intermediary": {
        "company": 1.0,
        "school_mbo": 0.9,
        "municipality": 0.8,
        "school_vo": 0.7,
        "school_hbo": 0.6,
        "industry_association": 0.6,
    },
    "other": {kind: 0.5 for kind in ORG_KINDS},
}
ORG_PRIOR_FLOOR = 0.2

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


def _prior_matrix(
    rows: Mapping[str, Mapping[str, float]], row_names: Sequence[str], floor: float
) -> FloatArray:
    matrix = np.full((len(row_names), len(ORG_KINDS)), floor, dtype=np.float64)
    for i, row in enumerate(row_names):
        for kind, weight in rows.get(row, {}).items():
            matrix[i, ORG_KINDS.index(kind)] = weight
    normalised: FloatArray = matrix / matrix.sum(axis=1, keepdims=True)
    return normalised


_PARTNERSHIP_PRIOR = _prior_matrix(PARTNERSHIP_KIND_PRIOR, PARTNERSHIP_KINDS, PRIOR_FLOOR)
_ORG_PRIOR = _prior_matrix(ORG_KIND_PRIOR, ORG_KINDS, ORG_PRIOR_FLOOR)


# --------------------------------------------------------------------------- network


def _ranges(starts: npt.ArrayLike, lengths: npt.ArrayLike) -> IntArray:
    """Concatenated ``arange(start, start + length)`` for every pair, vectorised."""
    starts_a = np.asarray(starts, dtype=np.int64)
    lengths_a = np.asarray(lengths, dtype=np.int64)
    total = int(lengths_a.sum())
    if total == 0:
        return np.empty(0, dtype=np.int64)
    offsets = np.cumsum(lengths_a) - lengths_a
    out: IntArray = np.arange(total, dtype=np.int64) + np.repeat(starts_a - offsets, lengths_a)
    return out


def _readonly(array: np.ndarray) -> np.ndarray:
    array.setflags(write=False)
    return array


def _column(values: Any, dtype: npt.DTypeLike, length: int | None, name: str) -> np.ndarray:
    array = np.array(values, dtype=dtype, copy=True).reshape(-1)
    if length is not None and array.shape[0] != length:
        raise ValueError(f"{name} has {array.shape[0]} values, expected {length}")
    return _readonly(np.ascontiguousarray(array))


@dataclass(frozen=True, eq=False)
class Network:
    """The registry as arrays: n organisations, p partnerships, m memberships.

    Arrays are read-only; build one with `Network.build`, which derives the CSR
    structures both ways and the degrees.
    """

    org_ids: np.ndarray
    kind: np.ndarray
    municipality: np.ndarray
    region: np.ndarray
    province: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    themes: np.ndarray
    offers: np.ndarray
    seeks: np.ndarray
    open: np.ndarray
    theme_parent: np.ndarray
    p_ids: np.ndarray
    p_kind: np.ndarray
    p_themes: np.ndarray
    p_municipality: np.ndarray
    p_region: np.ndarray
    p_province: np.ndarray
    p_lat: np.ndarray
    p_lon: np.ndarray
    member_ptr: np.ndarray
    member_idx: np.ndarray
    org_ptr: np.ndarray
    org_part: np.ndarray
    degree: np.ndarray

    @classmethod
    def build(
        cls,
        *,
        org_ids: Any,
        kind: Any,
        municipality: Any,
        region: Any,
        province: Any,
        lat: Any,
        lon: Any,
        themes: Any,
        offers: Any,
        seeks: Any,
        open: Any,
        theme_parent: Any,
        p_ids: Any,
        p_kind: Any,
        p_themes: Any,
        p_municipality: Any,
        p_region: Any,
        p_province: Any,
        p_lat: Any,
        p_lon: Any,
        memberships: Sequence[tuple[int, int]] | np.ndarray,
    ) -> Network:
        """Arrays (or sequences) in; CSR both ways and degrees derived.

        `memberships` are (partnership index, organisation index) pairs; duplicates are
        dropped. Raises ValueError on inconsistent lengths or out-of-range indices.
        """
        ids = _column(org_ids, np.int64, None, "org_ids")
        n = int(ids.shape[0])
        kind_a = _column(kind, np.int8, n, "kind")
        open_a = _column(open, np.int8, n, "open")
        parents = _column(theme_parent, np.int16, None, "theme_parent")
        n_themes = int(parents.shape[0])
        if n_themes > MAX_THEMES:
            raise ValueError(f"at most {MAX_THEMES} themes, got {n_themes}")
        if np.any((parents < -1) | (parents >= n_themes)):
            raise ValueError("theme_parent refers to an unknown theme")
        pids = _column(p_ids, np.int64, None, "p_ids")
        p = int(pids.shape[0])
        p_kind_a = _column(p_kind, np.int8, p, "p_kind")
        if np.any((kind_a < 0) | (kind_a >= len(ORG_KINDS))):
            raise ValueError("kind out of range")
        if np.any((p_kind_a < 0) | (p_kind_a >= len(PARTNERSHIP_KINDS))):
            raise ValueError("p_kind out of range")
        if np.any((open_a < -1) | (open_a > 1)):
            raise ValueError("open must be -1, 0 or 1")

        pairs = np.asarray(memberships, dtype=np.int64).reshape(-1, 2)
        part, org = pairs[:, 0], pairs[:, 1]
        if np.any((part < 0) | (part >= p)) or np.any((org < 0) | (org >= n)):
            raise ValueError("membership refers to an unknown partnership or organisation")
        keys = np.unique(part * max(n, 1) + org)  # sorted by partnership, then organisation
        part, org = keys // max(n, 1), keys % max(n, 1)
        member_ptr = np.zeros(p + 1, dtype=np.int64)
        np.cumsum(np.bincount(part, minlength=p), out=member_ptr[1:])
        by_org = np.lexsort((part, org))
        degree = np.bincount(org, minlength=n)
        org_ptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(degree, out=org_ptr[1:])

        return cls(
            org_ids=ids,
            kind=kind_a,
            municipality=_column(municipality, np.int32, n, "municipality"),
            region=_column(region, np.int32, n, "region"),
            province=_column(province, np.int32, n, "province"),
            lat=_column(lat, np.float32, n, "lat"),
            lon=_column(lon, np.float32, n, "lon"),
            themes=_column(themes, np.uint64, n, "themes"),
            offers=_column(offers, np.uint16, n, "offers"),
            seeks=_column(seeks, np.uint16, n, "seeks"),
            open=open_a,
            theme_parent=parents,
            p_ids=pids,
            p_kind=p_kind_a,
            p_themes=_column(p_themes, np.uint64, p, "p_themes"),
            p_municipality=_column(p_municipality, np.int32, p, "p_municipality"),
            p_region=_column(p_region, np.int32, p, "p_region"),
            p_province=_column(p_province, np.int32, p, "p_province"),
            p_lat=_column(p_lat, np.float32, p, "p_lat"),
            p_lon=_column(p_lon, np.float32, p, "p_lon"),
            member_ptr=_readonly(member_ptr),
            member_idx=_readonly(org.astype(np.int32)),
            org_ptr=_readonly(org_ptr),
            org_part=_readonly(part[by_org].astype(np.int32)),
            degree=_readonly(degree.astype(np.int32)),
        )

    @property
    def n_orgs(self) -> int:
        return int(self.org_ids.shape[0])

    @property
    def n_partnerships(self) -> int:
        return int(self.p_ids.shape[0])

    def members(self, p: int) -> np.ndarray:
        """Organisation indices of partnership p, ascending."""
        return self.member_idx[self.member_ptr[p] : self.member_ptr[p + 1]]

    def partnerships_of(self, o: int) -> np.ndarray:
        """Partnership indices organisation o is a member of, ascending."""
        return self.org_part[self.org_ptr[o] : self.org_ptr[o + 1]]

    @cached_property
    def _position(self) -> tuple[FloatArray, FloatArray, FloatArray]:
        """Latitude and longitude in radians and cos(latitude), float64, cached."""
        lat = np.radians(self.lat.astype(np.float64))
        lon = np.radians(self.lon.astype(np.float64))
        return lat, lon, np.cos(lat)

    @cached_property
    def _kind_base(self) -> FloatArray:
        """Share of each organisation kind in the whole registry, cached."""
        counts = np.bincount(self.kind.astype(np.int64), minlength=len(ORG_KINDS))
        base: FloatArray = counts / max(self.n_orgs, 1)
        return base


# --------------------------------------------------------------------------- seekers


def _no_orgs() -> np.ndarray:
    return np.empty(0, dtype=np.int32)


@dataclass(frozen=True, eq=False)
class Seeker:
    """What is being matched: a partnership looking for members or an organisation."""

    themes: int = 0
    text_hits: np.ndarray | None = None
    kinds_wanted: frozenset[int] | None = None
    municipality: int = -1
    region: int = -1
    province: int = -1
    lat: float = math.nan
    lon: float = math.nan
    radius_km: float | None = None
    seeks: int = 0
    offers: int = 0
    own_kind: int = -1
    partnership: int = -1
    partnership_kind: int = -1
    partners: np.ndarray = field(default_factory=_no_orgs)
    exclude: np.ndarray = field(default_factory=_no_orgs)
    hidden_edge: tuple[int, int] | None = None


def seeker_for_partnership(
    net: Network,
    p: int,
    *,
    kinds_wanted: frozenset[int] | None = None,
    hidden: int | None = None,
) -> Seeker:
    """Partnership p looking for members: its themes, place and kind.

    partners = exclude = its members; with `hidden` (leave-one-out) that member is
    left out of both, so it can be found, and its membership is the hidden edge.
    """
    members = net.members(p).astype(np.int32)
    if hidden is not None:
        if hidden not in members:
            raise ValueError(f"organisation {hidden} is not a member of partnership {p}")
        members = members[members != hidden]
    return Seeker(
        themes=int(net.p_themes[p]),
        kinds_wanted=kinds_wanted,
        municipality=int(net.p_municipality[p]),
        region=int(net.p_region[p]),
        province=int(net.p_province[p]),
        lat=float(net.p_lat[p]),
        lon=float(net.p_lon[p]),
        partnership=p,
        partnership_kind=int(net.p_kind[p]),
        partners=members,
        exclude=members,
        hidden_edge=None if hidden is None else (p, int(hidden)),
    )


def co_members(net: Network, o: int) -> np.ndarray:
    """Organisations that share at least one partnership with o (without o), ascending."""
    parts = net.partnerships_of(o).astype(np.int64)
    starts = net.member_ptr[parts]
    others = net.member_idx[_ranges(starts, net.member_ptr[parts + 1] - starts)]
    unique = np.unique(others)
    return unique[unique != o].astype(np.int32)


def seeker_for_organisation(
    net: Network,
    o: int,
    *,
    kinds_wanted: frozenset[int] | None = None,
    themes: int | None = None,
    seeks: int | None = None,
) -> Seeker:
    """Organisation o looking for partners: its themes (unless given), place, seeks (unless
    given), offers and kind. partners = its co-members; exclude = itself and those."""
    partners = co_members(net, o)
    return Seeker(
        themes=int(net.themes[o]) if themes is None else int(themes),
        kinds_wanted=kinds_wanted,
        municipality=int(net.municipality[o]),
        region=int(net.region[o]),
        province=int(net.province[o]),
        lat=float(net.lat[o]),
        lon=float(net.lon[o]),
        seeks=int(net.seeks[o]) if seeks is None else int(seeks),
        offers=int(net.offers[o]),
        own_kind=int(net.kind[o]),
        partners=partners,
        exclude=np.union1d(partners, np.array([o], dtype=np.int32)).astype(np.int32),
    )


# --------------------------------------------------------------------------- scoring


@dataclass(frozen=True)
class Candidate:
    index: int
    org_id: int
    score: float
    components: dict[str, float]
    evidence: dict[str, Any]


def _bits(mask: int) -> list[int]:
    return [i for i in range(mask.bit_length()) if mask >> i & 1]


def _related_masks(net: Network, sought: int) -> tuple[int, int]:
    """(parents and children, siblings) of the sought themes, without the sought ones."""
    parents = [int(x) for x in net.theme_parent]
    close = 0
    sibling = 0
    for t in _bits(sought):
        if t >= len(parents):
            continue
        parent = parents[t]
        if parent >= 0:
            close |= 1 << parent
        for u, pu in enumerate(parents):
            if pu == t:
                close |= 1 << u
            elif parent >= 0 and pu == parent and u != t:
                sibling |= 1 << u
    close &= ~sought
    sibling &= ~(sought | close)
    return close, sibling


def _popcount(array: np.ndarray, mask: int) -> FloatArray:
    masked = np.bitwise_and(array, array.dtype.type(mask))
    counts: FloatArray = np.bitwise_count(masked).astype(np.float64)
    return counts


def _hidden(net: Network, seeker: Seeker) -> tuple[int, int]:
    """The hidden membership as (partnership, org), or (-1, -1) if none or not real."""
    if seeker.hidden_edge is None:
        return -1, -1
    hp, ho = (int(x) for x in seeker.hidden_edge)
    if not (0 <= hp < net.n_partnerships and 0 <= ho < net.n_orgs):
        raise ValueError(f"hidden edge {seeker.hidden_edge} is out of range")
    if ho not in net.members(hp):
        return -1, -1
    return hp, ho


def _org_indices(net: Network, values: np.ndarray, name: str) -> IntArray:
    array = np.asarray(values, dtype=np.int64).reshape(-1)
    if np.any((array < 0) | (array >= net.n_orgs)):
        raise ValueError(f"{name} refers to an unknown organisation")
    return array


def _partnership_weight(size: np.ndarray) -> FloatArray:
    weight: FloatArray = 1.0 / np.log(2.0 + np.asarray(size, dtype=np.float64))
    return weight


def _network_raw(net: Network, seeker: Seeker, partners: IntArray) -> FloatArray:
    """x per organisation: the sum of 1/log(2+|q|) over (partner, shared partnership q)."""
    n = net.n_orgs
    if partners.size == 0:
        return np.zeros(n, dtype=np.float64)
    hp, ho = _hidden(net, seeker)
    starts = net.org_ptr[partners]
    lengths = net.org_ptr[partners + 1] - starts
    pair_partner = np.repeat(partners, lengths)
    pair_part = net.org_part[_ranges(starts, lengths)].astype(np.int64)
    keep = pair_part != seeker.partnership
    if hp >= 0:
        keep &= ~((pair_part == hp) & (pair_partner == ho))
    pair_partner, pair_part = pair_partner[keep], pair_part[keep]
    if pair_part.size == 0:
        return np.zeros(n, dtype=np.float64)
    m_start = net.member_ptr[pair_part]
    m_len = net.member_ptr[pair_part + 1] - m_start
    size = m_len - (pair_part == hp) if hp >= 0 else m_len
    members = net.member_idx[_ranges(m_start, m_len)].astype(np.int64)
    weights = np.repeat(_partnership_weight(size), m_len)
    drop = members == np.repeat(pair_partner, m_len)
    if hp >= 0:
        drop |= (members == ho) & (np.repeat(pair_part, m_len) == hp)
    keep_m = ~drop
    raw = np.bincount(members[keep_m], weights=weights[keep_m], minlength=n)
    return raw.astype(np.float64, copy=False)


def _kind_share(net: Network, seeker: Seeker, partners: IntArray) -> FloatArray | None:
    """Smoothed share of each org kind among the seeker's partners, or None (no information)."""
    counts = np.bincount(net.kind[partners].astype(np.int64), minlength=len(ORG_KINDS))
    total = float(partners.size)
    if 0 <= seeker.partnership_kind < len(PARTNERSHIP_KINDS):
        prior = _PARTNERSHIP_PRIOR[seeker.partnership_kind]
        alpha = KIND_PRIOR_WEIGHT
    elif 0 <= seeker.own_kind < len(ORG_KINDS):
        prior = _ORG_PRIOR[seeker.own_kind]
        alpha = max(KIND_PRIOR_WEIGHT, total)
    elif total > 0:
        prior = np.full(len(ORG_KINDS), 1.0 / len(ORG_KINDS))
        alpha = KIND_PRIOR_WEIGHT
    else:
        return None
    share: FloatArray = (counts + alpha * prior) / (total + alpha)
    return share


@dataclass
class _Scores:
    """Everything one scoring pass computes, kept for the evidence of the returned page."""

    components: dict[str, FloatArray]
    total: FloatArray
    used: tuple[str, ...]
    distance_km: FloatArray | None
    kind_share: FloatArray | None
    degree: IntArray
    close: int
    sibling: int
    partners: IntArray
    hidden: tuple[int, int]


def _check_weights(weights: Mapping[str, float]) -> dict[str, float]:
    unknown = set(weights) - set(COMPONENTS)
    if unknown:
        raise ValueError(f"unknown score components: {sorted(unknown)}")
    checked = {k: float(weights.get(k, 0.0)) for k in COMPONENTS}
    if any(not math.isfinite(w) or w < 0 for w in checked.values()):
        raise ValueError("weights must be finite and non-negative")
    return checked


def _compute(net: Network, seeker: Seeker, weights: Mapping[str, float]) -> _Scores:
    n = net.n_orgs
    w = _check_weights(weights)
    partners = np.unique(_org_indices(net, seeker.partners, "partners"))
    exclude = _org_indices(net, seeker.exclude, "exclude")
    hp, ho = _hidden(net, seeker)
    comps: dict[str, FloatArray] = {}
    used: list[str] = []

    # theme
    sought = int(seeker.themes) & (2**MAX_THEMES - 1)
    close, sibling = _related_masks(net, sought)
    text_hits = None
    if seeker.text_hits is not None:
        text_hits = np.asarray(seeker.text_hits, dtype=bool).reshape(-1)
        if text_hits.shape[0] != n:
            raise ValueError(f"text_hits has {text_hits.shape[0]} values, expected {n}")
    theme_miss = np.ones(n, dtype=np.float64)  # product of (1 - credit)
    if sought:
        n_sought = sought.bit_count()
        shared = _popcount(net.themes, sought)
        own = np.maximum(_popcount(net.themes, 2**MAX_THEMES - 1), 1.0)
        direct = THEME_COVERAGE_SHARE * np.minimum(
            1.0, shared / min(n_sought, THEME_SATURATION)
        ) + (1.0 - THEME_COVERAGE_SHARE) * (shared / own)
        theme_miss *= 1.0 - direct
        if close or sibling:
            related = _popcount(net.themes, close) + THEME_SIBLING_FACTOR * _popcount(
                net.themes, sibling
            )
            theme_miss *= 1.0 - THEME_RELATED_MAX * np.minimum(
                1.0, related / min(n_sought, THEME_SATURATION)
            )
    if text_hits is not None:
        theme_miss *= np.where(text_hits, 1.0 - THEME_TEXT_CREDIT, 1.0)
    comps["theme"] = 1.0 - theme_miss
    if sought or (text_hits is not None and bool(text_hits.any())):
        used.append("theme")

    # geo
    geo = np.zeros(n, dtype=np.float64)
    distance_km: FloatArray | None = None
    if math.isfinite(seeker.lat) and math.isfinite(seeker.lon):
        lat, lon, cos_lat = net._position
        lat0, lon0 = math.radians(seeker.lat), math.radians(seeker.lon)
        hav = (
            np.sin((lat - lat0) * 0.5) ** 2
            + math.cos(lat0) * cos_lat * np.sin((lon - lon0) * 0.5) ** 2
        )
        distance_km = 2.0 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.minimum(hav, 1.0)))
        decay = GEO_DISTANCE_MAX * np.exp(-distance_km / GEO_DISTANCE_KM)
        geo = np.nan_to_num(decay, nan=0.0)
    for (_, value), mine, theirs in zip(
        GEO_LEVELS,
        (seeker.municipality, seeker.region, seeker.province),
        (net.municipality, net.region, net.province),
        strict=True,
    ):
        if mine >= 0:
            np.maximum(geo, value, out=geo, where=theirs == mine)
    comps["geo"] = geo
    if distance_km is not None or max(seeker.municipality, seeker.region, seeker.province) >= 0:
        used.append("geo")

    # kind
    share = _kind_share(net, seeker, partners)
    if share is None:
        comps["kind"] = np.full(n, KIND_NEUTRAL)
    else:
        fit = np.sqrt(share) / (np.sqrt(share) + np.sqrt(net._kind_base))
        comps["kind"] = fit[net.kind.astype(np.int64)]
        used.append("kind")

    # complement
    complement = np.zeros(n, dtype=np.float64)
    seeks, offers = int(seeker.seeks) & 0xFFFF, int(seeker.offers) & 0xFFFF
    if seeks or offers:
        share_offers = COMPLEMENT_OFFERS_SHARE if seeks and offers else float(bool(seeks))
        if seeks:
            complement += share_offers * _popcount(net.offers, seeks) / seeks.bit_count()
        if offers:
            needs = np.maximum(_popcount(net.seeks, 0xFFFF), 1.0)
            complement += (1.0 - share_offers) * _popcount(net.seeks, offers) / needs
        used.append("complement")
    comps["complement"] = complement

    # network
    comps["network"] = -np.expm1(-_network_raw(net, seeker, partners))
    if partners.size:
        used.append("network")

    # activity
    degree = net.degree.astype(np.int64)
    if hp >= 0:
        degree[ho] -= 1
    top_degree = int(degree.max()) if n else 0
    if top_degree > 0:
        comps["activity"] = np.minimum(np.log1p(degree) / math.log1p(top_degree), 1.0)
    else:
        comps["activity"] = np.zeros(n, dtype=np.float64)
    used.append("activity")

    # openness
    comps["openness"] = np.array([OPENNESS[-1], OPENNESS[0], OPENNESS[1]])[
        net.open.astype(np.int64) + 1
    ]
    used.append("openness")

    # total: weighted mean over the components the seeker informs
    weight_sum = sum(w[k] for k in used)
    total = np.zeros(n, dtype=np.float64)
    if weight_sum > 0:
        for k in COMPONENTS:
            if k in used and w[k] > 0:
                total += (w[k] / weight_sum) * comps[k]
        np.clip(total, 0.0, 1.0, out=total)

    eligible = np.ones(n, dtype=bool)
    eligible[exclude] = False
    if seeker.kinds_wanted is not None:
        wanted = np.zeros(len(ORG_KINDS), dtype=bool)
        for wanted_kind in seeker.kinds_wanted:
            if 0 <= wanted_kind < len(ORG_KINDS):
                wanted[wanted_kind] = True
        eligible &= wanted[net.kind.astype(np.int64)]
    if seeker.radius_km is not None:
        if distance_km is None:
            eligible[:] = False
        else:
            eligible &= distance_km <= seeker.radius_km  # nan compares False
    total[~eligible] = -np.inf

    return _Scores(
        components=comps,
        total=total,
        used=tuple(used),
        distance_km=distance_km,
        kind_share=share,
        degree=degree,
        close=close,
        sibling=sibling,
        partners=partners,
        hidden=(hp, ho),
    )


def score_all(
    net: Network, seeker: Seeker, weights: Mapping[str, float] = DEFAULT_WEIGHTS
) -> np.ndarray:
    """float64[n]: every organisation's total score in [0, 1], -inf if not eligible."""
    return _compute(net, seeker, weights).total


def top_indices(total: np.ndarray, k: int) -> IntArray:
    """Indices of the k best finite scores, best first, ties by index ascending."""
    finite = np.flatnonzero(np.isfinite(total))
    if k <= 0 or finite.size == 0:
        return np.empty(0, dtype=np.int64)
    if k < finite.size:
        threshold = -np.partition(-total[finite], k - 1)[k - 1]
        above = finite[total[finite] > threshold]
        tied = finite[total[finite] == threshold][: k - above.size]
        finite = np.concatenate([above, tied])
    order = np.lexsort((finite, -total[finite]))
    result: IntArray = finite[order][:k].astype(np.int64)
    return result


def _strongest(keys: IntArray, weights: FloatArray) -> list[tuple[int, float]]:
    """Summed weight per key, strongest first, ties by key ascending."""
    unique, inverse = np.unique(keys, return_inverse=True)
    sums = np.bincount(inverse, weights=weights, minlength=unique.size)
    order = np.lexsort((unique, -sums))
    return [(int(unique[i]), float(sums[i])) for i in order]


def _shared_partners(
    net: Network, seeker: Seeker, scores: _Scores, c: int
) -> tuple[list[tuple[int, float]], list[int]]:
    """The seeker's partners the candidate shares other partnerships with and those
    partnerships, each with the network weight it contributes, strongest first."""
    hp, ho = scores.hidden
    partners = scores.partners  # sorted, unique
    if partners.size == 0:
        return [], []
    parts = net.partnerships_of(c).astype(np.int64)
    keep = parts != seeker.partnership
    if c == ho:
        keep &= parts != hp
    parts = parts[keep]
    starts = net.member_ptr[parts]
    lengths = net.member_ptr[parts + 1] - starts
    members = net.member_idx[_ranges(starts, lengths)].astype(np.int64)
    part = np.repeat(parts, lengths)
    size = lengths - (parts == hp) if hp >= 0 else lengths
    weight = np.repeat(_partnership_weight(size), lengths)
    found = partners[np.minimum(np.searchsorted(partners, members), partners.size - 1)]
    shared = (found == members) & (members != c)
    if hp >= 0:
        shared &= ~((part == hp) & (members == ho))
    if not shared.any():
        return [], []
    by_partner = _strongest(members[shared], weight[shared])
    by_part = _strongest(part[shared], weight[shared])
    return by_partner, [q for q, _ in by_part]


def _evidence(net: Network, seeker: Seeker, scores: _Scores, c: int) -> dict[str, Any]:
    themes = int(net.themes[c])
    sought = int(seeker.themes) & (2**MAX_THEMES - 1)
    shared_partners, via = _shared_partners(net, seeker, scores, c)
    distance = None
    if scores.distance_km is not None and math.isfinite(scores.distance_km[c]):
        distance = round(float(scores.distance_km[c]), 1)
    geo_level = None
    geo = float(scores.components["geo"][c])
    for (level, value), mine, theirs in zip(
        GEO_LEVELS,
        (seeker.municipality, seeker.region, seeker.province),
        (net.municipality, net.region, net.province),
        strict=True,
    ):
        if mine >= 0 and int(theirs[c]) == mine and geo <= value:
            geo_level = level
            break
    if geo_level is None and distance is not None:
        geo_level = "distance"
    kind_share = 0.0 if scores.kind_share is None else float(scores.kind_share[net.kind[c]])
    return {
        "shared_themes": _bits(themes & sought),
        "related_themes": _bits(themes & (scores.close | scores.sibling)),
        "text_match": bool(seeker.text_hits is not None and seeker.text_hits[c]),
        "geo_level": geo_level,
        "distance_km": distance,
        "shared_partners": [s for s, _ in shared_partners[:3]],
        "shared_partner_count": len(shared_partners),
        "shared_partnerships": via[:3],
        "offers_matched": _bits(int(net.offers[c]) & int(seeker.seeks)),
        "seeks_matched": _bits(int(net.seeks[c]) & int(seeker.offers)),
        "kind_share": round(kind_share, 4),
        "degree": int(scores.degree[c]),
        "open": int(net.open[c]),
        "components_used": list(scores.used),
    }


def score(
    net: Network,
    seeker: Seeker,
    *,
    top: int = 10,
    offset: int = 0,
    weights: Mapping[str, float] = DEFAULT_WEIGHTS,
) -> tuple[list[Candidate], int]:
    """Best candidates first (ranks offset .. offset+top-1) and the number of eligible
    candidates. Never returns an excluded organisation, one of an unwanted kind or one
    outside the radius."""
    if top < 0 or offset < 0:
        raise ValueError("top and offset must be non-negative")
    scores = _compute(net, seeker, weights)
    eligible = int(np.count_nonzero(np.isfinite(scores.total)))
    page = top_indices(scores.total, offset + top)[offset:]
    candidates = [
        Candidate(
            index=int(c),
            org_id=int(net.org_ids[c]),
            score=float(scores.total[c]),
            components={k: float(scores.components[k][c]) for k in COMPONENTS},
            evidence=_evidence(net, seeker, scores, int(c)),
        )
        for c in page
    ]
    return candidates, eligible


def explain(
    net: Network, seeker: Seeker, c: int, weights: Mapping[str, float] = DEFAULT_WEIGHTS
) -> Candidate:
    """Organisation c as a candidate for `seeker`, whether it is eligible or not (its score
    is then -inf): the components and evidence behind the reasons for one given pair."""
    if not 0 <= c < net.n_orgs:
        raise ValueError(f"organisation {c} is out of range")
    scores = _compute(net, seeker, weights)
    return Candidate(
        index=int(c),
        org_id=int(net.org_ids[c]),
        score=float(scores.total[c]),
        components={k: float(scores.components[k][c]) for k in COMPONENTS},
        evidence=_evidence(net, seeker, scores, int(c)),
    )

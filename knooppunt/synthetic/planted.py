"""A synthetic partner network with planted structure, for testing the matcher.

Pure numpy, no Django: `planted_network(n_orgs, n_partnerships, seed)` builds a
`matching.scoring.Network` directly (no database, no interchange files) in which who
joins which partnership follows known rules (region, theme cluster, earlier
co-members, activity). `knooppunt evaluate-matching synthetic` and the matcher's tests
hide members of it and check that the matcher finds them (`matching/evaluation.py`).

The parameters per organisation kind, per partnership kind and per member source are
in `data/planted/*.csv`; the shape of the map (provinces, regions, theme clusters) is
below.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import numpy.typing as npt

from knooppunt.matching.scoring import ORG_KINDS, PARTNERSHIP_KINDS, Network
from knooppunt.synthetic.tables import floats, rows

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

_N_PROVINCES = 12
_N_REGIONS = 35
_N_CLUSTERS = 8
_CHILDREN = 5  # themes per cluster below its parent theme: 8 + 8 * 5 = 48 themes

_ORG_KINDS = {row["kind"]: row for row in rows("planted/organisation_kinds.csv")}
# Share of each kind among the organisations.
_KIND_SHARE = {kind: float(row["share"]) for kind, row in _ORG_KINDS.items()}
# How much more often an organisation of a kind joins partnerships at all.
_KIND_ACTIVITY = {
    kind: float(row["activity"]) for kind, row in _ORG_KINDS.items() if row["activity"]
}
# What each kind offers and seeks (probability per OFFER_KINDS bit).
_OFFER_P = {kind: floats(row["offers"]) for kind, row in _ORG_KINDS.items() if row["offers"]}
_SEEK_P = {kind: floats(row["seeks"]) for kind, row in _ORG_KINDS.items() if row["seeks"]}
_PARTNERSHIP_KINDS = {row["kind"]: row for row in rows("planted/partnership_kinds.csv")}
# The generator's own view of who leads which partnership kind (not the scorer's prior).
_LEAD = {kind: row["lead"] for kind, row in _PARTNERSHIP_KINDS.items()}
# Share of each partnership kind, in the order of PARTNERSHIP_KINDS.
_PARTNERSHIP_SHARE = tuple(float(_PARTNERSHIP_KINDS[k]["share"]) for k in PARTNERSHIP_KINDS)
# (probability, pool) per extra member.
_MEMBER_SOURCES = tuple(
    (float(row["probability"]), row["source"]) for row in rows("planted/member_sources.csv")
)


class _GroupSampler:
    """Draws an organisation from a group (key >= 0) with probability proportional to a
    weight row, in O(log n) per draw after one cumulative sum per row."""

    def __init__(self, keys: IntArray, weights: FloatArray) -> None:
        order = np.argsort(keys, kind="stable")
        order = order[keys[order] >= 0]
        self.order = order
        self.keys = keys[order]
        self.weights = weights
        self.cumulative: dict[int, FloatArray] = {}

    def draw(self, rng: np.random.Generator, key: int, row: int = 0) -> int | None:
        lo = int(np.searchsorted(self.keys, key, side="left"))
        hi = int(np.searchsorted(self.keys, key, side="right"))
        if lo == hi:
            return None
        if row not in self.cumulative:
            self.cumulative[row] = np.cumsum(self.weights[row][self.order])
        cum = self.cumulative[row]
        base = float(cum[lo - 1]) if lo else 0.0
        span = float(cum[hi - 1]) - base
        if span <= 0:
            return None
        i = int(np.searchsorted(cum, base + rng.random() * span, side="right"))
        return int(self.order[min(max(i, lo), hi - 1)])


def _bit_masks(bits: npt.NDArray[np.bool_], index: IntArray) -> npt.NDArray[np.uint64]:
    """OR of 1 << index[i, j] over the j where bits[i, j]."""
    shifted = np.left_shift(np.uint64(1), index.astype(np.uint64))
    masks: npt.NDArray[np.uint64] = np.bitwise_or.reduce(
        np.where(bits, shifted, np.uint64(0)), axis=1
    )
    return masks


def _by_kind(table: Mapping[str, Sequence[float]], kind: np.ndarray, width: int) -> FloatArray:
    matrix = np.zeros((len(ORG_KINDS), width))
    for name, row in table.items():
        matrix[ORG_KINDS.index(name)] = row
    picked: FloatArray = matrix[kind.astype(np.int64)]
    return picked


def planted_network(
    n_orgs: int, n_partnerships: int, seed: int, *, members_per_partnership: float = 6.0
) -> Network:
    """A synthetic network with planted structure, deterministic for a seed.

    12 provinces of ~3 labour-market regions of municipalities (positions jittered
    around their parents'); 48 themes in 8 clusters (parent theme + 5 children); each
    region has its own mix of clusters and an organisation takes 1-5 themes of its
    region-drawn cluster (sometimes the parent, sometimes a stray theme). Activity is
    heavy-tailed (lognormal, schools and public bodies more active): hubs. A partnership
    gets a home region, a cluster from that region's mix and 1-2 of its themes, a lead
    of a fitting school kind from the region, and members drawn (weighted by activity)
    from: co-members of its members in earlier partnerships (30 %), its region and
    cluster (40 %), its region (12 %), its cluster nationwide (12 %), anywhere (6 %).
    Sizes are lognormal with mean `members_per_partnership`, at least 3.
    """
    if n_orgs < 10 or n_partnerships < 1:
        raise ValueError("need at least 10 organisations and 1 partnership")
    rng = np.random.default_rng(seed)
    n = n_orgs

    # places
    n_mun = min(342, max(_N_REGIONS, n // 10))
    prov_lat = rng.uniform(51.0, 53.3, _N_PROVINCES)
    prov_lon = rng.uniform(3.8, 7.0, _N_PROVINCES)
    reg_prov = np.arange(_N_REGIONS) % _N_PROVINCES
    reg_lat = prov_lat[reg_prov] + rng.normal(0.0, 0.15, _N_REGIONS)
    reg_lon = prov_lon[reg_prov] + rng.normal(0.0, 0.2, _N_REGIONS)
    mun_reg = np.arange(n_mun) % _N_REGIONS
    mun_lat = reg_lat[mun_reg] + rng.normal(0.0, 0.06, n_mun)
    mun_lon = reg_lon[mun_reg] + rng.normal(0.0, 0.09, n_mun)
    mun_weight = 1.0 / (1.0 + rng.permutation(n_mun)) ** 0.8
    municipality = rng.choice(n_mun, size=n, p=mun_weight / mun_weight.sum())
    region = mun_reg[municipality]
    province = reg_prov[region]
    lat, lon = mun_lat[municipality], mun_lon[municipality]
    unknown = rng.random(n) < 0.03
    municipality = np.where(unknown, -1, municipality)
    region = np.where(unknown, -1, region)
    province = np.where(unknown, -1, province)
    lat = np.where(unknown, np.nan, lat)
    lon = np.where(unknown, np.nan, lon)

    # kinds, activity, offers
    shares = np.array([_KIND_SHARE[k] for k in ORG_KINDS])
    kind = rng.choice(len(ORG_KINDS), size=n, p=shares / shares.sum())
    factor = np.array([_KIND_ACTIVITY.get(k, 1.0) for k in ORG_KINDS])
    activity = rng.lognormal(0.0, 1.0, n) * factor[kind]
    offers = _bit_masks(
        rng.random((n, 8)) < _by_kind(_OFFER_P, kind, 8), np.tile(np.arange(8), (n, 1))
    )
    seeks = _bit_masks(
        rng.random((n, 8)) < _by_kind(_SEEK_P, kind, 8), np.tile(np.arange(8), (n, 1))
    )
    is_open = rng.choice(np.array([-1, 0, 1]), size=n, p=[0.1, 0.55, 0.35])

    # themes
    theme_parent = np.full(_N_CLUSTERS * (1 + _CHILDREN), -1, dtype=np.int16)
    for c in range(_N_CLUSTERS):
        theme_parent[_N_CLUSTERS + c * _CHILDREN : _N_CLUSTERS + (c + 1) * _CHILDREN] = c
    mix = rng.dirichlet(np.full(_N_CLUSTERS, 0.6), _N_REGIONS)
    org_mix = np.where(region[:, None] >= 0, mix[np.maximum(region, 0)], 1.0 / _N_CLUSTERS)
    cluster = (np.cumsum(org_mix, axis=1) < rng.random((n, 1))).sum(axis=1)
    cluster = np.minimum(cluster, _N_CLUSTERS - 1)
    child_bits = rng.random((n, _CHILDREN)) < 0.35
    none = ~child_bits.any(axis=1)
    child_bits[none, rng.integers(0, _CHILDREN, int(none.sum()))] = True
    child_index = _N_CLUSTERS + cluster[:, None] * _CHILDREN + np.arange(_CHILDREN)
    themes = _bit_masks(child_bits, child_index)
    themes |= np.where(
        rng.random(n) < 0.3, np.left_shift(np.uint64(1), cluster.astype(np.uint64)), 0
    ).astype(np.uint64)
    stray = rng.integers(_N_CLUSTERS, len(theme_parent), n).astype(np.uint64)
    themes |= np.where(rng.random(n) < 0.15, np.left_shift(np.uint64(1), stray), 0).astype(
        np.uint64
    )

    # samplers: rows are partnership kinds (member pull = activity, the lead's kind x2)
    pull = np.tile(activity, (len(PARTNERSHIP_KINDS), 1))
    for pk, name in enumerate(PARTNERSHIP_KINDS):
        pull[pk, kind == ORG_KINDS.index(_LEAD[name])] *= 2.0
    known = region >= 0
    samplers = {
        "region_theme": _GroupSampler(np.where(known, region * _N_CLUSTERS + cluster, -1), pull),
        "region": _GroupSampler(np.where(known, region, -1), pull),
        "theme": _GroupSampler(cluster.astype(np.int64), pull),
        "anywhere": _GroupSampler(np.zeros(n, dtype=np.int64), pull),
    }
    leads = _GroupSampler(np.where(known, kind * _N_REGIONS + region, -1), activity[None, :])
    sources = [name for _, name in _MEMBER_SOURCES]
    source_p = np.array([p for p, _ in _MEMBER_SOURCES])

    p_kind = rng.choice(len(PARTNERSHIP_KINDS), size=n_partnerships, p=_PARTNERSHIP_SHARE)
    known_idx = np.flatnonzero(known)
    p_themes = np.zeros(n_partnerships, dtype=np.uint64)
    p_mun = np.zeros(n_partnerships, dtype=np.int64)
    members_of: list[list[int]] = []
    parts_of: dict[int, list[int]] = {}
    pairs: list[tuple[int, int]] = []
    mu = math.log(members_per_partnership) - 0.18
    for q in range(n_partnerships):
        pk = int(p_kind[q])
        home = int(region[known_idx[rng.integers(known_idx.size)]])
        c = int((np.cumsum(mix[home]) < rng.random()).sum())
        c = min(c, _N_CLUSTERS - 1)
        picks = rng.random(_CHILDREN) < 0.25
        picks[rng.integers(_CHILDREN)] = True
        mask = 0
        for j in np.flatnonzero(picks).tolist():
            mask |= 1 << (_N_CLUSTERS + c * _CHILDREN + j)
        if rng.random() < 0.3:
            mask |= 1 << c
        p_themes[q] = mask
        size = int(min(max(3, round(rng.lognormal(mu, 0.6))), n // 4))
        lead_kind = ORG_KINDS.index(_LEAD[PARTNERSHIP_KINDS[pk]])
        lead = leads.draw(rng, lead_kind * _N_REGIONS + home)
        if lead is None:
            lead = samplers["region_theme"].draw(rng, home * _N_CLUSTERS + c, pk)
        if lead is None:
            lead = samplers["region"].draw(rng, home, pk)
        if lead is None:
            lead = samplers["anywhere"].draw(rng, 0, pk)
        if lead is None:
            raise RuntimeError("no organisation can lead a partnership")
        chosen = [lead]
        keys = {"region_theme": home * _N_CLUSTERS + c, "region": home, "theme": c, "anywhere": 0}
        attempts = 0
        while len(chosen) < size and attempts < 20 * size:
            attempts += 1
            source = sources[int(rng.choice(len(sources), p=source_p))]
            pick: int | None = None
            if source == "closure":
                via = chosen[int(rng.integers(len(chosen)))]
                earlier = parts_of.get(via, [])
                if earlier:
                    group = members_of[earlier[int(rng.integers(len(earlier)))]]
                    pick = group[int(rng.integers(len(group)))]
            else:
                pick = samplers[source].draw(rng, keys[source], pk)
            if pick is None:
                pick = samplers["anywhere"].draw(rng, 0, pk)
            if pick is not None and pick not in chosen:
                chosen.append(pick)
        members_of.append(chosen)
        for o in chosen:
            parts_of.setdefault(o, []).append(q)
            pairs.append((q, o))
        p_mun[q] = (
            municipality[lead]
            if region[lead] == home
            else rng.choice(np.flatnonzero(mun_reg == home))
        )

    p_region = mun_reg[p_mun]
    return Network.build(
        org_ids=np.arange(1, n + 1, dtype=np.int64) * 10,
        kind=kind,
        municipality=municipality,
        region=region,
        province=province,
        lat=lat,
        lon=lon,
        themes=themes,
        offers=offers,
        seeks=seeks,
        open=is_open,
        theme_parent=theme_parent,
        p_ids=np.arange(1, n_partnerships + 1, dtype=np.int64) * 7,
        p_kind=p_kind,
        p_themes=p_themes,
        p_municipality=p_mun,
        p_region=p_region,
        p_province=reg_prov[p_region],
        p_lat=mun_lat[p_mun],
        p_lon=mun_lon[p_mun],
        memberships=np.array(pairs, dtype=np.int64).reshape(-1, 2),
    )

"""Offline evaluation of the matcher: leave-one-out on the registry's own memberships.

Pure numpy, no Django. For every partnership with at least `min_members` members one
member, chosen by a seeded generator, is hidden: the partnership becomes a seeker
(`seeker_for_partnership(net, p, hidden=o)`) and every method ranks all eligible
organisations (everyone but the remaining members). The hidden membership is removed
from everything the methods see (network signal, degrees), so nothing leaks.

Ties are scored fairly: a method that gives the hidden organisation the same score as
t other candidates, with g candidates strictly above, is credited with the *expected*
result of breaking the ties uniformly at random. Its rank is uniform on g+1 .. g+t+1,
so hit@k counts ``clip((k - g) / (t + 1), 0, 1)`` and the reciprocal rank is the mean
of 1/r over that range. A constant-score method therefore scores exactly like random
guessing instead of being flattered (or punished) by an index order.

Methods: "matcher" (`score_all` with the given weights), "random" (seeded uniform
scores), "most_connected" (degree, without the hidden membership) and
"same_region_most_connected" (the same, but organisations in the partnership's
labour-market region, or its province if the region is unknown, first).

`planted_network` builds a synthetic network with planted structure to test on.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from knooppunt.matching.scoring import (
    DEFAULT_WEIGHTS,
    ORG_KINDS,
    PARTNERSHIP_KINDS,
    Network,
    score_all,
    seeker_for_partnership,
)

METHODS: tuple[str, ...] = (
    "matcher",
    "random",
    "most_connected",
    "same_region_most_connected",
)

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class MethodResult:
    name: str
    queries: int
    hit_at: dict[int, float]
    mrr: float


def expected_hits_and_rr(
    scores: np.ndarray, target: int, ks: Sequence[int]
) -> tuple[list[float], float]:
    """Expected hit@k for each k and reciprocal rank of `target` among the finite scores,
    ties broken uniformly at random (see the module docstring)."""
    finite = scores[np.isfinite(scores)]
    mine = float(scores[target])
    if math.isfinite(mine):
        greater = int(np.count_nonzero(finite > mine))
        ties = int(np.count_nonzero(finite == mine)) - 1
    else:  # not eligible: behind everyone
        greater, ties = int(finite.size), 0
    hits = [min(1.0, max(0.0, (k - greater) / (ties + 1))) for k in ks]
    ranks = np.arange(greater + 1, greater + ties + 2, dtype=np.float64)
    return hits, float(np.mean(1.0 / ranks))


def _method_scores(
    net: Network,
    p: int,
    hidden: int,
    weights: Mapping[str, float],
    noise: np.random.Generator,
) -> dict[str, np.ndarray]:
    seeker = seeker_for_partnership(net, p, hidden=hidden)
    matcher = score_all(net, seeker, weights)
    eligible = np.isfinite(matcher)
    degree = net.degree.astype(np.float64)
    degree[hidden] -= 1.0
    region, province = int(net.p_region[p]), int(net.p_province[p])
    if region >= 0:
        local = net.region == region
    elif province >= 0:
        local = net.province == province
    else:
        local = np.zeros(net.n_orgs, dtype=bool)
    regional = degree + local * (float(degree.max(initial=0.0)) + 1.0)
    random_scores = noise.random(net.n_orgs)
    return {
        "matcher": matcher,
        "random": np.where(eligible, random_scores, -np.inf),
        "most_connected": np.where(eligible, degree, -np.inf),
        "same_region_most_connected": np.where(eligible, regional, -np.inf),
    }


def leave_one_out(
    net: Network,
    *,
    seed: int = 0,
    ks: Sequence[int] = (1, 5, 10),
    min_members: int = 3,
    weights: Mapping[str, float] = DEFAULT_WEIGHTS,
    max_queries: int | None = None,
) -> list[MethodResult]:
    """hit@k and MRR of the matcher and three baselines, one query per partnership with
    at least `min_members` members (a seeded sample of `max_queries` of them if given)."""
    rng = np.random.default_rng(seed)
    noise = np.random.default_rng([seed, 1])  # its own stream: methods cannot shift queries
    sizes = np.diff(net.member_ptr)
    queries = np.flatnonzero(sizes >= max(min_members, 1))
    if max_queries is not None and queries.size > max_queries:
        queries = np.sort(rng.choice(queries, size=max_queries, replace=False))
    hidden = [int(rng.choice(net.members(int(p)))) for p in queries]
    hits = {name: np.zeros(len(ks)) for name in METHODS}
    rr = dict.fromkeys(METHODS, 0.0)
    for p, h in zip(queries.tolist(), hidden, strict=True):
        for name, scores in _method_scores(net, p, h, weights, noise).items():
            query_hits, query_rr = expected_hits_and_rr(scores, h, ks)
            hits[name] += query_hits
            rr[name] += query_rr
    count = len(hidden)
    return [
        MethodResult(
            name=name,
            queries=count,
            hit_at={k: float(hits[name][i] / count) if count else 0.0 for i, k in enumerate(ks)},
            mrr=rr[name] / count if count else 0.0,
        )
        for name in METHODS
    ]


def format_table(results: Sequence[MethodResult]) -> str:
    """A Markdown table: one row per method, hit@k columns and MRR."""
    ks = sorted({k for r in results for k in r.hit_at})
    head = ["method", "queries", *(f"hit@{k}" for k in ks), "MRR"]
    lines = [
        "| " + " | ".join(head) + " |",
        "|" + "|".join(["---"] + ["---:"] * (len(head) - 1)) + "|",
    ]
    for r in results:
        cells = [r.name, str(r.queries)]
        cells += [f"{r.hit_at[k]:.3f}" if k in r.hit_at else "" for k in ks]
        cells.append(f"{r.mrr:.3f}")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


# --------------------------------------------------------------------------- synthetic data

_N_PROVINCES = 12
_N_REGIONS = 35
_N_CLUSTERS = 8
_CHILDREN = 5  # themes per cluster below its parent theme: 8 + 8 * 5 = 48 themes

_KIND_SHARE = {
    "school_vo": 0.04,
    "school_mbo": 0.015,
    "school_hbo": 0.008,
    "school_wo": 0.003,
    "company": 0.80,
    "municipality": 0.03,
    "province": 0.004,
    "national_government": 0.001,
    "industry_association": 0.03,
    "knowledge_institute": 0.015,
    "intermediary": 0.04,
    "other": 0.014,
}
# How much more often an organisation of a kind joins partnerships at all.
_KIND_ACTIVITY = {
    "school_vo": 6.0,
    "school_mbo": 15.0,
    "school_hbo": 12.0,
    "school_wo": 8.0,
    "municipality": 5.0,
    "province": 5.0,
    "national_government": 3.0,
    "industry_association": 6.0,
    "knowledge_institute": 5.0,
    "intermediary": 4.0,
}
# The generator's own view of who leads which partnership kind (not the scorer's prior).
_LEAD = {
    "campus": "school_mbo",
    "centre_of_expertise": "school_hbo",
    "civ": "school_mbo",
    "technohub": "school_vo",
    "learning_community": "school_hbo",
    "rif_project": "school_mbo",
    "cove": "school_mbo",
    "hub": "intermediary",
    "other": "school_mbo",
}
_PARTNERSHIP_SHARE = (0.12, 0.10, 0.12, 0.10, 0.18, 0.14, 0.06, 0.08, 0.10)
# What each kind offers and seeks (probability per OFFER_KINDS bit).
_OFFER_P = {
    "company": (0.3, 0.3, 0.5, 0.3, 0.3, 0.1, 0.0, 0.05),
    "school_vo": (0.0, 0.0, 0.0, 0.0, 0.0, 0.2, 0.2, 0.0),
    "school_mbo": (0.0, 0.1, 0.0, 0.0, 0.0, 0.3, 0.3, 0.0),
    "school_hbo": (0.1, 0.2, 0.0, 0.0, 0.0, 0.3, 0.3, 0.0),
    "municipality": (0.0, 0.1, 0.1, 0.0, 0.1, 0.0, 0.0, 0.5),
    "province": (0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.7),
}
_SEEK_P = {
    "company": (0.0, 0.0, 0.0, 0.0, 0.0, 0.1, 0.3, 0.2),
    "school_vo": (0.5, 0.3, 0.1, 0.0, 0.5, 0.2, 0.0, 0.2),
    "school_mbo": (0.4, 0.4, 0.6, 0.5, 0.3, 0.3, 0.0, 0.3),
    "school_hbo": (0.3, 0.5, 0.6, 0.0, 0.2, 0.2, 0.0, 0.3),
}
_MEMBER_SOURCES = (  # (probability, pool) per extra member
    (0.30, "closure"),  # a co-member, in an earlier partnership, of a member
    (0.40, "region_theme"),
    (0.12, "region"),
    (0.12, "theme"),
    (0.06, "anywhere"),
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
    rows: FloatArray = matrix[kind.astype(np.int64)]
    return rows


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

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

A synthetic network with planted structure to test on is made by
`knooppunt.synthetic.planted.planted_network`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from knooppunt.matching.scoring import (
    DEFAULT_WEIGHTS,
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

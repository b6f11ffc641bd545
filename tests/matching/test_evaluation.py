"""Leave-one-out evaluation of the matcher against baselines, on planted networks."""

from __future__ import annotations

import math

import numpy as np
import pytest

from knooppunt.matching.evaluation import (
    METHODS,
    MethodResult,
    expected_hits_and_rr,
    format_table,
    leave_one_out,
)
from knooppunt.matching.scoring import Network
from knooppunt.synthetic.planted import planted_network


def by_name(results: list[MethodResult]) -> dict[str, MethodResult]:
    return {r.name: r for r in results}


ARRAYS = ("kind", "region", "themes", "offers", "p_themes", "p_region", "member_idx", "org_part")


def test_planted_network_is_deterministic_and_planted() -> None:
    a, b = planted_network(800, 120, seed=4), planted_network(800, 120, seed=4)
    for name in ARRAYS:
        assert np.array_equal(getattr(a, name), getattr(b, name))
    other = planted_network(800, 120, seed=5)
    assert not np.array_equal(a.member_idx, other.member_idx)
    sizes = np.diff(a.member_ptr)
    assert sizes.min() >= 3 and 4.0 <= sizes.mean() <= 8.0
    # members come from the partnership's own labour-market region far above chance (1/35)
    home = np.repeat(a.p_region, sizes)
    assert np.mean(a.region[a.member_idx] == home) > 0.4
    # heavy-tailed activity: a few hubs
    assert a.degree.max() >= 8 * max(1.0, float(np.median(a.degree[a.degree > 0])))


def test_expected_rank_with_ties_is_fair() -> None:
    flat = np.zeros(50)
    hits, rr = expected_hits_and_rr(flat, 7, (1, 10, 100))
    assert hits == pytest.approx([1 / 50, 10 / 50, 1.0])
    assert rr == pytest.approx(sum(1 / r for r in range(1, 51)) / 50)
    ordered = np.arange(10, dtype=np.float64)  # index 9 is best
    assert expected_hits_and_rr(ordered, 7, (1, 3)) == ([0.0, 1.0], pytest.approx(1 / 3))
    partly = np.array([5.0, 3.0, 3.0, 3.0, 1.0, -np.inf])  # rank 2, 3 or 4
    hits, rr = expected_hits_and_rr(partly, 2, (1, 2, 3, 4))
    assert hits == pytest.approx([0.0, 1 / 3, 2 / 3, 1.0])
    assert rr == pytest.approx((1 / 2 + 1 / 3 + 1 / 4) / 3)
    # a target that is not eligible ranks behind every eligible candidate
    assert expected_hits_and_rr(partly, 5, (5, 6)) == ([0.0, 1.0], pytest.approx(1 / 6))


@pytest.mark.parametrize(("n_orgs", "n_partnerships", "seed"), [(2000, 400, 1), (4000, 500, 2)])
def test_matcher_beats_every_baseline(n_orgs: int, n_partnerships: int, seed: int) -> None:
    net = planted_network(n_orgs, n_partnerships, seed=seed)
    results = by_name(leave_one_out(net, seed=seed))
    matcher = results["matcher"]
    assert matcher.queries == n_partnerships  # every planted partnership has >= 3 members
    for name in ("random", "most_connected", "same_region_most_connected"):
        baseline = results[name]
        assert matcher.hit_at[10] >= baseline.hit_at[10] + 0.05, (
            name,
            format_table([*results.values()]),
        )
        assert matcher.mrr >= baseline.mrr + 0.03, (name, format_table([*results.values()]))


def candidates_per_query(net: Network, min_members: int = 3) -> np.ndarray:
    sizes = np.diff(net.member_ptr)
    sizes = sizes[sizes >= min_members]
    return net.n_orgs - sizes + 1  # everyone but the members still in the partnership


def test_random_baseline_is_close_to_chance() -> None:
    net = planted_network(1000, 400, seed=3)
    ks = (10, 100)
    random = by_name(leave_one_out(net, seed=3, ks=ks))["random"]
    n = candidates_per_query(net)
    for k, tolerance in zip(ks, (0.02, 0.05), strict=True):
        assert random.hit_at[k] == pytest.approx(float(np.mean(k / n)), abs=tolerance)
    chance_rr = np.mean([sum(1 / r for r in range(1, int(c) + 1)) / c for c in n])
    assert random.mrr == pytest.approx(float(chance_rr), abs=0.01)


def test_leave_one_out_is_deterministic_and_samples_queries() -> None:
    net = planted_network(600, 150, seed=8)
    first = leave_one_out(net, seed=11, max_queries=40)
    assert first == leave_one_out(net, seed=11, max_queries=40)
    assert [r.name for r in first] == list(METHODS)
    assert all(r.queries == 40 for r in first)
    assert leave_one_out(net, seed=12, max_queries=40) != first
    for r in first:
        assert set(r.hit_at) == {1, 5, 10}
        assert 0.0 <= r.hit_at[1] <= r.hit_at[5] <= r.hit_at[10] <= 1.0
        assert 0.0 <= r.mrr <= 1.0 and math.isfinite(r.mrr)
    assert leave_one_out(net, min_members=10_000) == [
        MethodResult(name=name, queries=0, hit_at={1: 0.0, 5: 0.0, 10: 0.0}, mrr=0.0)
        for name in METHODS
    ]


def test_format_table() -> None:
    table = format_table(
        [
            MethodResult("matcher", 12, {1: 0.25, 10: 0.5}, 0.3333),
            MethodResult("random", 12, {1: 0.0, 10: 0.01}, 0.004),
        ]
    )
    lines = table.splitlines()
    assert lines[0] == "| method | queries | hit@1 | hit@10 | MRR |"
    assert lines[2] == "| matcher | 12 | 0.250 | 0.500 | 0.333 |"
    assert lines[3] == "| random | 12 | 0.000 | 0.010 | 0.004 |"

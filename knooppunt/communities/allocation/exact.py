"""The full optimal-mode model as a mixed-integer programme, solved by HiGHS.

Used for small instances (to prove optimality where the fast route only bounds it)
and for the optional extension rules. Variables: ``x[e]`` (pair e is used) and
``y[a]`` (team a is opened), plus per team ``z[a, q]`` (programme q present) and
``w[a, l]`` (level l present) where the rules need them. The objective
``U * n + sum (rank[e] - U) x[e]`` is the format's objective.

Rows: one team per student; ``sum x <= max_size * y`` and ``sum x >= min_size * y``;
``x[e] <= y[a]`` (tightens the relaxation); ``z[a, q] <= sum of x of programme q``,
``z[a, q] <= y[a]``, ``sum_q z[a, q] >= P * y[a]``; school share
``count(school) <= share * size``; no lone level ``count(l) >= w[a, l]``,
``count(l) <= max_size * w[a, l]``, ``count(l) >= 2 (w[a, l] + w[a, l'] - 1)``;
together ``x[i, a] = x[j, a]``; apart ``x[i, a] + x[j, a] <= 1``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.optimize import Bounds, LinearConstraint, milp

from knooppunt.communities.allocation import evaluate
from knooppunt.communities.allocation.instance import IntArray, Problem


@dataclass(frozen=True)
class MilpResult:
    pair_of: IntArray | None
    bound: float
    proven: bool


class _Rows:
    def __init__(self) -> None:
        self.rows: list[IntArray] = []
        self.cols: list[IntArray] = []
        self.vals: list[np.ndarray] = []
        self.lo: list[float] = []
        self.hi: list[float] = []

    def add(self, cols: IntArray, vals: np.ndarray, lo: float, hi: float) -> None:
        self.rows.append(np.full(len(cols), len(self.lo), np.int64))
        self.cols.append(np.asarray(cols, np.int64))
        self.vals.append(np.asarray(vals, np.float64))
        self.lo.append(lo)
        self.hi.append(hi)

    def constraint(self, n_var: int) -> LinearConstraint:
        matrix = sp.csr_matrix(
            (np.concatenate(self.vals), (np.concatenate(self.rows), np.concatenate(self.cols))),
            shape=(len(self.lo), n_var),
        )
        return LinearConstraint(matrix, np.asarray(self.lo), np.asarray(self.hi))


def solve_milp(problem: Problem, *, time_limit: float | None) -> MilpResult:
    """Solve the full model (``pair_of`` None when HiGHS found nothing in the time)."""
    p = problem
    n_pairs, m = p.team.size, p.m
    inf = np.inf
    rows = _Rows()
    # Variables: x (pairs), y (teams), then extra per-team indicators.
    n_var = n_pairs + m
    y0 = n_pairs
    costs: list[np.ndarray] = [
        p.rank.astype(np.float64) - float(p.unassigned_cost),
        np.zeros(m),
    ]

    def new_vars(count: int) -> int:
        nonlocal n_var
        first = n_var
        n_var += count
        costs.append(np.zeros(count))
        return first

    # One team per student.
    for s in range(p.n):
        lo, hi = int(p.ptr[s]), int(p.ptr[s + 1])
        if hi > lo:
            rows.add(np.arange(lo, hi), np.ones(hi - lo), -inf, 1)
    by_team = np.argsort(p.team, kind="stable")
    bounds_team = np.searchsorted(p.team[by_team], np.arange(m + 1))
    members_of = [by_team[bounds_team[a] : bounds_team[a + 1]] for a in range(m)]
    for a in range(m):
        pairs = members_of[a]
        k = pairs.size
        rows.add(np.append(pairs, y0 + a), np.append(np.ones(k), -float(p.max_size[a])), -inf, 0)
        if p.min_size[a] > 1:
            rows.add(np.append(pairs, y0 + a), np.append(np.ones(k), -float(p.min_size[a])), 0, inf)
    # x[e] <= y[a]
    e_all = np.arange(n_pairs)
    link = sp.csr_matrix(
        (
            np.concatenate([np.ones(n_pairs), -np.ones(n_pairs)]),
            (np.concatenate([e_all, e_all]), np.concatenate([e_all, y0 + p.team])),
        ),
        shape=(n_pairs, n_var),
    )
    if p.min_programmes > 1:
        for a in range(m):
            pairs = members_of[a]
            progs = p.programme[p.student[pairs]]
            present = np.unique(progs)
            first = new_vars(present.size)
            for k, q in enumerate(present.tolist()):
                mine = pairs[progs == q]
                rows.add(np.append(mine, first + k), np.append(-np.ones(mine.size), 1.0), -inf, 0)
                rows.add(np.array([first + k, y0 + a]), np.array([1.0, -1.0]), -inf, 0)
            cols = np.append(np.arange(first, first + present.size), y0 + a)
            vals = np.append(np.ones(present.size), -float(p.min_programmes))
            rows.add(cols, vals, 0, inf)
    if p.max_share_per_school is not None:
        share = p.max_share_per_school
        for a in range(m):
            pairs = members_of[a]
            schools = p.school[p.student[pairs]]
            for sigma in np.unique(schools).tolist():
                vals = np.where(schools == sigma, 1.0 - share, -share)
                rows.add(pairs, vals, -inf, 1e-9)
    if p.no_lone_level:
        for a in range(m):
            pairs = members_of[a]
            levels = p.level[p.student[pairs]]
            present = np.unique(levels)
            if present.size < 2:
                continue
            first = new_vars(present.size)
            for k, lv in enumerate(present.tolist()):
                mine = pairs[levels == lv]
                w = first + k
                rows.add(np.append(mine, w), np.append(np.ones(mine.size), -1.0), 0, inf)
                rows.add(
                    np.append(mine, w),
                    np.append(np.ones(mine.size), -float(min(p.max_size[a], mine.size))),
                    -inf,
                    0,
                )
            for k, lv in enumerate(present.tolist()):
                mine = pairs[levels == lv]
                for k2 in range(present.size):
                    if k2 != k:
                        # count(l) - 2 w[l] - 2 w[l'] >= -2
                        cols = np.concatenate([mine, [first + k, first + k2]])
                        vals = np.concatenate([np.ones(mine.size), [-2.0, -2.0]])
                        rows.add(cols, vals, -2, inf)
    if p.together or p.apart:
        pair_at = {
            (int(s), int(a)): e for e, (s, a) in enumerate(zip(p.student, p.team, strict=True))
        }
        for i, j in p.together:
            for a in set(p.team[p.ptr[i] : p.ptr[i + 1]].tolist()) | set(
                p.team[p.ptr[j] : p.ptr[j + 1]].tolist()
            ):
                ei, ej = pair_at.get((i, a)), pair_at.get((j, a))
                if ei is not None and ej is not None:
                    rows.add(np.array([ei, ej]), np.array([1.0, -1.0]), 0, 0)
                else:
                    only = ei if ei is not None else ej
                    rows.add(np.array([only]), np.array([1.0]), 0, 0)
        for i, j in p.apart:
            for a in set(p.team[p.ptr[i] : p.ptr[i + 1]].tolist()) & set(
                p.team[p.ptr[j] : p.ptr[j + 1]].tolist()
            ):
                rows.add(np.array([pair_at[(i, a)], pair_at[(j, a)]]), np.ones(2), -inf, 1)

    c = np.concatenate(costs)
    link = sp.hstack([link, sp.csr_matrix((n_pairs, n_var - link.shape[1]))]).tocsr()
    constraints = [LinearConstraint(link, -inf, 0)]
    if rows.lo:
        constraints.append(rows.constraint(n_var))
    options: dict[str, float | bool] = {"disp": False, "mip_rel_gap": 0.0}
    if time_limit is not None:
        options["time_limit"] = max(0.05, time_limit)
    res = milp(
        c,
        constraints=constraints,
        bounds=Bounds(0, 1),
        integrality=np.ones(n_var),
        options=options,
    )
    offset = float(p.unassigned_cost) * p.n
    raw_bound = getattr(res, "mip_dual_bound", None)
    bound = -inf if raw_bound is None or not np.isfinite(raw_bound) else float(raw_bound) + offset
    if res.x is None:
        return MilpResult(None, bound, False)
    chosen = np.flatnonzero(res.x[:n_pairs] > 0.5)
    pair_of = np.full(p.n, -1, np.int64)
    pair_of[p.student[chosen]] = chosen
    proven = res.status == 0
    if proven:
        bound = max(bound, evaluate.objective(p, pair_of))
    return MilpResult(pair_of, bound, proven)

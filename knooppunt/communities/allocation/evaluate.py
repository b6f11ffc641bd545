"""Objective and rule checks for an allocation, shared by both modes and by the tests.

An allocation is given as ``pair_of``: for each student the index of the chosen
(student, choice) pair in the `Problem`, or -1 when the student is unassigned.
"""

from __future__ import annotations

import numpy as np

from knooppunt.communities.allocation.instance import IntArray, Problem


def pairs_from_teams(problem: Problem, team_of: IntArray) -> IntArray:
    """``pair_of`` for a team per student (-1 = unassigned); ValueError if not a choice."""
    team_of = np.asarray(team_of, np.int64)
    match = problem.team == team_of[problem.student]
    pair_of = np.full(problem.n, -1, np.int64)
    pair_of[problem.student[match]] = np.flatnonzero(match)
    bad = np.flatnonzero((team_of >= 0) & (pair_of < 0))
    if bad.size:
        raise ValueError(f"student {int(bad[0])} is placed on an assignment they did not choose")
    return pair_of


def teams_of(problem: Problem, pair_of: IntArray) -> IntArray:
    """The team per student (-1 = unassigned)."""
    return _lookup(problem.team, pair_of)


def ranks_of(problem: Problem, pair_of: IntArray) -> IntArray:
    """The choice rank per student (0 = unassigned)."""
    return np.maximum(_lookup(problem.rank, pair_of), 0)


def _lookup(values: IntArray, pair_of: IntArray) -> IntArray:
    out = np.full(pair_of.shape, -1, np.int64)
    placed = pair_of >= 0
    out[placed] = values[pair_of[placed]]
    return out


def objective(problem: Problem, pair_of: IntArray) -> float:
    """Sum of choice ranks plus `unassigned_cost` per unassigned student."""
    placed = pair_of >= 0
    total = float(problem.rank[pair_of[placed]].sum()) + problem.unassigned_cost * float(
        problem.n - int(placed.sum())
    )
    return total


def team_sizes(problem: Problem, pair_of: IntArray) -> IntArray:
    placed = pair_of[pair_of >= 0]
    return np.bincount(problem.team[placed], minlength=problem.m).astype(np.int64)


def _distinct_per_team(problem: Problem, pair_of: IntArray, codes: IntArray) -> IntArray:
    placed = np.flatnonzero(pair_of >= 0)
    teams = problem.team[pair_of[placed]]
    combos = np.unique(teams * (int(codes.max(initial=0)) + 1) + codes[placed])
    return np.bincount(combos // (int(codes.max(initial=0)) + 1), minlength=problem.m).astype(
        np.int64
    )


def school_limit(problem: Problem, size: int) -> int:
    """Most students of one school an opened team of `size` may have (share rule)."""
    share = problem.max_share_per_school
    if share is None:
        return size
    return int(np.floor(share * size + 1e-9))


def violations(problem: Problem, pair_of: IntArray, *, stable_only: bool = False) -> list[str]:
    """Every broken rule, as text; empty when the allocation is feasible.

    With `stable_only`, only what stable mode promises: choices and capacities.
    """
    found: list[str] = []
    if pair_of.shape != (problem.n,):
        return ["the allocation does not have one entry per student"]
    placed = np.flatnonzero(pair_of >= 0)
    if placed.size and (
        np.any(pair_of[placed] >= problem.team.size)
        or np.any(problem.student[pair_of[placed]] != placed)
    ):
        return ["a student is placed on a pair that is not theirs"]
    sizes = team_sizes(problem, pair_of)
    for a in np.flatnonzero(sizes > problem.max_size):
        found.append(f"team {a} has {sizes[a]} students, more than max_size {problem.max_size[a]}")
    if stable_only:
        return found
    opened = sizes > 0
    for a in np.flatnonzero(opened & (sizes < problem.min_size)):
        found.append(f"team {a} has {sizes[a]} students, fewer than min_size {problem.min_size[a]}")
    if problem.min_programmes > 1:
        distinct = _distinct_per_team(problem, pair_of, problem.programme)
        for a in np.flatnonzero(opened & (distinct < problem.min_programmes)):
            found.append(f"team {a} has {distinct[a]} programmes")
    team_of = teams_of(problem, pair_of)
    if problem.max_share_per_school is not None and placed.size:
        combos = problem.team[pair_of[placed]] * problem.n_schools + problem.school[placed]
        values, counts = np.unique(combos, return_counts=True)
        for value, count in zip(values.tolist(), counts.tolist(), strict=True):
            a = value // problem.n_schools
            if count > school_limit(problem, int(sizes[a])):
                found.append(f"team {a} has {count} students of one school")
    if problem.no_lone_level and placed.size:
        combos = problem.team[pair_of[placed]] * problem.n_levels + problem.level[placed]
        values, counts = np.unique(combos, return_counts=True)
        levels = np.bincount(values // problem.n_levels, minlength=problem.m)
        for value, count in zip(values.tolist(), counts.tolist(), strict=True):
            a = value // problem.n_levels
            if count == 1 and levels[a] > 1:
                found.append(f"team {a} has a lone student of one level")
    for i, j in problem.together:
        if team_of[i] != team_of[j]:
            found.append(f"students {i} and {j} should be together")
    for i, j in problem.apart:
        if team_of[i] >= 0 and team_of[i] == team_of[j]:
            found.append(f"students {i} and {j} should be apart")
    return found

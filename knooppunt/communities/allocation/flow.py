"""Exact transportation (min-cost flow) with forced seats: the workhorse of optimal mode.

Students are sent to their choices (cost = rank) or left unassigned (cost
`unassigned_cost`), each team taking at most ``max_size``. On top of that a team may
have *forced seats*: seats that must be filled if at all possible, each by a student of
a given programme or by anyone. Filling forced seats comes first, cost second (a
forced seat is worth more than any difference in cost), so a team with forced seats
for programmes p and q is opened with at least one student of each, and a team with
``min_size`` forced seats has at least that many students, whenever possible.

Two exact methods, giving allocations of equal cost:

* **slots** (default): each team becomes ``min(max_size, demand)`` identical seats
  and the problem a sparse minimum-weight full bipartite matching of students to seats,
  solved by scipy's LAPJVsp (`min_weight_full_bipartite_matching`); a team that can
  take everyone who chose it never needs to turn anyone away, so it is folded into a
  private "best non-binding choice" column per student and costs no seats;
* **lp**: the same problem as a linear programme solved by HiGHS (dual simplex). The
  rows (one per student, one per team, one per forced group, nested inside their
  team) form a network matrix, so the basic optimum is integral. Used when the seat
  expansion would be too large (more than `SLOT_EDGE_LIMIT` edges).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.optimize import linprog
from scipy.sparse.csgraph import min_weight_full_bipartite_matching

from knooppunt.communities.allocation.instance import BoolArray, IntArray, Problem

SLOT_EDGE_LIMIT = 6_000_000


@dataclass(frozen=True)
class Forced:
    """Forced seats: seat f belongs to team ``team[f]`` and takes a student whose
    programme q has ``allowed[f, q]``. The seats of one team must have equal or
    disjoint sets of allowed programmes (what `optimal` makes: single programmes,
    "the others" and "anyone"), so the LP stays a network problem."""

    team: IntArray
    allowed: BoolArray

    @staticmethod
    def none(n_programmes: int) -> Forced:
        return Forced(np.zeros(0, np.int64), np.zeros((0, n_programmes), bool))


def _penalty(problem: Problem) -> float:
    """A forced seat is worth more than the whole cost range of any allocation."""
    top = max(float(problem.unassigned_cost), float(problem.rank.max(initial=1)), 1.0)
    return (problem.n + 1) * (top + 1)


def transport(
    problem: Problem,
    *,
    allowed: BoolArray | None = None,
    forced: Forced | None = None,
    method: str | None = None,
) -> IntArray:
    """``pair_of`` of a least-cost allocation using only `allowed` pairs (default: all)."""
    forced = forced or Forced.none(problem.n_programmes)
    usable = np.ones(problem.team.size, bool) if allowed is None else allowed.copy()
    # A pair costing more than leaving the student out is never used, unless a forced
    # seat may want it.
    usable &= (problem.rank <= problem.unassigned_cost) | np.isin(problem.team, forced.team)
    if method is None:
        method = "slots" if _slot_edges(problem, usable, forced) <= SLOT_EDGE_LIMIT else "lp"
    if problem.n == 0:
        return np.zeros(0, np.int64)
    if method == "slots":
        return _by_slots(problem, usable, forced)
    if method == "lp":
        return _by_lp(problem, usable, forced)
    raise ValueError(f"unknown method {method!r}")


def _seats(problem: Problem, usable: BoolArray, forced: Forced) -> tuple[IntArray, IntArray]:
    """(free seats per team, demand per team) for the seat expansion."""
    demand = np.bincount(problem.team[usable], minlength=problem.m)
    n_forced = np.bincount(forced.team, minlength=problem.m)
    free = np.maximum(problem.max_size - n_forced, 0)
    return np.minimum(free, demand), demand


def _slot_edges(problem: Problem, usable: BoolArray, forced: Forced) -> int:
    seats, demand = _seats(problem, usable, forced)
    binding = seats < demand
    binding |= np.bincount(forced.team, minlength=problem.m) > 0
    per_pair = np.where(binding[problem.team] & usable, seats[problem.team], 0)
    return int(per_pair.sum()) + problem.n + int(demand[forced.team].sum())


def _by_slots(problem: Problem, usable: BoolArray, forced: Forced) -> IntArray:
    n, m = problem.n, problem.m
    seats, demand = _seats(problem, usable, forced)
    n_forced = np.bincount(forced.team, minlength=m)
    # Teams with room for everyone who may choose them (and no forced seats) never bind.
    loose = (seats >= demand) & (n_forced == 0) & (problem.max_size >= demand)
    cost = problem.rank.astype(np.float64)
    penalty = _penalty(problem)
    # Every weight positive (scipy reads a zero as "no edge"); a small shift keeps LAPJVsp fast.
    shift = (penalty if forced.team.size else 0.0) + 1.0

    # Private column per student: the best loose choice, or staying unassigned.
    private_cost = np.full(n, float(problem.unassigned_cost))
    private_pair = np.full(n, -1, np.int64)
    loose_pairs = np.flatnonzero(usable & loose[problem.team])
    if loose_pairs.size:
        # Pairs are stored in order of preference, so the first loose pair is the best.
        order = loose_pairs[np.argsort(problem.student[loose_pairs], kind="stable")]
        first = np.ones(order.size, bool)
        first[1:] = problem.student[order[1:]] != problem.student[order[:-1]]
        best = order[first]
        better = cost[best] < private_cost[problem.student[best]]
        private_cost[problem.student[best[better]]] = cost[best[better]]
        private_pair[problem.student[best[better]]] = best[better]

    # Seats of binding teams.
    binding = ~loose
    seat_count = np.where(binding, seats, 0)
    seat_start = np.zeros(m + 1, np.int64)
    np.cumsum(seat_count, out=seat_start[1:])
    n_seats = int(seat_start[-1])
    pairs = np.flatnonzero(usable & binding[problem.team])
    reps = seat_count[problem.team[pairs]]
    edge_pair = np.repeat(pairs, reps)
    offsets = np.arange(int(reps.sum()), dtype=np.int64) - np.repeat(np.cumsum(reps) - reps, reps)
    edge_col = np.repeat(seat_start[problem.team[pairs]], reps) + offsets
    edge_w = cost[edge_pair] + shift

    # Forced seats: edges from the usable pairs of their team (and programme).
    f_rows: list[IntArray] = [edge_pair]
    f_cols: list[IntArray] = [edge_col]
    f_w: list[np.ndarray] = [edge_w]
    if forced.team.size:
        by_team = pairs[np.argsort(problem.team[pairs], kind="stable")]
        team_sorted = problem.team[by_team]
        for f, a in enumerate(forced.team.tolist()):
            lo, hi = np.searchsorted(team_sorted, [a, a + 1])
            cand = by_team[lo:hi]
            cand = cand[forced.allowed[f, problem.programme[problem.student[cand]]]]
            f_rows.append(cand)
            f_cols.append(np.full(cand.size, n_seats + f, np.int64))
            f_w.append(cost[cand] - penalty + shift)
    n_cols = n_seats + forced.team.size + n
    rows = np.concatenate([problem.student[np.concatenate(f_rows)], np.arange(n)])
    cols = np.concatenate([*f_cols, n_seats + forced.team.size + np.arange(n)])
    weights = np.concatenate([*f_w, private_cost + shift])
    graph = sp.csr_matrix((weights, (rows, cols)), shape=(n, n_cols))
    row_ind, col_ind = min_weight_full_bipartite_matching(graph)

    column_team = np.full(n_cols, -1, np.int64)
    column_team[:n_seats] = np.repeat(np.arange(m), seat_count)
    column_team[n_seats : n_seats + forced.team.size] = forced.team
    pair_of = np.full(n, -1, np.int64)
    chosen_team = column_team[col_ind]
    on_team = chosen_team >= 0
    pair_of[row_ind[on_team]] = _pair_index(problem, row_ind[on_team], chosen_team[on_team])
    private = ~on_team
    pair_of[row_ind[private]] = private_pair[row_ind[private]]
    return pair_of


def _pair_index(problem: Problem, students: IntArray, teams: IntArray) -> IntArray:
    """The pair index of (student, team) for students that chose that team."""
    keys = problem.student * problem.m + problem.team
    order = np.argsort(keys, kind="stable")
    found = order[np.searchsorted(keys[order], students * problem.m + teams)]
    return found


def _by_lp(problem: Problem, usable: BoolArray, forced: Forced) -> IntArray:
    n, m = problem.n, problem.m
    pairs = np.flatnonzero(usable)
    n_x = pairs.size
    # Forced groups: (team, set of programmes) with a count, plus the team total.
    everyone = (1 << problem.n_programmes) - 1
    groups: dict[tuple[int, int], int] = {}
    for f, a in enumerate(forced.team.tolist()):
        mask = sum(1 << q for q in np.flatnonzero(forced.allowed[f]).tolist())
        groups[(a, mask)] = groups.get((a, mask), 0) + 1
        groups.setdefault((a, everyone), 0)
    totals = np.bincount(forced.team, minlength=m)
    group_list = sorted(groups)
    g = len(group_list)
    n_var = n_x + n + g
    penalty = _penalty(problem)
    c = np.concatenate(
        [
            problem.rank[pairs].astype(np.float64),
            np.full(n, float(problem.unassigned_cost)),
            np.full(g, penalty),
        ]
    )
    a_eq = sp.csr_matrix(
        (
            np.ones(n_x + n),
            (np.concatenate([problem.student[pairs], np.arange(n)]), np.arange(n_x + n)),
        ),
        shape=(n, n_var),
    )
    rows = [problem.team[pairs]]
    cols = [np.arange(n_x)]
    vals = [np.ones(n_x)]
    rhs = [problem.max_size.astype(np.float64)]
    team_of_pair = problem.team[pairs]
    prog_of_pair = problem.programme[problem.student[pairs]]
    for k, (a, mask) in enumerate(group_list):
        in_set = np.array([bool(mask >> q & 1) for q in range(problem.n_programmes)], bool)
        members = np.flatnonzero((team_of_pair == a) & in_set[prog_of_pair])
        rows.append(np.full(members.size + 1, m + k, np.int64))
        cols.append(np.concatenate([members, [n_x + n + k]]))
        vals.append(-np.ones(members.size + 1))
        need = int(totals[a]) if mask == everyone else groups[(a, mask)]
        rhs.append(np.array([-float(need)]))
    a_ub = sp.csr_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
        shape=(m + g, n_var),
    )
    res = linprog(
        c,
        A_ub=a_ub,
        b_ub=np.concatenate(rhs),
        A_eq=a_eq,
        b_eq=np.ones(n),
        bounds=(0, None),
        method="highs-ds",
    )
    if res.status != 0:  # pragma: no cover - the all-unassigned point is always feasible
        raise RuntimeError(f"HiGHS could not solve the transportation problem: {res.message}")
    x = res.x[:n_x]
    chosen = x > 0.5
    pair_of = np.full(n, -1, np.int64)
    pair_of[problem.student[pairs[chosen]]] = pairs[chosen]
    return pair_of

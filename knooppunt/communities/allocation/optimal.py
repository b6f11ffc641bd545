"""Optimal mode: least objective under max_size, min_size and the programme rule.

Without mix rules (every ``min_size`` <= 1 and ``min_programmes_per_team`` <= 1) the
problem is a transportation problem and `flow.transport` solves it exactly.

With mix rules:

1. **Bound.** Teams that can never be opened legally (fewer students or programmes
   among those who chose them than the rules ask, or ``max_size`` below that) are
   closed; the exact flow over the rest ignores the mix rules, so its cost is a
   proven lower bound.
2. **Repair by forced seats.** Every opened team that breaks a rule gets forced seats
   (`flow.Forced`): for the rule of P programmes, one seat for each of P - 1
   programmes (those it already has most students of, then those whose students can
   join it most cheaply) and one for "any other programme"; then "anyone" seats up to
   ``min_size``. The flow is solved again with all forced seats so far, so it picks
   the cheapest newcomers and the cheapest chains of moves around them. A team whose
   forced seats cannot be filled is closed. Teams that keep the rules by a single
   student ("fragile") get seats for what they have at the same time, so the next
   solve cannot take that student away. This repeats until no team breaks a rule;
   each round gives a team seats or closes one that had them, so it ends (usually
   after 1-2 solves beyond the bound's).
3. **Exact when small.** With at most `EXACT_PAIRS` (student, choice) pairs, or when
   asked, HiGHS (`scipy.optimize.milp`) solves the full model within the time limit;
   its optimum (or its incumbent and dual bound) replaces the heuristic's when better.

The result is never worse than the stable allocation when that allocation keeps the
rules (it is one of the candidates), nor than leaving everyone unassigned.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from knooppunt.communities.allocation import evaluate
from knooppunt.communities.allocation.flow import Forced, transport
from knooppunt.communities.allocation.instance import BoolArray, IntArray, Problem

EXACT_PAIRS = 12_000  # run the MILP by default up to this many (student, choice) pairs
EXACT_SECONDS = 60.0  # ... for at most this long when no time limit is given


@dataclass(frozen=True)
class Outcome:
    pair_of: IntArray
    objective: float
    bound: float
    status: str  # "optimal", "feasible" or "infeasible"
    method: str


class Clock:
    def __init__(self, limit: float | None) -> None:
        self.start = time.perf_counter()
        self.limit = limit

    def left(self) -> float:
        if self.limit is None:
            return float("inf")
        return self.limit - (time.perf_counter() - self.start)

    def expired(self) -> bool:
        return self.left() <= 0


def impossible_teams(problem: Problem) -> BoolArray:
    """Teams that no legal allocation opens."""
    need = np.maximum(problem.min_size, problem.min_programmes if problem.min_programmes > 1 else 1)
    demand = np.bincount(problem.team, minlength=problem.m)
    closed = (problem.max_size < need) | (demand < need)
    if problem.min_programmes > 1:
        combos = np.unique(problem.team * problem.n_programmes + problem.programme[problem.student])
        distinct = np.bincount(combos // problem.n_programmes, minlength=problem.m)
        closed |= distinct < problem.min_programmes
    return closed


def broken_teams(problem: Problem, pair_of: IntArray) -> IntArray:
    """Opened teams that break min_size or the programme rule."""
    sizes = evaluate.team_sizes(problem, pair_of)
    bad = (sizes > 0) & (sizes < problem.min_size)
    if problem.min_programmes > 1:
        placed = np.flatnonzero(pair_of >= 0)
        teams = problem.team[pair_of[placed]]
        combos = np.unique(teams * problem.n_programmes + problem.programme[placed])
        distinct = np.bincount(combos // problem.n_programmes, minlength=problem.m)
        bad |= (sizes > 0) & (distinct < problem.min_programmes)
    return np.flatnonzero(bad)


def fragile_teams(problem: Problem, pair_of: IntArray) -> IntArray:
    """Opened teams that keep the rules, but would break one by losing one student."""
    sizes = evaluate.team_sizes(problem, pair_of)
    opened = sizes > 0
    weak = opened & (sizes == problem.min_size) & (problem.min_size > 1)
    if problem.min_programmes > 1:
        placed = np.flatnonzero(pair_of >= 0)
        teams = problem.team[pair_of[placed]]
        combos, counts = np.unique(
            teams * problem.n_programmes + problem.programme[placed], return_counts=True
        )
        owner = combos // problem.n_programmes
        distinct = np.bincount(owner, minlength=problem.m)
        lone = np.bincount(owner[counts == 1], minlength=problem.m) > 0
        weak |= opened & (distinct == problem.min_programmes) & lone
    return np.flatnonzero(weak)


class Repair:
    """Forced seats per team and closed teams, and the flow they give."""

    def __init__(
        self, problem: Problem, closed: BoolArray, method: str | None, *, protect: bool = True
    ) -> None:
        self.problem = problem
        self.closed = closed.copy()
        # team -> its forced seats, each a list of allowed programmes (None: anyone)
        self.seats: dict[int, list[list[int] | None]] = {}
        self.method = method
        self.protect = protect

    def forced(self) -> Forced:
        q_total = self.problem.n_programmes
        teams = [a for a in sorted(self.seats) for _ in self.seats[a]]
        allowed = np.zeros((len(teams), q_total), bool)
        f = 0
        for a in sorted(self.seats):
            for seat in self.seats[a]:
                if seat is None:
                    allowed[f] = True
                else:
                    allowed[f, seat] = True
                f += 1
        return Forced(np.asarray(teams, np.int64), allowed)

    def solve(self) -> IntArray:
        allowed = ~self.closed[self.problem.team]
        return transport(self.problem, allowed=allowed, forced=self.forced(), method=self.method)

    def seats_for(self, a: int, pair_of: IntArray) -> list[list[int] | None]:
        """Forced seats that make team `a` legal.

        For the programme rule with P programmes: a seat for each of the P - 1
        programmes it has most students of (topped up with the programmes whose students
        join most cheaply), and one seat for "any other programme", which the flow fills
        with the cheapest such student; then "anyone" seats up to ``min_size``.
        """
        p = self.problem
        need_programmes = p.min_programmes if p.min_programmes > 1 else 0
        total = max(int(p.min_size[a]), need_programmes)
        chosen: list[int] = []
        seats: list[list[int] | None] = []
        if need_programmes:
            members = np.flatnonzero(evaluate.teams_of(p, pair_of) == a)
            counts = np.bincount(p.programme[members], minlength=p.n_programmes)
            present = [q for q in np.argsort(-counts, kind="stable").tolist() if counts[q] > 0]
            chosen = present[: need_programmes - 1]
            if len(chosen) < need_programmes - 1:
                # Cheapest newcomer per programme: rank here minus what they pay now.
                pairs = np.flatnonzero((p.team == a) & ~self.closed[p.team])
                students = p.student[pairs]
                paid = evaluate.ranks_of(p, pair_of)[students]
                now = np.where(paid > 0, paid, p.unassigned_cost)
                delta = p.rank[pairs] - now
                best: dict[int, float] = {}
                for q, d in zip(p.programme[students].tolist(), delta.tolist(), strict=True):
                    if q not in chosen and d < best.get(q, float("inf")):
                        best[q] = d
                extra = sorted(best, key=lambda q: (best[q], q))
                chosen += extra[: need_programmes - 1 - len(chosen)]
            others = [q for q in range(p.n_programmes) if q not in chosen]
            seats = [[q] for q in chosen]
            seats.append(others)
        return seats + [None] * (total - len(seats))

    def run(self, clock: Clock, start: IntArray | None = None) -> IntArray:
        """Repair until no opened team breaks a rule (step 2)."""
        pair_of = self.solve() if start is None else start
        while not clock.expired():
            broken = broken_teams(self.problem, pair_of)
            if broken.size == 0:
                return pair_of
            for a in broken.tolist():
                if a in self.seats:
                    del self.seats[a]
                    self.closed[a] = True
                else:
                    seats = self.seats_for(a, pair_of)
                    if len(seats) > self.problem.max_size[a] or len(seats) < max(
                        1, self.problem.min_programmes if self.problem.min_programmes > 1 else 1
                    ):
                        self.closed[a] = True
                    else:
                        self.seats[a] = seats
            if self.protect:
                # Teams that keep the rules by one student could lose them to the next
                # solve; pin what they have now (fewer rounds, same seats otherwise).
                for a in fragile_teams(self.problem, pair_of).tolist():
                    if a not in self.seats:
                        self.seats[a] = self.seats_for(a, pair_of)
            pair_of = self.solve()
        raise TimeoutError


def empty_allocation(problem: Problem) -> IntArray:
    return np.full(problem.n, -1, np.int64)


def solve_optimal(
    problem: Problem,
    *,
    time_limit: float | None = None,
    seed: int = 0,
    stable: IntArray | None = None,
    exact: bool | None = None,
    flow_method: str | None = None,
) -> Outcome:
    """The optimal-mode allocation, with a proven lower bound and a status.

    `exact`: run the MILP (True), never (False), or when the instance is small or has
    extension rules (None). `stable`: the stable allocation, a candidate when legal.
    """
    del seed  # every step is deterministic; kept for the interface
    clock = Clock(time_limit)
    candidates: list[tuple[float, str, IntArray]] = []

    def consider(pair_of: IntArray, how: str) -> None:
        if not evaluate.violations(problem, pair_of):
            candidates.append((evaluate.objective(problem, pair_of), how, pair_of))

    consider(empty_allocation(problem), "empty")
    if stable is not None:
        consider(stable, "stable")

    closed = impossible_teams(problem) if problem.has_mix_rules else np.zeros(problem.m, bool)
    relaxed = transport(problem, allowed=~closed[problem.team], method=flow_method)
    # The flow over the teams that can open at all ignores the mix rules: a lower bound.
    bound = evaluate.objective(problem, relaxed)
    consider(relaxed, "flow")
    if problem.has_mix_rules and broken_teams(problem, relaxed).size:
        repair = Repair(problem, closed, flow_method)
        try:
            repaired = repair.run(clock, start=relaxed)
            consider(repaired, "repair")
        except TimeoutError:
            pass

    best_value = min(c[0] for c in candidates)
    capped = exact is None
    if exact is None:
        exact = problem.has_extensions or problem.team.size <= EXACT_PAIRS
    if exact and best_value > bound and not clock.expired():
        from knooppunt.communities.allocation.exact import solve_milp

        left = min(clock.left(), EXACT_SECONDS) if capped else clock.left()
        result = solve_milp(problem, time_limit=None if left == float("inf") else left)
        if result.pair_of is not None:
            consider(result.pair_of, "milp")
        bound = max(bound, result.bound)
    return _finish(problem, candidates, bound)


def _finish(
    problem: Problem,
    candidates: list[tuple[float, str, IntArray]],
    bound: float,
) -> Outcome:
    value, how, pair_of = min(candidates, key=lambda c: c[0])
    if problem.integral and np.isfinite(bound):
        bound = float(np.ceil(bound - 1e-6))
    bound = min(bound, value)
    status = "optimal" if value <= bound + 1e-9 else "feasible"
    return Outcome(pair_of=pair_of, objective=value, bound=bound, status=status, method=how)

"""Benchmark: the team allocator (`knooppunt allocate`) against peers on the same instances.

    uv run python bench/allocate.py [--quick] [--seed 1] [--repeat 3] [--only stable,flow,mix]

Instances (seeded, `generate`): n students, m = n / 10 assignments, six programmes;
every assignment belongs to a programme and has a popularity (Pareto tail), capacities
add up to about 1.1 n; each student ranks 5 distinct assignments, each drawn from
their own programme's assignments with probability 0.7 (else from all), weighted by
popularity; 10 % have priority 1, lotteries are a permutation.

Three questions, every speed a ratio to a peer run on the same instance in this run:

* **stable**: our deferred acceptance against a plain array-based deferred acceptance
  (written here), the `matching` package (Cardiff, `HospitalResident`) and `algmatch`
  (Glasgow, `HospitalResidentsProblem`), checking that all return the same allocation;
  the packages only where they finish in reasonable time (up to 5,000 students).
* **flow** (optimal mode, no mix rules): our exact flow against HiGHS through
  `scipy.optimize.milp` on the plain assignment model; the objectives must be equal.
* **mix** (optimal mode, at least 2 programmes per opened team): our default route
  against `scipy.optimize.milp` (HiGHS) on a straightforward model (x, y, z below);
  the gap of our objective to the MILP's proven optimum (or its bound) and the ratio.

Times: median of `--repeat` runs for ours and the plain DA, one run for the others
(they take seconds). Every solver starts from input already in memory in its own
form: ours and the plain DA from the compiled arrays (`Problem`; compiling a parsed
instance is timed on its own line), `matching` and `algmatch` from their
dictionaries (the time includes building their objects from them), the MILPs from
numpy arrays (the time includes building the sparse model).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.optimize import Bounds, LinearConstraint, milp

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _common import print_machine, print_table

from knooppunt.communities.allocation import (
    Instance,
    Problem,
    allocate_problem,
    compile_problem,
    evaluate,
    parse_instance,
)

# --- instances ----------------------------------------------------------------------------


def generate(
    n: int,
    m: int,
    seed: int,
    *,
    choices: int = 5,
    programmes: int = 6,
    own_share: float = 0.7,
    min_programmes: int = 1,
    min_size: int = 0,
    unassigned_cost: int = 100,
) -> dict[str, Any]:
    """A cohort in the JSON form of the allocation instance (see the module docstring)."""
    rng = np.random.default_rng(seed)
    team_programme = rng.integers(0, programmes, m)
    popularity = rng.pareto(1.5, m) + 1.0
    sizes = rng.integers(4, 15, m).astype(float)
    capacity = np.maximum(1, np.round(sizes * 1.1 * n / sizes.sum())).astype(int)
    student_programme = rng.integers(0, programmes, n)
    draws = 4 * choices
    picks = rng.choice(m, size=(n, draws), p=popularity / popularity.sum())
    own = rng.random((n, draws)) < own_share
    for p in range(programmes):
        pool = np.flatnonzero(team_programme == p)
        rows = np.flatnonzero(student_programme == p)
        if pool.size == 0 or rows.size == 0:
            continue
        weights = popularity[pool] / popularity[pool].sum()
        local = rng.choice(pool, size=(rows.size, draws), p=weights)
        picks[rows] = np.where(own[rows], local, picks[rows])
    lottery = rng.permutation(n)
    priority = rng.random(n) < 0.1
    school = rng.integers(0, 8, n)
    level = rng.random(n) < 0.4
    students = []
    for i in range(n):
        ranked = list(dict.fromkeys(picks[i].tolist()))[:choices]
        while len(ranked) < min(choices, m):
            extra = int(rng.integers(0, m))
            if extra not in ranked:
                ranked.append(extra)
        students.append(
            {
                "id": f"s{i}",
                "programme": f"P{student_programme[i]}",
                "school": f"S{school[i]}",
                "level": "mbo" if level[i] else "hbo",
                "choices": [f"a{j}" for j in ranked],
                "priority": int(priority[i]),
                "lottery": int(lottery[i]),
            }
        )
    assignments = [
        {"id": f"a{j}", "max_size": int(capacity[j]), "min_size": min_size} for j in range(m)
    ]
    return {
        "students": students,
        "assignments": assignments,
        "rules": {"min_programmes_per_team": min_programmes, "unassigned_cost": unassigned_cost},
    }


# --- timing helpers -----------------------------------------------------------------------


def timed(fn: Callable[[], Any], repeat: int = 1) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def ratio(peer: float, ours: float) -> str:
    return f"{peer / ours:.1f}x" if ours > 0 else "-"


# --- stable-mode peers --------------------------------------------------------------------


def assignment_rankings(problem: Problem) -> list[list[int]]:
    """For each assignment, the students who chose it, best first (by `Problem.key`)."""
    order = np.lexsort((problem.key, problem.team))
    teams = problem.team[order]
    bounds = np.searchsorted(teams, np.arange(problem.m + 1))
    students = problem.student[order]
    return [students[bounds[a] : bounds[a + 1]].tolist() for a in range(problem.m)]


def plain_deferred_acceptance(problem: Problem) -> list[int]:
    """Textbook student-proposing DA over arrays: a queue of free students, a rank
    table per assignment, each assignment's held students in a list (worst by scan)."""
    # rank_of[e]: place of pair e's student in its assignment's ranking (0 = best).
    order = np.lexsort((problem.key, problem.team))
    teams = problem.team[order]
    rank_of = np.empty(problem.team.size, np.int64)
    rank_of[order] = np.arange(order.size) - np.searchsorted(teams, teams)
    ptr = problem.ptr.tolist()
    team = problem.team.tolist()
    rank = rank_of.tolist()
    capacity = problem.max_size.tolist()
    held: list[list[int]] = [[] for _ in range(problem.m)]  # pairs held
    nxt = ptr[:-1]
    free = list(range(problem.n - 1, -1, -1))
    owner = problem.student.tolist()
    result = [-1] * problem.n
    while free:
        s = free.pop()
        if nxt[s] >= ptr[s + 1]:
            continue
        e = nxt[s]
        nxt[s] += 1
        a = team[e]
        group = held[a]
        if len(group) < capacity[a]:
            group.append(e)
            result[s] = a
            continue
        if not group:
            free.append(s)
            continue
        worst = max(range(len(group)), key=lambda i: rank[group[i]])
        if rank[group[worst]] > rank[e]:
            out = group[worst]
            group[worst] = e
            result[s] = a
            result[owner[out]] = -1
            free.append(owner[out])
        else:
            free.append(s)
    return result


def matching_input(problem: Problem) -> tuple[dict, dict, dict]:
    rankings = assignment_rankings(problem)
    residents = {
        f"s{s}": [f"a{a}" for a in problem.team[problem.ptr[s] : problem.ptr[s + 1]].tolist()]
        for s in range(problem.n)
    }
    hospitals = {f"a{a}": [f"s{s}" for s in rankings[a]] for a in range(problem.m)}
    capacities = {f"a{a}": int(problem.max_size[a]) for a in range(problem.m)}
    return residents, hospitals, capacities


def matching_package(problem: Problem, given: tuple[dict, dict, dict]) -> list[int]:
    from matching.games import HospitalResident

    residents, hospitals, capacities = given
    game = HospitalResident.create_from_dictionaries(residents, hospitals, capacities)
    solved = game.solve(optimal="resident")
    result = [-1] * problem.n
    for hospital, members in solved.items():
        for resident in members:
            result[int(resident.name[1:])] = int(hospital.name[1:])
    return result


def algmatch_input(problem: Problem) -> dict:
    rankings = assignment_rankings(problem)
    return {
        "residents": {
            s + 1: [a + 1 for a in problem.team[problem.ptr[s] : problem.ptr[s + 1]].tolist()]
            for s in range(problem.n)
        },
        "hospitals": {
            a + 1: {"capacity": int(problem.max_size[a]), "preferences": [s + 1 for s in r]}
            for a, r in enumerate(rankings)
        },
    }


def algmatch_package(problem: Problem, data: dict) -> list[int]:
    from algmatch import HospitalResidentsProblem

    solved = HospitalResidentsProblem(dictionary=data, optimised_side="residents")
    matching = solved.get_stable_matching()
    assert matching is not None
    result = [-1] * problem.n
    for resident, hospital in matching["resident_sided"].items():
        if hospital:
            result[int(resident[1:]) - 1] = int(hospital[1:]) - 1
    return result


# --- optimal-mode peers -------------------------------------------------------------------


def milp_model(problem: Problem, *, mix: bool) -> tuple[float, float, float, list[int] | None]:
    """HiGHS on the straightforward model; returns (objective, bound, seconds, teams).

    x[e] binary per (student, choice), u[s] per student (unassigned); with `mix`, also
    y[a] (opened) and z[a, q] (programme q present in a):
    sum_e x + u = 1; sum x <= max_size * y; sum x >= min_size * y;
    z[a, q] <= sum of x of programme q in a; sum_q z[a, q] >= P * y[a].
    """
    p = problem
    n, m, n_e = p.n, p.m, p.team.size
    n_q = p.n_programmes
    n_var = n_e + n + ((m + m * n_q) if mix else 0)
    c = np.concatenate([p.rank.astype(float), np.full(n, float(p.unassigned_cost))])
    c = np.concatenate([c, np.zeros(n_var - c.size)])

    def matrix(rows: np.ndarray, cols: np.ndarray, vals: np.ndarray, n_rows: int) -> sp.csr_matrix:
        return sp.csr_matrix((vals, (rows, cols)), shape=(n_rows, n_var))

    e = np.arange(n_e)
    one_each = matrix(
        np.concatenate([p.student, np.arange(n)]), np.arange(n_e + n), np.ones(n_e + n), n
    )
    constraints = [LinearConstraint(one_each, 1, 1)]
    if not mix:
        cap = matrix(p.team, e, np.ones(n_e), m)
        constraints.append(LinearConstraint(cap, 0, p.max_size))
    else:
        y = n_e + n + np.arange(m)
        z0 = n_e + n + m
        cap = matrix(
            np.concatenate([p.team, np.arange(m)]),
            np.concatenate([e, y]),
            np.concatenate([np.ones(n_e), -p.max_size.astype(float)]),
            m,
        )
        low = matrix(
            np.concatenate([p.team, np.arange(m)]),
            np.concatenate([e, y]),
            np.concatenate([np.ones(n_e), -p.min_size.astype(float)]),
            m,
        )
        zi = p.team * n_q + p.programme[p.student]
        zlink = matrix(
            np.concatenate([np.arange(m * n_q), zi]),
            np.concatenate([z0 + np.arange(m * n_q), e]),
            np.concatenate([np.ones(m * n_q), -np.ones(n_e)]),
            m * n_q,
        )
        enough = matrix(
            np.concatenate([np.repeat(np.arange(m), n_q), np.arange(m)]),
            np.concatenate([z0 + np.arange(m * n_q), y]),
            np.concatenate([np.ones(m * n_q), -np.full(m, float(p.min_programmes))]),
            m,
        )
        constraints += [
            LinearConstraint(cap, -np.inf, 0),
            LinearConstraint(low, 0, np.inf),
            LinearConstraint(zlink, -np.inf, 0),
            LinearConstraint(enough, 0, np.inf),
        ]
    started = time.perf_counter()
    res = milp(
        c,
        constraints=constraints,
        bounds=Bounds(0, 1),
        integrality=np.ones(n_var),
        options={"disp": False, "time_limit": 600},
    )
    seconds = time.perf_counter() - started
    bound = float(getattr(res, "mip_dual_bound", np.nan))
    if res.x is None:
        return float("nan"), bound, seconds, None
    chosen = np.flatnonzero(res.x[:n_e] > 0.5)
    teams = [-1] * n
    for pair in chosen.tolist():
        teams[int(p.student[pair])] = int(p.team[pair])
    return float(res.fun), bound, seconds, teams


# --- the three questions ------------------------------------------------------------------


def instance_for(n: int, seed: int, **kw: Any) -> tuple[Instance, Problem]:
    instance = parse_instance(generate(n, n // 10, seed, **kw))
    return instance, compile_problem(instance)


def bench_stable(sizes: list[int], seed: int, repeat: int, peers_up_to: int) -> None:
    rows = []
    for n in sizes:
        instance, problem = instance_for(n, seed)
        compile_s, _ = timed(lambda instance=instance: compile_problem(instance), repeat)
        ours_s, ours = timed(lambda problem=problem: allocate_problem(problem, "stable"), repeat)
        ours_teams = evaluate.teams_of(problem, ours.pair_of).tolist()
        assert evaluate.violations(problem, ours.pair_of, stable_only=True) == []
        plain_s, plain = timed(lambda problem=problem: plain_deferred_acceptance(problem), repeat)
        rows.append([n, n // 10, "knooppunt", f"{ours_s:.3f}", "1.0x", "-", int(ours.objective)])
        rows.append([n, n // 10, "(compiling the instance)", f"{compile_s:.3f}", "", "", ""])
        rows.append(
            [
                n,
                n // 10,
                "plain array DA",
                f"{plain_s:.3f}",
                ratio(plain_s, ours_s),
                plain == ours_teams,
                "-",
            ]
        )
        if n <= peers_up_to:
            old_limit = sys.getrecursionlimit()
            sys.setrecursionlimit(max(old_limit, 10 * n + 1000))  # `matching` recurses
            try:
                given = matching_input(problem)
                peer_s, peer = timed(
                    lambda problem=problem, given=given: matching_package(problem, given)
                )
            finally:
                sys.setrecursionlimit(old_limit)
            rows.append(
                [
                    n,
                    n // 10,
                    "matching (Cardiff)",
                    f"{peer_s:.3f}",
                    ratio(peer_s, ours_s),
                    peer == ours_teams,
                    "-",
                ]
            )
            data = algmatch_input(problem)
            peer_s, peer = timed(lambda problem=problem, data=data: algmatch_package(problem, data))
            rows.append(
                [
                    n,
                    n // 10,
                    "algmatch (Glasgow)",
                    f"{peer_s:.3f}",
                    ratio(peer_s, ours_s),
                    peer == ours_teams,
                    "-",
                ]
            )
    print("## Stable mode (student-optimal stable allocation)\n")
    print_table(
        [
            "students",
            "assignments",
            "solver",
            "seconds",
            "peer / ours",
            "same allocation",
            "objective",
        ],
        rows,
    )


def bench_flow(sizes: list[int], seed: int, repeat: int) -> None:
    rows = []
    for n in sizes:
        _, problem = instance_for(n, seed)
        ours_s, ours = timed(lambda problem=problem: allocate_problem(problem, "optimal"), repeat)
        assert evaluate.violations(problem, ours.pair_of) == []
        value, _bound, peer_s, _ = milp_model(problem, mix=False)
        rows.append(
            [
                n,
                n // 10,
                f"{ours_s:.3f}",
                ours.status,
                int(ours.objective),
                f"{peer_s:.3f}",
                f"{value:.0f}",
                ours.objective == value,
                ratio(peer_s, ours_s),
            ]
        )
    print("## Optimal mode without mix rules (exact)\n")
    print_table(
        [
            "students",
            "assignments",
            "ours s",
            "status",
            "ours objective",
            "milp s",
            "milp objective",
            "equal",
            "milp / ours",
        ],
        rows,
    )


def bench_mix(sizes: list[int], seed: int, repeat: int, min_size: int) -> None:
    rows = []
    for n in sizes:
        _, problem = instance_for(n, seed, min_programmes=2, min_size=min_size)
        ours_s, ours = timed(
            lambda problem=problem: allocate_problem(problem, "optimal", seed=seed), repeat
        )
        assert evaluate.violations(problem, ours.pair_of) == []
        stable = allocate_problem(problem, "stable")
        value, bound, peer_s, _ = milp_model(problem, mix=True)
        best_known = value if np.isfinite(value) else float("nan")
        gap = 100 * (ours.objective - best_known) / best_known
        own_gap = 100 * (ours.objective - (ours.bound or 0)) / ours.objective
        rows.append(
            [
                n,
                n // 10,
                min_size,
                f"{ours_s:.3f}",
                int(ours.objective),
                int(ours.bound or 0),
                f"{own_gap:.2f}%",
                f"{peer_s:.2f}",
                f"{value:.0f}",
                f"{bound:.0f}",
                f"{gap:+.2f}%",
                ratio(peer_s, ours_s),
                int(stable.objective),
            ]
        )
    print("## Optimal mode, at least 2 programmes per opened team\n")
    print_table(
        [
            "students",
            "assignments",
            "min_size",
            "ours s",
            "ours objective",
            "ours bound",
            "ours gap",
            "milp s",
            "milp objective",
            "milp bound",
            "ours vs milp",
            "milp / ours",
            "stable objective",
        ],
        rows,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="small sizes, for a trial")
    parser.add_argument("--only", default="stable,flow,mix")
    parser.add_argument(
        "--peers-up-to", type=int, default=5000, help="largest n for matching and algmatch"
    )
    args = parser.parse_args()
    print_machine()
    only = set(args.only.split(","))
    if args.quick:
        stable_sizes, opt_sizes = [500, 1000], [1000]
    else:
        stable_sizes, opt_sizes = [1000, 5000, 20000], [5000, 20000]
    if "stable" in only:
        bench_stable(stable_sizes, args.seed, args.repeat, args.peers_up_to)
    if "flow" in only:
        bench_flow(opt_sizes, args.seed, args.repeat)
    if "mix" in only:
        bench_mix(opt_sizes, args.seed, args.repeat, 0)
        bench_mix(opt_sizes[:1], args.seed, args.repeat, 3)


if __name__ == "__main__":
    main()

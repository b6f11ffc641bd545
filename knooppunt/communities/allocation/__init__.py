"""The team allocator of learning communities: a pure, typed module (no Django).

    instance = parse_instance(json.load(fh))     # InstanceError names the bad field
    result = allocate(instance, "stable" | "optimal", time_limit=None, seed=0)
    json.dumps(result_json(instance, result))

The instance and result are `shared/formats/allocation-instance.md` (version 1, plus
optional extensions documented in `instance`). Modes:

* ``stable``: the student-optimal stable allocation (`stable.deferred_acceptance`),
  capacities ``max_size``; min sizes, the programme rule and extensions are ignored.
* ``optimal``: least objective under every rule (`optimal.solve_optimal`), with a
  proven lower bound and a status.

Deterministic: the same instance and seed give the same result (a time limit that is
reached can cut a search short, and then the result depends on the machine).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from knooppunt.communities.allocation import evaluate
from knooppunt.communities.allocation.instance import (
    Assignment,
    Instance,
    InstanceError,
    IntArray,
    Problem,
    Rules,
    Student,
    compile_problem,
    parse_instance,
)
from knooppunt.communities.allocation.optimal import solve_optimal
from knooppunt.communities.allocation.stable import deferred_acceptance

__all__ = [
    "MODES",
    "Assignment",
    "Instance",
    "InstanceError",
    "Problem",
    "Result",
    "Rules",
    "Student",
    "allocate",
    "allocate_problem",
    "compile_problem",
    "parse_instance",
    "result_json",
]

MODES = ("stable", "optimal")


@dataclass(frozen=True)
class Result:
    """An allocation: ``pair_of[s]`` is student s's pair in the `Problem` (-1: none)."""

    mode: str
    problem: Problem
    pair_of: IntArray
    objective: float
    bound: float | None
    status: str
    seconds: float
    method: str

    @property
    def team_of(self) -> IntArray:
        return evaluate.teams_of(self.problem, self.pair_of)


def allocate_problem(
    problem: Problem, mode: str, *, time_limit: float | None = None, seed: int = 0
) -> Result:
    started = time.perf_counter()
    if mode == "stable":
        pair_of = deferred_acceptance(problem)
        value = evaluate.objective(problem, pair_of)
        return Result(
            mode,
            problem,
            pair_of,
            value,
            None,
            "optimal",
            time.perf_counter() - started,
            "deferred acceptance",
        )
    if mode == "optimal":
        stable = deferred_acceptance(problem) if problem.has_mix_rules else None
        outcome = solve_optimal(problem, time_limit=time_limit, seed=seed, stable=stable)
        return Result(
            mode,
            problem,
            outcome.pair_of,
            outcome.objective,
            outcome.bound,
            outcome.status,
            time.perf_counter() - started,
            outcome.method,
        )
    raise ValueError(f"mode must be one of {', '.join(MODES)}, not {mode!r}")


def allocate(
    instance: Instance, mode: str, *, time_limit: float | None = None, seed: int = 0
) -> Result:
    return allocate_problem(compile_problem(instance), mode, time_limit=time_limit, seed=seed)


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else round(float(value), 6)


def result_json(instance: Instance, result: Result) -> dict[str, Any]:
    """The result in the JSON form of the format (every student, null when unassigned)."""
    problem = result.problem
    team_of = result.team_of.tolist()
    ids = [a.id for a in instance.assignments]
    assignment = {
        s.id: (ids[t] if t >= 0 else None) for s, t in zip(instance.students, team_of, strict=True)
    }
    ranks = evaluate.ranks_of(problem, result.pair_of)
    return {
        "mode": result.mode,
        "assignment": assignment,
        "objective": _number(result.objective),
        "bound": None if result.bound is None else _number(result.bound),
        "status": result.status,
        "stats": {
            "students": problem.n,
            "assigned": int(np.count_nonzero(result.pair_of >= 0)),
            "first_choice": int(np.count_nonzero(ranks == 1)),
            "top3": int(np.count_nonzero((ranks >= 1) & (ranks <= 3))),
            "teams": int(np.count_nonzero(evaluate.team_sizes(problem, result.pair_of))),
            "seconds": round(result.seconds, 3),
        },
    }

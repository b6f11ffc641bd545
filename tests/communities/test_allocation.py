"""The team allocator: hand-worked instances, properties against brute force, parsing."""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from knooppunt.communities.allocation import (
    InstanceError,
    allocate,
    allocate_problem,
    compile_problem,
    evaluate,
    parse_instance,
    result_json,
)
from knooppunt.communities.allocation.flow import Forced, transport
from knooppunt.communities.allocation.optimal import solve_optimal
from tests.communities import brute


def run(data: dict[str, Any], mode: str, **kwargs: Any) -> dict[str, Any]:
    instance = parse_instance(data)
    return result_json(instance, allocate(instance, mode, **kwargs))


def student(sid: str, choices: list[str], **extra: Any) -> dict[str, Any]:
    return {"id": sid, "programme": "ICT", "choices": choices, **extra}


# --- hand-worked instances ----------------------------------------------------------------


def test_stable_follows_the_assignments_ranking_and_optimal_the_ranks() -> None:
    # Every team takes one student and ranks by lottery. Stable: a1 keeps s2 (lottery 1)
    # over s1 (2); s1 tries a2, which keeps s3 (0) over s1; s1 ends unassigned:
    # 100 + 1 + 1 = 102. Optimal: s2 -> a1 (1), s1 -> a2 (2), s3 -> a3 (2) = 5.
    data = {
        "students": [
            student("s1", ["a1", "a2"], lottery=2),
            student("s2", ["a1"], lottery=1),
            student("s3", ["a2", "a3"], lottery=0),
        ],
        "assignments": [
            {"id": "a1", "max_size": 1},
            {"id": "a2", "max_size": 1},
            {"id": "a3", "max_size": 1},
        ],
    }
    stable = run(data, "stable")
    assert stable["assignment"] == {"s1": None, "s2": "a1", "s3": "a2"}
    assert stable["objective"] == 102
    assert stable["mode"] == "stable"
    optimal = run(data, "optimal")
    assert optimal["assignment"] == {"s1": "a2", "s2": "a1", "s3": "a3"}
    assert optimal["objective"] == 5
    assert optimal["bound"] == 5
    assert optimal["status"] == "optimal"
    assert optimal["stats"] == {
        "students": 3,
        "assigned": 3,
        "first_choice": 1,
        "top3": 3,
        "teams": 3,
        "seconds": optimal["stats"]["seconds"],
    }


def test_priority_then_lottery_then_preferences() -> None:
    base = {
        "students": [
            student("s1", ["a"], lottery=1),
            student("s2", ["a"], lottery=2),
            student("s3", ["a"], lottery=3),
        ],
        "assignments": [{"id": "a", "max_size": 1}],
    }
    assert run(base, "stable")["assignment"] == {"s1": "a", "s2": None, "s3": None}
    continuing = copy.deepcopy(base)
    continuing["students"][2]["priority"] = 1  # continues a research line
    assert run(continuing, "stable")["assignment"] == {"s1": None, "s2": None, "s3": "a"}
    company = copy.deepcopy(continuing)
    company["assignments"][0]["preferences"] = ["s2"]  # the company's own ranking first
    assert run(company, "stable")["assignment"] == {"s1": None, "s2": "a", "s3": None}
    no_lottery = copy.deepcopy(base)
    for s in no_lottery["students"]:
        del s["lottery"]
    no_lottery["students"].reverse()  # default lottery: the position in the list
    assert run(no_lottery, "stable")["assignment"] == {"s3": "a", "s2": None, "s1": None}


def test_min_programmes_per_team() -> None:
    data = {
        "students": [
            {"id": "s1", "programme": "ICT", "choices": ["a1", "a2"]},
            {"id": "s2", "programme": "ICT", "choices": ["a1"]},
            {"id": "s3", "programme": "Zorg", "choices": ["a2", "a1"]},
        ],
        "assignments": [{"id": "a1", "max_size": 1}, {"id": "a2", "max_size": 2}],
        "rules": {"min_programmes_per_team": 2},
    }
    # Stable ignores the rule: s1 (a1), s3 (a2), s2 rejected by a1.
    assert run(data, "stable")["assignment"] == {"s1": "a1", "s2": None, "s3": "a2"}
    # a1 holds one student, so it can never have two programmes; a2 mixes s1 and s3.
    optimal = run(data, "optimal")
    assert optimal["assignment"] == {"s1": "a2", "s2": None, "s3": "a2"}
    assert optimal["objective"] == 2 + 100 + 1
    assert optimal["status"] == "optimal"
    assert optimal["stats"]["teams"] == 1


def test_min_size_closes_or_fills_a_team() -> None:
    data = {
        "students": [
            student("s1", ["big", "small"]),
            student("s2", ["small", "big"]),
            student("s3", ["small", "big"]),
        ],
        "assignments": [
            {"id": "big", "max_size": 3, "min_size": 3},
            {"id": "small", "max_size": 2, "min_size": 0},
        ],
    }
    # Without min_size: s1 big (1), s2 and s3 small (1 + 1) = 3. With min_size 3, big
    # cannot hold s1 alone: everyone in big costs 1 + 2 + 2 = 5; leaving big closed
    # costs at least 1 + 1 + 100 (small holds two).
    optimal = run(data, "optimal")
    assert optimal["objective"] == 5
    assert optimal["assignment"] == {"s1": "big", "s2": "big", "s3": "big"}
    data["assignments"][0]["min_size"] = 4  # can never open: small takes s2 and s3
    optimal = run(data, "optimal")
    assert optimal["objective"] == 100 + 1 + 1
    assert optimal["assignment"] == {"s1": None, "s2": "small", "s3": "small"}


def test_unassigned_cost_below_a_rank_leaves_a_student_out() -> None:
    data = {
        "students": [student("s1", ["a", "b", "c"])],
        "assignments": [
            {"id": "a", "max_size": 0},
            {"id": "b", "max_size": 0},
            {"id": "c", "max_size": 1},
        ],
        "rules": {"unassigned_cost": 2},
    }
    optimal = run(data, "optimal")
    assert optimal["assignment"] == {"s1": None}
    assert optimal["objective"] == 2
    stable = run(data, "stable")  # stable does not weigh costs: c is a choice with room
    assert stable["assignment"] == {"s1": "c"}
    assert stable["objective"] == 3


def test_every_student_is_in_the_result_and_empty_instances_work() -> None:
    data = {
        "students": [student("lonely", []), student("s2", ["a"])],
        "assignments": [{"id": "a", "max_size": 5}],
    }
    for mode in ("stable", "optimal"):
        out = run(data, mode)
        assert out["assignment"] == {"lonely": None, "s2": "a"}
        assert out["objective"] == 101
    empty = run({"students": [], "assignments": []}, "optimal")
    assert empty["assignment"] == {}
    assert empty["objective"] == 0
    assert empty["status"] == "optimal"


# --- properties on random tiny instances --------------------------------------------------

TEAMS = ["a0", "a1", "a2", "a3"]


@st.composite
def instances(draw: st.DrawFn, *, max_students: int = 5, extensions: bool = False) -> dict:
    m = draw(st.integers(1, 3 if extensions else 4))
    teams = TEAMS[:m]
    n = draw(st.integers(0, max_students))
    lottery = draw(st.permutations(range(n)))
    students = []
    for i in range(n):
        s = {
            "id": f"s{i}",
            "programme": draw(st.sampled_from("PQR")),
            "school": draw(st.sampled_from("XY")),
            "level": draw(st.sampled_from(["mbo", "hbo"])),
            "choices": draw(st.lists(st.sampled_from(teams), unique=True, max_size=3)),
            "priority": draw(st.integers(0, 1)),
        }
        if draw(st.booleans()):
            s["lottery"] = lottery[i]
        students.append(s)
    ids = [s["id"] for s in students]
    assignments = []
    for a in teams:
        row: dict[str, Any] = {
            "id": a,
            "max_size": draw(st.integers(0, 4)),
            "min_size": draw(st.integers(0, 3)),
        }
        if ids and draw(st.booleans()):
            row["preferences"] = draw(st.permutations(ids))[: draw(st.integers(0, n))]
        assignments.append(row)
    rules: dict[str, Any] = {
        "min_programmes_per_team": draw(st.integers(1, 3)),
        "unassigned_cost": draw(st.sampled_from([0, 1, 2, 3, 100])),
    }
    if extensions:
        if draw(st.booleans()):
            rules["max_share_per_school"] = draw(st.sampled_from([0.5, 0.75, 1.0]))
        rules["no_lone_level"] = draw(st.booleans())
        if n >= 2 and draw(st.booleans()):
            i, j = draw(st.permutations(range(n)))[:2]
            students[i]["together" if draw(st.booleans()) else "apart"] = [f"s{j}"]
    return {"students": students, "assignments": assignments, "rules": rules}


def as_dict(out: dict[str, Any]) -> brute.Alloc:
    return out["assignment"]


FEW = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FEW
@given(instances())
def test_stable_is_the_student_optimal_stable_allocation(data: dict) -> None:
    out = run(data, "stable")
    alloc = as_dict(out)
    assert list(alloc) == [s["id"] for s in data["students"]]
    for a in data["assignments"]:
        assert sum(1 for t in alloc.values() if t == a["id"]) <= a["max_size"]
    for s in data["students"]:
        assert alloc[s["id"]] is None or alloc[s["id"]] in s["choices"]
    assert brute.blocking_pairs(data, alloc) == []
    assert alloc == brute.student_optimal_stable(data)
    assert out["objective"] == brute.cost(data, alloc)


@FEW
@given(instances())
def test_optimal_is_legal_and_equals_brute_force(data: dict) -> None:
    out = run(data, "optimal")
    alloc = as_dict(out)
    assert brute.legal(data, alloc)
    assert out["objective"] == brute.cost(data, alloc)
    assert out["objective"] == brute.optimum(data)
    assert out["status"] == "optimal"
    assert out["bound"] == out["objective"]
    stable = as_dict(run(data, "stable"))
    if brute.legal(data, stable):
        assert out["objective"] <= brute.cost(data, stable)


@FEW
@given(instances(max_students=5, extensions=True))
def test_optimal_honours_the_extension_rules(data: dict) -> None:
    out = run(data, "optimal")
    assert brute.legal(data, as_dict(out))
    assert out["objective"] == brute.optimum(data)
    assert out["status"] == "optimal"


@settings(max_examples=60, deadline=None)
@given(instances(max_students=7), st.integers(0, 3))
def test_the_fast_route_is_legal_and_bounded(data: dict, seed: int) -> None:
    """Without the MILP: the forced-seat repair keeps every rule and the bound holds."""
    problem = compile_problem(parse_instance(data))
    stable = allocate_problem(problem, "stable").pair_of
    outcome = solve_optimal(problem, seed=seed, stable=stable, exact=False)
    assert evaluate.violations(problem, outcome.pair_of) == []
    assert outcome.bound <= outcome.objective
    assert outcome.objective == evaluate.objective(problem, outcome.pair_of)
    assert outcome.bound <= brute.optimum(data) <= outcome.objective
    if not evaluate.violations(problem, stable):
        assert outcome.objective <= evaluate.objective(problem, stable)


@settings(max_examples=60, deadline=None)
@given(instances(max_students=7), st.data())
def test_both_flow_methods_find_the_same_least_cost(data: dict, draw: st.DataObject) -> None:
    problem = compile_problem(parse_instance(data))
    forced = Forced.none(problem.n_programmes)
    if problem.m and problem.n_programmes and draw.draw(st.booleans()):
        # One forced seat for one programme on one team, one for anyone on it.
        a = draw.draw(st.integers(0, problem.m - 1))
        q = draw.draw(st.integers(0, problem.n_programmes - 1))
        if problem.max_size[a] >= 2 and q in problem.programme[problem.student[problem.team == a]]:
            allowed = np.zeros((2, problem.n_programmes), bool)
            allowed[0, q] = True
            allowed[1] = True
            forced = Forced(np.array([a, a]), allowed)
    slots = transport(problem, forced=forced, method="slots")
    lp = transport(problem, forced=forced, method="lp")
    assert evaluate.violations(problem, slots, stable_only=True) == []
    assert evaluate.violations(problem, lp, stable_only=True) == []
    assert evaluate.objective(problem, slots) == evaluate.objective(problem, lp)
    if not forced.team.size:
        assert evaluate.objective(problem, slots) == brute.optimum(
            {
                **data,
                "rules": {**data["rules"], "min_programmes_per_team": 1},
                "assignments": [{**a, "min_size": 0} for a in data["assignments"]],
            }
        )


@settings(max_examples=30, deadline=None)
@given(instances(max_students=7), st.integers(0, 1000))
def test_deterministic_for_a_seed(data: dict, seed: int) -> None:
    for mode in ("stable", "optimal"):
        first = run(data, mode, seed=seed)
        second = run(copy.deepcopy(data), mode, seed=seed)
        first["stats"].pop("seconds")
        second["stats"].pop("seconds")
        assert first == second


def test_a_medium_instance_keeps_every_rule_and_beats_stable() -> None:
    """A generated cohort (300 students, 30 assignments, 6 programmes) in both modes."""
    rng = np.random.default_rng(7)
    m, n = 30, 300
    team_programme = rng.integers(0, 6, m)
    data: dict[str, Any] = {
        "students": [],
        "assignments": [
            {"id": f"a{j}", "max_size": int(rng.integers(6, 16)), "min_size": 3} for j in range(m)
        ],
        "rules": {"min_programmes_per_team": 2, "unassigned_cost": 100},
    }
    for i in range(n):
        p = int(rng.integers(0, 6))
        own = np.flatnonzero(team_programme == p)
        pool = own if own.size >= 5 and rng.random() < 0.7 else np.arange(m)
        choices = rng.choice(pool, 5, replace=False)
        data["students"].append(
            {"id": f"s{i}", "programme": f"P{p}", "choices": [f"a{c}" for c in choices]}
        )
    instance = parse_instance(data)
    problem = compile_problem(instance)
    stable = allocate(instance, "stable")
    optimal = allocate(instance, "optimal", seed=1)
    assert evaluate.violations(problem, stable.pair_of, stable_only=True) == []
    assert evaluate.violations(problem, optimal.pair_of) == []
    assert optimal.bound is not None and optimal.bound <= optimal.objective
    assert optimal.objective <= stable.objective
    fast = solve_optimal(problem, exact=False)
    assert evaluate.violations(problem, fast.pair_of) == []
    assert fast.bound <= optimal.objective <= fast.objective
    assert fast.objective <= 1.005 * optimal.objective


# --- bad input ----------------------------------------------------------------------------

GOOD: dict[str, Any] = {
    "students": [
        {"id": "s1", "programme": "ICT", "choices": ["a1", "a2"], "priority": 0, "lottery": 1},
        {"id": "s2", "programme": "Zorg", "choices": ["a2"], "lottery": 2},
    ],
    "assignments": [
        {"id": "a1", "max_size": 2, "min_size": 0, "preferences": ["s2", "s1"]},
        {"id": "a2", "max_size": 1},
    ],
    "rules": {"min_programmes_per_team": 1, "unassigned_cost": 100},
}


def broken(change: Any) -> dict[str, Any]:
    data = copy.deepcopy(GOOD)
    change(data)
    return data


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (broken(lambda d: d["students"][0]["choices"].append("zz")), "students[0].choices[2]"),
        (broken(lambda d: d["students"][0]["choices"].append("a1")), "students[0].choices[2]"),
        (broken(lambda d: d["students"][1].update(id="s1")), "students[1].id"),
        (broken(lambda d: d["assignments"][1].update(id="a1")), "assignments[1].id"),
        (broken(lambda d: d["assignments"][0].update(max_size="2")), "assignments[0].max_size"),
        (broken(lambda d: d["assignments"][0].update(max_size=-1)), "assignments[0].max_size"),
        (broken(lambda d: d["assignments"][0].update(max_size=2.5)), "assignments[0].max_size"),
        (broken(lambda d: d["assignments"][0].pop("max_size")), "assignments[0].max_size"),
        (broken(lambda d: d["assignments"][1].update(min_size=True)), "assignments[1].min_size"),
        (
            broken(lambda d: d["assignments"][0]["preferences"].append("s9")),
            "assignments[0].preferences[2]",
        ),
        (
            broken(lambda d: d["assignments"][0]["preferences"].append("s2")),
            "assignments[0].preferences[2]",
        ),
        (broken(lambda d: d["students"][1].update(lottery=1)), "students[1].lottery"),
        (broken(lambda d: d["students"][0].update(priority="high")), "students[0].priority"),
        (broken(lambda d: d["students"][0].update(choices="a1")), "students[0].choices"),
        (broken(lambda d: d["students"][0].update(id=7)), "students[0].id"),
        (broken(lambda d: d["students"][0].update(programme=None)), "students[0].programme"),
        (broken(lambda d: d.update(students={})), "students"),
        (broken(lambda d: d.pop("assignments")), "assignments"),
        (broken(lambda d: d["students"].append("s3")), "students[2]"),
        (broken(lambda d: d["rules"].update(unassigned_cost="100")), "rules.unassigned_cost"),
        (broken(lambda d: d["rules"].update(unassigned_cost=-1)), "rules.unassigned_cost"),
        (
            broken(lambda d: d["rules"].update(min_programmes_per_team=1.5)),
            "rules.min_programmes_per_team",
        ),
        (broken(lambda d: d["rules"].update(max_share_per_school=0)), "rules.max_share_per_school"),
        (broken(lambda d: d["students"][0].update(together=["s1"])), "students[0].together"),
        (broken(lambda d: d["students"][0].update(apart=["nobody"])), "students[0].apart[0]"),
        ([], "instance"),
    ],
)
def test_bad_input_names_the_field(data: Any, field: str) -> None:
    with pytest.raises(InstanceError) as caught:
        parse_instance(data)
    assert caught.value.field == field
    assert str(caught.value).startswith(field + ":")


def test_good_input_and_unknown_keys_are_accepted() -> None:
    data = copy.deepcopy(GOOD)
    data["version"] = 1
    data["students"][0]["note"] = "ignored"
    instance = parse_instance(data)
    assert [s.id for s in instance.students] == ["s1", "s2"]
    assert instance.assignments[0].preferences == ("s2", "s1")


def test_a_tiny_time_limit_still_gives_a_legal_allocation_and_a_bound() -> None:
    rng = np.random.default_rng(3)
    data: dict[str, Any] = {
        "students": [
            {
                "id": f"s{i}",
                "programme": f"P{rng.integers(0, 3)}",
                "choices": [f"a{c}" for c in rng.choice(20, 4, replace=False)],
            }
            for i in range(200)
        ],
        "assignments": [{"id": f"a{j}", "max_size": 12, "min_size": 4} for j in range(20)],
        "rules": {"min_programmes_per_team": 3},
    }
    instance = parse_instance(data)
    problem = compile_problem(instance)
    result = allocate(instance, "optimal", time_limit=1e-6)
    assert result.status in {"optimal", "feasible"}
    assert evaluate.violations(problem, result.pair_of) == []
    assert result.bound is not None and result.bound <= result.objective
    full = allocate(instance, "optimal")
    assert full.status == "optimal"
    assert result.bound <= full.objective <= result.objective

"""Independent reference implementations for the allocator tests: plain Python over the
JSON form of an instance, written from the format's text, sharing no code with
`knooppunt.communities.allocation`. Exponential; only for tiny instances."""

from __future__ import annotations

import itertools
import math
from typing import Any

Alloc = dict[str, str | None]


def assignment_order(instance: dict[str, Any], assignment: dict[str, Any]) -> list[str]:
    """How an assignment ranks all students, best first."""
    students = instance["students"]
    position = {s["id"]: i for i, s in enumerate(students)}

    def default(s: dict[str, Any]) -> tuple[int, int, int]:
        lottery = s.get("lottery", position[s["id"]])
        return (-s.get("priority", 0), lottery, position[s["id"]])

    listed = list(assignment.get("preferences") or [])
    rest = sorted((s for s in students if s["id"] not in listed), key=default)
    return listed + [s["id"] for s in rest]


def cost(instance: dict[str, Any], alloc: Alloc) -> float:
    unassigned = instance.get("rules", {}).get("unassigned_cost", 100)
    total: float = 0
    for s in instance["students"]:
        team = alloc[s["id"]]
        total += unassigned if team is None else s["choices"].index(team) + 1
    return total


def blocking_pairs(instance: dict[str, Any], alloc: Alloc) -> list[tuple[str, str]]:
    found = []
    for a in instance["assignments"]:
        order = assignment_order(instance, a)
        members = [sid for sid, team in alloc.items() if team == a["id"]]
        worst = max((order.index(t) for t in members), default=-1)
        for s in instance["students"]:
            if a["id"] not in s["choices"] or alloc[s["id"]] == a["id"]:
                continue
            current = alloc[s["id"]]
            wants = current is None or s["choices"].index(a["id"]) < s["choices"].index(current)
            room = len(members) < a["max_size"]
            takes = room or (members and order.index(s["id"]) < worst)
            if wants and takes:
                found.append((s["id"], a["id"]))
    return found


def all_allocations(instance: dict[str, Any]) -> list[Alloc]:
    """Every allocation that respects choices and max_size."""
    students = instance["students"]
    capacity = {a["id"]: a["max_size"] for a in instance["assignments"]}
    options = [[None, *s["choices"]] for s in students]
    result = []
    for combo in itertools.product(*options):
        counts: dict[str, int] = {}
        for team in combo:
            if team is not None:
                counts[team] = counts.get(team, 0) + 1
        if all(counts[t] <= capacity[t] for t in counts):
            result.append({s["id"]: t for s, t in zip(students, combo, strict=True)})
    return result


def legal(instance: dict[str, Any], alloc: Alloc) -> bool:
    """The optimal-mode rules, from the format's text (and the documented extensions)."""
    rules = instance.get("rules", {})
    by_id = {s["id"]: s for s in instance["students"]}
    for a in instance["assignments"]:
        members = [by_id[sid] for sid, team in alloc.items() if team == a["id"]]
        if not members:
            continue
        if len(members) > a["max_size"] or len(members) < a.get("min_size", 0):
            return False
        programmes = {s.get("programme", "") for s in members}
        if len(programmes) < rules.get("min_programmes_per_team", 1):
            return False
        share = rules.get("max_share_per_school")
        if share is not None:
            for school in {s.get("school", "") for s in members}:
                count = sum(1 for s in members if s.get("school", "") == school)
                if count > share * len(members) + 1e-9:
                    return False
        if rules.get("no_lone_level"):
            levels = [s.get("level", "") for s in members]
            if len(set(levels)) > 1 and any(levels.count(lv) == 1 for lv in levels):
                return False
    for s in instance["students"]:
        for other in s.get("together", []):
            if alloc[s["id"]] != alloc[other]:
                return False
        for other in s.get("apart", []):
            if alloc[s["id"]] is not None and alloc[s["id"]] == alloc[other]:
                return False
    return True


def optimum(instance: dict[str, Any]) -> float:
    best = math.inf
    for alloc in all_allocations(instance):
        if legal(instance, alloc):
            best = min(best, cost(instance, alloc))
    return best


def student_optimal_stable(instance: dict[str, Any]) -> Alloc:
    """The stable allocation every student likes at least as well as any other stable one."""
    stable = [a for a in all_allocations(instance) if not blocking_pairs(instance, a)]
    assert stable, "a stable allocation always exists"

    def rank(s: dict[str, Any], team: str | None) -> int:
        return len(s["choices"]) if team is None else s["choices"].index(team)

    for candidate in stable:
        if all(
            rank(s, candidate[s["id"]]) <= rank(s, other[s["id"]])
            for other in stable
            for s in instance["students"]
        ):
            return candidate
    raise AssertionError("no student-optimal stable allocation")

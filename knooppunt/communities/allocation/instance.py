"""The allocation instance: typed records, validation of the JSON form, compiled arrays.

The JSON form is `shared/formats/allocation-instance.md` (version 1). `parse_instance`
turns a decoded JSON document into an `Instance` or raises `InstanceError` naming the
first bad field (`students[3].choices[1]`); `compile_problem` turns an `Instance` into a
`Problem`: flat numpy arrays that the algorithms work on.

Optional extensions (not in version 1; a version-1 instance stays valid without them):

* ``rules.max_share_per_school`` (number in (0, 1]): at most this share of an opened
  team comes from one school (so 0.5 asks for at least two schools in every team);
* ``rules.no_lone_level`` (bool): an opened team with students of more than one level
  has at least two students of each level it has;
* ``students[].together`` / ``students[].apart`` (lists of student ids): these students
  are placed in the same team (or all left unassigned) / never in the same team.

The extensions are honoured by optimal mode; stable mode ignores them like it ignores
``min_size`` and the programme rule.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


class InstanceError(ValueError):
    """Bad input; `field` names where (e.g. ``students[3].choices[1]``)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True, slots=True)
class Student:
    id: str
    programme: str = ""
    school: str = ""
    level: str = ""
    choices: tuple[str, ...] = ()
    priority: int = 0
    lottery: int | None = None
    together: tuple[str, ...] = ()
    apart: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Assignment:
    id: str
    max_size: int
    min_size: int = 0
    preferences: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class Rules:
    min_programmes_per_team: int = 1
    unassigned_cost: float = 100
    max_share_per_school: float | None = None
    no_lone_level: bool = False


@dataclass(frozen=True, slots=True)
class Instance:
    students: tuple[Student, ...]
    assignments: tuple[Assignment, ...]
    rules: Rules = field(default_factory=Rules)


# --- parsing ------------------------------------------------------------------------------


def _int(value: Any, where: str, *, minimum: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InstanceError(where, f"must be an integer, not {value!r}")
    if minimum is not None and value < minimum:
        raise InstanceError(where, f"must be at least {minimum}, not {value}")
    return value


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InstanceError(where, f"must be a finite number, not {value!r}")
    return value


def _text(value: Any, where: str, *, empty: bool = True) -> str:
    if not isinstance(value, str):
        raise InstanceError(where, f"must be a string, not {value!r}")
    if not empty and not value:
        raise InstanceError(where, "must not be empty")
    return value


def _object(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise InstanceError(where, "must be an object")
    return value


def _list(value: Any, where: str) -> Sequence[Any]:
    if not isinstance(value, list | tuple):
        raise InstanceError(where, "must be a list")
    return value


def _ids(value: Any, where: str, known: Mapping[str, int], what: str) -> tuple[str, ...]:
    items = _list(value, where)
    seen: set[str] = set()
    for i, item in enumerate(items):
        key = _text(item, f"{where}[{i}]")
        if key not in known:
            raise InstanceError(f"{where}[{i}]", f"unknown {what} id {key!r}")
        if key in seen:
            raise InstanceError(f"{where}[{i}]", f"{key!r} is listed twice")
        seen.add(key)
    return tuple(items)


def parse_instance(data: Any) -> Instance:
    """Validate a decoded JSON instance; raise `InstanceError` on the first bad field."""
    root = _object(data, "instance")
    raw_students = _list(root.get("students"), "students")
    raw_assignments = _list(root.get("assignments"), "assignments")
    raw_rules = _object(root.get("rules", {}) or {}, "rules")

    assignment_index: dict[str, int] = {}
    for j, raw in enumerate(raw_assignments):
        obj = _object(raw, f"assignments[{j}]")
        key = _text(obj.get("id"), f"assignments[{j}].id", empty=False)
        if key in assignment_index:
            raise InstanceError(f"assignments[{j}].id", f"duplicate assignment id {key!r}")
        assignment_index[key] = j
    student_index: dict[str, int] = {}
    for i, raw in enumerate(raw_students):
        obj = _object(raw, f"students[{i}]")
        key = _text(obj.get("id"), f"students[{i}].id", empty=False)
        if key in student_index:
            raise InstanceError(f"students[{i}].id", f"duplicate student id {key!r}")
        student_index[key] = i

    students = []
    lotteries: dict[int, int] = {}
    for i, raw in enumerate(raw_students):
        where = f"students[{i}]"
        choices = _ids(raw.get("choices", []), f"{where}.choices", assignment_index, "assignment")
        lottery = raw.get("lottery")
        if lottery is not None:
            lottery = _int(lottery, f"{where}.lottery")
            if lottery in lotteries:
                raise InstanceError(
                    f"{where}.lottery",
                    f"lottery number {lottery} is also that of students[{lotteries[lottery]}]",
                )
            lotteries[lottery] = i
        together = _ids(raw.get("together", []), f"{where}.together", student_index, "student")
        apart = _ids(raw.get("apart", []), f"{where}.apart", student_index, "student")
        own = raw["id"]
        for name, group in (("together", together), ("apart", apart)):
            if own in group:
                raise InstanceError(f"{where}.{name}", "a student cannot name themselves")
        students.append(
            Student(
                id=raw["id"],
                programme=_text(raw.get("programme", ""), f"{where}.programme"),
                school=_text(raw.get("school", ""), f"{where}.school"),
                level=_text(raw.get("level", ""), f"{where}.level"),
                choices=choices,
                priority=_int(raw.get("priority", 0), f"{where}.priority"),
                lottery=lottery,
                together=together,
                apart=apart,
            )
        )

    assignments = []
    for j, raw in enumerate(raw_assignments):
        where = f"assignments[{j}]"
        if "max_size" not in raw:
            raise InstanceError(f"{where}.max_size", "is required")
        preferences = raw.get("preferences")
        if preferences is not None:
            preferences = _ids(preferences, f"{where}.preferences", student_index, "student")
        assignments.append(
            Assignment(
                id=raw["id"],
                max_size=_int(raw["max_size"], f"{where}.max_size", minimum=0),
                min_size=_int(raw.get("min_size", 0), f"{where}.min_size", minimum=0),
                preferences=preferences,
            )
        )

    share = raw_rules.get("max_share_per_school")
    if share is not None:
        share = _number(share, "rules.max_share_per_school")
        if not 0 < share <= 1:
            raise InstanceError("rules.max_share_per_school", "must be in (0, 1]")
    no_lone = raw_rules.get("no_lone_level", False)
    if not isinstance(no_lone, bool):
        raise InstanceError("rules.no_lone_level", f"must be true or false, not {no_lone!r}")
    cost = _number(raw_rules.get("unassigned_cost", 100), "rules.unassigned_cost")
    if cost < 0:
        raise InstanceError("rules.unassigned_cost", "must not be negative")
    rules = Rules(
        min_programmes_per_team=_int(
            raw_rules.get("min_programmes_per_team", 1), "rules.min_programmes_per_team", minimum=0
        ),
        unassigned_cost=int(cost) if float(cost).is_integer() else cost,
        max_share_per_school=share,
        no_lone_level=no_lone,
    )
    return Instance(students=tuple(students), assignments=tuple(assignments), rules=rules)


# --- compiled arrays ----------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Problem:
    """An instance as arrays. Students 0..n-1, assignments ("teams") 0..m-1.

    The (student, choice) pairs are stored student by student: the pairs of student s are
    ``ptr[s]:ptr[s + 1]``, in the student's order of preference; ``team[e]`` is the
    assignment of pair e, ``rank[e]`` its rank (1 = first choice) and ``key[e]`` the place
    of the student in that assignment's ranking (lower is better; unique per assignment).
    """

    n: int
    m: int
    ptr: IntArray
    student: IntArray
    team: IntArray
    rank: IntArray
    key: IntArray
    max_size: IntArray
    min_size: IntArray
    programme: IntArray
    n_programmes: int
    min_programmes: int
    unassigned_cost: float
    school: IntArray
    n_schools: int
    level: IntArray
    n_levels: int
    max_share_per_school: float | None
    no_lone_level: bool
    together: tuple[tuple[int, int], ...]
    apart: tuple[tuple[int, int], ...]

    @property
    def integral(self) -> bool:
        return float(self.unassigned_cost).is_integer()

    @property
    def has_mix_rules(self) -> bool:
        """Rules beyond capacities: min sizes, the programme rule or an extension."""
        return self.min_programmes > 1 or bool(np.any(self.min_size > 1)) or self.has_extensions

    @property
    def has_extensions(self) -> bool:
        return (
            self.max_share_per_school is not None
            or self.no_lone_level
            or bool(self.together)
            or bool(self.apart)
        )

    def pair_cost(self) -> npt.NDArray[np.float64]:
        return self.rank.astype(np.float64)


def _codes(values: Sequence[str]) -> tuple[IntArray, int]:
    table: dict[str, int] = {}
    codes = np.fromiter((table.setdefault(v, len(table)) for v in values), np.int64, len(values))
    return codes, len(table)


def compile_problem(instance: Instance) -> Problem:
    students, assignments = instance.students, instance.assignments
    n, m = len(students), len(assignments)
    team_index = {a.id: j for j, a in enumerate(assignments)}
    student_index = {s.id: i for i, s in enumerate(students)}

    lengths = np.fromiter((len(s.choices) for s in students), np.int64, n)
    ptr = np.zeros(n + 1, np.int64)
    np.cumsum(lengths, out=ptr[1:])
    e_total = int(ptr[-1])
    team = np.fromiter((team_index[c] for s in students for c in s.choices), np.int64, e_total)
    student = np.repeat(np.arange(n, dtype=np.int64), lengths)
    rank = np.arange(e_total, dtype=np.int64) - ptr[student] + 1

    # The default ranking of students: priority descending, then lottery ascending (the
    # position in the list when a student has no lottery number), then position.
    priority = np.fromiter((s.priority for s in students), np.int64, n)
    lottery = np.fromiter(
        (i if s.lottery is None else s.lottery for i, s in enumerate(students)), np.int64, n
    )
    order = np.lexsort((np.arange(n), lottery, -priority))
    base = np.empty(n, np.int64)
    base[order] = np.arange(n)
    # An assignment's own preferences come first; the students it does not list follow.
    listed = np.full(e_total, -1, np.int64)
    prefs_len = np.zeros(m, np.int64)
    if any(a.preferences for a in assignments):
        place: dict[tuple[int, int], int] = {}
        for j, a in enumerate(assignments):
            if a.preferences:
                prefs_len[j] = len(a.preferences)
                for pos, sid in enumerate(a.preferences):
                    place[(student_index[sid], j)] = pos
        for e in range(e_total):
            found = place.get((int(student[e]), int(team[e])))
            if found is not None:
                listed[e] = found
    key = np.where(listed >= 0, listed, prefs_len[team] + base[student])

    programme, n_programmes = _codes([s.programme for s in students])
    school, n_schools = _codes([s.school for s in students])
    level, n_levels = _codes([s.level for s in students])
    together = sorted(
        {
            (min(i, student_index[o]), max(i, student_index[o]))
            for i, s in enumerate(students)
            for o in s.together
        }
    )
    apart = sorted(
        {
            (min(i, student_index[o]), max(i, student_index[o]))
            for i, s in enumerate(students)
            for o in s.apart
        }
    )
    rules = instance.rules
    return Problem(
        n=n,
        m=m,
        ptr=ptr,
        student=student,
        team=team,
        rank=rank,
        key=key,
        max_size=np.fromiter((a.max_size for a in assignments), np.int64, m),
        min_size=np.fromiter((a.min_size for a in assignments), np.int64, m),
        programme=programme,
        n_programmes=n_programmes,
        min_programmes=max(1, rules.min_programmes_per_team),
        unassigned_cost=rules.unassigned_cost,
        school=school,
        n_schools=n_schools,
        level=level,
        n_levels=n_levels,
        max_share_per_school=rules.max_share_per_school,
        no_lone_level=rules.no_lone_level,
        together=tuple(together),
        apart=tuple(apart),
    )

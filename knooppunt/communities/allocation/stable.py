"""Stable mode: student-proposing deferred acceptance (Gale and Shapley, with capacities).

Every student proposes down their list of choices; an assignment holds the best
``max_size`` proposers by its own ranking (`Problem.key`) and rejects the rest. The
result is the student-optimal stable allocation, which does not depend on the order in
which students propose. ``min_size``, the programme rule and the extensions are ignored.

Array-based: the pairs are flat lists and each assignment keeps a heap of the keys it
holds (worst on top), so a proposal costs O(log max_size) and the whole run
O(E log c) for E (student, choice) pairs.
"""

from __future__ import annotations

from heapq import heappush, heapreplace

import numpy as np

from knooppunt.communities.allocation.instance import IntArray, Problem


def deferred_acceptance(problem: Problem) -> IntArray:
    """``pair_of`` of the student-optimal stable allocation (-1 = unassigned)."""
    n = problem.n
    ptr: list[int] = problem.ptr.tolist()
    team: list[int] = problem.team.tolist()
    key: list[int] = problem.key.tolist()
    capacity: list[int] = problem.max_size.tolist()
    # held[a]: heap of (-key, pair) of the proposals assignment a holds.
    held: list[list[tuple[int, int]]] = [[] for _ in range(problem.m)]
    student: list[int] = problem.student.tolist()
    next_pair = ptr[:-1]
    pair_of = [-1] * n
    for first in range(n):
        s = first
        while s >= 0:
            e, end = next_pair[s], ptr[s + 1]
            bumped = -1
            while e < end:
                a = team[e]
                k = key[e]
                e += 1
                heap = held[a]
                if len(heap) < capacity[a]:
                    heappush(heap, (-k, e - 1))
                    pair_of[s] = e - 1
                    break
                if heap and -heap[0][0] > k:
                    out = heapreplace(heap, (-k, e - 1))[1]
                    pair_of[s] = e - 1
                    bumped = student[out]
                    pair_of[bumped] = -1
                    break
            next_pair[s] = e
            s = bumped
    return np.asarray(pair_of, np.int64)

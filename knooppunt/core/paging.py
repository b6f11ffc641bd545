"""What a pager template needs from a page of results (the methods of Django's `Page`).

For pages that the query functions cut themselves (a count capped by the search
index, a ranking from the matcher) instead of through Django's `Paginator`.
"""

from __future__ import annotations

from typing import Any


def page_count(count: int, per_page: int) -> int:
    """How many pages `count` results fill (at least one, for the empty result)."""
    return max(1, -(-count // per_page))


class PagerMixin:
    """Mixed into a dataclass with `number` (from 1), `per_page` and `count` attributes."""

    number: int
    per_page: int
    count: int

    @property
    def num_pages(self) -> int:
        return page_count(self.count, self.per_page)

    @property
    def paginator(self) -> Any:  # templates written for Django's Page ask page.paginator
        return self

    @property
    def first_rank(self) -> int:
        return (self.number - 1) * self.per_page + 1

    def has_next(self) -> bool:
        return self.number < self.num_pages

    def has_previous(self) -> bool:
        return self.number > 1

    def has_other_pages(self) -> bool:
        return self.has_next() or self.has_previous()

    def next_page_number(self) -> int:
        return self.number + 1

    def previous_page_number(self) -> int:
        return self.number - 1

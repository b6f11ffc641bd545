"""Demo data for a local Knooppunt (`knooppunt demo`). Never loaded in production.

`demo_load()` loads the reference data, then calls one loader per domain, in the order
of the data flow: each may use what the ones before it wrote. A loader is a module here
with a `load() -> dict[str, int]` that is idempotent (a second run adds nothing) and
returns totals; its tables live in `synthetic/data/demo/<domain>/`. A new capability
(learning communities, funding, events, impact) adds its module and data folder and
one line to `LOADERS`.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction

from knooppunt.places.services import places_load_reference
from knooppunt.registry.services import sbi_load_reference, themes_load_reference
from knooppunt.synthetic.demo import accounts, matching, registry
from knooppunt.synthetic.demo.accounts import (
    DEMO_EDITOR_EMAIL,
    DEMO_EDITOR_PASSWORD,
    DEMO_STAFF_EMAIL,
    DEMO_STAFF_PASSWORD,
)

__all__ = [
    "DEMO_EDITOR_EMAIL",
    "DEMO_EDITOR_PASSWORD",
    "DEMO_STAFF_EMAIL",
    "DEMO_STAFF_PASSWORD",
    "LOADERS",
    "demo_load",
]

LOADERS: tuple[Callable[[], dict[str, int]], ...] = (
    registry.load,  # organisations, partnerships, memberships, people, contacts
    accounts.load,  # the demo staff and editor logins
    matching.load,  # partner profiles and contact guides
)


def demo_load() -> dict[str, int]:
    """Load reference and demo data, in one transaction; safe to run again.

    Returns the totals in the database (organisations, partnerships, ...), so a second
    run returns the same numbers as the first.
    """
    counts: dict[str, int] = {}
    with transaction.atomic():
        places_load_reference()
        themes_load_reference()
        sbi_load_reference()
        for loader in LOADERS:
            counts.update(loader())
    return counts

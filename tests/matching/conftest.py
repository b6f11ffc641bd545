"""Matching tests: a fresh registry snapshot per test (tests roll back their writes)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from knooppunt.matching import network


@pytest.fixture(autouse=True)
def _fresh_snapshot() -> Iterator[None]:
    network.forget()
    yield
    network.forget()

"""The shared mechanisms: versions and compare-and-swap writes, ETags, text validators."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError

from knooppunt.core.audit import audit_bulk, id_ranges
from knooppunt.core.concurrency import (
    StaleWrite,
    check_version,
    etag,
    parse_if_match,
    save_fields,
)
from knooppunt.core.models import AuditEntry
from knooppunt.core.validators import (
    blank_problem,
    single_line_problem,
    text_problem,
    validate_single_line,
)
from knooppunt.registry.models import Organisation


@pytest.fixture
def org(db: Any) -> Organisation:
    return Organisation.objects.create(kind="company", name="Eerst", description="a")


def test_save_fields_writes_only_the_given_fields_and_bumps_the_version(
    org: Organisation,
) -> None:
    stale = Organisation.objects.get(pk=org.pk)
    Organisation.objects.filter(pk=org.pk).update(description="b")  # someone else, no version
    stale.name = "Tweede"
    stale.description = "oud"  # not among the fields written
    save_fields(stale, ["name"])
    org.refresh_from_db()
    assert (org.name, org.description, org.version) == ("Tweede", "b", 2)
    assert stale.version == 2


def test_save_fields_refuses_a_stale_object_and_writes_nothing(org: Organisation) -> None:
    stale = Organisation.objects.get(pk=org.pk)
    fresh = Organisation.objects.get(pk=org.pk)
    fresh.description = "van de ander"
    save_fields(fresh, ["description"])
    stale.name = "Mijn naam"
    with pytest.raises(StaleWrite) as caught:
        save_fields(stale, ["name"])
    assert caught.value.current_version == 2
    assert caught.value.current["description"] == "van de ander"
    org.refresh_from_db()
    assert (org.name, org.version) == ("Eerst", 2)


def test_check_version(org: Organisation) -> None:
    check_version(org, None)
    check_version(org, 1)
    check_version(org, frozenset({1, 5}))
    with pytest.raises(StaleWrite):
        check_version(org, 2)
    with pytest.raises(StaleWrite):
        check_version(org, frozenset())
    # Not created yet: version 0.
    check_version(Organisation(kind="company", name="Nieuw"), 0)
    with pytest.raises(StaleWrite):
        check_version(Organisation(kind="company", name="Nieuw"), 1)


def test_etags_and_if_match() -> None:
    assert etag(3) == '"v3"'
    assert parse_if_match(None) is None
    assert parse_if_match("*") is None
    assert parse_if_match('"v3"') == frozenset({3})
    assert parse_if_match('W/"v3"') == frozenset({3})  # a compressing proxy weakens tags
    assert parse_if_match('"v3", "v4"') == frozenset({3, 4})
    assert parse_if_match("rubbish") == frozenset()  # matches nothing: 412, never a write


@pytest.mark.parametrize(
    "value", ["a\nb", "a\rb", "a\tb", "a\u2028b", "a\u2029b", "a\x85b", "a\x00b", "a\x1bb"]
)
def test_one_line_refuses_line_breaks_and_control_characters(value: str) -> None:
    assert single_line_problem(value)
    with pytest.raises(ValidationError):
        validate_single_line(value)


def test_text_allows_line_breaks_and_tabs_only() -> None:
    assert single_line_problem("Café ’s-Hertogenbosch – 2024") is None
    assert text_problem("regel 1\r\nregel 2\ttab") is None
    assert text_problem("a\x00b") and text_problem("a\x1bb") and text_problem("a\x07")
    assert blank_problem("  \t ") and blank_problem("") and blank_problem("x") is None


def test_a_bulk_entry_records_counts_and_ids_as_ranges(org: Organisation) -> None:
    assert id_ranges([5, 1, 2, 3, 9, 8]) == [[1, 3], [5, 5], [8, 9]]
    entry = audit_bulk(
        actor=None,
        action="registry.organisation.generated",
        model=Organisation,
        counts={"created": 3},
        ids=[1, 2, 3],
    )
    entry = AuditEntry.objects.get(pk=entry.pk)
    assert entry.changes == {
        "bulk": {"model": "registry.organisation", "counts": {"created": 3}, "ids": [[1, 3]]}
    }
    assert entry.target_id == 0 and entry.target_repr.startswith("3 ")

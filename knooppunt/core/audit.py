"""Writing and reading the audit log."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models

from knooppunt.core.models import AuditEntry


def _plain(value: Any) -> Any:
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, list | tuple | set):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def snapshot(obj: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """The current values of `fields` on `obj`, as JSON-friendly values."""
    return {name: _plain(getattr(obj, name)) for name in fields}


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """{field: [old, new]} for every field whose value changed."""
    return {
        key: [before.get(key), after.get(key)]
        for key in sorted(set(before) | set(after))
        if before.get(key) != after.get(key)
    }


def audit_log(
    *, actor: Any, action: str, target: models.Model, changes: dict[str, Any] | None = None
) -> AuditEntry:
    """Record that `actor` did `action` (a dotted code such as `registry.organisation.updated`)."""
    return AuditEntry.objects.create(
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        target_type=ContentType.objects.get_for_model(target, for_concrete_model=True),
        target_id=target.pk,
        target_repr=str(target)[:300],
        changes=changes or {},
    )


# A bulk entry lists the ids it wrote as ranges; beyond this many ranges only the counts
# (and the reference, such as the import run) say what was written.
BULK_MAX_RANGES = 10_000


def id_ranges(ids: Iterable[int]) -> list[list[int]]:
    """Sorted ids as inclusive ranges: [1, 2, 3, 7] -> [[1, 3], [7, 7]]."""
    ranges: list[list[int]] = []
    for pk in sorted(set(ids)):
        if ranges and pk == ranges[-1][1] + 1:
            ranges[-1][1] = pk
        else:
            ranges.append([pk, pk])
    return ranges


def audit_bulk(
    *,
    actor: Any,
    action: str,
    model: type[models.Model],
    counts: Mapping[str, int],
    ids: Iterable[int] = (),
    reference: models.Model | None = None,
) -> AuditEntry:
    """Record one bulk write (an import, a generated registry) in a single entry.

    `action` is a dotted code (`registry.organisation.imported`); `counts` says how many
    rows were created, updated, ...; `ids` are the primary keys written, stored as ranges
    (up to BULK_MAX_RANGES of them). The entry is about `reference` when given (the import
    run that did the write), else about `model` as a whole (target_id 0).
    """
    ranges = id_ranges(ids)
    bulk: dict[str, Any] = {
        "model": model._meta.label_lower,
        "counts": {key: int(value) for key, value in counts.items()},
    }
    if len(ranges) <= BULK_MAX_RANGES:
        bulk["ids"] = ranges
    else:
        bulk["ids_omitted"] = sum(b - a + 1 for a, b in ranges)
    if reference is not None:
        bulk["reference"] = f"{reference._meta.label_lower}:{reference.pk}"
    target_type = ContentType.objects.get_for_model(
        reference if reference is not None else model, for_concrete_model=True
    )
    total = sum(bulk["counts"].values())
    return AuditEntry.objects.create(
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        target_type=target_type,
        target_id=reference.pk if reference is not None else 0,
        target_repr=(
            str(reference)
            if reference is not None
            else f"{total} {model._meta.verbose_name_plural}"
        )[:300],
        changes={"bulk": bulk},
    )


def history_for(target: models.Model, *, limit: int = 50) -> models.QuerySet[AuditEntry]:
    """The newest audit entries about `target`, newest first."""
    return (
        AuditEntry.objects.filter(
            target_type=ContentType.objects.get_for_model(target, for_concrete_model=True),
            target_id=target.pk,
        )
        .select_related("actor")
        .order_by("-created_at", "-id")[:limit]
    )

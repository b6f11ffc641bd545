"""Writing and reading the audit log."""

from __future__ import annotations

from collections.abc import Iterable
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

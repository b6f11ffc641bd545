"""Reads for accounts: current login lockouts (for staff)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Max, Sum
from django.utils import timezone

from knooppunt.accounts.permissions import can_release_lockouts


@dataclass(frozen=True)
class Lockout:
    username: str
    ip_address: str
    failures: int
    last_attempt: datetime

    @property
    def until(self) -> datetime:
        return self.last_attempt + settings.AXES_COOLOFF_TIME


def lockout_list_for(viewer: Any) -> list[Lockout]:
    """Account and address pairs locked out now (as django-axes counts), newest first."""
    if not can_release_lockouts(viewer):
        return []
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    rows = (
        AccessAttempt.objects.filter(attempt_time__gte=since)
        .values("username", "ip_address")
        .annotate(failures=Sum("failures_since_start"), last_attempt=Max("attempt_time"))
        .filter(failures__gte=settings.AXES_FAILURE_LIMIT)
        .order_by("-last_attempt")
    )
    return [
        Lockout(r["username"] or "", r["ip_address"] or "", r["failures"], r["last_attempt"])
        for r in rows[:500]
    ]

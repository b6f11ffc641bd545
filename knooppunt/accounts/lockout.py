"""Login lockout (django-axes): how an attempt is named and what a locked-out person sees.

Settings `AXES_*` in settings.py; the lockout is per account *and* client address, so an
attacker elsewhere cannot lock a real user out. Staff lift a lockout at
/account/vergrendelingen/ (`views.lockout_list`) or with `knooppunt axes_reset_username`.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def username_of(request: HttpRequest, credentials: dict[str, Any] | None = None) -> str | None:
    """The account an attempt is for, as accounts are stored: lower case, no spaces."""
    value = (credentials or {}).get("username") or request.POST.get("username") or ""
    return str(value).strip().lower() or None


def cooloff_minutes() -> int:
    return int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)


def lockout_response(
    request: HttpRequest, original_response: Any = None, credentials: Any = None
) -> HttpResponse:
    """The page for a locked-out login: 429, what happened and what to do, in Dutch or English."""
    return render(
        request,
        "accounts/lockout.html",
        {"minutes": cooloff_minutes(), "failure_limit": settings.AXES_FAILURE_LIMIT},
        status=429,
    )

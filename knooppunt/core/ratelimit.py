"""Rate limits for requests that send mail or try passwords (django-ratelimit).

Each limit has a name in `settings.RATE_LIMITS` ("3/h": three per hour) and is counted
per key: a target address, a user, a client address. The counters live in the shared
database cache (`settings.RATELIMIT_USE_CACHE`, see `core.cache`), so every server
process counts together. `client_ip` is the one answer to "who is asking", used by the
login lockout (django-axes) too.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_ratelimit.core import is_ratelimited

UNKNOWN_IP = "0.0.0.0"  # noqa: S104 - a placeholder key, nothing listens on it
PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def client_ip(request: HttpRequest) -> str:
    """The client's address.

    `REMOTE_ADDR`; behind `TRUSTED_PROXY_COUNT` proxies (a load balancer: 1) the address
    that many places from the right in `X-Forwarded-For`, which the last trusted proxy
    wrote. Entries further left were written by the client and can be forged.
    """
    count = settings.TRUSTED_PROXY_COUNT
    if count:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if len(hops) >= count:
            candidate = hops[-count]
            try:
                return str(ipaddress.ip_address(candidate))
            except ValueError:
                pass
    return str(request.META.get("REMOTE_ADDR") or UNKNOWN_IP)


def limited(request: HttpRequest, name: str, key: str, *, count: bool = True) -> bool:
    """Count one more request for `key` under limit `name` (unless `count` is false, to
    only look); True when it is over the limit."""
    rate = settings.RATE_LIMITS[name]

    def value(_group: str, _request: Any) -> str:
        return key

    return bool(
        is_ratelimited(request, group=f"knooppunt.{name}", key=value, rate=rate, increment=count)
    )


def any_limited(request: HttpRequest, keys: dict[str, str]) -> bool:
    """Count the request under every limit in `keys` ({name: key}); True if any is over."""
    results = [limited(request, name, key) for name, key in keys.items()]
    return any(results)


def window(name: str) -> str:
    """A limit's window in words: "1 hour", "10 minutes", ..."""
    rate = settings.RATE_LIMITS[name]
    period = rate.split("/", 1)[1]
    number = int(period[:-1] or 1) if period[-1:] in PERIODS else int(period or 1)
    seconds = number * PERIODS.get(period[-1:], 1)
    if seconds % 86400 == 0:
        days = seconds // 86400
        return ngettext("%(n)d day", "%(n)d days", days) % {"n": days}
    if seconds % 3600 == 0:
        hours = seconds // 3600
        return ngettext("%(n)d hour", "%(n)d hours", hours) % {"n": hours}
    minutes = max(seconds // 60, 1)
    return ngettext("%(n)d minute", "%(n)d minutes", minutes) % {"n": minutes}


def too_many_message(name: str) -> str:
    return _(
        "Too many requests in a short time. Please wait a while (at most %(window)s) and try again."
    ) % {"window": window(name)}

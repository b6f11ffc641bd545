"""Writes on personal API tokens: create, revoke, and note their use."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from knooppunt.api.models import ApiToken
from knooppunt.core.audit import audit_log

TOKEN_PREFIX = "kp_"  # noqa: S105 -- a public marker that makes tokens recognisable, not a secret
PREFIX_LENGTH = 11  # "kp_" + 8 random characters: shown in the UI, useless on its own
# Writing last_used_at on every request would turn every read into a write.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def api_token_hash(plain: str) -> str:
    return hashlib.sha256(plain.encode("utf-8", "surrogatepass")).hexdigest()


@transaction.atomic
def api_token_create(*, actor: Any, name: str) -> tuple[ApiToken, str]:
    """A new token for `actor`; returns it with the plain token, which is not stored anywhere."""
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user=actor,
        name=name.strip(),
        prefix=plain[:PREFIX_LENGTH],
        token_hash=api_token_hash(plain),
    )
    token.full_clean()
    token.save()
    audit_log(
        actor=actor,
        action="api.token.created",
        target=token,
        changes={"name": [None, token.name], "prefix": [None, token.prefix]},
    )
    return token, plain


@transaction.atomic
def api_token_revoke(*, actor: Any, token: ApiToken) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_log(
            actor=actor,
            action="api.token.revoked",
            target=token,
            changes={"revoked_at": [None, token.revoked_at.isoformat()]},
        )
    return token


def api_token_authenticate(plain: str) -> ApiToken | None:
    """The active token whose hash matches `plain`, with its (active) user; notes the use."""
    if not plain.startswith(TOKEN_PREFIX) or len(plain) > 100:
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(token_hash=api_token_hash(plain), revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token

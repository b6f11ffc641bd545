"""Who may manage an API token. Registry permissions live in `knooppunt.accounts.permissions`;
this predicate is about a model of this app and follows the same `can_<verb>_<noun>` form."""

from __future__ import annotations

from typing import Any


def can_create_api_token(user: Any) -> bool:
    return bool(user.is_authenticated and user.is_active)


def can_revoke_api_token(user: Any, token: Any) -> bool:
    """Only the owner; staff cannot revoke someone else's token here (the admin can)."""
    return bool(user.is_authenticated and token.user_id == user.pk)

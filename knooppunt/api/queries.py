"""Reads on personal API tokens: a user sees only their own."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from knooppunt.api.models import ApiToken


def api_token_list_for(viewer: Any) -> QuerySet[ApiToken]:
    if not viewer.is_authenticated:
        return ApiToken.objects.none()
    return ApiToken.objects.filter(user=viewer)


def api_token_get(viewer: Any, pk: int) -> ApiToken:
    token = api_token_list_for(viewer).filter(pk=pk).first()
    if token is None:
        raise Http404(_("No such API token."))
    return token

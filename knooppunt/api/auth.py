"""Authentication for the JSON API: personal tokens as `Authorization: Bearer <token>`.

Writes require a token. Reads accept a token (then the caller sees what their account
may see, personal data included) or no `Authorization` header at all (then the public
registry). A token that is present but wrong is refused with 401 on reads too, so that a
typo never silently turns into an anonymous read. The browser session is not used: API
calls carry their credentials explicitly, which also keeps CSRF out of the picture.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from ninja.errors import AuthenticationError
from ninja.security import HttpBearer

from knooppunt.api.services import api_token_authenticate

SCHEME_NAME = "TokenAuth"


class TokenAuth(HttpBearer):
    """A personal API token, created at /account/api-tokens/."""

    openapi_description = (
        "A personal API token (starts with `kp_`), created and revoked at "
        "/account/api-tokens/. Send it as `Authorization: Bearer <token>`."
    )

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        api_token = api_token_authenticate(token.strip())
        if api_token is None:
            return None
        request.user = api_token.user
        return api_token.user


class OptionalTokenAuth(TokenAuth):
    """TokenAuth, or anonymous when no Authorization header is sent at all."""

    def __call__(self, request: HttpRequest) -> Any:
        if not request.headers.get(self.header):
            request.user = AnonymousUser()
            return request.user
        user = super().__call__(request)
        if user is None:
            raise AuthenticationError()
        return user


token_auth = TokenAuth()
optional_token_auth = OptionalTokenAuth()

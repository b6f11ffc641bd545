"""API test helpers: tokens per role and a small JSON client."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import transaction
from django.test import Client

from knooppunt.accounts.models import User
from knooppunt.api.services import api_token_create
from knooppunt.places.services import places_load_reference
from knooppunt.registry import services

API = "/api/v1"


# --- speed: reference data once per module, cheap password hashing ----------------------


@pytest.fixture(scope="module")
def _reference_once(django_db_setup: Any, django_db_blocker: Any) -> Iterator[None]:
    """Places, themes and SBI codes once per module, in a transaction rolled back at its end.

    Each test still runs in its own savepoint (pytest-django's `db`), so tests stay isolated.
    """
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        places_load_reference()
        services.themes_load_reference()
        services.sbi_load_reference()
    yield
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)


@pytest.fixture
def reference(_reference_once: None, db: Any) -> None:
    """Overrides the root conftest's `reference`: same data, loaded once per module."""


@pytest.fixture(autouse=True)
def _test_settings(settings: Any) -> None:
    """Cheap password hashing; English, so assertions read the msgids, not translations."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.LANGUAGE_CODE = "en"


class ApiClient:
    """Calls the API like an outside program would: JSON in, JSON out, a bearer token."""

    def __init__(self, client: Client, token: str | None = None) -> None:
        self.client = client
        self.token = token

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        raw: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> Any:
        headers = {
            **({"Authorization": f"Bearer {self.token}"} if self.token else {}),
            **(headers or {}),
        }
        data = raw if raw is not None else ("" if body is None else json.dumps(body))
        return self.client.generic(
            method, API + path, data=data, content_type="application/json", headers=headers
        )

    def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        return self.client.get(API + path, params or {}, headers=headers)

    def post(self, path: str, body: Any = None, **kw: Any) -> Any:
        return self.call("POST", path, body, **kw)

    def patch(self, path: str, body: Any = None, **kw: Any) -> Any:
        return self.call("PATCH", path, body, **kw)

    def delete(self, path: str, **kw: Any) -> Any:
        return self.call("DELETE", path, **kw)


def token_for(user: User) -> str:
    return api_token_create(actor=user, name="tests")[1]


@pytest.fixture
def make_api(client: Client) -> Callable[[User | None], ApiClient]:
    def make(user: User | None = None) -> ApiClient:
        return ApiClient(Client(), token_for(user) if user is not None else None)

    return make


@pytest.fixture
def anon_api(make_api: Callable[..., ApiClient]) -> ApiClient:
    return make_api(None)


@pytest.fixture
def staff_api(make_api: Callable[..., ApiClient], staff: User) -> ApiClient:
    return make_api(staff)


@pytest.fixture
def viewer_api(make_api: Callable[..., ApiClient], viewer: User, registry: Any) -> ApiClient:
    return make_api(viewer)


@pytest.fixture
def editor_api(make_api: Callable[..., ApiClient], editor: User) -> ApiClient:
    """Editor of Metaalbedrijf De Vonk (partner, not lead, of Technohub Maasland)."""
    return make_api(editor)


@pytest.fixture
def lead_api(make_api: Callable[..., ApiClient], lead_editor: User) -> ApiClient:
    """Editor of the school that leads Technohub Maasland."""
    return make_api(lead_editor)

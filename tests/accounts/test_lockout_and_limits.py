"""Login lockout (django-axes) and rate limits on mail-sending forms (issue 8).

End to end through the real views, the real authentication backends and the shared
database cache: 60 wrong passwords in a row, 17 reset requests for one address, ...
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from axes.models import AccessAttempt
from django.core import mail
from django.core.cache import caches
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from knooppunt.accounts.models import Invitation, User
from knooppunt.core.audit import history_for
from knooppunt.core.cache import DatabaseCache
from knooppunt.core.models import CacheEntry
from knooppunt.core.ratelimit import client_ip
from knooppunt.matching.models import Introduction
from tests.conftest import PASSWORD

LOGIN = reverse("accounts:login")
RESET = reverse("accounts:password-reset")
LOCKOUTS = reverse("accounts:lockouts")
HERE, ELSEWHERE = "192.0.2.10", "198.51.100.20"


@pytest.fixture(autouse=True)
def _test_settings(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.LANGUAGE_CODE = "en"


def client_at(address: str) -> Client:
    return Client(REMOTE_ADDR=address)


def attempt(client: Client, password: str, email: str = "kijker@example.nl") -> Any:
    return client.post(LOGIN, {"username": email, "password": password})


def logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


# --- login lockout ---------------------------------------------------------------------------


def test_sixty_wrong_passwords_lock_the_account_for_that_address(
    viewer: User, settings: Any
) -> None:
    client = client_at(HERE)
    responses = [attempt(client, f"wrong-{i}") for i in range(60)]
    statuses = [response.status_code for response in responses]
    limit = settings.AXES_FAILURE_LIMIT
    assert limit == 5
    # The first tries get the form back; from the limit on, the lockout page.
    assert statuses[: limit - 1] == [200] * (limit - 1)
    assert set(statuses[limit - 1 :]) == {429}
    lockout = responses[limit].content.decode()
    assert "Too many login attempts" in lockout and "Try again in 15 minutes" in lockout
    # While locked, the right password is refused too (by now also by the limit on wrong
    # passwords from one address, which answers 429 as well).
    response = attempt(client, PASSWORD)
    assert response.status_code == 429
    assert not logged_in(client)
    # Someone else (another address) is not locked out by the attacker.
    other = client_at(ELSEWHERE)
    assert attempt(other, PASSWORD).status_code == 302
    assert logged_in(other)


def test_the_lockout_page_is_dutch_by_default(viewer: User, settings: Any) -> None:
    settings.LANGUAGE_CODE = "nl"
    client = client_at(HERE)
    for i in range(settings.AXES_FAILURE_LIMIT):
        response = attempt(client, f"fout-{i}")
    assert response.status_code == 429
    page = response.content.decode()
    assert "Te veel inlogpogingen" in page
    assert "15 minuten" in page


def test_the_username_is_counted_as_stored_whatever_its_case(viewer: User, settings: Any) -> None:
    client = client_at(HERE)
    for i in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, f"wrong-{i}", email="Kijker@Example.NL " if i % 2 else "kijker@example.nl")
    assert attempt(client, PASSWORD).status_code == 429


def test_the_lockout_ends_after_the_cooloff(viewer: User, settings: Any) -> None:
    client = client_at(HERE)
    for i in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, f"wrong-{i}")
    assert attempt(client, PASSWORD).status_code == 429
    AccessAttempt.objects.update(
        attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - timedelta(seconds=1)
    )
    assert attempt(client, PASSWORD).status_code == 302


def test_staff_see_and_lift_a_lockout(viewer: User, staff: User, settings: Any) -> None:
    client = client_at(HERE)
    for i in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, f"wrong-{i}")
    assert attempt(client, PASSWORD).status_code == 429

    broker = Client()
    broker.force_login(staff)
    assert LOCKOUTS in broker.get(reverse("accounts:dashboard")).content.decode()
    page = broker.get(LOCKOUTS).content.decode()
    assert "kijker@example.nl" in page and HERE in page
    response = broker.post(LOCKOUTS, {"username": "kijker@example.nl", "ip_address": HERE})
    assert response.status_code == 302
    assert "Nobody is locked out." in broker.get(LOCKOUTS).content.decode()
    entry = history_for(viewer)[0]
    assert (entry.action, entry.actor) == ("accounts.lockout.released", staff)

    assert attempt(client, PASSWORD).status_code == 302
    assert logged_in(client)


def test_only_staff_may_lift_lockouts(viewer: User, editor: User) -> None:
    for user in (viewer, editor):
        other = Client()
        other.force_login(user)
        assert other.get(LOCKOUTS).status_code == 403
        assert other.post(LOCKOUTS, {"username": "x", "ip_address": HERE}).status_code == 403
    assert Client().get(LOCKOUTS).status_code == 302  # to the login page


def test_choosing_a_new_password_lifts_the_lockout(viewer: User, settings: Any) -> None:
    import re

    client = client_at(HERE)
    for i in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, f"wrong-{i}")
    assert attempt(client, PASSWORD).status_code == 429
    client.post(RESET, {"email": "kijker@example.nl"})
    link = re.search(r"https?://testserver(\S+)", mail.outbox[-1].body)[1]  # type: ignore[index]
    form_url = client.get(link).headers["Location"]
    new = "Een-nieuw-wachtwoord-77"
    assert client.post(form_url, {"new_password1": new, "new_password2": new}).status_code == 302
    assert attempt(client, new).status_code == 302


def test_wrong_passwords_from_one_address_over_many_accounts_are_limited(
    viewer: User, settings: Any
) -> None:
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login-failures-ip": "3/h"}
    client = client_at(HERE)
    statuses = [
        attempt(client, "wrong", email=f"iemand{i}@example.nl").status_code for i in range(6)
    ]
    assert statuses[:4] == [200, 200, 200, 200]
    assert statuses[4:] == [429, 429]
    response = attempt(client, PASSWORD)
    assert response.status_code == 429 and "Too many requests" in response.content.decode()
    assert attempt(client_at(ELSEWHERE), PASSWORD).status_code == 302


# --- password reset -----------------------------------------------------------------------


@pytest.mark.parametrize("email", ["kijker@example.nl", "niemand@example.nl"])
def test_seventeen_reset_requests_send_at_most_the_limit(
    viewer: User, settings: Any, email: str
) -> None:
    """Known and unknown addresses get the same answers: the limit tells nothing."""
    client = client_at(HERE)
    statuses = [client.post(RESET, {"email": email}).status_code for _ in range(17)]
    assert statuses[:3] == [302, 302, 302]
    assert set(statuses[3:]) == {429}
    assert len(mail.outbox) == (3 if email == "kijker@example.nl" else 0)
    page = client.post(RESET, {"email": email}).content.decode()
    assert "Too many requests in a short time" in page and "1 hour" in page


def test_reset_limit_per_address_holds_across_client_addresses(viewer: User) -> None:
    for i in range(10):
        client_at(f"203.0.113.{i}").post(RESET, {"email": "kijker@example.nl"})
    assert len(mail.outbox) == 3


def test_reset_limit_per_client_address(viewer: User, settings: Any) -> None:
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "password-reset-ip": "5/h"}
    client = client_at(HERE)
    statuses = [client.post(RESET, {"email": f"adres{i}@example.nl"}).status_code for i in range(8)]
    assert statuses == [302] * 5 + [429] * 3
    assert client_at(ELSEWHERE).post(RESET, {"email": "kijker@example.nl"}).status_code == 302


# --- invitations and introductions ------------------------------------------------------------


def test_invitations_to_one_address_are_limited(
    staff: User, registry: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    client = Client()
    client.force_login(staff)
    with django_capture_on_commit_callbacks(execute=True):
        statuses = [
            client.post(
                reverse("accounts:invitations"), {"email": "nieuw@example.nl", "role": "viewer"}
            ).status_code
            for _ in range(6)
        ]
    assert statuses == [302, 302, 302, 429, 429, 429]
    assert Invitation.objects.count() == 3
    assert len(mail.outbox) == 3


def test_introduction_requests_are_limited(
    editor: User,
    staff: User,  # the brokers get the mail of organisations without editors
    registry: dict[str, Any],
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "introduction-user": "2/h"}
    client = Client()
    client.force_login(editor)
    targets = [registry["school"], registry["other"], registry["gemeente"]]
    with django_capture_on_commit_callbacks(execute=True):
        statuses = [
            client.post(
                reverse("matching:introduction-request", args=[target.pk]),
                {"requester": registry["company"].pk, "message": "Kennismaken?"},
            ).status_code
            for target in targets
        ]
    assert statuses == [302, 302, 429]
    assert Introduction.objects.count() == 2
    assert len(mail.outbox) == 2


# --- the shared cache and the client address ----------------------------------------------------


def test_counters_live_in_the_database_for_every_process(db: Any) -> None:
    cache = caches["shared"]
    assert isinstance(cache, DatabaseCache)
    assert cache.add("teller", 1, 3600)
    before = CacheEntry.objects.get().expires
    # Another worker process has its own cache object; it sees and bumps the same counter.
    other = caches.create_connection("shared")
    assert other is not cache
    assert other.incr("teller") == 2
    assert cache.incr("teller", 3) == 5
    assert cache.get("teller") == 5
    assert CacheEntry.objects.get().expires == before  # incr keeps the window
    with pytest.raises(ValueError, match="not found"):
        cache.incr("bestaat-niet")
    CacheEntry.objects.update(expires=timezone.now() - timedelta(seconds=5))
    with pytest.raises(ValueError, match="not found"):
        cache.incr("teller")  # expired counts as gone


def test_client_address_behind_trusted_proxies(settings: Any, rf: Any) -> None:
    request = rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 192.0.2.7")
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(request) == "10.0.0.1"  # the header is ignored unless proxies are trusted
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(request) == "192.0.2.7"  # what the load balancer saw; not the forged one
    settings.TRUSTED_PROXY_COUNT = 3  # more proxies than hops: fall back
    assert client_ip(request) == "10.0.0.1"
    bad = rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="not-an-address")
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(bad) == "10.0.0.1"

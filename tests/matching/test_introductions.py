"""Introductions: the flow, who sees what, contact details only after acceptance, reminders."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from knooppunt.accounts.models import User
from knooppunt.core.audit import history_for
from knooppunt.matching import queries, services
from knooppunt.matching.models import Introduction, IntroductionStatus
from knooppunt.matching.permissions import can_see_contact_details, can_view_introduction
from knooppunt.registry import services as registry_services

PASSWORD = "correct-horse-battery-9"


@pytest.fixture(autouse=True)
def _english(settings: Any) -> None:
    settings.LANGUAGE_CODE = "en"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def request_(registry: dict[str, Any], editor: User) -> Introduction:
    """The company's editor asks to be introduced to the school."""
    return services.introduction_request(
        actor=editor,
        requester=registry["company"],
        target=registry["school"],
        message="Wij zoeken BBL-studenten.",
        reasons=["in the same labour-market region"],
    )


def test_request_mails_the_target_and_is_audited(
    registry: dict[str, Any],
    editor: User,
    lead_editor: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        introduction = services.introduction_request(
            actor=editor,
            requester=registry["company"],
            target=registry["school"],
            message="Wij zoeken BBL-studenten.",
        )
    assert [m.to for m in mail.outbox] == [[lead_editor.email]]
    assert "Metaalbedrijf De Vonk" in mail.outbox[0].subject
    assert f"/introducties/{introduction.pk}/" in mail.outbox[0].body
    assert lead_editor.email not in mail.outbox[0].body
    assert [e.action for e in history_for(introduction)] == ["matching.introduction.requested"]


def test_contact_details_are_hidden_until_accepted(
    client: Any, request_: Introduction, editor: User, lead_editor: User
) -> None:
    url = reverse("matching:introduction-detail", args=[request_.pk])
    client.force_login(editor)
    page = client.get(url).content.decode()
    assert lead_editor.email not in page and editor.email not in page
    assert "shared with both parties once the introduction is accepted" in page

    client.force_login(lead_editor)
    response = client.post(url, {"accept": "yes", "response": "Welkom!"})
    assert response.status_code == 302
    request_.refresh_from_db()
    assert request_.status == IntroductionStatus.ACCEPTED

    for user, other in ((editor, lead_editor), (lead_editor, editor)):
        client.force_login(user)
        page = client.get(url).content.decode()
        assert other.email in page, f"{user} sees {other}'s address"
    assert [e.action for e in history_for(request_)][:1] == ["matching.introduction.accepted"]


def test_outsiders_never_see_an_introduction(
    client: Any, request_: Introduction, viewer: User, registry: dict[str, Any]
) -> None:
    outsider = User.objects.create_user("ander@example.nl", PASSWORD, full_name="Ander")
    from knooppunt.accounts.services import editorship_grant

    editorship_grant(actor=None, user=outsider, organisation=registry["other"])
    for user in (viewer, outsider):
        assert not can_view_introduction(user, request_)
        assert not can_see_contact_details(user, request_)
        assert list(queries.introductions_for(user)) == []
        client.force_login(user)
        url = reverse("matching:introduction-detail", args=[request_.pk])
        assert client.get(url).status_code == 404


def test_the_requester_cannot_answer_its_own_request(
    client: Any, request_: Introduction, editor: User
) -> None:
    client.force_login(editor)
    url = reverse("matching:introduction-detail", args=[request_.pk])
    assert client.post(url, {"accept": "yes"}).status_code == 403
    request_.refresh_from_db()
    assert request_.status == IntroductionStatus.REQUESTED


def test_a_declined_request_shares_nothing(
    client: Any, request_: Introduction, editor: User, lead_editor: User
) -> None:
    services.introduction_answer(actor=lead_editor, introduction=request_, accept=False)
    client.force_login(editor)
    page = client.get(reverse("matching:introduction-detail", args=[request_.pk])).content
    assert lead_editor.email.encode() not in page
    with pytest.raises(ValidationError):
        services.introduction_answer(actor=lead_editor, introduction=request_, accept=True)


def test_one_open_request_per_pair_and_a_daily_limit(
    request_: Introduction, editor: User, registry: dict[str, Any]
) -> None:
    with pytest.raises(ValidationError, match="already an open introduction request"):
        services.introduction_request(
            actor=editor,
            requester=registry["company"],
            target=registry["school"],
            message="Nog een keer",
        )
    # Fill the day's quota with other targets, then one more is refused.
    targets = [
        registry_services.organisation_create(actor=None, kind="company", name=f"Doel {i}")
        for i in range(services.INTRODUCTIONS_PER_DAY - 1)
    ]
    for target in targets:
        services.introduction_request(
            actor=editor, requester=registry["company"], target=target, message="Hallo"
        )
    with pytest.raises(ValidationError, match="the most we allow"):
        services.introduction_request(
            actor=editor, requester=registry["company"], target=registry["other"], message="Hoi"
        )


def test_bad_input_rerenders_the_form_with_messages(
    client: Any, registry: dict[str, Any], editor: User
) -> None:
    client.force_login(editor)
    url = reverse("matching:introduction-request", args=[registry["school"].pk])
    response = client.post(url, {"requester": registry["company"].pk, "message": ""})
    assert response.status_code == 400
    assert b"This field is required" in response.content
    assert not Introduction.objects.exists()


def test_reminder_after_seven_days_once_and_expiry_after_thirty(
    request_: Introduction, lead_editor: User, django_capture_on_commit_callbacks: Any
) -> None:
    now = timezone.now()
    assert services.introductions_housekeeping(now=now + timedelta(days=6)) == {
        "reminded": 0,
        "expired": 0,
    }
    with django_capture_on_commit_callbacks(execute=True):
        counts = services.introductions_housekeeping(now=now + timedelta(days=8))
    assert counts == {"reminded": 1, "expired": 0}
    assert [(m.to, m.subject.startswith("Reminder")) for m in mail.outbox] == [
        ([lead_editor.email], True)
    ]
    assert services.introductions_housekeeping(now=now + timedelta(days=9))["reminded"] == 0
    assert services.introductions_housekeeping(now=now + timedelta(days=31))["expired"] == 1
    request_.refresh_from_db()
    assert request_.status == IntroductionStatus.EXPIRED
    actions = [e.action for e in history_for(request_)]
    assert actions[:2] == ["matching.introduction.expired", "matching.introduction.reminded"]


def test_a_broker_introduces_two_parties_directly(
    client: Any, registry: dict[str, Any], staff: User
) -> None:
    client.force_login(staff)
    url = reverse("matching:introduction-direct", args=[registry["school"].pk])
    response = client.post(url, {"requester": registry["other"].pk, "message": "Kennismaken!"})
    assert response.status_code == 302
    introduction = Introduction.objects.get()
    assert introduction.introduced_by == staff
    assert re.search(r"/introducties/\d+/", response["Location"])

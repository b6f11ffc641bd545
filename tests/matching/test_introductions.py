"""Introductions: the flow, who sees what, contact details only after acceptance, reminders."""

from __future__ import annotations

import json
import re
import socket
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from knooppunt.accounts.models import User
from knooppunt.core.audit import history_for
from knooppunt.core.models import OutboxMail
from knooppunt.core.outbox import mail_deliver_due
from knooppunt.matching import queries, reasons, services
from knooppunt.matching.models import Introduction, IntroductionStatus
from knooppunt.matching.permissions import can_see_contact_details, can_view_introduction
from knooppunt.matching.reasons import PARAMS
from knooppunt.registry import services as registry_services
from knooppunt.registry.models import Organisation

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


# --- reasons: computed by the server, stored as codes, rendered in the reader's language ---


FORGED = "Wij betalen je een miljoen euro"


def test_forged_reasons_are_ignored(client: Any, registry: dict[str, Any], editor: User) -> None:
    """Reasons in the address or the form are not shown and not stored; the server's are."""
    client.force_login(editor)
    url = reverse("matching:introduction-request", args=[registry["school"].pk])
    page = client.get(url, {"from": registry["company"].pk, "reason": [FORGED, "x" * 5000]})
    assert page.status_code == 200
    html = page.content.decode()
    assert FORGED not in html
    assert "works on theme Manufacturing &amp; metalworking" in html  # computed, in English
    response = client.post(
        url,
        {"requester": registry["company"].pk, "message": "Hallo!", "reason": [FORGED, "<b>x</b>"]},
    )
    assert response.status_code == 302
    introduction = Introduction.objects.get()
    assert FORGED not in json.dumps(introduction.reasons)
    assert introduction.reasons, "the server computes the reasons itself"
    assert all(set(r) == {"code", "params"} and r["code"] in PARAMS for r in introduction.reasons)
    assert {"code": "themes_shared", "params": {"themes": ["maakindustrie"]}} in (
        introduction.reasons
    )
    detail = client.get(introduction.get_absolute_url()).content.decode()
    assert FORGED not in detail and "<b>x</b>" not in detail
    assert "works on theme Manufacturing &amp; metalworking" in detail


def test_reasons_are_rendered_in_the_readers_language(
    client: Any, request_: Introduction, lead_editor: User
) -> None:
    client.force_login(lead_editor)
    url = request_.get_absolute_url()
    english = client.get(url, headers={"accept-language": "en"}).content.decode()
    dutch = client.get(url, headers={"accept-language": "nl"}).content.decode()
    assert "works on theme Manufacturing &amp; metalworking" in english
    assert "werkt aan thema Maakindustrie &amp; metaal" in dutch


def test_stored_reasons_must_be_well_formed() -> None:
    stored = [
        "free text from long ago",
        {"code": "themes_shared", "params": {"themes": ["ict"]}},
        {"code": "nearby", "params": {"km": "12; DROP TABLE"}},
        {"code": "made_up", "params": {}},
        {"code": "open", "params": {}, "extra": 1},
        {"code": "shared_partners", "params": {"count": True, "organisations": []}},
    ]
    assert [r.code for r in reasons.from_json(stored)] == ["themes_shared", "open"]


def test_a_message_has_a_length_limit(registry: dict[str, Any], editor: User) -> None:
    with pytest.raises(ValidationError, match="under 2000 characters"):
        services.introduction_request(
            actor=editor,
            requester=registry["company"],
            target=registry["school"],
            message="x" * (services.MESSAGE_MAX + 1),
        )
    assert not Introduction.objects.exists()


# --- mail: after the commit, retried, failures recorded, nothing half-done ------------------


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def smtp_down(settings: Any) -> None:
    """Django's real SMTP backend, pointed at a port where nothing listens."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = closed_port()
    settings.EMAIL_TIMEOUT = 5


def smtp_up(settings: Any) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def test_a_failing_mail_server_leaves_nothing_half_done(
    client: Any,
    settings: Any,
    registry: dict[str, Any],
    editor: User,
    lead_editor: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    smtp_down(settings)
    client.force_login(editor)
    url = reverse("matching:introduction-request", args=[registry["school"].pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"requester": registry["company"].pk, "message": "Hallo"})
    assert response.status_code == 302  # saved and answered; the mail waits
    introduction = Introduction.objects.get()
    request_mail = OutboxMail.objects.get(purpose=services.REQUESTED_MAIL)
    assert (request_mail.status, request_mail.attempts) == (OutboxMail.Status.PENDING, 1)
    assert request_mail.last_error

    # The reminder cannot be sent either: it is not recorded as sent.
    now = timezone.now()
    counts = services.introductions_housekeeping(now=now + timedelta(days=8))
    assert counts == {"reminded": 0, "expired": 0}
    introduction.refresh_from_db()
    assert introduction.reminded_at is None
    assert "matching.introduction.reminded" not in [e.action for e in history_for(introduction)]
    reminder = OutboxMail.objects.get(purpose=services.REMINDER_MAIL)
    assert reminder.status == OutboxMail.Status.PENDING and reminder.attempts == 1

    # Staff see what happened to the mail on the introduction's page.
    staff = User.objects.create_user("staf2@example.nl", PASSWORD, is_staff=True)
    client.force_login(staff)
    page = client.get(introduction.get_absolute_url()).content.decode()
    assert "Waiting to be sent" in page and reminder.last_error.split(":")[0] in page

    # The mail server is back: the next run sends the same reminder, once, and records it.
    smtp_up(settings)
    counts = services.introductions_housekeeping(now=now + timedelta(days=9))
    assert counts == {"reminded": 1, "expired": 0}
    introduction.refresh_from_db()
    assert introduction.reminded_at is not None
    assert [m.subject.startswith("Reminder") for m in mail.outbox] == [True]
    assert mail.outbox[0].to == [lead_editor.email]
    assert services.introductions_housekeeping(now=now + timedelta(days=10))["reminded"] == 0
    assert len(mail.outbox) == 1
    # And the request's own mail goes out on its retry.
    assert mail_deliver_due(now=now + timedelta(days=10)) == {"sent": 1, "not_sent": 0}
    assert [m.subject for m in mail.outbox][1].startswith("Introduction request from")


def test_a_line_break_in_a_name_cannot_break_a_mail(
    client: Any,
    registry: dict[str, Any],
    editor: User,
    lead_editor: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    """A name saved with a line break (old data, another write path) still mails fine."""
    company = registry["company"]
    Organisation.objects.filter(pk=company.pk).update(
        name="Metaalbedrijf De Vonk\r\nBcc: iedereen@example.nl"
    )
    client.force_login(editor)
    url = reverse("matching:introduction-request", args=[registry["school"].pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"requester": company.pk, "message": "Hallo"})
    assert response.status_code == 302
    [sent] = mail.outbox
    assert (
        sent.subject == "Introduction request from Metaalbedrijf De Vonk Bcc: iedereen@example.nl"
    )
    assert sent.to == [lead_editor.email] and not sent.bcc
    assert "\n" not in sent.message()["Subject"]
    # The reminder, too, is sent and recorded.
    introduction = Introduction.objects.get()
    counts = services.introductions_housekeeping(now=timezone.now() + timedelta(days=8))
    assert counts["reminded"] == 1
    assert len(mail.outbox) == 2 and "\n" not in mail.outbox[1].subject
    introduction.refresh_from_db()
    assert introduction.reminded_at is not None

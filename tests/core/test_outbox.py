"""The outbox (core/outbox.py): mail stored with the change, sent after the commit, retried,
failures recorded; headers built safely. The failing backend is Django's real SMTP backend
pointed at a port where nothing listens."""

from __future__ import annotations

import socket
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from knooppunt.core import outbox
from knooppunt.core.models import OutboxMail

SMTP = "django.core.mail.backends.smtp.EmailBackend"
LOCMEM = "django.core.mail.backends.locmem.EmailBackend"


def closed_port() -> int:
    """A local port with nothing listening on it (connecting is refused at once)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp_down(settings: Any) -> None:
    settings.EMAIL_BACKEND = SMTP
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = closed_port()
    settings.EMAIL_TIMEOUT = 5


@pytest.mark.parametrize(
    ("text", "line"),
    [
        (
            "Aanvraag van Bedrijf\nBcc: iedereen@example.nl",
            "Aanvraag van Bedrijf Bcc: iedereen@example.nl",
        ),
        ("A\r\nB\rC\u2028D\u0085E\tF  G", "A B C D E F G"),
        ("  x  ", "x"),
    ],
)
def test_header_line_is_one_line(text: str, line: str) -> None:
    assert outbox.header_line(text) == line


def test_a_long_subject_is_cut() -> None:
    assert len(outbox.header_line("x" * 500)) == outbox.SUBJECT_MAX


def test_mail_is_stored_with_the_change_and_sent_after_the_commit(
    db: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        outbox.mail_queue(purpose="test", to=["a@example.nl"], subject="S", body="B")
        raise RuntimeError
    assert not OutboxMail.objects.exists() and mail.outbox == []
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        queued = outbox.mail_queue(
            purpose="test",
            to=["a@example.nl", "bad\naddress", "a@example.nl"],
            subject="S\nX",
            body="B",
        )
    assert queued is not None and queued.to == ["a@example.nl"]
    assert mail.outbox == []  # nothing is sent before the commit
    for callback in callbacks:
        callback()
    assert [(m.to, m.subject) for m in mail.outbox] == [(["a@example.nl"], "S X")]
    queued.refresh_from_db()
    assert (queued.status, queued.attempts) == (OutboxMail.Status.SENT, 1)
    assert outbox.mail_queue(purpose="test", to=["with space@x.nl"], subject="S", body="B") is None


def test_a_failing_mail_server_is_recorded_and_retried(
    db: Any, smtp_down: None, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        queued = outbox.mail_queue(purpose="test", to=["a@example.nl"], subject="S", body="B")
    assert queued is not None
    queued.refresh_from_db()
    assert queued.status == OutboxMail.Status.PENDING
    assert queued.attempts == 1
    assert "refused" in queued.last_error.lower() or "Errno" in queued.last_error
    assert queued.next_attempt_at is not None and queued.next_attempt_at > timezone.now()
    # Not due yet: nothing is tried.
    assert outbox.mail_deliver_due() == {"sent": 0, "not_sent": 0}
    # The mail server is back.
    settings.EMAIL_BACKEND = LOCMEM
    later = timezone.now() + timedelta(minutes=2)
    assert outbox.mail_deliver_due(now=later) == {"sent": 1, "not_sent": 0}
    queued.refresh_from_db()
    assert (queued.status, queued.attempts) == (OutboxMail.Status.SENT, 2)
    assert len(mail.outbox) == 1
    assert outbox.mail_deliver_due(now=later + timedelta(days=1)) == {"sent": 0, "not_sent": 0}


def test_after_the_last_attempt_a_mail_is_failed(db: Any, smtp_down: None) -> None:
    queued = outbox.mail_queue(
        purpose="test", to=["a@example.nl"], subject="S", body="B", deliver_on_commit=False
    )
    assert queued is not None
    now = timezone.now()
    for _ in range(outbox.MAX_ATTEMPTS):
        now += timedelta(days=1)
        outbox.mail_deliver_due(now=now)
    queued.refresh_from_db()
    assert (queued.status, queued.attempts) == (OutboxMail.Status.FAILED, outbox.MAX_ATTEMPTS)
    assert outbox.mail_deliver_due(now=now + timedelta(days=1)) == {"sent": 0, "not_sent": 0}


def test_a_mail_being_sent_is_not_sent_twice(db: Any) -> None:
    queued = outbox.mail_queue(
        purpose="test", to=["a@example.nl"], subject="S", body="B", deliver_on_commit=False
    )
    assert queued is not None
    now = timezone.now()
    assert outbox._claim(queued.pk, now, force=False)  # another process holds the lease
    assert outbox.mail_deliver(queued.pk, now=now) is False
    assert mail.outbox == []
    assert outbox.mail_deliver(queued.pk, now=now + outbox.LEASE * 2) is True  # lease expired
    assert len(mail.outbox) == 1

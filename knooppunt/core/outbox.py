"""Mail that is sent after the commit, retried, and whose failures are recorded.

A service calls `mail_queue` inside its transaction: the mail is stored with the
change it reports (and rolled back with it). After the commit it is delivered at
once; a failure (the mail server is down, a bad address) never reaches the person
who made the change: it is recorded on the mail (`attempts`, `last_error`) and the
mail is tried again later by `mail_deliver_due` (`knooppunt send-mail`, run every
few minutes), with growing pauses, until `MAX_ATTEMPTS`; then it is `failed`.

Headers are built safely: the subject is made one line (any line break or other
whitespace run becomes one space) and recipients with whitespace are dropped, so a
name with a line break in it cannot break or add a header.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.mail import EmailMessage
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone

from knooppunt.core.models import OutboxMail

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
# The pause before attempt n+1 after n failed attempts (the last one repeats).
BACKOFF = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=6),
)
# A delivery claims the mail this long, so that two processes never send it twice at once.
LEASE = timedelta(minutes=5)
SUBJECT_MAX = 200


def header_line(text: Any, *, limit: int = SUBJECT_MAX) -> str:
    """`text` as one safe header line: every run of whitespace (line breaks included,
    also U+2028 and friends) becomes one space; at most `limit` characters."""
    line = " ".join(str(text).split())
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"


def _addresses(to: Iterable[str]) -> list[str]:
    seen: list[str] = []
    for address in to:
        address = (address or "").strip()
        if not address or any(ch.isspace() or ord(ch) < 32 for ch in address):
            continue
        if address not in seen:
            seen.append(address)
    return seen


def mail_queue(
    *,
    purpose: str,
    to: Sequence[str],
    subject: str,
    body: str,
    target: models.Model | None = None,
    deliver_on_commit: bool = True,
) -> OutboxMail | None:
    """Store a mail to send (inside the caller's transaction); None when nobody to send to.

    With `deliver_on_commit` it is delivered as soon as the transaction commits.
    """
    recipients = _addresses(to)
    if not recipients:
        return None
    mail = OutboxMail.objects.create(
        purpose=purpose,
        target_type=ContentType.objects.get_for_model(target, for_concrete_model=True)
        if target is not None
        else None,
        target_id=target.pk if target is not None else None,
        to=recipients,
        subject=header_line(subject),
        body=body,
        next_attempt_at=timezone.now(),
    )
    if deliver_on_commit:
        transaction.on_commit(lambda: mail_deliver(mail.pk))
    return mail


def mails_about(target: models.Model, purpose: str | None = None) -> models.QuerySet[OutboxMail]:
    """The mails queued about `target` (of one purpose), newest first."""
    qs = OutboxMail.objects.filter(
        target_type=ContentType.objects.get_for_model(target, for_concrete_model=True),
        target_id=target.pk,
    )
    return qs.filter(purpose=purpose) if purpose else qs


def _claim(pk: int, now: datetime, *, force: bool) -> bool:
    """Take the lease on a mail that may be sent now; False if it may not (or is taken)."""
    free = Q(locked_until__isnull=True) | Q(locked_until__lt=now)
    qs = OutboxMail.objects.filter(free, pk=pk)
    if force:
        qs = qs.filter(status__in=[OutboxMail.Status.PENDING, OutboxMail.Status.FAILED])
    else:
        qs = qs.filter(status=OutboxMail.Status.PENDING, next_attempt_at__lte=now)
    return bool(qs.update(locked_until=now + LEASE))


def mail_deliver(pk: int, *, now: datetime | None = None, force: bool = False) -> bool:
    """Send mail `pk` if it is due (`force`: also if it is not yet due, or failed before).

    True when it was sent by this call. Never raises: a failure is recorded on the mail.
    Runs outside any transaction (after the commit, or from a command).
    """
    now = now or timezone.now()
    if not _claim(pk, now, force=force):
        return False
    mail = OutboxMail.objects.get(pk=pk)
    try:
        EmailMessage(subject=mail.subject, body=mail.body, to=list(mail.to)).send()
    except Exception as error:  # the backend's failure is the mail's, never the caller's
        attempts = mail.attempts + 1
        gave_up = attempts >= MAX_ATTEMPTS
        pause = BACKOFF[min(attempts, len(BACKOFF)) - 1]
        OutboxMail.objects.filter(pk=pk).update(
            attempts=attempts,
            last_error=f"{type(error).__name__}: {error}"[:2000],
            status=OutboxMail.Status.FAILED if gave_up else OutboxMail.Status.PENDING,
            next_attempt_at=None if gave_up else now + pause,
            locked_until=None,
        )
        logger.warning("mail %s (%s) failed, attempt %d: %s", pk, mail.purpose, attempts, error)
        return False
    OutboxMail.objects.filter(pk=pk).update(
        attempts=mail.attempts + 1,
        status=OutboxMail.Status.SENT,
        sent_at=timezone.now(),
        next_attempt_at=None,
        locked_until=None,
    )
    return True


def mail_deliver_due(*, now: datetime | None = None, limit: int = 500) -> dict[str, int]:
    """Try every mail that is due again; {"sent": n, "not_sent": m} for this round."""
    now = now or timezone.now()
    due = OutboxMail.objects.filter(
        status=OutboxMail.Status.PENDING, next_attempt_at__lte=now
    ).order_by("next_attempt_at", "id")
    sent = not_sent = 0
    for pk in list(due.values_list("pk", flat=True)[:limit]):
        if mail_deliver(pk, now=now):
            sent += 1
        else:
            not_sent += 1
    return {"sent": sent, "not_sent": not_sent}

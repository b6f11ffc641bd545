"""Every write in matching: partner profiles, introductions and their answers, guides.

Each function takes keyword-only arguments and an explicit `actor`, validates,
writes an audit entry and queues what mail the step needs: the mail is stored in the
same transaction and sent after the commit, with retries (`knooppunt.core.outbox`).
Introductions change state only through their workflow (`matching.workflows`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from knooppunt.accounts.models import User
from knooppunt.core.audit import audit_log, diff, snapshot
from knooppunt.core.concurrency import Expected, changed_fields, check_version, lock, save_fields
from knooppunt.core.models import OutboxMail
from knooppunt.core.outbox import mail_deliver, mail_queue, mails_about
from knooppunt.core.workflow import InvalidTransition
from knooppunt.matching.models import (
    INTRODUCTION_EXPIRES_AFTER,
    INTRODUCTION_REMIND_AFTER,
    Guide,
    Introduction,
    IntroductionStatus,
    Offer,
    PartnerProfile,
)
from knooppunt.matching.queries import reasons_between
from knooppunt.matching.workflows import INTRODUCTION
from knooppunt.registry.models import Organisation, Partnership

# At most this many introduction requests per user per 24 hours (spam guard).
INTRODUCTIONS_PER_DAY = 10
# The longest message (or answer) an introduction carries.
MESSAGE_MAX = 2000
# The outbox purposes of the introduction mails.
REQUESTED_MAIL = "matching.introduction.requested"
ANSWERED_MAIL = "matching.introduction.answered"
REMINDER_MAIL = "matching.introduction.reminder"
PROFILE_FIELDS = ["open_to_partnerships", "offers", "seeks", "seeks_text"]


def _clean_offers(values: Iterable[str], field: str) -> list[str]:
    values = list(values)
    unknown = sorted(set(values) - set(Offer.values))
    if unknown:
        raise ValidationError({field: _("Unknown choice(s): %s.") % ", ".join(unknown)})
    return [v for v in Offer.values if v in values]  # canonical order, no repeats


@transaction.atomic
def partner_profile_update(
    *,
    actor: Any,
    organisation: Organisation,
    open_to_partnerships: bool | None,
    offers: Iterable[str],
    seeks: Iterable[str],
    seeks_text: str = "",
    expected_version: Expected = None,
) -> PartnerProfile:
    """Set what `organisation` offers and seeks; recorded in the organisation's history.

    `expected_version` is the profile's version the change is based on (0: there was no
    profile yet); a profile changed since raises `StaleWrite`.
    """
    existing = PartnerProfile.objects.filter(organisation=organisation).first()
    if existing is None:
        check_version(PartnerProfile(organisation=organisation), expected_version)
        profile = PartnerProfile(organisation=organisation)
        before = snapshot(profile, PROFILE_FIELDS)
    else:
        profile = lock(PartnerProfile, existing.pk)
        check_version(profile, expected_version)
        before = snapshot(profile, PROFILE_FIELDS)
    values = {
        "open_to_partnerships": open_to_partnerships,
        "offers": _clean_offers(offers, "offers"),
        "seeks": _clean_offers(seeks, "seeks"),
        "seeks_text": seeks_text.strip(),
    }
    changed = changed_fields(profile, values)
    for name in changed:
        setattr(profile, name, values[name])
    profile.full_clean(exclude=["organisation"])
    if existing is None:
        profile.save()
    elif changed:
        save_fields(profile, changed)
    changes = diff(before, snapshot(profile, PROFILE_FIELDS))
    if changes:
        audit_log(
            actor=actor,
            action="matching.profile.updated",
            target=organisation,
            changes=changes,
        )
    return profile


def _contacts_of(organisation: Organisation) -> list[str]:
    """Where to mail an organisation: its editors, else its general address, else the brokers."""
    emails = list(
        User.objects.filter(editorships__organisation=organisation, is_active=True).values_list(
            "email", flat=True
        )
    )
    if not emails and organisation.email:
        emails = [organisation.email]
    if not emails:  # nobody to ask at the organisation: the brokers pass it on
        emails = list(
            User.objects.filter(is_staff=True, is_active=True).values_list("email", flat=True)
        )
    return emails


def _queue_mail(
    purpose: str,
    introduction: Introduction,
    template: str,
    subject: Callable[[], str],
    to: list[str],
    *,
    deliver_on_commit: bool = True,
) -> OutboxMail | None:
    """Store a mail about `introduction` in the outbox (in the site's language); it is sent
    after the commit and retried if that fails (`knooppunt.core.outbox`)."""
    with translation.override(settings.LANGUAGE_CODE):
        body = render_to_string(template, {"introduction": introduction, "site": settings.SITE_URL})
        text = subject()
    return mail_queue(
        purpose=purpose,
        target=introduction,
        to=to,
        subject=text,
        body=body,
        deliver_on_commit=deliver_on_commit,
    )


def _check_rate(actor: Any) -> None:
    since = timezone.now() - timedelta(days=1)
    recent = Introduction.objects.filter(requested_by=actor, created_at__gte=since).count()
    if recent >= INTRODUCTIONS_PER_DAY:
        raise ValidationError(
            _(
                "You have asked for %(n)d introductions in the last 24 hours, the most we "
                "allow. Please try again tomorrow."
            )
            % {"n": recent}
        )


def _check_length(field: str, text: str) -> None:
    if len(text) > MESSAGE_MAX:
        raise ValidationError(
            {field: _("Keep it under %(max)d characters.") % {"max": MESSAGE_MAX}}
        )


@transaction.atomic
def introduction_request(
    *,
    actor: Any,
    requester: Organisation,
    target: Organisation,
    message: str,
    partnership: Partnership | None = None,
    direct: bool = False,
) -> Introduction:
    """`requester` asks to be introduced to `target` (or a broker introduces them: `direct`).

    Why they fit is computed here, from the matcher, and stored as reason codes; the
    request itself brings only its message.
    """
    if requester.pk == target.pk:
        raise ValidationError({"target": _("An organisation cannot be introduced to itself.")})
    message = message.strip()
    if not message:
        raise ValidationError({"message": _("Write a short message for the other party.")})
    _check_length("message", message)
    open_pair = Introduction.objects.filter(
        requester=requester, target=target, status=IntroductionStatus.REQUESTED
    )
    if open_pair.exists():
        raise ValidationError(
            _("There is already an open introduction request from %(a)s to %(b)s.")
            % {"a": requester, "b": target}
        )
    _check_rate(actor)
    introduction = Introduction(
        requester=requester,
        target=target,
        partnership=partnership,
        message=message,
        reasons=[r.as_json() for r in reasons_between(requester, target)],
        requested_by=actor,
        introduced_by=actor if direct else None,
    )
    INTRODUCTION.create(
        introduction,
        "introduce" if direct else "request",
        actor=actor,
        changes={"requester": [None, str(requester)], "target": [None, str(target)]},
    )

    def requested() -> str:
        return _("Introduction request from %(name)s") % {"name": requester.name}

    template = "matching/email/introduction_requested.txt"
    _queue_mail(REQUESTED_MAIL, introduction, template, requested, _contacts_of(target))
    if direct:
        _queue_mail(REQUESTED_MAIL, introduction, template, requested, _contacts_of(requester))
    return introduction


@transaction.atomic
def introduction_answer(
    *, actor: Any, introduction: Introduction, accept: bool, response: str = ""
) -> Introduction:
    """The target accepts or declines; on acceptance both parties see each other's contact."""
    response = response.strip()
    _check_length("response", response)
    INTRODUCTION.perform(
        introduction,
        "accept" if accept else "decline",
        actor=actor,
        fields={"responded_by": actor, "responded_at": timezone.now(), "response": response},
    )
    _queue_mail(
        ANSWERED_MAIL,
        introduction,
        "matching/email/introduction_answered.txt",
        lambda: (
            _("Your introduction request to %(name)s was answered")
            % {"name": introduction.target.name}
        ),
        [introduction.requested_by.email],
    )
    return introduction


def _remind(introduction: Introduction, now: datetime) -> bool:
    """Send the reminder for `introduction` (or its earlier, unsent one) and record it only
    once the mail has really gone out. True when it was recorded now."""
    mail = mails_about(introduction, REMINDER_MAIL).first()
    if mail is None:
        with transaction.atomic():
            mail = _queue_mail(
                REMINDER_MAIL,
                introduction,
                "matching/email/introduction_reminder.txt",
                lambda: (
                    _("Reminder: introduction request from %(name)s")
                    % {"name": introduction.requester.name}
                ),
                _contacts_of(introduction.target),
                deliver_on_commit=False,
            )
        if mail is None:  # nobody to remind
            return False
    if mail.status != OutboxMail.Status.SENT:
        mail_deliver(mail.pk, now=now, force=True)
        mail.refresh_from_db()
        if mail.status != OutboxMail.Status.SENT:
            return False  # recorded on the mail; the next run tries again
    try:
        INTRODUCTION.perform(
            introduction, "remind", actor=None, fields={"reminded_at": mail.sent_at or now}
        )
    except InvalidTransition:  # answered or expired in the meantime
        return False
    return True


def introductions_housekeeping(*, now: datetime | None = None) -> dict[str, int]:
    """Expire requests open for 30 days; remind targets of requests open for 7 days (once)."""
    now = now or timezone.now()
    expired = 0
    for introduction in Introduction.objects.filter(
        status=IntroductionStatus.REQUESTED, created_at__lte=now - INTRODUCTION_EXPIRES_AFTER
    ):
        try:
            INTRODUCTION.perform(introduction, "expire", actor=None)
        except InvalidTransition:  # answered in the meantime
            continue
        expired += 1
    reminded = 0
    due = Introduction.objects.filter(
        status=IntroductionStatus.REQUESTED,
        reminded_at__isnull=True,
        created_at__lte=now - INTRODUCTION_REMIND_AFTER,
    ).select_related("requester", "target")
    for introduction in due:
        if _remind(introduction, now):
            reminded += 1
    return {"reminded": reminded, "expired": expired}


GUIDE_FIELDS = ["title_nl", "title_en", "body_nl", "body_en"]


@transaction.atomic
def guide_save(*, actor: Any, kind: str, expected_version: Expected = None, **fields: str) -> Guide:
    """Create or change the contact guide for organisation kind `kind` (staff).

    `expected_version`: the guide's version the change is based on (0: no guide yet).
    """
    for name in fields:
        if name not in GUIDE_FIELDS:
            raise ValueError(f"not a guide field: {name}")
    existing = Guide.objects.filter(kind=kind).first()
    created = existing is None
    if existing is None:
        check_version(Guide(kind=kind), expected_version)
        guide = Guide(kind=kind)
    else:
        guide = lock(Guide, existing.pk)
        check_version(guide, expected_version)
    before = {} if created else snapshot(guide, GUIDE_FIELDS)
    values = {name: value.strip() for name, value in fields.items()}
    changed = changed_fields(guide, values)
    for name in changed:
        setattr(guide, name, values[name])
    guide.updated_by = actor if getattr(actor, "is_authenticated", False) else None
    guide.full_clean()
    if created:
        guide.save()
    elif changed:
        save_fields(guide, [*changed, "updated_by"])
    changes = diff(before, snapshot(guide, GUIDE_FIELDS))
    if changes:
        audit_log(
            actor=actor,
            action="matching.guide.created" if created else "matching.guide.updated",
            target=guide,
            changes=changes,
        )
    return guide

"""Every write in matching: partner profiles, introductions and their answers, guides.

Each function takes keyword-only arguments and an explicit `actor`, validates,
writes an audit entry and sends what mail the step needs (after commit).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from knooppunt.accounts.models import User
from knooppunt.core.audit import audit_log, diff, snapshot
from knooppunt.core.concurrency import Expected, changed_fields, check_version, lock, save_fields
from knooppunt.matching.models import (
    INTRODUCTION_EXPIRES_AFTER,
    INTRODUCTION_REMIND_AFTER,
    Guide,
    Introduction,
    IntroductionStatus,
    Offer,
    PartnerProfile,
)
from knooppunt.registry.models import Organisation, Partnership

# At most this many introduction requests per user per 24 hours (spam guard).
INTRODUCTIONS_PER_DAY = 10
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


def _mail(template: str, subject: str, context: dict[str, Any], to: list[str]) -> None:
    if not to:
        return
    with translation.override(settings.LANGUAGE_CODE):
        body = render_to_string(template, context)
        subject = str(subject)
    transaction.on_commit(lambda: send_mail(subject, body, None, to))


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


@transaction.atomic
def introduction_request(
    *,
    actor: Any,
    requester: Organisation,
    target: Organisation,
    message: str,
    partnership: Partnership | None = None,
    reasons: Iterable[str] = (),
    direct: bool = False,
) -> Introduction:
    """`requester` asks to be introduced to `target` (or a broker introduces them: `direct`)."""
    if requester.pk == target.pk:
        raise ValidationError({"target": _("An organisation cannot be introduced to itself.")})
    if not message.strip():
        raise ValidationError({"message": _("Write a short message for the other party.")})
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
        message=message.strip(),
        reasons=[str(r) for r in reasons][:12],
        requested_by=actor,
        introduced_by=actor if direct else None,
    )
    introduction.full_clean()
    introduction.save()
    audit_log(
        actor=actor,
        action="matching.introduction.introduced" if direct else "matching.introduction.requested",
        target=introduction,
        changes={"requester": [None, str(requester)], "target": [None, str(target)]},
    )
    context = {"introduction": introduction, "site": settings.SITE_URL}
    _mail(
        "matching/email/introduction_requested.txt",
        _("Introduction request from %(name)s") % {"name": requester.name},
        context,
        _contacts_of(target),
    )
    if direct:
        _mail(
            "matching/email/introduction_requested.txt",
            _("Introduction request from %(name)s") % {"name": requester.name},
            context,
            _contacts_of(requester),
        )
    return introduction


@transaction.atomic
def introduction_answer(
    *, actor: Any, introduction: Introduction, accept: bool, response: str = ""
) -> Introduction:
    """The target accepts or declines; on acceptance both parties see each other's contact."""
    introduction = Introduction.objects.select_for_update().get(pk=introduction.pk)
    if introduction.status != IntroductionStatus.REQUESTED:
        raise ValidationError(_("This introduction has already been answered or has expired."))
    before = introduction.status
    introduction.status = IntroductionStatus.ACCEPTED if accept else IntroductionStatus.DECLINED
    introduction.responded_by = actor
    introduction.responded_at = timezone.now()
    introduction.response = response.strip()
    introduction.save()
    audit_log(
        actor=actor,
        action=f"matching.introduction.{introduction.status}",
        target=introduction,
        changes={"status": [before, introduction.status]},
    )
    _mail(
        "matching/email/introduction_answered.txt",
        _("Your introduction request to %(name)s was answered") % {"name": introduction.target},
        {"introduction": introduction, "site": settings.SITE_URL},
        [introduction.requested_by.email],
    )
    return introduction


def introductions_housekeeping(*, now: datetime | None = None) -> dict[str, int]:
    """Remind targets of requests open for 7 days (once); expire those open for 30 days."""
    now = now or timezone.now()
    expired = 0
    for introduction in Introduction.objects.filter(
        status=IntroductionStatus.REQUESTED, created_at__lte=now - INTRODUCTION_EXPIRES_AFTER
    ):
        with transaction.atomic():
            introduction.status = IntroductionStatus.EXPIRED
            introduction.save(update_fields=["status"])
            audit_log(
                actor=None,
                action="matching.introduction.expired",
                target=introduction,
                changes={"status": [IntroductionStatus.REQUESTED, IntroductionStatus.EXPIRED]},
            )
        expired += 1
    reminded = 0
    due = Introduction.objects.filter(
        status=IntroductionStatus.REQUESTED,
        reminded_at__isnull=True,
        created_at__lte=now - INTRODUCTION_REMIND_AFTER,
    ).select_related("requester", "target")
    for introduction in due:
        with transaction.atomic():
            introduction.reminded_at = now
            introduction.save(update_fields=["reminded_at"])
            audit_log(actor=None, action="matching.introduction.reminded", target=introduction)
            _mail(
                "matching/email/introduction_reminder.txt",
                _("Reminder: introduction request from %(name)s")
                % {"name": introduction.requester},
                {"introduction": introduction, "site": settings.SITE_URL},
                _contacts_of(introduction.target),
            )
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

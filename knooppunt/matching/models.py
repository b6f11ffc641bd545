"""Partner matching: what organisations offer and seek, introductions, and contact guides."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from knooppunt.core.concurrency import Versioned
from knooppunt.core.validators import validate_not_blank, validate_single_line, validate_text
from knooppunt.registry.models import Organisation, OrganisationKind, Partnership

# After this long without an answer an introduction request expires.
INTRODUCTION_EXPIRES_AFTER = timedelta(days=30)
# A reminder goes to the target's contacts once, this long after the request.
INTRODUCTION_REMIND_AFTER = timedelta(days=7)
SEEKS_TEXT_MAX = 2000
GUIDE_TITLE_MAX = 200


class Offer(models.TextChoices):
    """Things an organisation can offer to, or seek from, a partner (order = scoring bits)."""

    GUEST_LESSONS = "guest_lessons", _("Guest lessons")
    ASSIGNMENTS = "assignments", _("Practical assignments")
    INTERNSHIPS = "internships", _("Internships")
    BBL_PLACES = "bbl_places", _("BBL work-study places")
    COMPANY_VISITS = "company_visits", _("Company visits")
    EQUIPMENT = "equipment", _("Equipment and facilities")
    TEACHER_PLACEMENTS = "teacher_placements", _("Placements for teachers")
    FUNDING = "funding", _("Funding")


class PartnerProfile(Versioned):
    """An organisation's offers and needs: what the matcher compares."""

    organisation = models.OneToOneField(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="partner_profile",
    )
    open_to_partnerships = models.BooleanField(
        _("open to new partnerships"),
        null=True,
        blank=True,
        help_text=_("Leave empty if you would rather not say."),
    )
    offers = models.JSONField(_("we offer"), default=list, blank=True)
    seeks = models.JSONField(_("we look for"), default=list, blank=True)
    seeks_text = models.TextField(
        _("in our own words"),
        max_length=SEEKS_TEXT_MAX,
        validators=[MaxLengthValidator(SEEKS_TEXT_MAX), validate_text],
        blank=True,
        help_text=_("What kind of partner or cooperation you are looking for."),
    )
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("partner profile")
        verbose_name_plural = _("partner profiles")

    def __str__(self) -> str:
        return str(self.organisation)

    def offer_labels(self) -> list[str]:
        return [str(Offer(v).label) for v in self.offers if v in Offer.values]

    def seek_labels(self) -> list[str]:
        return [str(Offer(v).label) for v in self.seeks if v in Offer.values]


class IntroductionStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    EXPIRED = "expired", _("Expired")


class Introduction(models.Model):
    """A request to be introduced to an organisation, and its answer.

    `requester` is the organisation asking (the seeker); `target` the one asked.
    A broker (staff) may also introduce two parties directly: then `introduced_by`
    is set and the request goes to the target like any other.
    """

    requester = models.ForeignKey(
        Organisation,
        verbose_name=_("from"),
        on_delete=models.CASCADE,
        related_name="introductions_requested",
    )
    target = models.ForeignKey(
        Organisation,
        verbose_name=_("to"),
        on_delete=models.CASCADE,
        related_name="introductions_received",
    )
    partnership = models.ForeignKey(
        Partnership,
        verbose_name=_("for partnership"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="introductions",
    )
    message = models.TextField(_("message"))
    # Why they fit, computed by the server: [{"code", "params"}] (see matching/reasons.py).
    reasons = models.JSONField(default=list, blank=True)
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=IntroductionStatus.choices,
        default=IntroductionStatus.REQUESTED,
        db_index=True,
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    introduced_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("introduced by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("answered by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    response = models.TextField(_("answer"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    responded_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("introduction")
        verbose_name_plural = _("introductions")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(requester=models.F("target")),
                name="introduction_not_to_self",
            ),
            models.UniqueConstraint(
                fields=["requester", "target"],
                condition=models.Q(status="requested"),
                name="one_open_introduction_per_pair",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.requester} → {self.target}"

    def get_absolute_url(self) -> str:
        return reverse("matching:introduction-detail", args=[self.pk])

    @property
    def expires_at(self) -> datetime:
        return self.created_at + INTRODUCTION_EXPIRES_AFTER

    @property
    def is_open(self) -> bool:
        return self.status == IntroductionStatus.REQUESTED


class Guide(Versioned):
    """How to approach one kind of organisation and what to offer it; written by staff."""

    kind = models.CharField(
        _("organisation kind"), max_length=30, choices=OrganisationKind.choices, unique=True
    )
    title_nl = models.CharField(
        _("title (Dutch)"),
        max_length=GUIDE_TITLE_MAX,
        validators=[validate_not_blank, validate_single_line],
    )
    title_en = models.CharField(
        _("title (English)"),
        max_length=GUIDE_TITLE_MAX,
        blank=True,
        validators=[validate_single_line],
    )
    body_nl = models.TextField(_("text (Dutch)"), validators=[validate_not_blank, validate_text])
    body_en = models.TextField(_("text (English)"), blank=True, validators=[validate_text])
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["kind"]
        verbose_name = _("contact guide")
        verbose_name_plural = _("contact guides")

    def __str__(self) -> str:
        return self.get_kind_display()

    def get_absolute_url(self) -> str:
        return reverse("matching:guide-detail", args=[self.kind])

    def _localised(self, nl: str, en: str) -> str:
        from django.utils.translation import get_language

        return en if (get_language() or "nl").startswith("en") and en else nl

    @property
    def title(self) -> str:
        return self._localised(self.title_nl, self.title_en)

    @property
    def body(self) -> str:
        return self._localised(self.body_nl, self.body_en)

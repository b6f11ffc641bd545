"""The registry: themes, organisations, people, partnerships and memberships."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import (
    MaxLengthValidator,
    MaxValueValidator,
    MinValueValidator,
    RegexValidator,
)
from django.db import models
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from knooppunt.core.concurrency import Versioned
from knooppunt.core.validators import validate_not_blank, validate_single_line, validate_text
from knooppunt.places import countries
from knooppunt.places.models import Municipality
from knooppunt.registry import rules

YEAR_VALIDATORS = [MinValueValidator(rules.YEAR_MIN), MaxValueValidator(rules.YEAR_MAX)]
brin_validator = RegexValidator(f"^{rules.BRIN_PATTERN}$", rules.BRIN_MESSAGE)
kvk_validator = RegexValidator(f"^{rules.KVK_PATTERN}$", rules.KVK_MESSAGE)
# Required one-line names; optional one-line values; long text (description, goals).
NAME_VALIDATORS = [validate_not_blank, validate_single_line]
LINE_VALIDATORS = [validate_single_line]
TEXT_VALIDATORS: list[Callable[[Any], None]] = [MaxLengthValidator(rules.TEXT_MAX), validate_text]


class OrganisationKind(models.TextChoices):
    SCHOOL_VO = "school_vo", _("Secondary school (vo)")
    SCHOOL_MBO = "school_mbo", _("Vocational school (mbo)")
    SCHOOL_HBO = "school_hbo", _("University of applied sciences (hbo)")
    SCHOOL_WO = "school_wo", _("University (wo)")
    COMPANY = "company", _("Company")
    MUNICIPALITY = "municipality", _("Municipality")
    PROVINCE = "province", _("Province")
    NATIONAL_GOVERNMENT = "national_government", _("National government")
    INDUSTRY_ASSOCIATION = "industry_association", _("Industry association")
    KNOWLEDGE_INSTITUTE = "knowledge_institute", _("Knowledge institute")
    INTERMEDIARY = "intermediary", _("Intermediary or network")
    OTHER = "other", _("Other")


SCHOOL_KINDS = rules.SCHOOL_KINDS
assert set(OrganisationKind.values) >= SCHOOL_KINDS  # noqa: S101 - a typo would be silent


class PartnershipKind(models.TextChoices):
    CAMPUS = "campus", _("Campus")
    CENTRE_OF_EXPERTISE = "centre_of_expertise", _("Centre of Expertise (hbo)")
    CIV = "civ", _("Centre for Innovative Craftsmanship (mbo)")
    TECHNOHUB = "technohub", _("Technohub")
    LEARNING_COMMUNITY = "learning_community", _("Learning Community")
    RIF_PROJECT = "rif_project", _("Regional Investment Fund project (RIF)")
    COVE = "cove", _("Centre of Vocational Excellence (EU)")
    HUB = "hub", _("Hub")
    OTHER = "other", _("Other")


class MembershipRole(models.TextChoices):
    LEAD = "lead", _("Lead")
    FOUNDER = "founder", _("Founder")
    PARTNER = "partner", _("Partner")
    FUNDER = "funder", _("Funder")
    MEMBER = "member", _("Member")


class Theme(models.Model):
    """A term of the controlled vocabulary (topsector, vocational domain or cross-cutting theme)."""

    class Kind(models.TextChoices):
        TOPSECTOR = "topsector", _("Top sector")
        DOMAIN = "domain", _("Vocational domain")
        CROSS_CUTTING = "cross_cutting", _("Cross-cutting theme")

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name_nl = models.CharField(_("Dutch name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="children"
    )
    synonyms_nl = models.TextField(_("Dutch synonyms"), blank=True, help_text=_("Separated by ;"))
    synonyms_en = models.TextField(_("English synonyms"), blank=True, help_text=_("Separated by ;"))
    related_sbi_divisions = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["name_nl"]
        verbose_name = _("theme")
        verbose_name_plural = _("themes")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_en if (get_language() or "nl").startswith("en") else self.name_nl

    def synonyms(self) -> list[str]:
        return [s.strip() for s in f"{self.synonyms_nl};{self.synonyms_en}".split(";") if s.strip()]


class SbiCode(models.Model):
    """An SBI 2008 activity code (KvK version)."""

    code = models.CharField(_("code"), max_length=5, unique=True)
    name_nl = models.CharField(_("name"), max_length=300)
    section = models.CharField(_("section"), max_length=1, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("SBI code")
        verbose_name_plural = _("SBI codes")

    def __str__(self) -> str:
        return f"{self.code} {self.name_nl}"


def country_field() -> models.CharField:
    return models.CharField(
        _("country"),
        max_length=2,
        default=countries.NETHERLANDS,
        choices=countries.choices,
        help_text=_("Only places in the Netherlands have a municipality."),
    )


class Located:
    """Where an organisation or partnership is: a country, the place as written, and (in
    the Netherlands, when the place resolves) a municipality. See places.resolve."""

    country: str
    city: str
    municipality: Municipality | None

    @property
    def is_abroad(self) -> bool:
        return self.country != countries.NETHERLANDS

    @property
    def country_name(self) -> str:
        """The country's name in the active language."""
        return countries.name(self.country)

    @property
    def place_label(self) -> str:
        """One line for lists and headers: `Mol, België`, `Hengelo, Overijssel`, or the
        place as written when it has no municipality; "" when nothing is known."""
        if self.is_abroad:
            return ", ".join(part for part in (self.city, self.country_name) if part)
        municipality = self.municipality
        if municipality is None:
            return self.city
        return f"{self.city or municipality.name}, {municipality.province.name}"

    @property
    def place_short(self) -> str:
        """For a name in a list of members: `Mol, België`, the municipality, or the place."""
        if self.is_abroad:
            return self.place_label
        return self.municipality.name if self.municipality is not None else self.city

    @property
    def is_unplaced(self) -> bool:
        """A Dutch place is known but no municipality: staff should fix it."""
        return not self.is_abroad and self.municipality is None and bool(self.city)

    def clean_place(self) -> None:
        if self.is_abroad and self.municipality is not None:
            raise ValidationError(
                {"municipality": _("Only places in the Netherlands have a municipality.")}
            )


class Organisation(Located, Versioned):
    """A school, company, public body or network that takes part in partnerships."""

    kind = models.CharField(_("kind"), max_length=30, choices=OrganisationKind.choices)
    name = models.CharField(_("name"), max_length=rules.NAME_MAX, validators=NAME_VALIDATORS)
    brin = models.CharField(_("BRIN code"), max_length=4, blank=True, validators=[brin_validator])
    kvk = models.CharField(_("KvK number"), max_length=8, blank=True, validators=[kvk_validator])
    sbi_codes = models.ManyToManyField(SbiCode, verbose_name=_("SBI codes"), blank=True)
    themes = models.ManyToManyField(
        Theme, verbose_name=_("themes"), blank=True, related_name="organisations"
    )
    country = country_field()
    municipality = models.ForeignKey(
        Municipality,
        verbose_name=_("municipality"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="organisations",
    )
    city = models.CharField(
        _("place"), max_length=rules.CITY_MAX, blank=True, validators=LINE_VALIDATORS
    )
    website = models.URLField(_("website"), max_length=rules.URL_MAX, blank=True)
    email = models.EmailField(_("general email address"), max_length=rules.EMAIL_MAX, blank=True)
    phone = models.CharField(
        _("general phone number"),
        max_length=rules.PHONE_MAX,
        blank=True,
        validators=LINE_VALIDATORS,
    )
    description = models.TextField(
        _("description"), max_length=rules.TEXT_MAX, blank=True, validators=TEXT_VALIDATORS
    )
    other_themes = models.TextField(
        _("other themes"),
        blank=True,
        help_text=_("Themes outside the vocabulary, as imported; separated by ;"),
    )
    logo = models.ImageField(_("logo"), upload_to="logos/", blank=True)
    search_document = models.TextField(blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        indexes = [
            models.Index(fields=["name", "id"]),
            models.Index(fields=["updated_at"]),  # newest change: sort and matching's cache key
            models.Index(fields=["kind", "name"]),
            models.Index(fields=["brin"]),
            models.Index(fields=["kvk"]),
            # The staff list of those without a municipality (few among many), per country.
            models.Index(
                fields=["country", "name", "id"],
                condition=models.Q(municipality__isnull=True),
                name="organisation_unplaced",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("registry:organisation-detail", args=[self.pk])

    def clean(self) -> None:
        if problem := rules.school_brin_problem(self.kind, self.brin):
            raise ValidationError({"brin": problem})
        self.clean_place()

    @property
    def is_school(self) -> bool:
        return self.kind in SCHOOL_KINDS


class OrganisationSourceId(models.Model):
    """The id an imported file (or the demo data) gave an organisation, per source."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="source_ids"
    )
    source = models.CharField(max_length=100)
    external_id = models.CharField(max_length=200)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"], name="unique_organisation_source_id"
            )
        ]

    def __str__(self) -> str:
        return f"{self.source}:{self.external_id}"


class Person(Versioned):
    """A contact person. Email and phone are personal data, shown only to who may see them."""

    name = models.CharField(_("name"), max_length=rules.PERSON_NAME_MAX, validators=NAME_VALIDATORS)
    email = models.EmailField(_("email address"), max_length=rules.EMAIL_MAX, blank=True)
    phone = models.CharField(
        _("phone number"), max_length=rules.PHONE_MAX, blank=True, validators=LINE_VALIDATORS
    )
    is_public = models.BooleanField(
        _("name may be shown publicly"),
        default=False,
        help_text=_("Only with the person's consent. Email and phone are never public."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("person")
        verbose_name_plural = _("people")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("registry:person-detail", args=[self.pk])


class Affiliation(models.Model):
    """A person works for an organisation in some function."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="affiliations")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="affiliations"
    )
    function = models.CharField(
        _("function"), max_length=rules.FUNCTION_MAX, blank=True, validators=LINE_VALIDATORS
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person", "organisation"], name="unique_affiliation")
        ]
        verbose_name = _("affiliation")
        verbose_name_plural = _("affiliations")

    def __str__(self) -> str:
        return f"{self.person} ({self.function}, {self.organisation})"


class Partnership(Located, Versioned):
    """A public-private partnership (PPS): campus, Centre of Expertise, CIV, Technohub, ..."""

    kind = models.CharField(_("kind"), max_length=30, choices=PartnershipKind.choices)
    name = models.CharField(_("name"), max_length=rules.NAME_MAX, validators=NAME_VALIDATORS)
    themes = models.ManyToManyField(
        Theme, verbose_name=_("themes"), blank=True, related_name="partnerships"
    )
    country = country_field()
    municipality = models.ForeignKey(
        Municipality,
        verbose_name=_("municipality"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="partnerships",
    )
    city = models.CharField(
        _("place"), max_length=rules.CITY_MAX, blank=True, validators=LINE_VALIDATORS
    )
    start_year = models.PositiveSmallIntegerField(
        _("start year"), null=True, blank=True, validators=YEAR_VALIDATORS
    )
    end_year = models.PositiveSmallIntegerField(
        _("end year"), null=True, blank=True, validators=YEAR_VALIDATORS
    )
    description = models.TextField(
        _("description"), max_length=rules.TEXT_MAX, blank=True, validators=TEXT_VALIDATORS
    )
    other_themes = models.TextField(
        _("other themes"),
        blank=True,
        help_text=_("Themes outside the vocabulary, as imported; separated by ;"),
    )
    goals = models.TextField(
        _("goals"), max_length=rules.TEXT_MAX, blank=True, validators=TEXT_VALIDATORS
    )
    website = models.URLField(_("website"), max_length=rules.URL_MAX, blank=True)
    email = models.EmailField(_("general email address"), max_length=rules.EMAIL_MAX, blank=True)
    organisations = models.ManyToManyField(
        Organisation, through="Membership", related_name="partnerships"
    )
    search_document = models.TextField(blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("partnership")
        verbose_name_plural = _("partnerships")
        indexes = [
            models.Index(fields=["name", "id"]),
            models.Index(
                fields=["country", "name", "id"],
                condition=models.Q(municipality__isnull=True),
                name="partnership_unplaced",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_year__isnull=True)
                | models.Q(start_year__isnull=True)
                | models.Q(end_year__gte=models.F("start_year")),
                name="partnership_end_after_start",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("registry:partnership-detail", args=[self.pk])

    def clean(self) -> None:
        if problem := rules.year_order_problem(self.start_year, self.end_year):
            raise ValidationError({"end_year": problem})
        self.clean_place()

    def lead_organisation_ids(self) -> list[int]:
        cached = getattr(self, "_prefetched_objects_cache", {}).get("memberships")
        if cached is not None:
            return [m.organisation_id for m in cached if m.role == MembershipRole.LEAD]
        return list(
            self.memberships.filter(role=MembershipRole.LEAD).values_list(
                "organisation_id", flat=True
            )
        )


class PartnershipSourceId(models.Model):
    partnership = models.ForeignKey(
        Partnership, on_delete=models.CASCADE, related_name="source_ids"
    )
    source = models.CharField(max_length=100)
    external_id = models.CharField(max_length=200)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"], name="unique_partnership_source_id"
            )
        ]

    def __str__(self) -> str:
        return f"{self.source}:{self.external_id}"


class Membership(Versioned):
    """An organisation takes part in a partnership in a role, since some year."""

    partnership = models.ForeignKey(
        Partnership, on_delete=models.CASCADE, related_name="memberships"
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(
        _("role"), max_length=10, choices=MembershipRole.choices, default=MembershipRole.MEMBER
    )
    since_year = models.PositiveSmallIntegerField(
        _("since"), null=True, blank=True, validators=YEAR_VALIDATORS
    )
    until_year = models.PositiveSmallIntegerField(
        _("until"), null=True, blank=True, validators=YEAR_VALIDATORS
    )

    class Meta:
        ordering = ["role", "organisation__name"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["partnership", "organisation"], name="unique_membership"
            ),
            models.CheckConstraint(
                condition=models.Q(until_year__isnull=True)
                | models.Q(since_year__isnull=True)
                | models.Q(until_year__gte=models.F("since_year")),
                name="membership_until_after_since",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} in {self.partnership} ({self.role})"

    def clean(self) -> None:
        if problem := rules.year_order_problem(self.since_year, self.until_year):
            raise ValidationError({"until_year": problem})


class PartnershipContact(Versioned):
    """A contact person for a partnership, with what they are the contact for."""

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="contacts")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="partnership_roles")
    role = models.CharField(
        _("contact for"), max_length=rules.FUNCTION_MAX, blank=True, validators=LINE_VALIDATORS
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["partnership", "person"], name="unique_contact")
        ]
        verbose_name = _("contact person")
        verbose_name_plural = _("contact persons")

    def __str__(self) -> str:
        return f"{self.person} ({self.partnership})"


class ImportRun(models.Model):
    """One import of a registry file set: its preview, progress and final report.

    Its status changes only through `registry.workflows.IMPORT_RUN`."""

    class Status(models.TextChoices):
        UPLOADED = "uploaded", _("Uploaded")
        PREVIEWED = "previewed", _("Previewed")
        REJECTED = "rejected", _("Rejected")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")
        DISCARDED = "discarded", _("Discarded")

    source = models.CharField(_("source"), max_length=100)
    input_name = models.CharField(_("input"), max_length=300, blank=True)
    upload_dir = models.CharField(max_length=300, blank=True, editable=False)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.UPLOADED
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    counts = models.JSONField(default=dict, blank=True)
    report = models.JSONField(default=dict, blank=True)
    progress_stage = models.CharField(max_length=30, blank=True)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    # Counts the starts (and retries): a worker imports only the attempt it was queued for.
    attempt = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("import run")
        verbose_name_plural = _("import runs")

    def __str__(self) -> str:
        when = f", {self.created_at:%Y-%m-%d %H:%M}" if self.created_at else ""
        return f"{self.source} ({self.get_status_display()}{when})"

    def get_absolute_url(self) -> str:
        return reverse("registry-import:run", args=[self.pk])

    @property
    def error_count(self) -> int:
        return int((self.report or {}).get("error_count", 0))

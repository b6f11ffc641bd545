from __future__ import annotations

from typing import Any

from django import forms
from django.db import models
from django.utils.translation import gettext_lazy as _

from knooppunt.core.concurrency import VersionedForm
from knooppunt.core.validators import validate_single_line
from knooppunt.places.countries import NETHERLANDS
from knooppunt.places.models import Municipality
from knooppunt.registry import rules
from knooppunt.registry.models import (
    Membership,
    MembershipRole,
    Organisation,
    OrganisationKind,
    Partnership,
    PartnershipKind,
    Person,
    Theme,
)
from knooppunt.registry.queries import SORTS, DirectoryFilters


class DirectoryForm(forms.Form):
    """The directory's search and filters (GET). Unknown values are dropped, never a 500."""

    what = forms.ChoiceField(
        label=_("Show"),
        choices=[("organisations", _("Organisations")), ("partnerships", _("Partnerships"))],
        required=False,
    )
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    kind = forms.CharField(label=_("Kind"), required=False)
    theme = forms.CharField(label=_("Theme"), required=False)
    province = forms.CharField(label=_("Province"), required=False)
    region = forms.CharField(label=_("Labour-market region"), required=False)
    municipality = forms.CharField(label=_("Municipality"), required=False)
    sort = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[
            ("relevance", _("Relevance")),
            ("name", _("Name A–Z")),
            ("-name", _("Name Z–A")),
            ("-updated", _("Recently updated")),
        ],
    )

    def filters(self) -> DirectoryFilters:
        data = self.cleaned_data if self.is_valid() else {}
        what = data.get("what") or "organisations"
        kinds = OrganisationKind.values if what == "organisations" else PartnershipKind.values
        kind = data.get("kind") or ""
        sort = data.get("sort") or "relevance"
        return DirectoryFilters(
            what=what,
            q=(data.get("q") or "").strip(),
            kind=kind if kind in kinds else "",
            theme=data.get("theme") or "",
            province=data.get("province") or "",
            region=data.get("region") or "",
            municipality=data.get("municipality") or "",
            sort=sort if sort in SORTS else "relevance",
        )


class ThemeChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


class MunicipalityField(forms.ModelChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            queryset=Municipality.objects.order_by("name"),
            required=False,
            label=_("Municipality"),
            help_text=_(
                "Left empty, it is looked up from the place name. Places abroad have none."
            ),
            **kwargs,
        )


def _formfield(field: Any, **kwargs: Any) -> Any:
    if isinstance(field, models.URLField):
        kwargs.setdefault("assume_scheme", "https")
    return field.formfield(**kwargs)


class NoColonModelForm(forms.ModelForm):
    """Our model forms: no colon after labels; bare domains in URL fields mean https."""

    label_suffix = ""

    class Meta:
        formfield_callback = _formfield


class LocatedForm(VersionedForm, NoColonModelForm):
    """A form with the country of `registry.models.Located`: a post without it (a script,
    an old page) keeps the object's country (the Netherlands for a new one)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["country"].required = False

    def clean_country(self) -> str:
        return self.cleaned_data.get("country") or self.instance.country or NETHERLANDS


class OrganisationForm(LocatedForm):
    themes = ThemeChoiceField(
        queryset=Theme.objects.all(),
        required=False,
        label=_("Themes"),
        widget=forms.CheckboxSelectMultiple,
    )
    municipality = MunicipalityField()

    class Meta(NoColonModelForm.Meta):
        model = Organisation
        fields = [
            "name",
            "kind",
            "country",
            "city",
            "municipality",
            "brin",
            "kvk",
            "website",
            "email",
            "phone",
            "description",
            "themes",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 5})}


class PartnershipForm(LocatedForm):
    themes = ThemeChoiceField(
        queryset=Theme.objects.all(),
        required=False,
        label=_("Themes"),
        widget=forms.CheckboxSelectMultiple,
    )
    municipality = MunicipalityField()

    class Meta(NoColonModelForm.Meta):
        model = Partnership
        fields = [
            "name",
            "kind",
            "country",
            "city",
            "municipality",
            "start_year",
            "end_year",
            "website",
            "email",
            "description",
            "goals",
            "themes",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 5}),
            "goals": forms.Textarea(attrs={"rows": 4}),
        }


class PersonForm(VersionedForm, NoColonModelForm):
    function = forms.CharField(
        label=_("Function"),
        max_length=rules.FUNCTION_MAX,
        required=False,
        validators=[validate_single_line],
    )

    class Meta(NoColonModelForm.Meta):
        model = Person
        fields = ["name", "function", "email", "phone", "is_public"]


class MembershipForm(forms.Form):
    prefix = "member"
    label_suffix = ""

    organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.order_by("name").only("id", "name"),
        label=_("Organisation"),
    )
    role = forms.ChoiceField(
        choices=MembershipRole.choices, label=_("Role"), initial=MembershipRole.MEMBER
    )
    since_year = forms.IntegerField(
        label=_("Since"), required=False, min_value=rules.YEAR_MIN, max_value=rules.YEAR_MAX
    )


class MembershipEditForm(VersionedForm, NoColonModelForm):
    """Change a member's role and years (adding is `MembershipForm`)."""

    class Meta(NoColonModelForm.Meta):
        model = Membership
        fields = ["role", "since_year", "until_year"]


class ContactForm(forms.Form):
    prefix = "contact"
    label_suffix = ""

    person = forms.ModelChoiceField(queryset=Person.objects.none(), label=_("Person"))
    role = forms.CharField(
        label=_("Contact for"),
        max_length=rules.FUNCTION_MAX,
        required=False,
        validators=[validate_single_line],
    )

    def __init__(self, *args: Any, people: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if people is not None:
            self.fields["person"].queryset = people  # type: ignore[attr-defined]

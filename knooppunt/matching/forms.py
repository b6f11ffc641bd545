"""Forms for matching: the match question, partner profiles, introductions and guides."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from knooppunt.core.concurrency import VersionedForm
from knooppunt.core.validators import validate_text
from knooppunt.matching.models import SEEKS_TEXT_MAX, Guide, Offer
from knooppunt.places.models import LabourMarketRegion, Municipality
from knooppunt.registry.models import Organisation, OrganisationKind, Theme

RADIUS_CHOICES = [("", _("any distance")), *[(str(k), f"{k} km") for k in (10, 25, 50, 100)]]


class MatchForm(forms.Form):
    """Vind een partner: I am ..., I look for ... on ... in ... (GET)."""

    organisation = forms.ModelChoiceField(
        label=_("I am"),
        queryset=Organisation.objects.none(),
        required=False,
        empty_label=_("(not on behalf of an organisation)"),
        help_text=_("Your own organisation's themes, place and partners then count too."),
    )
    kinds = forms.MultipleChoiceField(
        label=_("I look for"),
        choices=OrganisationKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    q = forms.CharField(
        label=_("On (in your own words)"),
        required=False,
        max_length=300,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. BBL places for welders")}),
    )
    themes = forms.ModelMultipleChoiceField(
        label=_("Themes"),
        queryset=Theme.objects.all(),
        required=False,
        to_field_name="code",
        widget=forms.CheckboxSelectMultiple,
    )
    seeks = forms.MultipleChoiceField(
        label=_("They should offer"),
        choices=Offer.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    municipality = forms.ModelChoiceField(
        label=_("Near municipality"),
        queryset=Municipality.objects.all(),
        required=False,
        to_field_name="code",
        empty_label=_("anywhere"),
    )
    region = forms.ModelChoiceField(
        label=_("or in labour-market region"),
        queryset=LabourMarketRegion.objects.all(),
        required=False,
        to_field_name="code",
        empty_label=_("any region"),
    )
    radius = forms.TypedChoiceField(
        label=_("Within"),
        choices=RADIUS_CHOICES,
        required=False,
        coerce=int,
        empty_value=None,
    )

    def __init__(self, *args: Any, organisations: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["organisation"]
        assert isinstance(field, forms.ModelChoiceField)  # noqa: S101 - narrows the type
        if organisations is not None:
            field.queryset = organisations
        else:
            del self.fields["organisation"]

    # What makes a question (and what is wrong with one) is `queries.need_problems`,
    # which the API asks too.


class PartnerProfileForm(VersionedForm):
    open_to_partnerships = forms.NullBooleanField(
        label=_("Open to new partnerships"),
        required=False,
        widget=forms.Select(
            choices=[("unknown", _("Not stated")), ("true", _("Yes")), ("false", _("No"))]
        ),
    )
    offers = forms.MultipleChoiceField(
        label=_("We offer"),
        choices=Offer.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    seeks = forms.MultipleChoiceField(
        label=_("We look for"),
        choices=Offer.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    seeks_text = forms.CharField(
        label=_("In our own words"),
        required=False,
        max_length=SEEKS_TEXT_MAX,
        validators=[validate_text],
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What kind of partner or cooperation you are looking for."),
    )


class IntroductionForm(forms.Form):
    requester = forms.ModelChoiceField(
        label=_("On behalf of"), queryset=Organisation.objects.none()
    )
    message = forms.CharField(
        label=_("Your message"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_(
            "Say who you are and what you would like to do together. Your contact details "
            "are shared only if they accept."
        ),
    )

    def __init__(self, *args: Any, requesters: Any, by_id: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["requester"]
        assert isinstance(field, forms.ModelChoiceField)  # noqa: S101 - narrows the type
        field.queryset = requesters
        if by_id:
            field.widget = forms.NumberInput()
            field.help_text = _("The id of the organisation (see its page address).")


class DirectIntroductionForm(forms.Form):
    """A broker introduces two organisations to each other."""

    requester = forms.ModelChoiceField(
        label=_("Introduce"),
        queryset=Organisation.objects.all(),
        widget=forms.NumberInput,
        help_text=_("The id of the organisation (see its page address)."),
    )
    message = forms.CharField(
        label=_("Your message to both"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
    )


class AnswerForm(forms.Form):
    accept = forms.TypedChoiceField(
        label=_("Your answer"),
        choices=[("yes", _("Accept: share contact details")), ("no", _("Decline"))],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
    )
    response = forms.CharField(
        label=_("Message (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class GuideForm(VersionedForm, forms.ModelForm):
    class Meta:
        model = Guide
        fields = ["title_nl", "body_nl", "title_en", "body_en"]
        widgets = {
            "body_nl": forms.Textarea(attrs={"rows": 10}),
            "body_en": forms.Textarea(attrs={"rows": 10}),
        }

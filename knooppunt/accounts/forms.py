from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from knooppunt.accounts.models import Invitation
from knooppunt.registry.models import Organisation


class LoginForm(AuthenticationForm):
    username = forms.EmailField(
        label=_("Email address"),
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )

    def clean_username(self) -> str:
        # Accounts are stored in lower case; people type their address any way they like.
        return str(self.cleaned_data["username"]).strip().lower()


class InvitationForm(forms.ModelForm):
    organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.order_by("name").only("id", "name"),
        required=False,
        label=_("Organisation"),
        help_text=_("Required for an organisation editor."),
    )

    class Meta:
        model = Invitation
        fields = ["email", "role", "organisation"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("role") == Invitation.Role.EDITOR and not data.get("organisation"):
            self.add_error("organisation", _("An editor invitation needs an organisation."))
        return data


class AcceptInvitationForm(forms.Form):
    full_name = forms.CharField(label=_("Your name"), max_length=150)
    password1 = forms.CharField(
        label=_("Password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=lazy(password_validation.password_validators_help_text_html, str)(),
    )
    password2 = forms.CharField(
        label=_("Password again"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args: Any, email: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.email = email
        from knooppunt.accounts.models import User

        self.existing_user = User.objects.filter(email__iexact=email).first()
        if self.existing_user is not None:
            # The invitee already has an account: they prove it is theirs with its password.
            del self.fields["full_name"]
            del self.fields["password2"]
            self.fields["password1"].label = _("Your current password")
            self.fields["password1"].help_text = ""
            self.fields["password1"].widget.attrs["autocomplete"] = "current-password"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        p1, p2 = data.get("password1"), data.get("password2")
        if self.existing_user is not None:
            if p1 and not self.existing_user.check_password(p1):
                self.add_error("password1", _("This is not the password of your existing account."))
        elif p1 and p2 and p1 != p2:
            self.add_error("password2", _("The two passwords differ."))
        elif p1:
            from knooppunt.accounts.models import User

            try:
                password_validation.validate_password(p1, User(email=self.email))
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return data

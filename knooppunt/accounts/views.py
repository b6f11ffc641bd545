from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from knooppunt.accounts import queries, services
from knooppunt.accounts.forms import AcceptInvitationForm, InvitationForm, LoginForm
from knooppunt.accounts.lockout import cooloff_minutes
from knooppunt.accounts.models import Invitation
from knooppunt.accounts.permissions import (
    can_invite,
    can_release_lockouts,
    editable_organisation_ids,
    role_of,
)
from knooppunt.core.ratelimit import any_limited, client_ip, limited, too_many_message
from knooppunt.registry.models import Organisation


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    user = request.user
    organisations = Organisation.objects.filter(pk__in=editable_organisation_ids(user)).order_by(
        "name"
    )
    return render(
        request,
        "accounts/dashboard.html",
        {"organisations": organisations, "role": role_of(user)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def invitation_list(request: HttpRequest) -> HttpResponse:
    if not can_invite(request.user):
        raise PermissionDenied
    form = InvitationForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid() and any_limited(
            request,
            {
                "invitation-user": str(request.user.pk),
                "invitation-address": form.cleaned_data["email"].strip().lower(),
            },
        ):
            form.add_error(None, too_many_message("invitation-user"))
            status = 429
        elif form.is_valid():
            try:
                services.invitation_create(
                    actor=request.user,
                    email=form.cleaned_data["email"],
                    role=form.cleaned_data["role"],
                    organisation=form.cleaned_data["organisation"],
                    accept_url_base=request.build_absolute_uri(
                        reverse("accounts:invitation-accept", args=["x"])
                    ).removesuffix("x/"),
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("Invitation sent."))
                return redirect("accounts:invitations")
            status = 400
        else:
            status = 400
    invitations = Invitation.objects.select_related("organisation", "invited_by")[:100]
    return render(
        request,
        "accounts/invitations.html",
        {"form": form, "invitations": invitations},
        status=status,
    )


@require_http_methods(["GET", "POST"])
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    invitation = Invitation.objects.select_related("organisation").filter(token=token).first()
    if invitation is None or not invitation.is_open:
        return render(request, "accounts/invitation_invalid.html", status=404)
    form = AcceptInvitationForm(request.POST or None, email=invitation.email)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            user = services.invitation_accept(
                invitation=invitation,
                full_name=form.cleaned_data.get("full_name", ""),
                password=form.cleaned_data["password1"],
            )
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("Welcome to Knooppunt."))
            return redirect("accounts:dashboard")
        status = 400
    return render(
        request,
        "accounts/invitation_accept.html",
        {"form": form, "invitation": invitation},
        status=status,
    )


# --- logging in, password reset, lockouts ----------------------------------------------------


class LoginView(auth_views.LoginView):
    """Django's login, plus a limit on wrong passwords from one address over all accounts.

    The lockout of one account (django-axes, in the authentication backend) sees every
    attempt through `authenticate(request, ...)`; this limit stops one address from
    trying many accounts (429).
    """

    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if limited(request, "login-failures-ip", client_ip(request), count=False):
            context = self.get_context_data(too_many=too_many_message("login-failures-ip"))
            return self.render_to_response(context, status=429)
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form: Any) -> HttpResponse:
        limited(self.request, "login-failures-ip", client_ip(self.request))
        return super().form_invalid(form)


class PasswordResetView(auth_views.PasswordResetView):
    """Django's password reset, limited per address and per client (429 over the limit).

    The limit counts the address as typed, whether or not an account has it, so the
    answer never tells whether an address is known.
    """

    template_name = "accounts/password_reset.html"
    email_template_name = "accounts/email/password_reset.txt"
    subject_template_name = "accounts/email/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password-reset-done")

    def form_valid(self, form: Any) -> HttpResponse:
        over = any_limited(
            self.request,
            {
                "password-reset-address": form.cleaned_data["email"].strip().lower(),
                "password-reset-ip": client_ip(self.request),
            },
        )
        if over:
            form.add_error(None, too_many_message("password-reset-address"))
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return super().form_valid(form)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Choosing a new password also lifts a lockout of that account from this address."""

    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password-reset-complete")

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        services.login_lockout_release(
            actor=form.user, username=form.user.get_username(), ip_address=client_ip(self.request)
        )
        return response


@login_required
@require_http_methods(["GET", "POST"])
def lockout_list(request: HttpRequest) -> HttpResponse:
    """Staff: who is locked out of logging in, and lifting a lockout."""
    if not can_release_lockouts(request.user):
        raise PermissionDenied
    if request.method == "POST":
        username = request.POST.get("username", "")
        ip_address = request.POST.get("ip_address", "")
        released = services.login_lockout_release(
            actor=request.user, username=username, ip_address=ip_address
        )
        if released:
            messages.success(request, _("%(account)s can log in again.") % {"account": username})
        else:
            messages.info(request, _("There was no lockout to lift."))
        return redirect("accounts:lockouts")
    return render(
        request,
        "accounts/lockout_list.html",
        {"lockouts": queries.lockout_list_for(request.user), "minutes": cooloff_minutes()},
    )

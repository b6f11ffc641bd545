from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from knooppunt.accounts import services
from knooppunt.accounts.forms import AcceptInvitationForm, InvitationForm
from knooppunt.accounts.models import Invitation
from knooppunt.accounts.permissions import can_invite, editable_organisation_ids, role_of
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
        if form.is_valid():
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

"""Pages where a signed-in user creates and revokes their own personal API tokens."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from knooppunt.api import queries, services
from knooppunt.api.forms import ApiTokenForm
from knooppunt.api.permissions import can_create_api_token, can_revoke_api_token


@never_cache  # the page that shows a new plain token must not be kept by any cache
@login_required
@require_http_methods(["GET", "POST"])
def token_list(request: HttpRequest) -> HttpResponse:
    form = ApiTokenForm(request.POST or None)
    new_token = None
    status = 200
    if request.method == "POST":
        if not can_create_api_token(request.user):
            raise PermissionDenied
        if form.is_valid():
            token, plain = services.api_token_create(
                actor=request.user, name=form.cleaned_data["name"]
            )
            new_token = {"token": token, "plain": plain}
            form = ApiTokenForm()
            status = 200
        else:
            status = 400
    context = {
        "form": form,
        "new_token": new_token,
        "tokens": queries.api_token_list_for(request.user),
        "docs_url": reverse("api-v1:openapi-view"),
    }
    return render(request, "api/token_list.html", context, status=status)


@login_required
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = queries.api_token_get(request.user, pk)
    if not can_revoke_api_token(request.user, token):
        raise PermissionDenied
    services.api_token_revoke(actor=request.user, token=token)
    messages.success(request, _("Token “%(name)s” revoked.") % {"name": token.name})
    return redirect("api-tokens:token-list")

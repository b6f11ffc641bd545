"""Matching pages: find a partner, member suggestions, partner profiles, introductions, guides."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from knooppunt.accounts.permissions import editable_organisation_ids, is_staff
from knooppunt.core.concurrency import StaleWrite, stale_form
from knooppunt.core.outbox import mails_about
from knooppunt.core.ratelimit import limited, too_many_message
from knooppunt.core.svgmap import project, shapes, viewbox_height
from knooppunt.matching import queries, reasons, services
from knooppunt.matching.forms import (
    AnswerForm,
    DirectIntroductionForm,
    GuideForm,
    IntroductionForm,
    MatchForm,
    PartnerProfileForm,
)
from knooppunt.matching.models import Guide, PartnerProfile
from knooppunt.matching.permissions import (
    can_answer_introduction,
    can_edit_guides,
    can_edit_partner_profile,
    can_introduce_directly,
    can_match_as_organisation,
    can_request_introduction,
    can_see_contact_details,
    can_view_member_suggestions,
)
from knooppunt.registry import queries as registry_queries
from knooppunt.registry.models import Organisation, OrganisationKind

PER_PAGE = 10
PROVINCES = Path(__file__).resolve().parent.parent / "places" / "data" / "provinces_2025.geojson"


def _page(request: HttpRequest) -> int:
    try:
        return max(1, int(request.GET.get("page") or 1))
    except ValueError:
        return 1


def _own_organisations(user: Any) -> Any:
    if is_staff(user):
        return None
    ids = editable_organisation_ids(user)
    return Organisation.objects.filter(pk__in=ids) if ids else None


def _map_points(result: queries.MatchResult) -> list[dict[str, Any]]:
    """The page's candidates as dots on the province map (SVG coordinates).

    Candidates in the same municipality share its centre; they are fanned out around
    it so that every number stays readable.
    """
    points: list[dict[str, Any]] = []
    seen: dict[tuple[float, float], int] = {}
    for rank, s in result.ranked:
        m = s.organisation.municipality
        if m is None or m.latitude is None or m.longitude is None:
            continue
        x, y = project(PROVINCES, m.longitude, m.latitude)
        n = seen.get((x, y), 0)
        seen[(x, y)] = n + 1
        if n:
            angle = n * 2.4  # radians: the golden angle keeps the fan even
            x, y = x + 13 * math.cos(angle), y + 13 * math.sin(angle)
        points.append({"x": x, "y": y, "rank": rank, "name": s.organisation.name})
    return points


def find_partner(request: HttpRequest) -> HttpResponse:
    """Vind een partner: public; editors may ask on behalf of their organisation."""
    own = _own_organisations(request.user)
    form = MatchForm(request.GET or None, organisations=own)
    result = None
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        asker = data.get("organisation")
        # The form offers only the user's own organisations; the rule is the API's too.
        if asker is not None and not can_match_as_organisation(request.user, asker):
            raise PermissionDenied
        need = queries.Need(
            text=data["q"],
            theme_ids=[t.pk for t in data["themes"]],
            municipality_id=data["municipality"].pk if data["municipality"] else None,
            region_id=data["region"].pk if data["region"] else None,
            radius_km=float(data["radius"]) if data["radius"] else None,
            kinds=data["kinds"],
            seeks=data["seeks"],
            organisation=data.get("organisation"),
        )
        # The same checks as the API's: an empty question is answered the same way.
        for name, message in queries.need_problems(need).items():
            form.add_error("radius" if name == "radius_km" else None, message)
        if form.is_valid():
            result = queries.suggest_partners(
                request.user, need=need, page=_page(request), per_page=PER_PAGE
            )
    params = {k: v for k, v in request.GET.lists() if k != "page"}
    context = {
        "form": form,
        "result": result,
        "page": result,
        "query_string": urlencode(params, doseq=True),
        "requester": form.cleaned_data.get("organisation")
        if form.is_bound and form.is_valid()
        else None,
        "can_request": request.user.is_authenticated,
        "map_shapes": shapes(PROVINCES) if result else (),
        "map_height": viewbox_height(shapes(PROVINCES)) if result else 0,
        "map_points": _map_points(result) if result else [],
    }
    status = 200 if not form.is_bound or form.is_valid() else 400
    return render(request, "matching/find.html", context, status=status)


@login_required
def member_suggestions(request: HttpRequest, pk: int) -> HttpResponse:
    """Organisations that would strengthen a partnership: for its editors and staff."""
    partnership = registry_queries.partnership_get(request.user, pk)
    if not can_view_member_suggestions(request.user, partnership):
        raise PermissionDenied
    kinds = [k for k in request.GET.getlist("kinds") if k in OrganisationKind.values]
    result = queries.suggest_members(
        request.user, partnership, kinds=kinds, page=_page(request), per_page=PER_PAGE
    )
    context = {
        "partnership": partnership,
        "result": result,
        "page": result,
        "kinds": kinds,
        "kind_choices": OrganisationKind.choices,
        "query_string": urlencode({"kinds": kinds}, doseq=True),
        "requester": Organisation.objects.filter(pk__in=partnership.lead_organisation_ids())
        .order_by("name")
        .first(),
        "can_request": request.user.is_authenticated,
    }
    if getattr(request, "htmx", False):
        return render(request, "matching/suggestions.html#list", context)
    return render(request, "matching/suggestions.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def profile_edit(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = registry_queries.organisation_get(request.user, pk)
    if not can_edit_partner_profile(request.user, organisation):
        raise PermissionDenied

    def profile_form(data: Any) -> PartnerProfileForm:
        profile = PartnerProfile.objects.filter(organisation=organisation).first()
        initial = {
            "open_to_partnerships": profile.open_to_partnerships if profile else None,
            "offers": profile.offers if profile else [],
            "seeks": profile.seeks if profile else [],
            "seeks_text": profile.seeks_text if profile else "",
        }
        return PartnerProfileForm(data, initial=initial, version=profile.version if profile else 0)

    form: Any = profile_form(request.POST or None)
    status, conflict = 200, None
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = dict(form.cleaned_data)
            del data["version"]
            try:
                services.partner_profile_update(
                    actor=request.user,
                    organisation=organisation,
                    expected_version=form.expected_version,
                    **data,
                )
            except StaleWrite as stale:
                conflict = stale_form(form, profile_form, version=stale.current_version)
                form, status = conflict.form, 409
            except ValidationError as error:
                for message in error.messages:
                    form.add_error(None, message)
            else:
                messages.success(request, _("Offers and needs saved."))
                return redirect(organisation)
    return render(
        request,
        "matching/profile_form.html",
        {"form": form, "organisation": organisation, "conflict": conflict},
        status=status,
    )


# --- introductions ---------------------------------------------------------------------------


@login_required
def introduction_list(request: HttpRequest) -> HttpResponse:
    introductions = queries.introductions_for(request.user)[:200]
    own = editable_organisation_ids(request.user)
    incoming = [
        i for i in introductions if i.target_id in own or (is_staff(request.user) and not own)
    ]
    outgoing = [i for i in introductions if i not in incoming]
    return render(
        request,
        "matching/introduction_list.html",
        {"incoming": incoming, "outgoing": outgoing},
    )


def _fit_reasons(requester: Organisation | None, target: Organisation) -> list[str]:
    """Why `target` fits `requester`, as the server computes it (shown before asking)."""
    if requester is None:
        return []
    found = queries.reasons_between(requester, target)
    return reasons.render(found, reasons.Names.load(found))


@login_required
@require_http_methods(["GET", "POST"])
def introduction_request(request: HttpRequest, target_pk: int) -> HttpResponse:
    target = registry_queries.organisation_get(request.user, target_pk)
    own = Organisation.objects.filter(pk__in=editable_organisation_ids(request.user)).exclude(
        pk=target.pk
    )
    # Staff may ask on behalf of any organisation: too many for a list, so they give its id.
    requesters = Organisation.objects.exclude(pk=target.pk) if is_staff(request.user) else own
    if not requesters.exists():
        raise PermissionDenied(_("Only editors of an organisation can ask for an introduction."))
    initial: dict[str, Any] = {}
    wanted = request.GET.get("from")
    if wanted and wanted.isdigit():
        initial["requester"] = int(wanted)
    form = IntroductionForm(
        request.POST or None,
        requesters=requesters,
        initial=initial,
        by_id=is_staff(request.user) and not own.exists(),
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            requester = form.cleaned_data["requester"]
            if not can_request_introduction(request.user, requester):
                raise PermissionDenied
            if limited(request, "introduction-user", str(request.user.pk)):
                form.add_error(None, too_many_message("introduction-user"))
                return _introduction_form(request, form, target, requester, status=429)
            try:
                introduction = services.introduction_request(
                    actor=request.user,
                    requester=requester,
                    target=target,
                    message=form.cleaned_data["message"],
                )
            except ValidationError as error:
                for message in error.messages:
                    form.add_error(None, message)
            else:
                messages.success(
                    request,
                    _("Your request was sent to %(name)s. You will hear when they answer.")
                    % {"name": target.name},
                )
                return redirect(introduction)
        status = 400
    chosen = form.cleaned_data.get("requester") if form.is_bound and form.is_valid() else None
    if chosen is None and "requester" in initial:
        chosen = requesters.filter(pk=initial["requester"]).first()
    if chosen is None and not is_staff(request.user) and own.count() == 1:
        chosen = own.first()
    return _introduction_form(request, form, target, chosen, status=status)


def _introduction_form(
    request: HttpRequest,
    form: Any,
    target: Organisation,
    chosen: Organisation | None,
    *,
    status: int,
) -> HttpResponse:
    return render(
        request,
        "matching/introduction_form.html",
        {
            "form": form,
            "target": target,
            "reasons": _fit_reasons(chosen, target),
            "guide": Guide.objects.filter(kind=target.kind).first(),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def introduction_direct(request: HttpRequest, target_pk: int) -> HttpResponse:
    """A broker introduces another organisation to this one."""
    if not can_introduce_directly(request.user):
        raise PermissionDenied
    target = registry_queries.organisation_get(request.user, target_pk)
    form = DirectIntroductionForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid() and limited(request, "introduction-user", str(request.user.pk)):
            form.add_error(None, too_many_message("introduction-user"))
            status = 429
        elif form.is_valid():
            try:
                introduction = services.introduction_request(
                    actor=request.user,
                    requester=form.cleaned_data["requester"],
                    target=target,
                    message=form.cleaned_data["message"],
                    direct=True,
                )
            except ValidationError as error:
                for message in error.messages:
                    form.add_error(None, message)
            else:
                messages.success(request, _("Introduction sent to both parties."))
                return redirect(introduction)
            status = 400
        else:
            status = 400
    return render(
        request,
        "matching/introduction_form.html",
        {"form": form, "target": target, "direct": True},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def introduction_detail(request: HttpRequest, pk: int) -> HttpResponse:
    introduction = queries.introduction_get(request.user, pk)
    may_answer = can_answer_introduction(request.user, introduction)
    form = AnswerForm(request.POST or None) if may_answer else None
    status = 200
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.introduction_answer(
                    actor=request.user,
                    introduction=introduction,
                    accept=form.cleaned_data["accept"],
                    response=form.cleaned_data["response"],
                )
            except ValidationError as error:
                for message in error.messages:
                    form.add_error(None, message)
            else:
                messages.success(request, _("Your answer was sent."))
                return redirect(introduction)
        status = 400
    show_contacts = can_see_contact_details(request.user, introduction)
    context = {
        "introduction": introduction,
        "reasons": reasons.render_stored(introduction.reasons),
        "mails": list(mails_about(introduction)) if is_staff(request.user) else [],
        "form": form,
        "show_contacts": show_contacts,
        "requester_contact": _contact(introduction.requested_by, introduction.requester)
        if show_contacts
        else None,
        "target_contact": _contact(introduction.responded_by, introduction.target)
        if show_contacts
        else None,
    }
    return render(request, "matching/introduction_detail.html", context, status=status)


def _contact(user: Any, organisation: Organisation) -> dict[str, str]:
    return {
        "name": user.full_name if user else "",
        "email": user.email if user else organisation.email,
        "organisation_email": organisation.email,
        "organisation_phone": organisation.phone,
    }


# --- guides ----------------------------------------------------------------------------------


def guide_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "matching/guide_list.html",
        {"guides": queries.guide_list(), "can_edit": can_edit_guides(request.user)},
    )


def guide_detail(request: HttpRequest, kind: str) -> HttpResponse:
    if kind not in OrganisationKind.values:
        raise Http404
    guide = Guide.objects.filter(kind=kind).first()
    return render(
        request,
        "matching/guide_detail.html",
        {
            "guide": guide,
            "kind": kind,
            "kind_label": OrganisationKind(kind).label,
            "can_edit": can_edit_guides(request.user),
        },
        status=200 if guide else 404,
    )


@login_required
@require_http_methods(["GET", "POST"])
def guide_edit(request: HttpRequest, kind: str) -> HttpResponse:
    if not can_edit_guides(request.user):
        raise PermissionDenied
    if kind not in OrganisationKind.values:
        raise Http404

    def guide_form(data: Any) -> GuideForm:
        guide = Guide.objects.filter(kind=kind).first() or Guide(kind=kind)
        return GuideForm(data, instance=guide)

    form: Any = guide_form(request.POST or None)
    status, conflict = 200, None
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.guide_save(
                    actor=request.user,
                    kind=kind,
                    expected_version=form.expected_version,
                    **{k: form.cleaned_data[k] for k in services.GUIDE_FIELDS},
                )
            except StaleWrite as stale:
                conflict = stale_form(form, guide_form, version=stale.current_version)
                form, status = conflict.form, 409
            else:
                messages.success(request, _("Guide saved."))
                return redirect("matching:guide-detail", kind=kind)
    return render(
        request,
        "matching/guide_form.html",
        {
            "form": form,
            "kind": kind,
            "kind_label": OrganisationKind(kind).label,
            "conflict": conflict,
        },
        status=status,
    )

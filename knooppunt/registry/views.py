"""Registry pages: the public directory, detail pages, the region view and editing."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from knooppunt.accounts.permissions import (
    can_create_organisation,
    can_create_partnership,
    can_create_person_for,
    can_delete_organisation,
    can_delete_partnership,
    can_delete_person,
    can_edit_organisation,
    can_edit_partnership,
    can_edit_person,
    can_review_places,
    can_unlink_person,
    can_view_history,
    can_view_personal_data,
)
from knooppunt.core.audit import history_for
from knooppunt.core.concurrency import Conflict, StaleWrite, stale_form
from knooppunt.core.svgmap import shapes, viewbox_height
from knooppunt.places.queries import place_index, resolve_city, unresolved_reason
from knooppunt.registry import jsonld, queries, services
from knooppunt.registry.forms import (
    ContactForm,
    DirectoryForm,
    MembershipEditForm,
    MembershipForm,
    OrganisationForm,
    PartnershipForm,
    PersonForm,
)
from knooppunt.registry.models import (
    Membership,
    Organisation,
    Partnership,
    PartnershipContact,
    Theme,
)

GEO = Path(__file__).resolve().parent.parent / "places" / "data"


def _warn_if_unplaced(request: HttpRequest, obj: Organisation | Partnership) -> None:
    """A Dutch place that resolved to no municipality is saved as written, with a warning
    that names the candidates (the same rule and words as an import's report)."""
    if not obj.is_unplaced:
        return
    _municipality, resolution = resolve_city(obj.city)
    reason = unresolved_reason(obj.city, resolution)
    if reason:
        messages.warning(request, reason)


def _status_for_invalid(request: HttpRequest) -> int:
    return 422 if getattr(request, "htmx", False) else 400


# A save refused because someone else saved the same object first (see `_stale`).
STATUS_STALE = 409


def _stale(form: Any, make_current: Any, stale: StaleWrite) -> tuple[Any, Conflict]:
    """The form to show again after a stale save, and what the other person changed."""
    conflict = stale_form(form, make_current, version=stale.current_version)
    return conflict.form, conflict


def _apply_errors(form: Any, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


# --- public pages -------------------------------------------------------------------------


def directory(request: HttpRequest) -> HttpResponse:
    form = DirectoryForm(request.GET or None)
    filters = form.filters()
    viewer = request.user
    try:
        number = int(request.GET.get("page") or 1)
    except ValueError:
        number = 1
    page = queries.directory_page(viewer, filters, page=number)
    theme = Theme.objects.filter(code=filters.theme).first() if filters.theme else None
    results = [(obj, queries.explain_match(obj, filters, theme)) for obj in page.objects]
    params = {k: v for k, v in request.GET.items() if k != "page" and v}
    context = {
        "form": form,
        "filters": filters,
        "page": page,
        "results": results,
        "result_count": page.count,
        "result_count_capped": page.count_capped,
        "query_string": urlencode(params),
        "choices": queries.filter_choices(),
        "selected_theme": theme,
    }
    if getattr(request, "htmx", False) and request.headers.get("HX-Target") == "results":
        return render(request, "registry/directory.html#results", context)
    return render(request, "registry/directory.html", context)


def organisation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = queries.organisation_get(request.user, pk)
    affiliations = [
        (a, can_view_personal_data(request.user, a.person))
        for a in organisation.visible_affiliations  # type: ignore[attr-defined]
    ]
    context = {
        "organisation": organisation,
        "affiliations": affiliations,
        "can_edit": can_edit_organisation(request.user, organisation),
        "can_delete": can_delete_organisation(request.user, organisation),
        "can_add_person": can_create_person_for(request.user, organisation),
        "history": history_for(organisation)
        if can_view_history(request.user, organisation)
        else None,
        "jsonld": jsonld.organisation(request, organisation),
    }
    return render(request, "registry/organisation_detail.html", context)


def partnership_detail(request: HttpRequest, pk: int) -> HttpResponse:
    partnership = queries.partnership_get(request.user, pk)
    contacts = [
        (c, can_view_personal_data(request.user, c.person))
        for c in partnership.visible_contacts  # type: ignore[attr-defined]
    ]
    can_edit = can_edit_partnership(request.user, partnership)
    context = {
        "partnership": partnership,
        "contacts": contacts,
        "related": queries.related_partnerships(partnership),
        "can_edit": can_edit,
        "can_delete": can_delete_partnership(request.user, partnership),
        "history": history_for(partnership)
        if can_view_history(request.user, partnership)
        else None,
        "jsonld": jsonld.partnership(request, partnership),
    }
    if can_edit:
        context["membership_form"] = MembershipForm()
        context["contact_form"] = ContactForm(people=_contact_candidates(request, partnership))
    return render(request, "registry/partnership_detail.html", context)


def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    person = queries.person_get(request.user, pk)
    affiliations = list(person.affiliations.all())
    can_edit = can_edit_person(request.user, person)
    context = {
        "person": person,
        "affiliations": [
            (a, can_unlink_person(request.user, person, a.organisation)) for a in affiliations
        ],
        "show_personal": can_view_personal_data(request.user, person),
        "can_edit": can_edit,
        "can_delete": can_delete_person(request.user, person),
        # An editor of one of a shared person's organisations: say why they cannot edit.
        "shared": len(affiliations) > 1 and not can_edit,
        "history": history_for(person) if can_view_history(request.user, person) else None,
    }
    return render(request, "registry/person_detail.html", context)


def region(request: HttpRequest) -> HttpResponse:
    counts = queries.region_counts()
    what = "partnerships" if request.GET.get("what") == "partnerships" else "organisations"
    level = "region" if request.GET.get("level") == "region" else "province"
    rows = counts["regions"] if level == "region" else counts["provinces"]
    by_code = {row["code"]: row for row in rows}
    geo = GEO / (
        "labour_market_regions_2025.geojson" if level == "region" else "provinces_2025.geojson"
    )
    items = shapes(geo)
    top = max((row[what] for row in rows), default=0) or 1
    param = "region" if level == "region" else "province"
    tiles = []
    for shape in items:
        row = by_code.get(shape.code, {"organisations": 0, "partnerships": 0, "name": shape.name})
        value = row[what]
        tiles.append(
            {
                "shape": shape,
                "name": row["name"],
                "value": value,
                "shade": 0 if value == 0 else 1 + min(4, int(4 * value / top)),
                "url": reverse("registry:directory")
                + "?"
                + urlencode({"what": what, param: shape.code}),
            }
        )
    table = [
        {
            **row,
            "url": reverse("registry:directory")
            + "?"
            + urlencode({"what": what, param: row["code"]}),
        }
        for row in rows
    ]
    context = {
        "tiles": tiles,
        "table": table,
        "what": what,
        "level": level,
        "height": round(viewbox_height(items) + 2),
        "unplaced": counts[f"unplaced_{what}"],
        "abroad": counts[f"abroad_{what}"],
        "can_review_places": can_review_places(request.user),
        "total": sum(row[what] for row in rows),
    }
    return render(request, "registry/region.html", context)


@login_required
@require_GET
def unplaced(request: HttpRequest) -> HttpResponse:
    """Staff: organisations and partnerships without a municipality, to fix their places."""
    if not can_review_places(request.user):
        raise PermissionDenied
    what = "partnerships" if request.GET.get("what") == "partnerships" else "organisations"
    scope = request.GET.get("scope", "")
    scope = scope if scope in queries.UNPLACED_SCOPES else "netherlands"
    q = request.GET.get("q", "")[:200]
    try:
        number = int(request.GET.get("page") or 1)
    except ValueError:
        number = 1
    page = queries.unplaced_page(request.user, what=what, scope=scope, q=q, page=number)
    index = place_index() if any(obj.is_unplaced for obj in page.objects) else None
    rows = []
    for obj in page.objects:
        reason = ""
        if index is not None and obj.is_unplaced:
            reason = unresolved_reason(obj.city, index.resolve(obj.city))
        elif not obj.is_abroad and not obj.city:
            reason = _("No place given.")
        rows.append((obj, reason))
    params = {k: v for k, v in (("what", what), ("scope", scope), ("q", q.strip())) if v}
    context = {
        "page": page,
        "rows": rows,
        "what": what,
        "scope": scope,
        "q": q,
        "query_string": urlencode(params),
        "edit_url": "registry:partnership-edit"
        if what == "partnerships"
        else "registry:organisation-edit",
    }
    return render(request, "registry/unplaced.html", context)


# --- editing ------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def organisation_create(request: HttpRequest) -> HttpResponse:
    if not can_create_organisation(request.user):
        raise PermissionDenied
    form = OrganisationForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = dict(form.cleaned_data)
            themes = data.pop("themes")
            del data["version"]
            try:
                organisation = services.organisation_create(
                    actor=request.user, themes=themes, **data
                )
            except ValidationError as error:
                _apply_errors(form, error)
            else:
                messages.success(request, _("Organisation created."))
                _warn_if_unplaced(request, organisation)
                return redirect(organisation)
        status = _status_for_invalid(request)
    return render(
        request,
        "registry/organisation_form.html",
        {"form": form, "organisation": None},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def organisation_edit(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = queries.organisation_get(request.user, pk)
    if not can_edit_organisation(request.user, organisation):
        raise PermissionDenied
    form = OrganisationForm(request.POST or None, instance=organisation)
    status, conflict = 200, None

    def current() -> Any:
        return queries.organisation_get(request.user, pk)

    if request.method == "POST":
        status = _status_for_invalid(request)
        if form.is_valid():
            data = dict(form.cleaned_data)
            themes = data.pop("themes")
            del data["version"]
            organisation.refresh_from_db()  # the form wrote the new values onto the instance
            try:
                services.organisation_update(
                    actor=request.user,
                    organisation=organisation,
                    expected_version=form.expected_version,
                    themes=themes,
                    **data,
                )
            except StaleWrite as stale:
                form, conflict = _stale(
                    form, lambda d: OrganisationForm(d, instance=current()), stale
                )
                status = STATUS_STALE
            except ValidationError as error:
                _apply_errors(form, error)
            else:
                messages.success(request, _("Changes saved."))
                _warn_if_unplaced(request, organisation)
                return redirect(organisation)
    return render(
        request,
        "registry/organisation_form.html",
        {"form": form, "organisation": organisation, "conflict": conflict},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def organisation_delete(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = queries.organisation_get(request.user, pk)
    if not can_delete_organisation(request.user, organisation):
        raise PermissionDenied
    if request.method == "POST":
        services.organisation_delete(actor=request.user, organisation=organisation)
        messages.success(request, _("Organisation deleted."))
        return redirect("registry:directory")
    return render(
        request,
        "registry/confirm_delete.html",
        {"object": organisation, "cancel_url": organisation.get_absolute_url()},
    )


@login_required
@require_http_methods(["GET", "POST"])
def person_create(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = queries.organisation_get(request.user, pk)
    if not can_create_person_for(request.user, organisation):
        raise PermissionDenied
    form = PersonForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = dict(form.cleaned_data)
            function = data.pop("function")
            del data["version"]
            try:
                services.person_create(
                    actor=request.user, organisation=organisation, function=function, **data
                )
            except ValidationError as error:
                _apply_errors(form, error)
            else:
                messages.success(request, _("Person added."))
                return redirect(organisation)
        status = _status_for_invalid(request)
    return render(
        request,
        "registry/person_form.html",
        {"form": form, "organisation": organisation, "person": None},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def person_edit(request: HttpRequest, pk: int) -> HttpResponse:
    person = queries.person_get(request.user, pk)
    if not can_edit_person(request.user, person):
        raise PermissionDenied

    def person_form(data: Any) -> PersonForm:
        current = queries.person_get(request.user, pk)
        affiliation = current.affiliations.first()
        return PersonForm(
            data,
            instance=current,
            initial={"function": affiliation.function if affiliation else ""},
        )

    form = person_form(request.POST or None)
    status, conflict = 200, None
    if request.method == "POST":
        status = _status_for_invalid(request)
        if form.is_valid():
            data = dict(form.cleaned_data)
            del data["version"]
            person.refresh_from_db()
            try:
                services.person_update(
                    actor=request.user,
                    person=person,
                    expected_version=form.expected_version,
                    **data,
                )
            except StaleWrite as stale:
                form, conflict = _stale(form, person_form, stale)
                status = STATUS_STALE
            except ValidationError as error:
                _apply_errors(form, error)
            else:
                messages.success(request, _("Changes saved."))
                return redirect(person)
    return render(
        request,
        "registry/person_form.html",
        {"form": form, "person": person, "organisation": None, "conflict": conflict},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def person_delete(request: HttpRequest, pk: int) -> HttpResponse:
    person = queries.person_get(request.user, pk)
    if not can_delete_person(request.user, person):
        raise PermissionDenied
    organisation = next((a.organisation for a in person.affiliations.all()), None)
    if request.method == "POST":
        services.person_delete(actor=request.user, person=person)
        messages.success(request, _("Person deleted."))
        return redirect(organisation or "registry:directory")
    return render(
        request,
        "registry/confirm_delete.html",
        {
            "object": person,
            "cancel_url": person.get_absolute_url(),
            "explanation": _(
                "This removes the person from the registry, from their organisations and as "
                "a contact person of partnerships. The history keeps a record that they were "
                "deleted."
            ),
        },
    )


@login_required
@require_POST
def person_unlink(request: HttpRequest, pk: int, organisation_pk: int) -> HttpResponse:
    """Remove a person from one of their organisations (a shared person's other links stay)."""
    person = queries.person_get(request.user, pk)
    organisation = next(
        (a.organisation for a in person.affiliations.all() if a.organisation_id == organisation_pk),
        None,
    )
    if organisation is None or not can_unlink_person(request.user, person, organisation):
        raise PermissionDenied
    services.person_unlink(actor=request.user, person=person, organisation=organisation)
    messages.success(
        request,
        _("%(person)s no longer works at %(organisation)s.")
        % {"person": person.name, "organisation": organisation.name},
    )
    return redirect(organisation)


@login_required
@require_http_methods(["GET", "POST"])
def partnership_create(request: HttpRequest) -> HttpResponse:
    if not can_create_partnership(request.user):
        raise PermissionDenied
    form = PartnershipForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = dict(form.cleaned_data)
            themes = data.pop("themes")
            del data["version"]
            try:
                partnership = services.partnership_create(actor=request.user, themes=themes, **data)
            except ValidationError as error:
                _apply_errors(form, error)
            else:
                messages.success(request, _("Partnership created."))
                _warn_if_unplaced(request, partnership)
                return redirect(partnership)
        status = _status_for_invalid(request)
    return render(
        request,
        "registry/partnership_form.html",
        {"form": form, "partnership": None},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def partnership_edit(request: HttpRequest, pk: int) -> HttpResponse:
    partnership = queries.partnership_get(request.user, pk)
    if not can_edit_partnership(request.user, partnership):
        raise PermissionDenied
    form = PartnershipForm(request.POST or None, instance=partnership)
    status, conflict = 200, None

    def current() -> Any:
        return queries.partnership_get(request.user, pk)

    if request.method == "POST":
        status = _status_for_invalid(request)
        if form.is_valid():
            data = dict(form.cleaned_data)
            themes = data.pop("themes")
            del data["version"]
            partnership.refresh_from_db()
            try:
                services.partnership_update(
                    actor=request.user,
                    partnership=partnership,
                    expected_version=form.expected_version,
                    themes=themes,
                    **data,
                )
            except StaleWrite as stale:
                form, conflict = _stale(
                    form, lambda d: PartnershipForm(d, instance=current()), stale
                )
                status = STATUS_STALE
            except ValidationError as error:
                _apply_errors(form, error)
            else:
                messages.success(request, _("Changes saved."))
                _warn_if_unplaced(request, partnership)
                return redirect(partnership)
    return render(
        request,
        "registry/partnership_form.html",
        {"form": form, "partnership": partnership, "conflict": conflict},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def partnership_delete(request: HttpRequest, pk: int) -> HttpResponse:
    partnership = queries.partnership_get(request.user, pk)
    if not can_delete_partnership(request.user, partnership):
        raise PermissionDenied
    if request.method == "POST":
        services.partnership_delete(actor=request.user, partnership=partnership)
        messages.success(request, _("Partnership deleted."))
        return redirect("registry:directory")
    return render(
        request,
        "registry/confirm_delete.html",
        {"object": partnership, "cancel_url": partnership.get_absolute_url()},
    )


def _contact_candidates(request: HttpRequest, partnership: Any) -> Any:
    member_ids = [m.organisation_id for m in partnership.memberships.all()]
    return (
        queries.person_queryset_for(request.user)
        .filter(Q(affiliations__organisation_id__in=member_ids))
        .distinct()
        .order_by("name")
    )


@login_required
@require_POST
def membership_add(request: HttpRequest, pk: int) -> HttpResponse:
    partnership = queries.partnership_get(request.user, pk)
    if not can_edit_partnership(request.user, partnership):
        raise PermissionDenied
    form = MembershipForm(request.POST)
    if form.is_valid():
        try:
            services.membership_add(
                actor=request.user,
                partnership=partnership,
                organisation=form.cleaned_data["organisation"],
                role=form.cleaned_data["role"],
                since_year=form.cleaned_data["since_year"],
            )
        except ValidationError as error:  # AlreadyMember among them: as the API's 409
            _apply_errors(form, error)
        else:
            messages.success(request, _("Member added."))
            return redirect(partnership)
    return render(
        request,
        "registry/membership_form.html",
        {"form": form, "partnership": partnership},
        status=_status_for_invalid(request),
    )


@login_required
@require_http_methods(["GET", "POST"])
def membership_edit(request: HttpRequest, pk: int, membership_pk: int) -> HttpResponse:
    partnership = queries.partnership_get(request.user, pk)
    if not can_edit_partnership(request.user, partnership):
        raise PermissionDenied

    def membership_form(data: Any) -> MembershipEditForm:
        current = get_object_or_404(
            Membership.objects.select_related("organisation"), pk=membership_pk, partnership=pk
        )
        return MembershipEditForm(data, instance=current)

    form = membership_form(request.POST or None)
    membership = form.instance
    status, conflict = 200, None
    if request.method == "POST":
        status = _status_for_invalid(request)
        if form.is_valid():
            data = dict(form.cleaned_data)
            del data["version"]
            membership.refresh_from_db()
            try:
                services.membership_update(
                    actor=request.user,
                    membership=membership,
                    expected_version=form.expected_version,
                    **data,
                )
            except StaleWrite as stale:
                form, conflict = _stale(form, membership_form, stale)
                status = STATUS_STALE
            except ValidationError as error:
                _apply_errors(form, error)
            else:
                messages.success(request, _("Member saved."))
                return redirect(partnership)
    return render(
        request,
        "registry/membership_edit.html",
        {
            "form": form,
            "partnership": partnership,
            "membership": membership,
            "conflict": conflict,
        },
        status=status,
    )


@login_required
@require_POST
def membership_remove(request: HttpRequest, pk: int, membership_pk: int) -> HttpResponse:
    partnership = queries.partnership_get(request.user, pk)
    if not can_edit_partnership(request.user, partnership):
        raise PermissionDenied
    membership = get_object_or_404(Membership, pk=membership_pk, partnership=partnership)
    services.membership_remove(actor=request.user, membership=membership)
    messages.success(request, _("Member removed."))
    return redirect(partnership)


@login_required
@require_POST
def contact_add(request: HttpRequest, pk: int) -> HttpResponse:
    partnership = queries.partnership_get(request.user, pk)
    if not can_edit_partnership(request.user, partnership):
        raise PermissionDenied
    form = ContactForm(request.POST, people=_contact_candidates(request, partnership))
    if form.is_valid():
        services.partnership_contact_set(
            actor=request.user,
            partnership=partnership,
            person=form.cleaned_data["person"],
            role=form.cleaned_data["role"],
        )
        messages.success(request, _("Contact person saved."))
        return redirect(partnership)
    return render(
        request,
        "registry/contact_form.html",
        {"form": form, "partnership": partnership},
        status=_status_for_invalid(request),
    )


@login_required
@require_POST
def contact_remove(request: HttpRequest, pk: int, contact_pk: int) -> HttpResponse:
    partnership = queries.partnership_get(request.user, pk)
    if not can_edit_partnership(request.user, partnership):
        raise PermissionDenied
    contact = get_object_or_404(PartnershipContact, pk=contact_pk, partnership=partnership)
    services.partnership_contact_remove(actor=request.user, contact=contact)
    messages.success(request, _("Contact person removed."))
    return redirect(partnership)

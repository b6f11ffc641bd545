"""JSON API v1 for the registry: organisations, partnerships, memberships, people, themes.

A thin layer: reads go through `registry.queries` (scoped to the caller), writes through
`registry.services`, permissions through `accounts.permissions`, exactly as the website's
views do. Every operation lists the status codes it can answer with; the schemas are in
`knooppunt.api.schemas`, the output builders in `knooppunt.api.outputs`, the error shape
and the exception handlers in `knooppunt.api.urls`.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

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
    can_unlink_person,
)
from knooppunt.api.auth import optional_token_auth, token_auth
from knooppunt.api.common import (
    CREATE_ERRORS,
    DELETE_ERRORS,
    GET_ERRORS,
    LIST_ERRORS,
    READ_ERRORS,
    UPDATE_ERRORS,
    Conflict,
    IfMatch,
    check_place_codes,
    etag_docs,
    field_error,
    paginate,
    paginate_page,
    require,
    responses,
    set_etag,
)
from knooppunt.api.outputs import (
    Json,
    membership_out,
    organisation_detail_out,
    organisation_out,
    partnership_detail_out,
    partnership_out,
    person_detail_out,
    person_out,
    theme_out,
)
from knooppunt.api.schemas import (
    MembershipId,
    MembershipIn,
    MembershipOut,
    MembershipPage,
    MembershipPatch,
    MembershipQuery,
    OrganisationDetailOut,
    OrganisationId,
    OrganisationIn,
    OrganisationPage,
    OrganisationPatch,
    OrganisationQuery,
    PartnershipDetailOut,
    PartnershipId,
    PartnershipIn,
    PartnershipPage,
    PartnershipPatch,
    PartnershipQuery,
    PersonDetailOut,
    PersonId,
    PersonIn,
    PersonPage,
    PersonPatch,
    PersonQuery,
    ThemeCodePath,
    ThemeOut,
)
from knooppunt.core.concurrency import parse_if_match
from knooppunt.places.models import Municipality
from knooppunt.registry import queries, services
from knooppunt.registry.models import (
    Affiliation,
    Membership,
    Organisation,
    Partnership,
    SbiCode,
    Theme,
)
from knooppunt.registry.queries import DirectoryFilters

router = Router(auth=optional_token_auth)


# --- input --------------------------------------------------------------------------------


def _directory_filters(what: str, params: OrganisationQuery | PartnershipQuery) -> DirectoryFilters:
    if params.theme and not Theme.objects.filter(code=params.theme).exists():
        raise field_error("theme", _("Unknown theme code."))
    check_place_codes(
        province=params.province, region=params.region, municipality=params.municipality
    )
    return DirectoryFilters(
        what=what,
        q=params.q.strip(),
        kind=params.kind.value if params.kind else "",
        theme=params.theme,
        province=params.province,
        region=params.region,
        municipality=params.municipality,
        sort=params.sort,
    )


def _themes_from_codes(codes: list[str]) -> list[Theme]:
    by_code = {t.code: t for t in Theme.objects.filter(code__in=codes)}
    unknown = sorted(set(codes) - set(by_code))
    if unknown:
        raise field_error("themes", _("Unknown theme code(s): %s.") % ", ".join(unknown))
    return list(by_code.values())


def _sbi_from_codes(codes: list[str]) -> list[SbiCode]:
    by_code = {s.code: s for s in SbiCode.objects.filter(code__in=codes)}
    unknown = sorted(set(codes) - set(by_code))
    if unknown:
        raise field_error("sbi_codes", _("Unknown SBI code(s): %s.") % ", ".join(unknown))
    return list(by_code.values())


def _municipality_from_code(code: str | None) -> Municipality | None:
    if not code:
        return None
    municipality = Municipality.objects.filter(code=code).first()
    if municipality is None:
        raise field_error("municipality", _("Unknown municipality code."))
    return municipality


def _resolve(values: Json) -> Json:
    """Turn the codes of an input into the objects the services take (422 if unknown)."""
    if "themes" in values:
        values["themes"] = _themes_from_codes(values["themes"])
    if "sbi_codes" in values:
        values["sbi_codes"] = _sbi_from_codes(values["sbi_codes"])
    if "municipality" in values:
        values["municipality"] = _municipality_from_code(values["municipality"])
    return values


def _referenced(model: type[Any], pk: int, field: str, message: str) -> Any:
    """The row an input field points to by id, or a 422 naming that field."""
    obj = model.objects.filter(pk=pk).first()
    if obj is None:
        raise field_error(field, message)
    return obj


# --- organisations ------------------------------------------------------------------------


@router.get(
    "/organisations",
    response=responses({200: OrganisationPage}, *READ_ERRORS),
    tags=["organisations"],
    summary="List and search organisations",
)
def organisation_list(request: HttpRequest, params: Query[OrganisationQuery]) -> Json:
    filters = _directory_filters("organisations", params)
    page = queries.directory_page(
        request.user,
        filters,
        page=params.page,
        per_page=params.page_size,
        count_cap=None,
        clamp=False,
        prefetch=("sbi_codes",),
    )
    return paginate_page(request, page, lambda o: organisation_out(request, o))


@router.get(
    "/organisations/{organisation_id}",
    response=responses({200: OrganisationDetailOut}, *GET_ERRORS),
    tags=["organisations"],
    summary="Get an organisation",
    openapi_extra=etag_docs(200),
)
def organisation_get(
    request: HttpRequest, response: HttpResponse, organisation_id: OrganisationId
) -> Json:
    org = queries.organisation_get(request.user, organisation_id)
    set_etag(response, org)
    return organisation_detail_out(request, org)


@router.post(
    "/organisations",
    auth=token_auth,
    response=responses({201: OrganisationDetailOut}, *CREATE_ERRORS),
    tags=["organisations"],
    summary="Create an organisation (staff)",
    openapi_extra=etag_docs(201),
)
def organisation_create(
    request: HttpRequest, response: HttpResponse, payload: OrganisationIn
) -> Status[Json]:
    require(can_create_organisation(request.user))
    values = _resolve(payload.model_dump(mode="json"))
    org = services.organisation_create(actor=request.user, **values)
    set_etag(response, org)
    return Status(
        201, organisation_detail_out(request, queries.organisation_get(request.user, org.pk))
    )


@router.patch(
    "/organisations/{organisation_id}",
    auth=token_auth,
    response=responses({200: OrganisationDetailOut}, *UPDATE_ERRORS),
    tags=["organisations"],
    summary="Change an organisation (staff, or an editor of it)",
    description="Only the fields sent are changed.",
    openapi_extra=etag_docs(200, 412),
)
def organisation_update(
    request: HttpRequest,
    response: HttpResponse,
    payload: OrganisationPatch,
    organisation_id: OrganisationId,
    if_match: IfMatch = None,
) -> Json:
    org = queries.organisation_get(request.user, organisation_id)
    require(can_edit_organisation(request.user, org))
    values = _resolve(payload.model_dump(mode="json", exclude_unset=True))
    services.organisation_update(
        actor=request.user,
        organisation=org,
        expected_version=parse_if_match(if_match),
        **values,
    )
    org = queries.organisation_get(request.user, org.pk)
    set_etag(response, org)
    return organisation_detail_out(request, org)


@router.delete(
    "/organisations/{organisation_id}",
    auth=token_auth,
    response=responses({204: None}, *DELETE_ERRORS),
    tags=["organisations"],
    summary="Delete an organisation (staff)",
    openapi_extra=etag_docs(412),
)
def organisation_delete(
    request: HttpRequest, organisation_id: OrganisationId, if_match: IfMatch = None
) -> Status[None]:
    org = queries.organisation_get(request.user, organisation_id)
    require(can_delete_organisation(request.user, org))
    services.organisation_delete(
        actor=request.user, organisation=org, expected_version=parse_if_match(if_match)
    )
    return Status(204, None)


# --- partnerships -------------------------------------------------------------------------


@router.get(
    "/partnerships",
    response=responses({200: PartnershipPage}, *READ_ERRORS),
    tags=["partnerships"],
    summary="List and search partnerships",
)
def partnership_list(request: HttpRequest, params: Query[PartnershipQuery]) -> Json:
    filters = _directory_filters("partnerships", params)
    page = queries.directory_page(
        request.user,
        filters,
        page=params.page,
        per_page=params.page_size,
        count_cap=None,
        clamp=False,
    )
    return paginate_page(request, page, lambda p: partnership_out(request, p))


@router.get(
    "/partnerships/{partnership_id}",
    response=responses({200: PartnershipDetailOut}, *GET_ERRORS),
    tags=["partnerships"],
    summary="Get a partnership",
    openapi_extra=etag_docs(200),
)
def partnership_get(
    request: HttpRequest, response: HttpResponse, partnership_id: PartnershipId
) -> Json:
    ps = queries.partnership_get(request.user, partnership_id)
    set_etag(response, ps)
    return partnership_detail_out(request, ps)


@router.post(
    "/partnerships",
    auth=token_auth,
    response=responses({201: PartnershipDetailOut}, *CREATE_ERRORS),
    tags=["partnerships"],
    summary="Create a partnership (staff)",
    openapi_extra=etag_docs(201),
)
def partnership_create(
    request: HttpRequest, response: HttpResponse, payload: PartnershipIn
) -> Status[Json]:
    require(can_create_partnership(request.user))
    values = _resolve(payload.model_dump(mode="json"))
    ps = services.partnership_create(actor=request.user, **values)
    set_etag(response, ps)
    return Status(
        201, partnership_detail_out(request, queries.partnership_get(request.user, ps.pk))
    )


@router.patch(
    "/partnerships/{partnership_id}",
    auth=token_auth,
    response=responses({200: PartnershipDetailOut}, *UPDATE_ERRORS),
    tags=["partnerships"],
    summary="Change a partnership (staff, or an editor of a lead organisation)",
    description="Only the fields sent are changed.",
    openapi_extra=etag_docs(200, 412),
)
def partnership_update(
    request: HttpRequest,
    response: HttpResponse,
    payload: PartnershipPatch,
    partnership_id: PartnershipId,
    if_match: IfMatch = None,
) -> Json:
    ps = queries.partnership_get(request.user, partnership_id)
    require(can_edit_partnership(request.user, ps))
    values = _resolve(payload.model_dump(mode="json", exclude_unset=True))
    services.partnership_update(
        actor=request.user,
        partnership=ps,
        expected_version=parse_if_match(if_match),
        **values,
    )
    ps = queries.partnership_get(request.user, ps.pk)
    set_etag(response, ps)
    return partnership_detail_out(request, ps)


@router.delete(
    "/partnerships/{partnership_id}",
    auth=token_auth,
    response=responses({204: None}, *DELETE_ERRORS),
    tags=["partnerships"],
    summary="Delete a partnership (staff)",
    openapi_extra=etag_docs(412),
)
def partnership_delete(
    request: HttpRequest, partnership_id: PartnershipId, if_match: IfMatch = None
) -> Status[None]:
    ps = queries.partnership_get(request.user, partnership_id)
    require(can_delete_partnership(request.user, ps))
    services.partnership_delete(
        actor=request.user, partnership=ps, expected_version=parse_if_match(if_match)
    )
    return Status(204, None)


# --- memberships --------------------------------------------------------------------------


def membership_queryset() -> QuerySet[Membership]:
    """Memberships are public (like the partnerships and organisations they link)."""
    return Membership.objects.select_related("partnership", "organisation").order_by(
        "partnership__name", "role", "organisation__name", "id"
    )


def _membership(pk: int) -> Membership:
    membership = membership_queryset().filter(pk=pk).first()
    if membership is None:
        raise Http404(_("No such membership."))
    return membership


@router.get(
    "/memberships",
    response=responses({200: MembershipPage}, *READ_ERRORS),
    tags=["memberships"],
    summary="List memberships",
    description="Filter by `partnership` for its members, by `organisation` for what it "
    "takes part in.",
)
def membership_list(request: HttpRequest, params: Query[MembershipQuery]) -> Json:
    qs = membership_queryset()
    if params.partnership is not None:
        qs = qs.filter(partnership_id=params.partnership)
    if params.organisation is not None:
        qs = qs.filter(organisation_id=params.organisation)
    if params.role is not None:
        qs = qs.filter(role=params.role.value)
    return paginate(request, qs, params, membership_out)


@router.get(
    "/memberships/{membership_id}",
    response=responses({200: MembershipOut}, *GET_ERRORS),
    tags=["memberships"],
    summary="Get a membership",
    openapi_extra=etag_docs(200),
)
def membership_get(
    request: HttpRequest, response: HttpResponse, membership_id: MembershipId
) -> Json:
    membership = _membership(membership_id)
    set_etag(response, membership)
    return membership_out(membership)


@router.post(
    "/memberships",
    auth=token_auth,
    response=responses({201: MembershipOut}, *CREATE_ERRORS, 409),
    tags=["memberships"],
    summary="Add an organisation to a partnership (staff, or an editor of a lead organisation)",
    description="409 if the organisation is already a member (as on the website); change "
    "its role or years with PATCH instead.",
    openapi_extra=etag_docs(201),
)
def membership_create(
    request: HttpRequest, response: HttpResponse, payload: MembershipIn
) -> Status[Json]:
    partnership = _referenced(
        Partnership, payload.partnership, "partnership", _("No partnership with this id.")
    )
    organisation = _referenced(
        Organisation, payload.organisation, "organisation", _("No organisation with this id.")
    )
    require(can_edit_partnership(request.user, partnership))
    try:
        membership = services.membership_add(
            actor=request.user,
            partnership=partnership,
            organisation=organisation,
            role=payload.role.value,
            since_year=payload.since_year,
            until_year=payload.until_year,
        )
    except services.AlreadyMember as exc:
        raise Conflict(exc.messages[0]) from exc
    set_etag(response, membership)
    return Status(201, membership_out(_membership(membership.pk)))


@router.patch(
    "/memberships/{membership_id}",
    auth=token_auth,
    response=responses({200: MembershipOut}, *UPDATE_ERRORS),
    tags=["memberships"],
    summary="Change a membership's role or years",
    description="Only the fields sent are changed.",
    openapi_extra=etag_docs(200, 412),
)
def membership_update(
    request: HttpRequest,
    response: HttpResponse,
    payload: MembershipPatch,
    membership_id: MembershipId,
    if_match: IfMatch = None,
) -> Json:
    membership = _membership(membership_id)
    require(can_edit_partnership(request.user, membership.partnership))
    values = payload.model_dump(mode="json", exclude_unset=True)
    services.membership_update(
        actor=request.user,
        membership=membership,
        expected_version=parse_if_match(if_match),
        **values,
    )
    membership = _membership(membership.pk)
    set_etag(response, membership)
    return membership_out(membership)


@router.delete(
    "/memberships/{membership_id}",
    auth=token_auth,
    response=responses({204: None}, *DELETE_ERRORS),
    tags=["memberships"],
    summary="Remove an organisation from a partnership",
    openapi_extra=etag_docs(412),
)
def membership_delete(
    request: HttpRequest, membership_id: MembershipId, if_match: IfMatch = None
) -> Status[None]:
    membership = _membership(membership_id)
    require(can_edit_partnership(request.user, membership.partnership))
    services.membership_remove(
        actor=request.user, membership=membership, expected_version=parse_if_match(if_match)
    )
    return Status(204, None)


# --- people -------------------------------------------------------------------------------


@router.get(
    "/people",
    response=responses({200: PersonPage}, *READ_ERRORS),
    tags=["people"],
    summary="List the people the caller may see",
    description="Anonymous callers see people who agreed to a public name, without email or "
    "phone. Editors also see the people of their organisations, with email and phone; staff "
    "see everyone.",
)
def person_list(request: HttpRequest, params: Query[PersonQuery]) -> Json:
    qs = queries.person_queryset_for(request.user).prefetch_related(
        Prefetch("affiliations", queryset=Affiliation.objects.select_related("organisation"))
    )
    if params.q.strip():
        qs = qs.filter(name__icontains=params.q.strip())
    if params.organisation is not None:
        qs = qs.filter(affiliations__organisation_id=params.organisation).distinct()
    return paginate(request, qs.order_by("name", "id"), params, lambda p: person_out(request, p))


@router.get(
    "/people/{person_id}",
    response=responses({200: PersonDetailOut}, *GET_ERRORS),
    tags=["people"],
    summary="Get a person (404 if the caller may not see them)",
    openapi_extra=etag_docs(200),
)
def person_get(request: HttpRequest, response: HttpResponse, person_id: PersonId) -> Json:
    person = queries.person_get(request.user, person_id)
    set_etag(response, person)
    return person_detail_out(request, person)


@router.post(
    "/people",
    auth=token_auth,
    response=responses({201: PersonDetailOut}, *CREATE_ERRORS),
    tags=["people"],
    summary="Add a person to an organisation (staff, or an editor of it)",
    openapi_extra=etag_docs(201),
)
def person_create(request: HttpRequest, response: HttpResponse, payload: PersonIn) -> Status[Json]:
    organisation = _referenced(
        Organisation, payload.organisation, "organisation", _("No organisation with this id.")
    )
    require(can_create_person_for(request.user, organisation))
    values = payload.model_dump(mode="json", exclude={"organisation"})
    person = services.person_create(actor=request.user, organisation=organisation, **values)
    set_etag(response, person)
    return Status(201, person_detail_out(request, queries.person_get(request.user, person.pk)))


@router.patch(
    "/people/{person_id}",
    auth=token_auth,
    response=responses({200: PersonDetailOut}, *UPDATE_ERRORS),
    tags=["people"],
    summary="Change a person (staff, or an editor of all of their organisations)",
    description="A person who is a contact of several organisations is changed by staff or by "
    "someone who edits all of them; an editor of one of them can unlink the person instead. "
    "Only the fields sent are changed.",
    openapi_extra=etag_docs(200, 412),
)
def person_update(
    request: HttpRequest,
    response: HttpResponse,
    payload: PersonPatch,
    person_id: PersonId,
    if_match: IfMatch = None,
) -> Json:
    person = queries.person_get(request.user, person_id)
    require(can_edit_person(request.user, person))
    values = payload.model_dump(mode="json", exclude_unset=True)
    services.person_update(
        actor=request.user, person=person, expected_version=parse_if_match(if_match), **values
    )
    person = queries.person_get(request.user, person.pk)
    set_etag(response, person)
    return person_detail_out(request, person)


@router.delete(
    "/people/{person_id}",
    auth=token_auth,
    response=responses({204: None}, *DELETE_ERRORS),
    tags=["people"],
    summary="Delete a person (staff, or an editor of their only organisation)",
    description="A person who is a contact of several organisations is deleted by staff only; "
    "an editor unlinks them from their own organisation instead.",
    openapi_extra=etag_docs(412),
)
def person_delete(
    request: HttpRequest, person_id: PersonId, if_match: IfMatch = None
) -> Status[None]:
    person = queries.person_get(request.user, person_id)
    require(can_delete_person(request.user, person))
    services.person_delete(
        actor=request.user, person=person, expected_version=parse_if_match(if_match)
    )
    return Status(204, None)


@router.delete(
    "/people/{person_id}/organisations/{organisation_id}",
    auth=token_auth,
    response=responses({204: None}, *DELETE_ERRORS),
    tags=["people"],
    summary="Unlink a person from one of their organisations (staff, or an editor of it)",
    description="The person stays with their other organisations. Not for their last "
    "organisation (403): delete the person instead.",
    openapi_extra=etag_docs(412),
)
def person_unlink(
    request: HttpRequest,
    person_id: PersonId,
    organisation_id: OrganisationId,
    if_match: IfMatch = None,
) -> Status[None]:
    person = queries.person_get(request.user, person_id)
    organisation = next(
        (a.organisation for a in person.affiliations.all() if a.organisation_id == organisation_id),
        None,
    )
    if organisation is None:
        raise Http404(_("This person is not linked to this organisation."))
    require(can_unlink_person(request.user, person, organisation))
    services.person_unlink(
        actor=request.user,
        person=person,
        organisation=organisation,
        expected_version=parse_if_match(if_match),
    )
    return Status(204, None)


# --- themes -------------------------------------------------------------------------------


@router.get(
    "/themes",
    response=responses({200: list[ThemeOut]}, *LIST_ERRORS),
    tags=["themes"],
    summary="List the theme vocabulary",
    description="The whole controlled vocabulary (short; not paged). `parent` links a theme "
    "to the broader one; the directory's `theme` filter includes the narrower themes.",
)
def theme_list(request: HttpRequest) -> list[Json]:
    return [theme_out(t) for t in Theme.objects.select_related("parent").order_by("code")]


@router.get(
    "/themes/{code}",
    response=responses({200: ThemeOut}, *GET_ERRORS),
    tags=["themes"],
    summary="Get a theme",
)
def theme_get(request: HttpRequest, code: ThemeCodePath) -> Json:
    theme = Theme.objects.select_related("parent").filter(code=code).first()
    if theme is None:
        raise Http404(_("No such theme."))
    return theme_out(theme)

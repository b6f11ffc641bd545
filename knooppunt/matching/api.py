"""`POST /api/v1/match`: ranked partner candidates with their reasons (as `knooppunt match`)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja.errors import AuthenticationError

from knooppunt.api.auth import optional_token_auth
from knooppunt.api.common import READ_ERRORS, field_error, responses
from knooppunt.matching import queries
from knooppunt.matching.models import Offer
from knooppunt.matching.permissions import can_match_as_organisation, can_view_member_suggestions
from knooppunt.registry.models import (
    OrganisationKind,
    Partnership,
    PartnershipSourceId,
)

router = Router(tags=["matching"], auth=optional_token_auth)


class MatchIn(Schema):
    partnership: str | None = Field(
        None,
        description="Suggest new members for this partnership: its id, or the id it has in "
        "an imported registry file. Leave out for a need. Needs the token of one of the "
        "partnership's editors (an editor of a lead organisation) or of staff.",
        max_length=200,
    )
    need: str = Field("", description="What you look for, in your own words.", max_length=500)
    themes: list[str] = Field(default_factory=list, description="Theme codes (see /themes).")
    municipality: str = Field("", description="CBS code, e.g. GM0828.", max_length=6)
    region: str = Field("", description="Labour-market region code, e.g. AM26.", max_length=4)
    radius_km: float | None = Field(None, gt=0, le=300, description="Only within this distance.")
    kinds: list[OrganisationKind] = Field(default_factory=list, description="Kinds wanted.")
    seeks: list[Offer] = Field(default_factory=list, description="They should offer these.")
    organisation: int | None = Field(
        None,
        description="Ask as this organisation (its id): its themes, place, offers and "
        "partners count too. Needs the token of one of its editors, or of staff.",
    )
    top: int = Field(10, ge=1, le=100, description="How many candidates.")


class CandidateOut(Schema):
    id: int
    name: str
    kind: str
    external_id: str = Field(description="The id from an imported registry file, if any.")
    score: float = Field(description="0 to 1; higher fits better.")
    reasons: list[str]
    components: dict[str, float]
    url: str


class MatchOut(Schema):
    total: int = Field(description="Number of eligible candidates.")
    candidates: list[CandidateOut]


def resolve_partnership(value: str) -> Partnership | None:
    """A partnership by database id, or by the id it had in an imported file."""
    by_source = (
        PartnershipSourceId.objects.filter(external_id=value).select_related("partnership").first()
    )
    if by_source is not None:
        return by_source.partnership
    if value.isdigit():
        return Partnership.objects.filter(pk=int(value)).first()
    return None


def candidates_json(
    request: HttpRequest | None, result: queries.MatchResult
) -> list[dict[str, Any]]:
    out = []
    for s in result.suggestions:
        path = s.organisation.get_absolute_url()
        out.append(
            {
                "id": s.organisation.pk,
                "name": s.organisation.name,
                "kind": s.organisation.kind,
                "external_id": s.external_id,
                "score": s.score,
                "reasons": s.reasons,
                "components": s.components,
                "url": request.build_absolute_uri(path) if request else path,
            }
        )
    return out


def _allow(request: HttpRequest, allowed: bool) -> None:
    """As the website: not logged in (no token) asks for one (401); a token's user gets 403."""
    if allowed:
        return
    if not request.user.is_authenticated:
        raise AuthenticationError()
    raise PermissionDenied(_("You may not do this."))


@router.post(
    "/match",
    # 400: body is not JSON; 401/403: asking for a partnership or as an organisation
    response=responses({200: MatchOut}, 400, 403, *READ_ERRORS),
    summary="Find partners: ranked candidates with reasons",
    # A question, not a write: open to everyone like the other reads (POST for the body).
    openapi_extra={"x-read-only": True},
)
def match(request: HttpRequest, payload: MatchIn) -> dict[str, Any]:
    if payload.partnership:
        partnership = resolve_partnership(payload.partnership)
        if partnership is None:
            raise field_error("partnership", _("No such partnership."))
        _allow(request, can_view_member_suggestions(request.user, partnership))
        result = queries.suggest_members(
            request.user, partnership, kinds=[k.value for k in payload.kinds], per_page=payload.top
        )
        return {"total": result.count, "candidates": candidates_json(request, result)}
    need = queries.need_from_codes(
        text=payload.need,
        theme_codes=payload.themes,
        municipality_code=payload.municipality,
        region_code=payload.region,
        organisation_id=payload.organisation,
        radius_km=payload.radius_km,
        kinds=[k.value for k in payload.kinds],
        seeks=[s.value for s in payload.seeks],
    )
    if need.organisation is not None:
        _allow(request, can_match_as_organisation(request.user, need.organisation))
    problems = queries.need_problems(need)
    if problems:
        raise ValidationError(problems)
    result = queries.suggest_partners(request.user, need=need, per_page=payload.top)
    return {"total": result.count, "candidates": candidates_json(request, result)}

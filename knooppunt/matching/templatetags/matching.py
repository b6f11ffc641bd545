"""Matching blocks on registry pages (the registry does not import matching; pages load this)."""

from __future__ import annotations

from typing import Any

from django import template

from knooppunt.accounts.permissions import editable_organisation_ids
from knooppunt.matching.models import PartnerProfile
from knooppunt.matching.permissions import (
    can_edit_partner_profile,
    can_introduce_directly,
)

register = template.Library()


@register.inclusion_tag("matching/_profile_panel.html", takes_context=True)
def partner_profile_panel(context: dict[str, Any], organisation: Any) -> dict[str, Any]:
    """Offers and needs of `organisation`, with the actions the viewer may take."""
    user = context["request"].user
    return {
        "organisation": organisation,
        "profile": PartnerProfile.objects.filter(organisation=organisation).first(),
        "can_edit": can_edit_partner_profile(user, organisation),
        "can_introduce": can_introduce_directly(user),
        # Editors may ask the match page on behalf of their own organisation.
        "can_find_as": organisation.pk in editable_organisation_ids(user),
        "user": user,
    }

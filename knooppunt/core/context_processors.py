from typing import Any

from django.http import HttpRequest

from knooppunt.accounts.permissions import can_use_admin, editable_organisation_ids


def site(request: HttpRequest) -> dict[str, Any]:
    user = request.user
    return {
        "site_name": "Knooppunt",
        "nav_can_admin": can_use_admin(user),
        "nav_is_editor": bool(editable_organisation_ids(user)) if user.is_authenticated else False,
    }

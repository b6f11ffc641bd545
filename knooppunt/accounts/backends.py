"""Staff rights come from one place: `accounts.permissions`.

Django's admin asks `user.has_perm("app.change_model")` for every page. We do not hand
out Django model permissions (nor groups); this backend answers those questions with
the one staff rule, so an account made staff through the product (an accepted staff
invitation) can use the admin it was promised. What the admin may do per model
(read-only registry, writes through services) is decided by each ModelAdmin.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import BaseBackend

from knooppunt.accounts.permissions import can_use_admin


class StaffRightsBackend(BaseBackend):
    """Authenticates nobody; grants the admin's model permissions to staff only."""

    def has_perm(self, user_obj: Any, perm: str, obj: Any = None) -> bool:
        return can_use_admin(user_obj)

    def has_module_perms(self, user_obj: Any, app_label: str) -> bool:
        return can_use_admin(user_obj)

"""The Django admin site: who may enter is the one staff rule (`can_use_admin`)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig

from knooppunt.accounts.permissions import can_use_admin


class KnooppuntAdminSite(admin.AdminSite):
    site_header = "Knooppunt"
    site_title = "Knooppunt"

    def has_permission(self, request: Any) -> bool:
        return can_use_admin(request.user)


class KnooppuntAdminConfig(AdminConfig):
    """`django.contrib.admin` with our site as `admin.site` (in INSTALLED_APPS)."""

    default_site = "knooppunt.accounts.admin_site.KnooppuntAdminSite"

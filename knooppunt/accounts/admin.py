"""Admin for accounts: users (audited), invitations (read-only: made on the invite page).

Who may use the admin at all, and with which rights, is the one staff rule
(`accounts.permissions`, through `admin_site.py` and `backends.py`); Django groups and
model permissions are not used, so the Group admin is not shown.
"""

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group
from django.utils.translation import gettext_lazy as _

from knooppunt.accounts import services
from knooppunt.accounts.models import Editorship, Invitation, User
from knooppunt.core.admin import ReadOnlyAdmin
from knooppunt.core.audit import audit_log

admin.site.unregister(Group)


class EditorshipInline(admin.TabularInline):
    model = Editorship
    extra = 0
    autocomplete_fields = ["organisation"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "is_staff", "is_active", "last_login"]
    search_fields = ["email", "full_name"]
    inlines = [EditorshipInline]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Personal info"), {"fields": ("full_name",)}),
        (_("Permissions"), {"fields": ("is_active", "is_staff", "is_superuser")}),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)

    def save_model(self, request: Any, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        # Which fields changed, not their values (a password is never copied).
        audit_log(
            actor=request.user,
            action="accounts.user.updated" if change else "accounts.user.created",
            target=obj,
            changes={name: ["…", "…"] for name in form.changed_data},
        )

    def save_formset(self, request: Any, form: Any, formset: Any, change: bool) -> None:
        super().save_formset(request, form, formset, change)
        for editorship in formset.new_objects:
            audit_log(
                actor=request.user,
                action="accounts.editorship.granted",
                target=editorship.organisation,
                changes={"editor": [None, str(editorship.user)]},
            )
        for editorship in formset.deleted_objects:
            audit_log(
                actor=request.user,
                action="accounts.editorship.revoked",
                target=editorship.organisation,
                changes={"editor": [str(editorship.user), None]},
            )

    def delete_model(self, request: Any, obj: Any) -> None:
        services.user_delete(actor=request.user, user=obj)

    def delete_queryset(self, request: Any, queryset: Any) -> None:
        for user in queryset:
            services.user_delete(actor=request.user, user=user)


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyAdmin):
    list_display = ["email", "role", "organisation", "created_at", "expires_at", "accepted_at"]
    exclude = ["token"]
    list_select_related = ["organisation"]

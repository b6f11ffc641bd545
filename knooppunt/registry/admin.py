"""Admin for staff. Saves go through the registry services, so they are audited and indexed."""

from __future__ import annotations

from typing import Any

from django.contrib import admin

from knooppunt.core.audit import audit_log
from knooppunt.registry import services
from knooppunt.registry.models import (
    Affiliation,
    ImportRun,
    Membership,
    Organisation,
    Partnership,
    PartnershipContact,
    Person,
    SbiCode,
    Theme,
)

PRIVATE_FIELDS = {"email", "phone"}


class AuditedAdmin(admin.ModelAdmin):
    """Record admin changes in the audit log and keep search documents in step."""

    def save_model(self, request: Any, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        action = "updated" if change else "created"
        audit_log(
            actor=request.user,
            action=f"registry.{obj._meta.model_name}.{action}",
            target=obj,
            changes={
                # Personal data stays out of the log: say that it changed, not what it is.
                name: [None, "…" if name in PRIVATE_FIELDS else str(form.cleaned_data.get(name))]
                for name in form.changed_data
            },
        )

    def save_related(self, request: Any, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        obj = form.instance
        if isinstance(obj, Organisation):
            services.organisation_reindex(obj)
            # Partnership search documents include member names.
            for partnership in obj.partnerships.all():
                services.partnership_reindex(partnership)
        elif isinstance(obj, Partnership):
            services.partnership_reindex(obj)

    def delete_model(self, request: Any, obj: Any) -> None:
        audit_log(
            actor=request.user,
            action=f"registry.{obj._meta.model_name}.deleted",
            target=obj,
            changes={"name": [str(obj), None]},
        )
        partnerships = list(obj.partnerships.all()) if isinstance(obj, Organisation) else []
        super().delete_model(request, obj)
        for partnership in partnerships:
            services.partnership_reindex(partnership)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["organisation"]


class AffiliationInline(admin.TabularInline):
    model = Affiliation
    extra = 0
    autocomplete_fields = ["organisation"]


@admin.register(Organisation)
class OrganisationAdmin(AuditedAdmin):
    list_display = ["name", "kind", "municipality", "brin", "kvk", "updated_at"]
    list_filter = ["kind", "municipality__province"]
    search_fields = ["name", "brin", "kvk"]
    autocomplete_fields = ["municipality", "sbi_codes"]
    filter_horizontal = ["themes"]
    list_select_related = ["municipality"]


@admin.register(Partnership)
class PartnershipAdmin(AuditedAdmin):
    list_display = ["name", "kind", "municipality", "start_year", "end_year"]
    list_filter = ["kind", "municipality__province"]
    search_fields = ["name"]
    autocomplete_fields = ["municipality"]
    filter_horizontal = ["themes"]
    inlines = [MembershipInline]
    list_select_related = ["municipality"]


@admin.register(Person)
class PersonAdmin(AuditedAdmin):
    list_display = ["name", "email", "is_public"]
    search_fields = ["name", "email"]
    inlines = [AffiliationInline]


@admin.register(PartnershipContact)
class PartnershipContactAdmin(AuditedAdmin):
    list_display = ["person", "partnership", "role"]
    autocomplete_fields = ["person", "partnership"]


@admin.register(Theme)
class ThemeAdmin(admin.ModelAdmin):
    list_display = ["code", "name_nl", "name_en", "kind", "parent"]
    list_filter = ["kind"]
    search_fields = ["code", "name_nl", "name_en", "synonyms_nl", "synonyms_en"]

    def save_model(self, request: Any, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        # Names and synonyms are part of every tagged record's search document.
        services.theme_reindex_tagged(obj)


@admin.register(SbiCode)
class SbiCodeAdmin(admin.ModelAdmin):
    list_display = ["code", "name_nl", "section"]
    search_fields = ["code", "name_nl"]


@admin.register(ImportRun)
class ImportRunAdmin(admin.ModelAdmin):
    """Import runs are made by the import pages; the admin only shows them."""

    list_display = ["created_at", "source", "input_name", "status", "created_by"]
    list_filter = ["status"]
    list_select_related = ["created_by"]

    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

"""Admin for staff: the registry is shown here and edited on the site.

Organisations, people, partnerships, memberships and contact persons are written only
through the registry services (the site's pages, the API, the import), which validate,
keep versions, indexes and the audit log; the admin shows them read-only ("View on
site" leads to the page where they are edited). Themes are written through
`services.theme_update` (with audit and reindexing); SBI codes and import runs are
read-only.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin

from knooppunt.core.admin import ReadOnlyAdmin, ReadOnlyInline
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


class MembershipInline(ReadOnlyInline):
    model = Membership
    fields = ["organisation", "role", "since_year", "until_year"]


class AffiliationInline(ReadOnlyInline):
    model = Affiliation
    fields = ["organisation", "function"]


@admin.register(Organisation)
class OrganisationAdmin(ReadOnlyAdmin):
    list_display = ["name", "kind", "municipality", "brin", "kvk", "updated_at"]
    list_filter = ["kind", "municipality__province"]
    search_fields = ["name", "brin", "kvk"]
    list_select_related = ["municipality"]
    exclude = ["search_document"]


@admin.register(Partnership)
class PartnershipAdmin(ReadOnlyAdmin):
    list_display = ["name", "kind", "municipality", "start_year", "end_year"]
    list_filter = ["kind", "municipality__province"]
    search_fields = ["name"]
    inlines = [MembershipInline]
    list_select_related = ["municipality"]
    exclude = ["search_document"]


@admin.register(Person)
class PersonAdmin(ReadOnlyAdmin):
    list_display = ["name", "email", "is_public"]
    search_fields = ["name", "email"]
    inlines = [AffiliationInline]


@admin.register(PartnershipContact)
class PartnershipContactAdmin(ReadOnlyAdmin):
    list_display = ["person", "partnership", "role"]
    list_select_related = ["person", "partnership"]


@admin.register(Theme)
class ThemeAdmin(admin.ModelAdmin):
    """Themes come from data/themes.csv; staff may refine names and synonyms here."""

    list_display = ["code", "name_nl", "name_en", "kind", "parent"]
    list_filter = ["kind"]
    search_fields = ["code", "name_nl", "name_en", "synonyms_nl", "synonyms_en"]
    readonly_fields = ["code"]

    def has_add_permission(self, request: Any) -> bool:
        return False  # the vocabulary is reference data (data/themes.csv)

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def save_model(self, request: Any, obj: Any, form: Any, change: bool) -> None:
        # Through the service: validated, audited, and every tagged record reindexed.
        fields = {name: form.cleaned_data[name] for name in form.changed_data}
        services.theme_update(actor=request.user, theme=Theme.objects.get(pk=obj.pk), **fields)


@admin.register(SbiCode)
class SbiCodeAdmin(ReadOnlyAdmin):
    list_display = ["code", "name_nl", "section"]
    search_fields = ["code", "name_nl"]


@admin.register(ImportRun)
class ImportRunAdmin(ReadOnlyAdmin):
    """Import runs are made by the import pages; the admin only shows them."""

    list_display = ["created_at", "source", "input_name", "status", "created_by"]
    list_filter = ["status"]
    list_select_related = ["created_by"]

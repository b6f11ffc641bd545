from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from knooppunt.core.models import AuditEntry, OutboxMail


class ReadOnlyAdmin(admin.ModelAdmin):
    """The admin shows these objects; they are written only through services (the site's
    pages, imports), which validate, keep versions and write the audit log."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    """Read-only: the audit log is written by services, never edited."""

    list_display = ["created_at", "actor", "action", "target_repr"]
    list_filter = ["action"]
    search_fields = ["target_repr", "action"]
    list_select_related = ["actor"]


@admin.register(OutboxMail)
class OutboxMailAdmin(ReadOnlyAdmin):
    """Read-only: what was (or could not yet be) mailed, with each failure's error."""

    list_display = ["created_at", "purpose", "subject", "status", "attempts", "sent_at"]
    list_filter = ["status", "purpose"]
    search_fields = ["subject", "purpose"]

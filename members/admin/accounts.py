"""Organisers' accounts, consent wordings and the audit trail in the admin."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from members.models import (
    AuditEvent,
    ConsentWording,
    User,
)


@admin.register(ConsentWording)
class ConsentWordingAdmin(admin.ModelAdmin):
    """Read-only: wordings are added in members/consent.py, never edited."""

    list_display = ["kind", "version", "created_at"]
    readonly_fields = ["kind", "version", "text", "created_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "email", "role", "group", "region", "is_active"]
    list_filter = ["role", "is_active", "group", "region"]
    fieldsets = [
        *DjangoUserAdmin.fieldsets,
        ("Scope", {"fields": ["role", "group", "region"]}),
    ]


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only, and only for national organisers."""

    list_display = ["at", "actor_label", "action", "subject", "object_id", "rows", "detail"]
    list_filter = ["action", "subject"]
    date_hierarchy = "at"
    search_fields = ["actor_label", "subject", "object_id"]

    def _national(self, request):
        user = request.user
        return user.is_active and (user.is_superuser or user.role == User.Role.NATIONAL)

    def has_module_permission(self, request):
        return self._national(request)

    def has_view_permission(self, request, obj=None):
        return self._national(request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

"""Organisers' accounts, consent wordings and the audit trail in the admin."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from members.models import (
    AuditEvent,
    ConsentWording,
    User,
)
from members.scoping import ScopedAdminMixin


@admin.register(ConsentWording)
class ConsentWordingAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """Read-only: wordings are added in members/consent.py, never edited."""

    scope_branch_path = None  # the same words for everyone
    list_display = ["kind", "version", "created_at"]
    readonly_fields = ["kind", "version", "text", "created_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(User)
class UserAdmin(ScopedAdminMixin, DjangoUserAdmin):
    """Accounts and roles: national organisers only (and only with the user permissions)."""

    scope_branch_path = None
    national_only = True
    list_display = ["username", "email", "role", "group", "region", "is_active"]
    list_filter = ["role", "is_active", "group", "region"]
    fieldsets = [
        *DjangoUserAdmin.fieldsets,
        ("Scope", {"fields": ["role", "group", "region"]}),
    ]

    def save_related(self, request, form, formsets, change):
        # The form's groups were saved after the user: put the role's group back.
        super().save_related(request, form, formsets, change)
        form.instance.sync_role_group()


@admin.register(AuditEvent)
class AuditEventAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """Read-only, and only for national organisers."""

    scope_branch_path = None
    national_only = True
    list_display = ["at", "actor_label", "action", "subject", "object_id", "rows", "detail"]
    list_filter = ["action", "subject"]
    date_hierarchy = "at"
    search_fields = ["actor_label", "subject", "object_id"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from members.models import AuditEvent, Branch, Group, Member, Region, User, Workplace
from members.scoping import ScopedAdminMixin


@admin.register(Group)
class GroupAdmin(admin.ModelAdmin):
    list_display = ["name", "code"]
    search_fields = ["name", "code"]


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["name", "code"]
    search_fields = ["name", "code"]


class WorkplaceInline(admin.TabularInline):
    model = Workplace
    extra = 0


@admin.register(Branch)
class BranchAdmin(ScopedAdminMixin, admin.ModelAdmin):
    scope_branch_path = ""
    list_display = ["name", "code", "group", "region"]
    list_filter = ["group", "region"]
    list_select_related = ["group", "region"]
    search_fields = ["name", "code"]
    inlines = [WorkplaceInline]


@admin.register(Member)
class MemberAdmin(ScopedAdminMixin, admin.ModelAdmin):
    scope_branch_path = "branch"
    list_display = ["name", "email", "branch", "grade", "is_rep", "status", "created_at"]
    list_filter = ["status", "grade", "is_rep", "branch__group", "branch__region"]
    list_select_related = ["branch"]
    search_fields = ["name", "email"]
    autocomplete_fields = ["branch"]
    readonly_fields = ["created_at", "updated_at", "confirmed_at"]


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

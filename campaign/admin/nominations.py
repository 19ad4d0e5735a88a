"""Nominations and the reports behind them in the admin: verified by an organiser,
changed only by a new report (so each change is versioned)."""

from django.contrib import admin, messages

from campaign import services
from campaign.models import Nomination, NominationReport
from members.scoping import ScopedAdminMixin


@admin.register(Nomination)
class NominationAdmin(ScopedAdminMixin, admin.ModelAdmin):
    scope_branch_path = "meeting__branch"
    list_display = [
        "meeting",
        "position",
        "nominee",
        "reported_by",
        "reported_at",
        "verified",
        "superseded_by",
    ]
    list_filter = [
        ("verified_by", admin.EmptyFieldListFilter),
        ("superseded_by", admin.EmptyFieldListFilter),
        ("position__election", admin.RelatedOnlyFieldListFilter),
    ]
    list_select_related = ["meeting__branch", "position", "candidate", "superseded_by"]
    search_fields = [
        "meeting__branch__name",
        "meeting__branch__code",
        "candidate__name",
        "other_name",
    ]
    readonly_fields = ["report", "superseded_by", "verified_by", "verified_at", "reported_at"]
    autocomplete_fields = ["meeting", "candidate"]
    actions = ["verify"]

    @admin.display(boolean=True)
    def verified(self, obj):
        return obj.is_verified

    def has_change_permission(self, request, obj=None):
        # A nomination changes only by a new report (versioned) or by verifying it.
        return False if obj is not None else super().has_change_permission(request, obj)

    def has_add_permission(self, request):
        return False

    @admin.action(description="Mark as verified (checked by me)", permissions=["change"])
    def verify(self, request, queryset):
        count = services.nominations_verify(nominations=queryset, user=request.user)
        messages.success(request, f"Verified {count} nomination{'s' if count != 1 else ''}.")


@admin.register(NominationReport)
class NominationReportAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """Every report ever made, read-only: the history behind each meeting's nominations."""

    scope_branch_path = "meeting__branch"
    list_display = [
        "meeting",
        "election",
        "version",
        "source",
        "reported_by",
        "created_at",
        "changes",
    ]
    list_filter = ["source", ("election", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["meeting__branch", "election"]
    search_fields = ["meeting__branch__name", "meeting__branch__code", "reported_by"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

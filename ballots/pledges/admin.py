"""Members' own 'I've voted' reports in the admin: read-only (only the member makes
one), in scope by the branch they count in."""

from django.contrib import admin

from ballots.models import VotePledge
from members.scoping import ScopedAdminMixin


@admin.register(VotePledge)
class VotePledgeAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["ballot", "branch", "reported_on"]
    list_filter = [("ballot", admin.RelatedOnlyFieldListFilter)]  # only ballots in scope
    list_select_related = ["ballot", "branch"]
    fields = ["ballot", "member", "branch", "reported_at", "reported_on", "consent_version"]
    readonly_fields = fields
    date_hierarchy = "reported_on"

    def has_add_permission(self, request):
        return False  # the member reports it themselves

    def has_change_permission(self, request, obj=None):
        return False

"""Petitions in the admin, with their signatures (read-only: people sign themselves).

A petition of the whole faction is seen by every organiser; one tied to a
structure test only by organisers who see the test. Signatures are
personal data: an organiser sees only those naming a branch in their scope
(signatures naming no branch, only a workplace, are national organisers').
"""

from django.contrib import admin

from ballots.models import Petition, PetitionSignature
from members.scoping import ScopedAdminMixin


class SignatureInline(ScopedAdminMixin, admin.TabularInline):
    model = PetitionSignature
    extra = 0
    scope_branch_path = "branch"
    fields = ["name", "email", "branch", "workplace", "created_at", "confirmed_at"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False  # people sign themselves, with their own consent


@admin.register(Petition)
class PetitionAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["title", "deadline", "target", "signed", "structure_test", "is_published"]
    list_filter = ["is_published"]
    search_fields = ["title", "slug"]
    prepopulated_fields = {"slug": ["title"]}
    inlines = [SignatureInline]

    def scope_queryset(self, request, queryset):
        visible = Petition.objects.visible_to(request.user).values("pk")
        return queryset.filter(pk__in=visible).with_count()

    @admin.display(description="confirmed signatures", ordering="signed")
    def signed(self, obj):
        return obj.signed

"""Branch contacts' links in the admin: send one, see who has one, withdraw it."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone

from members import services
from members.audit import audit_record
from members.forms import ContactLinkForm
from members.models import BranchContactLink
from members.scoping import ScopedAdminMixin


@admin.register(BranchContactLink)
class BranchContactLinkAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """Send a branch contact their link (add), see who has one, withdraw it (action)."""

    scope_branch_path = "branch"
    list_display = [
        "contact_name",
        "branch",
        "email",
        "created_by",
        "created_at",
        "expires_at",
        "revoked_at",
        "last_used_at",
    ]
    list_filter = [
        ("revoked_at", admin.EmptyFieldListFilter),
        ("branch__group", admin.RelatedOnlyFieldListFilter),
    ]
    list_select_related = ["branch", "created_by"]
    search_fields = ["contact_name", "email", "branch__name", "branch__code"]
    autocomplete_fields = ["branch"]
    actions = ["revoke"]

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = ContactLinkForm
        return super().get_form(request, obj, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["branch", "contact_name", "email", "days"]
        return [
            "branch",
            "contact_name",
            "email",
            "created_by",
            "created_at",
            "expires_at",
            "revoked_at",
            "last_used_at",
        ]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.get_fields(request, obj)

    def save_model(self, request, obj, form, change):
        if change:
            raise PermissionDenied  # links are withdrawn, never edited
        link = services.contact_link_send(
            branch=form.cleaned_data["branch"],
            contact_name=form.cleaned_data["contact_name"],
            email=form.cleaned_data["email"],
            created_by=request.user,
            days=form.cleaned_data["days"],
        )
        obj.pk = link.pk
        obj.token_hash = link.token_hash

    def response_add(self, request, obj, post_url_continue=None):
        messages.success(request, f"The link is on its way to {obj.email}.")
        return HttpResponseRedirect(reverse("admin:members_branchcontactlink_changelist"))

    @admin.action(description="Withdraw the selected links", permissions=["change"])
    def revoke(self, request, queryset):
        count = queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
        audit_record(
            actor=request.user,
            action="change",
            subject="members.branchcontactlink",
            rows=count,
            detail="links withdrawn",
        )
        messages.success(request, f"Withdrew {count} link{'s' if count != 1 else ''}.")

"""The union's structure in the admin: groups, regions, branches, workplaces."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path

from members.audit import audit_record
from members.imports import ImportFailed, structure_import
from members.models import (
    AuditEvent,
    Branch,
    Group,
    Region,
    Workplace,
)
from members.scoping import ScopedAdminMixin, scope_for


@admin.register(Group)
class GroupAdmin(ScopedAdminMixin, admin.ModelAdmin):
    scope_branch_path = None  # the union's structure: every organiser reads it
    national_writes = True
    list_display = ["name", "code"]
    search_fields = ["name", "code"]


@admin.register(Region)
class RegionAdmin(ScopedAdminMixin, admin.ModelAdmin):
    scope_branch_path = None
    national_writes = True
    list_display = ["name", "code"]
    search_fields = ["name", "code"]


@admin.register(Workplace)
class WorkplaceAdmin(ScopedAdminMixin, admin.ModelAdmin):
    scope_branch_path = "branch"
    list_display = ["name", "town", "branch"]
    list_select_related = ["branch"]
    search_fields = ["name", "town", "branch__code"]
    autocomplete_fields = ["branch"]


class WorkplaceInline(ScopedAdminMixin, admin.TabularInline):
    model = Workplace
    extra = 0
    scope_branch_path = None  # the branch's own: the branch is in scope


@admin.register(Branch)
class BranchAdmin(ScopedAdminMixin, admin.ModelAdmin):
    scope_branch_path = ""
    list_display = ["name", "code", "group", "region"]
    list_filter = [
        ("group", admin.RelatedOnlyFieldListFilter),
        ("region", admin.RelatedOnlyFieldListFilter),
    ]
    list_select_related = ["group", "region"]
    search_fields = ["name", "code"]
    inlines = [WorkplaceInline]

    def get_urls(self):
        return [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="members_branch_import",
            ),
            *super().get_urls(),
        ]

    def import_view(self, request):
        """Upload a CSV of branches and workplaces: all rows or nothing."""
        self.require(request, "add")
        self.require(request, "change")
        if not scope_for(request.user).everything:
            raise PermissionDenied  # it writes any group's branches: national organisers only
        form = StructureImportForm(request.POST or None, request.FILES or None)
        errors = []
        if request.method == "POST" and form.is_valid():
            try:
                report = structure_import(data=form.cleaned_data["file"].read())
            except ImportFailed as exc:
                errors = exc.errors
            else:
                audit_record(
                    actor=request.user,
                    action=AuditEvent.Action.IMPORT,
                    subject="branches and workplaces",
                    rows=report.rows,
                    detail=f"{report.branches_created} branches created, "
                    f"{report.branches_updated} updated, "
                    f"{report.workplaces_created} workplaces created",
                )
                messages.success(
                    request,
                    f"Imported: {report.branches_created} branches created, "
                    f"{report.branches_updated} updated, {report.workplaces_created} workplaces "
                    "created.",
                )
                return redirect("admin:members_branch_changelist")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Import branches and workplaces",
            "form": form,
            "import_errors": errors,
        }
        return TemplateResponse(request, "admin/members/branch/import.html", context)


class StructureImportForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        help_text="Columns: code, name, group, region, and optionally workplace and town. "
        "Group and region by code or name.",
    )
